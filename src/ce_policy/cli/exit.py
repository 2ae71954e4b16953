"""How a command stops on an error: ``error: <message>`` on standard error, and an exit status."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

__all__ = ["EXIT_UNUSABLE", "fail"]

EXIT_UNUSABLE = 2
"""The input, the options or the policies cannot be used (the commands that report findings exit 1 for those)."""


def fail(message: object, status: int = EXIT_UNUSABLE, *, lang: str = "en") -> NoReturn:
    """Print ``error: <message>`` (``错误：<message>`` for ``lang`` zh) on standard error and exit with ``status``."""
    click.echo(f"{'错误：' if lang == 'zh' else 'error: '}{message}", err=True)
    sys.exit(status)
