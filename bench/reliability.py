"""Concurrency and determinism at full size (issue 7, items 1 and 6).

Run with ``.venv/bin/python bench/reliability.py`` (``--calls N`` per thread and per process, default 10,000;
``--threads``, default 8; ``--processes``, default 4). The calls are the mixed population of
``tests/mixed_population.py`` (general, health, education and accounting policies, both ``cache`` paths,
``to_complete`` on and off, ``as_of`` dates, invalid records); each outcome is a decision's JSON or an error's
class and codes.

1. One thread evaluates the N calls: the expected outcomes.
2. ``--threads`` threads, sharing this process's engines, each evaluate all N calls in their own shuffled
   order; every outcome must equal the expected one, and no engine session may be left open.
3. ``--processes`` fresh interpreters, run at once, each with its own ``PYTHONHASHSEED``, evaluate the same N
   calls; their outcomes (and the digests of the policies they loaded) must equal this process's, byte for
   byte.

Exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.mixed_population import calls, live_sessions, outcome, outcomes  # noqa: E402

import ce_policy  # noqa: E402

SEED = 2025
_WORKER = (
    "import json, sys; sys.path.insert(0, sys.argv[1]); import ce_policy; "
    "from tests.mixed_population import outcomes; "
    "digests = {p.id: p.digest for p in ce_policy.default_registry().policies()}; "
    "json.dump({'digests': digests, 'outcomes': outcomes(int(sys.argv[2]), int(sys.argv[3]))}, sys.stdout)"
)


def digest(texts: list[str]) -> str:
    """A short fingerprint of a list of outcomes."""
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]


def run_threads(count: int, size: int, expected: list[str]) -> list[str]:
    """Evaluate the calls in ``count`` threads; the problems found."""
    population = calls(size, SEED)
    problems: list[str] = []
    start = threading.Barrier(count)

    def work(worker: int) -> None:
        try:
            order = list(range(size))
            random.Random(worker).shuffle(order)
            start.wait()
            got = {i: outcome(population[i]) for i in order}
            wrong = [i for i in range(size) if got[i] != expected[i]]
            if wrong:
                problems.append(f"thread {worker}: {len(wrong)} outcomes differ, first at call {wrong[0]}")
        except BaseException as exc:
            problems.append(f"thread {worker} raised {exc!r}")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return problems


def run_processes(count: int, size: int, expected: list[str]) -> tuple[list[str], list[int]]:
    """Evaluate the calls in ``count`` fresh interpreters at once; the problems found and the hash seeds used."""
    seeds = [1 + 1_000 * i for i in range(count)]
    mine = {p.id: p.digest for p in ce_policy.default_registry().policies()}
    running = [
        subprocess.Popen(  # noqa: S603 - this interpreter, our own script
            [sys.executable, "-c", _WORKER, str(ROOT), str(size), str(SEED)],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            stdout=subprocess.PIPE,
        )
        for seed in seeds
    ]
    problems = []
    for seed, process in zip(seeds, running, strict=True):
        out, _ = process.communicate()
        if process.returncode != 0:
            problems.append(f"process (PYTHONHASHSEED={seed}) exited with {process.returncode}")
            continue
        result = json.loads(out)
        if result["digests"] != mine:
            problems.append(f"process (PYTHONHASHSEED={seed}) loaded other policy digests")
        wrong = [i for i, (a, b) in enumerate(zip(result["outcomes"], expected, strict=True)) if a != b]
        if wrong:
            problems.append(f"process (PYTHONHASHSEED={seed}): {len(wrong)} outcomes differ, first at {wrong[0]}")
    return problems, seeds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000, help="calls per thread and per process")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args(argv)
    problems: list[str] = []

    started = time.perf_counter()
    expected = outcomes(args.calls, SEED)
    errors = sum(text.startswith('{"error"') for text in expected)
    print(
        f"one thread: {args.calls:,} calls ({errors:,} invalid records) in {time.perf_counter() - started:.1f} s; "
        f"outcomes {digest(expected)}",
        flush=True,
    )

    started = time.perf_counter()
    found = run_threads(args.threads, args.calls, expected)
    sessions = live_sessions()
    if sessions:
        found.append(f"{sessions} sessions left open")
    print(
        f"threads: {args.threads} × {args.calls:,} = {args.threads * args.calls:,} calls in "
        f"{time.perf_counter() - started:.1f} s; {len(found)} problems; live sessions after: {sessions}",
        flush=True,
    )
    problems += found

    started = time.perf_counter()
    found, seeds = run_processes(args.processes, args.calls, expected)
    print(
        f"processes: {args.processes} × {args.calls:,} = {args.processes * args.calls:,} calls "
        f"(PYTHONHASHSEED {', '.join(map(str, seeds))}) in {time.perf_counter() - started:.1f} s; "
        f"{len(found)} problems",
        flush=True,
    )
    problems += found
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("verdict:", "FAIL" if problems else "OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
