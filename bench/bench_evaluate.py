"""Benchmark: ``ce_policy.evaluate()`` (durable-rules) against the plain-Python ``tests/reference.py``.

Run with ``.venv/bin/python bench/bench_evaluate.py`` (``--quick`` for a short run; ``--records N``,
``--batch N`` and ``--long N`` change the sizes). Everything is measured in one run, on the same inputs, with
the hand-written reference of the Aksu rules as the baseline; figures are ratios to it, medians first (the
machine is shared and noisy). It reports:

* latency for one 20-activity record, **warm** (after warm-up: compiled engine, memo and caches filled) and
  **cold** (every cache of ce_policy emptied before each call: the engine is compiled and loaded again);
* throughput over a realistic population (`population.py`: people taking courses from a shared catalogue,
  plus individual applications): a loop of ``evaluate`` and ``evaluate_many(workers=1)`` in one process,
  against the reference, and ``evaluate_many`` on 2 worker processes against ``evaluate_many`` in one
  process. The machine is shared and noisy, so throughput is measured in pairs: the two sides one after the
  other on the same chunk of records (250 people; 4,000 for the workers), on ``--rounds`` new populations
  of the measured size, people neither side has seen (each person is decided once, as in a real batch);
  the median of the chunks' ratios is reported with the middle 80 %. The first pass over the population,
  from empty caches, is reported on its own. What a second process can gain on this machine is measured in
  the same run, interleaved chunk by chunk with the 2-worker measure: the reference run the same way (on the
  same pool, 100 records a task, each decision sent back as JSON), and the reference on records each
  process already holds, with nothing crossing between processes; ce_policy with nothing crossing (each
  process evaluates people it holds from its start, new to it, the workers half of each chunk each); and, in
  one process, the CPU a record costs when its chunk is pickled to a worker and back, over what it costs
  evaluated in place;
* the population section (``bench_population.py``, alone with ``--population-only``): a bare plain-Python
  reference (dicts in, dicts out, no pydantic) beside ``tests/reference.py``, every ratio against both, on the
  catalogue population and on one whose people have activities of their own, for a loop of ``evaluate``,
  ``evaluate_many`` in one process and the population path (``evaluate_population``);
* peak RSS, and RSS after 10,000 evaluations and after ``--long`` evaluations (default 200,000; the figure
  quoted in ``docs/performance.md`` is from ``--long 1000000``).

``evaluate`` is called with ``to_complete=False`` where it is compared with the reference, which works out no
completion plan; the rate with ``to_complete`` on is reported besides. Decisions are compared with the
reference's afterwards, outside the timed loops.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import json
import multiprocessing
import os
import pickle
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any, TypeVar, cast

import ce_policy
from ce_policy.decide import completion as _completion
from ce_policy.decide import engines
from ce_policy.decide import many as _batch

BENCH_DIR = Path(__file__).resolve().parent
TESTS_DIR = BENCH_DIR.parent / "tests"
sys.path[:0] = [str(TESTS_DIR), str(BENCH_DIR)]

ReferenceFn = Callable[[dict[str, Any], dt.date | None], dict[str, Any]]
reference_evaluate = cast(ReferenceFn, importlib.import_module("reference").reference_evaluate)
population_module = importlib.import_module("population")

SEED = 20250325  # the notice's date
COMPARED = ("compliant", "hours", "required", "shortfall", "projected")


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


def _engine(record: dict[str, Any]) -> object:
    return ce_policy.evaluate(record, to_complete=False)


def _reference(record: dict[str, Any]) -> object:
    return reference_evaluate(record, None)


def clear_caches() -> None:
    """Empty every cache of ce_policy in this process: compiled engines (with their memos) and probes."""
    with engines._engines_lock:
        for engine in engines._engines.values():
            engine.close()
        engines._engines.clear()
    _completion._probes.clear()


def _latencies(fn: Callable[[], object], calls: int, before: Callable[[], None] | None = None) -> list[int]:
    samples = []
    for _ in range(calls):
        if before is not None:
            before()
        start = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - start)
    return samples


def _rate(run: Callable[[], Iterable[object]], size: int) -> tuple[float, list[object]]:
    start = time.perf_counter_ns()
    results = list(run())
    elapsed = time.perf_counter_ns() - start
    return size / (elapsed / 1e9), results


def _p99(samples: list[int]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rss_mib() -> float:
    """The resident set size now (Linux ``/proc``), in MiB."""
    return _status_mib("VmRSS")


def _peak_mib() -> float:
    """The peak resident set size of this process (``VmHWM``; unlike ``ru_maxrss`` it is not inherited)."""
    return _status_mib("VmHWM")


def _differences(decisions: list[object], expected: list[object]) -> int:
    return sum(
        _view(cast(ce_policy.Decision, got).model_dump(mode="json")) != _view(cast(dict[str, Any], want))
        for got, want in zip(decisions, expected, strict=True)
    )


def _row(label: str, engine: str, reference: str, ratio: float, target: str = "") -> str:
    return f"{label:<40}{engine:>13}{reference:>13}{ratio:>8.1f}×  {target}"


def _us(nanoseconds: float) -> str:
    return f"{nanoseconds / 1e3:,.0f} µs"


def _latency(twenty: dict[str, Any], calls: int, cold_calls: int) -> dict[str, list[int]]:
    # Warm: the engine compiled, the memo and caches filled by the warm-up.
    for _ in range(100):
        _engine(twenty)
        _reference(twenty)
    return {
        "warm": _latencies(lambda: _engine(twenty), calls),
        "reference": _latencies(lambda: _reference(twenty), calls),
        "cold": _latencies(lambda: _engine(twenty), cold_calls, before=clear_caches),
    }


class Paired:
    """Two sides timed chunk by chunk on the same records, one right after the other.

    Each chunk gives one sample of each side's rate and of their ratio, so both sides of a sample saw about
    the same machine; the medians over every chunk of every round are what is reported.
    """

    def __init__(self, ours: list[float], theirs: list[float]) -> None:
        self.ours, self.theirs = ours, theirs

    @property
    def ratios(self) -> list[float]:
        """Per sample: the rate of ``theirs`` over that of ``ours``."""
        return [theirs / ours for ours, theirs in zip(self.ours, self.theirs, strict=True)]

    def median(self) -> float:
        return statistics.median(self.ratios)

    def spread(self) -> str:
        """The middle 80 % of the samples' ratios."""
        return _spread(self.ratios)


