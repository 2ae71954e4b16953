"""The columns of the population path (``bulk``): one row per record, one per activity, hours in hundredths.

Hours are summed per person and category with numpy over a whole chunk (whole hundredths, exact); the year of
a record decided by situation comes from the tables of ``bulk``, that of a record decided by `evaluate` from its
`Decision` (Aksu 2025 §一: the public, professional and total floors; §二: the hours of each way).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from ce_policy.decide.activity_result import ActivityResult
from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.many import BatchError
from ce_policy.decide.sink import UNLOGGED
from ce_policy.engine.memo import FiringMemo
from ce_policy.model.decision import Decision
from ce_policy.model.fast_record import RecordFields
from ce_policy.model.hours import to_centi
from ce_policy.model.record import Record
from ce_policy.policy.loaded import Policy
from ce_policy.policy.vocabulary import CATEGORIES

__all__ = [
    "SUMMED",
    "PopulationColumns",
    "Row",
    "build_columns",
    "concat_columns",
    "gather_activities",
    "sum_hours",
]

SUMMED = (*CATEGORIES, "total")
"""The hour totals a decision reports."""


IntColumn = npt.NDArray[np.int64]
BoolColumn = npt.NDArray[np.bool_]


@dataclass
class PopulationColumns:
    """The results of one chunk of records, as columns (one row per record, in input order).

    Hours are whole hundredths of an hour (``int64``). Rows with an error have ``error`` set and zeros
    elsewhere. The activity columns (``activity_*``) have one row per activity of the decided records, with
    ``activity_row`` the row of its record.

    Attributes:
        index: each record's position in the input.
        decided_by: ``"bulk"`` (looked up by situation) or ``"evaluate"`` (decided by `evaluate`); ``""`` on error.
    """

    index: list[int]
    person: list[str]
    year: list[int]
    as_of: list[dt.date | None]
    policy: list[str]
    policy_version: list[str]
    error: list[BatchError | None]
    decided_by: list[str]
    compliant: BoolColumn
    hours: dict[str, IntColumn]
    required: dict[str, IntColumn]
    shortfall: dict[str, IntColumn]
    projected_compliant: BoolColumn
    consequences: list[tuple[str, ...]]
    activity_row: IntColumn
    activity_id: list[str]
    activity_counted: BoolColumn
    activity_category: list[str | None]
    activity_hours: IntColumn
    activity_registration: list[str | None]
    activity_route: list[tuple[tuple[str, str], ...]]
    activity_reasons: list[tuple[str, ...]]
    decisions: dict[int, Decision] = field(repr=False, default_factory=dict)
    """The `Decision` of each row decided by `evaluate`, by row."""
    _records: Sequence[Any] = field(repr=False, default_factory=list)
    _options: dict[str, Any] = field(repr=False, default_factory=dict)

    def __len__(self) -> int:
        """The number of records (rows)."""
        return len(self.index)

    def decision(self, row: int) -> Decision:
        """The full `Decision` of ``row`` (trace and provisional values included), made by `evaluate`.

        Raises:
            CePolicyError: the row's record cannot be decided (its ``error``).
        """
        made = self.decisions.get(row)
        return made if made is not None else evaluate(self._records[row], log=UNLOGGED, **self._options)

    def row(self, row: int) -> dict[str, Any]:
        """Row ``row`` as plain data: what the decision says of the year and of each activity (hours as decimals)."""
        activities = [
            {
                "id": self.activity_id[i],
                "counted": bool(self.activity_counted[i]),
                "category": self.activity_category[i],
                "hours": Decimal(int(self.activity_hours[i])) / 100,
                "registration": self.activity_registration[i],
                "route": self.activity_route[i],
                "reasons": self.activity_reasons[i],
            }
            for i in np.flatnonzero(self.activity_row == row)
        ]
        return {
            "person": self.person[row],
            "year": self.year[row],
            "as_of": self.as_of[row],
            "compliant": bool(self.compliant[row]),
            "hours": {c: Decimal(int(self.hours[c][row])) / 100 for c in SUMMED},
            "required": {c: Decimal(int(self.required[c][row])) / 100 for c in SUMMED},
            "shortfall": {c: Decimal(int(self.shortfall[c][row])) / 100 for c in SUMMED},
            "projected_compliant": bool(self.projected_compliant[row]),
            "consequences": self.consequences[row],
            "activities": activities,
        }


@dataclass
class Row:
    """One record while its chunk is decided."""

    raw: Any
    record: Record | None = None  # when checked in Python (`parse_model`): `fields` are its fields
    fields: RecordFields | None = None
    activity_ids: list[str] | None = None  # when read from a table: the activities' ids (``fields`` has none)
    policy: Policy | None = None
    day: dt.date | None = None
    error: BatchError | None = None
    decision: Decision | None = None
    common: dict[str, Any] = field(default_factory=dict)
    outcomes: list[Any] = field(default_factory=list)  # per activity: (standard centi, outcome)
    bulk: bool = False
    memo: FiringMemo[ActivityResult] | None = None
    year: Any = None
    consequences: tuple[str, ...] = ()


@dataclass
class _Activities:
    """The activities of a chunk's decided records, one entry each (the columns before numpy)."""

    owner: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    hours: list[int] = field(default_factory=list)
    counted: list[bool] = field(default_factory=list)
    projected: list[bool] = field(default_factory=list)
    category: list[str | None] = field(default_factory=list)
    registration: list[str | None] = field(default_factory=list)
    route: list[tuple[tuple[str, str], ...]] = field(default_factory=list)
    reasons: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, row: int, ids: list[str], hours: Sequence[int], outcomes: Sequence[tuple[Any, ...]]) -> None:
        """The activities of record ``row``: their ids, standard hours and outcomes (as `_outcome` gives them)."""
        if not ids:
            return
        self.owner += [row] * len(ids)
        self.ids += ids
        self.hours += hours
        category, registration, route, reasons, counted, projected = zip(*outcomes, strict=True)
        self.category += category
        self.registration += registration
        self.route += route
        self.reasons += reasons
        self.counted += counted
        self.projected += projected


