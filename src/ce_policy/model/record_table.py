"""Records as columns: a population read into one column per field, and checked column by column.

A platform's export, a Parquet file or an Arrow table holds records as columns already: one row per person
and year, one row per activity. `RecordTable` keeps them so, and `check_table` checks every column with the
schema `valid_record` checks a record with (``model.fast_record.table_schemas``), one list at a time, so
that no object is made per activity. A record the columns cannot vouch for (a value refused, a field the
columns do not cover: attributes, a person's degree, credits, an unknown field) is not refused here:
its row is marked, and the population path decides it from its JSON (`RecordTable.record`) as `evaluate`
would, naming its problems the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, repeat
from operator import is_, itemgetter, methodcaller
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError
from pydantic_core import SchemaValidator

from ce_policy.model.column_values import NUMBER_TYPES, hour_numbers, numbered
from ce_policy.model.fast_record import TableSchemas, decimal_hours
from ce_policy.model.hours import MAX_HOURS
from ce_policy.model.record import MAX_ACTIVITIES
from ce_policy.model.ways import OPTIONAL_FIELDS

__all__ = [
    "MISSING",
    "NO_DAY",
    "CheckedColumns",
    "RecordTable",
    "check_table",
    "take",
]

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__slots__": ()})()
"""A field the record (or activity) does not give: left out of its JSON, where ``None`` is given as null."""

_PERSON_FIELDS = ("id", "title_level", "sector", "region", "degree_level", "attributes")
_ACTIVITY_FIELDS = ("id", "kind", "hours", "on_platform", "passed", "completed_on", *OPTIONAL_FIELDS, "attributes")
_ACTIVITY_NAMES = frozenset(_ACTIVITY_FIELDS)
_RECORD_COLUMNS = frozenset({"person", "year", "activities", "labels"})
"""A record's fields the columns hold."""
NO_DAY = -1
"""The day number of a date not given."""
_A_DAY = "2000-01-01"
_BASE = ("id", "kind", "hours", "on_platform", "passed", "completed_on")
_ABSENT_TYPES = frozenset({type(None), type(MISSING)})
Numbered = tuple[npt.NDArray[np.int64], list[Any]]
"""Values numbered (`numbered`): each value's number, and the distinct values."""
_MOST_HOURS = float(MAX_HOURS)
"""The schema's bound on an activity's hours (`fast_record`: at most ``MAX_HOURS``, whole or not)."""
_IN_PYTHON_ONLY = ("attributes",)
"""Person fields checked in Python only (`valid_record`): a record that gives one is decided from its JSON."""


