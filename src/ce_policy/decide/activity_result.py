"""What the rules of the activity and recognition stages made of one activity.

`ActivityState` is built up while the rules fire on an activity's facts; when both stages are done it becomes
an `ActivityResult`, which never changes. Since the result depends on nothing but the activity's fields, the
person fields and ``as_of`` (see ``_evaluate._activity_stages``), one result is kept by the memo and shared by
every later activity with the same fields, together with what the decision reports of it.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from ce_policy.model.decision import RouteStep
from ce_policy.model.hours import plain_hours

__all__ = ["ActivityResult", "ActivityState", "CreditsRule", "HoursRule", "route_steps"]

HoursRule = tuple[str, Decimal | None]
"""How an activity's standard hours are set: ``(mode, amount)`` with mode ``claimed``, ``fixed`` or ``at_most``."""
CreditsRule = tuple[str, Decimal | None, Decimal | None]
"""How an activity earns credits: ``(mode, hours per credit, cap)``."""

_ZERO = Decimal(0)


@functools.lru_cache(maxsize=256)
def route_steps(steps: tuple[tuple[str, str], ...]) -> tuple[RouteStep, ...]:
    """An approval route as the decision reports it (one shared tuple per route)."""
    return tuple(RouteStep(actor=actor, action=action) for actor, action in steps)


class ActivityState:
    """What the rules that acted on one activity made of it so far (mutable while its stages run).

    Attributes:
        fact: the activity's fact in the activity stage.
        acted: each rule that acted on it, as ``(stage call, priority, rule)``; the activity stage is call 0
            and the recognition stage call 1.
    """

    __slots__ = (
        "acted",
        "category",
        "credits_rule",
        "deferred",
        "fact",
        "hours_rule",
        "pool",
        "reasons",
        "registration",
        "route",
        "standard_credits",
        "standard_hours",
    )

    def __init__(self, fact: dict[str, Any]) -> None:
        """Start with nothing decided."""
        self.fact = fact
        self.category: str | None = None
        self.registration: str | None = None
        self.hours_rule: HoursRule | None = None
        self.route: tuple[tuple[str, str], ...] | None = None
        self.reasons: list[str] = []
        self.deferred: list[str] = []
        self.standard_hours = _ZERO
        self.credits_rule: CreditsRule | None = None
        self.pool: str | None = None
        self.standard_credits: Decimal | None = None
        self.acted: list[tuple[int, int, str]] = []

    def result(self, provisional: frozenset[str]) -> ActivityResult:
        """The finished result, once both stages are done; ``provisional``: what the rules that acted read."""
        return ActivityResult(self, provisional)


class ActivityResult:
    """What the rules of the activity and recognition stages made of one activity; shared, and immutable.

    Only ``recalled`` changes: the memo's own mark of whether the result was used since the memo was last full.

    Attributes:
        category, registration, hours_rule, route, pool: the outcomes of the rules that acted (``None`` where
            none said).
        reasons: every reason it does not count; deferred: why it does not count yet (pending approval).
        standard_hours, standard_credits: the hours (and credits) it is worth.
        acted: each rule that acted on it, as ``(stage call, priority, rule)``.
        provisional: the provisional parameters those rules read.
        counted, in_projection: whether it counts now, and once pending applications are approved.
        reported: what the decision reports of it, but for its id (``ActivityOutcome``'s fields as data).
    """

    __slots__ = (
        "acted",
        "category",
        "counted",
        "credits_rule",
        "deferred",
        "hours_rule",
        "in_projection",
        "pool",
        "provisional",
        "reasons",
        "recalled",
        "registration",
        "reported",
        "route",
        "standard_credits",
        "standard_hours",
    )

    def __init__(self, state: ActivityState, provisional: frozenset[str]) -> None:
        """Freeze ``state``."""
        self.category = state.category
        self.registration = state.registration
        self.hours_rule = state.hours_rule
        self.route = state.route
        self.reasons = tuple(state.reasons)
        self.deferred = tuple(state.deferred)
        self.standard_hours = state.standard_hours
        self.credits_rule = state.credits_rule
        self.pool = state.pool
        self.standard_credits = state.standard_credits
        self.acted = tuple(state.acted)
        self.provisional = provisional
        self.recalled = False
        self.counted = self.counts("actual")
        self.in_projection = self.counts("projected")
        credits = self.standard_credits
        self.reported: dict[str, Any] = {
            "counted": self.counted,
            "category": self.category,
            "hours": plain_hours(self.standard_hours) if self.counted else _ZERO,
            "registration": self.registration,
            "route": route_steps(self.route or ()),
            "reasons": (*self.reasons, *self.deferred),
            "credits": None if credits is None else (plain_hours(credits) if self.counted else _ZERO),
        }

    def counts(self, scenario: str) -> bool:
        """Whether the activity counts in ``scenario`` (the projection ignores pending applications)."""
        if self.category is None or self.reasons:
            return False
        return scenario == "projected" or not self.deferred
