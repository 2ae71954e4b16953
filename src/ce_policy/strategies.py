"""Hypothesis strategies for ce_policy: persons, activities, records, histories and invalid records.

This is the one public module of ce_policy that imports hypothesis (a test dependency: ``import ce_policy``
does not import it). The strategies follow hypothesis's own style: functions that return strategies, keyword
overrides per field (a value or a strategy), arguments checked when the function is called.

Given a ``policy`` (a `Policy`, a policy id, or a sector name for the default region), they generate only the
kinds of activity that policy's rules know, people and years it covers, and numbers biased towards the
policy's *own* thresholds, read from its parameters (never hard-coded): for every hours value in force, hours
just under, on and just over it; for every date, the day before, on and after.

Shrinking: lists of activities shrink towards fewer activities; hours towards the smallest thresholds and 0;
dates towards the first day of the year; booleans towards ``True`` for ``on_platform`` and ``passed``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, get_args

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ce_policy._hours import MAX_HOURS
from ce_policy._policy import Policy
from ce_policy._record import (
    ACTIVITY_KINDS,
    GENERAL_SECTOR,
    MAX_ACTIVITIES,
    WAY_FIELDS,
    Activity,
    History,
    Person,
    Record,
)
from ce_policy._registry import default_registry

__all__ = [
    "activities",
    "date_thresholds",
    "histories",
    "hour_thresholds",
    "invalid_records",
    "known_kinds",
    "persons",
    "records",
]

_CENT = Decimal("0.01")
_DEFAULT_YEAR = 2025


def _resolve(policy: Policy | str | None) -> Policy | None:
    if policy is None or isinstance(policy, Policy):
        return policy
    if not isinstance(policy, str):
        raise InvalidArgument(f"policy must be a Policy, a policy id or a sector name, not {type(policy).__name__}")
    registry = default_registry()
    if policy in registry.layer_ids():
        return registry.policy(policy)
    sectors = {registry.coverage(layer_id)[2] for layer_id in registry.layer_ids()} | {GENERAL_SECTOR}
    if policy not in sectors:
        raise InvalidArgument(f"{policy!r} is neither a policy id nor a sector with a policy")
    try:
        return registry.resolve(None, _DEFAULT_YEAR, policy)
    except LookupError:
        raise InvalidArgument(f"{policy!r} is neither a policy id nor a sector with a policy") from None


def _check_overrides(model: type[Any], overrides: Mapping[str, Any], extra: Iterable[str] = ()) -> None:
    unknown = set(overrides) - set(model.model_fields) - set(extra)
    if unknown:
        raise InvalidArgument(f"{model.__name__} has no field(s) {', '.join(sorted(unknown))}")


def _strategy(value: Any) -> st.SearchStrategy[Any]:
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


def known_kinds(policy: Policy | None) -> tuple[str, ...]:
    """The activity kinds the policy's activity rules test for (all kinds without a policy)."""
    if policy is None:
        return ACTIVITY_KINDS
    found: set[str] = set()
    for rule in policy.rules:
        if rule.stage != "activity":
            continue
        for test in rule.when.tests():
            if test.field == "kind" and test.op in ("is", "in"):
                found.update(test.operand if isinstance(test.operand, tuple) else (test.operand,))
    return tuple(k for k in ACTIVITY_KINDS if k in found) or ACTIVITY_KINDS


def _hours_literals(policy: Policy) -> set[Decimal]:
    """Hours written as numbers in the policy's rules: in conditions and in floors, caps and fixed hours."""
    found: set[Decimal] = set()
    for rule in policy.rules:
        found.update(t.operand for t in rule.when.tests() if isinstance(t.operand, Decimal))
        for name, value in rule.then:
            if name in ("require", "cap", "hours") and isinstance(value, tuple) and isinstance(value[1], Decimal):
                found.add(value[1])
    return found


def hour_thresholds(policy: Policy | None, year: int) -> tuple[Decimal, ...]:
    """Hours just under, on and just over every hours value of the policy in force in ``year``.

    The values are the policy's hours parameters and the hours its rules write as numbers.
    """
    if policy is None:
        return (Decimal(0), Decimal("0.01"), Decimal(1))
    day = dt.date(year, 12, 31)
    values = _hours_literals(policy)
    for parameter in policy.parameters.values():
        value = parameter.value_at(day)
        if parameter.type == "hours" and value is not None:
            values.add(value)
    points: set[Decimal] = {Decimal(0)}
    for value in values:
        for delta in (Decimal("-0.5"), -_CENT, Decimal(0), _CENT):
            if 0 <= value + delta <= MAX_HOURS:
                points.add(value + delta)
    return tuple(sorted(points))


