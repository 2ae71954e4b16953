"""The population path on records given as columns (`RecordTable`): checked and keyed without a dict per activity.

The same path as ``bulk`` (read its docstring): each activity looked up by its two situations, each year by
its totals against the floors (Aksu 2025 §一, §二), from the tables filled by records `evaluate` decided.
Here the records are checked column by column (`check_table`), and the facts' fields are columns made from
the table's (dates as numbers with numpy). A record the columns do not vouch for, or whose situations are not
in the tables, is decided from its JSON (`RecordTable.record`) exactly as ``bulk`` decides a record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

import numpy as np

from ce_policy.decide.activity_result import ActivityResult
from ce_policy.decide.bulk import _Chunk, population_options
from ce_policy.decide.bulk_columns import PopulationColumns, Row, build_columns, gather_activities, sum_hours
from ce_policy.decide.bulk_keys import bulk_policy, by_situations, tables_of
from ce_policy.decide.engines import decision_date, engine_for, memo_of
from ce_policy.decide.facts import DATE_WINDOWS, person_fields_of
from ce_policy.engine.compiler import AS_OF_SUFFIX
from ce_policy.engine.memo import ABSENT, FiringMemo
from ce_policy.model.errors import CePolicyError
from ce_policy.model.fast_record import RecordFields, table_schemas
from ce_policy.model.record_table import (
    MISSING,
    NO_DAY,
    CheckedColumns,
    RecordTable,
    check_table,
    date_numbers,
    take,
)
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry
from ce_policy.policy.vocabulary import OPTIONAL_CHOICE_FIELDS

__all__ = ["evaluate_table"]

_DEFAULT_CHUNK = 2000


class _Records(Sequence[Any]):
    """Each row's JSON data, made from the table when asked for (`PopulationColumns.decision`)."""

    def __init__(self, table: RecordTable) -> None:
        self.table = table

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, row: Any) -> Any:
        return self.table.record(row)


class _Columns:
    """The activity facts' fields of a group's valid records, as columns made from the table's (`ActivityColumns`)."""

    def __init__(
        self,
        table: RecordTable,
        checked: CheckedColumns,
        chosen: Any,
        owners: list[Row],
        places: list[int],
        policy: Policy,
    ) -> None:
        self.table, self.checked, self.chosen, self.owners, self.places = table, checked, chosen, owners, places
        self.policy = policy
        self.attributes = frozenset(policy.vocabulary.attributes)
        self.count = len(owners)
        self._columns: dict[str, list[Any]] = {}
        self._indices = checked.places[chosen].tolist()

    def column(self, name: str) -> list[Any]:
        """The field ``name`` of every activity's fact."""
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = self._build(name)
        return found

    def _own(self, name: str) -> list[Any]:
        return take(self.table.activities.get(name), self._indices, -1)

    def _build(self, name: str) -> list[Any]:
        if name in self.attributes:
            return [""] * self.count  # no valid record gives attributes
        if name == "credits":
            return [ABSENT] * self.count  # nor credits
        if name in OPTIONAL_CHOICE_FIELDS:
            if name not in self.table.activities:
                return [""] * self.count
            return ["" if value is MISSING or not value else value for value in self._own(name)]
        for field_name, window in DATE_WINDOWS:
            if name not in (field_name, field_name + AS_OF_SUFFIX, window):
                continue
            days = self.checked.dates[field_name][self.chosen]
            absent = (days == NO_DAY).tolist()
            if name == field_name:
                numbers = date_numbers(days).tolist()
                return [ABSENT if a else n for a, n in zip(absent, numbers, strict=True)]
            if name == field_name + AS_OF_SUFFIX:
                as_of = np.asarray([row.day.toordinal() for row in self.owners], dtype=np.int64)  # type: ignore[union-attr]
                numbers = (days - as_of).tolist()
                return [ABSENT if a else n for a, n in zip(absent, numbers, strict=True)]
            windows: dict[tuple[int, int], str] = {}
            out = []
            for day, row in zip(days.tolist(), self.owners, strict=True):
                if day == NO_DAY:
                    out.append("")
                    continue
                assert row.fields is not None  # noqa: S101 - checked
                key = (row.fields.year, day)
                if key not in windows:
                    windows[key] = self.policy.calendar(row.fields.year).window_of(dt.date.fromordinal(day))
                out.append(windows[key])
            return out
        if name == "hours":
            return self.checked.centi[self.chosen].tolist()  # type: ignore[no-any-return]
        if name in ("kind", "on_platform", "passed"):
            return self._own(name)
        if name in ("id", "idx"):
            return list(self.places) if name == "idx" else [f"a{i}" for i in self.places]
        return [row.common.get(name, ABSENT) for row in self.owners]


