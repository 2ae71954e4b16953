"""Hypothesis strategies for valid 2025 records, as plain JSON data (what a caller of ``evaluate`` sends).

The ways' fields are written out here by hand (not read from ``ce_policy``'s ``WAY_FIELDS``) so that the
strategies do not share a mistake with the code under test; ``test_reference`` checks that every generated
record is valid.

Values are biased towards the places where rules change their answer: hours at the floors and caps (29.5, 30,
59.5, 60, 72, 0.1 …), dates at the year's edges (2024-12-31, 2025-01-01, 2025-12-31, 2026-01-01). Everything
shrinks towards a platform-registered, passed, approved, in-year activity, so a minimal failing example shows
only what matters.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "EDGE_DATES",
    "KINDS",
    "TITLE_LEVELS",
    "activities",
    "as_of_dates",
    "completion_dates",
    "hours_values",
    "json_hours",
    "records",
]

YEAR = 2025
YEAR_START = dt.date(YEAR, 1, 1)
YEAR_END = dt.date(YEAR, 12, 31)

KINDS = (
    "public_course",
    "training",
    "advanced_seminar",
    "practice",
    "lecture",
    "degree_study",
    "patent",
    "research_project",
    "publication",
    "qualification_exam",
    "other_recognised",
)
TITLE_LEVELS = ("junior", "intermediate", "senior")
ORGANISER_LEVELS = ("national", "region", "prefecture", "county", "unit")
DEGREE_LEVELS = (
    "bachelor",
    "associate",
    "master",
    "doctor",
    "party_school_associate",
    "party_school_bachelor",
    "party_school_postgraduate",
)
# None stands for "field absent"; absent approval means nothing was decided yet.
APPROVALS = ("approved", None, "pending", "rejected")

EDGE_DATES = (
    dt.date(2024, 12, 31),
    dt.date(2025, 1, 1),
    dt.date(2025, 12, 31),
    dt.date(2026, 1, 1),
    dt.date(2025, 1, 2),
    dt.date(2025, 12, 30),
    dt.date(2025, 6, 30),
    dt.date(2025, 7, 1),
)

# Floors (30, 60, 90), caps and fixed values of the hour standards (12, 30, 40, 48, 60, 72), their neighbours.
_EDGE_HOURS = tuple(
    Decimal(text)
    for text in (
        "0",
        "0.01",
        "0.1",
        "0.5",
        "1",
        "11.99",
        "12",
        "12.01",
        "29.5",
        "29.99",
        "30",
        "30.01",
        "39.99",
        "40",
        "47.99",
        "48",
        "48.01",
        "59.5",
        "59.99",
        "60",
        "60.01",
        "71.99",
        "72",
        "72.01",
        "89.99",
        "90",
        "90.5",
    )
)


def json_hours(value: Decimal) -> int | float:
    """Hours as a JSON number: an int when whole, else the float whose shortest repr is the decimal."""
    return int(value) if value == value.to_integral_value() else float(value)


def hours_values(max_centi: int = 20_000) -> st.SearchStrategy[Decimal]:
    """Exact hours with at most two decimals, often at the floors and caps, at times anywhere up to 10,000."""
    centi = st.integers(min_value=0, max_value=max_centi).map(lambda c: Decimal(c) / 100)
    tenths = st.integers(min_value=0, max_value=max_centi // 10).map(lambda c: Decimal(c) / 10)
    huge = st.integers(min_value=0, max_value=1_000_000).map(lambda c: Decimal(c) / 100)
    return st.one_of(st.sampled_from(_EDGE_HOURS), tenths, centi, huge)


def completion_dates() -> st.SearchStrategy[dt.date]:
    """Dates around 2025, mostly at the year's edges."""
    return st.one_of(
        st.sampled_from(EDGE_DATES),
        st.dates(min_value=YEAR_START, max_value=YEAR_END),
        st.dates(min_value=dt.date(2024, 10, 1), max_value=dt.date(2026, 3, 31)),
    )


def as_of_dates() -> st.SearchStrategy[dt.date]:
    """A date inside 2025 to decide as of, biased towards the year's edges and its middle."""
    edges = st.sampled_from((YEAR_START, YEAR_END, dt.date(2025, 1, 2), dt.date(2025, 6, 30), dt.date(2025, 12, 30)))
    return st.one_of(edges, st.dates(min_value=YEAR_START, max_value=YEAR_END))


