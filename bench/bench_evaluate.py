"""Benchmark: ``ce_policy.evaluate()`` (durable-rules) against the plain-Python ``tests/reference.py``.

Run with ``.venv/bin/python bench/bench_evaluate.py`` (``--quick`` for a short run, ``--records N`` to change
the population size). It measures, in one run and on the same inputs:

* latency per call for one 20-activity record, after warm-up: median and 99th percentile;
* throughput over a population of generated records (10,000 by default): records per second.

The population is drawn from a seeded ``random.Random`` to look like a real year: nearly everyone takes public
courses and CE-base training, some also apply for hours by another way, a few study off the platform, fail, or
finish outside the year. Both implementations get the same JSON records (both validate them with pydantic),
and their decisions are compared afterwards, outside the timed loops.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import ce_policy

TESTS_DIR = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS_DIR))

ReferenceFn = Callable[[dict[str, Any], dt.date | None], dict[str, Any]]
reference_evaluate = cast(ReferenceFn, importlib.import_module("reference").reference_evaluate)

SEED = 20250325  # the notice's date
COMPARED = ("compliant", "hours", "required", "shortfall", "projected")

# Ways registered by application, roughly by how often people use them.
_APPLIED_WAYS = (
    ("qualification_exam", 4),
    ("publication", 4),
    ("lecture", 3),
    ("practice", 3),
    ("advanced_seminar", 3),
    ("research_project", 2),
    ("degree_study", 2),
    ("other_recognised", 1),
    ("patent", 1),
)


def _day(rng: random.Random) -> str:
    """Mostly inside 2025; about 3 % just outside it."""
    if rng.random() < 0.03:
        return rng.choice(("2024-12-30", "2024-12-31", "2026-01-01", "2026-01-05"))
    return (dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365))).isoformat()


def _hours(rng: random.Random, choices: tuple[float, ...]) -> float:
    return rng.choice(choices)


def _registered(rng: random.Random, aid: str, kind: str, hours: float) -> dict[str, Any]:
    return {
        "id": aid,
        "kind": kind,
        "hours": hours,
        "on_platform": rng.random() < 0.97,
        "passed": rng.random() < 0.95,
        "completed_on": _day(rng),
    }


def _applied_fields(rng: random.Random, kind: str) -> dict[str, Any]:
    levels = ("national", "region", "region", "prefecture", "county", "unit")
    fields: dict[str, Any] = {}
    if kind in ("advanced_seminar", "lecture", "research_project", "other_recognised"):
        fields["organiser_level"] = rng.choice(levels)
    if kind == "lecture":
        fields["role"] = rng.choice(("lecturer", "attendee", "attendee"))
    elif kind == "degree_study":
        fields["degree_level"] = rng.choice(("bachelor", "master", "doctor", "associate", "party_school_bachelor"))
    elif kind == "patent":
        fields["patent_type"] = rng.choice(("invention", "utility_model", "design"))
        fields["granted_on"] = _day(rng)
    elif kind == "publication":
        fields["publication_type"] = rng.choice(("paper", "paper", "paper", "book", "translation"))
        fields["journal"] = rng.choice(("cn", "cn", "sector_recognised", "other"))
    status = rng.random()
    if status < 0.6:
        fields["approval"] = "approved"
    elif status < 0.85:
        fields["approval"] = "pending"
    elif status < 0.95:
        fields["approval"] = "rejected"
    return fields


def _applied(rng: random.Random, aid: str) -> dict[str, Any]:
    kinds, weights = zip(*_APPLIED_WAYS, strict=True)
    kind = rng.choices(kinds, weights)[0]
    activity = _registered(rng, aid, kind, _hours(rng, (8, 12, 16, 24, 30, 40, 48, 60, 72)))
    return {**activity, **_applied_fields(rng, kind)}


def make_record(rng: random.Random, index: int, activities: int | None = None) -> dict[str, Any]:
    """One person's 2025 record; with ``activities`` given, exactly that many activities."""
    items: list[dict[str, Any]] = []
    public = rng.choice((1, 2, 2, 3))
    training = rng.choice((1, 2, 3, 4))
    applied = rng.choice((0, 0, 0, 1, 1, 2))
    if activities is not None:
        public = max(1, activities // 4)
        applied = activities // 4
        training = activities - public - applied
    for i in range(public):
        items.append(_registered(rng, f"pub-{i}", "public_course", _hours(rng, (9.5, 10, 10.5, 15, 20, 30))))
    for i in range(training):
        items.append(_registered(rng, f"tr-{i}", "training", _hours(rng, (8, 12, 16, 20, 24, 32, 40))))
    items.extend(_applied(rng, f"app-{i}") for i in range(applied))
    rng.shuffle(items)
    person = {
        "id": f"p{index:05d}",
        "title_level": rng.choices(("junior", "intermediate", "senior"), (35, 45, 20))[0],
    }
    return {"person": person, "year": 2025, "activities": items}


def _latencies(fn: Callable[[dict[str, Any]], object], record: dict[str, Any], calls: int, warmup: int) -> list[int]:
    for _ in range(warmup):
        fn(record)
    samples = []
    for _ in range(calls):
        start = time.perf_counter_ns()
        fn(record)
        samples.append(time.perf_counter_ns() - start)
    return samples


def _throughput(fn: Callable[[dict[str, Any]], object], records: list[dict[str, Any]]) -> tuple[float, list[object]]:
    results = []
    start = time.perf_counter_ns()
    for record in records:
        results.append(fn(record))
    elapsed = time.perf_counter_ns() - start
    return len(records) / (elapsed / 1e9), results


def _p99(samples: list[int]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def _view(decision: dict[str, Any]) -> dict[str, Any]:
    view = {name: decision[name] for name in COMPARED}
    # The general rules count no credits: the decision's projection says so with a null the reference omits.
    view["projected"] = {k: v for k, v in decision["projected"].items() if not (k == "credits" and v is None)}
    view["consequences"] = sorted(decision["consequences"])
    view["activities"] = [
        {
            **{k: a[k] for k in ("id", "counted", "category", "hours", "registration", "route")},
            "reasons": sorted(a["reasons"]),
        }
        for a in decision["activities"]
    ]
    return view


def _engine_call(record: dict[str, Any]) -> object:
    return ce_policy.evaluate(record)


def _reference_call(record: dict[str, Any]) -> object:
    return reference_evaluate(record, None)


def _differences(decisions: list[object], expected: list[object]) -> int:
    """How many decisions differ from the reference's (dumped to JSON here, outside the timed loop)."""
    return sum(
        _view(cast(ce_policy.Decision, got).model_dump(mode="json")) != _view(cast(dict[str, Any], want))
        for got, want in zip(decisions, expected, strict=True)
    )


def _micro(nanoseconds: float) -> str:
    return f"{nanoseconds / 1e3:,.1f} µs"


def _row(label: str, engine: str, reference: str, ratio: float) -> str:
    return f"{label:<32}{engine:>14}{reference:>14}{ratio:>9.1f}×"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--records", type=int, default=None, help="population size (default 10,000; 1,000 with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help="a short run: fewer calls and records")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed of the population (default {SEED})")
    args = parser.parse_args(argv)
    population_size = args.records if args.records is not None else (1_000 if args.quick else 10_000)
    calls, warmup = (300, 50) if args.quick else (3_000, 300)

    rng = random.Random(args.seed)  # noqa: S311 - a reproducible population, not cryptography
    twenty = make_record(rng, 0, activities=20)
    population = [make_record(rng, i + 1) for i in range(population_size)]

    lat_engine = _latencies(_engine_call, twenty, calls, warmup)
    lat_reference = _latencies(_reference_call, twenty, calls, warmup)
    rps_engine, decisions = _throughput(_engine_call, population)
    rps_reference, expected = _throughput(_reference_call, population)
    mismatches = _differences(decisions, expected)
    activities = sum(len(r["activities"]) for r in population)

    med_e, med_r = statistics.median(lat_engine), statistics.median(lat_reference)
    p99_e, p99_r = _p99(lat_engine), _p99(lat_reference)
    per_record = activities / population_size
    print(f"ce_policy {ce_policy.__version__} · Python {platform.python_version()} · seed {args.seed}")
    print(f"latency: one 20-activity record, {calls:,} calls after {warmup:,} warm-up calls")
    print(f"throughput: {population_size:,} records, {activities:,} activities ({per_record:.1f} a record)")
    print()
    print(f"{'measure':<32}{'evaluate':>14}{'reference':>14}{'ratio':>10}")
    print("-" * 70)
    print(_row("median latency, 20 activities", _micro(med_e), _micro(med_r), med_e / med_r))
    print(_row("p99 latency, 20 activities", _micro(p99_e), _micro(p99_r), p99_e / p99_r))
    print(_row("throughput, records/s", f"{rps_engine:,.0f}", f"{rps_reference:,.0f}", rps_reference / rps_engine))
    print("-" * 70)
    print("ratio: how many times slower evaluate() is than the reference")
    print(f"decisions that differ from the reference: {mismatches} of {population_size:,}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
