"""Records drawn fast from a seeded random, as `ce_policy.strategies.records` draws them, for populations.

``ce-policy diff --generate`` needs thousands of records, not the few hundred a property test runs; drawn
through hypothesis's engine, each costs tens of milliseconds. `RecordSampler` draws the same records from a
plain seeded ``random.Random``: a person as `strategies.persons` draws one for the policy, activities as
`strategies.activities` draws them (kinds the policy's rules name, hours and dates biased towards its
thresholds, a quarter of the year either side, the way fields each kind requires or allows), and the groups of
activities whose hours or credits land just under, on or just over each floor (阿地人社传〔2025〕12号 二: 90
学时 a year, 30 public and 60 professional; and a sector's own floors) and each share. Those floor groups
are one code for both: `floor_groups` runs on a `Chooser`, which hypothesis's ``draw`` backs in the strategies
and `Seeded` backs here.

Each choice is made about as often as the strategies make it: an option of a ``sampled_from`` and a branch of
a ``one_of`` alike, an optional field half the time, a list's length with the same average, an integer leaning
towards the small and the ends of its range (`SMALL`); there is no shrinking, no example database and no
replaying of earlier examples. Nothing here imports hypothesis.

The same seed gives the same records for a given version of ce_policy and of the policies: the random numbers
come from ``random.Random(str)`` through ``random()`` alone, which Python keeps the same from version to version.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol, TypeVar, get_args

from ce_policy.model.hours import MAX_HOURS, hours_to_json
from ce_policy.model.record import GENERAL_SECTOR, WAY_FIELDS, Person
from ce_policy.policy.edges import CENT, Filler, PolicyEdges, policy_edges
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import default_registry

__all__ = ["Chooser", "RecordSampler", "Seeded", "floor_groups", "near_floors", "region_options", "sector_options"]

Json = dict[str, Any]
T = TypeVar("T")

SMALL_CENTI = 100 * 100
"""Generic hours are mostly up to 100 学时 (in hundredths), at times anywhere up to the contract's limit."""
MAX_FREE_ACTIVITIES = 20
"""The most activities a record holds, the floor groups included (``records``' ``max_activities``)."""
AVERAGE_FREE_ACTIVITIES = 5
"""The average length hypothesis gives a list with no lower bound (``min(5, max_size / 2)``)."""
QUARTER = 92
"""Days either side of the year that dates of activities reach."""
SMALL_BITS = 8
SMALL = 2**SMALL_BITS
"""How integers are drawn, leaning as hypothesis's lean (not its exact distribution, which changes between its
versions): an end of the range one time in 32; otherwise, in a range shorter than 256, alike; in a longer one,
alike below a power of two from 2^8 up to the range's, each power alike. So amounts are mostly small and at
times anywhere up to the top (bench/bench_generate.py's ``--quantiles`` compares them with hypothesis's)."""
ENDS = 1 / 32
TITLE_LEVELS: tuple[str, ...] = get_args(Person.model_fields["title_level"].annotation)
WAY_FIELD_NAMES = tuple(dict.fromkeys(name for fields in WAY_FIELDS.values() for name in fields))


def centi(value: int) -> Decimal:
    """``value`` hundredths of an hour."""
    return Decimal(value) / 100


class Chooser(Protocol):
    """The choices the floor groups make: backed by hypothesis's ``draw`` or by `Seeded`."""

    def boolean(self) -> bool:
        """True or false, alike."""

    def integer(self, low: int, high: int) -> int:
        """An integer from ``low`` to ``high``."""

    def choice(self, options: Sequence[T]) -> T:
        """One of ``options``."""

    def hours(self, edges: PolicyEdges) -> Decimal:
        """Hours as `strategies.activities` draws them."""

    def day(self, first: dt.date, last: dt.date) -> dt.date:
        """A day from ``first`` to ``last``."""

    def cuts(self, high: int, count: int) -> list[int]:
        """``count`` integers from 0 to ``high``, ascending."""


