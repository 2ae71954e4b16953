"""The ``ce-policy`` command line."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import click
from pydantic import BaseModel, TypeAdapter

from ce_policy._batch_cli import batch_command
from ce_policy._cases import policy_root, registry_for, run_suite
from ce_policy._cli_exit import fail
from ce_policy._compiler import compile_policy
from ce_policy._decision import Decision, TitleReviewDecision
from ce_policy._diff_cli import diff_command
from ce_policy._errors import CePolicyError, PolicyFileError, PolicyProblem, RecordError, RecordProblem
from ce_policy._evaluate import evaluate
from ce_policy._lint_cli import lint_command
from ce_policy._record import History, Record
from ce_policy._registry import registry_with
from ce_policy._render import render_decision, render_title_review
from ce_policy._replay_cli import replay_command
from ce_policy._title_review import evaluate_title_review

__all__ = ["main"]

_SCHEMAS: dict[str, type[Any]] = {
    "record": Record,
    "decision": Decision,
    "history": History,
    "title-review": TitleReviewDecision,
}


_registry = registry_with


def _read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {source}: {exc}") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        problem = RecordProblem(
            "$", "invalid_json", f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        )
        raise RecordError([problem]) from None


def _emit(decision: BaseModel, text: str, fmt: str) -> None:
    click.echo(decision.model_dump_json(indent=2) if fmt == "json" else text)


_policies_option = click.option(
    "--policies",
    "policy_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of extra policy layers to load next to the shipped ones (repeatable).",
)
_lang_option = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
_format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


@click.group()
@click.version_option(package_name="ce-policy")
def main() -> None:
    """Continuing-education policies for professional technical personnel (专业技术人员继续教育)."""


main.add_command(batch_command)
main.add_command(diff_command)
main.add_command(lint_command)
main.add_command(replay_command)


@main.command("evaluate")
@click.argument("source", metavar="FILE|-")
@click.option("--policy", "policy_id", help="Evaluate under this policy id instead of the one for the region and year.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date the decision speaks for.")
@_lang_option
@_format_option
@_policies_option
def evaluate_command(
    source: str,
    policy_id: str | None,
    as_of: dt.datetime | None,
    lang: str,
    fmt: str,
    policy_dirs: tuple[Path, ...],
) -> None:
    """Evaluate one record (a JSON file, or - for standard input)."""
    try:
        registry = _registry(policy_dirs)
        decision = evaluate(
            _read_json(source), policy=policy_id, as_of=as_of.date() if as_of else None, registry=registry
        )
        _emit(decision, render_decision(decision, registry.policy(decision.policy.id), lang), fmt)  # type: ignore[arg-type]
    except CePolicyError as exc:
        fail(exc, 1)


@main.command("title-review")
@click.argument("source", metavar="FILE|-")
@click.option("--review-year", type=int, required=True, help="The year of the title review.")
@click.option("--applied-on", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="The application date.")
@_lang_option
@_format_option
@_policies_option
def title_review_command(
    source: str, review_year: int, applied_on: dt.datetime, lang: str, fmt: str, policy_dirs: tuple[Path, ...]
) -> None:
    """Decide whether a history (JSON) allows applying for a title review (六(一))."""
    try:
        registry = _registry(policy_dirs)
        decision = evaluate_title_review(
            _read_json(source), review_year=review_year, applied_on=applied_on.date(), registry=registry
        )
        text = render_title_review(decision, registry.policy(decision.policy.id), lang)  # type: ignore[arg-type]
        _emit(decision, text, fmt)
    except CePolicyError as exc:
        fail(exc, 1)


@main.command("policies")
@_format_option
@_policies_option
def policies_command(fmt: str, policy_dirs: tuple[Path, ...]) -> None:
    """List the policies that can evaluate records: id, version, digest, regions, years and layer chain."""
    try:
        rows: list[dict[str, Any]] = [
            {
                "id": p.id,
                "version": p.version,
                "digest": p.digest,
                "regions": list(p.regions),
                "sector": p.sector,
                "years": list(p.years),
                "chain": list(p.chain),
            }
            for p in _registry(policy_dirs).policies()
        ]
    except CePolicyError as exc:
        fail(exc, 1)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['id']}  {row['version']}  {row['digest']}")
        sector = row["sector"] or "general"
        click.echo(
            f"    regions: {', '.join(row['regions'])}  years: {', '.join(map(str, row['years']))}  sector: {sector}"
        )
        click.echo(f"    chain: {' → '.join(row['chain'])}")


@main.command("schema")
@click.argument("which", type=click.Choice(sorted(_SCHEMAS)), default="record")
def schema_command(which: str) -> None:
    """Print the JSON Schema of a record, decision, history or title-review decision."""
    mode: Literal["validation", "serialization"] = "validation" if which in ("record", "history") else "serialization"
    schema = TypeAdapter(_SCHEMAS[which]).json_schema(mode=mode)
    click.echo(json.dumps(schema, ensure_ascii=False, indent=2))


@main.command("check")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def check_command(folder: Path) -> None:
    """Validate every policy layer in FOLDER strictly, and compile it for every period it defines.

    Every problem is listed with file and line. Layers in FOLDER may extend the shipped layers.
    """
    try:
        ids = _check(folder)
    except CePolicyError as exc:
        fail(exc, 1)
    click.echo(f"ok: {len(ids)} layer(s) valid: {', '.join(ids)}")


def _check(folder: Path) -> list[str]:
    registry = registry_for(policy_root(folder))
    ids = registry.layers_under(folder)
    if not ids:
        raise PolicyFileError.single(str(folder), None, "no_layers", "no policy layer (layer.yaml) in this folder")
    problems: list[PolicyProblem] = []
    for layer_id in ids:
        try:
            policy = registry.policy(layer_id)
            for day in (policy.top.in_force_from, *policy.breakpoints):
                compile_policy(policy, day)
        except PolicyFileError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise PolicyFileError(problems)
    return ids


@main.command("test")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--coverage", is_flag=True, help="Report which rules and clauses the cases exercised, per layer.")
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 100),
    help="Fail when the cases make fewer than this percentage of the folder's rules fire.",
)
def test_command(folder: Path, coverage: bool, min_coverage: float | None) -> None:
    """Run the YAML cases of the policy layers in FOLDER (without pytest); exit 1 on any failure."""
    try:
        suite = run_suite(folder)
    except CePolicyError as exc:
        fail(exc, 1)
    for result in suite.failed:
        click.echo(f"FAILED {result.case.file}:{result.case.line}: {result.case.name}")
        for mismatch in result.mismatches:
            click.echo(f"    {mismatch}")
    if coverage or min_coverage is not None:
        click.echo("coverage (rules fired by the cases):")
        for layer in suite.coverage:
            click.echo(
                f"  {layer.layer}: {len(layer.fired)}/{len(layer.rules)} rules ({layer.rule_percent:.1f}%), "
                f"{len(layer.cited)}/{len(layer.clauses)} clauses"
            )
            for rule in layer.missed:
                click.echo(f"      never fired: {rule}")
        click.echo(f"  total: {suite.rule_percent:.1f}% of rules")
    passed = len(suite.results) - len(suite.failed)
    click.echo(f"{passed} passed, {len(suite.failed)} failed")
    if suite.failed:
        sys.exit(1)
    if min_coverage is not None and suite.rule_percent < min_coverage:
        click.echo(f"error: rule coverage {suite.rule_percent:.1f}% is below {min_coverage:g}%", err=True)
        sys.exit(1)


@main.command("explain")
@click.argument("source", metavar="FILE|-")
@click.option("--policy", "policy_id", help="Evaluate under this policy id instead of the one for the region and year.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date the decision speaks for.")
@_lang_option
@_policies_option
def explain_command(
    source: str, policy_id: str | None, as_of: dt.datetime | None, lang: str, policy_dirs: tuple[Path, ...]
) -> None:
    """Evaluate one record and explain the decision step by step, with the text of each clause."""
    try:
        registry = _registry(policy_dirs)
        decision = evaluate(
            _read_json(source), policy=policy_id, as_of=as_of.date() if as_of else None, registry=registry
        )
        click.echo(decision.explain(lang, registry=registry))  # type: ignore[arg-type]
    except CePolicyError as exc:
        fail(exc, 1)
