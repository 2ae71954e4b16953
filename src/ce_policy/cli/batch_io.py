"""What ``ce-policy batch`` writes: decisions as JSON Lines, CSV or Parquet, and error rows as JSON Lines.

Each writer streams: rows are written as they come, to a text stream (a part file, see ``batch_files``).
Parquet is written as rows in JSON Lines first, then made into Parquet at the end (`write_parquet`, in row
groups of `PARQUET_ROWS`): a Parquet file is readable only once closed, so rows in lines are what a resumed
batch can cut back to a committed length and continue.

In CSV, a text cell that a spreadsheet would take for a formula (it begins with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) gets a leading ``'`` (OWASP's rule against CSV injection; `neutral_cell`).
"""

from __future__ import annotations

import csv
import importlib
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, Protocol

from ce_policy.decide.bulk import PopulationColumns
from ce_policy.decide.many import BatchError
from ce_policy.model.decision import Decision

__all__ = [
    "CSV_FIELDS",
    "OutputFormat",
    "ParquetUnavailableError",
    "UnknownFormatError",
    "Writer",
    "count_lines",
    "decision_data",
    "error_row",
    "neutral_cell",
    "output_format",
    "parquet_schema",
    "population_outcomes",
    "summary_row",
    "write_parquet",
]

OutputFormat = Literal["jsonl", "csv", "parquet"]
SUFFIXES: dict[str, OutputFormat] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
PARQUET_ROWS = 10_000

CSV_FIELDS: tuple[str, ...] = (
    "person",
    "year",
    "as_of",
    "compliant",
    "hours_public",
    "hours_professional",
    "hours_total",
    "required_public",
    "required_professional",
    "required_total",
    "shortfall_public",
    "shortfall_professional",
    "shortfall_total",
    "credits_counted",
    "credits_required",
    "consequences",
    "policy_id",
    "policy_version",
    "sector",
    "labels",
    "source",
)
"""The columns of a CSV or Parquet output: one flat row per decision."""
_NUMBERS = frozenset(name for name in CSV_FIELDS if name.startswith(("hours_", "required_", "shortfall_", "credits_")))
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ParquetUnavailableError(RuntimeError):
    """Parquet output was asked for, but pyarrow is not installed."""

    code = "parquet_unavailable"
    details: Mapping[str, str] = MappingProxyType({})  # none: the message names no value


class UnknownFormatError(ValueError):
    """No output format is given and the output's suffix tells none (``code`` and ``details`` for its wording)."""

    code = "unknown_format"

    def __init__(self, path: Path, endings: str) -> None:
        """Word the error, naming the output and the endings known."""
        super().__init__(f"{path}: cannot tell the output format: give --format-out or a name ending in {endings}")
        self.details = {"path": str(path), "endings": endings}


def decision_data(decision: Decision | dict[str, Any]) -> dict[str, Any]:
    """A decision as JSON data (the shape of ``Decision.model_dump(mode="json")``), as batches handle it.

    A batch reads each result from its JSON (`BatchResult.decision_json`) rather than into a `Decision`: with
    worker processes, the process that writes the files then parses plain JSON, not models.
    """
    return decision.model_dump(mode="json") if isinstance(decision, Decision) else decision


def summary_row(
    decision: Decision | dict[str, Any], sector: str, labels: dict[str, str], source: str
) -> dict[str, Any]:
    """One decision as a flat row (`CSV_FIELDS`); hours as JSON numbers, credits ``None`` when not counted."""
    data = decision_data(decision)
    row: dict[str, Any] = {
        "person": data["person"],
        "year": data["year"],
        "as_of": data["as_of"],
        "compliant": data["compliant"],
    }
    for part in ("hours", "required", "shortfall"):
        totals = data[part]
        row.update({f"{part}_{c}": totals[c] for c in ("public", "professional", "total")})
    credits = data["credits"]
    row["credits_counted"] = credits["counted"] if credits else None
    row["credits_required"] = credits["required"] if credits else None
    row["consequences"] = ";".join(data["consequences"])
    row.update(policy_id=data["policy"]["id"], policy_version=data["policy"]["version"], sector=sector)
    row["labels"] = json.dumps(labels, ensure_ascii=False, sort_keys=True) if labels else ""
    row["source"] = source
    return row


def error_row(
    file: str, line: int, person: str | None, kind: str, message: str, problems: list[dict[str, Any]]
) -> dict[str, Any]:
    """One record that has no decision, as the error file has it."""
    return {
        "source": {"file": file, "line": line},
        "person": person,
        "kind": kind,
        "message": message,
        "problems": problems,
    }