class Seeded:
    """The choices, drawn from a ``random.Random`` seeded with ``seed`` (through ``random()`` only)."""

    def __init__(self, seed: int) -> None:
        # Not for secrets: a reproducible population. A text seed keeps -1 and 1 apart (an int's sign is dropped).
        self._random = random.Random(f"ce_policy.population:{seed}").random  # noqa: S311

    def below(self, count: int) -> int:
        """An integer from 0 to ``count - 1``."""
        return int(self._random() * count)

    def boolean(self) -> bool:
        """True or false, alike."""
        return self._random() < 0.5

    def integer(self, low: int, high: int) -> int:
        """An integer from ``low`` to ``high``, leaning as hypothesis's integers lean (`SMALL`)."""
        span = high - low
        roll = self._random()
        if span <= 0:
            return low
        if roll < ENDS:
            return low if roll < ENDS / 2 else high
        if span < SMALL:
            return low + int(self._random() * (span + 1))
        bits = SMALL_BITS + int(self._random() * (span.bit_length() - SMALL_BITS + 1))
        return low + int(self._random() * (min(span, 2**bits - 1) + 1))

    def choice(self, options: Sequence[T]) -> T:
        """One of ``options``, alike."""
        return options[int(self._random() * len(options))]

    def hours(self, edges: PolicyEdges) -> Decimal:
        """As ``_values._hours``: up to 100 学时, at one of the edges (twice as often), or anywhere."""
        branch = self.below(4)
        if branch == 0:
            return centi(self.integer(0, SMALL_CENTI))
        if branch == 3:
            return centi(self.integer(0, int(MAX_HOURS * 100)))
        return self.choice(edges.hours)

    def day(self, first: dt.date, last: dt.date) -> dt.date:
        """A day from ``first`` to ``last``, leaning towards ``first`` as `integer` leans."""
        return first + dt.timedelta(days=self.integer(0, (last - first).days))

    def cuts(self, high: int, count: int) -> list[int]:
        """``count`` integers from 0 to ``high``, ascending."""
        return sorted(self.integer(0, high) for _ in range(count))

    def date(self, edges: PolicyEdges) -> dt.date:
        """As ``_values._dates``: a day of the year, one of the policy's dates, or up to a quarter either side."""
        branch = self.below(3)
        if branch == 0:
            return self.day(edges.first_day, edges.last_day)
        if branch == 1:
            return self.choice(edges.dates)
        first = edges.first_day - dt.timedelta(days=QUARTER)
        return self.day(first, edges.last_day + dt.timedelta(days=QUARTER))

    def length(self, most: int) -> int:
        """A list's length from 0 to ``most``, as hypothesis draws it: each element drawn with one chance to go on."""
        if most <= 0:
            return 0
        go_on = _continue_chance(min(AVERAGE_FREE_ACTIVITIES, most / 2), most)
        size = 0
        while size < most and self._random() < go_on:
            size += 1
        return size

    def order(self, count: int) -> list[int]:
        """A permutation of ``range(count)`` (Fisher and Yates)."""
        items = list(range(count))
        for i in range(count - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]
        return items


@functools.lru_cache(maxsize=64)
def _continue_chance(average: float, most: int) -> float:
    """The chance to add one more element that gives lists of at most ``most`` elements ``average`` elements."""
    low, high = 0.0, 1.0
    for _ in range(40):
        middle = (low + high) / 2
        if sum(middle**k for k in range(1, most + 1)) < average:
            low = middle
        else:
            high = middle
    return low


# The floor groups, shared with `strategies.records` (`_records.py` backs the chooser with hypothesis's draw).


def near_floors(floors: Iterable[Decimal]) -> tuple[Decimal, ...]:
    """Each floor's targets: just under (``v - 0.5``, ``v - 0.01``), on and just over (``v + 0.01``), not below 0."""
    return tuple(sorted({f + d for f in floors for d in (Decimal("-0.5"), -CENT, Decimal(0), CENT) if f + d >= 0}))


def _clean(way: Filler, edges: PolicyEdges, hours: Decimal, choose: Chooser, credits: Decimal | None = None) -> Json:
    """An activity of ``way`` that counts with exactly ``hours`` (and, if given, claims ``credits``)."""
    data: Json = {
        "id": "a",
        "kind": way.kind,
        "hours": hours_to_json(hours),
        "on_platform": True,
        "passed": True,
        "completed_on": choose.day(*way.window).isoformat(),
    }
    attributes = {name: value for name, value in way.fields if name in edges.vocabulary.attributes}
    data.update((name, value) for name, value in way.fields if name not in attributes)
    if attributes:
        data["attributes"] = attributes
    if credits is not None:
        data["credits"] = hours_to_json(credits)
    return data


def _split(choose: Chooser, total: Decimal, parts: int) -> list[Decimal]:
    """``total`` split into ``parts`` amounts of whole hundredths that add up to it exactly."""
    whole = int(total * 100)
    return [centi(b - a) for a, b in itertools.pairwise([0, *choose.cuts(whole, parts - 1), whole])]


