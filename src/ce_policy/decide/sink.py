"""Where decisions are logged: the `DecisionSink` an evaluation writes to, and the process-wide one.

Evaluation only needs something to hand each decision to; the JSON Lines `DecisionLog` of ``audit/`` is the
one ce_policy ships. Keeping the protocol here lets ``evaluate`` log without importing ``audit/``.

A decision is logged once, where it is given to someone. What ce_policy evaluates only on the way to another
answer is passed ``log=UNLOGGED``, which keeps it out of every log, the process-wide one included: the what-if
decisions of ``diff_policies`` and of a replay, and the earlier records of a ``prior`` (the entry of the
decision they count for keeps their hours).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final, Protocol, final

from ce_policy.model.decision import Decision
from ce_policy.model.record import Record

__all__ = ["UNLOGGED", "DecisionSink", "Unlogged", "active_decision_log", "set_decision_log"]


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


@final
class Unlogged:
    """The sink of an evaluation that is not to be logged anywhere: use its one instance, `UNLOGGED`.

    ``evaluate(..., log=UNLOGGED)`` writes nothing, whatever the process-wide log, and neither do the
    evaluations it makes of the earlier records of a ``prior``; ``evaluate_many(..., log=UNLOGGED)`` has its
    workers log nothing either. It is passed explicitly by each caller, so it cannot leak to another thread.
    """

    __slots__ = ()

    def write(self, record: Record, decision: Decision, *, prior: Mapping[int, Decimal] | None = None) -> str:
        """Keep nothing; returns an empty id."""
        return ""

    def __reduce__(self) -> str:
        """Pickle as the one instance, `UNLOGGED` (what crosses to a worker process stays the same object)."""
        return "UNLOGGED"


UNLOGGED: Final = Unlogged()
"""Pass as ``log=`` to evaluate without logging, whatever the process-wide log (see `Unlogged`)."""

_default: DecisionSink | None = None


def set_decision_log(log: DecisionSink | None) -> DecisionSink | None:
    """Log every `evaluate` call of this process that is not given ``log=`` to ``log`` (``None``: stop).

    Every decision a caller is given is logged once: each ``evaluate`` call not given ``log=``, and each
    decision ``evaluate_many`` yields (this process logs its workers' decisions). What is evaluated only on the
    way to another answer is not (`UNLOGGED`): the what-if decisions of ``diff_policies`` and of a replay, and
    the earlier records of a ``prior``. Returns the log it replaces.

    A log belongs to the process that set it: worker processes, started afresh, do not inherit it (a worker
    with a log of its own, set by an executor's initializer, logs there only when the calling process has
    none). A process forked otherwise inherits the object, but a `DecisionLog` refuses to write from it
    (``DecisionLogError``, code ``log_other_process``, carrying the decision).
    """
    global _default
    previous, _default = _default, log
    return previous


def active_decision_log(log: DecisionSink | None = None) -> DecisionSink | None:
    """``log`` if given, otherwise the process-wide log set by `set_decision_log` (if any); ``None`` for `UNLOGGED`."""
    if log is None:
        return _default
    return None if isinstance(log, Unlogged) else log