def _spread(values: list[float]) -> str:
    """The middle 80 % of some ratios (a dash for a single sample)."""
    if len(values) < 2:
        return "—"
    deciles = statistics.quantiles(values, n=10)
    return f"{deciles[0]:.1f}–{deciles[-1]:.1f}×"


Batch = Callable[[list[dict[str, Any]]], object]
Part = TypeVar("Part", bound=Sized)


def _drain(results: Iterable[object]) -> int:
    """Consume results one by one and let each go, as a batch that streams them does; how many there were."""
    count = 0
    for _ in results:
        count += 1
    return count


def _chunks(size: int, seed: int, chunk: int, catalogue: int) -> Iterator[list[dict[str, Any]]]:
    """``size`` new people drawn from ``seed``, taking the courses of one catalogue, ``chunk`` at a time."""
    people = population_module.population(size, seed, population_module.Catalogue(catalogue))
    while part := list(islice(people, chunk)):
        yield part


def _paired(chunks: Iterable[list[dict[str, Any]]], ours: Batch, theirs: Batch) -> Paired:
    """Rates of ``ours`` and ``theirs``, each chunk of records timed on one side right after the other."""
    rates = _interleaved(chunks, {"ours": ours, "theirs": theirs})
    return Paired(rates["ours"], rates["theirs"])


