"""``ce_policy.evaluate`` against the hand-written reference of the Aksu 2025 rules (``reference.py``).

The number of examples is 300 by default; set ``CE_REFERENCE_EXAMPLES`` to run more (or fewer).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import ce_policy
from tests.reference import reference_evaluate
from tests.strategies_support import as_of_dates, records

EXAMPLES = int(os.environ.get("CE_REFERENCE_EXAMPLES", "300"))
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "policies" / "xj" / "aksu-2025-12" / "examples"

COMPARED = ("compliant", "hours", "required", "shortfall", "projected", "consequences")
ACTIVITY_FIELDS = ("id", "counted", "category", "hours", "registration", "route", "reasons")

property_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def comparable(decision: dict[str, Any]) -> dict[str, Any]:
    """The compared part of a decision's JSON, with reasons and consequences as sorted lists."""
    view = {name: decision[name] for name in COMPARED}
    # The general Aksu rules count no credits (学分): those fields are absent or null.
    assert decision.get("credits") is None
    assert all(activity.get("credits") is None for activity in decision["activities"])
    view["projected"] = {k: v for k, v in decision["projected"].items() if not (k == "credits" and v is None)}
    view["consequences"] = sorted(decision["consequences"])
    view["activities"] = [
        {**{name: activity[name] for name in ACTIVITY_FIELDS}, "reasons": sorted(activity["reasons"])}
        for activity in decision["activities"]
    ]
    return view


def assert_agrees(record: dict[str, Any], as_of: dt.date | None = None) -> None:
    actual = comparable(ce_policy.evaluate(record, as_of=as_of).model_dump(mode="json"))
    expected = comparable(reference_evaluate(record, as_of))
    # Activities first: a wrong activity is the cause, a wrong total only its effect.
    for got, want in zip(actual["activities"], expected["activities"], strict=True):
        assert got == want, f"activity {want['id']}"
    assert actual == expected


@property_settings
@given(record=records())
def test_evaluate_agrees_with_the_reference(record: dict[str, Any]) -> None:
    note(json.dumps(record, ensure_ascii=False))
    assert_agrees(record)


@st.composite
def records_and_as_of(draw: st.DrawFn) -> tuple[dict[str, Any], dt.date]:
    """A record and a date inside 2025, often a day an activity was completed (or the day before)."""
    record = draw(records())
    year_start, year_end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    days = [dt.date.fromisoformat(a["completed_on"]) for a in record["activities"]]
    near = [
        d + dt.timedelta(days=k) for d in days for k in (-1, 0) if year_start <= d + dt.timedelta(days=k) <= year_end
    ]
    as_of = draw(st.sampled_from(near) | as_of_dates()) if near else draw(as_of_dates())
    return record, as_of


@property_settings
@given(case=records_and_as_of())
def test_evaluate_agrees_with_the_reference_as_of_a_day_in_2025(case: tuple[dict[str, Any], dt.date]) -> None:
    record, as_of = case
    note(f"as_of={as_of.isoformat()}: {json.dumps(record, ensure_ascii=False)}")
    assert_agrees(record, as_of)


def test_patent_granted_after_as_of() -> None:
    patent = {
        "id": "patent-1",
        "kind": "patent",
        "hours": 60,
        "on_platform": True,
        "passed": True,
        "completed_on": "2025-05-01",
        "patent_type": "invention",
        "granted_on": "2025-09-01",
        "approval": "approved",
    }
    record = {
        "person": {"id": "p-patent", "title_level": "intermediate"},
        "year": 2025,
        "activities": [patent],
    }
    as_of = dt.date(2025, 6, 30)
    outcome = ce_policy.evaluate(record, as_of=as_of).activities[0]
    assert not outcome.counted
    assert_agrees(record, as_of)


@settings(max_examples=50, deadline=None)
@given(record=records())
def test_generated_records_are_valid(record: dict[str, Any]) -> None:
    ce_policy.Record.model_validate(record)


def _public_courses(count: int, hours: float) -> dict[str, Any]:
    return {
        "person": {"id": "p-tenths", "title_level": "junior"},
        "year": 2025,
        "activities": [
            {
                "id": f"pub-{i}",
                "kind": "public_course",
                "hours": hours,
                "on_platform": True,
                "passed": True,
                "completed_on": "2025-05-01",
            }
            for i in range(count)
        ],
    }


def test_ten_tenths_of_an_hour_make_exactly_one_hour() -> None:
    record = _public_courses(10, 0.1)
    decision = ce_policy.evaluate(record)
    assert decision.hours.public == Decimal(1)
    assert decision.model_dump(mode="json")["hours"]["public"] == 1
    assert decision.shortfall.public == Decimal(29)
    assert_agrees(record)


def test_three_hundred_tenths_of_an_hour_meet_the_public_floor() -> None:
    record = _public_courses(300, 0.1)
    decision = ce_policy.evaluate(record)
    assert decision.hours.public == Decimal(30)
    assert decision.shortfall.public == Decimal(0)
    assert decision.hours.public >= decision.required.public
    assert_agrees(record)


def test_two_hundred_ninety_nine_tenths_of_an_hour_fall_short_by_one_tenth() -> None:
    record = _public_courses(299, 0.1)
    decision = ce_policy.evaluate(record)
    assert decision.hours.public == Decimal("29.9")
    assert decision.shortfall.public == Decimal("0.1")
    assert_agrees(record)


@pytest.mark.parametrize("name", ["complete.json", "incomplete.json"])
def test_shipped_examples_agree(name: str) -> None:
    record = json.loads((EXAMPLES_DIR / name).read_text(encoding="utf-8"))
    assert_agrees(record)


def test_year_total_above_the_hours_limit() -> None:
    record = _public_courses(2, 6000)
    expected = reference_evaluate(record)
    assert expected["hours"]["public"] == 12000
    assert_agrees(record)