@dataclass
class RecordTable:
    """Records as columns: ``people`` and ``year`` one value per record, ``activities`` one per activity.

    Attributes:
        people: each person field (``id``, ``title_level``, ``sector``, ...) as a column, one value per record;
            `MISSING` where a record does not give it.
        year: each record's year.
        activities: each activity field as a column, one value per activity; `MISSING` where not given.
        owner: each activity's record (its row), in order: a record's activities are consecutive.
        extra: for each record, its JSON fields the columns do not hold (kept to decide it alone), if any.
        labels: each record's labels (`MISSING` where not given), or ``None``: no record gives any.
    """

    MISSING: ClassVar[Any] = MISSING
    """`MISSING`, to write tables with from the front door (``ce_policy.RecordTable.MISSING``)."""

    people: Mapping[str, Sequence[Any]]
    year: Sequence[Any]
    activities: Mapping[str, Sequence[Any]]
    owner: Sequence[int] | npt.NDArray[np.int64]
    extra: Mapping[int, dict[str, Any]] = field(default_factory=dict)
    labels: Sequence[Any] | None = None

    def __len__(self) -> int:
        """The number of records."""
        return len(self.year)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> RecordTable:
        """The table of JSON records (what is not an object, or has odd fields, is kept to be decided alone).

        An activity field no activity gives has no column.
        """
        people: dict[str, list[Any]] = {name: [] for name in _PERSON_FIELDS}
        years: list[Any] = []
        given_activities: list[Any] = []  # per row: its activities, when they are a list
        persons: list[Any] = []  # per row: its person as given
        extra: dict[int, dict[str, Any]] = {}
        labels: list[Any] = []
        for row, given_record in enumerate(records):
            record: Mapping[str, Any] = given_record if isinstance(given_record, Mapping) else {}
            if not isinstance(given_record, Mapping):
                extra[row] = {"": given_record}
            person = record.get("person", MISSING)
            given = record.get("activities", MISSING)
            others = {k: v for k, v in record.items() if k not in _RECORD_COLUMNS}
            labels.append(record.get("labels", MISSING))
            if row in extra:  # not a record at all
                person, given, labels[-1] = {}, (), MISSING
            elif (
                others
                or not isinstance(person, Mapping)
                or not person.keys() <= people.keys()
                or not isinstance(given, list | tuple | type(MISSING))
            ):
                extra[row] = {**others, "person": person, "activities": given}
                person, given, labels[-1] = {}, (), MISSING
            years.append(record.get("year", MISSING))
            persons.append(record.get("person"))
            for name, column in people.items():
                column.append(person.get(name, MISSING))
            given_activities.append(() if given is MISSING else given)
        counts = list(map(len, given_activities))
        flat = list(chain.from_iterable(given_activities))
        owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        if set(map(type, flat)) <= {dict}:  # the usual: every activity a dict, so each gives its keys at once
            present = set(chain.from_iterable(map(dict.keys, flat)))
            kept = None if present <= _ACTIVITY_NAMES else _activities_kept(flat)
        else:
            kept = _activities_kept(flat)
        if kept is not None:  # a record with an activity that is not one is decided from its JSON
            for row in sorted(set(owner[~kept].tolist())):
                extra[row] = {"person": persons[row], "activities": given_activities[row]}
            flat = [activity for activity, ok in zip(flat, kept.tolist(), strict=True) if ok]
            owner = owner[kept]
            present = set(chain.from_iterable(map(methodcaller("keys"), flat)))
        activities = {name: _column(flat, name) for name in _ACTIVITY_FIELDS if name in present}
        given_labels = labels if any(value is not MISSING for value in labels) else None
        return cls(people, years, activities, owner, extra, given_labels)

    def rows(self, start: int, stop: int) -> RecordTable:
        """Records ``start`` to ``stop`` (excluded) as a table of their own."""
        owner = np.asarray(self.owner, dtype=np.int64)
        first, last = (int(i) for i in np.searchsorted(owner, [start, stop]))
        return RecordTable(
            {name: column[start:stop] for name, column in self.people.items()},
            self.year[start:stop],
            {name: column[first:last] for name, column in self.activities.items()},
            owner[first:last] - start,
            {row - start: kept for row, kept in self.extra.items() if start <= row < stop},
            None if self.labels is None else self.labels[start:stop],
        )

    def record(self, row: int) -> Any:
        """Record ``row`` as the JSON data it was read from."""
        kept = self.extra.get(row)
        if kept is not None and "" in kept:
            return kept[""]
        starts = np.searchsorted(np.asarray(self.owner, dtype=np.int64), [row, row + 1])
        activities = [
            {name: column[i] for name, column in self.activities.items() if column[i] is not MISSING}
            for i in range(int(starts[0]), int(starts[1]))
        ]
        person = {name: column[row] for name, column in self.people.items() if column[row] is not MISSING}
        data: dict[str, Any] = {"person": person}
        if self.year[row] is not MISSING:
            data["year"] = self.year[row]
        data["activities"] = activities
        if self.labels is not None:
            data["labels"] = self.labels[row]
        if kept is not None:
            data.update(kept)
        return {name: value for name, value in data.items() if value is not MISSING}


def _column(activities: list[Any], name: str) -> list[Any]:
    """Field ``name`` of each activity, `MISSING` where one does not give it."""
    try:
        return list(map(itemgetter(name), activities))  # the usual: every activity gives it
    except KeyError:
        return list(map(methodcaller("get", name, MISSING), activities))


def _activities_kept(activities: list[Any]) -> npt.NDArray[np.bool_]:
    """Which of ``activities`` are objects with activity fields only (the others are not read into columns)."""
    kept = (isinstance(activity, Mapping) and activity.keys() <= _ACTIVITY_NAMES for activity in activities)
    return np.fromiter(kept, dtype=np.bool_, count=len(activities))


