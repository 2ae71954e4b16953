"""The memo's year outcomes: a record whose activities are all recalled skips the stages after them, same decision."""

import dataclasses
from typing import Any

import pytest

import ce_policy
from ce_policy.decide.stages import StageRunner
from tests.records import activity, record


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the facts decided (in the engine or from the situation memo) from now on."""
    decided = [0]
    original = StageRunner.decide

    def decide(self: StageRunner, facts: list[dict[str, Any]], positions: list[int] | None = None) -> None:
        decided[0] += len(facts)
        original(self, facts, positions)

    monkeypatch.setattr(StageRunner, "decide", decide)
    return decided


def test_a_record_seen_before_is_decided_without_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    # A copy of the policy object gets an engine (and memo) of its own, empty whatever ran before.
    policy = dataclasses.replace(ce_policy.default_registry().policy("xj.aksu.2025"))
    acts = [activity("p", "public_course", 12.5), activity("t", "training", 20), activity("x", "training", 3)]
    data = record(*acts, activity("late", "public_course", 4, completed_on="2026-01-05"))
    fresh = ce_policy.evaluate(data, policy=policy, cache=False)
    decided = _counting(monkeypatch)
    first = ce_policy.evaluate(data, policy=policy)  # activities decided now: nothing kept for the year yet
    assert decided[0] > 0
    second = ce_policy.evaluate(data, policy=policy)  # all recalled: the year's outcome is kept
    before = decided[0]
    third = ce_policy.evaluate(data, policy=policy)
    assert decided[0] == before  # no fact decided: the kept outcome was used
    assert first == second == third == fresh
    assert third.model_dump_json() == fresh.model_dump_json()


def test_the_kept_outcome_takes_the_records_own_ids_and_prior(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = dataclasses.replace(ce_policy.default_registry().policy("xj.aksu.2025"))
    data = record(activity("p", "public_course", 31), activity("t", "training", 61))
    for _ in range(2):
        ce_policy.evaluate(data, policy=policy)
    # Other ids, same fields: the kept outcome, with these ids in the activities and the trace.
    renamed = record(activity("q", "public_course", 31), activity("u", "training", 61))
    decided = _counting(monkeypatch)
    again = ce_policy.evaluate(renamed, policy=policy)
    assert decided[0] == 0
    assert [a.id for a in again.activities] == ["q", "u"]
    assert {step.activity for step in again.trace} - {None} <= {"q", "u"}
    assert again == ce_policy.evaluate(renamed, policy=policy, cache=False)
    # Other prior years: not the same circumstances, decided again (same decision as without the memo).
    prior = [{"year": 2024, "hours": 90}]
    with_prior = ce_policy.evaluate(data, policy=policy, prior=prior)
    assert decided[0] > 0
    assert with_prior == ce_policy.evaluate(data, policy=policy, prior=prior, cache=False)


def test_a_record_decided_again_shares_its_outcomes_and_trace_only_under_the_same_ids() -> None:
    policy = dataclasses.replace(ce_policy.default_registry().policy("xj.aksu.2025"))
    data = record(activity("p", "public_course", 31), activity("t", "training", 61))
    renamed = record(activity("q", "public_course", 31), activity("u", "training", 61))
    for _ in range(2):  # the activities recalled the second time: the year's outcome kept
        ce_policy.evaluate(data, policy=policy)
    second = ce_policy.evaluate(data, policy=policy)  # from the kept outcome: its models are kept with it
    third = ce_policy.evaluate(data, policy=policy)
    assert third.activities is second.activities and third.trace is second.trace
    other = ce_policy.evaluate(renamed, policy=policy)  # other ids: made again, with these ids
    assert [a.id for a in other.activities] == ["q", "u"]
    assert other == ce_policy.evaluate(renamed, policy=policy, cache=False)
    fourth = ce_policy.evaluate(data, policy=policy)
    assert [a.id for a in fourth.activities] == ["p", "t"]
    assert fourth == third == ce_policy.evaluate(data, policy=policy, cache=False)
