"""Where decisions are logged: the `DecisionSink` an evaluation writes to, and the process-wide one.

Evaluation only needs something to hand each decision to; the JSON Lines `DecisionLog` of ``audit/`` is the
one ce_policy ships. Keeping the protocol here lets ``evaluate`` log without importing ``audit/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from ce_policy.model.decision import Decision
from ce_policy.model.record import Record

__all__ = ["DecisionSink", "active_decision_log", "set_decision_log"]


class DecisionSink(Protocol):
    """What ``evaluate(..., log=)`` writes a decision to, such as a `DecisionLog`."""

    def write(self, record: Record, decision: Decision, *, prior: Mapping[int, Decimal] | None = None) -> str:
        """Keep the decision made on ``record`` before returning; returns an id for it.

        ``evaluate`` returns a decision only once this returned: a sink that cannot keep it raises instead
        (the `DecisionLog` raises ``DecisionLogError``, which carries the decision).

        Args:
            record: the record as evaluated.
            decision: the decision made.
            prior: the hours of the earlier cycle years the evaluation counted, by year.
        """


_default: DecisionSink | None = None


def set_decision_log(log: DecisionSink | None) -> DecisionSink | None:
    """Log every `evaluate` call of this process that is not given ``log=`` to ``log`` (``None``: stop).

    Every call counts: those made by ``evaluate_many`` (whose workers' decisions this process logs), by
    ``diff_policies`` and for the earlier records of a ``prior``. Returns the log it replaces.

    A log belongs to the process that set it: worker processes, started afresh, do not inherit it (a worker
    with a log of its own, set by an executor's initializer, logs there only when the calling process has
    none). A process forked otherwise inherits the object, but a `DecisionLog` refuses to write from it
    (``DecisionLogError``, code ``log_other_process``, carrying the decision).
    """
    global _default
    previous, _default = _default, log
    return previous


def active_decision_log(log: DecisionSink | None = None) -> DecisionSink | None:
    """``log`` if given, otherwise the process-wide log set by `set_decision_log` (if any)."""
    return log if log is not None else _default
