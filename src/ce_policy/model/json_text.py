"""JSON text read strictly and within bounds: the one reader of records, histories and decision-log lines.

``json.loads`` alone accepts what ce_policy must refuse: an object that names a key twice (the last one
silently wins, so ``"hours": 1, "hours": 60`` would count 60), nesting deep enough to exhaust the interpreter's
stack (about a thousand levels in a 2 KB line) or to fail later when pickled for a worker, and an integer too
long to convert (a ``ValueError`` that is not a ``JSONDecodeError``). :func:`parse_json` refuses each with a
:class:`JsonTextError` naming the JSON path and, for syntax errors, the line and column. Numbers with a
fraction or exponent are read as :class:`~decimal.Decimal`, so hours are never rounded through a binary float.
"""

from __future__ import annotations

import json
import re
import sys
from decimal import Decimal
from typing import Any

from ce_policy.model.errors import json_step

__all__ = ["MAX_JSON_DEPTH", "JsonTextError", "parse_json"]

MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects accepted. A record needs 4 levels, a decision-log entry about 10."""

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SHOWN_KEY = 64
"""The most characters of a key shown in a path or message (a hostile key may be megabytes long)."""


class JsonTextError(ValueError):
    """JSON text ce_policy does not read.

    Attributes:
        code: ``invalid_json``, ``json_too_deep`` or ``duplicate_key``.
        path: the JSON path of the offending value (``$`` for a syntax error).
        message: what is wrong, with the column (and the line, for text of several lines) of a syntax error.
        line: the 1-based line of a syntax error, else ``None``.
        column: the 1-based column of a syntax error, else ``None``.
    """

    def __init__(self, code: str, path: str, message: str, line: int | None = None, column: int | None = None) -> None:
        """Build the error; ``line`` and ``column`` locate a syntax error."""
        super().__init__(f"{path}: {message} [{code}]")
        self.code = code
        self.path = path
        self.message = message
        self.line = line
        self.column = column


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return result


def _too_deep(text: str, limit: int) -> bool:
    """Whether arrays and objects in ``text`` nest more than ``limit`` levels (strings set aside).

    Each pass removes the innermost level of the brackets left once strings and everything else are gone,
    so ``limit`` passes in C-speed string operations decide it; text with no more brackets than ``limit``
    cannot nest deeper and is not scanned.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(limit):
        if not brackets:
            return False
        brackets = brackets.replace("[]", "").replace("{}", "")
    return bool(brackets)


def _key_shown(key: str) -> str:
    """``key`` as JSON text, at most its first characters (a hostile key may be megabytes long).

    Text that does not print as itself (a terminal escape, a bidi override) is written in ASCII escapes.
    """
    cut = key[:_SHOWN_KEY]
    shown = json.dumps(cut, ensure_ascii=not cut.isprintable())
    return shown if cut == key else f'{shown[:-1]}…"'


def _path_of_duplicate(value: Any, key: str, path: str = "$") -> str | None:
    """The path of an object holding ``key`` twice, found on a re-read that keeps every pair."""
    if isinstance(value, _Pairs):
        keys = [k for k, _ in value.pairs]
        if keys.count(key) > 1:
            return json_step(path, key)
        for k, item in value.pairs:
            found = _path_of_duplicate(item, key, json_step(path, k))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _path_of_duplicate(item, key, f"{path}[{index}]")
            if found:
                return found
    return None


class _Pairs:
    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def parse_json(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse ``text`` as one JSON value, refusing duplicate keys and nesting deeper than ``max_depth``.

    Raises:
        JsonTextError: the text is not JSON (``invalid_json``, also for an integer of more digits than
            Python converts), nests too deep (``json_too_deep``) or an object names a key twice
            (``duplicate_key``).
    """
    if _too_deep(text, max_depth):
        message = (
            f"arrays and objects nested more than {max_depth} levels deep, "
            "far deeper than any record, history or decision-log entry"
        )
        raise JsonTextError("json_too_deep", "$", message)
    try:
        return json.loads(text, parse_float=Decimal, object_pairs_hook=_unique)
    except json.JSONDecodeError as exc:
        where = f"column {exc.colno}" if "\n" not in text.rstrip() else f"line {exc.lineno}, column {exc.colno}"
        message = f"not valid JSON ({where}): {exc.msg}"
        raise JsonTextError("invalid_json", "$", message, exc.lineno, exc.colno) from None
    except _DuplicateKeyError as exc:
        kept = json.loads(text, parse_float=Decimal, object_pairs_hook=_Pairs)
        path = _path_of_duplicate(kept, exc.key) or "$"
        message = f"the key {_key_shown(exc.key)} appears twice in one object"
        raise JsonTextError("duplicate_key", path, message) from None
    except RecursionError:  # pragma: no cover - bounded above; kept so that no traceback escapes
        raise JsonTextError("json_too_deep", "$", "nested too deep to read") from None
    except ValueError:  # an integer longer than int() converts (json.JSONDecodeError is caught above)
        message = f"not valid JSON: a number has more than {sys.get_int_max_str_digits()} digits"
        raise JsonTextError("invalid_json", "$", message) from None
