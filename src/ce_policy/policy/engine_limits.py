"""How much of the rules engine a condition uses, against the limits measured for durable-rules 2.0.28.

The engine builds every rule's condition into one network of single-fact tests, shared between rules where
they begin alike, and matches a fact by walking that network depth first from a stack of 64 entries
(``src/rules/rete.c`` builds it, ``events.c``, ``handleAlpha``, walks it). Three of its limits can be reached
by conditions that are valid in every other way; each is kept here with a margin (the engine's own figures are
reproduced, and this model checked against the engine, by ``tests/test_hostile_policy_files.py``):

* **tests met at once** (`MAX_TESTS_AT_ONCE`): the tests below one test that a fact meets all wait on the
  stack together, with those still waiting above them. 64 entries are the most: with 65 the fact is
  refused, ``error code: 303``, and every record with such an activity fails. Each alternative of an
  ``any`` that can hold together with the others is one more entry; equalities of one field (an ``in``
  list) never hold together.
* **ways to match** (`MAX_WAYS_TO_MATCH`): the alternatives of an ``any`` meet again after it, and the
  engine walks every way through them separately, running the rule's action once for each (the session
  passes one firing on per rule and fact, so the decision names the rule once). Nested in ``all``, the ``any``
  multiply: ``all`` of six ``any`` of six alternatives is 6**6 = 46,656 firings for one fact, and a
  record has up to 1,000 activities.
* **groups in one rule** (`MAX_GROUPS_PER_RULE`): each ``all`` and ``any`` of the compiled condition, and
  each ``in`` or ``not_in`` list of more than one value, takes two of the 32 places of the rule's
  expression sequence; with 16 groups the ruleset is not built, ``error code: 113``.

`Network` rebuilds that network from conditions in the engine's JSON form (as the compiler emits them) and
works out, for the worst fact, what a stage uses of the first two limits; `groups` counts the third.
`condition_shape` gives a policy rule's condition in that form before compiling, with each parameter's
list as long as its longest value, so that the loader can refuse a rule that no period could run
(`rule_limit_problems`); the compiler checks each stage's rules together, as compiled for a date.

The model is exact for the ways to match when a fact meets every test it can, and never below the engine for
the tests met at once (it assumes the worst order of walking); both were checked against the engine on
random conditions. Reaching the engine's other limits (128 tests for absence or ``any`` ends under one test,
256 rules ending on one, 4,096 rules) takes more than these allow, and 512 tests under one test (where
building the ruleset never ends) is the compiler's ``stage_test_limit``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ce_policy.model.errors import PolicyProblem
from ce_policy.policy.loaded import AsOf, Condition, ParamRef, Rule, Test

__all__ = [
    "ENGINE_GROUP_FAILURE",
    "ENGINE_STACK",
    "MAX_GROUPS_PER_RULE",
    "MAX_TESTS_AT_ONCE",
    "MAX_WAYS_TO_MATCH",
    "Network",
    "Usage",
    "condition_shape",
    "groups",
    "groups_message",
    "rule_limit_problems",
    "tests_at_once_message",
    "ways_message",
]

ENGINE_STACK = 64
"""The engine's stack of tests waiting to be walked (``MAX_STACK_SIZE``); one more entry is error 303."""
MAX_TESTS_AT_ONCE = 60
"""The most tests of one stage a fact may meet at once, as `Network` counts them (the engine fails at 65)."""
MAX_WAYS_TO_MATCH = 64
"""The most ways one fact may match the rules of one stage (each a firing, and work for the engine)."""
ENGINE_GROUP_FAILURE = 16
"""The groups (``all``, ``any``, lists) of one compiled rule with which the engine refuses the ruleset (113)."""
MAX_GROUPS_PER_RULE = 12
"""The most groups one rule may have once compiled."""

_AND = "$and"
_OR = "$or"
_EQ = "$eq"
_NEX = "$nex"


@dataclass(frozen=True, slots=True)
class Usage:
    """What the worst fact uses of the engine in one part of the network.

    Attributes:
        at_once: the most entries on the engine's stack at one time while the fact is matched.
        ways: the ways the fact matches, each a firing of a rule.
    """

    at_once: int
    ways: int