def neutral_cell(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula, otherwise as it is."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_cell(value: Any) -> Any:
    """``true``/``false`` as in the input CSV, nothing for ``None``, text kept from being read as a formula.

    Numbers (hours, credits, the year) are ce_policy's own and stay numbers; every text comes from the data
    (ids, labels, sectors, codes, file names) and is neutralised.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return neutral_cell(value)
    return "" if value is None else value


class TextSink(Protocol):
    """Where a `Writer` writes: a text stream that is only appended to (a part file)."""

    def write(self, text: str, /) -> int:
        """Append ``text``."""


def _pyarrow() -> tuple[Any, Any]:
    """``pyarrow`` and ``pyarrow.parquet``.

    Raises:
        ParquetUnavailableError: pyarrow is not installed.
    """
    try:
        return importlib.import_module("pyarrow"), importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise ParquetUnavailableError("Parquet output needs pyarrow: pip install 'ce-policy[parquet]'") from None


class Writer:
    """Writes decisions to a text stream in one format (Parquet: as rows in JSON Lines, see `write_parquet`)."""

    def __init__(self, stream: TextSink, fmt: OutputFormat, *, header: bool = True, count: int = 0) -> None:
        """Write ``fmt`` to ``stream``; ``header``: write the CSV header (not when resuming); ``count``: so far.

        Raises:
            ParquetUnavailableError: Parquet without pyarrow.
        """
        self.format, self.count = fmt, count
        self._stream = stream
        self._csv: csv.DictWriter[str] | None = None
        if fmt == "parquet":
            _pyarrow()
        elif fmt == "csv":
            self._csv = csv.DictWriter(stream, CSV_FIELDS)
            if header:
                self._csv.writeheader()

    def write(
        self, decision: Decision | dict[str, Any], sector: str, labels: dict[str, str], file: str, line: int
    ) -> None:
        """Write one decision (a `Decision` or its JSON data) of a record read from ``file:line``."""
        self.count += 1
        if self.format == "jsonl":
            data = dict(decision_data(decision))
            data["source"] = {"file": file, "line": line}
            if labels:
                data["labels"] = labels
            self._stream.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
            return
        row = summary_row(decision, sector, labels, f"{file}:{line}")
        if self._csv is not None:
            self._csv.writerow({k: _csv_cell(v) for k, v in row.items()})
            return
        self._stream.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


def parquet_schema(pa: Any) -> Any:
    """The Parquet schema of a batch's rows (`CSV_FIELDS`: hours as doubles, the year, the flag, text)."""
    types = {"year": pa.int32(), "compliant": pa.bool_()}
    return pa.schema(
        [(name, types.get(name, pa.float64() if name in _NUMBERS else pa.string())) for name in CSV_FIELDS]
    )


def write_parquet(rows: Path, target: Path) -> None:
    """Make the rows a Parquet `Writer` wrote (JSON Lines) into the Parquet file ``target``, streaming.

    Raises:
        ParquetUnavailableError: pyarrow is not installed.
        OSError: a file cannot be read or written.
    """
    pa, pq = _pyarrow()
    schema = parquet_schema(pa)
    with rows.open(encoding="utf-8") as lines, pq.ParquetWriter(str(target), schema) as writer:
        pending: list[dict[str, Any]] = []
        groups = 0
        for line in lines:
            pending.append(json.loads(line))
            if len(pending) >= PARQUET_ROWS:
                writer.write_table(pa.Table.from_pylist(pending, schema=schema))
                pending, groups = [], groups + 1
        if pending or not groups:  # an empty batch still gets its (empty) table
            writer.write_table(pa.Table.from_pylist(pending, schema=schema))


def output_format(path: Path, fmt: OutputFormat | None) -> OutputFormat:
    """``fmt``, or the format of the suffix of ``path``.

    Raises:
        UnknownFormatError: no format is given and the suffix is not one of `SUFFIXES` (a `ValueError`).
    """
    chosen = fmt or SUFFIXES.get(path.suffix.lower())
    if chosen is None:
        endings = ", ".join(SUFFIXES)
        raise UnknownFormatError(path, endings)
    return chosen


def _number(centi: int) -> int | float:
    """Whole hundredths as the decision's JSON has hours: a whole number, or the decimal as a float."""
    return centi // 100 if centi % 100 == 0 else centi / 100


def population_outcomes(
    chunks: Iterable[PopulationColumns],
) -> Iterator[tuple[dict[str, Any] | None, BatchError | None]]:
    """Each row of the population path's chunks as what a CSV or Parquet row and the summary read of a decision.

    A row decided by `evaluate` gives its whole decision's JSON data; a row looked up by situation gives the
    fields `summary_row` and the report's summary read (its activities with their reasons only; no credits:
    a record earning credits is decided by `evaluate`), each as ``Decision.model_dump(mode="json")`` has it.
    """
    for chunk in chunks:
        hours = {c: chunk.hours[c].tolist() for c in chunk.hours}
        required = {c: chunk.required[c].tolist() for c in chunk.required}
        shortfall = {c: chunk.shortfall[c].tolist() for c in chunk.shortfall}
        compliant = chunk.compliant.tolist()
        reasons: list[list[dict[str, Any]]] = [[] for _ in range(len(chunk))]
        for owner, why in zip(chunk.activity_row.tolist(), chunk.activity_reasons, strict=True):
            reasons[owner].append({"reasons": list(why)})
        for row in range(len(chunk)):
            error, decision = chunk.error[row], chunk.decisions.get(row)
            if error is not None:
                yield None, error
            elif decision is not None:
                yield decision_data(decision), None
            else:
                day = chunk.as_of[row]
                yield (
                    {
                        "person": chunk.person[row],
                        "year": chunk.year[row],
                        "as_of": day.isoformat() if day is not None else None,
                        "compliant": compliant[row],
                        "hours": {c: _number(values[row]) for c, values in hours.items()},
                        "required": {c: _number(values[row]) for c, values in required.items()},
                        "shortfall": {c: _number(values[row]) for c, values in shortfall.items()},
                        "credits": None,
                        "consequences": list(chunk.consequences[row]),
                        "policy": {"id": chunk.policy[row], "version": chunk.policy_version[row]},
                        "activities": reasons[row],
                    },
                    None,
                )


def count_lines(path: Path) -> int | None:
    """The lines of a JSON Lines file (a cheap bound of its records), for the progress bar."""
    try:
        with path.open("rb") as stream:
            return sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
    except OSError:
        return None