def gather_activities(rows: Sequence[Row]) -> _Activities:
    """The activities of the chunk's decided records: from the decision, or as looked up by situation."""
    found = _Activities()
    for r, row in enumerate(rows):
        if row.decision is not None:
            made = row.decision.activities
            outcomes = [
                (
                    a.category,
                    a.registration,
                    tuple((step.actor, step.action) for step in a.route),
                    tuple(a.reasons),
                    a.counted,
                    False,
                )
                for a in made
            ]
            found.add(r, [a.id for a in made], [to_centi(a.hours) for a in made], outcomes)
        elif row.bulk and row.fields is not None and row.outcomes:
            standards, looked_up = zip(*row.outcomes, strict=True)
            ids = row.activity_ids if row.activity_ids is not None else [a["id"] for a in row.fields.activities]
            found.add(r, ids, standards, looked_up)
    return found


def sum_hours(found: _Activities, n: int) -> tuple[dict[str, IntColumn], dict[str, IntColumn]]:
    """Each record's counted hours by category, now and as projected, summed with numpy (whole hundredths)."""
    owners = np.asarray(found.owner, dtype=np.int64)
    standard = np.asarray(found.hours, dtype=np.int64)
    counts = np.asarray(found.counted, dtype=np.bool_)
    projects = np.asarray(found.projected, dtype=np.bool_)
    kinds = np.asarray([c if c is not None else "" for c in found.category], dtype=object)
    result = []
    for mask in (counts, projects):
        sums: dict[str, IntColumn] = {}
        for c in CATEGORIES:
            chosen = mask & (kinds == c) if len(kinds) else mask
            # Exact: bincount adds float64, and any sum of hundredths below 2**53 is a whole number there.
            sums[c] = np.rint(np.bincount(owners[chosen], weights=standard[chosen], minlength=n)).astype(np.int64)
        sums["total"] = sum((sums[c] for c in CATEGORIES), np.zeros(n, dtype=np.int64))
        result.append(sums)
    return result[0], result[1]


