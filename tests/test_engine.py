"""The engine boundary: sessions always deleted, failures translated, threads safe."""

import dataclasses
import datetime as dt
import random
import threading
from typing import Any

import pytest

import ce_policy
from ce_policy.decide.engines import engine_for
from ce_policy.decide.stages import StageRunner
from tests.records import activity, complete_record, record

POLICY_ID = "xj.aksu.2025"
DAY = dt.date(2025, 12, 31)


def _engine() -> Any:
    return engine_for(ce_policy.default_registry().policy(POLICY_ID), DAY)


def _records(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    kinds = ["public_course", "training", "qualification_exam", "practice"]
    out = []
    for i in range(n):
        acts = []
        for j in range(rng.randint(0, 8)):
            kind = rng.choice(kinds)
            extra = (
                {"approval": rng.choice(["approved", "pending"])} if kind in ("qualification_exam", "practice") else {}
            )
            acts.append(
                activity(
                    f"a{j}",
                    kind,
                    rng.choice([0.5, 8, 12.25, 30, 45]),
                    on_platform=rng.random() > 0.1,
                    **extra,
                )
            )
        out.append(record(*acts, pid=f"p{i}", title_level=rng.choice(["junior", "intermediate", "senior"])))
    return out


def test_sessions_are_deleted_after_every_evaluation() -> None:
    engine = _engine()
    for data in _records(50, seed=1):
        ce_policy.evaluate(data)
    assert engine.live_sessions == 0


def test_threads_give_the_same_decisions_as_one_thread() -> None:
    records = _records(200, seed=2)
    expected = [ce_policy.evaluate(r) for r in records]
    results: dict[int, list[ce_policy.Decision]] = {}
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            order = list(range(len(records)))
            random.Random(worker).shuffle(order)
            got = {i: ce_policy.evaluate(records[i]) for i in order}
            results[worker] = [got[i] for i in range(len(records))]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for decisions in results.values():
        assert decisions == expected
    assert _engine().live_sessions == 0


def test_a_failing_action_gives_an_engine_error_and_leaves_no_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = complete_record()
    good = ce_policy.evaluate(data)

    def broken(self: Any, *args: Any) -> None:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(StageRunner, "_on_year", broken)
    with pytest.raises(ce_policy.EngineError, match="injected fault"):
        ce_policy.evaluate(data, cache=False)  # through the engine (the memo would recall this year's outcome)
    monkeypatch.undo()
    assert _engine().live_sessions == 0
    assert ce_policy.evaluate(data) == good


def test_a_failure_while_deleting_the_session_is_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine()
    data = complete_record()
    good = ce_policy.evaluate(data)
    original = engine._host.delete_state
    calls = {"n": 0}

    def failing_delete(ruleset: str, sid: str) -> Any:
        calls["n"] += 1
        original(ruleset, sid)
        raise RuntimeError("injected delete fault")

    monkeypatch.setattr(engine._host, "delete_state", failing_delete)
    with pytest.raises(ce_policy.EngineError, match="could not close session"):
        ce_policy.evaluate(data, cache=False)
    monkeypatch.undo()
    assert calls["n"] == 1
    assert engine.live_sessions == 0
    assert ce_policy.evaluate(data) == good


def test_an_engine_refusal_is_translated_and_the_session_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine()
    data = record(activity("a", "training", 8))
    original = engine._host.assert_facts

    def refusing(ruleset: str, facts: list[dict[str, Any]]) -> Any:
        if any(f.get("stage") == "year" for f in facts):
            raise RuntimeError("Could not assert facts, error code: 303")
        return original(ruleset, facts)

    monkeypatch.setattr(engine._host, "assert_facts", refusing)
    with pytest.raises(ce_policy.EngineError, match="303"):
        ce_policy.evaluate(data, cache=False)
    monkeypatch.undo()
    assert engine.live_sessions == 0
    assert ce_policy.evaluate(data).hours.professional == 8


def test_a_session_in_which_nothing_fired_is_still_deleted_safely(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine()

    def refuse_everything(ruleset: str, facts: list[dict[str, Any]]) -> Any:
        raise RuntimeError("refused before any action")

    monkeypatch.setattr(engine._host, "assert_facts", refuse_everything)
    with pytest.raises(ce_policy.EngineError):
        ce_policy.evaluate(complete_record(), cache=False)
    monkeypatch.undo()
    assert engine.live_sessions == 0
    assert ce_policy.evaluate(complete_record()).compliant


def test_many_sequential_evaluations_stay_below_the_live_session_cap() -> None:
    data = complete_record()
    for _ in range(1_500):  # more than the engine's 1,024 live sessions
        ce_policy.evaluate(data, cache=False)
    assert _engine().live_sessions == 0


def test_an_in_memory_copy_with_other_values_gets_its_own_engine() -> None:
    policy = ce_policy.default_registry().policy(POLICY_ID)
    floor = policy.parameters["public_min_hours"]
    changed = dataclasses.replace(floor, values=((floor.values[0][0], floor.values[0][1] + 10),))
    copy = dataclasses.replace(policy, parameters={**policy.parameters, "public_min_hours": changed})
    assert ce_policy.evaluate(complete_record(), policy=copy).required.public == 40
    assert ce_policy.evaluate(complete_record(), policy=policy).required.public == 30
