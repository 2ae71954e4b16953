"""The facts an evaluation asserts about a person and each activity, and what keys an activity in the memo."""

from __future__ import annotations

import datetime as dt
import operator
from typing import Any

from ce_policy.engine.compiler import AS_OF_SUFFIX, date_number
from ce_policy.model.hours import to_centi
from ce_policy.model.record import Activity, Person
from ce_policy.policy.vocabulary import OPTIONAL_CHOICE_FIELDS

__all__ = ["activity_fact", "activity_key", "person_fields"]


def person_fields(person: Person, year: int, region: str) -> dict[str, Any]:
    """The person fields every fact of an evaluation carries."""
    return {"title_level": person.title_level, "sector": person.sector, "region": region, "year": year}


def activity_fact(index: int, activity: Activity, common: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    """The activity-stage fact of the activity at ``index``: its fields, the person fields, dates as of ``as_of``."""
    fact: dict[str, Any] = {
        "id": f"a{index}",
        "stage": "activity",
        "idx": index,
        **common,
        "kind": activity.kind,
        "hours": to_centi(activity.hours),
        "on_platform": activity.on_platform,
        "passed": activity.passed,
    }
    for name in ("completed_on", "granted_on"):
        day: dt.date | None = getattr(activity, name)
        if day is not None:
            fact[name] = date_number(day)
            fact[name + AS_OF_SUFFIX] = (day - as_of).days
    for name in OPTIONAL_CHOICE_FIELDS:
        fact[name] = getattr(activity, name) or ""
    if activity.credits is not None:
        fact["credits"] = to_centi(activity.credits)
    return fact


_ACTIVITY_FIELDS = operator.itemgetter(*(name for name in Activity.model_fields if name != "id"))


def activity_key(activity: Activity) -> tuple[Any, ...]:
    """Everything of an activity that a rule of the activity or recognition stage can read (all but its id)."""
    key: tuple[Any, ...] = _ACTIVITY_FIELDS(activity.__dict__)
    return key