def build_columns(
    rows: Sequence[Row], start: Sequence[int], options: dict[str, Any], records: Sequence[Any] | None = None
) -> PopulationColumns:
    """The chunk's columns: hours summed with numpy, the year from the tables or from the decision.

    ``records``: each row's JSON data, for `PopulationColumns.decision` (default: the rows' own).
    """
    n = len(rows)
    found = gather_activities(rows)
    totals, _ = sum_hours(found, n)
    bulk = [row.bulk and row.decision is None for row in rows]
    counts = np.asarray(found.counted, dtype=np.bool_)
    standard = np.asarray(found.hours, dtype=np.int64)
    compliant = np.zeros(n, dtype=np.bool_)
    projected_ok = np.zeros(n, dtype=np.bool_)
    required = {c: np.zeros(n, dtype=np.int64) for c in SUMMED}
    floors = {c: np.zeros(n, dtype=np.int64) for c in SUMMED}
    short = {c: np.zeros(n, dtype=np.bool_) for c in SUMMED}
    consequences: list[tuple[str, ...]] = [()] * n
    decided_by = [""] * n
    for r, row in enumerate(rows):
        if row.error is not None:
            continue
        if bulk[r]:
            decided_by[r] = "bulk"
            assert row.year is not None  # noqa: S101 - looked up by situation
            ok, year_floors, year_required, projected_compliant = row.year
            compliant[r], projected_ok[r] = ok, projected_compliant
            for c, value in year_floors:
                floors[c][r], short[c][r] = value, True
            for c, value in zip(SUMMED, year_required, strict=True):
                required[c][r] = value
            consequences[r] = row.consequences
            continue
        decision = row.decision
        assert decision is not None  # noqa: S101 - decided by evaluate
        decided_by[r] = "evaluate"
        compliant[r], projected_ok[r] = decision.compliant, decision.projected.compliant
        consequences[r] = tuple(decision.consequences)
        for c in SUMMED:
            totals[c][r] = to_centi(getattr(decision.hours, c))
            required[c][r] = to_centi(getattr(decision.required, c))
            if getattr(decision.shortfall, c):
                floors[c][r] = totals[c][r] + to_centi(getattr(decision.shortfall, c))
                short[c][r] = True
    shortfall = {c: np.where(short[c], floors[c] - totals[c], 0).astype(np.int64) for c in SUMMED}
    return PopulationColumns(
        index=list(start),
        person=[row.fields.person["id"] if row.fields is not None else "" for row in rows],
        year=[row.fields.year if row.fields is not None else 0 for row in rows],
        as_of=[row.day for row in rows],
        policy=[row.policy.id if row.policy is not None else "" for row in rows],
        policy_version=[row.policy.version if row.policy is not None else "" for row in rows],
        error=[row.error for row in rows],
        decided_by=decided_by,
        compliant=compliant,
        hours=totals,
        required=required,
        shortfall=shortfall,
        projected_compliant=projected_ok,
        consequences=consequences,
        activity_row=np.asarray(found.owner, dtype=np.int64),
        activity_id=found.ids,
        activity_counted=counts,
        activity_category=found.category,
        activity_hours=np.where(counts, standard, 0).astype(np.int64),
        activity_registration=found.registration,
        activity_route=found.route,
        activity_reasons=found.reasons,
        decisions={r: row.decision for r, row in enumerate(rows) if row.decision is not None},
        _records=[row.raw for row in rows] if records is None else records,
        _options=options,
    )


_ROW_LISTS = ("person", "year", "as_of", "policy", "policy_version", "error", "decided_by", "consequences")
_ROW_ARRAYS = ("compliant", "projected_compliant")
_ACTIVITY_LISTS = ("activity_id", "activity_category", "activity_registration", "activity_route", "activity_reasons")
_ACTIVITY_ARRAYS = ("activity_counted", "activity_hours")


def concat_columns(
    parts: Sequence[tuple[Sequence[int], PopulationColumns]],
    start: int,
    options: dict[str, Any],
    records: Sequence[Any],
) -> PopulationColumns:
    """One chunk's columns from parts that each decided some of its rows (``rows``: chunk rows, ascending).

    Every row of the chunk is in exactly one part; the result has them in order (``index`` from ``start``),
    each record's activities in their order.
    """
    if len(parts) == 1 and list(parts[0][0]) == list(range(len(parts[0][1]))):  # one part, every row in order
        only = parts[0][1]
        only.index, only._records, only._options = list(range(start, start + len(only))), records, options
        return only
    rows = np.concatenate([np.asarray(part_rows, dtype=np.int64) for part_rows, _ in parts])
    order = np.argsort(rows, kind="stable").tolist()
    whole: dict[str, Any] = {}
    for name in _ROW_LISTS:
        joined = [value for _, part in parts for value in getattr(part, name)]
        whole[name] = [joined[i] for i in order]
    for name in _ROW_ARRAYS:
        whole[name] = np.concatenate([getattr(part, name) for _, part in parts])[order]
    for name in ("hours", "required", "shortfall"):
        whole[name] = {c: np.concatenate([getattr(part, name)[c] for _, part in parts])[order] for c in SUMMED}
    owners = np.concatenate([np.asarray(part_rows, dtype=np.int64)[part.activity_row] for part_rows, part in parts])
    by_row = np.argsort(owners, kind="stable")
    by_row_list = by_row.tolist()
    for name in _ACTIVITY_LISTS:
        joined = [value for _, part in parts for value in getattr(part, name)]
        whole[name] = [joined[i] for i in by_row_list]
    for name in _ACTIVITY_ARRAYS:
        whole[name] = np.concatenate([getattr(part, name) for _, part in parts])[by_row]
    decisions = {int(part_rows[r]): decision for part_rows, part in parts for r, decision in part.decisions.items()}
    return PopulationColumns(
        index=list(range(start, start + len(rows))),
        **whole,
        activity_row=owners[by_row].astype(np.int64),
        decisions=decisions,
        _records=records,
        _options=options,
    )
