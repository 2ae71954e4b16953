"""Records in files: read them one at a time from JSON Lines or CSV, and write them as JSON Lines.

Reading streams: one record is held at a time, and each comes with the file and line it was read from, so
that a problem can be named ``file:line``. A line that cannot be read as a record is not an exception: it is
yielded as a `RecordInput` with ``problems`` (code ``invalid_json``, ``json_too_deep``, ``duplicate_key``,
``line_too_long`` or ``invalid_csv``), so that a batch can count it and go on. Only a file that cannot be read
at all raises `RecordFileError`. A line is never held whole when it is longer than its limit
(`MAX_LINE_CHARS`, `MAX_CSV_LINE_CHARS`): it is read past in pieces and refused.

**JSON Lines** (``.jsonl``, ``.ndjson``): one record, as in ``ce-policy evaluate``, per line, read strictly
(``model.json_text``: no key twice in one object, nesting at most 32 deep); blank lines are skipped; numbers
with a fraction are read as exact decimals.

**CSV** (``.csv``, UTF-8 with or without a byte-order mark, a header row): one row per activity, the person's
and the year's columns repeated on each row (see `CSV_COLUMNS`). Consecutive rows with the same
``person_id`` and ``year`` make one record, in file order; a row whose activity columns are all empty adds
no activity (a person without activities). An empty cell is an absent field. ``on_platform`` and ``passed``
are ``true`` or ``false``; ``hours`` and ``credits`` are numbers; dates are ``YYYY-MM-DD``. A column
``label_<name>`` gives the record's label ``<name>`` (``label_county`` → ``labels.county``), and a column
``attr_<name>`` the person attribute ``<name>`` a policy declares (``attr_employer_type`` →
``person.attributes.employer_type``), each repeated on each row like the person's columns; a column
``activity_attr_<name>`` gives the row's activity the attribute ``<name>`` its policy declares
(``activity_attr_subject`` → ``attributes.subject`` of the activity); ``person_degree_level`` is the
person's degree (``degree_level`` is an activity's). A row that cannot be read (too long, not CSV, with
the wrong number of cells) refuses the record it may belong to as well, with an error of its own: a record
is never decided without one of its rows; nor is one of more than `~ce_policy.model.record.MAX_ACTIVITIES`
activities kept in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel

from ce_policy.model.errors import CePolicyError, RecordProblem, shown_value
from ce_policy.model.json_text import JsonTextError, parse_json
from ce_policy.model.record import MAX_ACTIVITIES

__all__ = [
    "CSV_COLUMNS",
    "MAX_CSV_LINE_CHARS",
    "MAX_LINE_CHARS",
    "RecordFileError",
    "RecordInput",
    "iter_records",
    "write_jsonl",
]

MAX_LINE_CHARS = 4 * 2**20
"""The longest line of a JSON Lines file, in characters with its line end. A record of 1,000 activities of 500
characters each (ids at their longest, every field its kind carries, a few attributes) takes an eighth of it;
a hostile line this long is read in under a second."""
MAX_CSV_LINE_CHARS = 2**16
"""The longest line of a CSV file, in characters with its line end: a row is one activity and its person, a few
thousand characters at most. Below the ``csv`` module's own limit of a cell (131,072), so that a cell of one
line never meets it."""

RecordFormat = Literal["jsonl", "csv"]

PERSON_COLUMNS = {
    "person_id": "id",
    "title_level": "title_level",
    "sector": "sector",
    "region": "region",
    "person_degree_level": "degree_level",
}
ACTIVITY_COLUMNS = {
    "activity_id": "id",
    "kind": "kind",
    "hours": "hours",
    "on_platform": "on_platform",
    "passed": "passed",
    "completed_on": "completed_on",
    "organiser_level": "organiser_level",
    "role": "role",
    "degree_level": "degree_level",
    "patent_type": "patent_type",
    "granted_on": "granted_on",
    "publication_type": "publication_type",
    "journal": "journal",
    "approval": "approval",
    "project_level": "project_level",
    "credits": "credits",
}
CSV_COLUMNS: tuple[str, ...] = (*PERSON_COLUMNS, "year", *ACTIVITY_COLUMNS)
"""The columns a CSV file of records may have (``person_id`` and ``year`` are required), in any order; besides
them, any ``label_<name>`` column (a grouping label, `ce_policy.Record.labels`) and any ``attr_<name>`` column
(a person attribute, `ce_policy.Person.attributes`) and any ``activity_attr_<name>`` column (an activity
attribute, `ce_policy.Activity.attributes`)."""
LABEL_PREFIX = "label_"
ATTRIBUTE_PREFIX = "attr_"
ACTIVITY_ATTRIBUTE_PREFIX = "activity_attr_"
_LABEL_COLUMN = re.compile(r"(label|attr|activity_attr)_[a-z][a-z0-9_]*")
_REQUIRED_COLUMNS = ("person_id", "year")
_SUFFIXES: dict[str, RecordFormat] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_SKIP = 2**16
"""The pieces a line too long is read past in."""
_YEAR = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() takes '²' too


class RecordFileError(CePolicyError, ValueError):
    """A file of records cannot be read at all (unknown format, bad header, not UTF-8).

    Attributes:
        file: the file.
        line: the 1-based line of the problem, or ``None`` for the file as a whole.
    """

    def __init__(self, file: str, line: int | None, message: str) -> None:
        """Build the error for ``file`` (and ``line``)."""
        self.file = file
        self.line = line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class RecordInput:
    """One record as read from a file, with where it came from.

    Attributes:
        data: the record as plain JSON data (hours as decimals), or ``None`` when it could not be read.
        file: the file it was read from.
        line: the 1-based line it starts on.
        problems: why it could not be read (empty when ``data`` is given).
        activity_lines: for CSV, the line of each activity's row, in the record's order.
    """

    data: dict[str, Any] | None
    file: str
    line: int
    problems: tuple[RecordProblem, ...] = ()
    activity_lines: tuple[int, ...] = ()

    @property
    def source(self) -> str:
        """``file:line``."""
        return f"{self.file}:{self.line}"

    def where(self, path: str) -> str:
        """``file:line`` of the value at the JSON ``path`` (an activity's own row, for CSV)."""
        found = re.match(r"\$\.activities\[(\d+)\]", path)
        if found and int(found.group(1)) < len(self.activity_lines):
            return f"{self.file}:{self.activity_lines[int(found.group(1))]}"
        return self.source


def iter_records(path: str | Path, *, format: RecordFormat | None = None) -> Iterator[RecordInput]:
    """Read the records of a JSON Lines or CSV file, one at a time.

    Args:
        path: the file.
        format: ``jsonl`` or ``csv``; by default from the file's suffix (``.jsonl``, ``.ndjson``, ``.csv``).

    Yields:
        Each record with its file and line; a line that is not a record comes with its ``problems``.

    Raises:
        RecordFileError: the format is unknown, the file cannot be opened or is not UTF-8, or a CSV header
            lacks a required column or has an unknown one.
    """
    path = Path(path)
    chosen = format or _SUFFIXES.get(path.suffix.lower())
    if chosen is None:
        known = ", ".join(_SUFFIXES)
        raise RecordFileError(str(path), None, f"unknown format: expected a file ending in {known}")
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            yield from (_jsonl(stream, str(path)) if chosen == "jsonl" else _csv(stream, str(path)))
    except OSError as exc:
        raise RecordFileError(str(path), None, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise RecordFileError(str(path), None, "not UTF-8 text") from None


def _bounded_lines(stream: IO[str], limit: int) -> Iterator[str | int]:
    """Each line of ``stream`` (split as ``newline=""`` splits), or for a line too long, its length.

    A line of ``limit`` characters or more (its line end included) is read past in small pieces, never held
    whole.
    """
    piece = stream.readline(limit)
    while piece:
        line: str | None = piece
        length, size = len(piece), limit
        while len(piece) == size and not piece.endswith(("\n", "\r")):  # cut at the limit: read past the rest
            line, size = None, _SKIP
            piece = stream.readline(size)
            length += len(piece)
        following = stream.readline(limit)
        if following == "\n" and piece.endswith("\r"):  # a "\r\n" cut in two is one line end
            line, length, following = None if line is None else line + "\n", length + 1, stream.readline(limit)
        yield length if line is None else line
        piece = following


def _too_long(length: int, limit: int) -> str:
    return f"a line of {length:,} characters; lines of records are limited to {limit - 1:,} and a line end"


def _jsonl(stream: IO[str], file: str) -> Iterator[RecordInput]:
    for number, line in enumerate(_bounded_lines(stream, MAX_LINE_CHARS), start=1):
        if isinstance(line, int):
            message = _too_long(line, MAX_LINE_CHARS)
            yield RecordInput(None, file, number, (RecordProblem("$", "line_too_long", message),))
            continue
        if not line.strip():
            continue
        try:
            data = parse_json(line)
        except JsonTextError as exc:
            yield RecordInput(None, file, number, (RecordProblem(exc.path, exc.code, exc.message),))
            continue
        if not isinstance(data, dict):
            message = f"expected a JSON object, got {type(data).__name__}"
            yield RecordInput(None, file, number, (RecordProblem("$", "wrong_type", message),))
            continue
        yield RecordInput(data, file, number)


class _CsvLines:
    """The lines the CSV reader reads: each line too long is noted, with its length, and read as a blank one."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines = _bounded_lines(stream, MAX_CSV_LINE_CHARS)
        self.number = 0
        self.too_long: deque[tuple[int, int]] = deque()

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.number += 1
        if isinstance(line, int):
            self.too_long.append((self.number, line))
            return "\n"
        return line

    def problems_until(self, line: int) -> list[tuple[int, RecordProblem]]:
        """The lines up to ``line`` found too long, each with its problem."""
        found = []
        while self.too_long and self.too_long[0][0] <= line:
            number, length = self.too_long.popleft()
            found.append((number, RecordProblem("$", "line_too_long", _too_long(length, MAX_CSV_LINE_CHARS))))
        return found


def _header(reader: Iterator[list[str]], lines: _CsvLines, file: str) -> list[str] | None:
    """The header's column names, checked."""
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RecordFileError(file, 1, f"the header is not CSV: {exc}") from None
    if lines.problems_until(1):
        raise RecordFileError(file, 1, f"the header is longer than {MAX_CSV_LINE_CHARS - 1:,} characters")
    if header is None:
        return None
    columns = [name.strip() for name in header]
    unknown = [name for name in columns if name not in CSV_COLUMNS and not _LABEL_COLUMN.fullmatch(name)]
    missing = [name for name in _REQUIRED_COLUMNS if name not in columns]
    if unknown or missing or len(set(columns)) != len(columns):
        listed = ", ".join(name if len(name) <= 64 else name[:64] + "…" for name in unknown[:10])
        listed += f" and {len(unknown) - 10:,} more" if len(unknown) > 10 else ""
        parts = [f"unknown column(s) {listed}"] if unknown else []
        parts += [f"missing column(s) {', '.join(missing)}"] if missing else []
        parts += ["a column appears twice"] if len(set(columns)) != len(columns) else []
        known = ", ".join((*CSV_COLUMNS, "label_<name>", "attr_<name>", "activity_attr_<name>"))
        raise RecordFileError(file, 1, "; ".join(parts) + f" (columns: {known})")
    return columns


def _csv(stream: IO[str], file: str) -> Iterator[RecordInput]:
    lines = _CsvLines(stream)
    reader = csv.reader(lines)
    columns = _header(reader, lines, file)
    if columns is None:
        return
    group = _CsvGroup(file)
    seen: dict[tuple[str, str], int] = {}
    last_line = reader.line_num
    unread: int | None = None  # a line that could not be read, until the next row that could
    while True:
        error: RecordProblem | None = None
        try:
            row = next(reader, None)
        except csv.Error as exc:
            row, error = [], RecordProblem("$", "invalid_csv", f"not CSV: {exc}")
        number, last_line = last_line + 1, reader.line_num
        found = lines.problems_until(last_line) + ([(number, error)] if error else [])
        if found:
            if group.key is not None and not group.broken:
                yield group.refused(found[0][0])  # the record being read may have lost a row: it is not decided
            for line, why in found:
                yield RecordInput(None, file, line, (why,))
            unread = found[0][0]
            continue
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: cell.strip() for name, cell in zip(columns, row, strict=False)}
        key = (cells.get("person_id", ""), cells.get("year", ""))
        if group.key != key:
            yield from group.flush()
            if key in seen:
                person, year = shown_value(key[0], 64), _shown_year(key[1])
                message = f"rows of person {person}, year {year} must be together; the first is on line {seen[key]}"
                yield RecordInput(None, file, number, (RecordProblem("$", "invalid_csv", message),))
                continue
            seen[key] = number
            group.start(key, cells, number)
            if unread is not None:
                yield group.refused(unread)  # the line just before its first row may be one of its rows
        unread = None
        if len(row) != len(columns):
            group.broken = True  # a row of this record that cannot be read: the record is not decided
            message = f"row has {len(row)} cell(s), the header {len(columns)}"
            yield RecordInput(None, file, number, (RecordProblem("$", "invalid_csv", message),))
            continue
        problem = group.add(cells, number)
        if problem is not None:
            yield RecordInput(None, file, number, (problem,))
    yield from group.flush()


class _CsvGroup:
    """The rows of the record being read."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.key: tuple[str, str] | None = None
        self.data: dict[str, Any] = {}
        self.line = 0
        self.person_lines: dict[str, int] = {}
        self.activity_lines: list[int] = []
        self.labels: dict[str, str] = {}
        self.broken = False
        self.more = 0

    def refused(self, line: int) -> RecordInput:
        """The record refused, as line ``line`` could not be read and may be one of its rows."""
        assert self.key is not None  # noqa: S101 - only a record being read is refused
        self.broken = True
        person, year = shown_value(self.key[0], 64), _shown_year(self.key[1])
        message = f"person {person}, year {year}: not decided, as line {line} could not be read "
        message += "and may be one of the record's rows"
        return RecordInput(None, self.file, self.line, (RecordProblem("$", "invalid_csv", message),))

    def start(self, key: tuple[str, str], cells: dict[str, str], line: int) -> None:
        person: dict[str, Any] = {field: cells[column] for column, field in PERSON_COLUMNS.items() if cells.get(column)}
        attributes = _prefixed(cells, ATTRIBUTE_PREFIX)
        if attributes:
            person["attributes"] = attributes
        year: Any = int(key[1]) if _YEAR.fullmatch(key[1]) else (key[1] or None)
        self.key, self.line, self.broken, self.more = key, line, False, 0
        self.data = {"person": person, **({"year": year} if year is not None else {}), "activities": []}
        self.labels = _prefixed(cells, LABEL_PREFIX)
        if self.labels:
            self.data["labels"] = self.labels
        self.activity_lines = []

    def add(self, cells: dict[str, str], line: int) -> RecordProblem | None:
        """Add a row's activity; a row that contradicts the record's person breaks the record."""
        for column, field in PERSON_COLUMNS.items():
            if cells.get(column, "") != self.data["person"].get(field, ""):
                self.broken = True
                message = f"{column} differs from line {self.line} of the same person and year"
                return RecordProblem(f"$.person.{field}", "invalid_csv", message)
        if _prefixed(cells, LABEL_PREFIX) != self.labels:
            self.broken = True
            message = f"the label columns differ from line {self.line} of the same person and year"
            return RecordProblem("$.labels", "invalid_csv", message)
        if _prefixed(cells, ATTRIBUTE_PREFIX) != self.data["person"].get("attributes", {}):
            self.broken = True
            message = f"the attribute columns differ from line {self.line} of the same person and year"
            return RecordProblem("$.person.attributes", "invalid_csv", message)
        activity = {
            field: _cell(field, cells[column]) for column, field in ACTIVITY_COLUMNS.items() if cells.get(column)
        }
        attributes = _prefixed(cells, ACTIVITY_ATTRIBUTE_PREFIX)
        if attributes:
            activity["attributes"] = attributes
        if activity and len(self.activity_lines) > MAX_ACTIVITIES:
            self.more += 1  # the record is refused: its activities are counted, not kept
        elif activity:
            self.data["activities"].append(activity)
            self.activity_lines.append(line)
        return None

    def flush(self) -> Iterator[RecordInput]:
        """The record read, or why it is refused (nothing when a row that broke it said so)."""
        if self.key is None or self.broken:
            pass
        elif self.more:
            count = len(self.activity_lines) + self.more
            message = f"activities should have at most {MAX_ACTIVITIES} items, not {count} (none of them was checked)"
            yield RecordInput(None, self.file, self.line, (RecordProblem("$.activities", "too_many_items", message),))
        else:
            yield RecordInput(self.data, self.file, self.line, (), tuple(self.activity_lines))
        self.key = None


def _shown_year(text: str) -> str:
    return text if _YEAR.fullmatch(text) else shown_value(text, 8)


def _prefixed(cells: dict[str, str], prefix: str) -> dict[str, str]:
    """The row's labels or attributes: each non-empty ``label_<name>`` (``attr_<name>``) cell, by name."""
    return {name.removeprefix(prefix): text for name, text in cells.items() if name.startswith(prefix) and text}


def _cell(field: str, text: str) -> Any:
    """A CSV cell as the JSON value the record model expects; text it does not fit is left for it to refuse."""
    if field in ("on_platform", "passed"):
        return {"true": True, "false": False}.get(text.lower(), text)
    if field in ("hours", "credits") and _NUMBER.fullmatch(text):
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return text
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_jsonl(records: Iterable[Any], target: str | Path | IO[str]) -> int:
    """Write records (plain JSON data or `ce_policy.Record` models) as JSON Lines; returns how many.

    Decimals are written as JSON numbers, dates as ``YYYY-MM-DD``.
    """
    if isinstance(target, str | Path):
        with Path(target).open("w", encoding="utf-8") as stream:
            return write_jsonl(records, stream)
    count = 0
    for record in records:
        target.write(json.dumps(record, default=_plain, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count
