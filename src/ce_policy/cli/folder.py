"""``ce-policy check`` and ``ce-policy test``: a department's policy folder validated, and its cases run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import click

from ce_policy.cli.options import lang_option
from ce_policy.cli.problems import fail_in, placer
from ce_policy.engine.compiler import compile_policy
from ce_policy.model.errors import CePolicyError, PolicyFileError, PolicyProblem
from ce_policy.policy.folders import layers_in, policy_root, registry_for
from ce_policy.policy.registry import shipped_policy_root
from ce_policy.testing.case_suite import SuiteResult, run_suite
from ce_policy.text.problem_text import Place, cli_line, mismatch_text

__all__ = ["check_command", "test_command"]


_FOLDER = click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
"""FOLDER, as `lint` takes it: optional, the shipped policies by default."""


Language = Literal["zh", "en"]


@click.command("check")
@_FOLDER
@lang_option
def check_command(folder: Path | None, lang: Language) -> None:
    """Validate every policy layer in FOLDER strictly, and compile it for every period it defines.

    Every problem is listed with file and line. FOLDER (default: the shipped policies) may be a complete policy
    folder (holding registry.yaml, checked on its own), a folder of layers that extend the shipped ones, or a
    layer folder whose base layers are its siblings; only the layers in FOLDER are reported. Files are shown
    relative to the current folder.
    """
    try:
        ids = _check(folder or shipped_policy_root())
    except CePolicyError as exc:
        fail_in(exc, lang, placer(folder))
    click.echo(cli_line("check_ok", lang, n=str(len(ids)), ids=", ".join(ids)))


def _check(folder: Path) -> list[str]:
    registry = registry_for(policy_root(folder))
    ids = layers_in(registry, folder)
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


@click.command("test")
@_FOLDER
@click.option("--coverage", is_flag=True, help="Report which rules and clauses the cases exercised, per layer.")
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 100),
    help="Fail when the cases make fewer than this percentage of the folder's rules fire.",
)
@lang_option
def test_command(folder: Path | None, coverage: bool, min_coverage: float | None, lang: Language) -> None:
    """Run the YAML cases of the policy layers in FOLDER (without pytest); exit 1 on any failure.

    FOLDER (default: the shipped policies) is loaded as for `check`: a complete policy folder on its own, other
    layers next to the shipped ones and to their sibling layers. Files are shown relative to the current folder.
    """
    place = placer(folder)
    try:
        suite = run_suite(folder or shipped_policy_root())
    except CePolicyError as exc:
        fail_in(exc, lang, place)
    _report(suite, lang, place, coverage=coverage or min_coverage is not None)
    click.echo(
        cli_line(
            "test_summary", lang, passed=str(len(suite.results) - len(suite.failed)), failed=str(len(suite.failed))
        )
    )
    if suite.failed:
        sys.exit(1)
    if min_coverage is not None and suite.rule_percent < min_coverage:
        line = cli_line("below_coverage", lang, percent=f"{suite.rule_percent:.1f}", wanted=f"{min_coverage:g}")
        click.echo(cli_line("error", lang, message=line), err=True)
        sys.exit(1)


def _report(suite: SuiteResult, lang: Language, place: Place, *, coverage: bool) -> None:
    """The failed cases with their mismatches, then (with ``coverage``) what the cases exercised, per layer."""
    for result in suite.failed:
        where = f"{place(result.case.file)}:{result.case.line}"
        click.echo(cli_line("case_failed", lang, where=where, name=result.case.name))
        for mismatch in result.mismatches:
            click.echo(f"    {mismatch_text(mismatch, lang)}")
    if not coverage:
        return
    click.echo(cli_line("coverage_head", lang))
    for layer in suite.coverage:
        fields = {
            "layer": layer.layer,
            "fired": str(len(layer.fired)),
            "rules": str(len(layer.rules)),
            "percent": f"{layer.rule_percent:.1f}",
            "cited": str(len(layer.cited)),
            "clauses": str(len(layer.clauses)),
        }
        click.echo("  " + cli_line("coverage_layer", lang, **fields))
        for rule in layer.missed:
            click.echo("      " + cli_line("never_fired", lang, rule=rule))
    click.echo("  " + cli_line("coverage_total", lang, percent=f"{suite.rule_percent:.1f}"))
