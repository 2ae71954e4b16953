"""The array lane of the population path on columns: records of one policy decided with numpy, none one by one.

The same decision as ``bulk`` (read its docstring): each activity looked up by its two situations, each year by
its totals against the floors (Aksu 2025 §一), from the tables filled by records `evaluate` decided. Here
every step is an array operation over a whole chunk: the person fields numbered once per distinct person
(`Coded`), the facts' fields made as columns (dates as numbers), each distinct situation looked up once
(`situation_outcomes`), the outcomes applied and the hours summed per person with numpy, each distinct year
situation looked up once, and the rows written as columns. A record with an activity or a year not in the
tables is left to the caller (``bulk_table``), which decides it by `evaluate`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ce_policy.decide.bulk_columns import SUMMED, PopulationColumns
from ce_policy.decide.bulk_keys import (
    CONFLICT,
    MISSED,
    NEVER,
    bulk_policy,
    situation_outcomes,
    tables_of,
    verdict_key,
)
from ce_policy.decide.engines import decision_date, engine_for, memo_of
from ce_policy.decide.facts import DATE_WINDOWS, person_fields_of
from ce_policy.engine.compiler import AS_OF_SUFFIX
from ce_policy.engine.memo import ABSENT, Coded, FiringMemo
from ce_policy.model.column_values import date_numbers, numbered
from ce_policy.model.errors import CePolicyError
from ce_policy.model.record import MAX_ACTIVITIES
from ce_policy.model.record_table import MISSING, NO_DAY, CheckedColumns, RecordTable, take
from ce_policy.policy.loaded import Policy
from ce_policy.policy.vocabulary import CATEGORIES, OPTIONAL_CHOICE_FIELDS

__all__ = ["Lane", "Lanes", "decide_lane"]

_CREDIT_TOTALS = ("credits", *(f"{category}_credits" for category in CATEGORIES))
_NO_ROUTE: tuple[tuple[str, str], ...] = ()
# What stands for an activity's or a year's outcome the tables do not give (its records are not decided here).
_NO_OUTCOME = (None, None, _NO_ROUTE, (), False, False)
_NO_YEAR = (False, (), (0,) * len(SUMMED), False, ())
_FAR = 1 << 40
"""No day is this many days from another: stands for a date not given."""


@dataclass
class Lane:
    """What the lane decided: the rows it decided (chunk rows, ascending) and their columns (rows in that order)."""

    rows: npt.NDArray[np.int64]
    columns: PopulationColumns


@dataclass
class _Group:
    """The valid records of one engine: rows, their persons numbered, their activities."""

    memo: FiringMemo[Any]
    rows: npt.NDArray[np.int64]  # chunk rows
    years: list[int]  # per row
    days: list[dt.date]  # per row: the decision date
    combo: npt.NDArray[np.int64]  # per row: its person's number
    commons: list[dict[str, Any]]  # per person number: the person fields
    chosen: npt.NDArray[np.int64]  # the rows' activities, as indices into the checked columns
    places: npt.NDArray[np.int64]  # the same, as indices into the table's activity columns
    owner: npt.NDArray[np.int64]  # per activity: its row's position in ``rows``


class _LaneColumns:
    """The activity facts' fields of a group's records, as columns.

    Column ``name`` holds, for each activity, what `activity_fact` puts under ``name`` (`ABSENT` where it puts
    nothing), made only for the fields the rules test, with its precedence: the activity's attributes, its
    credits, its optional choices, its dates, its own fields, then the person fields.
    """

    def __init__(self, table: RecordTable, checked: CheckedColumns, group: _Group, policy: Policy) -> None:
        self.table, self.checked, self.group, self.policy = table, checked, group, policy
        self.attributes = frozenset(policy.vocabulary.attributes)
        self.count = len(group.chosen)
        self._columns: dict[str, Any] = {}
        self._indices = group.places.tolist()
        self.size = len(table.owner)

    def column(self, name: str) -> Any:
        """The field ``name`` of every activity's fact."""
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = self._build(name)
        return found

    def _constant(self, value: Any) -> Coded:
        return Coded(np.zeros(self.count, dtype=np.int64), [value])

    def _build(self, name: str) -> Any:
        group = self.group
        if name in self.attributes:
            return self._constant("")  # no valid record gives attributes
        if name == "credits":
            return self._constant(ABSENT)  # nor credits
        if name in OPTIONAL_CHOICE_FIELDS:
            given = self.table.activities.get(name)
            if given is None:
                return self._constant("")
            codes, distinct = numbered(take(given, self._indices, self.size))  # checked: text, null or left out
            return Coded(codes, ["" if value is MISSING or not value else value for value in distinct])
        for field_name, window in DATE_WINDOWS:
            if name in (field_name, field_name + AS_OF_SUFFIX, window):
                return self._date(name, field_name)
        if name == "hours":
            return self.checked.centi[group.chosen]
        if name == "kind":
            codes, kinds = self.checked.kinds
            return Coded(codes[group.chosen], kinds)
        if name in ("on_platform", "passed"):  # checked: each a bool
            flags = np.asarray(take(self.table.activities.get(name), self._indices, self.size), dtype=np.bool_)
            return Coded(flags.astype(np.int64), [False, True])
        if name in ("id", "idx"):
            starts = np.searchsorted(group.owner, group.owner)
            places = (np.arange(self.count) - starts).tolist()
            return places if name == "idx" else [f"a{i}" for i in places]
        return Coded(group.combo[group.owner], [common.get(name, ABSENT) for common in group.commons])

    def _date(self, name: str, field_name: str) -> Any:
        group = self.group
        all_codes, distinct = self.checked.date_codes[field_name]
        codes = all_codes[group.chosen]
        given = (distinct != NO_DAY).tolist()
        if name == field_name:
            numbers = date_numbers(distinct).tolist()
            return Coded(codes, [n if g else ABSENT for n, g in zip(numbers, given, strict=True)])
        days = sorted(set(group.days))
        if name == field_name + AS_OF_SUFFIX:
            if len(days) == 1:  # the usual: one decision date for the group
                as_of = days[0].toordinal()
                return Coded(codes, [d - as_of if g else ABSENT for d, g in zip(distinct.tolist(), given, strict=True)])
            as_of_of = np.fromiter((day.toordinal() for day in group.days), dtype=np.int64, count=len(group.days))
            numbers, pairs = np.unique(
                np.where(distinct[codes] == NO_DAY, _FAR, distinct[codes] - as_of_of[group.owner]), return_inverse=True
            )
            return Coded(pairs.reshape(-1), [ABSENT if n == _FAR else n for n in numbers.tolist()])
        year_codes, years = numbered(group.years)
        pairs, pair_codes = np.unique(year_codes[group.owner] * len(distinct) + codes, return_inverse=True)
        windows = []
        for pair in pairs.tolist():
            year, day = years[pair // len(distinct)], int(distinct[pair % len(distinct)])
            windows.append("" if day == NO_DAY else self.policy.calendar(year).window_of(dt.date.fromordinal(day)))
        return Coded(pair_codes.reshape(-1), windows)


def _groups(
    table: RecordTable, checked: CheckedColumns, policy: Policy, as_of: dt.date | None, region: str
) -> list[_Group]:
    """The valid records checked, by engine: each with its decision date and its person numbered."""
    valid = checked.rows[checked.valid]
    if not len(valid):
        return []
    rows = valid.tolist()
    years = take(table.year, rows, len(table))
    memos: dict[int, tuple[Any, list[int]]] = {}
    days: dict[int, dt.date | None] = {}
    for year in dict.fromkeys(years):
        try:
            day: dt.date | None = decision_date(policy, year, as_of)
        except CePolicyError:
            day = None
        if day is not None:
            engine = engine_for(policy, day)
            memo = memo_of(engine)
            if memo is None or engine.compiled.shares or not bulk_policy(policy, memo):
                day = None
        days[year] = day
    memo_of_year = {year: memo_of(engine_for(policy, day)) for year, day in days.items() if day is not None}
    for i, year in enumerate(years):
        memo = memo_of_year.get(year)
        if memo is not None:
            memos.setdefault(id(memo), (memo, []))[1].append(i)
    people = table.people
    owner_all = np.asarray(table.owner, dtype=np.int64)[checked.places]
    groups = []
    for memo, positions in memos.values():
        chosen_rows = [rows[i] for i in positions]
        chosen_years = [years[i] for i in positions]
        titles = take(people["title_level"], chosen_rows, len(table))
        sectors = take(people.get("sector"), chosen_rows, len(table))
        regions = take(people.get("region"), chosen_rows, len(table))
        degrees = take(people.get("degree_level"), chosen_rows, len(table))
        keys = list(zip(chosen_years, regions, titles, sectors, degrees, strict=True))
        combo, distinct = numbered(keys)
        commons = []
        for year, given, title, sector, degree in distinct:
            person = {
                "title_level": title,
                "sector": "general" if sector is MISSING else sector,
                "degree_level": None if degree is MISSING else degree,
                "attributes": None,
            }
            commons.append(person_fields_of(person, year, region if given is MISSING else given, policy.attributes))
        row_array = np.asarray(chosen_rows, dtype=np.int64)
        position = np.full(len(table), -1, dtype=np.int64)
        position[row_array] = np.arange(len(row_array))
        chosen = np.flatnonzero(position[owner_all] >= 0)
        day_list = [days[year] for year in chosen_years]
        groups.append(
            _Group(
                memo,
                row_array,
                chosen_years,
                day_list,  # type: ignore[arg-type]
                combo,
                commons,
                chosen,
                checked.places[chosen],
                position[owner_all[chosen]],
            )
        )
    return groups


@dataclass
class Lanes:
    """What the lane made of some records: the rows it decided, and what would teach the tables the rest.

    Attributes:
        lanes: the rows decided, by engine.
        probes: records (JSON) made of one activity per situation the tables miss, with its person and year:
            decided by `evaluate`, they fill the tables with those situations (an activity's outcome depends
            on nothing but its situations), so that the records ``retry`` may be decided by the lane after all.
        retry: the rows left undecided because of an activity the tables miss.
        never: the rows with an activity or a year whose situation is never looked up (pooled, credited, in a
            cycle: decided per person): deciding them teaches the tables nothing.
    """

    lanes: list[Lane]
    probes: list[dict[str, Any]]
    retry: list[int]
    never: list[int]


def decide_lane(
    table: RecordTable, checked: CheckedColumns, policy: Policy, options: dict[str, Any], region: str
) -> Lanes:
    """The records ``checked`` vouches for, decided by arrays where the tables know their situations."""
    found = Lanes([], [], [], [])
    for group in _groups(table, checked, policy, options["as_of"], region):
        _decide_group(table, checked, group, policy, options["to_complete"], found)
    return found


def _decide_group(
    table: RecordTable, checked: CheckedColumns, group: _Group, policy: Policy, to_complete: bool, found: Lanes
) -> None:
    """One engine's records: activities and years looked up by situation; those all found make the lane."""
    tables = tables_of(group.memo)
    count = len(group.rows)
    looked_up = situation_outcomes(group.memo, tables, _LaneColumns(table, checked, group, policy))
    if looked_up is None:
        return
    standards, codes, outcomes = looked_up
    unknown = np.asarray([o is None for o in outcomes], dtype=np.bool_)[codes]  # not in the tables yet
    conflict = np.asarray([o is CONFLICT for o in outcomes], dtype=np.bool_)[codes]  # never used
    usable = (standards >= 0) & ~unknown & ~conflict
    bad = np.zeros(count, dtype=np.bool_)
    bad[group.owner[~usable]] = True
    never = np.zeros(count, dtype=np.bool_)  # a record with an activity never looked up: evaluate decides it
    never[group.owner[(standards == NEVER) | ((standards >= 0) & conflict)]] = True
    missed = np.flatnonzero(((standards == MISSED) | ((standards >= 0) & unknown)) & ~never[group.owner])
    if len(missed):
        found.probes += _probes(table, group, missed, codes, len(outcomes))
        found.retry += group.rows[bad & ~never].tolist()
    parts = [o if o is not None and o is not CONFLICT else _NO_OUTCOME for o in outcomes]
    category_of = np.asarray([CATEGORIES.index(p[0]) if p[0] in CATEGORIES else -1 for p in parts], dtype=np.int64)
    counted = np.asarray([bool(p[4]) for p in parts], dtype=np.bool_)[codes] & usable
    projected = np.asarray([bool(p[5]) for p in parts], dtype=np.bool_)[codes] & usable
    category = category_of[codes]
    sums = []
    for mask in (counted, projected):
        scenario: dict[str, Any] = {}
        for i, c in enumerate(CATEGORIES):
            chosen = mask & (category == i)
            total = np.bincount(group.owner[chosen], weights=standards[chosen], minlength=count)
            scenario[c] = np.rint(total).astype(np.int64)  # exact: whole hundredths below 2**53
        scenario["total"] = sum((scenario[c] for c in CATEGORIES), np.zeros(count, dtype=np.int64))
        sums.append(scenario)
    years = _years(group, sums, to_complete, bad, never)
    found.never += group.rows[never].tolist()
    if years is None:
        return
    year_of, year_outcomes = years
    keep = ~bad
    if keep.any():
        activities = (standards, codes, parts, counted)
        columns = _columns(table, group, policy, keep, sums[0], year_of, year_outcomes, activities)
        found.lanes.append(Lane(group.rows[keep], columns))


def _probes(
    table: RecordTable, group: _Group, missed: npt.NDArray[np.int64], codes: npt.NDArray[np.int64], size: int
) -> list[dict[str, Any]]:
    """Records made of one activity ``missed`` per person and pair of situations, with that person and year.

    The activities keep their fields (their ids renamed apart); each record is within `MAX_ACTIVITIES`.
    """
    owners = group.owner[missed]
    _, first = np.unique(group.combo[owners] * (size + 1) + codes[missed], return_index=True)
    starts = np.searchsorted(np.asarray(table.owner, dtype=np.int64), group.rows)
    chosen: dict[int, list[tuple[int, int]]] = {}  # person number -> (row, place in its record)
    for i in first.tolist():
        position = int(owners[i])
        row = int(group.rows[position])
        place = int(group.places[missed[i]]) - int(starts[position])
        chosen.setdefault(int(group.combo[position]), []).append((row, place))
    probes = []
    for activities in chosen.values():
        records = {row: table.record(row) for row in dict.fromkeys(row for row, _ in activities)}
        first_record = records[activities[0][0]]
        given = [{**records[row]["activities"][place], "id": f"probe-{k}"} for k, (row, place) in enumerate(activities)]
        for start in range(0, len(given), MAX_ACTIVITIES):
            probe = {"person": first_record["person"], "year": first_record["year"]}
            probes.append({**probe, "activities": given[start : start + MAX_ACTIVITIES]})
    return probes


def _years(
    group: _Group,
    sums: list[dict[str, Any]],
    to_complete: bool,
    bad: npt.NDArray[np.bool_],
    never: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.int64], list[Any]] | None:
    """Each record's year looked up by its situation (person, totals against the floors, §一), and what each is.

    Records whose year is not in the tables are marked ``bad`` (and ``never`` where it is never looked up).
    """
    memo, count = group.memo, len(group.rows)
    tables = tables_of(memo)
    people = [memo.situation({"id": "person", "stage": "person", **common}) for common in group.commons]
    scenario_codes = []
    scenario_situations = []
    for scenario, totals in zip(("actual", "projected"), sums, strict=True):
        constant = {"id": f"year.{scenario}", "stage": "year", "scenario": scenario}

        def column(name: str, totals: dict[str, Any] = totals, constant: dict[str, str] = constant) -> Any:
            # The precedence of the year fact of `year_key`: credit totals, sums, person fields, then its own.
            if name in _CREDIT_TOTALS:
                return Coded(np.zeros(count, dtype=np.int64), [0])
            if name in totals:
                return totals[name]
            if name in constant:
                return Coded(np.zeros(count, dtype=np.int64), [constant[name]])
            return Coded(group.combo, [common.get(name, ABSENT) for common in group.commons])

        coded = memo.situation_codes("year", count, column)
        if coded is None:
            return None
        scenario_codes.append(coded[0].astype(np.int64))
        scenario_situations.append(coded[1])
    first, second = scenario_codes
    # The person's number stands for its year and person situation (both are read off it).
    _, firsts, year_of = np.unique(
        (group.combo * (len(scenario_situations[0]) + 1) + first) * (len(scenario_situations[1]) + 1) + second,
        return_index=True,
        return_inverse=True,
    )
    year_of = year_of.reshape(-1)
    outcomes: list[Any] = []
    verdicts: dict[tuple[int, bool], Any] = {}
    for row in firsts.tolist():
        combo = int(group.combo[row])
        key = (
            group.years[row],
            people[combo],
            scenario_situations[0][first[row]],
            scenario_situations[1][second[row]],
        )
        year = tables.year.get(key)
        if year is None or year is CONFLICT or (to_complete and not year[0]):
            outcomes.append(None if year is None else CONFLICT)
            continue
        verdict = verdicts.get((combo, year[0]))
        if verdict is None:
            verdict = verdicts[(combo, year[0])] = verdict_key(memo, group.commons[combo], year[0])
        consequences = tables.verdict.get((key, verdict))
        outcomes.append(consequences if consequences is None or consequences is CONFLICT else (*year, consequences))
    bad |= np.asarray([o is None or o is CONFLICT for o in outcomes], dtype=np.bool_)[year_of]
    never |= np.asarray([o is CONFLICT for o in outcomes], dtype=np.bool_)[year_of]
    return year_of, outcomes