@dataclass(eq=False)
class _Node:
    """A test of the engine's network (or a point where the alternatives of an ``any`` meet again)."""

    equality_of: str | None = None
    hashed: dict[tuple[str, str, str], _Node] = field(default_factory=dict)
    absent: dict[tuple[str, str, str], _Node] = field(default_factory=dict)
    joins: list[_Node] = field(default_factory=list)
    ends: int = 0

    def children(self) -> list[_Node]:
        """The tests below this one (and the point where an ``any`` it ends an alternative of meets again)."""
        return [*self.absent.values(), *self.joins, *self.hashed.values()]


class Network:
    """The engine's network of single-fact tests for some rules, built and shared as the engine does."""

    def __init__(self) -> None:
        """An empty network."""
        self._root = _Node()

    def add(self, condition: Mapping[str, Any]) -> None:
        """Add one engine rule's condition (``{"$and": [...]}``, ``{"$or": [...]}`` or one test)."""
        self._add(condition, self._root).ends += 1

    def _add(self, condition: Mapping[str, Any], parent: _Node) -> _Node:
        [(key, value)] = condition.items()
        if key == _AND:
            node = parent
            for part in value:
                node = self._add(part, node)
            return node
        if key == _OR:
            join = _Node()
            for part in value:
                self._add(part, parent).joins.append(join)
            return join
        op, name, operand = (key, *next(iter(value.items()))) if key.startswith("$") else (_EQ, key, value)
        found = (key, name, json.dumps(operand, sort_keys=True, default=str))
        table = parent.absent if op == _NEX else parent.hashed
        child = table.get(found)
        if child is None:
            child = table[found] = _Node(equality_of=name if op == _EQ else None)
        return child

    def usage(self) -> Usage:
        """What the worst fact uses of the engine in this network (a fact meets every test it can at once)."""
        return _usage(self._root)


def _usage(root: _Node) -> Usage:
    """The worst ``root`` can cost, counting itself on the stack (worked out children first, without recursion).

    A fact that meets a test puts every test below it that it meets on the stack together, and walks the last
    one first: the stack then holds the others and what that one needs. The tests of one field for equality
    with different values are one choice, since a fact meets at most one of them.
    """
    memo: dict[int, Usage] = {}
    pending: list[tuple[_Node, bool]] = [(root, False)]
    while pending:
        node, ready = pending.pop()
        if id(node) in memo:
            continue
        children = node.children()
        if not ready:
            pending.append((node, True))
            pending.extend((child, False) for child in children if id(child) not in memo)
            continue
        choices: dict[object, list[Usage]] = {}
        for position, child in enumerate(children):  # a join linked twice is walked twice
            key: object = child.equality_of if child.equality_of is not None else position
            choices.setdefault(key, []).append(memo[id(child)])
        if not choices:
            memo[id(node)] = Usage(1, node.ends)
            continue
        deepest = max(usage.at_once for options in choices.values() for usage in options)
        ways = sum(max(usage.ways for usage in options) for options in choices.values())
        memo[id(node)] = Usage(max(1, len(choices) - 1 + deepest), node.ends + ways)
    return memo[id(root)]


def tests_at_once_message(subject: str, reached: int) -> str:
    """The message of a ``tests_at_once_limit`` problem; ``subject`` is ``rule 'x'`` or ``stage 'x'``."""
    return (
        f"{subject} can meet more than {MAX_TESTS_AT_ONCE} tests of one fact at once ({reached}; each alternative "
        "of any that can hold together with the others counts, the values of one in list do not); the engine "
        f"fails on a fact that meets {ENGINE_STACK + 1}"
    )


def ways_message(subject: str, reached: int) -> str:
    """The message of a ``match_ways_limit`` problem."""
    return (
        f"{subject} can match one fact in more than {MAX_WAYS_TO_MATCH} ways ({reached}; the alternatives of an "
        "any nested in all multiply, and the engine walks and fires each way separately)"
    )


