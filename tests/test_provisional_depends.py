"""A decision's ``provisional`` names every provisional value it depended on (docs/decision.md#provisional).

Read by a rule that acted, or tested by a rule that did not fire because only tests of provisional values
failed: a provisional threshold that rejects, and one that admits, are both listed; a threshold that is not
provisional, or a provisional test that did not matter (another test failed too), is not.
"""

from __future__ import annotations

from typing import Any

import pytest

import ce_policy
from ce_policy.text.explain import explain_decision
from tests.layers import registry_with

FILES = {
    "pd/layer.yaml": """\
        id: t.pd.2025
        version: 1.0.0
        title: Provisional thresholds
        extends: cn.mohrss-25
        document: {number: T-PD, title: Provisional threshold test notice, issuer: ce_policy tests}
        in_force: {from: 2025-01-01}
        applies_to: {regions: [t.pd], years: [2025]}
        """,
    "pd/clauses.yaml": """\
        clauses:
          s1: {section: 一, text: 培训满规定学时的计入专业科目；公需科目按学时计入。}
        """,
    "pd/parameters.yaml": """\
        parameters:
          training_min_hours:
            description: 计入的培训最少学时（暂定） / least hours a training must have to count (provisional)
            type: hours
            cite: s1
            provenance: P
            values: [{from: 2025-01-01, value: 8}]
          course_min_hours:
            description: 计入的公需课最少学时 / least hours a public course must have to count
            type: hours
            cite: s1
            provenance: N
            values: [{from: 2025-01-01, value: 2}]
          practice_levels:
            description: 计入的研修主办级别（暂定） / organiser levels of a seminar that count (provisional)
            type: choices
            cite: s1
            provenance: P
            values: [{from: 2025-01-01, value: [region]}]
        """,
    "pd/rules.yaml": """\
        rules:
          - id: t.pd.training
            cite: s1
            stage: activity
            when: {kind: training, hours: {at_least: {param: training_min_hours}}}
            then: {category: professional, registration: automatic}
          - id: t.pd.course
            cite: s1
            stage: activity
            when: {kind: public_course, hours: {at_least: {param: course_min_hours}}}
            then: {category: public, registration: automatic}
          - id: t.pd.practice
            cite: s1
            stage: activity
            when: {kind: advanced_seminar, on_platform: true, organiser_level: {in: {param: practice_levels}}}
            then: {category: professional, registration: automatic}
        """,
}

PERSON = {"id": "p1", "title_level": "intermediate", "region": "t.pd"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ce_policy.PolicyRegistry:
    return registry_with(tmp_path_factory.mktemp("pd"), FILES)


def _activity(aid: str, kind: str, hours: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": aid,
        "kind": kind,
        "hours": hours,
        "on_platform": True,
        "passed": True,
        "completed_on": "2025-06-01",
        **fields,
    }


def _decide(registry: ce_policy.PolicyRegistry, *activities: dict[str, Any], cache: bool = True) -> ce_policy.Decision:
    record = {"person": PERSON, "year": 2025, "activities": list(activities)}
    return ce_policy.evaluate(record, registry=registry, cache=cache)


@pytest.mark.parametrize("cache", [True, False])
def test_a_provisional_threshold_that_rejects_is_listed(registry: ce_policy.PolicyRegistry, cache: bool) -> None:
    decision = _decide(registry, _activity("short", "training", 6), cache=cache)
    (outcome,) = decision.activities
    assert not outcome.counted
    assert outcome.reasons == ("no_applicable_rule",)
    assert "t.pd.training" not in {entry.rule for entry in decision.trace}
    assert "training_min_hours" in decision.provisional


def test_a_provisional_threshold_that_admits_is_listed(registry: ce_policy.PolicyRegistry) -> None:
    decision = _decide(registry, _activity("long", "training", 10))
    assert decision.activities[0].counted
    assert "training_min_hours" in decision.provisional


def test_a_threshold_that_is_not_provisional_is_not_listed(registry: ce_policy.PolicyRegistry) -> None:
    for hours in (1, 3):  # rejected, admitted
        decision = _decide(registry, _activity("c", "public_course", hours))
        assert decision.activities[0].counted is (hours >= 2)
        assert decision.provisional == ()


def test_a_provisional_test_that_did_not_decide_is_not_listed(registry: ce_policy.PolicyRegistry) -> None:
    # Not on the platform: the seminar rule fails on a test of no provisional value, whatever the levels.
    off = _decide(registry, _activity("p", "advanced_seminar", 10, organiser_level="county", on_platform=False))
    assert "practice_levels" not in off.provisional
    # On the platform, only the provisional list of levels keeps it out.
    on = _decide(registry, _activity("p", "advanced_seminar", 10, organiser_level="county"))
    assert "practice_levels" in on.provisional
    # Another kind altogether: the rule never concerned it.
    assert "practice_levels" not in _decide(registry, _activity("c", "public_course", 3)).provisional


def test_the_activity_memo_keeps_what_a_recalled_activity_depended_on(registry: ce_policy.PolicyRegistry) -> None:
    first = _decide(registry, _activity("short", "training", 6))
    again = _decide(registry, _activity("other", "training", 6))  # recalled from the memo: the same fields
    assert first.provisional == again.provisional == ("training_min_hours",)


def test_the_decision_output_says_the_outcome_depends_on_it(registry: ce_policy.PolicyRegistry) -> None:
    decision = _decide(registry, _activity("short", "training", 6))
    assert decision.model_dump(mode="json")["provisional"] == ["training_min_hours"]
    text = explain_decision(decision, "en", registry=registry)
    assert "training_min_hours" in text.split("Provisional values")[1]


def test_shipped_floor_met_by_a_provisional_value_is_listed() -> None:
    # Health workers: the 30 public hours are a provisional reading (overridden, P); met, the year still
    # depended on it.
    record = {
        "person": {"id": "h", "title_level": "intermediate", "sector": "health"},
        "year": 2025,
        "activities": [_activity("pub", "public_course", 30)],
    }
    decision = ce_policy.evaluate(record)
    assert decision.hours.public == 30
    assert decision.shortfall.public == 0
    assert "public_min_hours" in decision.provisional


def test_a_provisional_test_of_a_rule_whose_firing_would_change_nothing_is_not_listed() -> None:
    # A region-level seminar is registered automatically by an earlier rule (五): had the applied-for seminar
    # rule fired too, the first rule's category and registration would have stood, so the provisional list of
    # applied-for levels decided nothing. A county-level seminar is counted by that list.
    def seminar(level: str) -> ce_policy.Decision:
        record = {
            "person": {"id": "p", "title_level": "intermediate"},
            "year": 2025,
            "activities": [_activity("s", "advanced_seminar", 8, organiser_level=level, approval="approved")],
        }
        return ce_policy.evaluate(record)

    region, county = seminar("region"), seminar("county")
    assert region.activities[0].registration == "automatic"
    assert "applied_seminar_levels" not in region.provisional
    assert county.activities[0].registration == "application"
    assert "applied_seminar_levels" in county.provisional
