"""Benchmark: start-up of ``import ce_policy`` and of a whole ``ce-policy evaluate`` process, two trees side by side.

Run with ``.venv/bin/python bench/startup.py --before DIR`` where DIR is the root of another checkout of
ce_policy (e.g. ``git worktree add /tmp/ce-before <commit>``): this checkout is "after", DIR is "before".
Without ``--before`` only this checkout is measured. Both run on this virtual environment's interpreter and
libraries, each tree's ``src`` first on ``PYTHONPATH``; the runs alternate before/after, round by round, so the
machine's noise falls on both sides alike. It reports, as medians over ``--runs`` rounds:

* ``python -X importtime -c "import ce_policy"``: the whole import (the ``ce_policy`` line's cumulative time)
  and ce_policy's own share (the sum of the self times of ``ce_policy.*`` modules);
* load as the peer benchmark counts it (``../shared/bench/peers``): in one process, ``import ce_policy``,
  the policies read and compiled and the first decision made (``ce_policy.evaluate`` on the example record),
  timed from before the import to the decision;
* the wall-clock time of a whole process running the ``ce-policy`` entry point of that tree (read from its
  ``pyproject.toml``) as ``ce-policy evaluate EXAMPLE``, on the shipped example record, whose output must be
  the same for both trees (else the benchmark stops: the two trees decide differently).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "policies/xj/aksu-2025-12/examples/incomplete.json"


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree / "src"), "PYTHONDONTWRITEBYTECODE": "1"}


def _entry_point(tree: Path) -> tuple[str, str]:
    scripts = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    module, function = scripts["ce-policy"].split(":")
    return module, function


def _import_times(tree: Path) -> tuple[float, float]:
    """The whole import of ce_policy and ce_policy's own share of it, in ms (one ``-X importtime`` run)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import ce_policy"],
        env=_env(tree),
        capture_output=True,
        text=True,
        check=True,
    )
    own = 0
    whole = 0
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, self_us, cumulative_us, name = (part.strip() for part in line.replace("import time:", "|").split("|"))
        if not self_us.isdigit():
            continue  # the header line
        if name == "ce_policy" or name.startswith("ce_policy."):
            own += int(self_us)
        if name == "ce_policy":
            whole = int(cumulative_us)
    return whole / 1000, own / 1000


_FIRST_DECISION = (
    "import time\n"
    "start = time.perf_counter()\n"
    "import ce_policy\n"
    "import json\n"
    "with open({example!r}, encoding='utf-8') as f:\n"
    "    ce_policy.evaluate(json.load(f))\n"
    "print((time.perf_counter() - start) * 1000)\n"
)


def _first_decision(tree: Path) -> float:
    """Import, policies loaded and compiled, first decision: in ms, from before the import (one process)."""
    done = subprocess.run(  # noqa: S603 - this interpreter, the tree's own code
        [sys.executable, "-c", _FIRST_DECISION.format(example=EXAMPLE)],
        env=_env(tree),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def _evaluate_process(tree: Path) -> tuple[float, str]:
    """The wall-clock time of ``ce-policy evaluate EXAMPLE`` as a whole process, in ms, and what it printed."""
    module, function = _entry_point(tree)
    code = (
        f"import sys; sys.argv = ['ce-policy', 'evaluate', {EXAMPLE!r}]; from {module} import {function}; {function}()"
    )
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - this interpreter, the tree's own entry point
        [sys.executable, "-c", code], env=_env(tree), cwd=ROOT, capture_output=True, text=True, check=False
    )
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise SystemExit(f"ce-policy evaluate failed in {tree}:\n{done.stderr}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="the root of another checkout to compare with")
    parser.add_argument("--runs", type=int, default=15, help="rounds (default 15)")
    args = parser.parse_args()
    trees = {"after": ROOT}
    if args.before is not None:
        trees = {"before": args.before.resolve(), "after": ROOT}
    for tree in trees.values():  # compile every module once, outside the timed runs
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "src")], check=True)  # noqa: S603
    keys = ("whole", "own", "load", "process")
    results: dict[str, dict[str, list[float]]] = {name: {key: [] for key in keys} for name in trees}
    outputs: dict[str, set[str]] = {name: set() for name in trees}
    for round_ in range(args.runs):
        order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
        for name in order:
            whole, own = _import_times(trees[name])
            elapsed, printed = _evaluate_process(trees[name])
            results[name]["whole"].append(whole)
            results[name]["own"].append(own)
            results[name]["load"].append(_first_decision(trees[name]))
            results[name]["process"].append(elapsed)
            outputs[name].add(printed)
    if len({text for texts in outputs.values() for text in texts}) != 1:
        raise SystemExit("the trees print different decisions for the example record")
    print(f"python {sys.version.split()[0]}, {args.runs} rounds, medians (ms); example: {EXAMPLE}")
    print(f"{'':12} {'import ce_policy':>16} {'ce_policy own':>14} {'first decision':>15} {'ce-policy evaluate':>19}")
    for name in trees:
        row = {key: statistics.median(values) for key, values in results[name].items()}
        print(f"{name:12} {row['whole']:16.1f} {row['own']:14.1f} {row['load']:15.1f} {row['process']:19.1f}")
    if "before" in trees:
        ratio = {
            key: statistics.median(results["after"][key]) / statistics.median(results["before"][key]) for key in keys
        }
        print(
            f"{'after/before':12} {ratio['whole']:15.2f}× {ratio['own']:13.2f}× {ratio['load']:14.2f}×"
            f" {ratio['process']:18.2f}×"
        )


if __name__ == "__main__":
    main()
