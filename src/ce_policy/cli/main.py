"""The ``ce-policy`` command line."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import Any, Literal, NoReturn

import click
from pydantic import BaseModel, TypeAdapter

from ce_policy.cli.exit import EXIT_UNUSABLE
from ce_policy.cli.options import format_option, lang_option
from ce_policy.cli.usage import worded_usage
from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.title_review import evaluate_title_review
from ce_policy.model.decision import Decision, TitleReviewDecision
from ce_policy.model.errors import CePolicyError, RecordError, RecordProblem
from ce_policy.model.json_text import JsonTextError, parse_json
from ce_policy.model.record import History, Record
from ce_policy.policy.registry import PolicyRegistry, registry_with
from ce_policy.text.error_text import error_text, read_failure
from ce_policy.text.glossary import sector_term
from ce_policy.text.problem_text import cli_line
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

Language = Literal["zh", "en"]


def fail(error: CePolicyError | str, lang: Language, status: int = EXIT_UNUSABLE) -> NoReturn:
    """Print ``error: …`` (``错误：…``) in ``lang`` on standard error, and exit with ``status``.

    An error of ce_policy is worded by `error_text` (a record's problems each in ``lang``); a string is said
    as given, already in ``lang``.
    """
    text = error if isinstance(error, str) else error_text(error, lang)
    click.echo(cli_line("error", lang, message=printable(text) if isinstance(error, str) else text), err=True)
    sys.exit(status)


MAX_INPUT_CHARS = 16 * 2**20
"""The most characters a record or history read by ``evaluate``, ``explain`` or ``title-review`` may have: four
times the longest line of a batch (`ce_policy.model.record_files.MAX_LINE_CHARS`), for indented JSON and a
history of several years."""


def _read_json(source: str, lang: Language) -> Any:
    """The JSON value of a file (or standard input, ``-``), read strictly (`parse_json`), with or without a BOM."""
    try:
        if source == "-":
            text = sys.stdin.read(MAX_INPUT_CHARS + 1)
        else:
            with Path(source).open(encoding="utf-8-sig") as stream:
                text = stream.read(MAX_INPUT_CHARS + 1)
    except (OSError, UnicodeDecodeError) as exc:
        fail(read_failure(source, exc, lang), lang)
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
    source: str, policy_id: str | None, as_of: dt.datetime | None, policy_dirs: tuple[Path, ...], lang: Language
) -> tuple[PolicyRegistry, Decision]:
    """The registry of the shipped policies and ``policy_dirs``, and the decision on the record read from ``source``."""
    registry = _registry(policy_dirs)
    day = as_of.date() if as_of else None
    return registry, evaluate(_read_json(source, lang), policy=policy_id, as_of=day, registry=registry)


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
_lang_option = lang_option
_format_option = format_option()


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

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        """The group's context; a usage error in the language the command line asks for (`worded_usage`)."""
        given = list(args)
        try:
            ctx = super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise worded_usage(exc, given) from None
        ctx.meta["ce_policy.args"] = given
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; a usage error of its command line in the language it asks for."""
        args: Sequence[str] = ctx.meta.get("ce_policy.args", ())
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise worded_usage(exc, args) from None


_LAZY_COMMANDS = {
    "batch": "ce_policy.cli.batch:batch_command",
    "check": "ce_policy.cli.folder:check_command",
    "diff": "ce_policy.cli.diff:diff_command",
    "lint": "ce_policy.cli.lint:lint_command",
    "replay": "ce_policy.cli.replay:replay_command",
    "serve": "ce_policy.cli.serve:serve_command",
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
    lang: Language,
    fmt: str,
    policy_dirs: tuple[Path, ...],
) -> None:
    """Evaluate one record (a JSON file, or - for standard input)."""
    try:
        registry, decision = _decided(source, policy_id, as_of, policy_dirs, lang)
        _emit(decision, render_decision(decision, registry.policy(decision.policy.id), lang), fmt)
    except CePolicyError as exc:
        fail(exc, lang, 1)


@main.command("title-review")
@click.argument("source", metavar="FILE|-")
@click.option("--review-year", type=int, required=True, help="The year of the title review.")
@click.option("--applied-on", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="The application date.")
@_lang_option
@_format_option
@_policies_option
def title_review_command(
    source: str, review_year: int, applied_on: dt.datetime, lang: Language, fmt: str, policy_dirs: tuple[Path, ...]
) -> None:
    """Decide whether a history (JSON) allows applying for a title review (六(一))."""
    try:
        registry = _registry(policy_dirs)
        decision = evaluate_title_review(
            _read_json(source, lang),
            review_year=review_year,
            applied_on=applied_on.date(),
            registry=registry,
        )
        text = render_title_review(decision, registry.policy(decision.policy.id), lang)
        _emit(decision, text, fmt)
    except CePolicyError as exc:
        fail(exc, lang, 1)


@main.command("policies")
@_lang_option
@_format_option
@_policies_option
def policies_command(lang: Language, fmt: str, policy_dirs: tuple[Path, ...]) -> None:
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
        fail(exc, lang, 1)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['id']}  {row['version']}  {row['digest']}")
        names = row["sector_name"]
        code = row["sector"] or "general"
        term = sector_term(code, lang, None if names is None else (names["zh"], names["en"]))
        sector = code if term == code else f"{term} ({code})"
        fields = {
            "regions": ", ".join(row["regions"]),
            "years": ", ".join(map(str, row["years"])),
            "sector": sector,
            "chain": " → ".join(row["chain"]),
        }
        click.echo(cli_line("policy_row", lang, **fields))


@main.command("schema")
@click.argument("which", type=click.Choice(sorted(_SCHEMAS)), default="record")
@click.option("--policy", "policy_id", help="A record or history as this policy reads it (its values and attributes).")
@_lang_option
@_policies_option
def schema_command(which: str, policy_id: str | None, lang: Language, policy_dirs: tuple[Path, ...]) -> None:
    """Print the JSON Schema of a record, decision, history or title-review decision."""
    if which in ("record", "history"):
        from ce_policy.policy.schema import record_schema  # noqa: PLC0415 - only this command needs it

        try:
            policy = _registry(policy_dirs).policy(policy_id) if policy_id else None
        except CePolicyError as exc:
            fail(exc, lang, 1)
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
    lang: Language,
    fmt: str,
    policy_dirs: tuple[Path, ...],
) -> None:
    """Evaluate one record and explain the decision step by step, with the text of each clause.

    With --format json: each activity's and the year's rules in order, each with its clause, as data.
    """
    try:
        registry, decision = _decided(source, policy_id, as_of, policy_dirs, lang)
        if fmt == "json":
            from ce_policy.text.explain import explain_data  # noqa: PLC0415 - only this format needs it

            data = explain_data(decision, registry.policy(decision.policy.id))
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        click.echo(decision.explain(lang, registry=registry))
    except CePolicyError as exc:
        fail(exc, lang, 1)
