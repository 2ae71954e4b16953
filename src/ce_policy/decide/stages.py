"""Deciding the facts of one stage in the engine (or from the memo), and acting on what fired.

The actions are a closed vocabulary (``policy.vocabulary.OUTCOMES``): each outcome of a rule that fired updates
the state of the evaluation; nothing else does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

from ce_policy.decide.activity_result import ActivityResult, ActivityState
from ce_policy.engine.compiler import Action, ShareFloor
from ce_policy.engine.depends import depended_on
from ce_policy.engine.firings import Firings
from ce_policy.engine.memo import FiringMemo
from ce_policy.engine.rules_engine import RulesEngine, Session
from ce_policy.model.errors import EngineError
from ce_policy.model.record import Record
from ce_policy.policy.loaded import Policy
from ce_policy.policy.vocabulary import OUTCOMES

__all__ = ["StageRunner"]


class StageRunner:
    """The mutable state of one evaluation, updated by the actions of the rules that fire.

    It decides the facts of one stage at a time (`decide`), in the engine or from the memo, and applies the
    closed vocabulary of actions (`fire`); `YearEvaluation` says which stages run, with which facts.
    """

    priority: dict[str, int]
    """Each engine rule's priority (set by the subclass's run before any stage is decided)."""

    def __init__(
        self,
        record: Record,
        policy: Policy,
        as_of: dt.date,
        engine: RulesEngine,
        prior: dict[int, Decimal],
        memo: FiringMemo[ActivityResult] | None = None,
        region: str | None = None,
    ) -> None:
        self.record = record
        self.region = region if region is not None else record.person.region or ""
        self.policy = policy
        self.as_of = as_of
        self.actions: dict[str, Action] = engine.compiled.actions
        self.engine = engine
        self.activities: list[ActivityResult] = []
        self._building: dict[int, ActivityState] = {}  # the activities decided fact by fact, by index
        self.required: dict[str, dict[str, Decimal]] = {"actual": {}, "projected": {}, "cycle": {}}
        self.short: dict[str, dict[str, Decimal]] = {"actual": {}, "projected": {}, "cycle": {}}
        # The share floors that apply, and those found short, by scenario.
        self.shares_required: dict[str, set[ShareFloor]] = {"actual": set(), "projected": set()}
        self.shares_short: dict[str, set[ShareFloor]] = {"actual": set(), "projected": set()}
        self.prior = prior
        self.cycle: tuple[int, int] | None = None
        self.consequences: list[str] = []
        # Each rule that acted, as (stage call, priority, position, rule, activity index or -1): sorted, the trace.
        self.traced: list[tuple[int, int, int, str, int]] = []
        self.provisional: set[str] = set()
        # By activity index: the provisional values that alone kept a rule from firing on its facts.
        self.depended: dict[int, set[str]] = {}
        self.watches = engine.compiled.watches or {}
        self.firings = Firings()
        self.caps: dict[tuple[str, str, str], Decimal] = {}  # (scenario, pool, credits or hours) → the cap
        self.memo = memo
        self._stack: contextlib.ExitStack | None = None
        self._session: Session | None = None
        self._fired: list[tuple[str, list[dict[str, Any]]]] = []
        self._call = -1

    # --- deciding the facts of a stage ---------------------------------------------------------------------

    def decide(self, facts: list[dict[str, Any]], positions: list[int] | None = None) -> None:
        """Have the engine decide ``facts`` (or reuse what it decided in the same situations), then act.

        The actions are applied in the engine's order, rule priority first and then the facts' positions
        (their order in the stage, unless ``positions`` gives them), whether the engine fired them just now
        or the memo recalls them. Both ways give one decision. Each call is one stage; the trace lists the
        stages in the order they were decided.
        """
        self._call += 1
        if not facts:
            return
        memo = self.memo
        places = positions if positions is not None else list(range(len(facts)))
        fired: list[tuple[int, int, str, dict[str, Any]]] = []
        missed: list[tuple[int, dict[str, Any], tuple[Any, ...] | None]] = []
        if memo is not None and memo.enabled:
            situation_of, recall = memo.situation, memo.get
            for position, fact in zip(places, facts, strict=True):
                situation = situation_of(fact)
                recalled = recall(situation) if situation is not None else None
                if recalled is None:
                    missed.append((position, fact, situation))
                else:
                    fired += [(priority, position, name, fact) for priority, name in recalled]
        else:
            missed = [(position, fact, None) for position, fact in zip(places, facts, strict=True)]
        if missed:
            self._fired = []
            self._open().assert_facts([fact for _, fact, _ in missed])
            by_fact: dict[str, list[str]] = {}
            for name, matched in self._fired:
                for fact in matched:
                    by_fact.setdefault(fact["id"], []).append(name)
            for position, fact, situation in missed:
                names = tuple(sorted((self.priority[name], name) for name in by_fact.get(fact["id"], ())))
                if memo is not None and situation is not None:
                    memo.put(situation, names)
                fired += [(priority, position, name, fact) for priority, name in names]
        fired.sort(key=_firing_order)
        self._depended(facts, fired)
        call = self._call
        try:
            for priority, position, name, fact in fired:
                self.fire(name, fact, call, priority, position)
        except Exception as exc:
            raise EngineError(f"a rule action failed: {exc!r}") from exc

    def _depended(self, facts: list[dict[str, Any]], fired: list[tuple[int, int, str, dict[str, Any]]]) -> None:
        """Note the provisional values that alone kept a rule from firing on one of ``facts``.

        A rule that fired and acted lists what it reads when it acts (`fire`); one that did not fire depended on
        a provisional value when only tests of provisional values failed on the fact (`depended_on`) and its
        firing would have changed something: some outcome of it collects, or was not already given to the fact
        by a rule that fired before it (first rule wins).
        """
        watches = self.watches
        if not watches:
            return
        hits = {(fact["id"], name) for _, _, name, fact in fired}
        given: dict[str, set[tuple[int, str]]] = {}  # by fact: (priority, outcome) of the rules that fired on it
        for priority, _, name, fact in fired:
            given.setdefault(fact["id"], set()).update(
                (priority, outcome) for outcome, _ in self.actions[name].outcomes
            )
        for fact in facts:
            stage_watches = watches.get(fact["stage"])
            if not stage_watches:
                continue
            fact_id = fact["id"]
            for watch in stage_watches:
                if (fact_id, watch.rule) in hits or any((fact_id, e) in hits for e in watch.excepted_by):
                    continue
                before = self.priority[watch.rule]
                settled = {outcome for priority, outcome in given.get(fact_id, ()) if priority < before}
                if all(o in _SINGLE and o in settled for o, _ in self.actions[watch.rule].outcomes):
                    continue  # had it fired, an earlier rule's outcomes would have stood: nothing would change
                found = depended_on(watch, fact)
                if found:
                    self.provisional |= found
                    index = fact.get("idx", -1)
                    if fact["stage"] in ("activity", "recognition") and index in self._building:
                        self.depended.setdefault(index, set()).update(found)

    def _collect(self, name: str, facts: list[dict[str, Any]]) -> None:
        self._fired.append((name, facts))

    def _open(self) -> Session:
        """The engine session of this evaluation, opened the first time a fact needs the engine."""
        if self._session is None:
            assert self._stack is not None  # noqa: S101 - run() sets it before any stage
            self._session = self._stack.enter_context(self.engine.session(self._collect))
        return self._session

    # --- the closed vocabulary of actions -----------------------------------------------------------------

    def fire(self, name: str, fact: dict[str, Any], call: int, priority: int, position: int) -> None:
        """Apply what rule ``name`` says about ``fact`` (fired in stage call ``call`` at ``priority``)."""
        action = self.actions[name]
        rule = action.rule
        if rule is None or not self.firings.applies(action, fact):
            return
        self.provisional.update(action.provisional)
        stage = rule.stage
        if stage == "year":
            # The projection is reported but not traced: the trace explains the decision itself.
            self._on_year(fact["scenario"], action)
            if fact["scenario"] != "actual":
                return
        elif stage == "pool" and fact["scenario"] != "actual":
            self._on_pool(fact, action)  # the projection is reported, not traced
            return
        elif stage == "cycle":
            self._on_year("cycle", action)
        elif stage == "person":
            for outcome, value in action.outcomes:
                if outcome == "cycle" and self.cycle is None:
                    self.cycle = value
        index: int = fact.get("idx", -1)
        self.traced.append((call, priority, position, name, index))
        if stage in ("activity", "recognition"):
            state = self._building[index]
            state.acted.append((call, priority, name))
            self._on_activity(state, action)
        elif stage == "pool":
            self._on_pool(fact, action)
        elif stage == "consequence":
            for outcome, value in action.outcomes:
                if outcome == "consequence" and value not in self.consequences:
                    self.consequences.append(value)

    def _on_pool(self, fact: dict[str, Any], action: Action) -> None:
        for outcome, value in action.outcomes:
            if outcome == "cap":
                unit, amount = value
                key = (fact["scenario"], fact["pool"], unit)
                self.caps[key] = min(amount, self.caps.get(key, amount))

    def _on_activity(self, state: ActivityState, action: Action) -> None:
        for outcome, value in action.outcomes:
            if outcome == "category" and state.category is None:
                state.category = value
            elif outcome == "registration" and state.registration is None:
                state.registration = value
            elif outcome == "hours" and state.hours_rule is None:
                state.hours_rule = value
            elif outcome == "credits" and state.credits_rule is None:
                state.credits_rule = value
            elif outcome == "pool" and state.pool is None:
                state.pool = value
            elif outcome == "route" and state.route is None:
                state.route = value
            elif outcome == "reject" and value not in state.reasons:
                state.reasons.append(value)
            elif outcome == "defer" and value not in state.deferred:
                state.deferred.append(value)

    def _on_year(self, scenario: str, action: Action) -> None:
        if action.share is not None:
            self.shares_short[scenario].add(action.share)
            return
        if action.shortfall is not None:
            category, floor = action.shortfall
            self.short[scenario][category] = max(floor, self.short[scenario].get(category, Decimal(0)))
            return
        for outcome, value in action.outcomes:
            if outcome == "require":
                category, floor = value
                self.required[scenario][category] = max(floor, self.required[scenario].get(category, Decimal(0)))
            elif outcome == "require_share" and value[2] is not None:
                category, of, share, unit = value
                self.shares_required[scenario].add(ShareFloor(unit, category, of, share))


_SINGLE = frozenset(name for name, spec in OUTCOMES.items() if spec.single)
"""The outcomes of which the first rule to fire on a fact gives the one value."""


def _firing_order(firing: tuple[int, int, str, dict[str, Any]]) -> tuple[int, int]:
    return firing[0], firing[1]
