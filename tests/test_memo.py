"""Memoising the engine's firings: cached and uncached decisions are the same, and the memo is bounded."""

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ce_policy
from ce_policy import strategies
from ce_policy.decide import engines
from ce_policy.decide.activity_result import ActivityResult, ActivityState
from ce_policy.engine.compiler import compile_policy
from ce_policy.engine.memo import FiringMemo
from tests.records import activity, complete_record, record

POLICIES = [p.id for p in ce_policy.default_registry().policies()]
DAYS = st.one_of(st.none(), st.dates(dt.date(2025, 1, 1), dt.date(2026, 1, 10)))  # the policies are in force from 2025


@pytest.mark.parametrize("policy_id", POLICIES)
def test_cached_and_uncached_decisions_are_equal(policy_id: str) -> None:
    @settings(max_examples=60)
    @given(population=st.lists(strategies.records(policy=policy_id, max_activities=10), max_size=6), day=DAYS)
    def check(population: list[dict[str, Any]], day: dt.date | None) -> None:
        # Evaluating the population twice with the cache fills it and then answers from it.
        for data in [*population, *population]:
            cached = ce_policy.evaluate(data, as_of=day)
            fresh = ce_policy.evaluate(data, as_of=day, cache=False)
            assert cached == fresh

    check()


def test_a_situation_decided_once_needs_no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    # A copy of the policy object gets an engine (and memo) of its own, empty whatever ran before.
    policy = dataclasses.replace(ce_policy.default_registry().policy("xj.aksu.2025"))
    data = record(activity("p", "public_course", 30.5), activity("t", "training", 61.5))
    first = ce_policy.evaluate(data, policy=policy)

    def no_engine(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the engine was asked again")

    monkeypatch.setattr(engines.engine_for(policy, dt.date(2025, 12, 31)), "session", no_engine)
    # Other hours in the same situations (no threshold crossed) are answered from the memo.
    again = record(activity("q", "public_course", 31), activity("u", "training", 60.5))
    assert ce_policy.evaluate(again, policy=policy).compliant == first.compliant
    # Public hours below the floor are a situation the engine has not decided yet.
    with pytest.raises(AssertionError, match="asked again"):
        ce_policy.evaluate(record(activity("p", "public_course", 29.99)), policy=policy)


def test_the_situation_sees_each_side_of_every_threshold() -> None:
    policy = ce_policy.default_registry().policy("xj.aksu.2025")
    memo: FiringMemo[ActivityResult] = FiringMemo(compile_policy(policy, dt.date(2025, 12, 31)))
    year = {"stage": "year", "scenario": "actual", "title_level": "junior", "sector": "general", "region": "xj.aksu"}
    keys = {
        hours: memo.situation({**year, "public": hours, "professional": 6000, "total": hours + 6000, "credits": 0})
        for hours in (2999, 3000, 3001, 3100)
    }
    # The floor is tested as "public below 3000" (centi-hours): only that answer matters.
    assert keys[2999] != keys[3000]
    assert keys[3000] == keys[3001] == keys[3100]


def test_the_memo_is_bounded() -> None:
    policy = ce_policy.default_registry().policy("xj.aksu.2025")
    memo: FiringMemo[ActivityResult] = FiringMemo(compile_policy(policy, dt.date(2025, 12, 31)), size=10)
    for i in range(35):
        memo.put(("activity", i), ())
    assert len(memo) <= 10
    assert memo.get(("activity", 34)) == ()


def test_an_unknown_condition_shape_turns_the_memo_off() -> None:
    policy = ce_policy.default_registry().policy("xj.aksu.2025")
    compiled = compile_policy(policy, dt.date(2025, 12, 31))
    rules = compiled.ruleset[compiled.ruleset_name]
    name = next(n for n, a in compiled.actions.items() if a.rule is not None)
    rules[name]["all"][0]["m"] = {"$and": [{"stage": "activity"}, {"$mt": {"kind": "x"}}]}
    memo: FiringMemo[ActivityResult] = FiringMemo(compiled)
    assert not memo.enabled
    assert memo.situation({"stage": "activity"}) is None


def test_complete_record_through_the_memo_is_complete() -> None:
    assert ce_policy.evaluate(complete_record()).compliant
    assert ce_policy.evaluate(complete_record()).compliant


def _results(memo: FiringMemo[ActivityResult], count: int) -> list[tuple[int]]:
    keys = [(i,) for i in range(count)]
    for key in keys:
        memo.keep_activity(key, ActivityState({}).result(frozenset()))
    return keys


def test_a_full_activity_memo_lets_go_of_what_was_not_recalled_since_it_was_last_full() -> None:
    memo: FiringMemo[ActivityResult] = FiringMemo(
        compile_policy(ce_policy.default_registry().policy("xj.aksu.2025"), dt.date(2025, 12, 31)), 4
    )
    keys = _results(memo, 4)
    assert memo.recall_activity(keys[0]) is not None
    assert memo.recall_activity(keys[3]) is not None
    memo.keep_activity((4,), ActivityState({}).result(frozenset()))  # full: the two not recalled go
    assert [memo.recall_activity(key) is not None for key in [*keys, (4,)]] == [True, False, False, True, True]


def test_a_full_activity_memo_where_all_was_recalled_lets_go_of_its_older_half() -> None:
    memo: FiringMemo[ActivityResult] = FiringMemo(
        compile_policy(ce_policy.default_registry().policy("xj.aksu.2025"), dt.date(2025, 12, 31)), 4
    )
    keys = _results(memo, 4)
    for key in keys:
        assert memo.recall_activity(key) is not None
    memo.keep_activity((4,), ActivityState({}).result(frozenset()))
    assert [memo.recall_activity(key) is not None for key in [*keys, (4,)]] == [False, False, True, True, True]