def _policy_of(
    table: RecordTable, row: int, options: dict[str, Any], registry: PolicyRegistry, found: dict[Any, Any]
) -> Policy | None:
    """The policy of record ``row`` told from its person and year (as `evaluate`'s fast path tells it)."""
    given = options["policy"]
    if isinstance(given, Policy):
        return given
    try:
        if given is not None:
            if given not in found:
                found[given] = registry.policy(given)
            chosen: Policy = found[given]
            return chosen
        year = table.year[row]
        region = table.people["region"][row] if "region" in table.people else MISSING
        sector = table.people["sector"][row] if "sector" in table.people else MISSING
        region = None if region is MISSING else region
        sector = "general" if sector is MISSING else sector
        if year.__class__ is not int or not (region is None or region.__class__ is str) or sector.__class__ is not str:
            return None
        key = (region, year, sector)
        if key not in found:
            found[key] = registry.resolve(region, year, sector)
        policy: Policy = found[key]
    except CePolicyError:
        return None
    return policy


def _decide(table: RecordTable, start: int, options: dict[str, Any]) -> PopulationColumns:
    """One chunk of the table: checked and looked up by columns where it can be, the rest as ``bulk`` does."""
    registry = options["registry"] or default_registry()
    chunk = _Chunk(options, registry)
    rows = [Row(None) for _ in range(len(table))]
    groups: dict[int, tuple[Policy, list[int]]] = {}
    found: dict[Any, Any] = {}
    for r in range(len(table)):
        policy = (
            None if chunk.everything_evaluated or r in table.extra else _policy_of(table, r, options, registry, found)
        )
        if policy is not None and policy.evaluable:
            groups.setdefault(id(policy), (policy, []))[1].append(r)
    for policy, members in groups.values():
        _look_up(table, rows, policy, members, options["as_of"], registry.default_region or "")
    actual, projected = sum_hours(gather_activities(rows), len(rows))
    chunk.by_years(rows, actual, projected)
    for r, row in enumerate(rows):
        if not row.bulk:
            row.raw, row.fields, row.activity_ids, row.memo = table.record(r), None, None, None
            chunk.prepare(row)
            if row.error is None:
                chunk.evaluate(row)
    return build_columns(rows, range(start, start + len(rows)), options, _Records(table))


def _look_up(
    table: RecordTable, rows: list[Row], policy: Policy, members: list[int], as_of: dt.date | None, region: str
) -> None:
    """The records ``members`` of one policy: checked by columns, their activities looked up by situation."""
    schemas = table_schemas(policy.vocabulary)
    if schemas is None:
        return
    checked = check_table(table, members, schemas)
    valid_rows = checked.rows[checked.valid].tolist()
    for memo, candidates in _prepare(table, rows, policy, valid_rows, as_of, region).values():
        _by_memo(table, rows, policy, checked, memo, candidates)


