"""The front door: evaluate() on dicts or models, policy choice, as_of, the contract's shape."""

import datetime as dt
import json

import pytest

import ce_policy
from tests.records import activity, complete_record, record


def test_dict_and_model_give_the_same_decision() -> None:
    data = complete_record()
    from_dict = ce_policy.evaluate(data)
    from_model = ce_policy.evaluate(ce_policy.Record.model_validate(data))
    assert from_dict == from_model
    assert from_dict.compliant


def test_decision_json_has_the_contract_shape() -> None:
    data = record(
        activity("pub", "public_course", 30),
        activity("ex", "qualification_exam", 2, approval="pending"),
    )
    dumped = ce_policy.evaluate(data).model_dump(mode="json")
    for key in (
        "compliant",
        "hours",
        "required",
        "shortfall",
        "projected",
        "activities",
        "consequences",
        "policy",
        "trace",
        "provisional",
    ):
        assert key in dumped
    for key in ("hours", "required", "shortfall"):
        assert set(dumped[key]) == {"public", "professional", "total"}
    assert set(dumped["projected"]) == {"hours", "compliant", "credits"}
    assert set(dumped["activities"][0]) == {
        "id",
        "counted",
        "category",
        "hours",
        "registration",
        "route",
        "reasons",
        "credits",
    }
    assert dumped["credits"] is None  # the general rules count no credits
    assert set(dumped["policy"]) >= {"id", "version", "digest"}
    assert dumped["policy"]["digest"].startswith("sha256:")
    assert set(dumped["trace"][0]) == {"rule", "cite", "activity"}
    assert isinstance(dumped["hours"]["public"], int)
    json.dumps(dumped)  # plain JSON throughout


def test_activities_keep_input_order() -> None:
    ids = [f"a{i}" for i in range(12)]
    data = record(*(activity(i, "training", 1) for i in ids))
    assert [a.id for a in ce_policy.evaluate(data).activities] == ids


def test_policy_by_id_and_by_region_agree() -> None:
    data = complete_record()
    assert ce_policy.evaluate(data, policy="xj.aksu.2025") == ce_policy.evaluate(data)


def test_unknown_policy_and_uncovered_year_raise_policy_not_found() -> None:
    with pytest.raises(ce_policy.PolicyNotFoundError):
        ce_policy.evaluate(complete_record(), policy="nowhere.2025")
    with pytest.raises(ce_policy.PolicyNotFoundError):
        ce_policy.evaluate(record(activity("a", "training", 1), year=2019))
    other_region = complete_record()
    other_region["person"]["region"] = "xj.kashgar"
    with pytest.raises(ce_policy.PolicyNotFoundError):
        ce_policy.evaluate(other_region)


def test_a_county_of_aksu_resolves_to_the_aksu_policy() -> None:
    data = complete_record()
    data["person"]["region"] = "xj.aksu.kuqa"
    assert ce_policy.evaluate(data).policy.id == "xj.aksu.2025"


def test_as_of_defaults_to_the_last_day_of_the_year() -> None:
    assert ce_policy.evaluate(complete_record()).as_of == dt.date(2025, 12, 31)
    early = ce_policy.evaluate(complete_record(), as_of=dt.date(2025, 5, 31))
    assert early.as_of == dt.date(2025, 5, 31)
    assert not early.compliant  # both activities were completed on 2025-06-01
    assert {a.reasons for a in early.activities} == {("not_yet_completed",)}


def test_as_of_must_be_a_date() -> None:
    with pytest.raises(TypeError, match="datetime"):
        ce_policy.evaluate(complete_record(), as_of=dt.datetime(2025, 6, 1, 12, 0))


def test_a_base_layer_cannot_evaluate_records() -> None:
    with pytest.raises(ce_policy.PolicyNotFoundError):
        ce_policy.evaluate(complete_record(), policy="cn.mohrss-25")


def test_evaluating_twice_gives_the_same_decision_and_digest() -> None:
    data = record(
        activity("pub", "public_course", 29.5),
        activity("l", "lecture", 40, organiser_level="region", role="lecturer", approval="approved"),
    )
    first, second = ce_policy.evaluate(data), ce_policy.evaluate(data)
    assert first == second
    assert first.policy.digest == second.policy.digest


def test_provisional_values_are_reported_only_when_read() -> None:
    plain = ce_policy.evaluate(complete_record())
    assert plain.provisional == ()
    capped = ce_policy.evaluate(record(activity("p", "practice", 50, approval="approved")))
    assert "practice_max_hours" in capped.provisional


def test_messages_exist_in_both_languages_for_every_code() -> None:
    policy = ce_policy.default_registry().policy("xj.aksu.2025")
    for code in policy.codes:
        assert ce_policy.message(code, lang="zh", policy=policy)
        assert ce_policy.message(code, lang="en", policy=policy)
    assert ce_policy.message("no_applicable_rule", lang="en")
    with pytest.raises(KeyError):
        ce_policy.message("no_such_code")
