"""How ``check``, ``lint`` and ``test`` place the files of problems and stop on an error, in zh or en."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, NoReturn

import click

from ce_policy.model.errors import CePolicyError
from ce_policy.policy.folders import policy_root
from ce_policy.policy.layer_files import shown_here
from ce_policy.policy.registry import shipped_policy_root
from ce_policy.text.error_text import error_text
from ce_policy.text.problem_text import Place, cli_line

__all__ = ["fail_in", "placer"]

Language = Literal["zh", "en"]


def placer(folder: Path | None) -> Place:
    """Where a problem's file is, as a command run on ``folder`` shows it (`shown_here`): relative to here.

    The shipped policies, when not under the current folder, keep their name ``policies/…``.
    """
    shipped = shipped_policy_root()
    roots = [shipped] if folder is None else [policy_root(folder), shipped]

    def place(file: str) -> str:
        return shown_here(file, roots, as_named=[shipped])

    return place


def fail_in(error: CePolicyError, lang: Language, place: Place, status: int = 1) -> NoReturn:
    """Print ``error`` on standard error (``error: …``, ``错误：…``) in ``lang``, and exit with ``status``.

    A `PolicyFileError` is shown problem by problem, each worded in ``lang``; another error by its code and
    details (`error_text`).
    """
    text = error_text(error, lang, place)
    click.echo(cli_line("error", lang, message=text), err=True)
    sys.exit(status)