def _columns(
    table: RecordTable,
    group: _Group,
    policy: Policy,
    keep: npt.NDArray[np.bool_],
    totals: dict[str, Any],
    year_of: npt.NDArray[np.int64],
    year_outcomes: list[Any],
    activities: tuple[Any, Any, list[Any], Any],
) -> PopulationColumns:
    """The columns of the records ``keep`` (positions in the group), as `build_columns` makes them.

    ``activities``: each activity's standard hours, outcome number, the outcomes and whether it counts.
    """
    standards, codes, parts, counted_all = activities
    kept = np.flatnonzero(keep)
    count = len(kept)
    rows = group.rows[kept].tolist()
    picked = year_of[kept]
    distinct = [o if o is not None and o is not CONFLICT else _NO_YEAR for o in year_outcomes]
    compliant = np.asarray([o[0] for o in distinct], dtype=np.bool_)[picked]
    projected_ok = np.asarray([o[3] for o in distinct], dtype=np.bool_)[picked]
    required = {c: np.asarray([o[2][i] for o in distinct], dtype=np.int64)[picked] for i, c in enumerate(SUMMED)}
    hours = {c: totals[c][kept] for c in SUMMED}
    shortfall = {}
    floors = [dict(o[1]) for o in distinct]
    for c in SUMMED:
        short = np.asarray([c in f for f in floors], dtype=np.bool_)[picked]
        floor = np.asarray([f.get(c, 0) for f in floors], dtype=np.int64)[picked]
        shortfall[c] = np.where(short, floor - hours[c], 0).astype(np.int64)
    consequences_of = [o[4] for o in distinct]
    position = np.full(len(group.rows), -1, dtype=np.int64)
    position[kept] = np.arange(count)
    act = np.flatnonzero(keep[group.owner])
    act_codes = codes[act]
    counted = counted_all[act]
    return PopulationColumns(
        index=rows,
        person=take(table.people["id"], rows, len(table)),
        year=[group.years[i] for i in kept.tolist()],
        as_of=[group.days[i] for i in kept.tolist()],
        policy=[policy.id] * count,
        policy_version=[policy.version] * count,
        error=[None] * count,
        decided_by=["bulk"] * count,
        compliant=compliant,
        hours=hours,
        required=required,
        shortfall=shortfall,
        projected_compliant=projected_ok,
        consequences=[consequences_of[y] for y in picked.tolist()],
        activity_row=position[group.owner[act]],
        activity_id=take(table.activities.get("id"), group.places[act].tolist(), len(table.owner)),
        activity_counted=counted,
        activity_category=_spread([p[0] for p in parts], act_codes),
        activity_hours=np.where(counted, standards[act], 0).astype(np.int64),
        activity_registration=_spread([p[1] for p in parts], act_codes),
        activity_route=_spread([p[2] for p in parts], act_codes),
        activity_reasons=_spread([p[3] for p in parts], act_codes),
    )


def _spread(values: list[Any], codes: npt.NDArray[np.int64]) -> list[Any]:
    """``values[code]`` for each of ``codes``, as a list."""
    table = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):  # one by one: a tuple stays one object (few: one per distinct outcome)
        table[i] = value
    return table[codes].tolist()  # type: ignore[no-any-return]
