"""The population section of ``bench_evaluate.py``: two references, two populations, every path to a decision.

* **References.** ``tests/reference.py`` (the hand-written Aksu 2025 rules, which validates its input with
  ce_policy's pydantic `Record`) and a *bare* reference of the same rules (`bare_evaluate`): dicts in, dicts
  out, no pydantic, the reference's own rule functions run on the record's plain fields. Every ratio is
  reported against both.
* **Populations.** The catalogue population of ``population.py`` (people taking courses from one shared
  catalogue, plus applications), and the same people with activities of their own (`own_population`): each
  activity's hours and completion date drawn for that person alone, so no two people share an activity, as on
  a self-paced platform.
* **Paths.** A loop of `ce_policy.evaluate`, `ce_policy.evaluate_many` in one process, and the population path
  (`ce_policy.decide.bulk.evaluate_population`, read from its columns), and the same on the records read into
  columns first (`RecordTable.from_records`, then `ce_policy.decide.bulk_table.evaluate_table`).

Each path is measured on the same chunks of new people (500 a chunk), one after the other, and each ratio is
taken chunk by chunk (the machine is shared and noisy); medians are reported. Decisions are compared with the
references outside the timed loops.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import statistics
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import ce_policy
from ce_policy.decide.bulk import evaluate_population
from ce_policy.decide.bulk_table import evaluate_table
from ce_policy.model.record_table import RecordTable

reference = importlib.import_module("reference")  # tests/ is on the path (bench_evaluate puts it there)
population_module = importlib.import_module("population")

CHUNK = 500
_OPTIONAL = ("organiser_level", "role", "degree_level", "patent_type", "publication_type", "journal", "approval")


class _Plain:
    """An activity or person as plain attributes: what the reference's rule functions read, without pydantic."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)


def _activity(data: dict[str, Any]) -> _Plain:
    fields = dict.fromkeys(_OPTIONAL)
    fields.update(data)
    fields["hours"] = Decimal(str(data["hours"]))
    fields["completed_on"] = dt.date.fromisoformat(data["completed_on"])
    granted = data.get("granted_on")
    fields["granted_on"] = dt.date.fromisoformat(granted) if granted else None
    return _Plain(fields)


def bare_evaluate(record: dict[str, Any], as_of: dt.date | None = None) -> dict[str, Any]:
    """The Aksu 2025 rules of ``tests/reference.py`` on a plain record (dicts in, dicts out, no validation)."""
    if record["year"] != reference.YEAR_START.year:
        raise ValueError("the reference knows only the Aksu 2025 rules")
    day = as_of or reference.DEADLINE
    title = record["person"]["title_level"]
    zero = Decimal(0)
    actual = {"public": zero, "professional": zero}
    projected = {"public": zero, "professional": zero}
    degree = {"actual": zero, "projected": zero}
    outcomes = []
    for data in record["activities"]:
        activity = _activity(data)
        outcome, standard, waiting = reference._activity(activity, title, day)
        outcomes.append(outcome)
        category = outcome["category"]
        for scenario, totals in (("actual", actual), ("projected", projected)):
            if not (outcome["counted"] or (waiting and scenario == "projected")):
                continue
            if data["kind"] == "degree_study":
                added = min(standard, reference.DEGREE_STUDY_FIXED - degree[scenario])
                degree[scenario] += added
                totals[category] += added
            else:
                totals[category] += standard
    hours = reference._totals(actual["public"], actual["professional"])
    planned = reference._totals(projected["public"], projected["professional"])
    compliant = reference._meets_floors(hours)
    floors = reference.FLOORS
    as_json = reference.hours_json
    return {
        "compliant": compliant,
        "hours": {name: as_json(value) for name, value in hours.items()},
        "required": {name: as_json(value) for name, value in floors.items()},
        "shortfall": {name: as_json(max(floor - hours[name], zero)) for name, floor in floors.items()},
        "projected": {
            "hours": {name: as_json(value) for name, value in planned.items()},
            "compliant": reference._meets_floors(planned),
        },
        "activities": outcomes,
        "consequences": sorted(() if compliant else reference.CONSEQUENCES_WHEN_INCOMPLETE),
    }


