"""Long runs and determinism (issue 7, items 2 and 6), at CI size.

* 4,000 evaluations of a population that keeps changing leave no session open and keep every cache within
  its bound (the memos' bound lowered here so that it is reached). The full-size run, with RSS, is
  ``bench/long_run.py``.
* The same records under the same policy digests give the same decisions, byte for byte, in processes with
  different ``PYTHONHASHSEED`` values and in this one.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ce_policy
from ce_policy.decide import completion as _completion
from ce_policy.decide import engines
from tests.mixed_population import calls, live_sessions, outcome, outcomes

ROOT = Path(__file__).resolve().parents[1]
EVALUATIONS = 4_000
BLOCK = 500
MEMO_BOUND = 500


def test_a_long_run_leaves_no_session_and_keeps_caches_within_their_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    for index, call in enumerate(calls(30, seed=0)):  # compile the engines the run will use
        outcome(dataclasses.replace(call, to_complete=index % 2 == 0))
    # The memos of the shipped policies, which the run evaluates; engines other tests built for registries of
    # their own keep theirs, untouched by the run and so beyond its bound.
    shipped = {id(policy) for policy in ce_policy.default_registry().policies()}
    memos = [memo for engine, memo in engines._memos.items() if id(engine.compiled.policy) in shipped]
    assert memos
    for memo in memos:
        monkeypatch.setattr(memo, "size", MEMO_BOUND)
    highest = 0
    kinds = {"decision": 0, "RecordError": 0}
    for block in range(EVALUATIONS // BLOCK):
        for call in calls(BLOCK, seed=100 + block):
            text = outcome(dataclasses.replace(call, to_complete=False))
            kinds["RecordError" if text.startswith('{"error": "RecordError"') else "decision"] += 1
        highest = max(highest, *(len(memo) for memo in memos))
        assert live_sessions() == 0
    assert kinds["RecordError"] > 0 and kinds["decision"] > 0.9 * EVALUATIONS
    assert MEMO_BOUND < highest <= 2 * MEMO_BOUND  # two tables (facts, activities), each bounded
    assert len(engines._engines) <= engines._ENGINE_CACHE_SIZE
    assert len(_completion._probes) <= _completion._CACHE_SIZE


_WORKER = (
    "import json, sys; sys.path.insert(0, sys.argv[1]); import ce_policy; "
    "from tests.mixed_population import outcomes; "
    "digests = {p.id: p.digest for p in ce_policy.default_registry().policies()}; "
    "print(json.dumps({'digests': digests, 'outcomes': outcomes(60, 5)}, sort_keys=True))"
)


def test_decisions_are_the_same_across_processes_and_hash_seeds() -> None:
    seeds = ["0", "1", "4294967295"]
    running = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(ROOT)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for seed in seeds
    ]
    results = []
    for process in running:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err.decode()[-2000:]
        results.append(out)
    assert results[0] == results[1] == results[2]
    here = {
        "digests": {p.id: p.digest for p in ce_policy.default_registry().policies()},
        "outcomes": outcomes(60, 5),
    }
    assert json.loads(results[0]) == here
    assert len(here["digests"]) >= 3 and any('"compliant":true' in text for text in here["outcomes"])
