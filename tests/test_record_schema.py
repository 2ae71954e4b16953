"""The published record schema tells the truth (issue 17): it accepts a record exactly when ``evaluate`` does.

Records drawn for each shipped policy have one activity's kind or way field set to any value some policy knows
(or null, or absent); the schema of that policy (``ce-policy schema record --policy ID``) must accept the
record exactly when ``evaluate`` accepts it (no ``RecordError``). What no JSON Schema can say (two activities
with one id) is left to ``evaluate``; the records drawn have unique ids.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ce_policy
from ce_policy import strategies
from ce_policy.model.ways import CHOICES, OPTIONAL_FIELDS, WAY_FIELDS
from ce_policy.policy.schema import record_schema

REGISTRY = ce_policy.default_registry()
POLICIES = [p.id for p in REGISTRY.policies()]
_OTHER_VALUES: dict[str, list[Any]] = {"granted_on": ["2025-05-01"], "credits": [5, "5"], "approval": []}


def _values(field: str) -> list[Any]:
    """Every value a policy of ours gives the field, a value of the wrong type, null, and absence."""
    known: set[str] = set(CHOICES.get(field, ()))
    for policy in REGISTRY.policies():
        known |= set(policy.vocabulary.choices.get(field, ()))
    if field == "kind":
        known = set(WAY_FIELDS)
    return [*sorted(known), *_OTHER_VALUES.get(field, []), 7, None, ...]


@st.composite
def _mutated(draw: st.DrawFn, policy_id: str) -> dict[str, Any]:
    record: dict[str, Any] = draw(strategies.records(policy=policy_id, min_activities=1, max_activities=4))
    activity = draw(st.sampled_from(record["activities"]))
    field = draw(st.sampled_from(["kind", *OPTIONAL_FIELDS]))
    value = draw(st.sampled_from(_values(field)))
    if value is ...:
        activity.pop(field, None)
    else:
        activity[field] = value
    return record


def _validator(policy_id: str) -> jsonschema.Draft202012Validator:
    """The policy's schema as a platform reads it: numbers as decimals (``multipleOf: 0.01`` is exact then)."""
    schema = json.loads(json.dumps(record_schema("record", REGISTRY.policy(policy_id))), parse_float=Decimal)
    return jsonschema.Draft202012Validator(schema)


def _errors(validator: jsonschema.Draft202012Validator, record: dict[str, Any]) -> list[str]:
    as_read = json.loads(json.dumps(record), parse_float=Decimal)
    return [error.message for error in validator.iter_errors(as_read)]


def _accepted(record: dict[str, Any], policy_id: str) -> bool:
    try:
        ce_policy.evaluate(record, policy=policy_id, to_complete=False)
    except ce_policy.RecordError:
        return False
    return True


@pytest.mark.parametrize("policy_id", POLICIES)
def test_the_schema_accepts_a_record_exactly_when_evaluate_does(policy_id: str) -> None:
    validator = _validator(policy_id)

    @settings(max_examples=150, deadline=None)
    @given(record=_mutated(policy_id))
    def check(record: dict[str, Any]) -> None:
        errors = _errors(validator, record)
        assert _accepted(record, policy_id) == (not errors), (record, errors)

    check()


@pytest.mark.parametrize("policy_id", POLICIES)
def test_every_record_drawn_for_a_policy_is_valid_under_its_schema(policy_id: str) -> None:
    validator = _validator(policy_id)

    @settings(max_examples=60, deadline=None)
    @given(record=strategies.records(policy=policy_id))
    def check(record: dict[str, Any]) -> None:
        assert _errors(validator, record) == []

    check()


def test_the_schema_says_which_fields_each_kind_needs() -> None:
    schema = record_schema("record")
    rules = {rule["if"]["properties"]["kind"]["const"]: rule["then"] for rule in schema["$defs"]["Activity"]["allOf"]}
    assert set(rules) == set(WAY_FIELDS)
    assert rules["research_project"]["required"] == ["organiser_level"]
    assert rules["training"]["properties"]["organiser_level"] == {"type": "null"}
