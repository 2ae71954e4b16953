"""``ce-policy lint [DIR]``: the command that prints `lint_policies`' findings."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Literal

import click

from ce_policy.analysis.lint import lint_policies
from ce_policy.cli.options import format_option, lang_option
from ce_policy.cli.problems import fail_in, placer
from ce_policy.model.errors import CePolicyError
from ce_policy.text.problem_text import finding_text, lint_summary

__all__ = ["lint_command"]


@click.command("lint")
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@format_option()
@lang_option
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (errors always do; info never does).")
def lint_command(folder: Path | None, fmt: str, lang: Literal["zh", "en"], strict: bool) -> None:
    """Lint the policy layers in FOLDER (default: the shipped policies), beyond what loading checks.

    Lists unused clauses and parameters, rules that can never fire or that conflict, days on which a rule
    reads a parameter without a value, and every provisional value with what it can decide, each with file,
    line and code. Layers in FOLDER may extend the shipped layers. Files are shown relative to the current
    folder (in text output).
    """
    place = placer(folder)
    try:
        report = lint_policies(folder)
    except CePolicyError as exc:
        fail_in(exc, lang, place)
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for finding in report.findings:
            click.echo(finding_text(finding, lang, place))
        click.echo(lint_summary(report, lang))
    if report.failed(strict=strict):
        sys.exit(1)
