"""The ``ce-policy`` command line."""

from __future__ import annotations

import datetime as dt
import json
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel, TypeAdapter

from ce_policy.cli.exit import fail
from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.title_review import evaluate_title_review
from ce_policy.model.decision import Decision, TitleReviewDecision
from ce_policy.model.errors import CePolicyError, RecordError, RecordProblem
from ce_policy.model.json_text import JsonTextError, parse_json
from ce_policy.model.record import History, Record
from ce_policy.policy.registry import PolicyRegistry, registry_with
from ce_policy.text.render import render_decision, render_title_review
from ce_policy.text.terminal import printable

__all__ = ["main"]

_SCHEMAS: dict[str, type[Any]] = {
    "record": Record,
    "decision": Decision,
    "history": History,
    "title-review": TitleReviewDecision,
}


_registry = registry_with


MAX_INPUT_CHARS = 16 * 2**20
"""The most characters a record or history read by ``evaluate``, ``explain`` or ``title-review`` may have: four
times the longest line of a batch (`ce_policy.model.record_files.MAX_LINE_CHARS`), for indented JSON and a
history of several years."""


def _read_json(source: str) -> Any:
    """The JSON value of a file (or standard input, ``-``), read strictly (`parse_json`), with or without a BOM."""
    try:
        if source == "-":
            text = sys.stdin.read(MAX_INPUT_CHARS + 1)
        else:
            with Path(source).open(encoding="utf-8-sig") as stream:
                text = stream.read(MAX_INPUT_CHARS + 1)
    except OSError as exc:
        fail(printable(f"cannot read {source}: {exc.strerror or exc}"))
    except UnicodeDecodeError:
        fail(printable(f"cannot read {source}: not UTF-8 text"))
    text = text.removeprefix("\ufeff")  # standard input may bring one too
    name = "standard input" if source == "-" else source
    if len(text) > MAX_INPUT_CHARS:
        message = f"{name} holds more than {MAX_INPUT_CHARS:,} characters, far more than any record or history"
        raise RecordError([RecordProblem("$", "too_large", message)])
    if not text.strip():
        raise RecordError([RecordProblem("$", "invalid_json", f"{name} is empty: expected a JSON object")])
    try:
        return parse_json(text)
    except JsonTextError as exc:
        raise RecordError([RecordProblem(exc.path, exc.code, exc.message)]) from None


def _decided(
    source: str, policy_id: str | None, as_of: dt.datetime | None, policy_dirs: tuple[Path, ...]
) -> tuple[PolicyRegistry, Decision]:
    """The registry of the shipped policies and ``policy_dirs``, and the decision on the record read from ``source``."""
    registry = _registry(policy_dirs)
    day = as_of.date() if as_of else None
    return registry, evaluate(_read_json(source), policy=policy_id, as_of=day, registry=registry)


def _emit(decision: BaseModel, text: str, fmt: str) -> None:
    click.echo(decision.model_dump_json(indent=2) if fmt == "json" else text)


_policies_option = click.option(
    "--policies",
    "policy_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help=(
        "A folder of extra policy layers to load next to the shipped ones (repeatable); "
        "it must hold a layer, and may not change the default region."
    ),
)
_lang_option = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="The language of the text output; --format json is the same in every language (codes, not words).",
)
_format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


class _LazyGroup(click.Group):
    """A command group whose subcommands kept in other modules are imported only when run or listed.

    So that ``ce-policy evaluate`` does not load what batch, diff, lint, replay, check and test need.
    """

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every subcommand's name, loaded or not."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The subcommand ``cmd_name``, importing its module first if it is a lazy one."""
        where = self.lazy.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        module, name = where.split(":")
        command = getattr(import_module(module), name)
        assert isinstance(command, click.Command)  # noqa: S101 - a wrong table entry is a bug of ours
        return command


_LAZY_COMMANDS = {
    "batch": "ce_policy.cli.batch:batch_command",
    "check": "ce_policy.cli.folder:check_command",
    "diff": "ce_policy.cli.diff:diff_command",
    "lint": "ce_policy.cli.lint:lint_command",
    "replay": "ce_policy.cli.replay:replay_command",
    "test": "ce_policy.cli.folder:test_command",
}


@click.group(cls=_LazyGroup, lazy=_LAZY_COMMANDS)
@click.version_option(package_name="ce-policy")
def main() -> None:
    """Continuing-education policies for professional technical personnel (专业技术人员继续教育)."""


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
        registry, decision = _decided(source, policy_id, as_of, policy_dirs)
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
                "sector_name": None
                if p.top.sector_name is None
                else dict(zip(("zh", "en"), p.top.sector_name, strict=True)),
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
        if row["sector_name"] is not None:
            sector = f"{sector} ({row['sector_name']['zh']} / {row['sector_name']['en']})"
        click.echo(
            f"    regions: {', '.join(row['regions'])}  years: {', '.join(map(str, row['years']))}  sector: {sector}"
        )
        click.echo(f"    chain: {' → '.join(row['chain'])}")


@main.command("schema")
@click.argument("which", type=click.Choice(sorted(_SCHEMAS)), default="record")
@click.option("--policy", "policy_id", help="A record or history as this policy reads it (its values and attributes).")
@_policies_option
def schema_command(which: str, policy_id: str | None, policy_dirs: tuple[Path, ...]) -> None:
    """Print the JSON Schema of a record, decision, history or title-review decision."""
    if which in ("record", "history"):
        from ce_policy.policy.schema import record_schema  # noqa: PLC0415 - only this command needs it

        try:
            policy = _registry(policy_dirs).policy(policy_id) if policy_id else None
        except CePolicyError as exc:
            fail(exc, 1)
        schema = record_schema("record" if which == "record" else "history", policy)
    else:
        if policy_id:
            raise click.UsageError("--policy applies to the schema of a record or a history")
        schema = TypeAdapter(_SCHEMAS[which]).json_schema(mode="serialization")
    click.echo(json.dumps(schema, ensure_ascii=False, indent=2))


@main.command("explain")
@click.argument("source", metavar="FILE|-")
@click.option("--policy", "policy_id", help="Evaluate under this policy id instead of the one for the region and year.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date the decision speaks for.")
@_lang_option
@_format_option
@_policies_option
def explain_command(
    source: str,
    policy_id: str | None,
    as_of: dt.datetime | None,
    lang: str,
    fmt: str,
    policy_dirs: tuple[Path, ...],
) -> None:
    """Evaluate one record and explain the decision step by step, with the text of each clause.

    With --format json: each activity's and the year's rules in order, each with its clause, as data.
    """
    try:
        registry, decision = _decided(source, policy_id, as_of, policy_dirs)
        if fmt == "json":
            from ce_policy.text.explain import explain_data  # noqa: PLC0415 - only this format needs it

            data = explain_data(decision, registry.policy(decision.policy.id))
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        click.echo(decision.explain(lang, registry=registry))  # type: ignore[arg-type]
    except CePolicyError as exc:
        fail(exc, 1)