def date_thresholds(policy: Policy | None, year: int) -> tuple[dt.date, ...]:
    """The first and last day of the year and every date of the policy, each with the days around it."""
    days = {dt.date(year, 1, 1), dt.date(year, 12, 31)}
    if policy is not None:
        for parameter in policy.parameters.values():
            value = parameter.value_at(dt.date(year, 12, 31))
            if parameter.type == "date" and value is not None:
                days.add(value)
    around = {d + dt.timedelta(days=k) for d in days for k in (-1, 0, 1)}
    return tuple(sorted(around))


def _hours(policy: Policy | None, year: int) -> st.SearchStrategy[Decimal]:
    thresholds = hour_thresholds(policy, year)
    plain = st.decimals(min_value=0, max_value=120, places=2, allow_nan=False, allow_infinity=False)
    return st.one_of(st.sampled_from(thresholds), plain)


def _dates(policy: Policy | None, year: int) -> st.SearchStrategy[dt.date]:
    inside = st.dates(min_value=dt.date(year, 1, 1), max_value=dt.date(year, 12, 31))
    return st.one_of(inside, st.sampled_from(date_thresholds(policy, year)))


def _choices(field: str) -> tuple[Any, ...]:
    literal, _none = get_args(Activity.model_fields[field].annotation)
    return get_args(literal)


def activities(
    *, policy: Policy | str | None = None, year: int = _DEFAULT_YEAR, **overrides: Any
) -> st.SearchStrategy[dict[str, Any]]:
    """Activities as JSON data: one of the kinds ``policy`` knows, with the fields its kind requires.

    Each field of `Activity` may be given as a value or a strategy (``kind="training"``,
    ``hours=st.just(30)``). Hours lean towards the policy's thresholds, dates towards the year's edges and
    the policy's dates; optional fields of the kind appear or not.

    Raises:
        InvalidArgument: an unknown field, or a policy that cannot be found.
    """
    resolved = _resolve(policy)
    _check_overrides(Activity, overrides)
    kinds = known_kinds(resolved)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        kind = draw(_strategy(overrides["kind"]) if "kind" in overrides else st.sampled_from(kinds))
        data: dict[str, Any] = {
            "id": draw(_strategy(overrides.get("id", st.from_regex(r"a[0-9]{1,3}", fullmatch=True)))),
            "kind": kind,
            "hours": draw(_strategy(overrides["hours"]) if "hours" in overrides else _hours(resolved, year)),
            "on_platform": draw(_strategy(overrides.get("on_platform", st.booleans().map(lambda b: not b)))),
            "passed": draw(_strategy(overrides.get("passed", st.booleans().map(lambda b: not b)))),
            "completed_on": draw(_strategy(overrides.get("completed_on", _dates(resolved, year)))),
        }
        for field, required in WAY_FIELDS.get(kind, {}).items():
            if field in overrides:
                data[field] = draw(_strategy(overrides[field]))
            elif required or draw(st.booleans()):
                if field in ("granted_on",):
                    data[field] = draw(_dates(resolved, year))
                elif field == "credits":
                    data[field] = draw(_hours(resolved, year))
                else:
                    data[field] = draw(st.sampled_from(_choices(field)))
        for key in ("hours", "credits"):
            if isinstance(data.get(key), Decimal):
                data[key] = float(data[key]) if data[key] != data[key].to_integral_value() else int(data[key])
        for key in ("completed_on", "granted_on"):
            if isinstance(data.get(key), dt.date):
                data[key] = data[key].isoformat()
        return data

    return build()


def persons(*, policy: Policy | str | None = None, **overrides: Any) -> st.SearchStrategy[dict[str, Any]]:
    """People as JSON data, in a region and sector the policy covers.

    Raises:
        InvalidArgument: an unknown field, or a policy that cannot be found.
    """
    resolved = _resolve(policy)
    _check_overrides(Person, overrides)
    regions = resolved.regions if resolved is not None and resolved.regions else (None,)
    sector = resolved.sector if resolved is not None and resolved.sector else GENERAL_SECTOR
    defaults: dict[str, st.SearchStrategy[Any]] = {
        "id": st.from_regex(r"p[0-9]{1,4}", fullmatch=True),
        "title_level": st.sampled_from(("junior", "intermediate", "senior")),
        "sector": st.just(sector),
        "region": st.sampled_from(regions),
    }
    fields = {name: _strategy(overrides[name]) if name in overrides else s for name, s in defaults.items()}
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not None})


