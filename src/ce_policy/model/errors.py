"""The exceptions ce_policy raises, and the problems they carry.

The hierarchy::

    CePolicyError                      base of everything ce_policy raises on purpose
    ├── RecordError (ValueError)       a record or history is invalid; lists every problem with its JSON path
    ├── PolicyFileError (ValueError)   a policy folder is invalid; lists every problem with file and line
    ├── PolicyNotFoundError (LookupError)
    │                                  no policy is known for an id, or for a region and year, or is in force
    │                                  on the decision date
    ├── AmbiguousMessageError (LookupError)
    │                                  a code's message was asked for without its policy, which words differ
    └── EngineError (RuntimeError)     the rules engine failed during an evaluation; no decision was made

Every problem has a stable ``code`` (documented in ``docs/errors.md``) so that callers can branch on it
without parsing messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "MAX_PROBLEMS",
    "TOO_MANY_PROBLEMS",
    "AmbiguousMessageError",
    "CePolicyError",
    "EngineError",
    "PolicyFileError",
    "PolicyNotFoundError",
    "PolicyProblem",
    "RecordError",
    "RecordProblem",
    "json_path",
    "json_step",
    "problem_of",
    "shown_value",
]

MAX_PROBLEMS = 100
"""The most problems a `RecordError` lists; one more, coded `TOO_MANY_PROBLEMS`, counts the rest."""
TOO_MANY_PROBLEMS = "too_many_problems"
_MAX_PATH = 200
_MAX_MESSAGE = 500
"""The longest path and message a listed problem keeps (a hostile key or value may be megabytes long)."""
_SHOWN_KEY = 64
_MORE = re.compile(r"([0-9][0-9,]*) more problem")


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """One thing wrong with a record.

    Attributes:
        path: JSON path of the offending value, e.g. ``$.activities[2].hours``.
        code: stable machine-readable code, e.g. ``hours_precision``.
        message: human-readable explanation.
    """

    path: str
    code: str
    message: str

    def __str__(self) -> str:
        """Render as ``path: message [code]``."""
        return f"{self.path}: {self.message} [{self.code}]"


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One thing wrong with a policy file.

    Attributes:
        file: the file, relative to the policy root where possible.
        line: 1-based line number, or ``None`` when the problem concerns the file as a whole.
        code: stable machine-readable code, e.g. ``dangling_citation``.
        message: human-readable explanation.
    """

    file: str
    line: int | None
    code: str
    message: str

    def __str__(self) -> str:
        """Render as ``file:line: message [code]``."""
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message} [{self.code}]"


class CePolicyError(Exception):
    """Base class of every error ce_policy raises on purpose.

    Attributes:
        code: a stable machine-readable code of what went wrong (``docs/errors.md``); each subclass has its
            own default, and a raise site may give a more precise one.
        details: the named values the message speaks of (a policy id, a year, a date), for a view to word the
            error in another language without reading the English message back.
    """

    code: str = "ce_policy_error"
    details: Mapping[str, str] = MappingProxyType({})

    def _detailed(self, code: str | None, details: Mapping[str, object] | None) -> None:
        if code is not None:
            self.code = code
        if details:
            self.details = {name: str(value) for name, value in details.items()}


def shown_value(value: object, limit: int = 40) -> str:
    """``value`` as a message shows it: a short repr, cut at ``limit`` characters; a container by its type.

    A message never echoes megabytes of hostile input, nor walks a structure nested a hundred thousand deep.
    """
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else repr(value[:limit]) + "…"
    if value is None or isinstance(value, bool | float) or (isinstance(value, int) and value.bit_length() <= 64):
        return repr(value)
    if isinstance(value, int | Decimal):
        text = str(value) if isinstance(value, Decimal) else ""
        return text if 0 < len(text) <= limit else "a number too long to show"
    return f"a {type(value).__name__}"


def json_step(path: str, key: str) -> str:
    r"""The JSON path of member ``key`` of the object at ``path``: ``$.person.id``.

    A key that does not print as itself (a terminal escape, a bidi override) is written as a quoted JSON
    string in ASCII escapes (``$["\u001b]0;x"]``), and one longer than 64 characters is cut.
    """
    if key.isprintable() and len(key) <= _SHOWN_KEY:
        return f"{path}.{key}"
    shown = json.dumps(key[:_SHOWN_KEY])
    return f"{path}[{shown if len(key) <= _SHOWN_KEY else shown[:-1] + '…' + shown[-1]}]"


