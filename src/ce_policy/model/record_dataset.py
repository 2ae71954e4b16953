"""A Parquet dataset of records: the CSV layout as typed columns, read straight into a `RecordTable`.

Each row is one activity with its person's and year's columns repeated (the columns of
``model.record_files.CSV_COLUMNS``: ``person_id``, ``title_level``, ``sector``, ``region``,
``person_degree_level``, ``year``, ``activity_id``, ``kind``, ``hours``, ...); consecutive rows with the same
``person_id`` and ``year`` make one record, in file order, and a row whose activity columns are all null adds no
activity. A null is an absent field. Values are the file's own types (booleans, numbers, text, dates), read as
Python values and checked as a record's fields are (``model.record_table.check_table``). A record with
``label_<name>``, ``attr_<name>`` or ``activity_attr_<name>`` values, or a column this layout does not know, is
kept whole as JSON (its labels and attributes in place) and decided from it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ce_policy.model.record_files import (
    ACTIVITY_ATTRIBUTE_PREFIX,
    ACTIVITY_COLUMNS,
    ATTRIBUTE_PREFIX,
    LABEL_PREFIX,
    PERSON_COLUMNS,
)
from ce_policy.model.record_table import MISSING, RecordTable

__all__ = ["dataset_parts", "read_part", "table_of_rows"]


def dataset_parts(source: Path) -> list[Path]:
    """The Parquet files of a dataset: ``source`` itself, or the ``*.parquet`` files of the folder, sorted."""
    return sorted(source.glob("*.parquet")) if source.is_dir() else [source]


def read_part(path: Path) -> tuple[RecordTable, list[int]]:
    """One Parquet file as a `RecordTable`, with each record's first row (0-based) for its ``file:row``."""
    parquet: Any = importlib.import_module("pyarrow.parquet")  # an optional dependency, for this path only
    columns = parquet.read_table(str(path)).to_pydict()
    return table_of_rows(columns)


def table_of_rows(columns: Mapping[str, Sequence[Any]]) -> tuple[RecordTable, list[int]]:
    """Rows in the CSV layout (each column a list, ``None`` for null) as a table, and each record's first row."""
    count = len(next(iter(columns.values()), ()))
    known = {*PERSON_COLUMNS, "year", *ACTIVITY_COLUMNS}
    odd = [name for name in columns if name not in known]
    ids, years = columns.get("person_id", [None] * count), columns.get("year", [None] * count)
    starts = [r for r in range(count) if r == 0 or ids[r] != ids[r - 1] or years[r] != years[r - 1]]
    people: dict[str, list[Any]] = {field: [] for field in PERSON_COLUMNS.values()}
    activities: dict[str, list[Any]] = {field: [] for field in ACTIVITY_COLUMNS.values()}
    owner: list[int] = []
    extra: dict[int, dict[str, Any]] = {}
    activity_columns = [(name, field, columns.get(name)) for name, field in ACTIVITY_COLUMNS.items()]
    for record, (first, end) in enumerate(zip(starts, [*starts[1:], count], strict=True)):
        for name, field in PERSON_COLUMNS.items():
            value = columns[name][first] if name in columns else None
            people[field].append(MISSING if value is None else value)
        if any(columns[name][r] is not None for name in odd for r in range(first, end)):
            extra[record] = _json_record(columns, first, end)
        for r in range(first, end):
            given = [(field, column[r] if column is not None else None) for _, field, column in activity_columns]
            if all(value is None for _, value in given):
                continue  # a person without activities
            owner.append(record)
            for field, value in given:
                activities[field].append(MISSING if value is None else value)
    record_years = [MISSING if years[first] is None else years[first] for first in starts]
    return RecordTable(people, record_years, activities, owner, extra), starts


def _json_record(columns: Mapping[str, Sequence[Any]], first: int, end: int) -> dict[str, Any]:
    """Rows ``first`` to ``end`` as one JSON record, labels and attributes in place (what the CSV reader makes)."""
    person = {field: columns[name][first] for name, field in PERSON_COLUMNS.items() if name in columns}
    person = {k: v for k, v in person.items() if v is not None}
    labels, attributes = {}, {}
    unknown: dict[str, Any] = {}
    for name, column in columns.items():
        value = column[first]
        if value is None or name in PERSON_COLUMNS or name in ACTIVITY_COLUMNS or name == "year":
            continue
        if name.startswith(LABEL_PREFIX):
            labels[name.removeprefix(LABEL_PREFIX)] = value
        elif name.startswith(ATTRIBUTE_PREFIX):
            attributes[name.removeprefix(ATTRIBUTE_PREFIX)] = value
        elif not name.startswith(ACTIVITY_ATTRIBUTE_PREFIX):
            unknown[name] = value
    if attributes:
        person["attributes"] = attributes
    data: dict[str, Any] = {"person": person, **unknown}
    if columns.get("year") is not None and columns["year"][first] is not None:
        data["year"] = columns["year"][first]
    acts = []
    for r in range(first, end):
        activity = {field: columns[name][r] for name, field in ACTIVITY_COLUMNS.items() if name in columns}
        activity = {k: v for k, v in activity.items() if v is not None}
        given = {
            name.removeprefix(ACTIVITY_ATTRIBUTE_PREFIX): column[r]
            for name, column in columns.items()
            if name.startswith(ACTIVITY_ATTRIBUTE_PREFIX) and column[r] is not None
        }
        if given:
            activity["attributes"] = given
        if activity:
            acts.append(activity)
    data["activities"] = acts
    if labels:
        data["labels"] = labels
    return data
