"""``ce-policy lint [DIR]``: the command that prints `lint_policies`' findings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ce_policy.analysis.lint import lint_policies
from ce_policy.cli.exit import fail
from ce_policy.model.errors import CePolicyError

__all__ = ["lint_command"]


@click.command("lint")
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (errors always do; info never does).")
def lint_command(folder: Path | None, fmt: str, strict: bool) -> None:
    """Lint the policy layers in FOLDER (default: the shipped policies), beyond what loading checks.

    Lists unused clauses and parameters, rules that can never fire or that conflict, days on which a rule
    reads a parameter without a value, and every provisional value with what it can decide, each with file,
    line and code. Layers in FOLDER may extend the shipped layers.
    """
    try:
        report = lint_policies(folder)
    except CePolicyError as exc:
        fail(exc, 1)
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for finding in report.findings:
            click.echo(str(finding))
        click.echo(report.summary)
    if report.failed(strict=strict):
        sys.exit(1)
