"""Records: a person's year of activities, often with groups whose hours land just around a floor."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ce_policy.model.hours import MAX_HOURS, hours_to_json
from ce_policy.model.record import MAX_ACTIVITIES, Record
from ce_policy.policy.edges import CENT, Filler, PolicyEdges, policy_edges
from ce_policy.policy.loaded import Policy
from ce_policy.testing.strategies._activities import _activity_strategy
from ce_policy.testing.strategies._args import _DEFAULT_YEAR, Json, _check_int, _overrides, _resolve, _valid, _year_of
from ce_policy.testing.strategies._persons import _persons
from ce_policy.testing.strategies._values import _centi, _days, _hours, _split


def _clean(way: Filler, edges: PolicyEdges, hours: Decimal, draw: st.DrawFn, credits: Decimal | None = None) -> Json:
    """An activity of ``way`` that counts with exactly ``hours`` (and, if given, claims ``credits``)."""
    data: Json = {
        "id": "a",
        "kind": way.kind,
        "hours": hours_to_json(hours),
        "on_platform": True,
        "passed": True,
        "completed_on": draw(_days(*way.window)).isoformat(),
    }
    attributes = {name: value for name, value in way.fields if name in edges.vocabulary.attributes}
    data.update((name, value) for name, value in way.fields if name not in attributes)
    if attributes:
        data["attributes"] = attributes
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


def _fill_credits(draw: st.DrawFn, edges: PolicyEdges, target: Decimal, category: str | None = None) -> list[Json]:
    """Activities of one clean way that earns credits (of ``category``, if given), whose credits add up to ``target``.

    A way with a fixed number of credits lands on the multiple of it just under or over ``target``.
    """
    ways = [w for w in edges.fillers.get("credits", ()) if category is None or w.category == category]
    if not ways:
        return []
    way = draw(st.sampled_from(ways))
    if way.fixed_credits:
        count = int(target // way.fixed_credits) + draw(st.integers(0, 1))
        return [_clean(way, edges, draw(_hours(edges)), draw) for _ in range(min(count, 20))]
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
    for category, unit, share in edges.shares:
        group = _near_share(draw, edges, category, unit, share) if draw(st.booleans()) else []
        if group and len(found) + len(group) <= budget:
            found += group
    return found


def _near_share(draw: st.DrawFn, edges: PolicyEdges, category: str, unit: str, share: Fraction) -> list[Json]:
    """Activities whose ``category`` comes just under, on or just over ``share`` of a total near the floors."""
    floors = edges.floors.get("credits" if unit == "credits" else "total")
    other = "public" if category == "professional" else "professional"
    if not floors:
        return []
    total = draw(_targets(floors))
    on = (share * Fraction(total) * 100).__ceil__()  # the least hundredths of the category that meet it
    part = _centi(max(0, on + draw(st.sampled_from((-1, 0, 1)))))
    rest = total - part
    if rest < 0:
        return []
    if unit == "credits":
        return _fill_credits(draw, edges, part, category) + _fill_credits(draw, edges, rest, other)
    if not (edges.fillers.get(category) and edges.fillers.get(other)):
        return []
    return _fill_hours(draw, edges, category, part) + _fill_hours(draw, edges, other, rest)


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
        return _valid(Record, data, function, edges_by_year[year].vocabulary) if fields else data

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
