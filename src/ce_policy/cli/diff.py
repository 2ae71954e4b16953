"""``ce-policy diff OLD NEW``: the decisions that change between two versions of the policies, over a population."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import click
from tqdm import tqdm

from ce_policy.analysis.diff import diff_policies, load_version
from ce_policy.cli.exit import fail
from ce_policy.model.errors import CePolicyError
from ce_policy.model.record_files import RecordInput, iter_records
from ce_policy.testing.population import MAX_GENERATED, GeneratedPopulation, generate_common_records
from ce_policy.text.batch_words import batch_error_text, batch_words
from ce_policy.text.diff_report import render_html, render_text
from ce_policy.text.terminal import printable

__all__ = ["diff_command"]

EXIT_CHANGED = 1


def _generated(count: int, seed: int, drawn: GeneratedPopulation) -> dict[str, Any]:
    """How a generated population is described in the report: the counts, and what was left out and why."""
    population: dict[str, Any] = {"generated": count, "seed": seed, "drawn": drawn.drawn, "distinct": drawn.distinct}
    if drawn.left_out:
        population["left_out"] = sum(item.records for item in drawn.left_out)
        population["left_out_why"] = [item.as_json() for item in drawn.left_out]
    return population


@click.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option(
    "--records",
    "records_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The population: a JSON Lines (.jsonl) or CSV (.csv) file of records.",
)
@click.option(
    "--generate",
    type=click.IntRange(1, MAX_GENERATED),
    help="The population: this many records drawn as ce_policy.strategies draws them (seeded by --seed).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="The seed of --generate.")
@click.option("--policy", "policy_id", help="Decide every record under this policy id, on both sides.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date the decisions speak for.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--fail-on-change", is_flag=True, help="Exit with status 1 if any decision changed.")
def diff_command(
    old: str,
    new: str,
    records_file: Path | None,
    generate: int | None,
    seed: int,
    policy_id: str | None,
    as_of: dt.datetime | None,
    fmt: str,
    output: Path | None,
    lang: Literal["zh", "en"],
    fail_on_change: bool,
) -> None:
    """Evaluate a population under two versions of the policies, OLD and NEW, and report what changed.

    OLD and NEW are each `shipped` (the shipped policies), a complete policy folder (one holding
    registry.yaml, such as a copy of policies/), or a folder of layers that extend the shipped ones. The
    population is --records FILE or --generate N [--seed S]; generated records are drawn only for years,
    regions and sectors both versions have a policy in force for, and the report says what was left out.
    Exit status: 0 when done (1 with --fail-on-change if any decision changed), 2 on an error.
    """
    if (records_file is None) == (generate is None):
        one = "give exactly one of --records FILE and --generate N"
        fail(one if lang == "en" else batch_words("one_population", {}), lang=lang)
    try:
        old_registry, old_label = load_version(old)
        new_registry, new_label = load_version(new)
        population: dict[str, Any]
        records: Iterable[RecordInput | dict[str, Any]]
        if records_file is not None:
            records, population = iter_records(records_file), {"file": str(records_file)}
        else:
            assert generate is not None  # noqa: S101 - checked above
            day = as_of.date() if as_of else None
            with tqdm(
                total=generate, unit=" records drawn", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False
            ) as bar:
                drawn = generate_common_records(
                    generate, seed, old_registry, new_registry, policy=policy_id, as_of=day, progress=bar.update
                )
            records, population = drawn.records, _generated(generate, seed, drawn)
        deciding: tqdm[RecordInput | dict[str, Any]] = tqdm(
            records, unit=" records decided", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False
        )  # counted against the total for a generated population; a file's is not known ahead
        with deciding:
            result = diff_policies(
                old_registry, new_registry, deciding, policy=policy_id, as_of=as_of.date() if as_of else None
            )
    except CePolicyError as exc:
        fail(batch_error_text(exc, lang, escape=False), lang=lang)
    result = result.model_copy(update={"old": old_label, "new": new_label, "population": population})
    if fmt == "json":
        report = result.model_dump_json(indent=2)
    elif fmt == "html":
        report = render_html(result, lang)
    else:
        report = render_text(result, lang)
    if output is None:
        click.echo(report)
    else:
        try:
            output.write_text(report if report.endswith("\n") else report + "\n", encoding="utf-8")
        except OSError as exc:
            reason, shown = exc.strerror or str(exc), printable(str(output))
            details = {"path": shown, "reason": reason, "errno": str(exc.errno or "")}
            fail(
                f"cannot write {output}: {reason}" if lang == "en" else batch_words("write_failed", details), lang=lang
            )
    if fail_on_change and result.changed:
        sys.exit(EXIT_CHANGED)
