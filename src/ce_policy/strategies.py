"""Hypothesis strategies for what goes into ce_policy: persons, activities, records, histories, broken records.

::

    from hypothesis import given
    import ce_policy
    from ce_policy import strategies

    @given(strategies.records(policy="xj.aksu.2025"))
    def test_every_record_is_decided(record):
        ce_policy.evaluate(record, policy="xj.aksu.2025")

This is the one module of ce_policy that imports hypothesis, a test dependency: ``import ce_policy`` does not
import it, ``import ce_policy.strategies`` does.

**What is generated.** Plain JSON data (dicts, lists, strings, ints, floats and booleans), exactly what a
caller of `ce_policy.evaluate` sends: hours are JSON numbers with at most two decimals, dates are
``YYYY-MM-DD`` text, an optional field that is not given is left out. ``ce_policy.Record.model_validate``
(and the like) turns an example into the model; every valid example validates.

**Policy-aware.** ``policy`` may be a `ce_policy.Policy`, a policy id (``"xj.aksu.2025"``) or a sector name
(``"health"``, resolved for the default region and the year through `ce_policy.default_registry`). With a
policy, only the activity kinds its activity rules name are generated, persons only of the sector and regions
it covers, records only of the years it covers; numbers are biased towards the policy's *own* thresholds, read
from its parameters and rules in force in the year (never written here): hours just under, on and just over
each hours value (``v - 0.5``, ``v - 0.01``, ``v``, ``v + 0.01``), the day before, of and after each date it
tests, and activities whose hours add up to just under, on or just over each floor its ``require`` rules
set. A record drawn for a policy evaluates under it without error. Without a policy: every kind, and
generic values (person regions and sectors then resolve to no particular policy: pass ``policy=`` to
`ce_policy.evaluate`).

**Overrides.** Each function takes keyword overrides, one per field of its model: a value (used as is) or a
strategy (drawn from), e.g. ``records(person=persons(title_level="senior"))`` or
``activities(kind="training", hours=st.just(30))``. ``None`` for an optional field leaves it out. Unknown
field names, values the model refuses and arguments out of range raise
`hypothesis.errors.InvalidArgument` when the function is called, not when an example is drawn.

**Shrinking.** Towards fewer activities (lists shrink; a group of activities added to reach a floor goes away,
or shrinks to one activity at the floor's lowest target, ``v - 0.5``), smaller hours (towards 0) and earlier
dates (towards 1 January of the year), with the activity registered on the platform, passed and approved, and
optional fields left out; a minimal failing example shows only what matters.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any, cast, get_args

from annotated_types import Ge, Le
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from pydantic import BaseModel, TypeAdapter, ValidationError

from ce_policy._edges import CENT, Filler, PolicyEdges, policy_edges
from ce_policy._errors import CePolicyError
from ce_policy._hours import MAX_HOURS, hours_to_json
from ce_policy._policy import Policy
from ce_policy._policy_files import did_you_mean
from ce_policy._record import (
    ACTIVITY_KINDS,
    GENERAL_SECTOR,
    MAX_ACTIVITIES,
    MAX_ID_LENGTH,
    WAY_FIELDS,
    Activity,
    History,
    IntegrityFlag,
    Person,
    Record,
)
from ce_policy._registry import default_registry
from ce_policy._title_review import REVIEW_WINDOW_YEARS

__all__ = [
    "INVALID_RECORD_CODES",
    "activities",
    "cycle_years",
    "date_thresholds",
    "histories",
    "hour_thresholds",
    "invalid_records",
    "known_kinds",
    "persons",
    "records",
]

Json = dict[str, Any]
"""A JSON object, as generated."""

_DEFAULT_YEAR = 2025
_YEAR_FIELD = Record.model_fields["year"].metadata
_MIN_YEAR = cast(int, next(m.ge for m in _YEAR_FIELD if isinstance(m, Ge)))
_MAX_YEAR = cast(int, next(m.le for m in _YEAR_FIELD if isinstance(m, Le)))
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_."
_CODES = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
_TITLE_LEVELS: tuple[str, ...] = get_args(Person.model_fields["title_level"].annotation)
_WAY_FIELD_NAMES = tuple(dict.fromkeys(name for fields in WAY_FIELDS.values() for name in fields))
_CHOICES: dict[str, tuple[str, ...]] = {
    name: get_args(get_args(Activity.model_fields[name].annotation)[0])
    for name in _WAY_FIELD_NAMES
    if name not in ("granted_on", "credits")
}
# Shrinks towards "approved": an application that is approved counts, so a minimal example shows the rest.
_CHOICES["approval"] = ("approved", *(c for c in _CHOICES["approval"] if c != "approved"))
_FLAG_KINDS: tuple[str, ...] = get_args(IntegrityFlag.model_fields["kind"].annotation)
_SMALL_CENTI = 100 * 100
"""Generic hours are mostly up to 100 学时 (in hundredths), at times anywhere up to the contract's limit."""
_NO_CYCLE_YEARS = 4
"""Without a training cycle, `cycle_years` draws from this many years before the record's."""


# --- arguments -------------------------------------------------------------------------------------------


def _check_int(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name}={value!r} must be an integer")
    if not low <= value <= high:
        raise InvalidArgument(f"{name}={value!r} must be between {low} and {high}")
    return value


