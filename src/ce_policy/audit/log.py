"""An optional decision log: one JSON line per decision, enough to replay it later (``ce-policy replay``).

A service switches it on by opening a `DecisionLog` and passing it to ``evaluate(record, log=log)``, or for the
whole process with `set_decision_log`. ``docs/audit.md`` documents the entry format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import threading
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict

from ce_policy.model.decision import Decision
from ce_policy.model.errors import CePolicyError
from ce_policy.model.hours import hours_to_json, plain_hours
from ce_policy.model.record import Record

__all__ = [
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
    """A decision could not be written to the decision log.

    Raised by ``evaluate(..., log=...)`` after the decision was made: the decision is not lost, it is the
    error's ``decision``.

    Attributes:
        decision: the decision that was made but not logged (``None`` when the log could not be opened).
    """

    def __init__(self, message: str, decision: Decision | None = None) -> None:
        """Build the error; ``decision`` is the decision that could not be logged."""
        super().__init__(message)
        self.decision = decision

    def __str__(self) -> str:
        """The message."""
        return str(self.args[0])


class LoggedPolicy(BaseModel):
    """The policy a logged decision was made under: its id, version, digest and chain of layers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: str
    digest: str
    chain: tuple[str, ...]


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
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision_id: str
    time: str
    record_digest: str
    policy: LoggedPolicy
    as_of: dt.date
    prior: tuple[dict[str, Any], ...] = ()
    outcome: dict[str, Any]
    record: dict[str, Any] | None = None


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
    ``reasons``. The floors themselves (``required``) are not kept: a floor that changes shows in the
    shortfall of the years it decides differently.

    ``rules`` lists the trace in firing order, each rule id followed by ``@`` and the activity id when it
    fired on an activity.
    """
    data = decision.model_dump(
        mode="json", include={"compliant", "hours", "shortfall", "credits", "consequences", "activities"}
    )
    if data.get("credits") is None:
        data.pop("credits", None)
    data["activities"] = [{key: a[key] for key in _ACTIVITY_OUTCOME} for a in data["activities"]]
    data["rules"] = [t.rule if t.activity is None else f"{t.rule}@{t.activity}" for t in decision.trace]
    return data


class DecisionLog:
    """A JSON Lines decision log: one line per decision, appended whole; safe to share between threads.

    Each line is a `LogEntry`. Lines are appended with one write each (to a file opened with ``O_APPEND``),
    so threads never interleave; processes should each have their own file.

    Example::

        log = ce_policy.DecisionLog("decisions.jsonl")
        decision = ce_policy.evaluate(record, log=log)
    """

    def __init__(self, target: str | os.PathLike[str] | TextIO, *, include_record: bool = True) -> None:
        """Open the log.

        Args:
            target: a file path (created if missing, appended to) or an open text stream.
            include_record: keep each record in its entry (what replay needs); ``False`` keeps its digest
                only, and replay then needs the records given separately.

        Raises:
            DecisionLogError: the file cannot be opened.
        """
        self.include_record = include_record
        self._lock = threading.Lock()
        self._stream: TextIO | None = None
        self._fd: int | None = None
        self.path: Path | None = None
        if isinstance(target, str | os.PathLike):
            self.path = Path(target)
            try:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            except OSError as exc:
                raise DecisionLogError(f"cannot open the decision log {self.path}: {exc.strerror or exc}") from exc
        else:
            self._stream = target

    def entry(self, record: Record, decision: Decision, *, prior: Mapping[int, Decimal] | None = None) -> LogEntry:
        """The entry that logs ``decision`` on ``record`` (made now, with a new decision id)."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        info = decision.policy
        return LogEntry(
            decision_id=str(uuid.uuid4()),
            time=now,
            record_digest=record_digest(record),
            policy=LoggedPolicy(id=info.id, version=info.version, digest=info.digest, chain=info.chain),
            as_of=decision.as_of,
            prior=tuple({"year": y, "hours": hours_to_json(h)} for y, h in sorted((prior or {}).items())),
            outcome=decision_outcome(decision),
            record=record.model_dump(mode="json", exclude_none=True) if self.include_record else None,
        )

    def write(self, record: Record, decision: Decision, *, prior: Mapping[int, Decimal] | None = None) -> str:
        """Append the entry of ``decision`` on ``record``; returns its decision id.

        Args:
            record: the record as evaluated.
            decision: the decision made.
            prior: the hours of the earlier cycle years the evaluation counted, by year.

        Raises:
            DecisionLogError: the line could not be written (the error carries the decision).
        """
        entry = self.entry(record, decision, prior=prior)
        line = entry.model_dump_json(exclude_defaults=True) + "\n"
        with self._lock:
            try:
                if self._fd is not None:
                    data = line.encode("utf-8")
                    while data:
                        data = data[os.write(self._fd, data) :]
                elif self._stream is not None:
                    self._stream.write(line)
                    self._stream.flush()
                else:
                    raise ValueError("the decision log is closed")
            except (OSError, ValueError) as exc:
                where = self.path or "stream"
                raise DecisionLogError(f"cannot write to the decision log {where}: {exc}", decision) from exc
        return entry.decision_id

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


class _NoLog(DecisionLog):
    """A log that keeps nothing: what replays pass, so that a process-wide log does not log them."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())

    def write(self, record: Record, decision: Decision, *, prior: Mapping[int, Decimal] | None = None) -> str:
        """Keep nothing; returns an empty id."""
        return ""


NO_LOG: DecisionLog = _NoLog()
"""Pass as ``evaluate(..., log=NO_LOG)`` to leave a decision unlogged whatever the process-wide log."""
