"""``ce-policy check`` and ``ce-policy test``: a department's policy folder validated, and its cases run."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ce_policy.cli.exit import fail
from ce_policy.engine.compiler import compile_policy
from ce_policy.model.errors import CePolicyError, PolicyFileError, PolicyProblem
from ce_policy.policy.folders import layers_in, policy_root, registry_for
from ce_policy.policy.registry import shipped_policy_root
from ce_policy.testing.case_suite import run_suite

__all__ = ["check_command", "test_command"]


_FOLDER = click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
"""FOLDER, as `lint` takes it: optional, the shipped policies by default."""


@click.command("check")
@_FOLDER
def check_command(folder: Path | None) -> None:
    """Validate every policy layer in FOLDER strictly, and compile it for every period it defines.

    Every problem is listed with file and line. FOLDER (default: the shipped policies) may be a complete policy
    folder (holding registry.yaml, checked on its own), a folder of layers that extend the shipped ones, or a
    layer folder whose base layers are its siblings; only the layers in FOLDER are reported.
    """
    try:
        ids = _check(folder or shipped_policy_root())
    except CePolicyError as exc:
        fail(exc, 1)
    click.echo(f"ok: {len(ids)} layer(s) valid: {', '.join(ids)}")


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
def test_command(folder: Path | None, coverage: bool, min_coverage: float | None) -> None:
    """Run the YAML cases of the policy layers in FOLDER (without pytest); exit 1 on any failure.

    FOLDER (default: the shipped policies) is loaded as for `check`: a complete policy folder on its own, other
    layers next to the shipped ones and to their sibling layers.
    """
    try:
        suite = run_suite(folder or shipped_policy_root())
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