def own_population(size: int, seed: int) -> Iterator[dict[str, Any]]:
    """The catalogue population's people, each activity's hours and completion date drawn for that person alone."""
    rng = random.Random(seed + 7)
    first = dt.date(2025, 1, 1)
    for record in population_module.population(size, seed):
        for activity in record["activities"]:
            hours = Decimal(str(activity["hours"]))
            own = max(Decimal("0.25"), hours + Decimal(rng.randrange(-8, 9)) / 4)
            activity["hours"] = int(own) if own == own.to_integral_value() else float(own)
            if activity["completed_on"].startswith("2025"):
                activity["completed_on"] = (first + dt.timedelta(days=rng.randrange(365))).isoformat()
        yield record


def _columns_rows(chunk: list[dict[str, Any]]) -> int:
    rows = 0
    for columns in evaluate_population(chunk, chunk_size=len(chunk)):
        rows += len(columns)
        columns.compliant.tolist()  # read, as a caller would
    return rows


def _table_rows(chunk: list[dict[str, Any]]) -> int:
    rows = 0
    for columns in evaluate_table(RecordTable.from_records(chunk), chunk_size=len(chunk)):
        rows += len(columns)
        columns.compliant.tolist()
    return rows


_PATHS: dict[str, Callable[[list[dict[str, Any]]], object]] = {
    "bare reference": lambda chunk: [bare_evaluate(r) for r in chunk],
    "reference (pydantic)": lambda chunk: [reference.reference_evaluate(r, None) for r in chunk],
    "loop of evaluate": lambda chunk: [ce_policy.evaluate(r, to_complete=False) for r in chunk],
    "evaluate_many, 1 process": lambda chunk: [r.decision_json for r in ce_policy.evaluate_many(chunk, workers=1)],
    "population path": _columns_rows,
    "population path, columns": _table_rows,
}


def _check(chunk: list[dict[str, Any]], view: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
    """Records of ``chunk`` on which the references, `evaluate` and the population path do not all agree."""
    differ = 0
    rows = [c.row(i) for c in evaluate_population(chunk, chunk_size=len(chunk)) for i in range(len(c))]
    table = RecordTable.from_records(chunk)
    by_columns = [c.row(i) for c in evaluate_table(table, chunk_size=len(chunk)) for i in range(len(c))]
    differ += sum(mine != theirs for mine, theirs in zip(by_columns, rows, strict=True))
    for record, row in zip(chunk, rows, strict=True):
        expected = reference.reference_evaluate(record, None)
        decision = ce_policy.evaluate(record, to_complete=False)
        same_row = row["compliant"] == decision.compliant and row["hours"] == {
            c: getattr(decision.hours, c) for c in ("public", "professional", "total")
        }
        agree = bare_evaluate(record) == expected and view(decision.model_dump(mode="json")) == view(expected)
        differ += int(not (agree and same_row))
    return differ


def measure(name: str, people: list[dict[str, Any]], view: Callable[[dict[str, Any]], dict[str, Any]]) -> list[str]:
    """The section's lines for one population: each path's rate, and its ratios to both references."""
    rates: dict[str, list[float]] = {path: [] for path in _PATHS}
    for start in range(0, len(people), CHUNK):
        chunk = people[start : start + CHUNK]
        for path, run in _PATHS.items():
            began = time.perf_counter_ns()
            run(chunk)
            rates[path].append(len(chunk) / ((time.perf_counter_ns() - began) / 1e9))
    differ = _check(people[: 2 * CHUNK], view)
    activities = sum(len(r["activities"]) for r in people)
    lines = [
        f"{name}: {len(people):,} people, {activities / len(people):.1f} activities a person, chunks of {CHUNK}",
        f"  {'path':<28}{'rec/s':>10}{'× bare':>10}{'× reference':>13}",
    ]
    for path, chunk_rates in rates.items():
        bare = statistics.median(b / r for b, r in zip(rates["bare reference"], chunk_rates, strict=True))
        pyd = statistics.median(p / r for p, r in zip(rates["reference (pydantic)"], chunk_rates, strict=True))
        lines.append(f"  {path:<28}{statistics.median(chunk_rates):>10,.0f}{bare:>9.1f}×{pyd:>12.1f}×")
    lines.append(f"  (× : times slower than that reference, median over chunks); records that differ: {differ}")
    return lines


def section(size: int, seed: int, view: Callable[[dict[str, Any]], dict[str, Any]]) -> list[str]:
    """Both populations, each path, against both references."""
    catalogue = list(population_module.population(size, seed))
    own = list(own_population(size, seed + 1))  # other people: none of them decided before in this process
    return [*measure("catalogue population", catalogue, view), "", *measure("own activities", own, view)]
