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

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AmbiguousMessageError",
    "CePolicyError",
    "EngineError",
    "PolicyFileError",
    "PolicyNotFoundError",
    "PolicyProblem",
    "RecordError",
    "RecordProblem",
]


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
    """Base class of every error ce_policy raises on purpose."""


class RecordError(CePolicyError, ValueError):
    """A record (or title-review history) is invalid.

    Attributes:
        problems: every problem found, each with its JSON path.
    """

    def __init__(self, problems: list[RecordProblem]) -> None:
        """Build the error from its problems (at least one)."""
        self.problems: tuple[RecordProblem, ...] = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid record: {len(self.problems)} problem(s)\n{lines}")

    @property
    def codes(self) -> list[str]:
        """The problem codes, in order."""
        return [p.code for p in self.problems]


class PolicyFileError(CePolicyError, ValueError):
    """A policy folder or file is invalid.

    Attributes:
        problems: every problem found, each with its file and line.
    """

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
    """No policy matches the id, or the region and year, that was asked for."""


class EngineError(CePolicyError, RuntimeError):
    """The rules engine failed while evaluating; no decision was produced and no session was left behind."""


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
        super().__init__(
            f"code {code!r} is worded differently by the policies {', '.join(self.policies)}; "
            "pass policy= (the policy that gave the code) to choose its wording"
        )