def _resolve(policy: Policy | str | None, year: int, function: str) -> Policy | None:
    """The policy meant by ``policy``: itself, the one with that id, or the one for that sector."""
    if policy is None:
        return None
    if isinstance(policy, Policy):
        chosen = policy
    elif isinstance(policy, str):
        registry = default_registry()
        ids = registry.layer_ids()
        sectors = {registry.coverage(i)[2] for i in ids} - {None} | {GENERAL_SECTOR}
        try:
            if policy in ids:
                chosen = registry.policy(policy)
            elif policy in sectors:
                chosen = registry.resolve(None, year, policy)
            else:
                hint = did_you_mean(policy, [*ids, *sorted(s for s in sectors if s)])
                message = f"{function}(policy={policy!r}): neither a policy id nor a sector{hint}"
                raise InvalidArgument(f"{message}; policies: {', '.join(ids)}")
        except CePolicyError as exc:
            raise InvalidArgument(f"{function}(policy={policy!r}): {exc}") from None
    else:
        raise InvalidArgument(f"{function}(policy=...) takes a Policy, a policy id or a sector, not {policy!r}")
    if not chosen.evaluable:
        raise InvalidArgument(f"{function}(policy={chosen.id!r}): a base layer, which says nowhere and never applies")
    return chosen


def _year_of(policy: Policy | None, year: Any, function: str, name: str = "year") -> int:
    checked = _check_int(name, year, _MIN_YEAR, _MAX_YEAR)
    if policy is not None and checked not in policy.years:
        covered = ", ".join(str(y) for y in policy.years)
        raise InvalidArgument(f"{function}({name}={checked}): policy {policy.id!r} covers only {covered}")
    return checked


def _json(value: Any) -> Any:
    """``value`` as JSON data: models dumped, dates as text, decimals as numbers."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return hours_to_json(value) if value.is_finite() else float(value)
    if isinstance(value, Mapping):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


def _overrides(
    model: type[BaseModel], given: Mapping[str, Any], function: str
) -> tuple[dict[str, st.SearchStrategy[Any]], dict[str, Any]]:
    """Check overrides eagerly: the strategies for every field, and the JSON values of those given as values."""
    names = tuple(model.model_fields)
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name not in names:
            hint = did_you_mean(name, names)
            raise InvalidArgument(f"{function}() has no field {name!r}{hint}; its fields: {', '.join(names)}")
        if isinstance(value, st.SearchStrategy):
            strategies[name] = value.map(_json)
            continue
        data = _json(value)
        try:
            TypeAdapter(model.model_fields[name].rebuild_annotation()).validate_python(data)
        except ValidationError as exc:
            message = exc.errors(include_url=False)[0]["msg"]
            raise InvalidArgument(f"{function}({name}={value!r}): not a valid {name}: {message}") from None
        strategies[name] = st.just(data)
        values[name] = data
    return strategies, values


def _valid(model: type[BaseModel], data: Json, function: str) -> Json:
    """``data``, after checking that it is a valid ``model`` (overrides drawn from strategies may not fit)."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        raise InvalidArgument(f"{function}(): the overrides gave an invalid {model.__name__}: {exc}") from None
    return data


# --- what a policy tests ------------------------------------------------------------------------------


def known_kinds(policy: Policy | str | None, year: int = _DEFAULT_YEAR) -> tuple[str, ...]:
    """The activity kinds the policy's activity rules in force in ``year`` name (every kind without one).

    A kind counts as named when a rule tests ``kind`` for it (``is``, ``in``) or for other kinds
    (``is_not``, ``not_in``). A policy whose rules name no kind treats every kind alike: all are returned.

    Raises:
        InvalidArgument: an unknown policy, or a year it does not cover.
    """
    chosen = _resolve(policy, year, "known_kinds")
    return policy_edges(chosen, _year_of(chosen, year, "known_kinds")).kinds


def hour_thresholds(policy: Policy | str | None, year: int = _DEFAULT_YEAR) -> tuple[Decimal, ...]:
    """Hours just under (``v - 0.5``, ``v - 0.01``), on and just over (``v + 0.01``) each hours value ``v``.

    The values are those the policy's hours parameters take in ``year`` and the hours its rules in force
    write as numbers (in conditions, floors, caps, fixed hours and credit conversions), ascending and within
    0 to 10,000. Without a policy: the ends of that range.

    Raises:
        InvalidArgument: an unknown policy, or a year it does not cover.
    """
    chosen = _resolve(policy, year, "hour_thresholds")
    return policy_edges(chosen, _year_of(chosen, year, "hour_thresholds")).hours


def date_thresholds(policy: Policy | str | None, year: int = _DEFAULT_YEAR) -> tuple[dt.date, ...]:
    """The day before, of and after each date the policy tests in ``year``, and of the year's first and last day.

    The dates are those the policy's date parameters take in ``year`` and the dates its rules write.

    Raises:
        InvalidArgument: an unknown policy, or a year it does not cover.
    """
    chosen = _resolve(policy, year, "date_thresholds")
    return policy_edges(chosen, _year_of(chosen, year, "date_thresholds")).dates


# --- values ----------------------------------------------------------------------------------------------


def _centi(value: int) -> Decimal:
    return Decimal(value) / 100


def _hours(edges: PolicyEdges) -> st.SearchStrategy[Decimal]:
    """Hours with at most two decimals: half of them at the edges, shrinking towards 0."""
    small = st.integers(0, _SMALL_CENTI).map(_centi)
    at_edges = st.sampled_from(edges.hours)
    anywhere = st.integers(0, int(MAX_HOURS * 100)).map(_centi)
    return st.one_of(small, at_edges, at_edges, anywhere)


