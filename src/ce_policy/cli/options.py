"""The options every command spells alike: ``--lang`` and ``--format``, with one help text each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["FORMAT_HELP", "LANG_HELP", "format_option", "lang_option"]

_F = TypeVar("_F", bound=Callable[..., Any])

LANG_HELP = "The language of the text output; --format json is the same in every language (codes, not words)."
FORMAT_HELP = (
    "text: for people, in the language of --lang; json: for programs, the same in every language (codes, not words)."
)

lang_option: Callable[[_F], _F] = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help=LANG_HELP
)
"""``--lang zh|en``, zh by default."""


def format_option(*choices: str) -> Callable[[_F], _F]:
    """``--format`` with ``choices`` (default: text and json), text by default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices or ("text", "json"))),
        default="text",
        show_default=True,
        help=FORMAT_HELP,
    )
