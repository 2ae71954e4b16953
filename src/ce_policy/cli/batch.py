"""``ce-policy batch IN -o OUT``: decide every record of a file, streaming, with errors kept, a summary and a report.

The files are written safely and the run can be resumed (``batch_files``): outputs go to part files beside
them, committed at chunk boundaries (at most once every `COMMIT_INTERVAL` seconds: each commit flushes the
parts to disk), and are renamed into place when every record is done.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NoReturn, get_args

import click
from tqdm import tqdm

from ce_policy.cli.batch_dataset import on_dask
from ce_policy.cli.batch_dataset import said_in as _said
from ce_policy.cli.batch_files import (
    BatchFileError,
    Outputs,
    PartFile,
    Progress,
    fingerprint,
    plan_outputs,
    write_error,
)
from ce_policy.cli.batch_io import (
    OutputFormat,
    ParquetUnavailableError,
    Writer,
    count_lines,
    error_row,
    output_format,
    population_outcomes,
    write_parquet,
)
from ce_policy.cli.exit import fail
from ce_policy.cli.options import lang_option
from ce_policy.decide.bulk import evaluate_population
from ce_policy.decide.many import BatchError, evaluate_many
from ce_policy.model.errors import CePolicyError
from ce_policy.model.record import GENERAL_SECTOR
from ce_policy.model.record_files import RecordInput, iter_records
from ce_policy.policy.registry import PolicyRegistry, registry_with
from ce_policy.text.batch_report import BatchSummary, render_html, render_text, resumed_line
from ce_policy.text.batch_words import batch_error_text
from ce_policy.text.terminal import printable

__all__ = ["batch_command"]

EXIT_SOME_ERRORS = 1
EXIT_INTERRUPTED = 130
COMMIT_INTERVAL = 1.0
_POPULATION_CHUNK = 1000
"""Records the population path decides together (``decide/bulk``), when the batch runs in one process."""
"""Seconds between two commits at least: a commit costs a few disk flushes (~20 ms here), a crash at most this
much work besides the chunks in flight."""


_registry = registry_with


@dataclass(frozen=True, slots=True)
class _Origin:
    """What the summary and the files need of a record besides its decision."""

    file: str
    line: int
    person: str | None
    sector: str | None
    labels: dict[str, str]
    source: RecordInput


def _origin(item: RecordInput) -> _Origin:
    data = item.data or {}
    person = data.get("person") if isinstance(data.get("person"), dict) else {}
    assert isinstance(person, dict)  # noqa: S101 - for mypy
    person_id = person.get("id") if isinstance(person.get("id"), str) else None
    sector = person.get("sector", GENERAL_SECTOR) if item.data is not None else None
    raw = data.get("labels")
    labels = {k: v for k, v in raw.items() if isinstance(v, str)} if isinstance(raw, dict) else {}
    return _Origin(item.file, item.line, person_id, sector if isinstance(sector, str) else None, labels, item)


class _Run:
    """One batch: reads the records, keeps each one's origin until its result comes back, writes and counts.

    ``done`` counts the input records written (to the decisions or the error file), in input order; `commit`
    flushes the parts and records that count, with the parts' lengths and the summary, in the progress file.
    """

    def __init__(
        self, writer: Writer, errors: PartFile, decisions: PartFile, progress: Progress, bar: tqdm[Any]
    ) -> None:
        self.writer, self.errors, self.decisions, self.progress, self.bar = writer, errors, decisions, progress, bar
        self.summary = BatchSummary()
        self.origins: deque[_Origin] = deque()
        self.done = self.committed = 0
        self.last_commit = time.monotonic()

    def feed(self, inputs: Iterable[RecordInput]) -> Iterator[dict[str, Any]]:
        """The records that can be evaluated; those that could not be read wait in line for the error file."""
        for item in inputs:
            self.origins.append(_origin(item))
            if item.data is not None:
                yield item.data

    def _unreadable(self) -> None:
        """Write the records in line before the next one evaluated that could not even be read."""
        while self.origins and self.origins[0].source.data is None:
            origin = self.origins.popleft()
            problems = [{"path": p.path, "code": p.code, "message": p.message} for p in origin.source.problems]
            self._error(origin, "read", "; ".join(p["message"] for p in problems), problems)

    def finish(self) -> None:
        """Write the unreadable records left after the last one evaluated."""
        self._unreadable()

    def _error(self, origin: _Origin, kind: str, message: str, problems: list[dict[str, Any]]) -> None:
        row = error_row(origin.file, origin.line, origin.person, kind, message, problems)
        self.errors.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        self.summary.add_error(kind, origin.sector, origin.labels)
        self.done += 1
        self.bar.update()

    def result(self, decision: dict[str, Any] | None, error: BatchError | None) -> None:
        """Write and count the result of the oldest record in flight (after the unreadable ones before it)."""
        self._unreadable()
        origin = self.origins.popleft()
        if error is not None:
            problems = [dict(p) for p in error.problems]
            for problem in problems:
                if "path" in problem:
                    problem["where"] = origin.source.where(problem["path"])
            self._error(origin, error.kind, error.message, problems)
            return
        assert decision is not None  # noqa: S101 - a result has a decision or an error
        sector = origin.sector or GENERAL_SECTOR
        self.writer.write(decision, sector, origin.labels, origin.file, origin.line)
        self.summary.add(decision, sector, origin.labels)
        self.done += 1
        self.bar.update()

    def due(self, chunk_size: int) -> bool:
        """Whether to commit now: a chunk's worth of records written since the last commit, and time passed."""
        return self.done - self.committed >= chunk_size and time.monotonic() - self.last_commit >= COMMIT_INTERVAL

    def commit(self, *, finished: bool = False) -> None:
        """Flush both parts to disk and record how far the batch is (whole records only)."""
        lengths = (self.decisions.sync(), self.errors.sync())
        self.progress.commit(self.done, lengths, self.writer.count, self.summary.to_json(), finished=finished)
        self.committed = self.done
        self.last_commit = time.monotonic()