def groups_message(rule_id: str, reached: int) -> str:
    """The message of a ``condition_group_limit`` problem."""
    return (
        f"rule {rule_id!r} has more than {MAX_GROUPS_PER_RULE} groups once compiled ({reached}; each all, each "
        f"any and each in or not_in list of two or more values counts); the engine cannot be built with "
        f"{ENGINE_GROUP_FAILURE}"
    )


def rule_limit_problems(rule: Rule, list_length: Callable[[ParamRef], int]) -> list[PolicyProblem]:
    """What of the engine's limits one rule would exceed on its own, in any period (checked when loading).

    The rule is taken as the compiler emits it (with a second engine rule for each floor it sets), its
    parameters' lists as long as they ever are. A stage's rules together are checked when compiling.
    """
    shape = condition_shape(rule.stage, rule.when, list_length)
    network = Network()
    network.add(shape)
    for name, value in rule.then:
        if name in ("require", "require_share"):
            network.add(_flat(_AND, [shape, {"$lt": {f"{name}:{value[0]}": 0}}]))
    usage = network.usage()
    problems = []
    subject = f"rule {rule.id!r}"
    if usage.at_once > MAX_TESTS_AT_ONCE:
        problems.append(
            PolicyProblem(rule.file, rule.line, "tests_at_once_limit", tests_at_once_message(subject, usage.at_once))
        )
    if usage.ways > MAX_WAYS_TO_MATCH:
        problems.append(PolicyProblem(rule.file, rule.line, "match_ways_limit", ways_message(subject, usage.ways)))
    found = groups(shape)
    if found > MAX_GROUPS_PER_RULE:
        problems.append(PolicyProblem(rule.file, rule.line, "condition_group_limit", groups_message(rule.id, found)))
    return problems


def groups(condition: Mapping[str, Any]) -> int:
    """The groups (``$and`` and ``$or``) of a compiled condition: each takes two places of the engine's 32."""
    [(key, value)] = condition.items()
    if key in (_AND, _OR):
        return 1 + sum(groups(part) for part in value)
    return 0


def condition_shape(stage: str, when: Condition, list_length: Callable[[ParamRef], int]) -> dict[str, Any]:
    """A rule's condition as the compiler emits it, with stand-ins for the values of parameters.

    ``list_length`` gives the length of the longest list a parameter named by an ``in`` or ``not_in`` ever
    holds. Values do not change the network's shape, except in telling equalities of one field apart, and a
    stand-in is never equal to another. ``present`` is shown as ``$ex``/``$nex`` for every type of field (for
    a choice the compiler tests for ``""``), which the network counts as often or more.
    """

    def shape(part: Test | Condition) -> dict[str, Any] | None:
        if isinstance(part, Test):
            return _test_shape(part, list_length)
        compiled = [found for found in (shape(p) for p in part.parts) if found is not None]
        if not compiled:
            return None
        return _flat(_AND if part.mode == "all" else _OR, compiled)

    parts: list[dict[str, Any]] = [{"stage": stage}]
    compiled = shape(when)
    if compiled is not None:
        parts.append(compiled)
    return _flat(_AND, parts)


def _test_shape(test: Test, list_length: Callable[[ParamRef], int]) -> dict[str, Any]:
    name, op, operand = test.field, test.op, test.operand
    if op in ("in", "not_in"):
        if isinstance(operand, ParamRef):
            values: list[Any] = [f"{{param: {operand.id}}}[{i}]" for i in range(list_length(operand))]
        else:
            values = list(operand)
        if op == "in":
            return _flat(_OR, [{name: value} for value in values])
        return _flat(_AND, [{"$neq": {name: value}} for value in values])
    if isinstance(operand, ParamRef):
        operand = f"{{param: {operand.id}}}"
    elif isinstance(operand, AsOf):
        operand = "as_of"
    if op == "present":
        return {"$ex" if operand else _NEX: {name: 1}}
    if op == "is":
        return {name: operand}
    return {f"${op}": {name: operand}}


def _flat(key: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    flat: list[dict[str, Any]] = []
    for part in parts:
        flat.extend(part[key] if set(part) == {key} else [part])
    return flat[0] if len(flat) == 1 else {key: flat}