def json_path(loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into a JSON path such as ``$.activities[2].hours`` (keys by `json_step`)."""
    path = "$"
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = path + part if part == "[key]" else json_step(path, part)
    return path


_CODE_BY_TYPE = {
    "missing": "missing_field",
    "extra_forbidden": "unknown_field",
    "literal_error": "invalid_choice",
    "bool_type": "wrong_type",
    "string_type": "wrong_type",
    "int_type": "wrong_type",
    "date_type": "wrong_type",
    "model_type": "wrong_type",
    "tuple_type": "wrong_type",
    "date_from_datetime_parsing": "invalid_date",
    "date_parsing": "invalid_date",
    "date_from_datetime_inexact": "invalid_date",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "too_long": "too_many_items",
    "string_pattern_mismatch": "invalid_format",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
}


_OWN_CODES = frozenset(
    {"wrong_type", "hours_invalid", "hours_precision", "invalid_date", "way_fields", "duplicate_activity_id"}
)


def problem_of(error: Mapping[str, Any]) -> RecordProblem:
    """A pydantic error (one of ``ValidationError.errors()``) as a problem with a code and a JSON path."""
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith(("function-", "json-"))))
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    code = kind if kind in _OWN_CODES else _CODE_BY_TYPE.get(kind, "invalid_value" if kind == "value_error" else kind)
    return RecordProblem(json_path(loc), code, message)


def _bounded(problem: RecordProblem) -> RecordProblem:
    """The problem with its path and message cut to a readable length."""
    if len(problem.path) <= _MAX_PATH and len(problem.message) <= _MAX_MESSAGE:
        return problem
    path = problem.path if len(problem.path) <= _MAX_PATH else problem.path[:_MAX_PATH] + "…"
    message = problem.message if len(problem.message) <= _MAX_MESSAGE else problem.message[:_MAX_MESSAGE] + "…"
    return RecordProblem(path, problem.code, message)


class RecordError(CePolicyError, ValueError):
    """A record (or title-review history) is invalid.

    However many problems are found, at most `MAX_PROBLEMS` are listed, in the order found; a last problem
    coded ``too_many_problems`` then says how many more there are. Each path and message is cut to a readable
    length.

    Attributes:
        problems: the problems found (at most `MAX_PROBLEMS`, and the ``too_many_problems`` one), each with
            its JSON path.
        omitted: how many problems were found beyond those listed.
    """

    code = "invalid_record"

    def __init__(self, problems: Iterable[RecordProblem], *, omitted: int = 0) -> None:
        """Build the error from its problems (at least one), and ``omitted`` more found but not given.

        A ``too_many_problems`` among ``problems`` (that of another error) is counted in.
        """
        listed: list[RecordProblem] = []
        for problem in problems:
            if problem.code == TOO_MANY_PROBLEMS:
                more = _MORE.match(problem.message)
                omitted += int(more.group(1).replace(",", "")) if more else 0
            elif len(listed) < MAX_PROBLEMS:
                listed.append(_bounded(problem))
            else:
                omitted += 1
        if omitted:
            message = f"{omitted:,} more problem(s) not listed"
            listed.append(RecordProblem("$", TOO_MANY_PROBLEMS, message))
        self.problems: tuple[RecordProblem, ...] = tuple(listed)
        self.omitted = omitted
        count = len(listed) - (1 if omitted else 0) + omitted
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid record: {count:,} problem(s)\n{lines}")

    def __reduce__(self) -> tuple[type[RecordError], tuple[tuple[RecordProblem, ...]]]:
        """Pickle by the problems (for a process pool): the count of those not listed travels in the last one."""
        return (type(self), (self.problems,))

    @property
    def codes(self) -> list[str]:
        """The problem codes, in order."""
        return [p.code for p in self.problems]


class PolicyFileError(CePolicyError, ValueError):
    """A policy folder or file is invalid.

    Attributes:
        problems: every problem found, each with its file and line.
    """

    code = "invalid_policy"

    def __init__(self, problems: list[PolicyProblem]) -> None:
        """Build the error from its problems (at least one)."""
        self.problems: tuple[PolicyProblem, ...] = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid policy: {len(self.problems)} problem(s)\n{lines}")

    @property
    def codes(self) -> list[str]:
        """The problem codes, in order."""
        return [p.code for p in self.problems]

    @classmethod
    def single(cls, file: str | Path, line: int | None, code: str, message: str) -> PolicyFileError:
        """Build an error holding one problem."""
        return cls([PolicyProblem(str(file), line, code, message)])


class PolicyNotFoundError(CePolicyError, LookupError):
    """No policy matches the id, or the region and year, that was asked for.

    ``code`` says which (``docs/errors.md``): ``no_policy``, ``no_layer``, ``no_region``, ``no_policy_for_region``,
    ``base_layer``, ``not_in_force``, ``no_shipped_policies``; ``policy_not_found`` when the raise site gives
    none. ``details`` holds the values the message names.
    """

    code = "policy_not_found"

    def __init__(self, message: str, *, code: str | None = None, details: Mapping[str, object] | None = None) -> None:
        """Build the error from its English ``message``, and its ``code`` and ``details`` for other languages."""
        super().__init__(message)
        self._detailed(code, details)


class EngineError(CePolicyError, RuntimeError):
    """The rules engine failed while evaluating; no decision was produced and no session was left behind."""

    code = "engine_failed"

    def __init__(self, message: str, *, code: str | None = None, details: Mapping[str, object] | None = None) -> None:
        """Build the error from its English ``message``, and its ``code`` and ``details`` for other languages."""
        super().__init__(message)
        self._detailed(code, details)


class AmbiguousMessageError(CePolicyError, LookupError):
    """`message` was asked for a code without ``policy=``, and the policies that declare it word it differently.

    Attributes:
        code: the code.
        policies: the ids of the policies that declare it, sorted.
    """

    def __init__(self, code: str, policies: list[str]) -> None:
        """Build the error for ``code``, declared with different wordings by ``policies``."""
        self.code = code
        self.policies = tuple(sorted(policies))
        self.details = {"code": code, "policies": ", ".join(self.policies)}
        super().__init__(
            f"code {code!r} is worded differently by the policies {', '.join(self.policies)}; "
            "pass policy= (the policy that gave the code) to choose its wording"
        )