@click.command("batch")
@click.argument("source", metavar="IN", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="The decisions.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), help="Error rows go here.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report here.")
@click.option("--format-in", type=click.Choice(["jsonl", "csv"]), help="IN's format (default: by suffix).")
@click.option("--format-out", type=click.Choice(get_args(OutputFormat)), help="OUT's format (default: by suffix).")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: one per CPU; 1: none).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=100, show_default=True, help="Records per task.")
@click.option("--policy", "policy_id", help="Decide every record under this policy id.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date the decisions speak for.")
@click.option(
    "--policies",
    "policy_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help=(
        "A folder of extra policy layers to load next to the shipped ones (repeatable); "
        "it must hold a layer, and may not change the default region."
    ),
)
@lang_option
@click.option("--total", type=click.IntRange(min=0), help="Records expected, for the progress bar's ETA.")
@click.option("--no-progress", is_flag=True, help="No progress bar (there is none when stderr is not a terminal).")
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the interrupted run of the same command from its last complete chunk (its OUT.progress.json).",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    help=(
        "Decide a Parquet dataset (IN: a .parquet file or a folder of them, in the CSV layout) on the Dask "
        "scheduler at ADDRESS, partition by partition ('local': a LocalCluster here); OUT is a folder."
    ),
)
def batch_command(
    source: Path,
    output: Path,
    errors_path: Path | None,
    report: Path | None,
    format_in: Literal["jsonl", "csv"] | None,
    format_out: OutputFormat | None,
    workers: int | None,
    chunk_size: int,
    policy_id: str | None,
    as_of: dt.datetime | None,
    policy_dirs: tuple[Path, ...],
    lang: Literal["zh", "en"],
    total: int | None,
    no_progress: bool,
    resume: bool,
    dask_address: str | None,
) -> None:
    """Decide every record of IN (JSON Lines or CSV) and write the decisions to OUT (.jsonl, .csv or .parquet).

    Records that cannot be read or decided go to the error file (--errors, default OUT's name with
    .errors.jsonl), each with its file:line and every problem's JSON path; none is dropped. A summary is
    printed at the end; --report writes an HTML page with charts. The outputs are written beside (NAME.part)
    and renamed into place when every record is done; an interrupted run is continued with --resume. Exit
    status: 0 when every record was decided, 1 when some had errors, 2 when the input, the options, the files
    or the policies are unusable, 130 when interrupted.
    """
    if dask_address is not None or source.is_dir() or output.is_dir():  # a Parquet dataset (cli.batch_dataset)
        on_dask(source, output, errors_path, dask_address, policy_id, as_of, policy_dirs, chunk_size, lang, resume)
        return
    default_errors = errors_path is None
    errors_path = errors_path or output.with_name(f"{output.stem}.errors.jsonl")
    try:
        fmt = output_format(output, format_out)
        outputs = plan_outputs(
            source, output, errors_path, report, parquet=fmt == "parquet", default_errors=default_errors
        )
    except (ValueError, BatchFileError) as exc:
        fail(batch_error_text(exc, lang), lang=lang)
    try:
        registry = _registry(policy_dirs)
        if policy_id is not None:
            registry.policy(policy_id)
        inputs = _checked(iter_records(source, format=format_in), source)
        Writer(_Nowhere(), fmt)  # Parquet without pyarrow is refused before any file is opened
    except (CePolicyError, ValueError, BatchFileError, ParquetUnavailableError) as exc:
        fail(batch_error_text(exc, lang), lang=lang)
    job = _Job(
        source=source,
        outputs=outputs,
        format_in=format_in or source.suffix.lower().lstrip("."),
        format_out=fmt,
        registry=registry,
        workers=workers or os.cpu_count() or 1,
        chunk_size=chunk_size,
        policy_id=policy_id,
        as_of=as_of.date() if as_of else None,
        lang=lang,
    )
    progress = Progress(outputs, job.identity(policy_dirs))
    state: dict[str, Any] | None = None
    if resume:
        try:
            state = progress.load()
        except BatchFileError as exc:
            fail(batch_error_text(exc, lang), lang=lang)
    else:
        outputs.remove_parts()  # what an earlier, interrupted run of these outputs left: this run starts afresh
    if state is not None and state["finished"]:
        summary, decided = BatchSummary.from_json(state["summary"]), state["decided"]
    else:
        shown = not no_progress and sys.stderr.isatty()
        if total is None and shown and job.format_in in ("jsonl", "ndjson"):
            total = count_lines(source)
        with tqdm(total=total, unit=" records", file=sys.stderr, disable=not shown, dynamic_ncols=True) as bar:
            summary, decided = _decide(job, inputs, progress, state, bar)
    try:
        outputs.finish()
    except BatchFileError as exc:
        why = batch_error_text(exc, lang)
        fail(
            _said(lang, f"{why}; run the same command with --resume to finish", "finish_with_resume", message=why),
            lang=lang,
        )
    if state is not None and state["done"]:
        click.echo(resumed_line(state["done"], lang))
    click.echo(render_text(summary, lang))
    said = ("决定", "错误") if lang == "zh" else ("decisions", "errors")
    shown_errors = f"{printable(str(errors_path))} ({summary.total.errors})"
    click.echo(f"{said[0]}: {printable(str(output))} ({decided}); {said[1]}: {shown_errors}")
    if summary.total.errors:
        sys.exit(EXIT_SOME_ERRORS)