@dataclass
class CheckedColumns:
    """What `check_table` found of some records (``rows``) and their activities (``places``) under one vocabulary.

    Attributes:
        rows: the records checked (rows of the table).
        valid: for each of ``rows``, whether the columns vouch for it (else it is decided from its JSON).
        places: the activities of ``rows``, as indices into the table's activity columns.
        centi: each activity's hours in whole hundredths (0 where refused).
        dates: each date field as day numbers (`date.toordinal`) per activity (`NO_DAY` where not given).
    """

    rows: npt.NDArray[np.int64]
    valid: npt.NDArray[np.bool_]
    places: npt.NDArray[np.int64]
    centi: npt.NDArray[np.int64]
    dates: dict[str, Any]
    kinds: tuple[npt.NDArray[np.int64], list[Any]] = (np.zeros(0, dtype=np.int64), [])
    """Each activity's kind numbered (``None`` for one that is not text), and the distinct kinds."""
    date_codes: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = field(default_factory=dict)
    """Each date field numbered: each activity's number and the distinct day numbers (``dates`` is the two)."""


def take(column: Sequence[Any] | None, indices: list[int], size: int) -> list[Any]:
    """The values of ``column`` (``None``: not given at all) at ``indices``; the whole column when they are all."""
    if column is None:
        return [MISSING] * len(indices)
    if len(indices) == size == len(column):
        return list(column)
    if not indices:
        return []
    taken = itemgetter(*indices)(column)
    return [taken] if len(indices) == 1 else list(taken)


def _refused(validator: SchemaValidator, values: list[Any]) -> list[int]:
    """The positions of the values ``validator`` (a list schema) refuses."""
    try:
        validator.validate_python(values)
    except ValidationError as exc:
        return sorted({int(error["loc"][0]) for error in exc.errors(include_url=False) if error["loc"]})
    return []


def _refused_numbered(validator: SchemaValidator, values: list[Any], numbers: Numbered | None) -> npt.NDArray[np.bool_]:
    """Where ``validator`` refuses ``values``; given them numbered (all text), each distinct one is checked once."""
    if numbers is None:
        refused = np.zeros(len(values), dtype=np.bool_)
        refused[_refused(validator, values)] = True
        return refused
    codes, distinct = numbers
    return np.isin(codes, _refused(validator, distinct))


