"""The fast paths of a decision are the slow ones, made faster: the same records accepted, the same decisions.

* A record that pydantic-core alone accepts (``model.fast_record``) is one `parse_model` accepts, with equal
  values, under the vocabulary of every shipped policy; what it refuses, `parse_model` decides.
* `evaluate` decides a record read by the fast path as it decides the same record read in Python (a dict of
  a subclass of its own takes that path), and refuses an invalid record with the same problems.
* The `Decision` built without validation (``decide.decision_data``) is the one ``Decision.model_validate``
  makes of the same data: equal, with the same fields set, the same repr and the same JSON, and its values
  of the types validation gives (tuples, plain decimals).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ce_policy
from ce_policy import Decision, Record, RecordError
from ce_policy.decide.decision_data import _DEFAULTS
from ce_policy.model.fast_record import valid_fields, valid_record
from ce_policy.model.record import parse_model
from ce_policy.model.ways import VOCABULARY_CONTEXT
from ce_policy.strategies import invalid_records, records


class _Slow(dict[str, Any]):
    """A record that `evaluate` reads in Python only: the fast path takes plain dicts."""


_POLICIES = [p for p in ce_policy.default_registry().policies() if p.evaluable]
_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values a field of an activity or a person may be given instead of its own: each valid somewhere, or almost.
_ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -0.0,
    6.0,
    7.5,
    0.29,
    1.005,
    -1,
    10_000,
    10_000.0,
    10_000.01,
    math.nan,
    math.inf,
    Decimal("7.50"),
    Decimal("6.0"),
    "6",
    "",
    " x",
    "2025-06-15",
    "2025-6-15",
    "2025-02-30",
    "2025-06-15T00:00:00",
    "２０２５-06-15",
    dt.date(2025, 6, 15),
    dt.datetime(2025, 6, 15),
    "national",
    "prefecture",
    "lecturer",
    "leader",
    "invention",
    "paper",
    "cn",
    "approved",
    "master",
    {},
    {"subject": "accounting"},
    {"nope": "x"},
    [],
]
_FIELDS_OF_ACTIVITY = [
    "id",
    "kind",
    "hours",
    "on_platform",
    "passed",
    "completed_on",
    "organiser_level",
    "role",
    "degree_level",
    "patent_type",
    "granted_on",
    "publication_type",
    "journal",
    "approval",
    "project_level",
    "credits",
    "attributes",
    "unknown",
]


def _same_record(fast: Record, slow: Record) -> None:
    assert fast == slow
    assert repr(fast) == repr(slow)
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
    for mine, theirs in zip(fast.activities, slow.activities, strict=True):
        assert mine.model_fields_set == theirs.model_fields_set
        assert {k: repr(v) for k, v in mine.__dict__.items()} == {k: repr(v) for k, v in theirs.__dict__.items()}


@st.composite
def _mutated(draw: st.DrawFn, policy: ce_policy.Policy) -> dict[str, Any]:
    """A valid record of ``policy`` with one to three fields of its activities or person given odd values."""
    data: dict[str, Any] = draw(records(policy=policy, min_activities=1, max_activities=4))
    activities = [dict(a) for a in data["activities"]]
    person = dict(data["person"])
    for _ in range(draw(st.integers(1, 3))):
        value = draw(st.sampled_from(_ODD_VALUES))
        if draw(st.booleans()):
            target = activities[draw(st.integers(0, len(activities) - 1))]
            name = draw(st.sampled_from(_FIELDS_OF_ACTIVITY))
        else:
            target = person
            name = draw(st.sampled_from(["id", "title_level", "sector", "region", "degree_level", "attributes"]))
        if value is None and draw(st.booleans()):
            target.pop(name, None)
        else:
            target[name] = value
    return {**data, "person": person, "activities": activities}


@pytest.mark.parametrize("policy", _POLICIES, ids=lambda p: p.id)
def test_a_valid_record_is_read_by_the_fast_path_as_parse_model_reads_it(policy: ce_policy.Policy) -> None:
    @_SETTINGS
    @given(records(policy=policy))
    def check(data: dict[str, Any]) -> None:
        fast = valid_record(data, policy.vocabulary)
        assert fast is not None  # generated records are plain JSON: the fast path takes them all
        _same_record(fast, parse_model(Record, data, policy.vocabulary))

    check()


@pytest.mark.parametrize("policy", _POLICIES, ids=lambda p: p.id)
def test_what_the_fast_path_accepts_parse_model_accepts_with_equal_values(policy: ce_policy.Policy) -> None:
    @_SETTINGS
    @given(_mutated(policy))
    def check(data: dict[str, Any]) -> None:
        fast = valid_record(data, policy.vocabulary)
        try:
            slow = parse_model(Record, data, policy.vocabulary)
        except RecordError:
            assert fast is None
            return
        if fast is not None:
            _same_record(fast, slow)

    check()


def _same_fields(data: dict[str, Any], policy: ce_policy.Policy) -> Any:
    """`valid_fields` vouches for exactly the records `valid_record` does, with the models' fields and values."""
    fast = valid_record(data, policy.vocabulary)
    fields = valid_fields(data, policy.vocabulary)
    assert (fields is None) == (fast is None)
    if fast is not None and fields is not None:
        assert fields.year == fast.year
        assert fields.person == fast.person.__dict__
        assert [{k: repr(v) for k, v in a.items()} for a in fields.activities] == [
            {k: repr(v) for k, v in a.__dict__.items()} for a in fast.activities
        ]
    return fields


