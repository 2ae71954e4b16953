"""Memory of ``ce-policy batch`` over a long input in one process: RSS after the first 10,000 records and at the end.

Run with ``.venv/bin/python bench/bench_batch_rss.py`` (``--records N``, default 1,000,000; ``--format csv``
or ``jsonl``). It writes a JSON Lines input of N generated people (``tests/batch_population.py``, with
activities of their own), runs ``ce-policy batch IN -o OUT --workers 1`` as a child process, and samples the
child's resident set (``VmRSS`` of ``/proc/PID/status``) with the number of decisions written so far (the lines
of the output's part file) every half second. It reports the RSS at the first sample after 10,000 records, the
last sample before the batch ended, the peak (``VmHWM``), and the growth between the two (target: within
10 %, issue 19). The input is written once and reused (``--input`` names it).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT / "tests"))

make_record = importlib.import_module("batch_population").make_record  # tests/ is on the path just above

FIRST = 10_000
SAMPLE_SECONDS = 0.5


def write_input(path: Path, count: int, seed: int) -> None:
    """``count`` records, one a line; each person's activities their own (own hours and dates)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as stream:
        for index in range(count):
            stream.write(json.dumps(make_record(rng, index), ensure_ascii=False) + "\n")


def _status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of ``pid`` in MiB (empty when the process is gone)."""
    found = {}
    try:
        with Path(f"/proc/{pid}/status").open(encoding="ascii") as stream:
            for line in stream:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    found[name] = int(value.split()[0]) / 1024
    except OSError:
        return {}
    return found


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as stream:
            return sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
    except OSError:
        return 0


def run(source: Path, fmt: str, count: int) -> dict[str, Any]:
    """Run the batch over ``source`` and sample its memory; the samples and the figures."""
    out = source.with_name(f"rss-out.{fmt}")
    for stale in source.parent.glob("rss-out*"):
        stale.unlink()
    part = out.with_name(out.name + ".part")
    command = [str(Path(sys.executable).parent / "ce-policy"), "batch", str(source), "-o", str(out), "--workers", "1"]
    command += ["--no-progress", "--lang", "en"]
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)  # noqa: S603
    samples: list[tuple[float, int, float]] = []
    peak = 0.0
    while child.poll() is None:
        status = _status(child.pid)
        if status:
            done = _lines(part) - (1 if fmt == "csv" else 0)
            samples.append((time.monotonic() - started, max(done, 0), status["VmRSS"]))
            peak = max(peak, status["VmHWM"])
        time.sleep(SAMPLE_SECONDS)
    error = child.stderr.read().decode() if child.stderr else ""
    after_first = next(((t, n, rss) for t, n, rss in samples if n >= FIRST), None)
    last = samples[-1] if samples else None
    return {
        "records": count,
        "exit": child.returncode,
        "seconds": time.monotonic() - started,
        "after_first": after_first,
        "last": last,
        "peak_mib": peak,
        "stderr_tail": error[-500:],
        "samples": samples[:: max(1, len(samples) // 40)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=1_000_000, help="records in the input (default 1,000,000)")
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="output format (default csv)")
    parser.add_argument("--input", type=Path, default=ROOT / "build" / "rss" / "people.jsonl", help="input file")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    args.input.parent.mkdir(parents=True, exist_ok=True)
    if _lines(args.input) != args.records:
        write_input(args.input, args.records, args.seed)
    result = run(args.input, args.format, args.records)
    first, last = result["after_first"], result["last"]
    print(f"Python {platform.python_version()} · {os.cpu_count()} CPUs · load {os.getloadavg()[0]:.2f}")
    print(
        f"ce-policy batch --workers 1, {args.records:,} records → {args.format}: exit {result['exit']}, "
        f"{result['seconds']:,.0f} s"
    )
    if first and last:
        growth = (last[2] / first[2] - 1) * 100
        print(
            f"RSS after {first[1]:,} records: {first[2]:,.1f} MiB; after {last[1]:,}: {last[2]:,.1f} MiB "
            f"({growth:+.1f} %, target within 10 %); peak {result['peak_mib']:,.1f} MiB"
        )
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, default=str))
    print("samples (s, records, MiB):", json.dumps(result["samples"]))
    return 0 if result["exit"] in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