@dataclass(frozen=True, slots=True)
class _Job:
    """What one batch is asked to do."""

    source: Path
    outputs: Outputs
    format_in: str
    format_out: OutputFormat
    registry: PolicyRegistry
    workers: int
    chunk_size: int
    policy_id: str | None
    as_of: dt.date | None
    lang: Literal["zh", "en"]

    def identity(self, policy_dirs: tuple[Path, ...]) -> dict[str, Any]:
        """What a resumed run must share with the interrupted one: the input, unchanged, the options, the outputs."""
        info = self.source.stat()
        report = self.outputs.report
        return {
            "input": os.path.realpath(self.source),
            "input_size": info.st_size,
            "input_mtime_ns": info.st_mtime_ns,
            "format_in": self.format_in,
            "format_out": self.format_out,
            "policy": self.policy_id,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "policies": [os.path.realpath(folder) for folder in policy_dirs],
            "policy_files": fingerprint(self.registry.roots),
            "decisions": str(self.outputs.decisions.final),
            "errors": str(self.outputs.errors.final),
            "report": str(report.final) if report else None,
        }


class _Nowhere:
    """A stream that keeps nothing (to check that a writer can be made before any file is opened)."""

    def write(self, text: str, /) -> int:
        return len(text)


def _checked(inputs: Iterator[RecordInput], source: Path) -> Iterator[RecordInput]:
    """The records, the first read now.

    An unknown format, a bad CSV header or an input with no record at all is refused before any file is opened.
    """
    first = next(inputs, None)
    if first is None:
        message = f"{source}: holds no record, so there is nothing to decide"
        raise BatchFileError(message, source, code="empty_input", details={"source": printable(str(source))})
    return itertools.chain([first], inputs)


def _open_parts(outputs: Outputs, state: dict[str, Any] | None, lang: Literal["zh", "en"]) -> tuple[PartFile, PartFile]:
    """The decisions' and the errors' part files: created afresh, or cut back to what was committed.

    A fresh batch that cannot create one removes what it created, leaving nothing behind.
    """
    at = (None, None) if state is None else (state["parts"]["decisions"], state["parts"]["errors"])
    created: list[PartFile] = []
    try:
        created.append(PartFile(outputs.streamed, outputs.decisions.given, resume_at=at[0]))
        created.append(PartFile(outputs.errors.part, outputs.errors.given, resume_at=at[1]))
    except BatchFileError as exc:
        for part in created:
            part.close()
        if state is None:
            outputs.remove_parts()
        fail(batch_error_text(exc, lang), lang=lang)
    return created[0], created[1]