def _days(first: dt.date, last: dt.date) -> st.SearchStrategy[dt.date]:
    """Days from ``first`` to ``last``, shrinking towards ``first``."""
    return st.integers(0, (last - first).days).map(lambda n: first + dt.timedelta(days=n))


def _dates(edges: PolicyEdges) -> st.SearchStrategy[dt.date]:
    """Days of the year, at the policy's dates or up to a quarter either side; shrinking towards 1 January."""
    quarter = dt.timedelta(days=92)
    in_year = _days(edges.first_day, edges.last_day)
    around = st.integers(-quarter.days, (edges.last_day - edges.first_day + quarter).days).map(
        lambda n: edges.first_day + dt.timedelta(days=n)
    )
    return st.one_of(in_year, st.sampled_from(edges.dates), around)


def _split(draw: st.DrawFn, total: Decimal, parts: int) -> list[Decimal]:
    """``total`` split into ``parts`` amounts of whole hundredths that add up to it exactly."""
    centi = int(total * 100)
    cuts = sorted(draw(st.lists(st.integers(0, centi), min_size=parts - 1, max_size=parts - 1)))
    return [_centi(b - a) for a, b in itertools.pairwise([0, *cuts, centi])]


def _identifiers() -> st.SearchStrategy[str]:
    return st.text(alphabet=_ID_ALPHABET, min_size=1, max_size=12)


# --- persons ---------------------------------------------------------------------------------------------


def _regions(policy: Policy | None) -> st.SearchStrategy[str | None]:
    if policy is None:
        dotted = st.lists(_CODES, min_size=1, max_size=3).map(".".join)
        return st.one_of(st.none(), dotted)
    options: list[str | None] = list(policy.regions)
    default = default_registry().default_region
    if default is not None and any(default == r or default.startswith(r + ".") for r in policy.regions):
        options.append(None)  # a person without a region is evaluated in the default one
    return st.sampled_from(options)


def _sectors(policy: Policy | None) -> st.SearchStrategy[str | None]:
    if policy is None:
        return st.one_of(st.none(), st.just(GENERAL_SECTOR), _CODES)
    if policy.sector is None:
        return st.sampled_from((None, GENERAL_SECTOR))  # left out, the sector is the general one
    return st.just(policy.sector)


