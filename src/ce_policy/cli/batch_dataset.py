"""``ce-policy batch IN --dask ADDRESS``: a Parquet dataset decided on a Dask cluster, partition by partition.

Each Parquet file of the dataset (``model.record_dataset``: the CSV layout, typed) is one task: a worker reads
it straight into columns, decides it on the population path (`evaluate_table`: the records checked column by
column, looked up by situation, what the tables do not know decided by the rules firing in durable-rules) and
writes its rows (the columns of a CSV or Parquet batch output, `CSV_FIELDS`) to the file of the same name in
the output folder. The errors come back to this process, which writes them as JSON Lines, each with its
``file:row``, and prints the summary. ``local`` starts a `LocalCluster` on this machine.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import click

from ce_policy.cli.batch_io import parquet_schema, population_outcomes, summary_row
from ce_policy.cli.exit import fail
from ce_policy.decide.bulk_table import evaluate_table
from ce_policy.model.errors import CePolicyError
from ce_policy.model.record_dataset import dataset_parts, read_part
from ce_policy.policy.registry import PolicyRegistry, registry_with
from ce_policy.text.batch_words import batch_error_text, batch_words
from ce_policy.text.terminal import printable

__all__ = ["PartResult", "decide_part", "on_dask", "run_on_dask", "said_in"]


@dataclass(frozen=True)
class PartResult:
    """What one partition came to: its file, how many records, how many compliant, and its error rows."""

    source: str
    records: int
    compliant: int
    errors: list[dict[str, Any]]


_registries: dict[tuple[str, ...], PolicyRegistry] = {}


def _registry(policy_dirs: tuple[str, ...]) -> PolicyRegistry:
    """The registry of the shipped policies and ``policy_dirs``, once per worker process."""
    found = _registries.get(policy_dirs)
    if found is None:
        found = _registries[policy_dirs] = registry_with(tuple(Path(folder) for folder in policy_dirs))
    return found


def decide_part(
    source: str,
    target: str,
    policy: str | None,
    as_of: dt.date | None,
    policy_dirs: tuple[str, ...],
    chunk_size: int,
) -> PartResult:
    """Decide one Parquet file of records and write its rows to ``target`` (run on a worker)."""
    pa, pq = importlib.import_module("pyarrow"), importlib.import_module("pyarrow.parquet")  # optional

    table, starts = read_part(Path(source))
    chunks = evaluate_table(table, policy=policy, as_of=as_of, registry=_registry(policy_dirs), chunk_size=chunk_size)
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    compliant = 0
    sectors = table.people["sector"]
    name = Path(source).name
    for row, (decision, error) in enumerate(population_outcomes(chunks)):
        where = f"{name}:{starts[row] + 1}"
        if error is not None:
            errors.append(
                {
                    "source": {"file": name, "line": starts[row] + 1},
                    "person": table.people["id"][row] if isinstance(table.people["id"][row], str) else None,
                    "kind": error.kind,
                    "message": error.message,
                    "problems": list(error.problems),
                }
            )
            continue
        assert decision is not None  # noqa: S101 - decided when no error
        sector = sectors[row] if isinstance(sectors[row], str) else "general"
        labels = (table.extra.get(row) or {}).get("labels") or {}
        rows.append(summary_row(decision, sector, labels, where))
        compliant += bool(decision["compliant"])
    schema = parquet_schema(pa)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), target)
    return PartResult(name, len(table), compliant, errors)


def run_on_dask(
    source: Path,
    output: Path,
    address: str,
    *,
    policy: str | None,
    as_of: dt.date | None,
    policy_dirs: tuple[Path, ...],
    chunk_size: int,
) -> list[PartResult]:
    """Decide every partition of ``source`` on the cluster at ``address`` (``local``: a new LocalCluster)."""
    distributed: Any = importlib.import_module("distributed")  # an optional dependency, for this path only

    output.mkdir(parents=True, exist_ok=True)
    parts = dataset_parts(source)
    folders = tuple(str(folder.resolve()) for folder in policy_dirs)
    cluster = None
    if address == "local":
        cluster = distributed.LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)
        client = distributed.Client(cluster)
    else:
        client = distributed.Client(address)
    try:
        futures = [
            client.submit(
                decide_part,
                str(part.resolve()),
                str((output / part.name).resolve()),
                policy,
                as_of,
                folders,
                chunk_size,
                pure=False,
            )
            for part in parts
        ]
        results: list[PartResult] = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return results


def error_lines(results: list[PartResult]) -> list[str]:
    """The error rows of every partition, in order, as JSON Lines."""
    return [json.dumps(error, ensure_ascii=False) for result in results for error in result.errors]


def said_in(lang: Literal["zh", "en"], en: str, code: str, **details: str) -> str:
    """A message of a batch itself: ``en``, or in Chinese by its code (``text/batch_words``)."""
    return en if lang == "en" else batch_words(code, details)


def on_dask(
    source: Path,
    output: Path,
    errors_path: Path | None,
    address: str | None,
    policy_id: str | None,
    as_of: dt.datetime | None,
    policy_dirs: tuple[Path, ...],
    chunk_size: int,
    lang: Literal["zh", "en"],
    resume: bool,
) -> None:
    """``batch --dask``: the dataset's partitions decided on the cluster; a folder without ``--dask`` refused."""
    if address is None:
        folder = printable(str(source if source.is_dir() else output))
        said = f"{folder} is a folder: a folder (a Parquet dataset) needs --dask"
        fail(said_in(lang, said, "folder_needs_dask", path=folder), lang=lang)
    if resume:
        fail(said_in(lang, "--dask does not take --resume", "dask_no_resume"), lang=lang)
    if not (source.is_dir() or source.suffix == ".parquet") or output.suffix:
        said = "--dask decides a Parquet dataset: IN must be a .parquet file or a folder of them, OUT a folder"
        fail(said_in(lang, said, "dask_needs_parquet"), lang=lang)
    try:
        from ce_policy.cli.batch_dataset import error_lines, run_on_dask  # noqa: PLC0415 - this option only

        importlib.import_module("distributed")
        importlib.import_module("pyarrow")
    except ImportError:
        fail(
            said_in(
                lang, "--dask needs dask[distributed] and pyarrow: pip install 'ce-policy[dask]'", "dask_unavailable"
            ),
            lang=lang,
        )
    try:
        results = run_on_dask(
            source,
            output,
            address,
            policy=policy_id,
            as_of=as_of.date() if as_of else None,
            policy_dirs=policy_dirs,
            chunk_size=max(chunk_size, 1000),
        )
    except (CePolicyError, OSError, ValueError) as exc:
        fail(batch_error_text(exc, lang), lang=lang)
    errors_path = errors_path or output / "errors.jsonl"
    lines = error_lines(results)
    errors_path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    records = sum(r.records for r in results)
    compliant = sum(r.compliant for r in results)
    details = {
        "parts": str(len(results)),
        "records": str(records),
        "compliant": str(compliant),
        "errors": str(len(lines)),
        "output": printable(str(output)),
        "errors_path": printable(str(errors_path)),
    }
    done = (
        f"dataset: {len(results)} partitions, {records} records, {compliant} compliant, {len(lines)} errors; "
        f"decisions: {details['output']}; errors: {details['errors_path']}"
    )
    click.echo(said_in(lang, done, "dask_done", **details))
    if lines:
        sys.exit(1)  # some records had errors, as for every batch
