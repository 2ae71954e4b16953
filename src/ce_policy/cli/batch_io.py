"""Where ``ce-policy batch`` writes: decisions as JSON Lines, CSV or Parquet, and error rows as JSON Lines.

Each writer streams: rows are written as they come (Parquet in row groups of `PARQUET_ROWS`).
"""

from __future__ import annotations

import csv
import importlib
import json
from pathlib import Path
from typing import IO, Any, Literal

from ce_policy.model.decision import Decision

__all__ = [
    "CSV_FIELDS",
    "OutputFormat",
    "ParquetUnavailableError",
    "Writer",
    "decision_data",
    "error_row",
    "open_writer",
    "summary_row",
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


class ParquetUnavailableError(RuntimeError):
    """Parquet output was asked for, but pyarrow is not installed."""


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


def _csv_cell(value: Any) -> Any:
    """``true``/``false`` as in the input CSV, nothing for ``None``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


class Writer:
    """Writes decisions to a file in one format; use as a context manager."""

    def __init__(self, path: Path, fmt: OutputFormat) -> None:
        """Open ``path`` for ``fmt`` (Parquet: check pyarrow is there, open on the first rows)."""
        self.path, self.format, self.count = path, fmt, 0
        self._pending: list[dict[str, Any]] = []
        self._parquet: Any = None
        self._stream: IO[str] | None = None
        self._csv: csv.DictWriter[str] | None = None
        if fmt == "parquet":
            try:
                self._pa = importlib.import_module("pyarrow")
                self._pq = importlib.import_module("pyarrow.parquet")
            except ImportError:
                raise ParquetUnavailableError(
                    "Parquet output needs pyarrow: pip install 'ce-policy[parquet]'"
                ) from None
            return
        self._stream = path.open("w", encoding="utf-8", newline="")
        if fmt == "csv":
            self._csv = csv.DictWriter(self._stream, CSV_FIELDS)
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
            assert self._stream is not None  # noqa: S101 - opened for JSON Lines
            self._stream.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
            return
        row = summary_row(decision, sector, labels, f"{file}:{line}")
        if self._csv is not None:
            self._csv.writerow({k: _csv_cell(v) for k, v in row.items()})
            return
        self._pending.append(row)
        if len(self._pending) >= PARQUET_ROWS:
            self._flush()

    def _schema(self) -> Any:
        pa = self._pa
        types = {"year": pa.int32(), "compliant": pa.bool_()}
        return pa.schema(
            [(name, types.get(name, pa.float64() if name in _NUMBERS else pa.string())) for name in CSV_FIELDS]
        )

    def _flush(self) -> None:
        schema = self._schema()
        if self._parquet is None:
            self._parquet = self._pq.ParquetWriter(str(self.path), schema)
        columns = {name: [row[name] for row in self._pending] for name in CSV_FIELDS}
        self._parquet.write_table(self._pa.Table.from_pydict(columns, schema=schema))
        self._pending = []

    def close(self) -> None:
        """Write what is pending and close the file."""
        if self.format == "parquet":
            if self._pending or self._parquet is None:
                self._flush()
            self._parquet.close()
        elif self._stream is not None:
            self._stream.close()

    def __enter__(self) -> Writer:
        """The writer itself."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the file."""
        self.close()


def open_writer(path: Path, fmt: OutputFormat | None) -> Writer:
    """A writer for ``path``, in ``fmt`` or the format of its suffix.

    Raises:
        ValueError: no format is given and the suffix is not one of `SUFFIXES`.
        ParquetUnavailableError: Parquet without pyarrow.
        OSError: the file cannot be opened.
    """
    chosen = fmt or SUFFIXES.get(path.suffix.lower())
    if chosen is None:
        raise ValueError(f"{path}: cannot tell the output format: give --format-out or a name ending in .jsonl, .csv")
    return Writer(path, chosen)
