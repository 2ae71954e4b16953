"""An optional decision log: one JSON line per decision, enough to replay it later (``ce-policy replay``).

A service switches it on by opening a `DecisionLog` and passing it to ``evaluate(record, log=log)``, or for the
whole process with `set_decision_log`. The log holds whole lines or nothing, and each entry carries the digest
of the line before it and of itself (a hash chain). ``docs/audit.md`` documents the format.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import stat
import threading
import uuid
import warnings
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any, Final, NotRequired, TextIO

import pydantic_core
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainValidator, TypeAdapter, with_config
from pydantic import StringConstraints as Text
from typing_extensions import TypedDict  # pydantic reads a TypedDict from typing only on Python 3.12+

from ce_policy.audit.chain import GENESIS, MAX_LINE_BYTES, is_link, line_digest, sealed
from ce_policy.decide.sink import UNLOGGED
from ce_policy.model.decision import Decision
from ce_policy.model.errors import CePolicyError
from ce_policy.model.hours import hours_to_json, plain_hours
from ce_policy.model.record import Record

__all__ = [
    "GENESIS",
    "MAX_LINE_BYTES",
    "NO_LOG",
    "DecisionLog",
    "DecisionLogError",
    "LogEntry",
    "LoggedPolicy",
    "decision_outcome",
    "record_digest",
]

_ACTIVITY_OUTCOME = ("id", "counted", "category", "hours", "reasons")


class DecisionLogError(CePolicyError, OSError):
    """A decision could not be written to the decision log, or the log could not be opened.

    Raised by ``evaluate(..., log=...)`` after the decision was made: the decision is not lost, it is the
    error's ``decision``, and the log is left with whole lines only (``docs/audit.md``, on each error).

    Attributes:
        decision: the decision that was made but not logged (``None`` when the log could not be opened).
        code: ``log_open_failed``, ``log_write_failed``, ``log_sync_failed``, ``log_closed``,
            ``log_other_process`` or ``log_entry_unwritable``.
        errno: the operating system's error number (``errno.ENOSPC`` for a full disk), when there is one.
    """

    def __init__(
        self,
        message: str,
        decision: Decision | None = None,
        *,
        code: str = "log_write_failed",
        os_errno: int | None = None,
    ) -> None:
        """Build the error; ``decision`` is the decision that could not be logged."""
        super().__init__(message)
        self.decision = decision
        self.code = code
        self.errno = os_errno

    def __str__(self) -> str:
        return f"{self.args[0]} [{self.code}]"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole, code and errno too, as a worker process sends it back."""
        return (type(self), (self.args[0], self.decision), {"code": self.code, "errno": self.errno})


_Digest = Annotated[str, Text(pattern=r"^sha256:[0-9a-f]{64}$")]


class LoggedPolicy(BaseModel):
    """The policy a logged decision was made under: its id, version, digest and chain of layers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: str
    digest: _Digest
    chain: tuple[str, ...]


def _number(value: Any) -> Any:
    """A JSON number of a logged outcome: finite, and small enough to compare and print (no ``1e999999999``)."""
    exact = Decimal(repr(value)) if type(value) in {int, float} else value  # a bool is no number here
    if not isinstance(exact, Decimal) or not exact.is_finite() or not (exact.is_zero() or -30 <= exact.adjusted() < 15):
        raise ValueError(f"expected a finite number below 10^15, got {type(value).__name__}")
    return value


def _date_text(value: Any) -> Any:
    if not isinstance(value, str | dt.date):
        raise ValueError(f"expected a date written YYYY-MM-DD, got {type(value).__name__}")
    return value


_Number = Annotated[int | float | Decimal, PlainValidator(_number)]


@with_config(ConfigDict(strict=True, extra="allow"))
class _LoggedActivity(TypedDict):
    id: str
    counted: bool
    category: str | None
    hours: _Number
    reasons: list[str]


@with_config(ConfigDict(strict=True, extra="allow"))
class _LoggedOutcome(TypedDict):
    """What a log entry keeps of a decision; fields a later version adds are kept and compared as they are."""

    compliant: bool
    hours: dict[str, _Number]
    shortfall: dict[str, _Number]
    credits: NotRequired[dict[str, _Number]]
    consequences: list[str]
    activities: list[_LoggedActivity]
    rules: list[str]


@with_config(ConfigDict(strict=True, extra="forbid"))
class _PriorYear(TypedDict):
    year: int
    hours: _Number


def _shaped(adapter: TypeAdapter[Any]) -> AfterValidator:
    """Checks a value's shape strictly, and keeps the value as it is: a plain dict, to type checkers too."""
    return AfterValidator(lambda value: (adapter.validate_python(value), value)[1])