def _interleaved(chunks: Iterable[Part], sides: dict[str, Callable[[Part], object]]) -> dict[str, list[float]]:
    """Each side's rate on each chunk of records, the sides timed one right after the other on that chunk.

    The order of the sides is reversed from one chunk to the next, so none is always first. Every chunk holds
    people no side has seen (as in a real batch, where each person is decided once), so a memo gains only
    from what people share, such as the catalogue's courses, and not from meeting the same records again.
    Every side lets each result go once made, and what the benchmark itself holds is frozen out of the
    garbage collector's reach: a batch streams its records and results, and should not pay for ours.
    """
    gc.collect()
    gc.freeze()
    rates: dict[str, list[float]] = {name: [] for name in sides}
    for k, part in enumerate(chunks):
        for name in list(sides) if k % 2 == 0 else reversed(sides):
            began = time.perf_counter_ns()
            sides[name](part)
            rates[name].append(len(part) / (time.perf_counter_ns() - began) * 1e9)
    gc.unfreeze()
    return rates


def _one_process(people: list[dict[str, Any]], rounds: int, seed: int) -> dict[str, Any]:
    clear_caches()
    size = len(people)
    first_rate, decisions = _rate(lambda: (_engine(r) for r in people), size)
    first_reference, expected = _rate(lambda: (_reference(r) for r in people), size)

    def reference(part: list[dict[str, Any]]) -> object:
        return _drain(_reference(r) for r in part)

    def loop(part: list[dict[str, Any]]) -> object:
        return _drain(_engine(r) for r in part)

    def many(part: list[dict[str, Any]]) -> object:
        return _drain(ce_policy.evaluate_many(part, workers=1))

    def full(part: list[dict[str, Any]]) -> object:
        return _drain(ce_policy.evaluate(r) for r in part)

    measured = size * rounds
    return {
        "first_rates": (first_rate, first_reference),
        "loop": _paired(_chunks(measured, seed + 101, 250, seed), loop, reference),
        "many": _paired(_chunks(measured, seed + 202, 250, seed), many, reference),
        "full": _paired(_chunks(measured, seed + 303, 250, seed), full, reference),
        "diff": _differences(decisions, expected),
    }


def _reference_chunk(chunk: list[dict[str, Any]]) -> list[str]:
    """The reference's decisions on a chunk, as JSON (run in a worker, as `evaluate_many` runs a chunk)."""
    return [json.dumps(reference_evaluate(record, None), default=str) for record in chunk]


def _reference_many(part: list[dict[str, Any]], pool: ProcessPoolExecutor) -> int:
    """The reference on the pool, 100 records a task, every task sent at once, results read in order."""
    tasks = [pool.submit(_reference_chunk, part[i : i + 100]) for i in range(0, len(part), 100)]
    return sum(_drain(task.result()) for task in tasks)


_fresh: list[dict[str, Any]] = []  # people no process has seen, held by every worker from its start (the fork)


def _reference_resident(count: int) -> int:
    """The reference on ``count`` of the records this process already holds: nothing crosses to it."""
    for k in range(count):
        reference_evaluate(_fresh[k % len(_fresh)], None)
    return count


def _evaluate_fresh(start: int, stop: int) -> int:
    """ce_policy on people this process already holds, each decision's JSON made: nothing crosses to it."""
    return _drain(ce_policy.evaluate(r, to_complete=False).model_dump_json() for r in _fresh[start:stop])


