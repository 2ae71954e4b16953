"""``ce-policy replay LOG``: decide a decision log's entries again, and report those that would now differ."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import click

from ce_policy.analysis.diff import load_version
from ce_policy.audit.replay import replay
from ce_policy.cli.exit import fail
from ce_policy.cli.options import format_option, lang_option
from ce_policy.model.errors import CePolicyError
from ce_policy.text.error_text import error_text, not_a_log, read_failure
from ce_policy.text.replay_report import render_replay
from ce_policy.text.terminal import printable

__all__ = ["replay_command"]

EXIT_DIFFERS = 1


@click.command("replay")
@click.argument("log", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--policies",
    "policy_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of other versions of the policies to find recorded policies in, e.g. an archive (repeatable).",
)
@click.option(
    "--current",
    default="shipped",
    show_default=True,
    help="The policies in force now: `shipped`, or a policy folder (as for `ce-policy diff`).",
)
@click.option(
    "--records",
    "record_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON Lines or CSV file of records, for entries logged without their record (repeatable).",
)
@format_option()
@lang_option
@click.option(
    "--fail-on-difference",
    is_flag=True,
    help="Exit with status 1 unless every entry replays the same and the hash chain is not broken.",
)
def replay_command(
    log: Path,
    policy_dirs: tuple[Path, ...],
    current: str,
    record_files: tuple[Path, ...],
    fmt: str,
    lang: Literal["zh", "en"],
    fail_on_difference: bool,
) -> None:
    """Decide every entry of the decision log LOG again under its recorded policy, and report what differs.

    Each entry's policy is found by id and digest among the current policies and those of --policies. An
    entry whose recorded policy is no longer the one that applies is also decided under the current policy.
    The log's hash chain is checked, and a damaged line is one invalid entry. Exit status: 0 when done (1 with
    --fail-on-difference if an entry differs, is invalid or cannot be replayed, or the hash chain is broken),
    2 when the log, a policy folder or a records file cannot be used.
    """
    try:
        registry, _ = load_version(current)
        archives = [load_version(folder)[0] for folder in policy_dirs]
        report = replay(log, registry=registry, policies=archives, records=record_files)
    except CePolicyError as exc:
        fail(error_text(exc, lang), lang=lang)
    except OSError as exc:
        fail(printable(read_failure(str(log), exc, lang)), lang=lang)
    if report.entries and all(e.code == "not_an_entry" for e in report.entries):
        fail(printable(not_a_log(str(log), len(report.entries), lang)), lang=lang)
    click.echo(report.model_dump_json(indent=2) if fmt == "json" else render_replay(report, lang))
    if fail_on_difference and not report.confirmed:
        sys.exit(EXIT_DIFFERS)
