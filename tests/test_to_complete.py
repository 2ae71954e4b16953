"""What would make an incomplete year complete (``Decision.to_complete``): needs, deadline, ways and plan."""

import datetime as dt
import importlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ce_policy
from ce_policy import invariants, strategies
from tests.layers import registry_with
from tests.records import activity, record

POLICIES = [p.id for p in ce_policy.default_registry().policies()]


@pytest.mark.parametrize("policy_id", POLICIES)
def test_every_plan_applied_completes_the_year(policy_id: str) -> None:
    @given(
        data=strategies.records(policy=policy_id, max_activities=8),
        day=st.one_of(st.none(), st.dates(dt.date(2025, 1, 1), dt.date(2026, 1, 31))),  # in force from 2025
    )
    def check(data: dict[str, Any], day: dt.date | None) -> None:
        invariants.check_to_complete_completes(data, as_of=day)

    check()


def _short_record() -> dict[str, Any]:
    return record(
        activity("p", "public_course", 29.5),
        activity("t", "training", 56),
    )


def test_needs_are_the_shortfalls_and_the_plan_is_checked() -> None:
    decision = ce_policy.evaluate(_short_record())
    needs = decision.to_complete
    assert needs is not None
    assert (needs.hours.public, needs.hours.professional, needs.hours.total) == (
        Decimal("0.5"),
        Decimal(4),
        Decimal("4.5"),
    )
    assert needs.deadline == dt.date(2025, 12, 31)
    assert [(a.kind, a.hours) for a in needs.plan] == [("public_course", Decimal("0.5")), ("training", Decimal(4))]
    completed = ce_policy.evaluate(
        {
            **_short_record(),
            "activities": [*_short_record()["activities"], *(a.model_dump(mode="json") for a in needs.plan)],
        },
        as_of=needs.plan_as_of,
    )
    assert completed.compliant


def test_ways_are_decided_by_the_rules() -> None:
    needs = ce_policy.evaluate(_short_record()).to_complete
    assert needs is not None
    ways = {(w.kind, tuple(sorted(w.fields.items()))): w for w in needs.ways}
    public = ways[("public_course", ())]
    assert (public.category, public.registration, public.route) == ("public", "automatic", ())
    paper = ways[("publication", (("approval", "approved"), ("journal", "cn"), ("publication_type", "paper")))]
    assert paper.registration == "application" and paper.hours_fixed
    assert [step.actor for step in paper.route] == ["individual", "employer", "prefecture_dept"]
    # A lecture at prefecture level is rejected by its rule, so it is not offered.
    assert not any(w.kind == "lecture" and w.fields.get("organiser_level") == "prefecture" for w in needs.ways)
    # Every way offered counts an activity of it, as the engine decides.
    for way in needs.ways:
        extra = activity("w", way.kind, 1, completed_on=way.start.isoformat(), **way.fields)
        extra.update({name: way.start.isoformat() for name in way.dated})
        if way.kind == "self_study":
            extra["credits"] = 1
        outcome = ce_policy.evaluate(record(extra), as_of=way.start).activities[0]
        assert outcome.counted and outcome.category == way.category, way


def test_nothing_is_offered_after_the_deadline() -> None:
    decision = ce_policy.evaluate(_short_record(), as_of=dt.date(2026, 1, 2))
    needs = decision.to_complete
    assert needs is not None
    assert needs.deadline == dt.date(2025, 12, 31)
    assert needs.ways == () and needs.plan == () and needs.plan_as_of is None


def test_mid_year_plans_are_done_from_as_of() -> None:
    day = dt.date(2025, 6, 30)
    needs = ce_policy.evaluate(_short_record(), as_of=day).to_complete
    assert needs is not None
    assert {w.start for w in needs.ways} == {day}
    assert {a.completed_on for a in needs.plan} == {day} and needs.plan_as_of == day


def test_health_credits_are_planned_through_a_way_that_earns_them() -> None:
    data = record(activity("p", "public_course", 30), activity("s", "self_study", 10, credits=8, approval="approved"))
    data["person"]["sector"] = "health"
    decision = ce_policy.evaluate(data)
    needs = decision.to_complete
    assert needs is not None and needs.credits == Decimal(17)
    assert any(w.kind == "self_study" and w.pool == "self_study" for w in needs.ways)
    assert needs.plan and any(a.kind == "cme_project" for a in needs.plan)
    invariants.check_to_complete_completes(data)


def test_complete_years_and_opting_out_have_none() -> None:
    complete = record(activity("p", "public_course", 30), activity("t", "training", 60))
    assert ce_policy.evaluate(complete).to_complete is None
    assert ce_policy.evaluate(_short_record(), to_complete=False).to_complete is None


def test_plan_ids_do_not_clash_with_the_records() -> None:
    data = record(activity("to-complete-1", "public_course", 10))
    needs = ce_policy.evaluate(data).to_complete
    assert needs is not None
    assert "to-complete-1" not in {a.id for a in needs.plan}