def _two_workers(batch: int, seed: int, rounds: int) -> dict[str, Paired]:
    """One process against a pool of 2 worker processes, started (and warmed) once, as a service keeps it.

    The reference is run the same way, on the same pool and the same chunks, interleaved with ce_policy: its
    gain from 2 processes is what this machine gives plain Python at that moment, the baseline of ours. The
    reference and ce_policy are also run on people every process holds from its start (``_fresh``), so that
    nothing crosses between processes: the machine's gain, and ce_policy's gain without a pool's crossings.
    """
    warm = list(population_module.population(2 * batch, seed + 7, population_module.Catalogue(seed)))
    _fresh[:] = population_module.population(batch, seed + 606, population_module.Catalogue(seed))
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        # Warm-up on other people, the same number for each process, as after a while in a long batch: the
        # workers start, load the policies and learn the catalogue from their share of 2 × batch people, and
        # this process from batch people.
        _drain(ce_policy.evaluate_many(warm, executor=pool, chunk_size=100))
        _drain(ce_policy.evaluate_many(warm[:batch], workers=1))
        _reference_many(warm[:batch], pool)

        # The same output on every side: each decision's JSON (what `ce-policy batch` writes) ...
        sides: dict[str, Batch] = {
            "one": lambda part: _drain(r.decision_json for r in ce_policy.evaluate_many(part, workers=1)),
            "two": lambda part: _drain(
                r.decision_json for r in ce_policy.evaluate_many(part, executor=pool, chunk_size=100)
            ),
            "reference one": lambda part: _drain(json.dumps(_reference(r), default=str) for r in part),
            "reference two": lambda part: _reference_many(part, pool),
            # The machine itself: the reference on records each process already holds, so that nothing
            # crosses between processes; two workers share the chunk's count.
            "resident one": lambda part: _reference_resident(len(part)),
            "resident two": lambda part: sum(
                task.result() for task in [pool.submit(_reference_resident, len(part) // 2) for _ in range(2)]
            ),
        }

        # ... and each decision as a `Decision` in the calling process.
        def one_decision(part: list[dict[str, Any]]) -> object:
            return _drain(r.decision for r in ce_policy.evaluate_many(part, workers=1))

        def two_decision(part: list[dict[str, Any]]) -> object:
            return _drain(r.decision for r in ce_policy.evaluate_many(part, executor=pool, chunk_size=100))

        # ce_policy itself, nothing crossing: each process evaluates people it already holds; 2 workers take
        # half of each chunk each. Its gain against the machine's says what the pool's crossings cost.
        def split(part: range) -> int:
            middle = (part.start + part.stop) // 2
            halves = [pool.submit(_evaluate_fresh, part.start, middle), pool.submit(_evaluate_fresh, middle, part.stop)]
            return sum(task.result() for task in halves)

        held = _interleaved(
            [range(start, min(start + 4_000, batch)) for start in range(0, batch, 4_000)],
            {"one": lambda part: _evaluate_fresh(part.start, part.stop), "two": split},
        )

        measured = batch * rounds
        rates = _interleaved(_chunks(measured, seed + 404, 4_000, seed), sides)
        return {
            "held": Paired(held["one"], held["two"]),
            "json": Paired(rates["one"], rates["two"]),
            "reference": Paired(rates["reference one"], rates["reference two"]),
            "resident": Paired(rates["resident one"], rates["resident two"]),
            "decision": _paired(_chunks(measured, seed + 505, 4_000, seed), one_decision, two_decision),
        }


def _transport(people: list[dict[str, Any]], rounds: int = 8) -> float:
    """CPU a record costs on the worker path, over what it costs in one process, both in this process.

    The worker path is what `evaluate_many` does with a pool, minus the pipes: each chunk of 100 records is
    pickled (the calling process), unpickled and evaluated, its results pickled (the worker) and unpickled
    (the calling process). Without a second process, no other program's load enters the ratio: it is the
    CPU that a pool of processes adds to every record, which no number of cores gives back.
    """
    options = _batch._Options(None, None, None, False, True)
    _drain(ce_policy.evaluate_many(people, workers=1))

    def one() -> None:
        _drain(r.decision_json for r in ce_policy.evaluate_many(people, workers=1))

    def worker_path() -> None:
        for chunk in _batch._chunks(people, 100):
            sent = ForkingPickler.dumps((chunk, options))
            received = pickle.loads(sent)  # noqa: S301 - bytes pickled just above, in this process
            back = ForkingPickler.dumps(_batch._evaluate_chunk(*received))
            _drain(r.decision_json for r in pickle.loads(back))  # noqa: S301 - likewise

    ratios = []
    for k in range(rounds):
        spent = {}
        for name, run in (("one", one), ("worker", worker_path))[:: 1 if k % 2 == 0 else -1]:
            began = time.process_time_ns()
            run()
            spent[name] = time.process_time_ns() - began
        ratios.append(spent["worker"] / spent["one"])
    return statistics.median(ratios)


def memory_run(evaluations: int, seed: int) -> dict[str, Any]:
    """In a process that does nothing else: RSS after 10,000 evaluations and after ``evaluations``."""
    rotating = list(population_module.population(5_000, seed + 11))
    rss_10k = float("nan")
    for i in range(evaluations):
        _engine(rotating[i % len(rotating)])
        if i + 1 == 10_000:
            rss_10k = _rss_mib()
    return {
        "evaluations": evaluations,
        "rss_10k": rss_10k,
        "rss_end": _rss_mib(),
        "peak": _peak_mib(),
        "live_sessions": sum(engine.live_sessions for engine in engines._engines.values()),
        "engines": len(engines._engines),
        "memo_entries": [len(memo) for memo in engines._memos.values()],
    }


def _memory(evaluations: int, seed: int) -> dict[str, Any]:
    script = Path(__file__).resolve()
    done = subprocess.run(  # noqa: S603 - this very script, in a fresh interpreter
        [sys.executable, str(script), "--memory-only", str(evaluations), "--seed", str(seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _report(args: argparse.Namespace, people: list[dict[str, Any]], latency: dict[str, list[int]]) -> int:
    one = _one_process(people, args.rounds, args.seed)
    two = _two_workers(args.batch, args.seed, args.rounds)
    transport = _transport(people[:3_000])
    memory = _memory(args.long, args.seed)
    warm, cold, reference = latency["warm"], latency["cold"], latency["reference"]
    med_w, med_c, med_r = statistics.median(warm), statistics.median(cold), statistics.median(reference)
    activities = sum(len(r["activities"]) for r in people)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"ce_policy {ce_policy.__version__} · Python {platform.python_version()} · seed {args.seed}")
    print(f"{os.cpu_count()} CPUs, load average at the end {load}; throughput: {args.rounds} new populations")
    print(f"latency: one 20-activity record; warm {len(warm):,} calls, cold {len(cold):,} calls (caches emptied)")
    print(f"population: {len(people):,} people, {activities:,} activities ({activities / len(people):.1f} a person)")
    print()
    print(f"{'measure':<40}{'evaluate':>13}{'reference':>13}{'ratio':>9}  target")
    print("-" * 88)
    print(_row("warm latency, median", _us(med_w), _us(med_r), med_w / med_r, "≤ 8×"))
    print(_row("warm latency, p99", _us(_p99(warm)), _us(_p99(reference)), _p99(warm) / _p99(reference)))
    print(_row("cold latency, median", _us(med_c), _us(med_r), med_c / med_r, "≤ 60×"))
    print(_row("cold latency, p99", _us(_p99(cold)), _us(_p99(reference)), _p99(cold) / _p99(reference)))
    first, reference = one["first_rates"]
    print(_row("one process, first pass, caches empty", f"{first:,.0f}", f"{reference:,.0f}", reference / first))
    rows = (
        ("one process, loop of evaluate (rec/s)", one["loop"], "≤ 3×"),
        ("one process, evaluate_many (rec/s)", one["many"], "≤ 3×"),
        ("one process, with to_complete (rec/s)", one["full"], ""),
    )
    for label, paired, target in rows:
        ours, theirs = statistics.median(paired.ours), statistics.median(paired.theirs)
        print(_row(label, f"{ours:,.0f}", f"{theirs:,.0f}", paired.median(), f"{target:<6} chunks {paired.spread()}"))
    print("-" * 88)
    print("ratio: how many times slower than the reference (median over chunks of 250 records; middle 80 % after)")
    print()
    print(f"evaluate_many over {args.batch:,} people, one process against 2 worker processes (pool started once):")
    shown = (
        ("each decision's JSON", two["json"], "target ≥ 1.7×"),
        ("each decision as a Decision", two["decision"], "target ≥ 1.7×"),
        ("the reference, run the same way", two["reference"], "plain Python's gain here"),
        ("the reference, nothing crossing", two["resident"], "this machine's gain"),
        ("ce_policy, nothing crossing", two["held"], "its gain without a pool's crossings"),
    )
    for label, paired, note in shown:
        one_rate, two_rate = statistics.median(paired.ours), statistics.median(paired.theirs)
        print(
            f"  {label:<31} 1 process {one_rate:>6,.0f} rec/s, 2 workers {two_rate:>6,.0f} rec/s → "
            f"{paired.median():.2f}× (chunks {paired.spread()}; {note})"
        )
    for label, baseline in (("the reference's", two["reference"]), ("the machine's", two["resident"])):
        relative = [ours / theirs for ours, theirs in zip(two["json"].ratios, baseline.ratios, strict=True)]
        print(
            f"  ce_policy's gain (each decision's JSON) over {label}, chunk by chunk: "
            f"{statistics.median(relative):.2f}× (chunks {_spread(relative)})"
        )
    print(
        f"  the worker path's CPU per record (chunks pickled to a worker and back, all in this process): "
        f"{transport:.3f}× the one-process path's"
    )
    growth = (memory["rss_end"] / memory["rss_10k"] - 1) * 100
    print(
        f"memory (a fresh process): RSS after 10,000 evaluations {memory['rss_10k']:,.1f} MiB, after "
        f"{memory['evaluations']:,} {memory['rss_end']:,.1f} MiB ({growth:+.1f} %, target within ±10 %); "
        f"peak {memory['peak']:,.1f} MiB"
    )
    print(
        f"  live sessions {memory['live_sessions']}, engines {memory['engines']}, memo entries {memory['memo_entries']}"
    )
    print(f"peak RSS of this benchmark process: {_peak_mib():,.0f} MiB")
    print(f"decisions that differ from the reference: {one['diff']:.0f} of {len(people):,}")
    print()
    print("\n".join(_population_section(args)))
    return 1 if one["diff"] else 0


def _population_section(args: argparse.Namespace) -> list[str]:
    """Both populations (shared catalogue, own activities), every path, against both references."""
    section = importlib.import_module("bench_population").section
    size = min(args.records, 4_000 if args.quick else 10_000)
    return cast(list[str], section(size, args.seed + 100, _view))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run: fewer calls and records")
    parser.add_argument("--records", type=int, help="population for one process (default 20,000; 2,000 quick)")
    parser.add_argument("--batch", type=int, help="population for the 2-worker run (default 60,000; 6,000 quick)")
    parser.add_argument("--long", type=int, help="evaluations of the RSS run (default 200,000; 20,000 quick)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed of the population (default {SEED})")
    parser.add_argument(
        "--rounds", type=int, default=3, help="new populations of that size per throughput measure (default 3)"
    )
    parser.add_argument("--memory-only", type=int, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument("--population-only", action="store_true", help="only the population section (both references)")
    args = parser.parse_args(argv)
    if args.memory_only:
        print(json.dumps(memory_run(args.memory_only, args.seed)))
        return 0
    args.records = args.records or (2_000 if args.quick else 20_000)
    if args.population_only:
        print("\n".join(_population_section(args)))
        return 0
    args.batch = args.batch or (6_000 if args.quick else 60_000)
    args.long = args.long or (20_000 if args.quick else 200_000)
    calls, cold_calls = (300, 30) if args.quick else (3_000, 200)
    latency = _latency(population_module.record_of(20, args.seed), calls, cold_calls)
    return _report(args, list(population_module.population(args.records, args.seed)), latency)


if __name__ == "__main__":
    sys.exit(main())
