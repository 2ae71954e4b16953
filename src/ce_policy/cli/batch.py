"""``ce-policy batch IN -o OUT``: decide every record of a file, streaming, with errors kept, a summary and a report."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, get_args

import click
from tqdm import tqdm

from ce_policy.cli.batch_io import OutputFormat, ParquetUnavailableError, Writer, error_row, open_writer
from ce_policy.cli.exit import fail
from ce_policy.decide.many import BatchError, evaluate_many
from ce_policy.model.errors import CePolicyError
from ce_policy.model.record import GENERAL_SECTOR
from ce_policy.model.record_files import RecordInput, iter_records
from ce_policy.policy.registry import registry_with
from ce_policy.text.batch_report import BatchSummary, render_html, render_text

__all__ = ["batch_command"]

EXIT_SOME_ERRORS = 1


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
    """One batch: reads the records, keeps each one's origin until its result comes back, writes and counts."""

    def __init__(self, writer: Writer, errors: IO[str], bar: tqdm[Any]) -> None:
        self.writer, self.errors, self.bar = writer, errors, bar
        self.summary = BatchSummary()
        self.origins: deque[_Origin] = deque()

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
        self.bar.update()


def _count_lines(path: Path) -> int | None:
    """The lines of a JSON Lines file (a cheap bound of its records), for the progress bar."""
    try:
        with path.open("rb") as stream:
            return sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
    except OSError:
        return None


@click.command("batch")
@click.argument("source", metavar="IN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The decisions.")
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
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--total", type=click.IntRange(min=0), help="Records expected, for the progress bar's ETA.")
@click.option("--no-progress", is_flag=True, help="No progress bar (there is none when stderr is not a terminal).")
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
) -> None:
    """Decide every record of IN (JSON Lines or CSV) and write the decisions to OUT (.jsonl, .csv or .parquet).

    Records that cannot be read or decided go to the error file (--errors, default OUT's name with
    .errors.jsonl), each with its file:line and every problem's JSON path; none is dropped. A summary is
    printed at the end; --report writes an HTML page with charts. Exit status: 0 when every record was
    decided, 1 when some had errors, 2 when the input, the options or the policies are unusable.
    """
    errors_path = errors_path or output.with_name(f"{output.stem}.errors.jsonl")
    if len({output.resolve(), errors_path.resolve(), *([report.resolve()] if report else [])}) < 2 + bool(report):
        fail("the output, error and report files must be different files")
    try:
        registry = _registry(policy_dirs)
        if policy_id is not None:
            registry.policy(policy_id)
        inputs = iter_records(source, format=format_in)
        writer = open_writer(output, format_out)
    except (CePolicyError, ValueError, ParquetUnavailableError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    shown = not no_progress and sys.stderr.isatty()
    if total is None and shown and (format_in or source.suffix.lower().lstrip(".")) in ("jsonl", "ndjson"):
        total = _count_lines(source)
    try:
        with (
            writer,
            errors_path.open("w", encoding="utf-8") as errors,
            tqdm(total=total, unit=" records", file=sys.stderr, disable=not shown, dynamic_ncols=True) as bar,
        ):
            run = _Run(writer, errors, bar)
            results = evaluate_many(
                run.feed(inputs),
                workers=workers or os.cpu_count() or 1,
                chunk_size=chunk_size,
                policy=policy_id,
                as_of=as_of.date() if as_of else None,
                registry=registry,
            )
            for result in results:
                # The decision's JSON, parsed as plain data: a worker sends JSON, and models are not needed here.
                run.result(json.loads(result.decision_json) if result.decision_json else None, result.error)
            run.finish()
    except CePolicyError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write: {exc.strerror or exc}")
    summary = run.summary
    if report is not None:
        try:
            page = render_html(summary, lang, source=str(source), registry=registry)
            report.write_text(page, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {report}: {exc.strerror or exc}")
    click.echo(render_text(summary, lang))
    click.echo(f"decisions: {output} ({writer.count}); errors: {errors_path} ({summary.total.errors})")
    if summary.total.errors:
        sys.exit(EXIT_SOME_ERRORS)
