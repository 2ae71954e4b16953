"""A decision is logged once, where it is given; what-ifs and evaluations on the way to another answer never.

With a process-wide decision log open (``set_decision_log``): ``diff_policies`` and ``replay`` leave it
unchanged, ``evaluate_many`` writes one entry per decision it yields, in input order, and the earlier records of
a ``prior`` are not logged (the entry of the decision they count for keeps their hours). ``docs/audit.md``.
"""

import io
import json
import pickle
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import ce_policy
from ce_policy.audit.log import NO_LOG, record_digest
from ce_policy.decide.sink import UNLOGGED, set_decision_log
from ce_policy.invariants import check_order_does_not_matter
from ce_policy.model.record import DEFERRED, Record, parse_model
from ce_policy.testing.cases import load_cases, run_case
from tests.layers import MAKE_UP_FILES, registry_with
from tests.records import activity, complete_record, record

FIRST_LINE = "an entry written before"


@pytest.fixture
def process_log() -> Iterator[io.StringIO]:
    """A process-wide decision log on a stream that already holds one line, switched off afterwards."""
    stream = io.StringIO()
    stream.write(FIRST_LINE + "\n")
    previous = set_decision_log(ce_policy.DecisionLog(stream))
    try:
        yield stream
    finally:
        set_decision_log(previous)


def _entries(stream: io.StringIO) -> list[dict[str, Any]]:
    lines = stream.getvalue().splitlines()
    assert lines[0] == FIRST_LINE
    return [json.loads(line) for line in lines[1:]]


def _population() -> list[dict[str, Any]]:
    people = [
        complete_record("p1"),
        record(activity("t", "training", 10), pid="p2"),
        {"person": {"id": "p3"}, "year": 2025},  # invalid: no decision, so no entry
        record(activity("pub", "public_course", 30), activity("pro", "training", 64), pid="p4"),
    ]
    for data in people:
        data["person"]["region"] = "xj.aksu"  # as logged: the default region is filled in otherwise
    return people


def _digest(data: dict[str, Any]) -> str:
    return record_digest(parse_model(Record, data, DEFERRED))


def test_diff_logs_nothing(process_log: io.StringIO) -> None:
    result = ce_policy.diff_policies("shipped", "shipped", _population())
    assert (result.records, result.unchanged, len(result.invalid)) == (4, 3, 1)
    assert _entries(process_log) == []


def test_evaluate_many_logs_each_decision_once_in_input_order(process_log: io.StringIO) -> None:
    decided = [r for r in _population() if "activities" in r]
    results = list(ce_policy.evaluate_many(_population(), workers=1))
    assert [r.ok for r in results] == [True, True, False, True]
    entries = _entries(process_log)
    assert [e["record_digest"] for e in entries] == [_digest(r) for r in decided]
    assert [e["outcome"]["compliant"] for e in entries] == [r.decision.compliant for r in results if r.decision]


def test_evaluate_many_with_a_thread_pool_logs_each_decision_once(process_log: io.StringIO) -> None:
    # The threads share this process's log: the calling process writes each entry, the threads none.
    decided = [r for r in _population() if "activities" in r]
    with ThreadPoolExecutor(2) as pool:
        results = list(ce_policy.evaluate_many(_population(), executor=pool, chunk_size=1))
    assert sum(r.ok for r in results) == 3
    assert [e["record_digest"] for e in _entries(process_log)] == [_digest(r) for r in decided]


@pytest.mark.parametrize("workers", [1, None])
def test_evaluate_many_unlogged_logs_nothing(process_log: io.StringIO, workers: int | None) -> None:
    if workers is None:  # threads that would otherwise log to the process-wide log themselves
        with ThreadPoolExecutor(2) as pool:
            results = list(ce_policy.evaluate_many(_population(), executor=pool, chunk_size=1, log=UNLOGGED))
    else:
        results = list(ce_policy.evaluate_many(_population(), workers=workers, log=UNLOGGED))
    assert sum(r.ok for r in results) == 3
    assert _entries(process_log) == []


def test_the_earlier_records_of_a_prior_are_not_logged(process_log: io.StringIO, tmp_path: Path) -> None:
    registry = registry_with(tmp_path, MAKE_UP_FILES)
    person = {"id": "p1", "title_level": "intermediate", "region": "t.mu"}
    earlier = {
        "person": person,
        "year": 2022,
        "activities": [activity("e1", "training", 40, completed_on="2022-06-01")],
    }
    now = {"person": person, "year": 2023, "activities": [activity("n1", "training", 60, completed_on="2025-06-01")]}
    ce_policy.evaluate(now, registry=registry, prior=[earlier], to_complete=False)
    (entry,) = _entries(process_log)
    assert entry["record_digest"] == _digest(now)
    assert entry["prior"] == [{"year": 2022, "hours": 40}]


def test_an_evaluation_passed_unlogged_is_logged_nowhere(process_log: io.StringIO) -> None:
    ce_policy.evaluate(complete_record(), log=UNLOGGED, to_complete=False)
    ce_policy.evaluate(complete_record(), to_complete=False)
    assert len(_entries(process_log)) == 1
    assert pickle.loads(pickle.dumps(UNLOGGED)) is UNLOGGED  # noqa: S301 - our own object, as sent to a worker
    assert NO_LOG is UNLOGGED


def test_a_replay_logs_nothing(process_log: io.StringIO, tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    with ce_policy.DecisionLog(path) as log:
        ce_policy.evaluate(complete_record(), log=log, to_complete=False)
    before = process_log.getvalue()
    assert ce_policy.replay(path).confirmed
    assert process_log.getvalue() == before


def test_yaml_cases_and_invariants_are_checks_not_decisions(process_log: io.StringIO) -> None:
    cases = load_cases(Path(__file__).resolve().parents[1] / "policies" / "xj" / "aksu-2025-12" / "cases" / "ways.yaml")
    assert cases and all(run_case(case).passed for case in cases[:5])
    check_order_does_not_matter(parse_model(Record, complete_record("p9"), DEFERRED))
    assert _entries(process_log) == []
