"""Compiling a `Policy`, as of one date, into a durable-rules JSON ruleset.

`compile_policy` is pure: the same policy and period give the same JSON, which the tests snapshot. Only
rules in force on the date are included and every ``{param: ...}`` is replaced by its value on that date, so
the engine compares facts with constants only. Hours become whole centi-hours and dates ``yyyymmdd`` integers,
which the engine compares exactly. The shapes emitted are single-fact (alpha) tests combined with ``$and`` and
``$or`` (the engine runs a rule's action once per alternative of an ``any`` a fact meets;
`ce_policy.engine.rules_engine` hands each rule each fact once); no rule refers to another fact (joins crash
the engine) and none tests the session state. What the engine could not run is refused here with file and
line, before it is loaded: too many tests in a stage (``stage_test_limit``), and the limits of
``ce_policy.policy.engine_limits`` (tests one fact meets at once, ways one fact matches, groups in one rule),
which the loader checks rule by rule and this module stage by stage.

Each engine rule's ``run`` names an `Action`: the rule it came from and the outcomes it gives, with
parameter values resolved, so that the work done when it fires is a lookup and a few assignments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ce_policy.engine.depends import Branch, Leaf, Node, Watch
from ce_policy.model.errors import PolicyFileError, PolicyProblem
from ce_policy.model.hours import to_centi
from ce_policy.model.record import MAX_ACTIVITIES
from ce_policy.policy.engine_limits import (
    MAX_GROUPS_PER_RULE,
    MAX_TESTS_AT_ONCE,
    MAX_WAYS_TO_MATCH,
    Network,
    groups,
    groups_message,
    tests_at_once_message,
    ways_message,
)
from ce_policy.policy.loaded import AsOf, Condition, ParamRef, Policy, Rule, Test
from ce_policy.policy.vocabulary import STAGES, FieldSpec

__all__ = [
    "AS_OF_SUFFIX",
    "ENGINE_LIMIT_CODES",
    "MAX_ENGINE_TESTS_PER_STAGE",
    "OPEN_RULE",
    "SEEN_PREFIX",
    "Action",
    "CompiledPolicy",
    "ShareFloor",
    "compile_policy",
    "date_number",
]

OPEN_RULE = "~open"
"""An engine rule that fires on the opening fact of a session, so that a session always ran an action."""
SEEN_PREFIX = "~seen."
"""Catch-all engine rules, one per stage, so that no fact is ever left unhandled."""
AS_OF_SUFFIX = "__vs_as_of"
"""Each date field ``f`` also appears as ``f__vs_as_of``: days from the evaluation date (positive = after)."""
SHORT_SUFFIX = "#short."
MAX_ENGINE_TESTS_PER_STAGE = 500
"""The most tests the engine rules of one stage may make, once compiled (``in`` lists and ``any`` counted).

