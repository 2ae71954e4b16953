"""Bad records, each pinned to the RecordError problem code and JSON path that ``evaluate`` reports.

Records are checked before any policy is looked up; the valid baseline is evaluated under the minimal test
policy (``tests/data/minimal_policy``) so that these tests do not depend on the shipped policies.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from pydantic import ValidationError

import ce_policy
from ce_policy import PolicyRegistry, RecordError, RecordProblem
from ce_policy.model.record import ACTIVITY_KINDS, MAX_ACTIVITIES

MINIMAL = Path(__file__).parent / "data" / "minimal_policy"
REGISTRY = PolicyRegistry([MINIMAL])

Record = dict[str, Any]
"""A record as plain JSON data."""


def _activity(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "a1",
        "kind": "public_course",
        "hours": 12,
        "on_platform": True,
        "passed": True,
        "completed_on": "2025-03-01",
    }
    base.update(fields)
    return base


def _record(*activities: dict[Any, Any], **fields: Any) -> Record:
    base: Record = {
        "person": {"id": "p-1", "title_level": "junior", "region": "t"},
        "year": 2025,
        "activities": list(activities) if activities else [_activity()],
    }
    base.update(fields)
    return base


def _person(**fields: Any) -> Record:
    record = _record()
    record["person"].update(fields)
    return record


def _without(key: str) -> Record:
    record = _record()
    del record[key]
    return record


def _without_in_activity(key: str) -> Record:
    activity = _activity()
    del activity[key]
    return _record(activity)


def _problems_of(record: Any) -> list[RecordProblem]:
    with pytest.raises(RecordError) as info:
        ce_policy.evaluate(record, registry=REGISTRY)
    error = info.value
    assert type(error) is RecordError
    assert isinstance(error, ce_policy.CePolicyError)
    assert isinstance(error, ValueError)
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    assert error.codes == [p.code for p in error.problems]
    for problem in error.problems:
        assert str(problem) in str(error)
    return list(error.problems)


def test_valid_record_evaluates() -> None:
    decision = ce_policy.evaluate(_record(), registry=REGISTRY)
    assert decision.compliant
    assert decision.hours.total == Decimal(12)


def test_record_model_is_accepted() -> None:
    record = ce_policy.Record.model_validate(_record())
    assert ce_policy.evaluate(record, registry=REGISTRY).compliant


def test_any_mapping_is_accepted() -> None:
    record: Any = MappingProxyType(_record())  # outside the typed contract (a dict), accepted all the same
    assert ce_policy.evaluate(record, registry=REGISTRY).compliant


A0 = "$.activities[0]"

# (id, record, [(path, code)], text the first message must contain)
CASES: list[tuple[str, Record, list[tuple[str, str]], str]] = [
    # --- missing and unknown fields -------------------------------------------------------------------
    ("missing_person", _without("person"), [("$.person", "missing_field")], "Field required"),
    ("missing_year", _without("year"), [("$.year", "missing_field")], ""),
    ("missing_person_id", _record(person={"title_level": "junior"}), [("$.person.id", "missing_field")], ""),
    ("missing_hours", _without_in_activity("hours"), [(f"{A0}.hours", "missing_field")], ""),
    (
        "missing_completed_on",
        _without_in_activity("completed_on"),
        [(f"{A0}.completed_on", "missing_field")],
        "",
    ),
    ("unknown_top_level_field", _record(extra=1), [("$.extra", "unknown_field")], "Extra inputs"),
    ("unknown_person_field", _person(age=40), [("$.person.age", "unknown_field")], ""),
    ("unknown_activity_field", _record(_activity(colour="blue")), [(f"{A0}.colour", "unknown_field")], ""),
    # --- wrong types -----------------------------------------------------------------------------------
    ("person_not_object", _record(person="p-1"), [("$.person", "wrong_type")], "instance of Person"),
    ("passed_yes", _record(_activity(passed="yes")), [(f"{A0}.passed", "wrong_type")], "valid boolean"),
    ("on_platform_one", _record(_activity(on_platform=1)), [(f"{A0}.on_platform", "wrong_type")], ""),
    ("person_id_number", _person(id=5), [("$.person.id", "wrong_type")], "valid string"),
    ("year_string", _record(year="2025"), [("$.year", "wrong_type")], "valid integer"),
    ("year_float", _record(year=2025.0), [("$.year", "wrong_type")], ""),
    ("year_bool", _record(year=True), [("$.year", "wrong_type")], ""),
    ("activities_object", _record(activities={"a1": _activity()}), [("$.activities", "wrong_type")], ""),
    ("activities_string", _record(activities="a1"), [("$.activities", "wrong_type")], ""),
    ("activity_string", _record(activities=["a1"]), [(A0, "wrong_type")], "instance of Activity"),
    # --- hours -----------------------------------------------------------------------------------------
    ("hours_string", _record(_activity(hours="12")), [(f"{A0}.hours", "wrong_type")], "must be a number"),
    ("hours_bool", _record(_activity(hours=True)), [(f"{A0}.hours", "wrong_type")], "must be a number"),
    ("hours_null", _record(_activity(hours=None)), [(f"{A0}.hours", "wrong_type")], "must be a number"),
    ("hours_list", _record(_activity(hours=[12])), [(f"{A0}.hours", "wrong_type")], "must be a number"),
    ("hours_nan", _record(_activity(hours=float("nan"))), [(f"{A0}.hours", "hours_invalid")], "finite"),
    ("hours_infinity", _record(_activity(hours=float("inf"))), [(f"{A0}.hours", "hours_invalid")], "finite"),
    (
        "hours_minus_infinity",
        _record(_activity(hours=float("-inf"))),
        [(f"{A0}.hours", "hours_invalid")],
        "finite",
    ),
    (
        "hours_decimal_nan",
        _record(_activity(hours=Decimal("NaN"))),
        [(f"{A0}.hours", "hours_invalid")],
        "finite",
    ),
    (
        "hours_decimal_snan",
        _record(_activity(hours=Decimal("sNaN"))),
        [(f"{A0}.hours", "hours_invalid")],
        "finite",
    ),
    (
        "hours_negative",
        _record(_activity(hours=-1)),
        [(f"{A0}.hours", "hours_invalid")],
        "must not be negative",
    ),
    (
        "hours_too_many",
        _record(_activity(hours=10_001)),
        [(f"{A0}.hours", "hours_invalid")],
        "must not exceed",
    ),
    ("hours_huge", _record(_activity(hours=10**400)), [(f"{A0}.hours", "hours_invalid")], "must not exceed"),
    (
        "hours_0.001",
        _record(_activity(hours=0.001)),
        [(f"{A0}.hours", "hours_precision")],
        "two decimal places",
    ),
    (
        "hours_decimal_0.001",
        _record(_activity(hours=Decimal("0.001"))),
        [(f"{A0}.hours", "hours_precision")],
        "two decimal places",
    ),
    # 0.1 + 0.2 == 0.30000000000000004 as a float: refused rather than rounded.
    ("hours_float_sum", _record(_activity(hours=0.1 + 0.2)), [(f"{A0}.hours", "hours_precision")], ""),
    # --- choices ---------------------------------------------------------------------------------------
    (
        "unknown_kind",
        _record(_activity(kind="webinar")),
        [(f"{A0}.kind", "invalid_choice")],
        "'public_course'",
    ),
    (
        "title_level_case",
        _person(title_level="Junior"),
        [("$.person.title_level", "invalid_choice")],
        "'junior'",
    ),
    (
        "organiser_level_unknown",
        _record(_activity(kind="lecture", role="lecturer", organiser_level="city")),
        [(f"{A0}.organiser_level", "invalid_choice")],
        "'prefecture'",
    ),
    # --- which fields a way of study carries (one problem per field, at the field) ---------------------
    (
        "lecture_without_role",
        _record(_activity(kind="lecture", organiser_level="unit")),
        [(f"{A0}.role", "way_fields")],
        "role is required for kind 'lecture'",
    ),
    (
        "training_with_organiser_level",
        _record(_activity(kind="training", organiser_level="unit")),
        [(f"{A0}.organiser_level", "way_fields")],
        "organiser_level does not apply to kind 'training'",
    ),
    (
        "several_way_fields_one_problem_each",
        _record(_activity(kind="lecture", patent_type="design")),
        [
            (f"{A0}.organiser_level", "way_fields"),
            (f"{A0}.role", "way_fields"),
            (f"{A0}.patent_type", "way_fields"),
        ],
        "organiser_level is required for kind 'lecture'",
    ),
    (
        "way_fields_of_the_second_activity",
        _record(_activity(), _activity(id="a2", kind="publication", publication_type="paper")),
        [("$.activities[1].journal", "way_fields")],
        "journal is required for kind 'publication'",
    ),
    # --- identifiers ------------------------------------------------------------------------------------
    (
        "duplicate_activity_ids",
        _record(_activity(), _activity(hours=3)),
        [("$.activities[1].id", "duplicate_activity_id")],  # the second occurrence
        "activity id 'a1' appears more than once",
    ),
    (
        "duplicate_activity_ids_thrice",
        _record(_activity(), _activity(id="a2"), _activity(), _activity()),
        [("$.activities[2].id", "duplicate_activity_id"), ("$.activities[3].id", "duplicate_activity_id")],
        "activity id 'a1' appears more than once",
    ),
    ("person_id_with_space", _person(id="p 1"), [("$.person.id", "invalid_format")], ""),
    ("person_id_empty", _person(id=""), [("$.person.id", "too_short")], ""),
    ("person_id_too_long", _person(id="p" * 65), [("$.person.id", "too_long")], "64"),
    ("activity_id_with_tab", _record(_activity(id="a\t1")), [(f"{A0}.id", "invalid_format")], ""),
    ("region_upper_case", _person(region="XJ"), [("$.person.region", "invalid_format")], ""),
    # --- ranges and sizes -------------------------------------------------------------------------------
    ("year_too_early", _record(year=1989), [("$.year", "out_of_range")], "1990"),
    ("year_too_late", _record(year=2101), [("$.year", "out_of_range")], "2100"),
    (
        "too_many_activities",
        _record(*[_activity(id=f"a{i}") for i in range(MAX_ACTIVITIES + 1)]),
        [("$.activities", "too_many_items")],
        "at most 1000 items",
    ),
    # --- dates: a date, or text YYYY-MM-DD, and nothing else -------------------------------------------
    (
        "date_month_13",
        _record(_activity(completed_on="2025-13-01")),
        [(f"{A0}.completed_on", "invalid_date")],
        "YYYY-MM-DD",
    ),
    (
        "date_not_a_date",
        _record(_activity(completed_on="yesterday")),
        [(f"{A0}.completed_on", "invalid_date")],
        "",
    ),
    (
        "date_february_30",
        _record(_activity(completed_on="2025-02-30")),
        [(f"{A0}.completed_on", "invalid_date")],
        "",
    ),
    (
        "date_with_a_time",
        _record(_activity(completed_on="2025-03-01T10:00:00")),
        [(f"{A0}.completed_on", "invalid_date")],
        "YYYY-MM-DD",
    ),
    (
        "date_with_a_midnight_time",
        _record(_activity(completed_on="2025-03-01T00:00:00")),
        [(f"{A0}.completed_on", "invalid_date")],
        "YYYY-MM-DD",
    ),
    (
        "date_datetime_at_midnight",
        _record(_activity(completed_on=dt.datetime(2025, 3, 1))),
        [(f"{A0}.completed_on", "invalid_date")],
        "not a date and time",
    ),
    ("date_zero", _record(_activity(completed_on=0)), [(f"{A0}.completed_on", "invalid_date")], "YYYY-MM-DD"),
    (
        "date_unix_seconds",
        _record(_activity(completed_on=1_740_787_200)),
        [(f"{A0}.completed_on", "invalid_date")],
        "YYYY-MM-DD",
    ),
    (
        "date_unix_seconds_as_text",
        _record(_activity(completed_on="1740787200")),
        [(f"{A0}.completed_on", "invalid_date")],
        "YYYY-MM-DD",
    ),
    (
        "date_float",
        _record(_activity(completed_on=20250301.0)),
        [(f"{A0}.completed_on", "invalid_date")],
        "YYYY-MM-DD",
    ),
    (
        "date_bool",
        _record(_activity(completed_on=True)),
        [(f"{A0}.completed_on", "invalid_date")],
        "YYYY-MM-DD",
    ),
    (
        "date_null",
        _record(_activity(completed_on=None)),
        [(f"{A0}.completed_on", "invalid_date")],
        "YYYY-MM-DD",
    ),
    (
        "granted_on_invalid",
        _record(_activity(kind="patent", patent_type="invention", granted_on="2025-3-1")),
        [(f"{A0}.granted_on", "invalid_date")],
        "",
    ),
    # --- keys that are not strings (pydantic's own code, and a path that looks like an index) -----------
    (
        "non_string_key",
        _record({**_activity(), 1: "x"}),
        [(f"{A0}[1]", "invalid_key")],
        "Keys should be strings",
    ),
]


@pytest.mark.parametrize(("record", "expected", "text"), [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_bad_record_is_reported(record: Record, expected: list[tuple[str, str]], text: str) -> None:
    problems = _problems_of(record)
    assert [(p.path, p.code) for p in problems] == expected
    assert text in problems[0].message


def test_unknown_kind_lists_every_kind() -> None:
    (problem,) = _problems_of(_record(_activity(kind="webinar")))
    for kind in ACTIVITY_KINDS:
        assert repr(kind) in problem.message


@pytest.mark.parametrize(
    "record",
    [[], [_record()], None, "record", 5, 2.5, True, b"{}", {_record()["person"]["id"]}],
    ids=["list", "list_of_record", "none", "string", "int", "float", "bool", "bytes", "set"],
)
def test_top_level_must_be_an_object(record: Any) -> None:
    (problem,) = _problems_of(record)
    assert (problem.path, problem.code) == ("$", "wrong_type")
    assert problem.message.startswith("expected a JSON object, got ")


def test_every_problem_of_a_record_is_listed() -> None:
    record = _record(
        _activity(hours=-1, passed="yes"),
        _activity(id="a2", kind="webinar", completed_on="2025-13-01", hours=0.001),
        extra=1,
        year="2025",
    )
    record["person"]["id"] = 5
    problems = _problems_of(record)
    assert [(p.path, p.code) for p in problems] == [
        ("$.person.id", "wrong_type"),
        ("$.year", "wrong_type"),
        ("$.activities[0].hours", "hours_invalid"),
        ("$.activities[0].passed", "wrong_type"),
        ("$.activities[1].kind", "invalid_choice"),
        ("$.activities[1].hours", "hours_precision"),
        ("$.activities[1].completed_on", "invalid_date"),
        ("$.extra", "unknown_field"),
    ]


def test_bad_activities_are_listed_up_to_the_problem_cap_and_the_rest_counted() -> None:
    """A thousand bad activities: the first 100 problems are listed, then one that counts the other 900."""
    activities = [_activity(id=f"a{i}", hours=-1) for i in range(MAX_ACTIVITIES)]
    with pytest.raises(RecordError) as caught:
        ce_policy.evaluate(_record(*activities))
    problems = caught.value.problems
    assert len(problems) == 101
    assert {p.code for p in problems[:100]} == {"hours_invalid"}
    assert problems[99].path == "$.activities[99].hours"
    assert problems[-1].code == "too_many_problems"
    assert caught.value.omitted == MAX_ACTIVITIES - 100


def test_one_activity_over_the_limit_refuses_the_list_by_its_length() -> None:
    activities = [_activity(id=f"a{i}", hours=-1) for i in range(MAX_ACTIVITIES + 1)]
    assert [p.code for p in _problems_of(_record(*activities))] == ["too_many_items"]


def test_record_problem_renders_path_message_and_code() -> None:
    (problem,) = _problems_of(_record(_activity(hours=0.001)))
    assert str(problem) == "$.activities[0].hours: hours may have at most two decimal places [hours_precision]"


def test_record_error_says_how_many_problems() -> None:
    with pytest.raises(RecordError, match=r"invalid record: 2 problem\(s\)"):
        ce_policy.evaluate(_record(year=1, extra=2), registry=REGISTRY)


def test_record_is_checked_before_the_policy_is_looked_up() -> None:
    """A bad record is a RecordError even when no policy could be found for it."""
    (problem,) = _problems_of(_person(region="nowhere", id=""))
    assert problem.code == "too_short"


# --- problems found on the raw data are listed with the others ------------------------------------------


def test_way_field_problems_are_listed_with_field_problems() -> None:
    problems = _problems_of(_record(_activity(kind="lecture", hours=-1)))
    assert [(p.path, p.code) for p in problems] == [
        ("$.activities[0].hours", "hours_invalid"),
        ("$.activities[0].organiser_level", "way_fields"),
        ("$.activities[0].role", "way_fields"),
    ]


def test_duplicate_ids_are_listed_with_field_problems() -> None:
    problems = _problems_of(_record(_activity(), _activity(hours=-1)))
    assert [(p.path, p.code) for p in problems] == [
        ("$.activities[1].hours", "hours_invalid"),
        ("$.activities[1].id", "duplicate_activity_id"),
    ]


# --- dates and hours as held -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2025-03-01", dt.date(2025, 3, 1)], ids=["text", "date"])
def test_a_date_is_a_date_or_iso_text(value: Any) -> None:
    record = ce_policy.Record.model_validate(_record(_activity(completed_on=value)))
    assert record.activities[0].completed_on == dt.date(2025, 3, 1)
    assert ce_policy.evaluate(_record(_activity(completed_on=value)), registry=REGISTRY).compliant


def test_a_number_is_not_a_date() -> None:
    (problem,) = _problems_of(_record(_activity(completed_on=0)))
    assert (problem.path, problem.code) == ("$.activities[0].completed_on", "invalid_date")


@pytest.mark.parametrize(
    "value", ["2025-W09-6", "2025W096  ", "20250301  "], ids=["week_date", "basic_week_date", "basic_date"]
)
def test_other_iso_forms_are_not_dates(value: str) -> None:
    (problem,) = _problems_of(_record(_activity(completed_on=value)))
    assert (problem.path, problem.code) == ("$.activities[0].completed_on", "invalid_date")


@pytest.mark.parametrize(
    ("value", "shown"),
    [("2025-13-01", "'2025-13-01'"), (0, "0"), (None, "None")],
    ids=["text", "number", "null"],
)
def test_invalid_date_message_shows_the_value(value: Any, shown: str) -> None:
    (problem,) = _problems_of(_record(_activity(completed_on=value)))
    assert problem.message == f"expected a date written YYYY-MM-DD, got {shown}"


def test_record_model_names_the_duplicate_id() -> None:
    with pytest.raises(ValidationError) as info:
        ce_policy.Record.model_validate(_record(_activity(), _activity(hours=3)))
    assert "activity id 'a1' appears more than once" in str(info.value)


@pytest.mark.parametrize(
    ("hours", "shown"),
    [(10, "10"), (100, "100"), (0, "0"), (29.5, "29.5"), (Decimal("29.50"), "29.5"), (0.01, "0.01")],
)
def test_hours_are_held_without_exponent_or_trailing_zeros(hours: Any, shown: str) -> None:
    record = ce_policy.Record.model_validate(_record(_activity(hours=hours)))
    held = record.activities[0].hours
    assert held == Decimal(shown)
    assert str(held) == shown
    assert record.model_dump(mode="json")["activities"][0]["hours"] == hours


@pytest.mark.parametrize(
    "as_of",
    ["2025-06-01", dt.datetime(2025, 6, 1, 12), 20250601],
    ids=["string", "datetime", "int"],
)
def test_as_of_of_the_wrong_type_is_a_type_error(as_of: Any) -> None:
    """Not a RecordError: a wrong ``as_of`` is a programming error, raised as TypeError."""
    with pytest.raises(TypeError, match=r"as_of must be a datetime\.date"):
        ce_policy.evaluate(_record(), registry=REGISTRY, as_of=as_of)


def test_records_are_not_mutated() -> None:
    record = _record(_activity(hours=-1))
    before = copy.deepcopy(record)
    _problems_of(record)
    assert record == before
