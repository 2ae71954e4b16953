"""Share floors (a category at least a share of the total) and fixed credits, in a sector layer of credits."""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import ce_policy
from tests.layers import registry_with

SECTOR = {
    "acct/layer.yaml": """\
        id: t.acct
        version: 1.0.0
        title: a sector that counts credits
        extends: {id: xj.aksu.2025, version: ^1.2}
        sector: acct
        sector_name: {zh: 会计, en: accounting}
        document: {number: T-ACCT, title: test, issuer: ce_policy tests}
        in_force: {from: 2025-01-01}
        """,
    "acct/clauses.yaml": """\
        clauses:
          credits: {section: 十二, text: 每年不少于90学分，其中专业科目一般不少于总学分的三分之二。}
          exam: {section: 十三, text: 考试合格一科，折算90学分。}
          hour: {section: 十三, text: 培训每学时折算1学分。}
        """,
    "acct/parameters.yaml": """\
        parameters:
          professional_share:
            description: 专业科目学分占总学分的最低比例 / least share of professional credits
            type: share
            cite: credits
            provenance: N
            values: [{from: 2025-01-01, value: 2/3}]
        """,
    "acct/overrides.yaml": """\
        exceptions:
          - id: t.acct.total
            to: cn.annual.total
            basis: xj.aksu.2025:s6.sector_rules
            cite: credits
            then: {require: {category: credits, at_least: 90}}
          - id: t.acct.public
            to: aksu.quota.public
            basis: xj.aksu.2025:s6.sector_rules
            cite: credits
            then: {require_share: {category: professional, at_least: {param: professional_share}, unit: credits}}
          - id: t.acct.professional
            to: aksu.quota.professional
            basis: xj.aksu.2025:s6.sector_rules
            cite: credits
            then: {require: {category: credits, at_least: 90}}
        """,
    "acct/rules.yaml": """\
        rules:
          - id: t.acct.courses
            cite: hour
            stage: activity
            when: {kind: {in: [public_course, training]}}
            then: {credits: {per_hours: 1}}
          - id: t.acct.exam
            cite: exam
            stage: activity
            when: {kind: qualification_exam}
            then: {credits: {fixed: 90}}
        """,
}
PERSON = {"id": "a1", "title_level": "intermediate", "sector": "acct"}


def _activity(aid: str, kind: str, hours: float | int, **fields: Any) -> dict[str, Any]:
    data = {"id": aid, "kind": kind, "hours": hours, "on_platform": True, "passed": True, "completed_on": "2025-05-01"}
    return {**data, **fields}


def _record(*activities: dict[str, Any]) -> dict[str, Any]:
    return {"person": PERSON, "year": 2025, "activities": list(activities)}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ce_policy.PolicyRegistry:
    return registry_with(tmp_path_factory.mktemp("acct"), SECTOR)


def _decide(registry: ce_policy.PolicyRegistry, public: float, professional: float) -> ce_policy.Decision:
    activities = [_activity("pub", "public_course", public), _activity("pro", "training", professional)]
    return ce_policy.evaluate(_record(*activities), registry=registry)


@pytest.mark.parametrize(
    ("public", "professional", "compliant", "counted", "shortfall"),
    [
        (30, 60, True, "90", "0"),  # 60 is 2/3 of 90 exactly
        (40, 80, True, "120", "0"),  # 2/3 of 120, above the 90
        (30, 59.99, False, "89.99", "0.01"),  # short of 90 credits, and of 2/3: (59.9933… − 59.99) × 3, rounded up
        (45, 60, False, "105", "30"),  # 2/3 of 105 is 70: 30 more professional credits make 90 of 135
        (30.01, 60, False, "90.01", "0.02"),  # 60.0066… needed; 0.02 more (rounded up) makes it
        (0, 90, True, "90", "0"),
    ],
)
def test_a_credits_share_floor_is_decided_exactly(
    registry: ce_policy.PolicyRegistry,
    public: float,
    professional: float,
    compliant: bool,
    counted: str,
    shortfall: str,
) -> None:
    decision = _decide(registry, public, professional)
    assert decision.compliant is compliant
    (share,) = decision.shares
    assert (share.category, share.of, share.unit, share.share) == ("professional", "total", "credits", "2/3")
    assert share.of_counted == Decimal(counted)
    assert share.shortfall == Decimal(shortfall)
    assert share.met is (shortfall == "0")
    assert "aksu.quota.public" not in {entry.rule for entry in decision.trace}  # the exception applied instead


def test_meeting_the_share_shortfall_meets_the_floor(registry: ce_policy.PolicyRegistry) -> None:
    decision = _decide(registry, 45, 60)
    assert not decision.compliant
    assert _decide(registry, 45, 60 + 30).compliant
    assert not _decide(registry, 45, 60 + 29.99).compliant


def test_to_complete_offers_professional_credits_only_when_the_share_binds(
    registry: ce_policy.PolicyRegistry,
) -> None:
    needs = _decide(registry, 45, 60).to_complete
    assert needs is not None
    assert needs.credits == 30
    assert {way.category for way in needs.ways} == {"professional"}
    assert needs.plan
    assert {activity.kind for activity in needs.plan} <= {"training", "qualification_exam"}