def _dates(
    validator: SchemaValidator, values: list[Any], bad: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The dates given (checked as the record's schema does) as day numbers (`date.toordinal`; -1: none).

    Refused ones are marked ``bad`` (and -1). Numbered: each value's number and the distinct day numbers.
    When every value is text, each distinct text is checked once.
    """
    out = np.full(len(values), NO_DAY, dtype=np.int64)
    kinds = set(map(type, values))
    if kinds <= _ABSENT_TYPES:
        return np.zeros(len(values), dtype=np.int64), np.full(1, NO_DAY, dtype=np.int64)
    if kinds == {str}:  # the usual: a population's dates repeat, and equal texts are the same date
        codes, distinct = numbered(values)
        refused = _refused(validator, distinct)
        days = np.full(len(distinct), NO_DAY, dtype=np.int64)
        if refused:
            bad |= np.isin(codes, refused)
            keep = np.ones(len(distinct), dtype=np.bool_)
            keep[refused] = False
            chosen = [distinct[i] for i in np.flatnonzero(keep).tolist()]
            days[keep] = [day.toordinal() for day in validator.validate_python(chosen)]
        else:
            days[:] = [day.toordinal() for day in validator.validate_python(distinct)]
        return codes, days
    given = [i for i, value in enumerate(values) if value is not None and value is not MISSING]
    chosen = [values[i] for i in given]
    refused = _refused(validator, chosen)
    if refused:
        bad[[given[i] for i in refused]] = True
        for i in refused:
            chosen[i] = _A_DAY
    out[given] = [day.toordinal() for day in validator.validate_python(chosen)]
    if refused:
        out[[given[i] for i in refused]] = NO_DAY
    distinct_days, day_codes = np.unique(out, return_inverse=True)
    return day_codes.reshape(-1).astype(np.int64), distinct_days


def _missing(values: Sequence[Any]) -> npt.NDArray[np.bool_]:
    """Where ``values`` has `MISSING`."""
    return np.fromiter(map(is_, values, repeat(MISSING)), dtype=np.bool_, count=len(values))


def _absent(values: Sequence[Any]) -> npt.NDArray[np.bool_]:
    """Where ``values`` has nothing: ``None`` or `MISSING`."""
    kinds = set(map(type, values))
    if kinds <= _ABSENT_TYPES:  # all absent (or none given)
        return np.ones(len(values), dtype=np.bool_)
    if not kinds & _ABSENT_TYPES:  # none absent
        return np.zeros(len(values), dtype=np.bool_)
    return np.fromiter(map(_ABSENT_TYPES.__contains__, map(type, values)), dtype=np.bool_, count=len(values))


def check_table(table: RecordTable, rows: Sequence[int], schemas: TableSchemas) -> CheckedColumns:
    """Check records ``rows`` of ``table`` column by column under one vocabulary's schemas (`table_schemas`).

    Only what every value of a column passes is vouched for; a record is valid when all its values are, it
    gives none of the fields checked in Python only, its activities are within `MAX_ACTIVITIES` with ids of
    their own, and it has no other field. The values are those `valid_record` would read.
    """
    chosen = np.asarray(rows, dtype=np.int64)
    owner_all = np.asarray(table.owner, dtype=np.int64)
    in_rows = np.zeros(len(table), dtype=np.bool_)
    in_rows[chosen] = True
    places = np.flatnonzero(in_rows[owner_all]) if len(owner_all) else np.zeros(0, dtype=np.int64)
    owner = owner_all[places]
    bad_row = np.zeros(len(table), dtype=np.bool_)
    bad_row[list(table.extra)] = True
    _check_people(table, chosen.tolist(), schemas, bad_row)
    bad = np.zeros(len(places), dtype=np.bool_)
    ids, hours, date_codes, kinds, id_numbers = _check_activities(table, places.tolist(), schemas, bad)
    dates = {name: distinct[codes] for name, (codes, distinct) in date_codes.items()}
    bad_row[owner[bad]] = True
    counts = np.bincount(owner, minlength=len(table)) if len(owner) else np.zeros(len(table), dtype=np.int64)
    bad_row[counts > MAX_ACTIVITIES] = True
    _ids_twice(owner, ids, bad_row, id_numbers)
    return CheckedColumns(chosen, ~bad_row[chosen], places, np.where(bad, 0, hours), dates, kinds, date_codes)


def _check_people(table: RecordTable, rows: list[int], schemas: TableSchemas, bad_row: npt.NDArray[np.bool_]) -> None:
    """The persons' fields and the years of records ``rows``: refused, or left out where required."""
    chosen = np.asarray(rows, dtype=np.int64)
    for name, (validator, optional) in schemas.person.items():
        column = table.people.get(name)
        if column is None:  # no record gives it
            if not optional:
                bad_row[chosen] = True
            continue
        values = take(column, rows, len(table))
        missing = _missing(values)
        if name in _IN_PYTHON_ONLY:
            bad_row[chosen[~_absent(values)]] = True
            continue
        if not optional:
            bad_row[chosen[missing]] = True
        present = np.flatnonzero(~missing).tolist()
        given = values if len(present) == len(values) else [values[i] for i in present]
        for i in _refused(validator, given):
            bad_row[rows[present[i]]] = True
        if name == "degree_level":  # a degree the vocabulary knows (`person_problems`)
            bad_row[
                [
                    rows[i]
                    for i, v in zip(present, given, strict=True)
                    if v.__class__ is str and v not in schemas.degrees
                ]
            ] = True
    for i in _refused(schemas.year, take(table.year, rows, len(table))):
        bad_row[rows[i]] = True
    if table.labels is not None:  # checked as the record's schema checks them (they decide nothing)
        labels = take(table.labels, rows, len(table))
        present = np.flatnonzero(~_missing(labels)).tolist()
        for i in _refused(schemas.labels, [labels[i] for i in present]):
            bad_row[rows[present[i]]] = True
    for name, column in table.people.items():  # a field no person has: refused where given
        if name not in schemas.person:
            bad_row[chosen[~_missing(take(column, rows, len(table)))]] = True


def _check_activities(
    table: RecordTable, places: list[int], schemas: TableSchemas, bad: npt.NDArray[np.bool_]
) -> tuple[list[Any], Any, dict[str, Any], Numbered, Numbered | None]:
    """The activities ``places``: each column checked, hours in hundredths, dates, kinds (and ids) numbered."""
    size = len(table.owner)
    taken = {name: take(column, places, size) for name, column in table.activities.items()}
    for name, values in taken.items():
        if name not in _ACTIVITY_FIELDS:  # a field no activity has: refused where given
            bad[[i for i, v in enumerate(values) if v is not MISSING]] = True
    columns = {name: taken.get(name) or [MISSING] * len(places) for name in _BASE}
    for name in ("on_platform", "passed"):
        bad[_refused(schemas.activity[name], columns[name])] = True
    ids = columns["id"]
    id_numbers = numbered(ids) if set(map(type, ids)) == {str} else None  # the usual: every id text
    bad |= _refused_numbered(schemas.activity["id"], ids, id_numbers)
    hours = columns["hours"]
    given_types = set(map(type, hours))
    numbers = hour_numbers(hours, given_types)
    within = np.isfinite(numbers) & (numbers >= 0) & (numbers <= _MOST_HOURS)
    if len(given_types) != 1 or not given_types <= NUMBER_TYPES or not within.all():
        bad[_refused(schemas.activity["hours"], hours)] = True  # else: one type of number, within the bounds
    numbers[~within] = 0  # refused by the schema (and kept from overflowing in hundredths)
    centi = np.rint(numbers * 100)
    bad |= centi / 100 != numbers  # more than two places: the schema's decimal refuses it
    for i in [i for i, value in enumerate(hours) if value.__class__ is Decimal] if Decimal in given_types else ():
        exact = decimal_hours(hours[i])  # read exactly (JSON Lines): checked as `parse_hours` checks it
        if exact is None:
            bad[i] = True
        else:
            centi[i] = int(exact * 100)
    bad |= _absent(columns["completed_on"])
    dates = {
        name: _dates(schemas.activity["completed_on"], taken.get(name) or [None] * len(places), bad)
        for name in ("completed_on", "granted_on")
    }
    attributes = taken.get("attributes")
    if attributes is not None:
        bad |= ~_absent(attributes)
    kinds = _check_ways(schemas, taken, columns["kind"], bad)
    return ids, centi.astype(np.int64), dates, kinds, id_numbers


def _ids_twice(
    owner: npt.NDArray[np.int64], ids: list[Any], bad_row: npt.NDArray[np.bool_], numbers: Numbered | None
) -> None:
    """Marks each record that gives an activity id twice (`Record`'s own check); ``numbers``: text ids numbered."""
    if numbers is not None:  # the usual: (record, number) pairs sorted, a pair twice is an id twice
        codes, distinct = numbers
        pairs = owner * len(distinct) + codes
        pairs.sort()
        bad_row[pairs[1:][pairs[1:] == pairs[:-1]] // max(len(distinct), 1)] = True
        return
    seen: set[tuple[int, Any]] = set()
    for i, (row, given) in enumerate(zip(owner.tolist(), ids, strict=True)):
        key = (row, given if given.__class__ is str else i)  # an id that is not text (refused): counted apart
        if key in seen:
            bad_row[row] = True
        seen.add(key)


def _check_ways(
    schemas: TableSchemas,
    columns: Mapping[str, list[Any]],
    kinds: list[Any],
    bad: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Each kind's way fields: required ones given and allowed, optional ones null or allowed, others null.

    Gives each activity's kind numbered (`numbered`; ``None`` for a kind that is not text).
    """
    text = set(map(type, kinds)) == {str}
    named = kinds if text else [kind if kind.__class__ is str else None for kind in kinds]
    codes, distinct = numbered(named)
    bad |= _refused_numbered(schemas.activity["kind"], kinds, (codes, distinct) if text else None)
    index = {kind: i for i, kind in enumerate(distinct)}
    absent: dict[str, npt.NDArray[np.bool_]] = {}
    for kind, code in index.items():
        members = np.flatnonzero(codes == code)
        ways = schemas.by_kind.get(kind) if kind is not None else None
        if ways is None:
            bad[members] = True  # refused as a kind already
            continue
        for name, (validator, required) in ways.items():
            column = columns.get(name)
            if column is None:  # no activity gives it
                if required:
                    bad[members] = True
                continue
            if name not in absent:
                absent[name] = _absent(column)
            given = members[~absent[name][members]]
            if required:
                bad[members[absent[name][members]]] = True
            if validator is None or name == "credits":  # not carried (or credits: decided from the JSON)
                bad[given] = True
                continue
            present = given.tolist()
            for j in _refused(validator, take(column, present, len(kinds))):
                bad[present[j]] = True
    return codes, distinct