def _persons(policy: Policy | None, fields: Mapping[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Json]:
    defaults: dict[str, st.SearchStrategy[Any]] = {
        "id": _identifiers(),
        "title_level": st.sampled_from(_TITLE_LEVELS),
        "sector": _sectors(policy),
        "region": _regions(policy),
    }
    chosen = {**defaults, **fields}
    return st.fixed_dictionaries(chosen).map(lambda data: {k: v for k, v in data.items() if v is not None})


def persons(*, policy: Policy | str | None = None, **overrides: Any) -> st.SearchStrategy[Json]:
    """Persons, as JSON objects: ``{"id", "title_level", "sector"?, "region"?}``.

    With a policy, the sector is the policy's (for a general policy: ``general`` or left out) and the region
    one the policy covers (or left out, when the default region is one of them). Without one, sectors and
    regions are any codes. Ids are short and shrink towards ``"a"``; title levels towards ``junior``.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name.
        **overrides: a value or a strategy for any field of `ce_policy.Person`.

    Raises:
        InvalidArgument: an unknown policy or field, or a value `ce_policy.Person` refuses.
    """
    chosen = _resolve(policy, _DEFAULT_YEAR, "persons")
    fields, _ = _overrides(Person, overrides, "persons")
    return _persons(chosen, fields)


# --- activities ------------------------------------------------------------------------------------------


def _way_value(name: str, edges: PolicyEdges) -> st.SearchStrategy[Any]:
    if name == "granted_on":
        return _dates(edges).map(dt.date.isoformat)
    if name == "credits":
        return _hours(edges).map(hours_to_json)
    return st.sampled_from(_CHOICES[name])


def _kinds_for(
    edges: PolicyEdges, fields: Mapping[str, st.SearchStrategy[Any]], values: Mapping[str, Any], function: str
) -> tuple[str, ...]:
    """The kinds an activity may be of, given the way fields overridden; checked eagerly."""
    if "kind" in values:
        kind = values["kind"]
        for name in _WAY_FIELD_NAMES:
            if name in fields and name not in WAY_FIELDS[kind] and values.get(name, "") is not None:
                raise InvalidArgument(f"{function}(): {name} does not apply to kind {kind!r}")
            if values.get(name, "") is None and WAY_FIELDS[kind].get(name):
                raise InvalidArgument(f"{function}(): {name} is required for kind {kind!r}")
        return (kind,)
    kinds = tuple(
        kind
        for kind in edges.kinds
        if all(
            (name in WAY_FIELDS[kind]) if values.get(name, "") is not None else not WAY_FIELDS[kind].get(name)
            for name in _WAY_FIELD_NAMES
            if name in fields
        )
    )
    if not kinds and "kind" not in fields:
        given = ", ".join(name for name in _WAY_FIELD_NAMES if name in fields)
        raise InvalidArgument(f"{function}(): no kind of activity the policy knows fits the way fields given ({given})")
    return kinds


def _activity_strategy(
    edges: PolicyEdges,
    fields: Mapping[str, st.SearchStrategy[Any]],
    kinds: tuple[str, ...],
    function: str,
    *,
    check: bool = True,
) -> st.SearchStrategy[Json]:
    """Activities; with ``check``, each is checked (the fields are overrides a user gave)."""

    @st.composite
    def draw_activity(draw: st.DrawFn) -> Json:
        kind = draw(fields["kind"]) if "kind" in fields else draw(st.sampled_from(kinds))
        data: Json = {
            "id": draw(fields.get("id", _identifiers())),
            "kind": kind,
            "hours": draw(fields.get("hours", _hours(edges).map(hours_to_json))),
            "on_platform": draw(fields.get("on_platform", st.sampled_from((True, False)))),
            "passed": draw(fields.get("passed", st.sampled_from((True, False)))),
            "completed_on": draw(fields.get("completed_on", _dates(edges).map(dt.date.isoformat))),
        }
        allowed = WAY_FIELDS.get(kind, {})
        for name in _WAY_FIELD_NAMES:
            if name in fields:
                value = draw(fields[name])
            elif name not in allowed:
                continue
            elif allowed[name]:
                value = draw(_way_value(name, edges))
            else:
                value = draw(st.one_of(st.none(), _way_value(name, edges)))
            if value is not None:
                data[name] = value
        return _valid(Activity, data, function) if check else data

    return draw_activity()


def activities(
    *, policy: Policy | str | None = None, year: int = _DEFAULT_YEAR, **overrides: Any
) -> st.SearchStrategy[Json]:
    """Valid activities of ``year``, as JSON objects, each with the way fields its kind requires or allows.

    With a policy, the kinds are those its activity rules name; hours are biased towards the policy's hours
    and credits thresholds in force in the year (``v - 0.5``, ``v - 0.01``, ``v``, ``v + 0.01``), dates
    towards the day before, of and after each date it tests; a quarter of the year either side is
    included, so that activities outside the year occur. Without a policy: every kind, generic hours.

    Overriding a way field (e.g. ``organiser_level="national"``) limits the kinds to those that allow it.
    Shrinks towards 0 hours, 1 January, registered on the platform, passed, approved, and optional fields
    left out.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name.
        year: the record's year, which the dates are drawn around.
        **overrides: a value or a strategy for any field of `ce_policy.Activity`.

    Raises:
        InvalidArgument: an unknown policy or field, a year the policy does not cover, a value
            `ce_policy.Activity` refuses, or way fields that do not fit the kind.
    """
    chosen = _resolve(policy, year, "activities")
    checked = _year_of(chosen, year, "activities")
    fields, values = _overrides(Activity, overrides, "activities")
    edges = policy_edges(chosen, checked)
    kinds = _kinds_for(edges, fields, values, "activities")
    return _activity_strategy(edges, fields, kinds, "activities", check=bool(fields))


# --- records ---------------------------------------------------------------------------------------------


def _clean(way: Filler, edges: PolicyEdges, hours: Decimal, draw: st.DrawFn, credits: Decimal | None = None) -> Json:
    """An activity of ``way`` that counts with exactly ``hours`` (and, if given, claims ``credits``)."""
    data: Json = {
        "id": "a",
        "kind": way.kind,
        "hours": hours_to_json(hours),
        "on_platform": True,
        "passed": True,
        "completed_on": draw(_days(*way.window)).isoformat(),
        **dict(way.fields),
    }
    if credits is not None:
        data["credits"] = hours_to_json(credits)
    return data


def _fill_hours(draw: st.DrawFn, edges: PolicyEdges, category: str, target: Decimal) -> list[Json]:
    """Activities of one clean way of ``category`` whose hours add up to ``target``."""
    way = draw(st.sampled_from(edges.fillers[category]))
    amounts = _split(draw, target, draw(st.integers(1, 3)))
    if any(amount > MAX_HOURS for amount in amounts):
        return []
    return [_clean(way, edges, amount, draw) for amount in amounts]


def _fill_credits(draw: st.DrawFn, edges: PolicyEdges, target: Decimal) -> list[Json]:
    """Activities of one clean way that earns credits, whose credits add up to ``target``."""
    way = draw(st.sampled_from(edges.fillers["credits"]))
    parts = draw(st.integers(1, 3))
    if way.credits_cap:
        parts = max(parts, math.ceil(target / way.credits_cap))
    centi = int(target * 100)
    shares = [_centi(centi // parts + (1 if i < centi % parts else 0)) for i in range(parts)]
    found = []
    for share in shares:
        if way.claims_credits:
            found.append(_clean(way, edges, draw(_hours(edges)), draw, credits=share))
            continue
        assert way.per_hours  # noqa: S101 - a way earns credits by claim or by hours
        hours = share * way.per_hours
        if hours != hours.quantize(CENT) or hours > MAX_HOURS:
            return []
        found.append(_clean(way, edges, hours, draw))
    return found


def _targets(floors: Iterable[Decimal]) -> st.SearchStrategy[Decimal]:
    near = sorted({f + d for f in floors for d in (Decimal("-0.5"), -CENT, Decimal(0), CENT) if f + d >= 0})
    return st.sampled_from(near)


def _fillers(draw: st.DrawFn, edges: PolicyEdges, budget: int) -> list[Json]:
    """Activities whose sums land just under, on or just over the floors (each group drawn or not)."""
    found: list[Json] = []
    for category in ("public", "professional", "total", "credits"):
        floors = edges.floors.get(category)
        ways = ("public", "professional") if category == "total" else (category,)
        usable = [w for w in ways if edges.fillers.get(w)]
        if not floors or not usable or not draw(st.booleans()):
            continue
        target = draw(_targets(floors))
        if category == "credits":
            group = _fill_credits(draw, edges, target)
        elif len(usable) == 1:
            group = _fill_hours(draw, edges, usable[0], target)
        else:
            first = _centi(draw(st.integers(0, int(target * 100))))
            group = _fill_hours(draw, edges, usable[0], first) + _fill_hours(draw, edges, usable[1], target - first)
        if group and len(found) + len(group) <= budget:
            found += group
    return found


def _unique_ids(items: list[Json]) -> list[Json]:
    """The activities, a later one whose id is already used given a new one."""
    seen = {item.get("id") for item in items if isinstance(item, dict)}
    used: set[Any] = set()
    fresh = (f"a{i}" for i in itertools.count())
    result = []
    for item in items:
        renamed = item
        if isinstance(item, dict) and item.get("id") in used:
            new = next(i for i in fresh if i not in seen)
            seen.add(new)
            renamed = {**item, "id": new}
        used.add(renamed.get("id") if isinstance(renamed, dict) else None)
        result.append(renamed)
    return result


def _records(
    policy: Policy | None,
    years: tuple[int, ...],
    fields: Mapping[str, st.SearchStrategy[Any]],
    min_activities: int,
    max_activities: int,
    function: str,
) -> st.SearchStrategy[Json]:
    edges_by_year = {year: policy_edges(policy, year) for year in years}
    person_strategy = fields.get("person", _persons(policy, {}))
    free_by_year = {
        year: _activity_strategy(edges, {"id": st.just("a")}, edges.kinds, function, check=False)
        for year, edges in edges_by_year.items()
    }

    @st.composite
    def draw_record(draw: st.DrawFn) -> Json:
        year = draw(st.sampled_from(years))
        person = draw(person_strategy)
        if "activities" in fields:
            chosen = _unique_ids(list(draw(fields["activities"])))
        else:
            filled = _fillers(draw, edges_by_year[year], max_activities)
            free = draw(
                st.lists(
                    free_by_year[year],
                    min_size=max(0, min_activities - len(filled)),
                    max_size=max_activities - len(filled),
                )
            )
            everything = free + filled
            order = draw(st.permutations(range(len(everything))))
            chosen = [{**everything[i], "id": f"a{n}"} for n, i in enumerate(order)]
        data = {"person": person, "year": year, "activities": chosen}
        return _valid(Record, data, function) if fields else data

    return draw_record()


def records(
    *,
    policy: Policy | str | None = None,
    year: int | None = None,
    min_activities: int = 0,
    max_activities: int = 20,
    **overrides: Any,
) -> st.SearchStrategy[Json]:
    """Valid records (one person's year), as JSON objects ``{"person", "year", "activities"}``.

    Besides activities drawn as by `activities`, a record often holds activities of a way that counts
    cleanly (e.g. a public course) whose hours add up to just under (``v - 0.5``, ``v - 0.01``), on or just
    over (``v + 0.01``) a floor the policy's ``require`` rules set for the year: a public or professional
    floor, the total floor (shared between the two) or a credits floor (through a way that earns credits by
    hours). A record drawn for a policy evaluates under it without error. Activity ids are ``a0``, ``a1`` …

    Shrinks towards fewer activities (a floor group goes away, or shrinks to one activity at the floor's lowest
    target), then as `activities` does.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name.
        year: the record's year; by default one the policy covers (without a policy, 2025).
        min_activities: the fewest activities a record holds.
        max_activities: the most activities a record holds, the floor groups included.
        **overrides: a value or a strategy for ``person`` or ``activities``; activities drawn from a strategy
            that repeat an id get a new one, so that e.g. ``st.lists(activities())`` can be passed as is.

    Raises:
        InvalidArgument: an unknown policy or field, a year the policy does not cover, a bad bound, a value
            `ce_policy.Record` refuses, or ``activities`` given with bounds.
    """
    chosen = _resolve(policy, _DEFAULT_YEAR if year is None else year, "records")
    _check_int("max_activities", max_activities, 0, MAX_ACTIVITIES)
    _check_int("min_activities", min_activities, 0, max_activities)
    if year is None:
        years = chosen.years if chosen is not None else (_DEFAULT_YEAR,)
    else:
        years = (_year_of(chosen, year, "records"),)
    fields, values = _overrides(Record, overrides, "records")
    if "activities" in fields and (min_activities, max_activities) != (0, 20):
        raise InvalidArgument("records(): give either activities= or min_activities/max_activities, not both")
    if "activities" in values:
        ids = [a.get("id") for a in values["activities"] if isinstance(a, dict)]
        if len(ids) != len(set(ids)):
            raise InvalidArgument("records(activities=...): two activities have the same id")
    return _records(chosen, years, fields, min_activities, max_activities, "records")


# --- earlier years and title-review histories ------------------------------------------------------------


def cycle_years(
    *, policy: Policy | str | None = None, year: int = _DEFAULT_YEAR, min_size: int = 0, max_size: int | None = None
) -> st.SearchStrategy[list[Json]]:
    """Earlier years of a training cycle, as a list of ``{"year", "hours"}`` (the ``prior`` of `evaluate`).

    With a policy whose person rules put ``year`` in a multi-year cycle, the years are the cycle's years
    before ``year``; their hours often add up to just under, on or just over a cycle floor less the year's
    total floor (so that a year meeting its floor exactly lands on the cycle's), or to the cycle floor itself.
    Otherwise the years are the few before ``year`` and the hours generic. Years are distinct and in order;
    shrinks towards fewer years and smaller hours.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name.
        year: the year of the record the earlier years lead up to.
        min_size: the fewest years.
        max_size: the most years (default: every year available).

    Raises:
        InvalidArgument: an unknown policy, a year it does not cover, or bad sizes.
    """
    chosen = _resolve(policy, year, "cycle_years")
    checked = _year_of(chosen, year, "cycle_years")
    edges = policy_edges(chosen, checked)
    if edges.cycle is not None:
        available = tuple(range(max(edges.cycle[0], _MIN_YEAR), checked))
    else:
        available = tuple(range(max(checked - _NO_CYCLE_YEARS, _MIN_YEAR), checked))
    most = len(available) if max_size is None else _check_int("max_size", max_size, 0, len(available))
    least = _check_int("min_size", min_size, 0, most)
    year_floors = edges.floors.get("total", ())
    targets = sorted(
        {c - t for c in edges.floors.get("cycle", ()) for t in (*year_floors, Decimal(0)) if c - t > 0}
        if edges.cycle is not None
        else set()
    )

    @st.composite
    def draw_years(draw: st.DrawFn) -> list[Json]:
        years = sorted(draw(st.lists(st.sampled_from(available), min_size=least, max_size=most, unique=True)))
        if years and targets and draw(st.booleans()):
            amounts = _split(draw, draw(_targets(targets)), len(years))
            if all(amount <= MAX_HOURS for amount in amounts):
                return [{"year": y, "hours": hours_to_json(h)} for y, h in zip(years, amounts, strict=True)]
        return [{"year": y, "hours": hours_to_json(draw(_hours(edges)))} for y in years]

    if not available:
        return st.just([])
    return draw_years()


def _years_back(edges: PolicyEdges, field: str) -> int:
    """How many years back the review rules look for ``field`` (offsets, ages), with one to spare."""
    return max(edges.integers.get(field, ()), default=_NO_CYCLE_YEARS) + 1


def histories(
    *, policy: Policy | str | None = None, review_year: int = _DEFAULT_YEAR, **overrides: Any
) -> st.SearchStrategy[Json]:
    """Title applicants' histories, as JSON objects ``{"person", "records", "certificates", "flags"}``.

    Records are for distinct years the policy covers up to ``review_year`` (drawn as by `records`, with at
    most 5 activities each); certificates for the years the review rules look back (``offset`` thresholds,
    one more to spare); false-material findings on days around the anniversaries the review rules count
    (``flag_age_years`` thresholds). Every record belongs to the history's person. Shrinks towards no
    records, certificates or findings.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name.
        review_year: the year of the title review.
        **overrides: a value or a strategy for any field of `ce_policy.History`.

    Raises:
        InvalidArgument: an unknown policy or field, a review year the policy does not cover, or a value
            `ce_policy.History` refuses.
    """
    chosen = _resolve(policy, review_year, "histories")
    checked = _year_of(chosen, review_year, "histories", "review_year")
    fields, _ = _overrides(History, overrides, "histories")
    edges = policy_edges(chosen, checked)
    window = range(checked - REVIEW_WINDOW_YEARS + 1, checked + 1)
    covered = (
        chosen.years if chosen is not None else tuple(range(checked - _years_back(edges, "offset") + 1, checked + 1))
    )
    record_years = tuple(y for y in covered if y in window and y >= _MIN_YEAR)
    back = _years_back(edges, "offset")
    certificate_years = tuple(range(max(checked - back, _MIN_YEAR), checked + 1))
    ages = edges.integers.get("flag_age_years", ())
    flag_days = sorted(
        {
            day
            for age in ages
            if checked - age - 1 >= _MIN_YEAR
            for day in (
                dt.date(checked - age, 1, 1),
                dt.date(checked - age, 12, 31),
                dt.date(checked - age - 1, 12, 31),
            )
        }
    )
    earliest = dt.date(max(checked - _years_back(edges, "flag_age_years") - 1, _MIN_YEAR), 1, 1)
    flag_on = st.one_of(_days(earliest, dt.date(checked, 12, 31)), *([st.sampled_from(flag_days)] if flag_days else []))
    person_strategy = fields.get("person", _persons(chosen, {}))

    record_by_year = {y: _records(chosen, (y,), {}, 0, 5, "histories") for y in record_years}

    def certificate(year: int) -> st.SearchStrategy[Json]:
        issued = _days(dt.date(year, 1, 1), dt.date(checked + 1, 12, 31)).map(dt.date.isoformat)
        return st.fixed_dictionaries(
            {
                "year": st.just(year),
                "public": st.sampled_from((True, False)),
                "professional": st.sampled_from((True, False)),
            },
            optional={"issued_on": issued},
        )

    @st.composite
    def draw_history(draw: st.DrawFn) -> Json:
        person = draw(person_strategy)
        if "records" in fields:
            shown = draw(fields["records"])
        else:
            years = (
                sorted(draw(st.lists(st.sampled_from(record_years), unique=True, max_size=3))) if record_years else []
            )
            shown = [{**draw(record_by_year[y]), "person": person} for y in years]
        certificates = draw(
            fields.get("certificates", st.lists(st.sampled_from(certificate_years).flatmap(certificate), max_size=6))
        )
        flags = draw(
            fields.get(
                "flags",
                st.lists(
                    st.fixed_dictionaries({"kind": st.sampled_from(_FLAG_KINDS), "on": flag_on.map(dt.date.isoformat)}),
                    max_size=2,
                ),
            )
        )
        data = {"person": person, "records": shown, "certificates": certificates, "flags": flags}
        return _valid(History, data, "histories") if fields else data

    return draw_history()


# --- records that must be refused ------------------------------------------------------------------------

INVALID_RECORD_CODES: tuple[str, ...] = (
    "missing_field",
    "unknown_field",
    "wrong_type",
    "invalid_choice",
    "invalid_date",
    "hours_invalid",
    "hours_precision",
    "way_fields",
    "duplicate_activity_id",
    "out_of_range",
    "too_many_items",
    "too_short",
    "too_long",
    "invalid_format",
)
"""The `ce_policy.RecordError` problem codes `invalid_records` generates records for, in its shrinking order."""

_Breaker = Callable[[st.DrawFn, Json, PolicyEdges], Any]
"""Breaks a copy of a valid record (with at least two activities) in one way; returns the broken data."""


def _copy(data: Json) -> Json:
    return {**data, "person": dict(data["person"]), "activities": [dict(a) for a in data["activities"]]}


def _pick(draw: st.DrawFn, data: Json) -> Json:
    """One of the record's activities (a copy, already in place), to break."""
    index = draw(st.integers(0, len(data["activities"]) - 1))
    return data["activities"][index]  # type: ignore[no-any-return]


def _required(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, info in model.model_fields.items() if info.is_required())


def _an_object(draw: st.DrawFn, data: Json) -> tuple[Json, type[BaseModel]]:
    """The record itself, its person or one of its activities (a copy, in place), with its model."""
    target = draw(st.sampled_from(("record", "person", "activity")))
    if target == "record":
        return data, Record
    if target == "person":
        return data["person"], Person
    return _pick(draw, data), Activity


def _missing_field(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    where, model = _an_object(draw, data)
    del where[draw(st.sampled_from(_required(model)))]
    return data


def _unknown_field(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    where, model = _an_object(draw, data)
    known = set(model.model_fields)
    name = draw(_CODES.filter(lambda n: n not in known))
    where[name] = draw(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)))
    return data


def _wrong_type(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Any:
    not_text = st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=2))
    not_bool = st.one_of(st.none(), st.integers(), st.sampled_from(("yes", "true", "1")))
    target = draw(
        st.sampled_from(("year", "person", "person_field", "activities", "activity", "flag", "hours", "data"))
    )
    if target == "data":
        return draw(st.one_of(st.none(), st.integers(), st.text(max_size=8), st.just([data])))
    if target == "year":
        data["year"] = draw(
            st.one_of(st.just(str(data["year"])), st.just(float(data["year"])), st.booleans(), st.none())
        )
    elif target == "person":
        data["person"] = draw(st.one_of(st.none(), st.text(max_size=8), st.integers(), st.just([data["person"]])))
    elif target == "person_field":
        data["person"][draw(st.sampled_from(("id", "sector", "region")))] = draw(not_text)
    elif target == "activities":
        data["activities"] = draw(st.one_of(st.text(max_size=8), st.integers(), st.just({"a": data["activities"][0]})))
    elif target == "activity":
        data["activities"][0] = draw(st.one_of(st.none(), st.text(max_size=8), st.integers()))
    elif target == "flag":
        _pick(draw, data)[draw(st.sampled_from(("on_platform", "passed")))] = draw(not_bool)
    else:
        _pick(draw, data)["hours"] = draw(st.one_of(st.none(), st.booleans(), st.text(max_size=8), st.just([1])))
    return data


def _invalid_choice(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    activity = _pick(draw, data)
    given = [name for name in _CHOICES if name in activity]
    target = draw(st.sampled_from(("title_level", "kind", *given)))
    choices = {"title_level": _TITLE_LEVELS, "kind": ACTIVITY_KINDS, **_CHOICES}[target]
    wrong = draw(st.text(max_size=12).filter(lambda s: s not in choices))
    (data["person"] if target == "title_level" else activity)[target] = wrong
    return data


def _invalid_date(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    year = data["year"]
    wrong = st.one_of(
        st.sampled_from((f"{year}-02-30", f"{year}-13-01", f"{year}-00-10", f"{year}-1-1", f"{year}/01/01", "")),
        st.just(f"{year}-01-01T00:00:00"),
        st.integers(min_value=0),
    )
    activity = _pick(draw, data)
    name = draw(st.sampled_from(("completed_on", "granted_on") if "granted_on" in activity else ("completed_on",)))
    activity[name] = draw(wrong if name == "granted_on" else st.one_of(wrong, st.none()))
    return data


def _hours_invalid(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    limit = int(MAX_HOURS * 100)
    negative = st.integers(-limit, -1).map(lambda c: hours_to_json(_centi(c)))
    too_many = st.integers(limit + 1, 100 * limit).map(lambda c: hours_to_json(_centi(c)))
    not_finite = st.sampled_from((math.nan, math.inf, -math.inf))
    _pick(draw, data)["hours"] = draw(st.one_of(negative, too_many, not_finite))
    return data


def _hours_precision(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    millis = st.integers(1, int(MAX_HOURS * 1000) - 1).filter(lambda m: m % 10 != 0)
    activity = _pick(draw, data)
    name = draw(st.sampled_from(("hours", "credits") if "credits" in activity else ("hours",)))
    activity[name] = draw(millis.map(lambda m: float(Decimal(m) / 1000)))
    return data


def _way_fields(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    activity = _pick(draw, data)
    needing = tuple(kind for kind in edges.kinds if any(WAY_FIELDS[kind].values()))
    drop = draw(st.booleans())
    if needing and drop:
        activity.clear()
        activity.update(draw(_activity_strategy(edges, {"id": st.just("w0")}, needing, "invalid_records", check=False)))
        del activity[draw(st.sampled_from([n for n, required in WAY_FIELDS[activity["kind"]].items() if required]))]
    else:
        name = draw(st.sampled_from([n for n in _WAY_FIELD_NAMES if n not in WAY_FIELDS[activity["kind"]]]))
        activity[name] = draw(_way_value(name, edges))
    return data


def _duplicate_activity_id(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    first, second = sorted(
        draw(st.lists(st.integers(0, len(data["activities"]) - 1), min_size=2, max_size=2, unique=True))
    )
    data["activities"][second]["id"] = data["activities"][first]["id"]
    return data


def _out_of_range(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    data["year"] = draw(st.one_of(st.integers(max_value=_MIN_YEAR - 1), st.integers(min_value=_MAX_YEAR + 1)))
    return data


def _too_many_items(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    extra = draw(st.integers(1, 3))
    pattern = data["activities"]
    data["activities"] = [{**pattern[i % len(pattern)], "id": f"a{i}"} for i in range(MAX_ACTIVITIES + extra)]
    return data


def _an_id(draw: st.DrawFn, data: Json) -> tuple[Json, str]:
    """Where to put a bad identifier or code: a person's or activity's id, or a person's sector or region."""
    target = draw(st.sampled_from(("person.id", "activity.id", "sector", "region")))
    if target == "activity.id":
        return _pick(draw, data), "id"
    return data["person"], target.removeprefix("person.")


def _too_short(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    where, name = _an_id(draw, data)
    where[name] = ""
    return data


def _too_long(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    where, name = _an_id(draw, data)
    tail = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=MAX_ID_LENGTH, max_size=MAX_ID_LENGTH + 16))
    where[name] = "a" + tail
    return data


def _invalid_format(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    where, name = _an_id(draw, data)
    if name == "id":
        where[name] = draw(st.sampled_from(("a b", " a", "a\t", "p-1\n")))
    else:
        where[name] = draw(st.sampled_from(("Health", "1a", "a b", "-a", "XJ.aksu")))
    return data


_BREAKERS: dict[str, _Breaker] = {
    "missing_field": _missing_field,
    "unknown_field": _unknown_field,
    "wrong_type": _wrong_type,
    "invalid_choice": _invalid_choice,
    "invalid_date": _invalid_date,
    "hours_invalid": _hours_invalid,
    "hours_precision": _hours_precision,
    "way_fields": _way_fields,
    "duplicate_activity_id": _duplicate_activity_id,
    "out_of_range": _out_of_range,
    "too_many_items": _too_many_items,
    "too_short": _too_short,
    "too_long": _too_long,
    "invalid_format": _invalid_format,
}


def invalid_records(
    *, policy: Policy | str | None = None, codes: Collection[str] | None = None
) -> st.SearchStrategy[tuple[Any, str]]:
    """Records that must be refused, as pairs ``(data, code)``, each refused with exactly that problem code.

    `ce_policy.evaluate` raises a `ce_policy.RecordError` for ``data`` whose every problem has the code
    ``code``.
    Each example is a valid record (drawn as by `records`, with 2 to 4 activities) broken in exactly one way:
    a required field removed (``missing_field``), an unknown field added (``unknown_field``), a value of the
    wrong JSON type (``wrong_type``, the whole record included), a word outside a field's choices
    (``invalid_choice``), an impossible or badly written date (``invalid_date``), hours negative, above the
    limit or not finite (``hours_invalid``), hours or credits with three decimals (``hours_precision``), a
    way field missing or not applying to the kind (``way_fields``), an activity id used twice
    (``duplicate_activity_id``), a year outside the contract's range (``out_of_range``), more activities than
    allowed (``too_many_items``), an empty, too long or badly formed identifier or code (``too_short``,
    ``too_long``, ``invalid_format``). The data may hold NaN or infinities, which JSON cannot carry.

    Shrinks towards the first code of `INVALID_RECORD_CODES` asked for, then as `records` does.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name, for the valid record that is broken.
        codes: only these codes (default: every code of `INVALID_RECORD_CODES`).

    Raises:
        InvalidArgument: an unknown policy or code, or no codes.
    """
    chosen = _resolve(policy, _DEFAULT_YEAR, "invalid_records")
    if codes is None:
        wanted = INVALID_RECORD_CODES
    else:
        if isinstance(codes, str) or not isinstance(codes, Collection):
            raise InvalidArgument(f"invalid_records(codes={codes!r}): give a collection of codes, e.g. ['wrong_type']")
        unknown = [c for c in codes if c not in _BREAKERS]
        if unknown:
            hint = did_you_mean(str(unknown[0]), INVALID_RECORD_CODES)
            raise InvalidArgument(f"invalid_records(): unknown code {unknown[0]!r}{hint}")
        wanted = tuple(c for c in INVALID_RECORD_CODES if c in codes)
        if not wanted:
            raise InvalidArgument("invalid_records(codes=...): no codes given")
    years = chosen.years if chosen is not None else (_DEFAULT_YEAR,)
    edges = {year: policy_edges(chosen, year) for year in years}
    base = _records(chosen, years, {}, 2, 4, "invalid_records")

    @st.composite
    def draw_invalid(draw: st.DrawFn) -> tuple[Any, str]:
        code = draw(st.sampled_from(wanted))
        data = _copy(draw(base))
        return _BREAKERS[code](draw, data, edges[data["year"]]), code

    return draw_invalid()