@pytest.mark.parametrize("policy", _POLICIES, ids=lambda p: p.id)
def test_the_population_paths_fields_are_the_fast_paths_models_fields(policy: ce_policy.Policy) -> None:
    @_SETTINGS
    @given(st.one_of(records(policy=policy), _mutated(policy)))
    def check(data: dict[str, Any]) -> None:
        _same_fields(data, policy)

    check()


@_SETTINGS
@given(
    st.one_of(
        st.floats(min_value=-1, max_value=10_001),
        st.integers(-10, 10_010).map(lambda n: n / 4),
        st.integers(-10, 1_000_010).map(lambda n: n / 100),
        st.integers(-1, 10_001),
        st.decimals(min_value=-1, max_value=10_001, places=2),
        st.decimals(min_value=-1, max_value=10_001, places=3),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.sampled_from([Decimal("-0"), Decimal("7.50"), Decimal("6.0"), Decimal("1E+2"), Decimal("1E-3")]),
    )
)
def test_hours_given_as_numbers_are_read_alike_by_the_fields_and_the_models(hours: float | Decimal) -> None:
    policy = _POLICIES[0]
    data = {
        "person": {"id": "p", "title_level": "senior"},
        "year": 2025,
        "activities": [
            {
                "id": "a",
                "kind": "public_course",
                "hours": hours,
                "on_platform": True,
                "passed": True,
                "completed_on": "2025-06-15",
            }
        ],
    }
    fields = _same_fields(data, policy)
    try:
        slow = parse_model(Record, data, policy.vocabulary)
    except RecordError:
        assert fields is None  # what Python refuses, the fast paths refuse
        return
    assert fields is not None  # and what it takes, they take, with the same value
    assert repr(fields.activities[0]["hours"]) == repr(slow.activities[0].hours)


@pytest.mark.parametrize("policy", _POLICIES, ids=lambda p: p.id)
def test_evaluate_refuses_an_invalid_record_with_the_problems_of_the_python_path(policy: ce_policy.Policy) -> None:
    @_SETTINGS
    @given(invalid_records(policy=policy))
    def check(case: tuple[Any, str]) -> None:
        data, _ = case
        problems: list[list[tuple[str, str, str]]] = []
        for given_as in (data, _Slow(data) if isinstance(data, dict) else data):
            with pytest.raises(RecordError) as caught:
                ce_policy.evaluate(given_as, policy=policy, to_complete=False)
            problems.append([(p.path, p.code, p.message) for p in caught.value.problems])
        assert problems[0] == problems[1]

    check()


def _both_ways(policy: ce_policy.Policy) -> Callable[[dict[str, Any]], tuple[Decision, Decision]]:
    def decide(data: dict[str, Any]) -> tuple[Decision, Decision]:
        fast = ce_policy.evaluate(data, policy=policy)
        slow = ce_policy.evaluate(_Slow(data), policy=policy)
        return fast, slow

    return decide


@pytest.mark.parametrize("policy", _POLICIES, ids=lambda p: p.id)
def test_evaluate_decides_a_record_alike_on_both_paths_and_builds_the_decision_validate_would(
    policy: ce_policy.Policy,
) -> None:
    decide = _both_ways(policy)

    @_SETTINGS
    @given(records(policy=policy))
    def check(data: dict[str, Any]) -> None:
        fast, slow = decide(data)
        assert fast == slow
        assert fast.model_dump_json() == slow.model_dump_json()
        # a plan's activities may carry the policy's attributes (an accountant's `subject`): read under its words
        context = {VOCABULARY_CONTEXT: policy.vocabulary}
        validated = Decision.model_validate(fast.model_dump(exclude_unset=True), context=context)
        assert fast == validated
        assert repr(fast) == repr(validated)
        assert fast.model_dump_json() == validated.model_dump_json()
        assert fast.model_fields_set == validated.model_fields_set
        for mine, theirs in zip(fast.activities, validated.activities, strict=True):
            assert mine.model_fields_set == theirs.model_fields_set
        assert type(fast.activities) is tuple and type(fast.trace) is tuple and type(fast.shares) is tuple

    check()


def test_the_fields_left_out_of_a_decision_take_their_defaults_which_are_plain_values() -> None:
    for model, fields in _DEFAULTS.items():
        assert [name for name, _, _ in fields] == list(model.model_fields)
        assert all(field.default_factory is None for field in model.model_fields.values())
        assert all(default is None or default == () for _, required, default in fields if not required)
