"""The population path on records given as columns (`RecordTable`): checked and keyed without a dict per activity.

The same path as ``bulk`` (read its docstring): each activity looked up by its two situations, each year by
its totals against the floors (Aksu 2025 §一, §二), from the tables filled by records `evaluate` decided.
Here the records are checked column by column (`check_table`) and decided by arrays (``bulk_lane``), none one
by one. A record the columns do not vouch for, or whose situations are not in the tables, is decided from its
JSON (`RecordTable.record`) by `evaluate`, exactly as ``bulk`` decides such a record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ce_policy.decide.bulk_chunk import Chunk, population_options
from ce_policy.decide.bulk_columns import PopulationColumns, Row, build_columns, concat_columns
from ce_policy.decide.bulk_lane import decide_lane
from ce_policy.model.errors import CePolicyError
from ce_policy.model.fast_record import table_schemas
from ce_policy.model.record_table import MISSING, RecordTable, check_table, take
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry

__all__ = ["decide_records", "evaluate_table"]

_DEFAULT_CHUNK = 2000


class _Records(Sequence[Any]):
    """Each row's JSON data, made from the table when asked for (`PopulationColumns.decision`)."""

    def __init__(self, table: RecordTable) -> None:
        self.table = table

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, row: Any) -> Any:
        return self.table.record(row)


def _policies(
    table: RecordTable, options: dict[str, Any], registry: PolicyRegistry
) -> dict[int, tuple[Policy, list[int]]]:
    """The records of each policy, told from their person and year (as `evaluate`'s fast path tells it).

    Each distinct (region, year, sector) is resolved once; records kept apart (``extra``) or with no evaluable
    policy are in none.
    """
    given = options["policy"]
    rows = [r for r in range(len(table)) if r not in table.extra]
    if given is not None:  # a policy, or its id
        keys: list[Any] = [given] * len(rows)
    else:
        years = take(table.year, rows, len(table))
        regions = take(table.people.get("region"), rows, len(table))
        sectors = take(table.people.get("sector"), rows, len(table))
        keys = [  # None: a value no policy is told from (refused when the record is decided alone)
            (year, region, sector) if year.__class__ is int and _text(region) and _text(sector) else None
            for year, region, sector in zip(years, regions, sectors, strict=True)
        ]
    found = {key: _policy_of(key, registry) for key in dict.fromkeys(keys)}
    groups: dict[int, tuple[Policy, list[int]]] = {}
    for r, key in zip(rows, keys, strict=True):
        policy = found[key]
        if policy is not None:
            groups.setdefault(id(policy), (policy, []))[1].append(r)
    return groups


def _text(value: Any) -> bool:
    return value is MISSING or value.__class__ is str


def _policy_of(key: Any, registry: PolicyRegistry) -> Policy | None:
    """The evaluable policy named, or of a (year, region, sector); ``None`` where none is found."""
    try:
        if isinstance(key, Policy):
            policy = key
        elif isinstance(key, str):
            policy = registry.policy(key)
        elif key is None:
            return None
        else:
            year, region, sector = key
            region = None if region is MISSING else region
            policy = registry.resolve(region, year, "general" if sector is MISSING else sector)
    except CePolicyError:
        return None
    return policy if policy.evaluable else None


def _decide(table: RecordTable, start: int, options: dict[str, Any]) -> PopulationColumns:
    """One chunk of the table: checked and decided by arrays where it can be (``bulk_lane``), the rest by `evaluate`."""
    registry = options["registry"] or default_registry()
    chunk = Chunk(options, registry)
    groups = {} if chunk.everything_evaluated else _policies(table, options, registry)
    parts: list[tuple[Any, PopulationColumns]] = []
    never: set[int] = set()  # rows whose deciding teaches the tables nothing
    decided = np.zeros(len(table), dtype=np.bool_)
    region = registry.default_region or ""
    for policy, members in groups.values():
        schemas = table_schemas(policy.vocabulary)
        if schemas is None:
            continue
        found = decide_lane(table, check_table(table, members, schemas), policy, options, region)
        never.update(found.never)
        if found.probes:  # taught the situations the tables miss, the records they held back are tried again
            for probe in found.probes:
                chunk.decide(Row(probe))
            again = decide_lane(table, check_table(table, found.retry, schemas), policy, options, region)
            found.lanes += again.lanes
            never.update(again.never)
        for lane in found.lanes:
            decided[lane.rows] = True
            parts.append((lane.rows, lane.columns))
    rest = np.flatnonzero(~decided).tolist()
    rows = [Row(table.record(r)) for r in rest]
    for r, row in zip(rest, rows, strict=True):
        chunk.decide(row, learn=r not in never)
    if rows:
        parts.append((rest, build_columns(rows, rest, options)))
    return concat_columns(parts, start, options, _Records(table))


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


def decide_records(records: Sequence[Any], start: int, options: dict[str, Any]) -> PopulationColumns:
    """One chunk of JSON records (or `Record` objects), read into columns and decided as `evaluate_table` does."""
    return _decide(RecordTable.from_records(records), start, options)
