"""Records: a person's year of activities, often with groups whose hours land just around a floor."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ce_policy.model.record import MAX_ACTIVITIES, Record
from ce_policy.policy.edges import PolicyEdges, policy_edges
from ce_policy.policy.loaded import Policy
from ce_policy.testing.sampler import floor_groups, near_floors
from ce_policy.testing.strategies._activities import _activity_strategy
from ce_policy.testing.strategies._args import _DEFAULT_YEAR, Json, _check_int, _overrides, _resolve, _valid, _year_of
from ce_policy.testing.strategies._persons import _persons
from ce_policy.testing.strategies._values import _days, _hours

T = TypeVar("T")


class _Drawn:
    """The choices of `floor_groups`, drawn by hypothesis (as the strategies drew them before they were shared)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def boolean(self) -> bool:
        """``st.booleans()``."""
        return self._draw(st.booleans())

    def integer(self, low: int, high: int) -> int:
        """``st.integers(low, high)``."""
        return self._draw(st.integers(low, high))

    def choice(self, options: Sequence[T]) -> T:
        """``st.sampled_from(options)``."""
        return self._draw(st.sampled_from(options))

    def hours(self, edges: PolicyEdges) -> Decimal:
        """``_hours(edges)``."""
        return self._draw(_hours(edges))

    def day(self, first: dt.date, last: dt.date) -> dt.date:
        """``_days(first, last)``."""
        return self._draw(_days(first, last))

    def cuts(self, high: int, count: int) -> list[int]:
        """A sorted list of ``count`` ``st.integers(0, high)``."""
        return sorted(self._draw(st.lists(st.integers(0, high), min_size=count, max_size=count)))


def _targets(floors: Iterable[Decimal]) -> st.SearchStrategy[Decimal]:
    return st.sampled_from(near_floors(floors))


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
            filled = floor_groups(_Drawn(draw), edges_by_year[year], max_activities)
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
