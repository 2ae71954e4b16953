"""The lint checks on rules: ``rule_never_fires``, ``conflicting_rules`` and ``parameter_gap``.

Each policy is looked at period by period, the way `compile_policy` sees it: on each of its breakpoints (a
day on which a rule comes into or out of force, or a parameter takes a new value) the rules in force are put
in the order they fire (stage by stage, the layers' order, an exception just before the rule it excepts; a
rule set aside by an exception without conditions is left out), and every ``{param: …}`` takes its value on
that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ce_policy.analysis.lint_checks import Conjunction, alternatives, contradiction, resolve, show_value
from ce_policy.policy.loaded import Policy, Rule
from ce_policy.policy.vocabulary import OUTCOMES, STAGES

__all__ = ["Report", "RuleAnalysis"]

Report = Callable[[str, str, int | None, str, str, str | None], None]
"""Where findings go: ``(code, file, line, message, layer, subject)``."""

_Key = tuple[str, int | None, str]


def _key(rule: Rule) -> _Key:
    return (rule.file, rule.line, rule.id)


def _where(rule: Rule) -> str:
    return f"{rule.file}:{rule.line}"


def _window(start: dt.date, end: dt.date | None) -> str:
    return f"from {start.isoformat()}" + (f" to {end.isoformat()}" if end is not None else "")


class RuleAnalysis:
    """Collects findings on rules over every policy that holds them; `finish` reports what holds for all."""

    def __init__(self, report: Report, linted: set[str]) -> None:
        """Send findings to ``report``; ``linted`` are the ids of the layers whose findings are wanted."""
        self.report = report
        self.linted = linted
        self.rules: dict[_Key, Rule] = {}
        self.fires: set[_Key] = set()
        self.emitted: set[_Key] = set()
        self.impossible: dict[_Key, set[str]] = {}
        self.expanded: dict[_Key, list[Conjunction] | None] = {}

    def policy(self, policy: Policy) -> None:
        """Analyse one policy, in each of its periods."""
        for rule in policy.rules:
            self.rules.setdefault(_key(rule), rule)
        self.gaps(policy)
        for day in policy.breakpoints:
            order = self.firing_order(policy, day)
            for rule in order:
                self.emitted.add(_key(rule))
                if self.can_hold(rule, policy, day):
                    self.fires.add(_key(rule))
            self.conflicts(order, policy, day)

    @staticmethod
    def firing_order(policy: Policy, day: dt.date) -> list[Rule]:
        """The rules compiled for ``day``, in the order they fire (as `compile_policy` emits them)."""
        in_force = [rule for rule in policy.rules if rule.in_force_on(day)]
        exceptions: dict[str, list[Rule]] = {}
        for rule in in_force:
            if rule.exception_to is not None:
                exceptions.setdefault(rule.exception_to, []).append(rule)
        order: list[Rule] = []
        for stage in STAGES:
            for rule in in_force:
                if rule.stage != stage or rule.exception_to is not None:
                    continue
                own = exceptions.get(rule.id, [])
                order.extend(own)
                if all(exception.when.parts for exception in own):
                    order.append(rule)
        return order

    def alternatives(self, rule: Rule) -> list[Conjunction] | None:
        """The rule's condition as alternatives of plain conjunctions; ``None`` when there are too many."""
        key = _key(rule)
        if key not in self.expanded:
            self.expanded[key] = alternatives(rule.when)
        return self.expanded[key]

    def can_hold(self, rule: Rule, policy: Policy, day: dt.date) -> bool:
        """Whether some fact can meet ``rule``'s ``when`` on ``day``; records the fields that never can."""
        expanded = self.alternatives(rule)
        if expanded is None:
            return True
        for conjunction in expanded:
            fields = contradiction(conjunction, rule.stage, policy, day)
            if not fields:
                return True
            self.impossible.setdefault(_key(rule), set()).update(fields)
        return False

    def overlap(self, first: Rule, second: Rule, policy: Policy, day: dt.date) -> bool:
        """Whether one fact can meet both rules' conditions on ``day`` (``False`` when it cannot be shown)."""
        left, right = self.alternatives(first), self.alternatives(second)
        if left is None or right is None:
            return False
        return any(not contradiction(a + b, first.stage, policy, day) for a in left for b in right)

    def conflicts(self, order: list[Rule], policy: Policy, day: dt.date) -> None:
        """``conflicting_rules``: two rules of a stage that can match one fact and set one outcome differently.

        Only single-valued outcomes (``category``, ``registration``, ``hours``, ``credits``, ``pool``,
        ``route``, …) conflict: the first rule to fire sets them. A rule and its exception do not conflict.
        """
        for index, first in enumerate(order):
            for second in order[index + 1 :]:
                if second.stage != first.stage or first.id in (second.exception_to, None):
                    continue
                if first.exception_to == second.id:
                    continue
                theirs = dict(second.then)
                for name, value in first.then:
                    if not OUTCOMES[name].single or name not in theirs:
                        continue
                    if resolve(value, policy, day) == resolve(theirs[name], policy, day):
                        continue
                    if self.overlap(first, second, policy, day):
                        self.conflict(first, second, name, theirs[name], value)

    def conflict(self, first: Rule, second: Rule, name: str, second_value: Any, first_value: Any) -> None:
        """Report that ``first`` and ``second`` can both match one fact yet set ``name`` differently."""
        at = second if second.layer in self.linted else first
        message = (
            f"{first.id} ({_where(first)}) and {second.id} ({_where(second)}) can both match one {first.stage} "
            f"fact and give it different {name} ({show_value(first_value)} and {show_value(second_value)}): the first "
            f"rule to fire wins, so where both match {second.id}'s {name} is ignored"
        )
        self.report("conflicting_rules", at.file, at.line, message, at.layer, at.id)

    def gaps(self, policy: Policy) -> None:
        """``parameter_gap``: a rule in force on a day on which a parameter it reads has no value yet.

        The finding goes to whichever of the rule and the parameter's values is in the more specific layer
        (the one that brought the gap in); for an exception, only the days its rule is in force count.
        """
        by_id = {rule.id: rule for rule in policy.rules}
        for rule in policy.rules:
            start, end = rule.in_force_from, rule.in_force_to
            target = by_id.get(rule.exception_to) if rule.exception_to else None
            if target is not None:
                start = max(start, target.in_force_from)
                ends = [e for e in (end, target.in_force_to) if e is not None]
                end = min(ends) if ends else None
            if end is not None and end < start:
                continue
            for pid in sorted(rule.params):
                parameter = policy.parameters[pid]
                first = parameter.values[0][0] if parameter.values else None
                if first is not None and first <= start:
                    continue
                gap_end = first - dt.timedelta(days=1) if first is not None else end
                if end is not None and gap_end is not None:
                    gap_end = min(gap_end, end)
                message = (
                    f"{rule.id} is in force {_window(start, end)} and reads {pid!r}, which has no value "
                    f"{_window(start, gap_end)}: no decision can be made then"
                )
                if policy.chain.index(parameter.layer) > policy.chain.index(rule.layer):
                    self.report("parameter_gap", parameter.file, parameter.line, message, parameter.layer, pid)
                else:
                    self.report("parameter_gap", rule.file, rule.line, message, rule.layer, rule.id)

    def finish(self) -> None:
        """``rule_never_fires``: report the rules that could fire in no policy and no period."""
        for key, rule in self.rules.items():
            if key in self.fires:
                continue
            fields = self.impossible.get(key)
            if fields:
                message = f"{rule.id} can never fire: its tests of {', '.join(sorted(fields))} can never all hold"
            elif rule.exception_to is not None and key not in self.emitted:
                message = (
                    f"{rule.id} can never fire: it is in force {_window(rule.in_force_from, rule.in_force_to)}, "
                    f"when {rule.exception_to}, the rule it is an exception to, is not"
                )
            else:
                message = f"{rule.id} can never fire: an exception without conditions sets it aside wherever it is"
            self.report("rule_never_fires", rule.file, rule.line, message, rule.layer, rule.id)