def _decide(
    job: _Job, inputs: Iterator[RecordInput], progress: Progress, state: dict[str, Any] | None, bar: tqdm[Any]
) -> tuple[BatchSummary, int]:
    """Decide the records not done yet, committing every chunk; then complete every part.

    Returns the summary of the whole batch and the decisions written. Exits on an interruption or a failure,
    keeping the committed chunks for ``--resume``; a fresh run that committed nothing, or whose input turns out
    unreadable, leaves nothing behind.
    """
    outputs = job.outputs
    decisions, errors = _open_parts(outputs, state, job.lang)
    writer = Writer(decisions, job.format_out, header=state is None, count=state["decided"] if state else 0)
    run = _Run(writer, errors, decisions, progress, bar)
    if state is not None:
        run.summary, run.done = BatchSummary.from_json(state["summary"]), state["done"]
        run.committed = run.done
        bar.update(run.done)
    results = _outcomes(job, run.feed(itertools.islice(inputs, run.done, None)))
    try:
        if state is None:
            run.commit()
        for decision, error in results:
            run.result(decision, error)
            if run.due(job.chunk_size):
                run.commit()
        run.finish()
        run.commit()
        decisions.close()
        errors.close()
        _complete(job, run.summary)
        run.commit(finished=True)
    except KeyboardInterrupt:
        _stop(results, decisions, errors)
        said = _said(job.lang, f"interrupted after {run.committed} records", "interrupted", n=str(run.committed))
        _resumable(job, run, state, said, EXIT_INTERRUPTED)
    except BatchFileError as exc:
        _stop(results, decisions, errors)
        _resumable(job, run, state, batch_error_text(exc, job.lang))
    except BrokenExecutor as exc:
        _stop(results, decisions, errors)
        _resumable(
            job, run, state, _said(job.lang, f"a worker process stopped: {exc}", "worker_stopped", reason=str(exc))
        )
    except CePolicyError as exc:  # the input turned out unreadable: resuming would meet it again
        _stop(results, decisions, errors)
        outputs.remove_parts()
        fail(batch_error_text(exc, job.lang), lang=job.lang)
    return run.summary, writer.count


def _outcomes(job: _Job, records: Iterable[Any]) -> Iterator[tuple[dict[str, Any] | None, BatchError | None]]:
    """Each record's decision (as JSON data) or error, in input order.

    In one process, for CSV or Parquet (a flat row per decision), by the population path (``decide/bulk``),
    which makes no `Decision` for a record it looks up by situation; otherwise by `evaluate_many`.
    """
    if job.workers == 1 and job.format_out != "jsonl":
        chunks = evaluate_population(
            records,
            chunk_size=max(job.chunk_size, _POPULATION_CHUNK),
            policy=job.policy_id,
            as_of=job.as_of,
            registry=job.registry,
        )
        yield from population_outcomes(chunks)
        return
    results = evaluate_many(
        records,
        workers=job.workers,
        chunk_size=job.chunk_size,
        policy=job.policy_id,
        as_of=job.as_of,
        registry=job.registry,
    )
    try:
        for result in results:
            # The decision's JSON, parsed as plain data: a worker sends JSON, and models are not needed here.
            yield (json.loads(result.decision_json) if result.decision_json else None), result.error
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # stops the workers at once when the batch stops early


def _complete(job: _Job, summary: BatchSummary) -> None:
    """Write what is left once every record is done: Parquet from its rows, and the report."""
    outputs = job.outputs
    if outputs.rows is not None:
        _parquet(outputs)
    if outputs.report is not None:
        page = render_html(summary, job.lang, source=str(job.source), registry=job.registry)
        _write_report(outputs.report.part, outputs.report.given, page)


def _stop(results: Iterator[Any], *parts: PartFile) -> None:
    """Stop the workers and close the parts, quietly (what follows the last commit is cut on resume)."""
    close = getattr(results, "close", None)
    if close is not None:
        close()
    for part in parts:
        with contextlib.suppress(BatchFileError):
            part.close()


def _resumable(job: _Job, run: _Run, state: dict[str, Any] | None, message: str, status: int = 2) -> NoReturn:
    """Stop with ``message``, keeping the committed records for ``--resume``; a fresh run with none leaves nothing."""
    if state is None and run.committed == 0:
        job.outputs.remove_parts()
        fail(message, status, lang=job.lang)
    kept = "the outputs are untouched, and the records done so far are kept: run the same command with --resume"
    fail(_said(job.lang, f"{message}; {kept} to continue", "kept", message=message), status, lang=job.lang)


def _parquet(outputs: Outputs) -> None:
    """Make the rows into the decisions' Parquet part."""
    assert outputs.rows is not None  # noqa: S101 - Parquet only
    try:
        write_parquet(outputs.rows, outputs.decisions.part)
    except OSError as exc:
        raise write_error(outputs.decisions.given, exc) from exc


def _write_report(part: Path, report: Path, page: str) -> None:
    """Write the report's part (replacing one a crash left)."""
    try:
        part.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise write_error(report, exc) from exc