def _way_fields(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """The way-specific fields of one kind: the required ones always, the optional ones sometimes."""
    approval = draw(st.sampled_from(APPROVALS))
    optional = {} if approval is None else {"approval": approval}
    level = draw(st.sampled_from(ORGANISER_LEVELS))
    if kind in ("public_course", "training"):
        return {}
    if kind in ("advanced_seminar", "research_project", "other_recognised"):
        return {"organiser_level": level, **optional}
    if kind in ("practice", "qualification_exam"):
        return optional
    if kind == "lecture":
        return {"organiser_level": level, "role": draw(st.sampled_from(("lecturer", "attendee"))), **optional}
    if kind == "degree_study":
        return {"degree_level": draw(st.sampled_from(DEGREE_LEVELS)), **optional}
    if kind == "patent":
        fields: dict[str, Any] = {"patent_type": draw(st.sampled_from(("invention", "utility_model", "design")))}
        granted = draw(st.none() | completion_dates())
        if granted is not None:
            fields["granted_on"] = granted.isoformat()
        return {**fields, **optional}
    if kind == "publication":
        return {
            "publication_type": draw(st.sampled_from(("paper", "book", "translation"))),
            "journal": draw(st.sampled_from(("cn", "sector_recognised", "other"))),
            **optional,
        }
    raise AssertionError(f"unknown kind {kind!r}")


@st.composite
def activities(draw: st.DrawFn, activity_id: str = "a0", kinds: tuple[str, ...] = KINDS) -> dict[str, Any]:
    """One valid activity of one of ``kinds``, as JSON data, with the fields its way requires or allows."""
    kind = draw(st.sampled_from(kinds))
    return {
        "id": activity_id,
        "kind": kind,
        "hours": json_hours(draw(hours_values())),
        "on_platform": draw(st.sampled_from((True, True, True, False))),
        "passed": draw(st.sampled_from((True, True, True, False))),
        "completed_on": draw(completion_dates()).isoformat(),
        **_way_fields(draw, kind),
    }


def _split(draw: st.DrawFn, total: Decimal, parts: int) -> list[Decimal]:
    """``total`` split into ``parts`` non-negative amounts of whole centi-hours that sum to it exactly."""
    centi = int(total * 100)
    cuts = sorted(draw(st.lists(st.integers(0, centi), min_size=parts - 1, max_size=parts - 1)))
    bounds = [0, *cuts, centi]
    return [Decimal(b - a) / 100 for a, b in itertools.pairwise(bounds)]


def _filler(draw: st.DrawFn, kind: str, targets: tuple[str, ...], prefix: str) -> list[dict[str, Any]]:
    """Clean, in-year activities of ``kind`` whose hours add up to a value at a floor."""
    total = Decimal(draw(st.sampled_from(targets)))
    amounts = _split(draw, total, draw(st.integers(1, 4)))
    return [
        {
            "id": f"{prefix}{i}",
            "kind": kind,
            "hours": json_hours(amount),
            "on_platform": True,
            "passed": True,
            "completed_on": draw(st.dates(min_value=YEAR_START, max_value=YEAR_END)).isoformat(),
        }
        for i, amount in enumerate(amounts)
    ]


@st.composite
def records(draw: st.DrawFn, max_activities: int = 20, max_claimed: Decimal = Decimal(8_000)) -> dict[str, Any]:
    """A valid 2025 record for Aksu as JSON data.

    Besides up to ``max_activities`` free activities of every kind, a record often holds public courses and
    training whose hours add up to just below, at or just above a floor, so that the floors are hit exactly.
    The claimed hours of a record add up to at most ``max_claimed`` (trimmed in order): with the default, even
    the fixed hour values of the ways cannot lift a year's total above 10,000 (see
    ``test_reference.test_year_total_above_the_hours_limit``).
    """
    person: dict[str, Any] = {
        "id": draw(st.text(alphabet="abcdefgh0123456789-", min_size=1, max_size=12)),
        "title_level": draw(st.sampled_from(TITLE_LEVELS)),
    }
    if draw(st.booleans()):
        person["region"] = "xj.aksu"
    if draw(st.booleans()):
        person["sector"] = "general"
    free = draw(st.lists(activities(), max_size=max_activities))
    chosen = [{**activity, "id": f"a{i}"} for i, activity in enumerate(free)]
    if draw(st.booleans()):
        chosen += _filler(draw, "public_course", ("29.5", "29.99", "30", "30.01", "30.1"), "pub")
    if draw(st.booleans()):
        chosen += _filler(draw, "training", ("59.5", "59.99", "60", "60.01", "60.1"), "pro")
    order = draw(st.permutations(range(len(chosen))))
    return {
        "person": person,
        "year": YEAR,
        "activities": _within_budget([chosen[i] for i in order], max_claimed),
    }


def _within_budget(chosen: list[dict[str, Any]], budget: Decimal) -> list[dict[str, Any]]:
    """The activities with claimed hours trimmed, in order, so that they add up to at most ``budget``."""
    trimmed = []
    for activity in chosen:
        hours = min(Decimal(repr(activity["hours"])), budget)
        budget -= hours
        trimmed.append({**activity, "hours": json_hours(hours)})
    return trimmed