class LogEntry(BaseModel):
    """One line of a decision log.

    Attributes:
        decision_id: a random UUID (version 4) naming the decision; it carries no information.
        time: when the decision was made, UTC, ISO 8601 with milliseconds (``2025-12-31T08:00:00.000Z``).
        record_digest: ``sha256:`` of the record's canonical form (`record_digest`).
        policy: the policy that decided.
        as_of: the date the decision speaks for.
        prior: the earlier years of the person's cycle the evaluation counted (``{"year", "hours"}``).
        outcome: what was decided (`decision_outcome`).
        record: the record as evaluated (``None`` when the log keeps digests only).
        prev: ``sha256:`` of the line before this entry (`GENESIS` for the first); ``None`` in logs written
            before entries were chained.
        entry_digest: ``sha256:`` of this line without its ``entry_digest`` member (`seal_matches`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision_id: str
    time: str
    record_digest: _Digest
    policy: LoggedPolicy
    as_of: Annotated[dt.date, BeforeValidator(_date_text)]
    prior: tuple[Annotated[dict[str, Any], _shaped(TypeAdapter(_PriorYear))], ...] = ()
    outcome: Annotated[dict[str, Any], _shaped(TypeAdapter(_LoggedOutcome))]
    record: dict[str, Any] | None = None
    prev: _Digest | None = None
    entry_digest: _Digest | None = None


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(plain_hours(value), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def record_digest(record: Record) -> str:
    """``sha256:`` of the record's canonical form, the same in every process and on every platform.

    The canonical form is the validated record as JSON: fields that are ``None`` left out, hours as decimal
    strings written plainly (``"30"``, ``"29.5"``), dates as ``YYYY-MM-DD``, keys sorted, no whitespace,
    UTF-8 without escapes.
    """
    data = _canonical(record.model_dump(mode="python", exclude_none=True))
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def decision_outcome(decision: Decision) -> dict[str, Any]:
    """What a log entry keeps of a decision: the outcome fields, and the rules that fired.

    The outcome fields are ``compliant``, ``hours``, ``shortfall``, ``credits`` (when the policy counts
    credits), ``consequences`` and, for each activity, ``id``, ``counted``, ``category``, ``hours`` and
    ``reasons`` (not the floors). ``rules`` lists the trace in firing order, ``rule@activity`` for a rule
    that fired on an activity.
    """
    data = decision.model_dump(
        mode="json", include={"compliant", "hours", "shortfall", "credits", "consequences", "activities"}
    )
    if data.get("credits") is None:
        data.pop("credits", None)
    data["activities"] = [{key: a[key] for key in _ACTIVITY_OUTCOME} for a in data["activities"]]
    data["rules"] = [t.rule if t.activity is None else f"{t.rule}@{t.activity}" for t in decision.trace]
    return data


def _lines_backward(fd: int, size: int, block: int = 1 << 16) -> Iterator[bytes]:
    """The lines of a file from the last (what follows the last newline), without newlines; one too long as ``b""``."""
    end, rest, too_long = size, b"", False
    while end > 0:
        start = max(0, end - block)
        *lines, rest = reversed((os.pread(fd, end - start, start) + rest).split(b"\n"))
        end = start
        for line in lines:
            yield b"" if too_long else line
            too_long = False
        if len(rest) > MAX_LINE_BYTES:
            rest, too_long = b"", True
    yield b"" if too_long else rest


class DecisionLog:
    """A JSON Lines decision log: one line per decision, appended whole or not at all; safe to share between threads.

    Each line is a `LogEntry`, appended with one write to a file opened with ``O_APPEND``, under a lock: threads
    never interleave. A write the disk cuts short is taken back, and `DecisionLogError` carries the decision.
    Each process needs its own log and file.

    Example::

        log = ce_policy.DecisionLog("decisions.jsonl")
        decision = ce_policy.evaluate(record, log=log)

    Attributes:
        path: the file, or ``None`` for a stream.
        notes: what was found wrong with the file and done about it: a torn last line when opening it (also
            a ``RuntimeWarning``), a fragment a failed write left that could not be taken back.
    """

    def __init__(
        self, target: str | os.PathLike[str] | TextIO, *, include_record: bool = True, fsync: bool = False
    ) -> None:
        """Open the log.

        Args:
            target: a file path (created if missing, appended to; its chain goes on from its last entry) or an
                open text stream (its chain starts anew).
            include_record: keep each record in its entry (what replay needs); ``False`` keeps its digest
                only, and replay then needs the records given separately.
            fsync: sync each entry to the disk before the write returns, so that an entry logged survives a
                power cut, not only a crash of the process (a file path only).

        Raises:
            DecisionLogError: the file cannot be opened or read (``log_open_failed``).
            ValueError: ``fsync`` with a stream.
        """
        self.include_record, self.fsync = include_record, fsync
        self.notes: list[str] = []
        self._lock = threading.Lock()
        self._stream: TextIO | None = None
        self._fd: int | None = None
        self._pid = os.getpid()
        self._prev, self._torn = GENESIS, False  # the next entry's prev; whether it must start a new line
        self.path: Path | None = None
        if not isinstance(target, str | os.PathLike):
            if fsync:
                raise ValueError("fsync=True needs a file path, not a stream")
            self._stream = target
            return
        self.path = Path(target)
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            self._read_end(self._fd, self.path)
        except OSError as exc:
            self.close()
            message = f"cannot open the decision log {self.path}: {exc.strerror or exc}"
            raise DecisionLogError(message, code="log_open_failed", os_errno=exc.errno) from exc

    def _read_end(self, fd: int, path: Path) -> None:
        """Go on with the chain from the file's last link; a torn last line is noted and left on a line of its own."""
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
            return
        lines = _lines_backward(fd, info.st_size)
        if last := next(lines):  # no newline at the end: a write was cut short, or the file was edited
            self._torn = True
            number = sum(os.pread(fd, 1 << 20, at).count(b"\n") for at in range(0, info.st_size, 1 << 20)) + 1
            what = "had no newline" if is_link(last) else f"was cut short ({len(last)} bytes, no newline)"
            self.notes.append(note := f"{path}:{number}: the last line {what}; the next entry starts on a new line")
            warnings.warn(note, RuntimeWarning, stacklevel=3)
        for line in (last, *lines) if last else lines:
            if is_link(line):
                self._prev = line_digest(line)
                return

    @property
    def head(self) -> str:
        """``sha256:`` of the last entry's line, the ``prev`` of the next; kept elsewhere, it vouches for the end.

        Compared later with ``ReplayReport.head``, it shows that the log was not cut short or its end rewritten.
        """
        return self._prev

    def entry(self, record: Record, decision: Decision, *, prior: Mapping[int, Decimal] | None = None) -> LogEntry:
        """The entry that logs ``decision`` on ``record`` (made now, with a new decision id), not yet chained."""
        return LogEntry.model_validate(self._fields(record, decision, prior))

    def _fields(self, record: Record, decision: Decision, prior: Mapping[int, Decimal] | None) -> dict[str, Any]:
        """The entry's fields as JSON data, in `LogEntry`'s order: what is written, with no model in between."""
        info = decision.policy
        fields: dict[str, Any] = {
            "decision_id": str(uuid.uuid4()),
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "record_digest": record_digest(record),
            "policy": {"id": info.id, "version": info.version, "digest": info.digest, "chain": list(info.chain)},
            "as_of": decision.as_of.isoformat(),
        }
        if prior:
            fields["prior"] = [{"year": y, "hours": hours_to_json(h)} for y, h in sorted(prior.items())]
        fields["outcome"] = decision_outcome(decision)
        if self.include_record:
            fields["record"] = record.model_dump(mode="json", exclude_none=True)
        return fields

    def write(self, record: Record, decision: Decision, *, prior: Mapping[int, Decimal] | None = None) -> str:
        """Append the entry of ``decision`` on ``record``, whole or not at all; returns its decision id.

        Args:
            record: the record as evaluated.
            decision: the decision made.
            prior: the hours of the earlier cycle years the evaluation counted, by year.

        Raises:
            DecisionLogError: the line could not be written; the log is left with whole lines only and the
                error carries the decision.
        """
        where = self.path or "stream"
        if os.getpid() != self._pid:  # checked before the lock, which a fork may have copied held
            message = f"the decision log {where} was opened by process {self._pid}, not this one ({os.getpid()})"
            raise DecisionLogError(message + ": open one in each process", decision, code="log_other_process")
        try:  # a lone surrogate in an id cannot be written as UTF-8
            fields = self._fields(record, decision, prior)
            body = pydantic_core.to_json(fields)
        except ValueError as exc:
            raise DecisionLogError(f"cannot write to {where}: {exc}", decision, code="log_entry_unwritable") from exc
        with self._lock:
            if len(line := sealed(body, self._prev)) > MAX_LINE_BYTES:
                message = f"cannot write to {where}: an entry of {len(line):,} bytes, more than replay reads"
                raise DecisionLogError(message, decision, code="log_entry_unwritable")
            data = (b"\n" if self._torn else b"") + line + b"\n"
            if self._fd is not None:
                self._append(self._fd, data, line, decision)
            elif self._stream is not None:
                self._put(self._stream, data, decision)
            else:
                raise DecisionLogError(f"the decision log {where} is closed", decision, code="log_closed")
            self._prev, self._torn = line_digest(line), False
        return str(fields["decision_id"])

    def _append(self, fd: int, data: bytes, line: bytes, decision: Decision) -> None:
        """One write of the whole line (then a sync, if asked); if either fails, what was written is taken back."""
        start = os.fstat(fd).st_size
        code = "log_write_failed"
        try:
            if (written := os.write(fd, data)) != len(data):
                raise OSError(errno.ENOSPC, f"the write was cut short ({written} of {len(data)} bytes)")
            if self.fsync:
                code = "log_sync_failed"
                os.fsync(fd)
        except OSError as exc:
            outcome = self._take_back(fd, start, data, line)
            verb = "sync" if code == "log_sync_failed" else "write to"
            message = f"cannot {verb} the decision log {self.path} (at byte {start}): {exc.strerror or exc}; {outcome}"
            raise DecisionLogError(message, decision, code=code, os_errno=exc.errno) from exc

    def _take_back(self, fd: int, start: int, data: bytes, line: bytes) -> str:
        """Cut the file back to ``start``, where the failed entry began; says what became of its bytes."""
        size = start
        try:
            if (size := os.fstat(fd).st_size) <= start:
                return "nothing of the entry was written"
            os.ftruncate(fd, start)
        except OSError as exc:
            left = data[: size - start]
            if left.endswith(b"\n"):  # the whole line is in the file: the chain goes on from it
                self._prev, self._torn = line_digest(line), False
                note = "the entry was written whole and could not be taken back: it stays in the log"
            else:
                self._torn = True
                if is_link(fragment := left.lstrip(b"\n")):
                    self._prev = line_digest(fragment)
                note = (
                    f"{len(left)} bytes of it could not be taken back ({exc.strerror or exc}): they stay on a line "
                    "of their own, which replay reports as an invalid entry"
                )
            self.notes.append(f"{self.path}: at byte {start}, a write cut short: {note}")
            return note
        return "the part written was taken back: the log ends with whole lines"

    def _put(self, stream: TextIO, data: bytes, decision: Decision) -> None:
        try:
            stream.write(data.decode("utf-8"))
            stream.flush()
        except (OSError, ValueError) as exc:  # a stream cannot take back what it took
            self._torn = True
            self.notes.append(f"stream: a write cut short ({exc}): the next entry starts on a new line")
            message = f"cannot write to the decision log stream: {exc}"
            raise DecisionLogError(message, decision, os_errno=getattr(exc, "errno", None)) from exc

    def close(self) -> None:
        """Close the file (a stream given is left open); later writes raise `DecisionLogError`."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
            self._fd = None
            self._stream = None

    def __enter__(self) -> DecisionLog:
        """The log itself."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the log."""
        self.close()


NO_LOG: Final = UNLOGGED
"""Pass as ``evaluate(..., log=NO_LOG)`` to leave a decision unlogged whatever the process-wide log.

The same object as ``ce_policy.decide.sink.UNLOGGED``; a replay's decisions are what-ifs, never logged."""