durable-rules loops forever while building a ruleset in which one node has 512 or more children, so the
compiler refuses a stage that could reach that many, whatever the shape of its conditions."""
ENGINE_LIMIT_CODES = frozenset({"stage_test_limit", "tests_at_once_limit", "match_ways_limit", "condition_group_limit"})
"""The codes of the problems of a policy the engine cannot run, found when compiling it."""
_CATCH_ALL_PRI = 1_000_000

_OPS = {
    "below": "$lt",
    "at_most": "$lte",
    "above": "$gt",
    "at_least": "$gte",
    "before": "$lt",
    "on_or_before": "$lte",
    "after": "$gt",
    "on_or_after": "$gte",
}


@dataclass(frozen=True, slots=True)
class Action:
    """What happens when one engine rule fires.

    Attributes:
        name: the engine rule's name.
        rule: the policy rule it comes from (``None`` for the engine's own catch-alls).
        outcomes: ``(outcome, value)`` pairs, parameter references resolved.
        shortfall: for a floor's ``#short`` rule: the category and the floor in hours.
        share: for a share floor's ``#short`` rule: the `ShareFloor` it finds short.
        provisional: ids of the provisional parameters the rule reads.
        excepted_by: ids of the exceptions to the rule: on a fact where one of them fired, it does nothing.
    """

    name: str
    rule: Rule | None
    outcomes: tuple[tuple[str, Any], ...] = ()
    shortfall: tuple[str, Decimal] | None = None
    provisional: tuple[str, ...] = ()
    excepted_by: tuple[str, ...] = ()
    share: ShareFloor | None = None


@dataclass(frozen=True, slots=True, order=True)
class ShareFloor:
    """A share floor as compiled: ``category`` at least ``share`` of ``of``, counted in ``unit``.

    The engine cannot compare one field with another, so the year fact carries, for each share floor its rules
    set, the integer ``q × category − p × of`` in hundredths (``share = p/q``), under the name `field`; the
    floor is short when it is negative. Exact: no fraction is ever rounded.
    """

    unit: str
    category: str
    of: str
    share: Fraction

    @property
    def field(self) -> str:
        """The year fact's field that tells whether the floor is met (negative: short)."""
        return f"share__{self.unit}__{self.category}__{self.of}__{self.share.numerator}_{self.share.denominator}"


@dataclass(frozen=True)
class CompiledPolicy:
    """A policy compiled for one period: the engine ruleset and the action behind each of its rules."""

    policy: Policy
    epoch: int
    ruleset_name: str
    ruleset: dict[str, Any]
    actions: dict[str, Action]
    shares: tuple[ShareFloor, ...] = ()
    """The share floors the rules set: the year facts carry a field for each (`ShareFloor.field`)."""
    watches: dict[str, tuple[Watch, ...]] | None = None
    """By stage, the rules whose conditions test a provisional parameter (`ce_policy.engine.depends`)."""


def date_number(day: dt.date) -> int:
    """A date as the integer ``yyyymmdd``, which orders like the date."""
    return day.year * 10_000 + day.month * 100 + day.day


class _Compiler:
    def __init__(self, policy: Policy, day: dt.date) -> None:
        self.policy = policy
        self.day = day
        self.problems: list[PolicyProblem] = []
        self._fields: dict[str, dict[str, FieldSpec]] = {}

    def fields(self, stage: str) -> dict[str, FieldSpec]:
        found = self._fields.get(stage)
        if found is None:
            found = self._fields[stage] = self.policy.fields(stage)
        return found

    def value(self, ref: ParamRef, rule: Rule) -> Any:
        parameter = self.policy.parameters[ref.id]
        value = parameter.value_at(self.day)
        if value is None:
            self.problems.append(
                PolicyProblem(
                    rule.file,
                    rule.line,
                    "parameter_without_value",
                    f"rule {rule.id!r} reads {ref.id!r}, which has no value on {self.day.isoformat()}",
                )
            )
        return value

    def scalar(self, field_type: str, value: Any) -> Any:
        if field_type == "hours":
            return to_centi(value)
        if field_type == "date":
            return date_number(value)
        return value

    def resolve(self, operand: Any, rule: Rule) -> Any:
        return self.value(operand, rule) if isinstance(operand, ParamRef) else operand

    def test(self, test: Test, stage: str, rule: Rule) -> dict[str, Any]:
        spec = self.fields(stage)[test.field]
        name = test.field
        op = test.op
        if op == "present":
            if spec.type == "choice":
                return {"$neq": {name: ""}} if test.operand else {name: ""}
            return {"$ex": {name: 1}} if test.operand else {"$nex": {name: 1}}
        if isinstance(test.operand, AsOf):
            return {_OPS[op]: {name + AS_OF_SUFFIX: 0}}
        operand = self.resolve(test.operand, rule)
        if operand is None:
            return {name: ""}
        if op in ("in", "not_in"):
            values = [self.scalar(spec.type, v) for v in operand]
            if op == "in":
                return _any([{name: v} for v in values])
            return _all([{"$neq": {name: v}} for v in values])
        value = self.scalar(spec.type, operand)
        if op == "is":
            return {name: value}
        if op == "is_not":
            return {"$neq": {name: value}}
        return {_OPS[op]: {name: value}}

    def condition(self, condition: Condition, stage: str, rule: Rule) -> dict[str, Any] | None:
        parts = []
        for part in condition.parts:
            compiled = (
                self.condition(part, stage, rule) if isinstance(part, Condition) else self.test(part, stage, rule)
            )
            if compiled is not None:
                parts.append(compiled)
        if not parts:
            return None
        return _all(parts) if condition.mode == "all" else _any(parts)

    def outcome(self, name: str, value: Any, rule: Rule) -> Any:
        if isinstance(value, ParamRef):
            return self.value(value, rule)
        if name == "hours" and isinstance(value[1], ParamRef):
            return (value[0], self.value(value[1], rule))
        if name in ("require", "cap") and isinstance(value[1], ParamRef):
            return (value[0], self.value(value[1], rule))
        if name == "require_share" and isinstance(value[2], ParamRef):
            return (value[0], value[1], self.value(value[2], rule), value[3])
        if name == "cycle":
            return (self.resolve(value[0], rule), self.resolve(value[1], rule))
        if name == "credits":
            mode, per, cap = value
            return (mode, self.resolve(per, rule), self.resolve(cap, rule))
        return value

    def watch(self, condition: Condition, stage: str, rule: Rule) -> Node:
        """``condition`` as compiled, each test marked with the provisional parameters it reads."""
        parts: list[Node] = []
        for part in condition.parts:
            if isinstance(part, Condition):
                parts.append(self.watch(part, stage, rule))
                continue
            operand = part.operand
            read = operand.id if isinstance(operand, ParamRef) else None
            params = frozenset({read}) if read is not None and self.policy.parameters[read].provisional else frozenset()
            parts.append(Leaf(self.test(part, stage, rule), params))
        return Branch(condition.mode == "all", tuple(parts))

    def emit(self, rule: Rule, ruleset: dict[str, Any], actions: dict[str, Action]) -> None:
        """Emit ``rule`` after its exceptions, which fire first and set it aside where they apply.

        An exception without a condition replaces the rule altogether, so the rule is left out.
        """
        exceptions = self.exceptions.get(rule.id, [])
        for exception in exceptions:
            self.emit(exception, ruleset, actions)
        if any(not exception.when.parts for exception in exceptions):
            return
        provisional = tuple(sorted(p for p in rule.params if self.policy.parameters[p].provisional))
        stage_test: dict[str, Any] = {"stage": rule.stage}
        when = self.condition(rule.when, rule.stage, rule)
        match = _all([stage_test, when]) if when is not None else stage_test
        outcomes = tuple((name, self.outcome(name, value, rule)) for name, value in rule.then)
        excepted_by = tuple(exception.id for exception in exceptions)
        if any(isinstance(t.operand, ParamRef) and t.operand.id in provisional for t in rule.when.tests()):
            watch = Watch(rule.id, self.watch(rule.when, rule.stage, rule), excepted_by)
            self.watches.setdefault(rule.stage, []).append(watch)
        self.pri += 1
        ruleset[rule.id] = {"all": [{"m": match}], "pri": self.pri, "cap": MAX_ACTIVITIES, "run": rule.id}
        actions[rule.id] = Action(rule.id, rule, outcomes, None, provisional, excepted_by)
        for category, floor in (value for name, value in outcomes if name == "require"):
            if floor is None:
                continue
            self.pri += 1
            name = f"{rule.id}{SHORT_SUFFIX}{category}"
            short = _all([match, {"$lt": {category: to_centi(floor)}}])
            ruleset[name] = {"all": [{"m": short}], "pri": self.pri, "cap": MAX_ACTIVITIES, "run": name}
            actions[name] = Action(name, rule, (), (category, floor), provisional, excepted_by)
        for category, of, share, unit in (value for name, value in outcomes if name == "require_share"):
            if share is None:
                continue
            floor = ShareFloor(unit, category, of, share)
            self.shares.add(floor)
            self.pri += 1
            name = f"{rule.id}{SHORT_SUFFIX}share.{category}"
            short = _all([match, {"$lt": {floor.field: 0}}])
            ruleset[name] = {"all": [{"m": short}], "pri": self.pri, "cap": MAX_ACTIVITIES, "run": name}
            actions[name] = Action(name, rule, (), None, provisional, excepted_by, floor)

    def compile(self) -> CompiledPolicy:
        ruleset: dict[str, Any] = {
            OPEN_RULE: {"all": [{"m": {"stage": OPEN_RULE}}], "pri": -1, "run": OPEN_RULE},
        }
        actions: dict[str, Action] = {OPEN_RULE: Action(OPEN_RULE, None)}
        in_force = [rule for rule in self.policy.rules if rule.in_force_on(self.day)]
        self.exceptions: dict[str, list[Rule]] = {}
        for rule in in_force:
            if rule.exception_to is not None:
                self.exceptions.setdefault(rule.exception_to, []).append(rule)
        self.pri = 0
        self.shares: set[ShareFloor] = set()
        self.watches: dict[str, list[Watch]] = {}
        for stage in STAGES:
            for rule in in_force:
                if rule.stage == stage and rule.exception_to is None:
                    self.emit(rule, ruleset, actions)
        for stage in STAGES:
            name = SEEN_PREFIX + stage
            ruleset[name] = {
                "all": [{"m": {"stage": stage}}],
                "pri": _CATCH_ALL_PRI,
                "cap": MAX_ACTIVITIES,
                "run": name,
            }
            actions[name] = Action(name, None)
        self.check_size(ruleset, actions)
        self.check_engine_limits(ruleset, actions)
        if self.problems:
            raise PolicyFileError(self.problems)
        epoch = self.policy.epoch(self.day)
        ruleset_name = f"ce.{self.policy.id}.e{epoch}"
        watches = {stage: tuple(found) for stage, found in self.watches.items()}
        return CompiledPolicy(
            self.policy, epoch, ruleset_name, {ruleset_name: ruleset}, actions, tuple(sorted(self.shares)), watches
        )

    def check_size(self, ruleset: dict[str, Any], actions: dict[str, Action]) -> None:
        """Refuse a stage whose engine rules make more tests than the engine can be built with."""
        tests: dict[str, int] = {}
        for name, action in actions.items():
            rule = action.rule
            if rule is None:
                continue
            before = tests.get(rule.stage, 0)
            tests[rule.stage] = before + sum(_count_tests(part["m"]) for part in ruleset[name]["all"])
            if before <= MAX_ENGINE_TESTS_PER_STAGE < tests[rule.stage]:
                message = (
                    f"stage {rule.stage!r} makes more than {MAX_ENGINE_TESTS_PER_STAGE} tests once compiled "
                    f"(rule {rule.id!r} reaches {tests[rule.stage]}; each value of an in list and each "
                    "alternative of any counts); the engine cannot be built with so many"
                )
                self.problems.append(PolicyProblem(rule.file, rule.line, "stage_test_limit", message))

    def check_engine_limits(self, ruleset: dict[str, Any], actions: dict[str, Action]) -> None:
        """Refuse what the engine cannot run (`ce_policy.policy.engine_limits`), stage by stage.

        A stage on which one fact would meet more tests at once, or match in more ways, than the engine can
        take, is reported at the first rule (in the order the engine rules are emitted) with which it goes past
        the limit; a rule with more groups than the engine can build, at that rule.
        """
        stages: dict[str, list[tuple[Rule, dict[str, Any]]]] = {}
        for name, action in actions.items():
            rule = action.rule
            if rule is None:
                continue
            condition = ruleset[name]["all"][0]["m"]
            stages.setdefault(rule.stage, []).append((rule, condition))
            found = groups(condition)
            if found > MAX_GROUPS_PER_RULE and name == rule.id:
                self.problems.append(
                    PolicyProblem(rule.file, rule.line, "condition_group_limit", groups_message(rule.id, found))
                )
        for stage, emitted in stages.items():
            network = Network()
            for _, condition in emitted:
                network.add(condition)
            usage = network.usage()
            if usage.at_once <= MAX_TESTS_AT_ONCE and usage.ways <= MAX_WAYS_TO_MATCH:
                continue
            self.blame(stage, emitted, at_once=usage.at_once > MAX_TESTS_AT_ONCE, ways=usage.ways > MAX_WAYS_TO_MATCH)

    def blame(self, stage: str, emitted: list[tuple[Rule, dict[str, Any]]], *, at_once: bool, ways: bool) -> None:
        """Report each limit the stage goes past at the first rule with which it does."""
        network = Network()
        for index, (rule, condition) in enumerate(emitted):
            network.add(condition)
            if index + 1 < len(emitted) and emitted[index + 1][0] is rule:
                continue  # the rule's own engine rules (its floors) come together
            usage = network.usage()
            where = f"stage {stage!r}, with rule {rule.id!r},"
            if at_once and usage.at_once > MAX_TESTS_AT_ONCE:
                message = tests_at_once_message(where, usage.at_once)
                self.problems.append(PolicyProblem(rule.file, rule.line, "tests_at_once_limit", message))
                at_once = False
            if ways and usage.ways > MAX_WAYS_TO_MATCH:
                message = ways_message(where, usage.ways)
                self.problems.append(PolicyProblem(rule.file, rule.line, "match_ways_limit", message))
                ways = False


def _count_tests(condition: dict[str, Any]) -> int:
    """The number of single tests in a compiled condition."""
    count = 0
    for key, value in condition.items():
        if key in ("$and", "$or"):
            count += sum(_count_tests(part) for part in value)
        elif key.startswith("$"):
            count += len(value)
        else:
            count += 1
    return count


def _flat(key: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    flat: list[dict[str, Any]] = []
    for part in parts:
        flat.extend(part[key] if set(part) == {key} else [part])
    return flat[0] if len(flat) == 1 else {key: flat}


def _all(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return _flat("$and", parts)


def _any(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return _flat("$or", parts)


def compile_policy(policy: Policy, day: dt.date) -> CompiledPolicy:
    """Compile ``policy`` as in force on ``day`` into a durable-rules ruleset and its action table.

    Raises:
        PolicyFileError: a rule in force on ``day`` reads a parameter that has no value on ``day``; or the rules
            in force are more than the engine can run (one of `ENGINE_LIMIT_CODES`).
    """
    return _Compiler(policy, day).compile()