def records(
    *,
    policy: Policy | str | None = None,
    year: int | None = None,
    min_activities: int = 0,
    max_activities: int = 20,
    **overrides: Any,
) -> st.SearchStrategy[dict[str, Any]]:
    """Records as JSON data: a person, a year the policy covers, and activities with unique ids.

    ``person`` and ``activities`` may be overridden with a value or a strategy (e.g.
    ``records(person=persons(title_level="senior"))``). The list shrinks towards fewer activities.

    Raises:
        InvalidArgument: bad bounds, an unknown field, or a policy that cannot be found.
    """
    resolved = _resolve(policy)
    _check_overrides(Record, overrides)
    if not 0 <= min_activities <= max_activities <= MAX_ACTIVITIES:
        raise InvalidArgument(f"need 0 <= min_activities <= max_activities <= {MAX_ACTIVITIES}")
    years = resolved.years if resolved is not None and resolved.years else (_DEFAULT_YEAR,)
    if year is not None and year not in years:
        raise InvalidArgument(f"year {year} is not one the policy covers ({', '.join(map(str, years))})")
    chosen_year = year if year is not None else years[0]

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        person = draw(_strategy(overrides.get("person", persons(policy=resolved))))
        if "activities" in overrides:
            listed = draw(_strategy(overrides["activities"]))
        else:
            listed = draw(
                st.lists(
                    activities(policy=resolved, year=chosen_year), min_size=min_activities, max_size=max_activities
                )
            )
        listed = [{**a, "id": f"a{i}"} for i, a in enumerate(listed)]
        return {"person": person, "year": draw(_strategy(overrides.get("year", chosen_year))), "activities": listed}

    return build()


def histories(
    *, policy: Policy | str | None = None, review_year: int = _DEFAULT_YEAR, **overrides: Any
) -> st.SearchStrategy[dict[str, Any]]:
    """Title-review histories as JSON data.

    Certificates for some of the years up to ``review_year``, sometimes a false-material finding.
    Certificates shrink towards complete ones, findings towards none.

    Raises:
        InvalidArgument: an unknown field, or a policy that cannot be found.
    """
    resolved = _resolve(policy)
    _check_overrides(History, overrides)
    certificate = st.fixed_dictionaries(
        {"public": st.booleans().map(lambda b: not b), "professional": st.booleans().map(lambda b: not b)}
    )

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        person = draw(_strategy(overrides.get("person", persons(policy=resolved))))
        years = draw(st.sets(st.integers(review_year - 7, review_year), max_size=8))
        certificates = [{"year": y, **draw(certificate)} for y in sorted(years)]
        flags = draw(
            st.lists(
                st.dates(dt.date(review_year - 6, 1, 1), dt.date(review_year, 12, 31)).map(
                    lambda d: {"kind": "false_ce_material", "on": d.isoformat()}
                ),
                max_size=1,
            )
        )
        return {
            "person": person,
            "certificates": draw(_strategy(overrides.get("certificates", certificates))),
            "flags": draw(_strategy(overrides.get("flags", flags))),
        }

    return build()


_BREAKERS: tuple[tuple[str, str, Any], ...] = (
    ("wrong_type", "hours", "12"),
    ("wrong_type", "on_platform", "yes"),
    ("hours_precision", "hours", 0.001),
    ("hours_invalid", "hours", -1),
    ("hours_invalid", "hours", math.nan),
    ("hours_invalid", "hours", math.inf),
    ("hours_invalid", "hours", 10_000.01),
    ("invalid_date", "completed_on", "2025/06/01"),
    ("invalid_date", "completed_on", 1_740_787_200),
    ("invalid_choice", "kind", "nonsense"),
    ("unknown_field", "colour", "blue"),
    ("missing_field", "passed", None),
)


def invalid_records(*, policy: Policy | str | None = None) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """Records that must be refused, each paired with the `RecordError` problem code it must raise.

    Each is a valid record (with at least one activity) broken in one way: a wrong type, too many decimal
    places, a negative, NaN, infinite or too large number of hours, a malformed date, an unknown kind or
    field, a missing field, a duplicate activity id, a year out of range or a missing person.
    """
    resolved = _resolve(policy)

    def break_activity(record: dict[str, Any], breaker: tuple[str, str, Any]) -> tuple[dict[str, Any], str]:
        code, field, value = breaker
        first = dict(record["activities"][0])
        if value is None:
            first.pop(field, None)
        else:
            first[field] = value
        return {**record, "activities": [first, *record["activities"][1:]]}, code

    def duplicate(record: dict[str, Any]) -> tuple[dict[str, Any], str]:
        first = record["activities"][0]
        return {**record, "activities": [*record["activities"], dict(first)]}, "duplicate_activity_id"

    base = records(policy=resolved, min_activities=1, max_activities=4)
    return st.one_of(
        st.tuples(base, st.sampled_from(_BREAKERS)).map(lambda pair: break_activity(*pair)),
        base.map(duplicate),
        base.map(lambda r: ({**r, "year": 1800}, "out_of_range")),
        base.map(lambda r: ({k: v for k, v in r.items() if k != "person"}, "missing_field")),
    )
