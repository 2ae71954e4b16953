"""The facts an evaluation asserts about a person and each activity, and what keys an activity in the memo.

What a record says is checked against the vocabulary of the policy that decides it here (its choices, way
fields and declared attributes), before any fact is made of it.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Mapping
from typing import Any

from ce_policy.engine.compiler import AS_OF_SUFFIX, date_number
from ce_policy.model.errors import RecordError, RecordProblem
from ce_policy.model.hours import to_centi
from ce_policy.model.record import Activity, Person, Record, vocabulary_problems
from ce_policy.model.ways import person_problems
from ce_policy.policy.calendars import YearCalendar
from ce_policy.policy.loaded import Policy
from ce_policy.policy.shapes import did_you_mean
from ce_policy.policy.vocabulary import OPTIONAL_CHOICE_FIELDS

__all__ = [
    "DATE_WINDOWS",
    "activity_fact",
    "activity_key",
    "check_attributes",
    "check_vocabulary",
    "claimed_once",
    "person_fields",
    "person_fields_of",
]

DATE_WINDOWS = (("completed_on", "completed_in"), ("granted_on", "granted_in"))
"""An activity's dates, each with the name of the window of the year it falls in (as its fact has them)."""


def person_fields(person: Person, year: int, region: str, attributes: Iterable[str] = ()) -> dict[str, Any]:
    """The person fields every fact of an evaluation carries, with the person ``attributes`` the policy declares.

    An attribute, or the degree, that the record does not give is ``""`` (tested by ``present: false``).
    """
    return person_fields_of(person.__dict__, year, region, attributes)


def person_fields_of(
    person: Mapping[str, Any], year: int, region: str, attributes: Iterable[str] = ()
) -> dict[str, Any]:
    """`person_fields` of a person given as its field dict (a `Person`'s fields, as the population path has them)."""
    fields = {
        "title_level": person["title_level"],
        "sector": person["sector"],
        "region": region,
        "year": year,
        "person_degree_level": person["degree_level"] or "",
    }
    given = person["attributes"] or {}
    for name in attributes:
        fields[name] = given.get(name, "")
    return fields


def check_vocabulary(record: Record, policy: Policy, path: str = "$") -> None:
    """Refuse what a record says that ``policy`` does not allow.

    Its vocabulary (choices, way fields, activity attributes) and the person attributes it declares.

    Raises:
        RecordError: listing each problem with its JSON path (under ``path``, e.g. ``$.records[2]``).
    """
    problems = [
        RecordProblem(path + p.path[1:], p.code, p.message) for p in vocabulary_problems(record, policy.vocabulary)
    ]
    problems += _attribute_problems(record.person, policy, f"{path}.person")
    if problems:
        raise RecordError(problems)


def check_attributes(person: Person, policy: Policy, path: str = "$.person") -> None:
    """Refuse person attributes that ``policy`` does not declare or values outside their choices.

    And a degree outside the policy's vocabulary.

    Raises:
        RecordError: listing each problem with its JSON path.
    """
    problems = person_problems(person.__dict__, path, policy.vocabulary) + _attribute_problems(person, policy, path)
    if problems:
        raise RecordError(problems)


def _attribute_problems(person: Person, policy: Policy, path: str) -> list[RecordProblem]:
    problems = []
    declared = policy.attributes
    for name, value in (person.attributes or {}).items():
        where = f"{path}.attributes.{name}"
        attribute = declared.get(name)
        if attribute is None:
            known = ", ".join(sorted(declared)) or "none"
            hint = did_you_mean(name, declared)
            message = f"policy {policy.id!r} declares no person attribute {name!r}{hint} (declared: {known})"
            problems.append(RecordProblem(where, "unknown_attribute", message))
        elif value not in attribute.choices:
            hint = did_you_mean(value, attribute.choices)
            message = f"{value!r} is not one of {', '.join(attribute.choices)}{hint}"
            problems.append(RecordProblem(where, "invalid_choice", message))
    return problems


def claimed_once(records: Iterable[tuple[str, Record]]) -> list[RecordProblem]:
    """A problem for each activity id that two of one person's records claim: an activity counts for one year.

    ``records`` pairs each record with the JSON path it was given at (e.g. ``$.records[2]``).
    """
    first: dict[str, tuple[int, str]] = {}
    problems = []
    for where, record in records:
        for j, activity in enumerate(record.activities):
            path = f"{where}.activities[{j}].id"
            if activity.id not in first:
                first[activity.id] = (record.year, path)
                continue
            year, other = first[activity.id]
            message = (
                f"activity {activity.id!r} is claimed for {record.year} and for {year} ({other}); "
                "an activity counts for one year only"
            )
            problems.append(RecordProblem(path, "activity_claimed_twice", message))
    return problems


def activity_fact(
    index: int,
    activity: Activity,
    common: dict[str, Any],
    as_of: dt.date,
    dates: YearCalendar,
    attributes: Iterable[str] = (),
) -> dict[str, Any]:
    """The activity-stage fact of the activity at ``index``: its fields, the person fields, its dates.

    Each date is given as ``yyyymmdd``, as days from ``as_of``, and as the window of the year it falls in;
    each activity attribute the policy declares (``attributes``) as given, ``""`` when the activity has none.
    """
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
    for name, window in DATE_WINDOWS:
        day: dt.date | None = getattr(activity, name)
        if day is not None:
            fact[name] = date_number(day)
            fact[name + AS_OF_SUFFIX] = (day - as_of).days
            fact[window] = dates.window_of(day)
        else:
            fact[window] = ""
    for name in OPTIONAL_CHOICE_FIELDS:
        fact[name] = getattr(activity, name) or ""
    if activity.credits is not None:
        fact["credits"] = to_centi(activity.credits)
    given = activity.attributes or {}
    for name in attributes:
        fact[name] = given.get(name, "")
    return fact


_ACTIVITY_FIELDS = operator.itemgetter(*(name for name in Activity.model_fields if name not in ("id", "attributes")))


def activity_key(activity: Activity) -> tuple[Any, ...]:
    """Everything of an activity that a rule of the activity or recognition stage can read (all but its id)."""
    key: tuple[Any, ...] = _ACTIVITY_FIELDS(activity.__dict__)
    attributes = activity.attributes
    return key if not attributes else (*key, *sorted(attributes.items()))