def _fill_hours(choose: Chooser, edges: PolicyEdges, category: str, target: Decimal) -> list[Json]:
    """Activities of one clean way of ``category`` whose hours add up to ``target``."""
    way = choose.choice(edges.fillers[category])
    amounts = _split(choose, target, choose.integer(1, 3))
    if any(amount > MAX_HOURS for amount in amounts):
        return []
    return [_clean(way, edges, amount, choose) for amount in amounts]


def _fill_credits(choose: Chooser, edges: PolicyEdges, target: Decimal, category: str | None = None) -> list[Json]:
    """Activities of one clean way that earns credits (of ``category``, if given), whose credits add up to ``target``.

    A way with a fixed number of credits lands on the multiple of it just under or over ``target``.
    """
    ways = [w for w in edges.fillers.get("credits", ()) if category is None or w.category == category]
    if not ways:
        return []
    way = choose.choice(ways)
    if way.fixed_credits:
        count = int(target // way.fixed_credits) + choose.integer(0, 1)
        return [_clean(way, edges, choose.hours(edges), choose) for _ in range(min(count, 20))]
    parts = choose.integer(1, 3)
    if way.credits_cap:
        parts = max(parts, math.ceil(target / way.credits_cap))
    whole = int(target * 100)
    shares = [centi(whole // parts + (1 if i < whole % parts else 0)) for i in range(parts)]
    found = []
    for share in shares:
        if way.claims_credits:
            found.append(_clean(way, edges, choose.hours(edges), choose, credits=share))
            continue
        assert way.per_hours  # noqa: S101 - a way earns credits by claim or by hours
        hours = share * way.per_hours
        if hours != hours.quantize(CENT) or hours > MAX_HOURS:
            return []
        found.append(_clean(way, edges, hours, choose))
    return found


def _near_share(choose: Chooser, edges: PolicyEdges, category: str, unit: str, share: Fraction) -> list[Json]:
    """Activities whose ``category`` comes just under, on or just over ``share`` of a total near the floors."""
    floors = edges.floors.get("credits" if unit == "credits" else "total")
    other = "public" if category == "professional" else "professional"
    if not floors:
        return []
    total = choose.choice(near_floors(floors))
    on = (share * Fraction(total) * 100).__ceil__()  # the least hundredths of the category that meet it
    part = centi(max(0, on + choose.choice((-1, 0, 1))))
    rest = total - part
    if rest < 0:
        return []
    if unit == "credits":
        return _fill_credits(choose, edges, part, category) + _fill_credits(choose, edges, rest, other)
    if not (edges.fillers.get(category) and edges.fillers.get(other)):
        return []
    return _fill_hours(choose, edges, category, part) + _fill_hours(choose, edges, other, rest)


def floor_groups(choose: Chooser, edges: PolicyEdges, budget: int) -> list[Json]:
    """Activities whose sums land just under, on or just over the floors and shares (each group drawn or not).

    The floors are those the policy's ``require`` rules set for the year (public, professional, total, credits);
    the shares, its ``share`` rules. A group that would take the record over ``budget`` activities is left out.
    """
    found: list[Json] = []
    for category in ("public", "professional", "total", "credits"):
        floors = edges.floors.get(category)
        ways = ("public", "professional") if category == "total" else (category,)
        usable = [w for w in ways if edges.fillers.get(w)]
        if not floors or not usable or not choose.boolean():
            continue
        target = choose.choice(near_floors(floors))
        if category == "credits":
            group = _fill_credits(choose, edges, target)
        elif len(usable) == 1:
            group = _fill_hours(choose, edges, usable[0], target)
        else:
            first = centi(choose.integer(0, int(target * 100)))
            group = _fill_hours(choose, edges, usable[0], first) + _fill_hours(choose, edges, usable[1], target - first)
        if group and len(found) + len(group) <= budget:
            found += group
    for category, unit, share in edges.shares:
        group = _near_share(choose, edges, category, unit, share) if choose.boolean() else []
        if group and len(found) + len(group) <= budget:
            found += group
    return found


# Persons and activities, as `strategies.persons` and `strategies.activities` draw them for a policy.


def region_options(policy: Policy) -> tuple[str | None, ...]:
    """The regions a person of ``policy`` is given: each of its regions, or none when the default is one."""
    options: list[str | None] = list(policy.regions)
    default = default_registry().default_region
    if default is not None and any(default == r or default.startswith(r + ".") for r in policy.regions):
        options.append(None)  # a person without a region is evaluated in the default one
    return tuple(options)


def sector_options(policy: Policy) -> tuple[str | None, ...]:
    """The sectors a person of ``policy`` is given: the policy's, or for a general policy ``general`` or none."""
    return (None, GENERAL_SECTOR) if policy.sector is None else (policy.sector,)


@dataclass(frozen=True)
class _Kind:
    """A kind of activity and, read once, the way fields and attributes it is drawn with."""

    name: str
    fields: tuple[tuple[str, bool, tuple[str, ...]], ...]
    """Each way field the kind carries: its name, whether it is required, the values it is drawn from."""
    attributes: tuple[tuple[str, tuple[str, ...]], ...]


def _kind(edges: PolicyEdges, kind: str) -> _Kind | None:
    """``kind`` read for drawing (``None``: a required field has no value to draw, so no activity of it is)."""
    allowed = edges.vocabulary.way_fields.get(kind, {})
    fields = []
    for name in WAY_FIELD_NAMES:
        if name not in allowed:
            continue
        values = () if name in ("granted_on", "credits") else tuple(edges.vocabulary.values_for(kind, name))
        if not values and name not in ("granted_on", "credits"):
            if allowed[name]:
                return None
            continue
        fields.append((name, allowed[name], values))
    declared = tuple((n, a.choices) for n, a in edges.vocabulary.attributes.items() if kind in a.kinds)
    return _Kind(kind, tuple(fields), declared)


class RecordSampler:
    """Draws records for one policy and some of its years; read once, then each record in a fraction of a ms."""

    def __init__(self, policy: Policy, years: Sequence[int]) -> None:
        self.policy = policy
        self.years = tuple(years)
        self._edges = {year: policy_edges(policy, year) for year in self.years}
        self._kinds = {
            year: tuple(k for k in (_kind(edges, name) for name in edges.kinds) if k is not None)
            for year, edges in self._edges.items()
        }
        self._sectors = sector_options(policy)
        self._regions = region_options(policy)
        self._degrees = tuple(policy.vocabulary.choices["degree_level"])
        self._attributes = tuple((name, a.choices) for name, a in policy.attributes.items())

    def person(self, choose: Seeded) -> Json:
        """A person, as `strategies.persons` draws one for the policy (the id left to the caller: ``a``)."""
        data: Json = {"id": "a", "title_level": choose.choice(TITLE_LEVELS)}
        for name, options in (("sector", self._sectors), ("region", self._regions)):
            value = choose.choice(options)
            if value is not None:
                data[name] = value
        if choose.boolean():
            data["degree_level"] = choose.choice(self._degrees)
        attributes = {name: choose.choice(choices) for name, choices in self._attributes if choose.boolean()}
        if attributes:
            data["attributes"] = attributes
        return data

    def activity(self, choose: Seeded, year: int) -> Json:
        """An activity, as `strategies.activities` draws one for the policy and ``year`` (id ``a``)."""
        edges = self._edges[year]
        kind = choose.choice(self._kinds[year])
        data: Json = {
            "id": "a",
            "kind": kind.name,
            "hours": hours_to_json(choose.hours(edges)),
            "on_platform": choose.boolean(),
            "passed": choose.boolean(),
            "completed_on": choose.date(edges).isoformat(),
        }
        for name, required, values in kind.fields:
            if not required and choose.boolean():
                continue
            if name == "granted_on":
                data[name] = choose.date(edges).isoformat()
            elif name == "credits":
                data[name] = hours_to_json(choose.hours(edges))
            else:
                data[name] = choose.choice(values)
        attributes = {name: choose.choice(choices) for name, choices in kind.attributes if choose.boolean()}
        if attributes:
            data["attributes"] = attributes
        return data

    def record(self, choose: Seeded) -> Json:
        """A record, as `strategies.records` draws one: floor groups and other activities, shuffled, ids ``a0``…."""
        year = choose.choice(self.years)
        person = self.person(choose)
        filled = floor_groups(choose, self._edges[year], MAX_FREE_ACTIVITIES)
        free = [self.activity(choose, year) for _ in range(choose.length(MAX_FREE_ACTIVITIES - len(filled)))]
        everything = free + filled
        chosen = [{**everything[i], "id": f"a{n}"} for n, i in enumerate(choose.order(len(everything)))]
        return {"person": person, "year": year, "activities": chosen}
