"""Benchmark: drawing a population for ``ce-policy diff --generate``, before and after the seeded sampler.

Run with ``.venv/bin/python bench/bench_generate.py --before DIR`` where ``DIR`` is a checkout of the version to
compare with, e.g. the last commit::

    git worktree add /tmp/gen_before HEAD
    .venv/bin/python bench/bench_generate.py --before /tmp/gen_before
    git worktree remove /tmp/gen_before

Both versions are measured in the same run, round after round, each round in two fresh processes (one with
``DIR/src`` first on the path, one with this checkout's ``src``), in alternating order. Each process loads the
shipped policies first (not timed), then times ``generate_common_records(N, seed, shipped, shipped)``, the
call ``diff --generate N`` makes, and reports the time, the records drawn and kept, and a digest of the
records. The report gives the median time per record drawn on each side, the ratio of the medians and the
median of the rounds' ratios, and whether each side gave the same records in every round (same seed, same
records). For the new side it also splits a draw into reading the policies (`RecordSampler`) and drawing.
``--quantiles`` instead compares how the sampler's integers lean with how hypothesis's do.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _worker(count: int, seed: int) -> None:
    """Time one population drawn by whichever ce_policy is first on the path; print the figures as JSON."""
    import ce_policy  # noqa: PLC0415 - from the path the parent chose
    from ce_policy.policy.registry import default_registry  # noqa: PLC0415
    from ce_policy.testing.population import generate_common_records  # noqa: PLC0415

    registry = default_registry()
    registry.policies()
    start = time.perf_counter()
    drawn = generate_common_records(count, seed, registry, registry)
    seconds = time.perf_counter() - start
    digest = hashlib.sha256(json.dumps(drawn.records, sort_keys=True, default=str).encode()).hexdigest()[:16]
    figures: dict[str, Any] = {
        "source": str(Path(ce_policy.__file__).parents[1]),
        "seconds": seconds,
        "drawn": drawn.drawn,
        "records": len(drawn.records),
        "digest": digest,
    }
    try:
        from ce_policy.testing.sampler import RecordSampler  # noqa: PLC0415 - only the new side has it
    except ImportError:
        pass
    else:
        start = time.perf_counter()
        for policy in registry.policies():
            if policy.evaluable:
                RecordSampler(policy, policy.years)
        figures["reading"] = time.perf_counter() - start
    print(json.dumps(figures))


def _quantiles() -> None:
    """How the sampler's integers lean, against hypothesis's (draw_integer, as st.integers draws), by range."""
    import random  # noqa: PLC0415

    from hypothesis.internal.conjecture.data import ConjectureData  # noqa: PLC0415 - a primitive draw

    from ce_policy.testing.sampler import Seeded  # noqa: PLC0415

    shares = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9)
    seeded, rnd = Seeded(0), random.Random(0)

    def hypothesis_integer(low: int, high: int) -> int:
        return ConjectureData(random=rnd).draw_integer(low, high)  # a fresh one: each holds only so many draws

    print("range        draws        " + "  ".join(f"{int(q * 100):>7}%" for q in shares) + "  at an end")
    for high in (365, 10_000, 1_000_000):
        for name, draw in (("sampler", seeded.integer), ("hypothesis", hypothesis_integer)):
            values = sorted(draw(0, high) for _ in range(5000))
            cuts = "  ".join(f"{values[int(len(values) * q)]:>8}" for q in shares)
            ends = sum(v in (0, high) for v in values) / len(values)
            print(f"0..{high:<9} {name:<12} {cuts}  {ends:>9.1%}")


def _run(source: Path, count: int, seed: int) -> dict[str, Any]:
    environment = {**os.environ, "PYTHONPATH": str(source / "src")}
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--count", str(count), "--seed", str(seed)]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)  # noqa: S603
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(figures["source"]).resolve() != (source / "src").resolve():
        raise SystemExit(f"the worker imported ce_policy from {figures['source']}, not from {source / 'src'}")
    return figures


def main() -> None:
    """Measure both versions, round after round, and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--before", type=Path, help="a checkout of the version to compare with")
    parser.add_argument("--count", type=int, default=500, help="records drawn per round (default 500)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quantiles", action="store_true", help="only compare the integers' lean with hypothesis's")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.count, args.seed)
        return
    if args.quantiles:
        _quantiles()
        return
    if args.before is None or not (args.before / "src" / "ce_policy").is_dir():
        parser.error("--before DIR: a checkout holding src/ce_policy (e.g. git worktree add /tmp/gen_before HEAD)")
    sides = {"before": args.before, "after": ROOT}
    results: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    for round_ in range(args.rounds):
        order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
        for side in order:
            results[side].append(_run(sides[side], args.count, args.seed))
        per = {side: results[side][-1]["seconds"] / results[side][-1]["drawn"] * 1000 for side in sides}
        print(f"round {round_ + 1}: before {per['before']:.2f} ms/record, after {per['after']:.3f} ms/record")
    per_record = {s: [r["seconds"] / r["drawn"] * 1000 for r in results[s]] for s in sides}
    medians = {s: statistics.median(v) for s, v in per_record.items()}
    ratios = [b / a for b, a in zip(per_record["before"], per_record["after"], strict=True)]
    python = sys.version.split()[0]
    print(f"\n{args.count} records drawn per round, seed {args.seed}, {args.rounds} rounds, Python {python}")
    for side in sides:
        runs = results[side]
        same = len({r["digest"] for r in runs}) == 1
        seconds = statistics.median(r["seconds"] for r in runs)
        print(
            f"{side:>6}: median {medians[side]:.3f} ms/record drawn ({seconds:.2f} s"
            f" for {runs[0]['drawn']} drawn, {runs[0]['records']} kept); same records every round: {same}"
        )
    print(f"ratio of the medians: {medians['before'] / medians['after']:.1f}x faster")
    print(
        f"median of the rounds' ratios: {statistics.median(ratios):.1f}x (from {min(ratios):.1f} to {max(ratios):.1f})"
    )
    reading = [r["reading"] for r in results["after"] if "reading" in r]
    if reading:
        read = statistics.median(reading)
        total = statistics.median(r["seconds"] for r in results["after"])
        print(
            f" after: reading the policies (RecordSampler, every year) {read * 1000:.0f} ms of {total * 1000:.0f} ms;"
            f" drawing {(total - read) / results['after'][0]['drawn'] * 1000:.3f} ms/record"
        )


if __name__ == "__main__":
    main()
