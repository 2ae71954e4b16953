"""Long run (issue 7, item 2): N evaluations in one process; RSS stays flat and nothing grows past its bound.

Run with ``.venv/bin/python bench/long_run.py`` (``--n`` evaluations, default 1,000,000; ``--report`` how
often to print). The calls are the mixed population of ``tests/mixed_population.py`` (general, health,
education and accounting policies, both ``cache`` paths, ``to_complete`` on and off, invalid records), drawn
afresh for every block of 1,000 from a new seed, so new situations keep arriving and the bounded caches are
pushed to their bounds. ``--fast`` evaluates every call with ``cache=True, to_complete=False`` (the cheapest
path, to reach larger N in the same time).

It prints, at 10,000 evaluations, every ``--report`` evaluations and at the end: RSS (``VmRSS`` of
``/proc/self/status``), live engine sessions, engines cached, the firing memos' sizes and the completion
probes cached; then a verdict, and exits 1 if RSS grew more than 10% after 10,000 evaluations, a session was
left open, a cache passed its bound, or anything but a decision or a `ce_policy.RecordError` came out.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.mixed_population import calls, live_sessions, outcome  # noqa: E402

from ce_policy.decide import completion as _completion  # noqa: E402
from ce_policy.decide import engines  # noqa: E402

BLOCK = 1_000
BASELINE_AT = 10_000
RSS_TOLERANCE = 0.10


def rss_kib() -> int:
    """This process's resident set size, in KiB."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def state() -> dict[str, int]:
    """Live sessions and the sizes of every cache that grows with use."""
    memos = list(engines._memos.values())
    return {
        "live_sessions": live_sessions(),
        "engines": len(engines._engines),
        "memos": len(memos),
        "memo_max": max((len(memo) for memo in memos), default=0),
        "memo_total": sum(len(memo) for memo in memos),
        "probes": len(_completion._probes),
    }


def bounds_broken(now: dict[str, int]) -> list[str]:
    """The bounds ``now`` passes, if any."""
    memo_bound = 2 * max((memo.size for memo in engines._memos.values()), default=0)
    broken = []
    if now["live_sessions"]:
        broken.append(f"{now['live_sessions']} sessions left open")
    if now["engines"] > engines._ENGINE_CACHE_SIZE:
        broken.append(f"{now['engines']} engines > {engines._ENGINE_CACHE_SIZE}")
    if now["memo_max"] > memo_bound:
        broken.append(f"a memo holds {now['memo_max']} > {memo_bound}")
    if now["probes"] > _completion._CACHE_SIZE:
        broken.append(f"{now['probes']} probe entries > {_completion._CACHE_SIZE}")
    return broken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="evaluations (default 1,000,000)")
    parser.add_argument("--report", type=int, default=100_000, help="print every this many evaluations")
    parser.add_argument("--fast", action="store_true", help="cache=True, to_complete=False for every call")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = {"decisions": 0, "record_errors": 0}
    baseline: int | None = None
    peak_after_baseline = 0
    broken: list[str] = []
    done = 0
    print(f"long run: {args.n:,} evaluations, {'fast path' if args.fast else 'mixed calls'}", flush=True)
    while done < args.n:
        block = calls(min(BLOCK, args.n - done), seed=done // BLOCK)
        for call in block:
            if args.fast:
                call = dataclasses.replace(call, cache=True, to_complete=False)  # noqa: PLW2901
            text = outcome(call)
            if text.startswith('{"error":"RecordError"') or text.startswith('{"error": "RecordError"'):
                counts["record_errors"] += 1
            elif text.startswith('{"error"'):
                broken.append(f"unexpected outcome: {text[:200]}")
            else:
                counts["decisions"] += 1
            done += 1
            if done == BASELINE_AT or done % args.report == 0 or done == args.n:
                rss = rss_kib()
                now = state()
                if done >= BASELINE_AT:
                    baseline = baseline or rss
                    peak_after_baseline = max(peak_after_baseline, rss)
                broken += bounds_broken(now)
                elapsed = time.perf_counter() - started
                fields = " ".join(f"{k}={v:,}" for k, v in now.items())
                print(f"{done:>10,} evals  {elapsed:8.1f} s  RSS {rss / 1024:8.1f} MiB  {fields}", flush=True)
    print(f"outcomes: {counts['decisions']:,} decisions, {counts['record_errors']:,} RecordError")
    if baseline is not None:
        growth = peak_after_baseline / baseline - 1
        print(
            f"RSS at {BASELINE_AT:,}: {baseline / 1024:.1f} MiB; peak after it: {peak_after_baseline / 1024:.1f} MiB "
            f"({growth:+.1%}; tolerance {RSS_TOLERANCE:.0%})"
        )
        if growth > RSS_TOLERANCE:
            broken.append(f"RSS grew {growth:.1%}")
    for problem in dict.fromkeys(broken):
        print(f"PROBLEM: {problem}")
    print("verdict:", "FAIL" if broken else "OK")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
