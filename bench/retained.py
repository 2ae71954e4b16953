"""What keeping every `Decision` of a population in memory costs, against letting each go once used.

Run with ``.venv/bin/python bench/retained.py`` (``--people N``, ``--rounds N``). A program that evaluates a
population and keeps every decision (in a list, say) makes Python's cyclic garbage collector walk more and more
live objects as the list grows: each decision is some 30 pydantic models with their dicts and sets. Each
round, in one process with warm caches, evaluates the same people four ways, in turn:

* ``let go``: each decision dropped once made (what `evaluate_many` and ``ce-policy batch`` do);
* ``kept``: every decision appended to a list;
* ``kept, JSON``: every decision's JSON kept instead (strings, which the collector does not walk);
* ``kept, gc frozen``: every decision kept, and ``gc.freeze()`` after every 1,000, which moves what is alive
  then out of the collector's reach (the standard library's remedy for a large, long-lived heap).

It prints the median µs a record of each, and the ratio to ``let go``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ce_policy

sys.path.insert(0, str(Path(__file__).resolve().parent))
population_module = importlib.import_module("population")

SEED = 20250325


def _let_go(people: list[dict[str, Any]]) -> int:
    for record in people:
        ce_policy.evaluate(record, to_complete=False)
    return 0


def _kept(people: list[dict[str, Any]]) -> int:
    kept = [ce_policy.evaluate(record, to_complete=False) for record in people]
    return len(kept)  # the list is alive until here


def _kept_json(people: list[dict[str, Any]]) -> int:
    kept = [ce_policy.evaluate(record, to_complete=False).model_dump_json() for record in people]
    return len(kept)  # the list is alive until here


def _kept_frozen(people: list[dict[str, Any]]) -> int:
    kept = []
    for k, record in enumerate(people, 1):
        kept.append(ce_policy.evaluate(record, to_complete=False))
        if k % 1_000 == 0:
            gc.freeze()
    gc.unfreeze()
    return len(kept)  # the list is alive until here


WAYS: dict[str, Callable[[list[dict[str, Any]]], int]] = {
    "let go": _let_go,
    "kept": _kept,
    "kept, JSON": _kept_json,
    "kept, gc frozen": _kept_frozen,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=20_000, help="people per round (default 20,000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each way once a round (default 3)")
    args = parser.parse_args(argv)
    people = list(population_module.population(args.people, SEED))
    _let_go(people[:3_000])  # warm: engine compiled, memos filled
    spent: dict[str, list[float]] = {name: [] for name in WAYS}
    for k in range(args.rounds):
        for name in list(WAYS) if k % 2 == 0 else reversed(WAYS):
            gc.collect()
            began = time.perf_counter_ns()
            WAYS[name](people)
            spent[name].append((time.perf_counter_ns() - began) / len(people) / 1_000)
            gc.collect()
    base = statistics.median(spent["let go"])
    print(f"{args.people:,} people, {args.rounds} rounds; median µs a record (ratio to 'let go'):")
    for name, samples in spent.items():
        median = statistics.median(samples)
        print(f"  {name:<16} {median:7.0f} µs  {median / base:5.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
