"""The lint checks on rules: which never fire or conflict, read a value not yet given, or are of no use.

Each policy is looked at period by period, the way `compile_policy` sees it: on each of its breakpoints (a
day on which a rule comes into or out of force, or a parameter takes a new value) the rules in force are put
in the order they fire (stage by stage, the layers' order, an exception just before the rule it excepts; a
rule set aside by an exception without conditions is left out), and every ``{param: …}`` takes its value on
that day. A finding that says a rule is never of use (it never fires, its floor never binds, an exception
never changes a decision) is reported only when that holds in every policy and every period the rule is in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ce_policy.analysis.lint_checks import Conjunction, alternatives, contradiction, implied, resolve, show_value
from ce_policy.policy.loaded import ParamRef, Policy, Rule
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


_Floor = tuple[str, ...]
"""What a floor is a floor of: ``("require", category)`` or ``("require_share", category, of, unit)``."""


def _floors(rule: Rule) -> dict[_Floor, Any]:
    """The floors ``rule`` sets, each with its amount as written (hours, a share, or a parameter reference)."""
    found: dict[_Floor, Any] = {}
    for name, value in rule.then:
        if name == "require":
            found[(name, value[0])] = value[1]
        elif name == "require_share":
            category, of, share, unit = value
            found[(name, category, of, unit)] = share
    return found


def _floor_text(floor: _Floor, amount: Any, value: Any) -> str:
    shown = f"{value} ({show_value(amount)})" if isinstance(amount, ParamRef) else str(value)
    if floor[0] == "require":
        return f"{floor[1]} at least {shown}"
    return f"{floor[1]} at least {shown} of {floor[2]} in {floor[3]}"


def _outcomes(rule: Rule, policy: Policy, day: dt.date) -> dict[str, Any]:
    return {name: resolve(value, policy, day) for name, value in rule.then}


def _provisional(amount: Any, policy: Policy) -> bool:
    return isinstance(amount, ParamRef) and policy.parameters[amount.id].provisional


def _verdict(table: dict[Any, str | None], key: Any, message: str | None) -> None:
    """Record what one period says: the first message stands until a period in which there is none."""
    if message is None:
        table[key] = None
    else:
        table.setdefault(key, message)


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
        self.dominated: dict[tuple[_Key, _Floor], str | None] = {}
        self.shadowed: dict[_Key, str | None] = {}

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
            self.floors(order, policy, day)
            self.exceptions(order, policy, day)

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

    def covers(self, wider: Rule, narrower: Rule, policy: Policy, day: dt.date) -> bool:
        """Whether every fact that meets ``narrower``'s condition on ``day`` meets ``wider``'s.

        Shown alternative by alternative: each of ``narrower``'s implies all the tests of one of ``wider``'s.
        ``False`` when it cannot be shown.
        """
        premises, options = self.alternatives(narrower), self.alternatives(wider)
        if premises is None or options is None:
            return False
        stage = narrower.stage
        return all(
            any(all(implied(premise, test, stage, policy, day) for test in option) for option in options)
            for premise in premises
        )

    def clash(self, first: Rule, second: Rule, policy: Policy, day: dt.date) -> tuple[str, ...] | None:
        """The fields that keep any fact from meeting both conditions on ``day``; ``None`` unless that is shown."""
        left, right = self.alternatives(first), self.alternatives(second)
        if left is None or right is None:
            return None
        fields: set[str] = set()
        for a in left:
            for b in right:
                found = contradiction(a + b, first.stage, policy, day)
                if not found:
                    return None
                fields.update(found)
        return tuple(sorted(fields))

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

    def floors(self, order: list[Rule], policy: Policy, day: dt.date) -> None:
        """``dominated_floor``: a floor that another floor of the same thing, never lower, covers wherever it applies.

        Where several floors of one category fire, the highest applies, so such a floor never binds. A floor
        of a provisional value neither dominates nor is dominated: the value may yet change.
        """
        for rule in order:
            for floor, amount in _floors(rule).items():
                _verdict(self.dominated, (_key(rule), floor), self.dominator(rule, floor, amount, order, policy, day))

    def dominator(
        self, rule: Rule, floor: _Floor, amount: Any, order: list[Rule], policy: Policy, day: dt.date
    ) -> str | None:
        """Why ``rule``'s ``floor`` never binds on ``day``, or ``None`` when it may (or that cannot be shown).

        It never binds when another rule of the stage, fired in the order of ``day``, sets a floor of the same
        thing at least as high, its condition holds wherever ``rule``'s does, and none of its exceptions can set
        it aside where ``rule`` applies. Of two equal floors under equivalent conditions, the second is reported.
        """
        mine = resolve(amount, policy, day)
        if mine is None or _provisional(amount, policy):
            return None
        for other in order:
            written = _floors(other).get(floor)
            if other is rule or other.stage != rule.stage or written is None or _provisional(written, policy):
                continue
            theirs = resolve(written, policy, day)
            if theirs is None or theirs < mine:
                continue
            if theirs == mine and order.index(other) > order.index(rule) and self.covers(rule, other, policy, day):
                continue
            if not self.covers(other, rule, policy, day):
                continue
            if any(
                exception.exception_to == other.id and self.clash(exception, rule, policy, day) is None
                for exception in order
            ):
                continue
            return (
                f"{rule.id} requires {_floor_text(floor, amount, mine)}, but {other.id} ({_where(other)}) requires "
                f"{_floor_text(floor, written, theirs)} wherever it applies: the floor of {rule.id} can never be the "
                "binding one"
            )
        return None

    def exceptions(self, order: list[Rule], policy: Policy, day: dt.date) -> None:
        """``shadowed_exception``: an exception that sets its rule aside nowhere, or changes no outcome."""
        by_id = {rule.id: rule for rule in policy.rules}
        for index, exception in enumerate(order):
            if exception.exception_to is None:
                continue
            others = [r for r in order if r.exception_to == exception.exception_to and r is not exception]
            earlier = [r for r in order[:index] if r in others]
            found = self.shadow(exception, by_id[exception.exception_to], earlier, others, policy, day)
            _verdict(self.shadowed, _key(exception), found)

    def shadow(
        self, exception: Rule, rule: Rule, earlier: list[Rule], others: list[Rule], policy: Policy, day: dt.date
    ) -> str | None:
        """Why ``exception`` to ``rule`` is of no use on ``day``, or ``None`` (also when that cannot be shown).

        An exception fires wherever its own ``when`` holds (the rule's is not added), and the rule then does
        nothing there; the other exceptions to the rule (``others``, ``earlier`` those that fire before it) fire
        too. It is of no use when its condition and the rule's can never both hold (it sets nothing aside, and
        only adds its outcomes); when an earlier exception holds wherever it does and gives each of its
        outcomes, with the same value; or when it gives exactly the rule's outcomes, only where the rule
        applies, and no other exception to the rule can fire on the same fact.
        """
        fields = self.clash(exception, rule, policy, day)
        if fields is not None:
            return (
                f"{exception.id} never sets {rule.id} ({_where(rule)}) aside: its tests of {', '.join(fields)} never "
                f"hold where {rule.id}'s do, so it only adds its own outcomes, as a rule of its own would"
            )
        mine = _outcomes(exception, policy, day)
        for first in earlier:
            theirs = _outcomes(first, policy, day)
            if all(name in theirs and theirs[name] == value for name, value in mine.items()) and self.covers(
                first, exception, policy, day
            ):
                return (
                    f"{exception.id} changes no outcome: {first.id} ({_where(first)}), an earlier exception to "
                    f"{rule.id}, fires wherever it does and gives the same outcomes"
                )
        if (
            mine == _outcomes(rule, policy, day)
            and self.covers(rule, exception, policy, day)
            and all(self.clash(exception, other, policy, day) is not None for other in others)
        ):
            return (
                f"{exception.id} changes no outcome: it gives exactly the outcomes of {rule.id} ({_where(rule)}), "
                f"only where {rule.id} applies"
            )
        return None

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
        self.useless()

    def useless(self) -> None:
        """``shadowed_exception`` and ``dominated_floor``, for rules that can fire (the others never fire at all).

        The floor of an exception that changes no decision never binds either: only the exception is reported.
        """
        shadowed = {key for key, message in self.shadowed.items() if message is not None}
        found = [("shadowed_exception", key, self.shadowed[key]) for key in shadowed]
        found += [
            ("dominated_floor", key, message) for (key, _), message in self.dominated.items() if key not in shadowed
        ]
        for code, key, message in found:
            if message is not None and key in self.fires:
                rule = self.rules[key]
                self.report(code, rule.file, rule.line, message, rule.layer, rule.id)