def _prepare(
    table: RecordTable, rows: list[Row], policy: Policy, valid: list[int], as_of: dt.date | None, region: str
) -> dict[int, tuple[FiringMemo[ActivityResult], list[int]]]:
    """Each valid record's decision date, engine and person fields; those the bulk path takes, by memo."""
    days: dict[int, dt.date] = {}
    commons: dict[tuple[Any, ...], dict[str, Any]] = {}
    people = table.people
    ids, titles = people["id"], people["title_level"]
    sectors, regions, degrees = people.get("sector"), people.get("region"), people.get("degree_level")
    by_memo: dict[int, tuple[FiringMemo[ActivityResult], list[int]]] = {}
    for r in valid:
        year = table.year[r]
        try:
            day = days.get(year) or days.setdefault(year, decision_date(policy, year, as_of))
        except CePolicyError:
            continue
        engine = engine_for(policy, day)
        memo = memo_of(engine)
        if memo is None or engine.compiled.shares or not bulk_policy(policy, memo):
            continue
        sector = "general" if sectors is None or sectors[r] is MISSING else sectors[r]
        given = None if regions is None or regions[r] is MISSING else regions[r]
        degree = None if degrees is None or degrees[r] is MISSING else degrees[r]
        shared = (year, given or region, titles[r], sector, degree)
        common = commons.get(shared)
        if common is None:
            person = {"title_level": titles[r], "sector": sector, "degree_level": degree, "attributes": None}
            common = commons[shared] = person_fields_of(person, year, given or region, policy.attributes)
        row = rows[r]
        row.day, row.policy, row.common, row.memo = day, policy, common, memo
        row.fields = RecordFields({"id": ids[r]}, year, ())
        by_memo.setdefault(id(memo), (memo, []))[1].append(r)
    return by_memo


def _by_memo(
    table: RecordTable,
    rows: list[Row],
    policy: Policy,
    checked: CheckedColumns,
    memo: FiringMemo[ActivityResult],
    candidates: list[int],
) -> None:
    """The activities of records ``candidates`` (one engine) looked up by situation; those all found: bulk."""
    owner = np.asarray(table.owner, dtype=np.int64)[checked.places]
    chosen_rows = np.zeros(len(table), dtype=np.bool_)
    chosen_rows[candidates] = True
    chosen = np.flatnonzero(chosen_rows[owner])
    owners_of = owner[chosen].tolist()
    starts = np.searchsorted(owner, owner[chosen]) if len(chosen) else np.zeros(0, dtype=np.int64)
    places = (checked.places[chosen] - checked.places[starts]).tolist() if len(chosen) else []
    columns = _Columns(table, checked, chosen, [rows[r] for r in owners_of], places, policy)
    looked = iter(by_situations(memo, tables_of(memo), columns))
    activity_ids = iter(take(table.activities["id"], checked.places[chosen].tolist(), -1))
    counts = np.bincount(owners_of, minlength=len(table)).tolist() if owners_of else [0] * len(table)
    for r in candidates:
        outcomes = list(islice(looked, counts[r]))
        ids_of = list(islice(activity_ids, counts[r]))
        if None not in outcomes:
            row = rows[r]
            row.outcomes, row.activity_ids, row.bulk = outcomes, ids_of, True


def evaluate_table(
    table: RecordTable,
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
    to_complete: bool = False,
    cache: bool = True,
    chunk_size: int = _DEFAULT_CHUNK,
) -> Iterator[PopulationColumns]:
    """`evaluate_population` on records given as columns: the same rows, the records checked column by column.

    Args:
        table: the records (`RecordTable`; ``RecordTable.from_records`` makes one from JSON records).
        policy: as for `evaluate`.
        as_of: as for `evaluate`.
        registry: as for `evaluate`.
        to_complete: as for `evaluate_population`.
        cache: as for `evaluate`; ``False`` decides every record by `evaluate`.
        chunk_size: records decided together.

    Yields:
        One `PopulationColumns` per chunk, in input order.

    Raises:
        ValueError: ``chunk_size`` is below 1.
    """
    options = population_options(policy, as_of, registry, to_complete, cache, chunk_size)
    for start in range(0, len(table), chunk_size):
        part = table.rows(start, min(start + chunk_size, len(table)))
        yield _decide(part, start, options)