def test_one_exam_pass_alone_completes_the_year_with_fixed_credits(registry: ce_policy.PolicyRegistry) -> None:
    exam = _activity("x", "qualification_exam", 1, approval="approved")
    decision = ce_policy.evaluate(_record(exam), registry=registry)
    (outcome,) = decision.activities
    assert (outcome.credits, outcome.hours) == (
        Decimal(90),
        Decimal(40),
    )  # the region's 40 h stand; the sector's 90 credits count
    assert decision.compliant
    assert decision.credits is not None
    assert decision.credits.counted == 90


def test_the_views_speak_credits_and_name_the_sector(registry: ce_policy.PolicyRegistry) -> None:
    decision = _decide(registry, 45, 60)
    policy = registry.policy("t.acct")
    zh = ce_policy.evaluate(_record(_activity("pub", "public_course", 45)), registry=registry).explain(
        registry=registry
    )
    assert "未完成年度学分任务" in zh
    from ce_policy.text.render import render_decision  # noqa: PLC0415 - the text view itself, tested here

    en = render_decision(decision, policy, "en")
    assert "Sector rules: accounting" in en
    assert "professional credits at least 2/3 of the total: 60 of 105 (70 needed); 30 more" in en
    assert "pro: professional · 60 h · 60 credits · counts" in en
    assert "专业科目学分不少于总学分的 2/3：60 / 105（应 70），尚差 30" in render_decision(decision, policy, "zh")


def test_the_explanation_shows_a_value_a_sector_layer_set_with_its_clause(tmp_path: Path) -> None:
    files = {
        **SECTOR,
        "acct/overrides.yaml": SECTOR["acct/overrides.yaml"].split("        exceptions:")[0]
        + """\
        parameters:
          public_min_hours:
            basis: xj.aksu.2025:s6.sector_rules
            cite: credits
            provenance: N
            values: [{from: 2025-01-01, value: 0}]
        """,
    }
    registry = registry_with(tmp_path, files)
    decision = ce_policy.evaluate(_record(_activity("pro", "training", 90)), registry=registry)
    text = decision.explain("en", registry=registry)
    assert "public_min_hours is 0, as t.acct sets it under T-ACCT 十二" in text


@pytest.mark.parametrize(
    ("share", "code"),
    [("1", "invalid_parameter_value"), ("0", "invalid_parameter_value"), ("two thirds", "invalid_parameter_value")],
)
def test_a_share_is_more_than_nothing_and_less_than_the_whole(tmp_path: Path, share: str, code: str) -> None:
    files = {**SECTOR, "acct/parameters.yaml": SECTOR["acct/parameters.yaml"].replace("value: 2/3", f"value: {share}")}
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry_with(tmp_path, files)
    assert [p.code for p in info.value.problems] == [code]


def test_a_share_floor_in_hours_shows_in_the_shortfall(tmp_path: Path) -> None:
    overrides = SECTOR["acct/overrides.yaml"].replace("unit: credits", "unit: hours")
    registry = registry_with(tmp_path, {**SECTOR, "acct/overrides.yaml": overrides})
    decision = _decide(registry, 45, 60)
    (share,) = decision.shares
    assert (share.unit, share.met, share.shortfall) == ("hours", False, Decimal(30))
    assert decision.shortfall.professional == 30
    assert decision.as_of == dt.date(2025, 12, 31)


def test_adding_a_public_activity_can_break_a_share_floor_and_the_invariant_says_where_it_holds(
    registry: ce_policy.PolicyRegistry,
) -> None:
    from ce_policy import invariants  # noqa: PLC0415 - the invariant under a share floor

    complete = _record(_activity("pub", "public_course", 30), _activity("pro", "training", 60))
    more_public = _activity("pub2", "public_course", 10)
    grown = {**complete, "activities": [*complete["activities"], more_public]}
    assert ce_policy.evaluate(complete, registry=registry).compliant
    assert not ce_policy.evaluate(grown, registry=registry).compliant  # 60 of 100 is less than 2/3
    invariants.check_adding_a_counted_activity_never_hurts(complete, more_public, registry=registry)
    invariants.check_adding_a_counted_activity_never_hurts(
        complete, _activity("pro2", "training", 10), registry=registry
    )


@pytest.mark.parametrize("side", ["on", "just_under"])
def test_the_strategies_draw_records_on_and_just_under_a_share_floor(
    registry: ce_policy.PolicyRegistry, side: str
) -> None:
    from hypothesis import HealthCheck, find, settings  # noqa: PLC0415 - hypothesis is a test dependency

    from ce_policy import strategies  # noqa: PLC0415

    policy = registry.policy("t.acct")

    def lands(record: dict[str, Any]) -> bool:
        (share,) = ce_policy.evaluate(record, policy=policy, registry=registry, to_complete=False).shares
        if side == "on":
            return share.met and share.counted == share.required and share.of_counted >= 90
        return not share.met and share.shortfall <= Decimal("0.03")

    quick = settings(max_examples=1_000, database=None, suppress_health_check=list(HealthCheck))
    found = find(strategies.records(policy=policy), lands, settings=quick)
    assert lands(found)
