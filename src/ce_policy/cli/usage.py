"""Usage errors (an argument missing, an option unknown, a value not accepted) in the language of ``--lang``.

click words its own usage errors in English (through ``gettext``, which only a process-wide catalog would
change). The command group turns each into a `WordedUsageError` (`worded_usage`) that shows the same usage
line, help hint and error in Chinese unless the command line asks for ``--lang en``: zh by default, as for
every other line the commands print (`ce_policy.text.error_words.USAGE_WORDS`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import IO, Any, Literal

import click

from ce_policy.text.error_words import USAGE_WORDS

__all__ = ["WordedUsageError", "lang_of", "worded_usage"]

Language = Literal["zh", "en"]

_QUOTED = re.compile(r"'[^']*'")
_NO_COMMAND = re.compile(r"No such command (?P<name>'.*')\.")
_EXTRA = re.compile(r"Got unexpected extra arguments? \((?P<names>.*)\)")


def lang_of(args: Sequence[str]) -> Language:
    """The language a command line asks for: ``en`` if it says ``--lang en`` (or ``--lang=en``), else zh."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang=en" or (arg == "--lang" and i + 1 < len(args) and args[i + 1] == "en"):
            return "en"
    return "zh"


def _w(key: str, **fields: str) -> str:
    return USAGE_WORDS[key][0].format(**fields)


def _hint(error: click.UsageError) -> str:
    param = getattr(error, "param", None)
    given = getattr(error, "param_hint", None)
    if given is not None:
        return given if isinstance(given, str) else " / ".join(given)
    if param is not None:
        found = param.get_error_hint(error.ctx)
        return found if isinstance(found, str) else " / ".join(found)
    return ""


def _bad_parameter(error: click.BadParameter) -> str:
    hint = _hint(error)
    quoted = _QUOTED.findall(error.message)
    value = quoted[0] if quoted else ""
    kind = error.param.type if error.param is not None else None
    if isinstance(kind, click.Choice):
        return _w("bad_choice", hint=hint, value=value, choices="、".join(f"'{c}'" for c in kind.choices))
    if isinstance(kind, click.DateTime):
        return _w("bad_date", hint=hint, value=value)
    if isinstance(kind, click.types.IntParamType):
        return _w("bad_integer", hint=hint, value=value)
    if isinstance(kind, click.types.FloatParamType):
        return _w("bad_number", hint=hint, value=value)
    if isinstance(kind, click.Path):
        return _w("no_path" if "does not exist" in error.message else "bad_path", hint=hint, value=value)
    return _w("bad_value", hint=hint)


def usage_message(error: click.UsageError) -> str:
    """The Chinese of a usage error (without ``错误：``)."""
    if isinstance(error, click.MissingParameter):
        kind = error.param_type or (error.param.param_type_name if error.param is not None else "argument")
        return _w("missing_option" if kind == "option" else "missing_argument", hint=_hint(error))
    if isinstance(error, click.NoSuchOption):
        text = _w("no_such_option", name=error.option_name)
        if error.possibilities:
            text += _w("did_you_mean", names="、".join(sorted(error.possibilities)))
        return text
    if isinstance(error, click.BadOptionUsage):
        wanted = "requires an argument" in error.message
        return _w("needs_value" if wanted else "bad_option", name=error.option_name)
    if isinstance(error, click.BadParameter):
        return _bad_parameter(error)
    if (found := _NO_COMMAND.match(error.message)) is not None:
        return _w("no_such_command", name=found["name"])
    if (found := _EXTRA.match(error.message)) is not None:
        return _w("extra_arguments", names=found["names"])
    if error.message.startswith("Missing command"):
        return _w("missing_command")
    if error.message == USAGE_WORDS["schema_policy"][1]:
        return _w("schema_policy")
    return _w("usage_error") + (f"：{error.message}" if error.message else "")


class WordedUsageError(click.UsageError):
    """A usage error shown in Chinese: the usage line, the help hint and the error, as click shows them in English."""

    def __init__(self, error: click.UsageError) -> None:
        """Word ``error`` (its context, and so its usage line and exit status, are kept)."""
        super().__init__(error.message, error.ctx)
        self.original = error

    def format_message(self) -> str:
        """The error in Chinese."""
        return usage_message(self.original)

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the usage line, the help hint and ``错误：…`` on standard error (or ``file``)."""
        ctx = self.ctx
        if ctx is not None:
            usage = ctx.get_usage()
            english = "Usage:"
            usage = _w("usage") + usage.removeprefix(english).lstrip() if usage.startswith(english) else usage
            hint = _w("try_help", command=ctx.command_path) if ctx.command.get_help_option(ctx) is not None else ""
            click.echo(f"{usage}\n{hint}\n" if hint else f"{usage}\n", file=file, err=file is None, color=ctx.color)
        click.echo(f"错误：{self.format_message()}", file=file, err=file is None)


def worded_usage(error: click.UsageError, args: Sequence[str]) -> click.UsageError:
    """``error`` as the command line's language shows it: itself for ``--lang en``, else a `WordedUsageError`."""
    if isinstance(error, WordedUsageError | click.exceptions.NoArgsIsHelpError) or lang_of(args) == "en":
        return error  # no arguments at all: the help, as click shows it
    return WordedUsageError(error)