def test_a_patent_granted_in_the_year_is_offered_and_counts_when_done() -> None:
    """二（6）: an invention patent granted in the year counts; its grant date is the day the way is done."""
    decision = ce_policy.evaluate(record(activity("pub", "public_course", 30)), as_of=dt.date(2025, 6, 1))
    assert decision.to_complete is not None
    patents = [w for w in decision.to_complete.ways if w.kind == "patent"]
    assert [w.fields for w in patents] == [{"approval": "approved", "patent_type": "invention"}]
    assert [w.dated for w in patents] == [("granted_on",)]
    way = patents[0]
    assert (way.category, way.registration, way.start, way.by) == (
        "professional",
        "application",
        dt.date(2025, 6, 1),
        dt.date(2025, 12, 31),
    )
    done = activity("pat", "patent", 60, patent_type="invention", approval="approved", granted_on="2025-06-01")
    with_patent = ce_policy.evaluate(record(activity("pub", "public_course", 30), done), as_of=dt.date(2025, 6, 1))
    assert with_patent.hours.professional > 0


_LATE_WAY = {
    "lw/layer.yaml": """\
        id: t.lw.2025
        version: 1.0.0
        title: A notice whose professional way opens in October, with no rule on dates after as_of
        extends: cn.mohrss-25
        document: {number: T-LW, title: Late way test notice, issuer: ce_policy tests}
        in_force: {from: 2025-01-01}
        applies_to: {regions: [t.lw], years: [2025]}
        """,
    "lw/clauses.yaml": """\
        clauses:
          s1: {section: 一, text: 公需科目不少于30学时；10月1日起的培训计入专业科目，不少于60学时。}
        """,
    "lw/rules.yaml": """\
        rules:
          - id: t.lw.public
            cite: s1
            stage: activity
            when: {kind: public_course}
            then: {category: public, registration: automatic}
          - id: t.lw.training
            cite: s1
            stage: activity
            when: {kind: training, completed_on: {on_or_after: 2025-10-01}}
            then: {category: professional, registration: automatic}
          - id: t.lw.quota.public
            cite: s1
            stage: year
            then: {require: {category: public, at_least: 30}}
          - id: t.lw.quota.professional
            cite: s1
            stage: year
            then: {require: {category: professional, at_least: 60}}
        """,
}


def _plan_checks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[str, ...], dt.date]]:
    """Spy on the evaluations of completed records (the plan's check): the ids of their activities and the day."""
    module = importlib.import_module("ce_policy.decide.evaluate")
    real = module._evaluator
    seen: list[tuple[tuple[str, ...], dt.date]] = []

    def spying(*args: Any) -> Any:
        run = real(*args)

        def spy(checked: Any, day: dt.date) -> Any:
            ids = tuple(a.id for a in checked.activities)
            if any(i.startswith("to-complete-") for i in ids):
                seen.append((ids, day))
            return run(checked, day)

        return spy

    monkeypatch.setattr(module, "_evaluator", spying)
    return seen


def test_a_future_dated_activity_that_did_not_count_is_left_out_of_the_plan_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checks = _plan_checks(monkeypatch)
    day = dt.date(2025, 6, 30)
    data = record(
        activity("p", "public_course", 20),
        activity("t", "training", 30),
        activity("later", "training", 60, completed_on="2025-09-01"),  # after as_of: not_yet_completed
    )
    decision = ce_policy.evaluate(data, as_of=day)
    later = next(a for a in decision.activities if a.id == "later")
    assert not later.counted and "not_yet_completed" in later.reasons
    needs = decision.to_complete
    assert needs is not None and needs.plan
    ((ids, checked_on),) = checks
    assert "later" not in ids and {"p", "t"} <= set(ids)
    assert checked_on == needs.plan_as_of


def test_a_future_dated_activity_that_counted_on_the_decision_date_stays_in_the_plan_check(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    registry = registry_with(tmp_path, _LATE_WAY)
    checks = _plan_checks(monkeypatch)
    person = {"id": "p1", "title_level": "intermediate", "region": "t.lw"}
    data = {
        "person": person,
        "year": 2025,
        "activities": [
            activity("p", "public_course", 10),
            # Dated after as_of, and counted all the same: this layer has no rule on dates after as_of.
            activity("ahead", "training", 10, completed_on="2025-11-01"),
            activity("early", "training", 10, completed_on="2025-03-01"),  # no way before October: never counts
        ],
    }
    decision = ce_policy.evaluate(data, registry=registry, as_of=dt.date(2025, 6, 30))
    counted = {a.id for a in decision.activities if a.counted}
    assert counted == {"p", "ahead"}
    needs = decision.to_complete
    assert needs is not None and needs.plan and needs.plan_as_of == dt.date(2025, 10, 1)
    ((ids, _),) = checks
    assert {"p", "ahead", "early"} <= set(ids)  # counted, or dated on or before as_of
