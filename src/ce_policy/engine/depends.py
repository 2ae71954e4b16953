"""Which provisional values a decision depended on through rules that did **not** fire.

The engine reports only the rules that fired; a provisional threshold that stopped a rule from firing (a
provisional list of title levels an applicant is not in, a provisional set of periodicals a paper's is not in)
leaves no trace there. So the compiler keeps, for every rule whose condition tests a provisional parameter, a
`Watch`: the rule's condition as compiled, each test marked with the provisional parameters it reads. After a
stage, `depended_on` evaluates, in Python, each watched rule that did not fire on a fact against that fact: the
rule depended on a provisional parameter when a test reading it failed on the fact and the condition would have
held had every failing test that reads a provisional parameter held instead, i.e. only provisional values kept
the rule from firing. The tests are the engine's own single-fact tests, evaluated as the engine does (a missing
field fails every test but ``$nex``), on the fact the engine was given.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Union

__all__ = ["Node", "Watch", "depended_on"]

Node = Union["Branch", "Leaf"]


@dataclass(frozen=True, slots=True)
class Leaf:
    """One test of the rule's condition, as compiled (it may itself be an ``$or`` of an ``in`` list)."""

    test: Mapping[str, Any]
    params: frozenset[str]
    """The provisional parameters the test reads (empty: none)."""


@dataclass(frozen=True, slots=True)
class Branch:
    """``all`` or ``any`` of the parts."""

    every: bool
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Watch:
    """A rule whose condition tests a provisional parameter: what `depended_on` evaluates when it did not fire.

    Attributes:
        rule: the rule's id (its engine rule's name).
        condition: its condition, each test marked with the provisional parameters it reads.
        excepted_by: the ids of its exceptions: on a fact where one of them fired, the rule is set aside anyway.
    """

    rule: str
    condition: Node
    excepted_by: tuple[str, ...] = ()


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$lt": operator.lt,
    "$lte": operator.le,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$neq": operator.ne,
}


def _holds(test: Mapping[str, Any], fact: Mapping[str, Any]) -> bool:
    """Whether the fact meets one compiled engine test (``$and`` / ``$or`` of them included)."""
    for key, value in test.items():
        if key == "$and":
            if not all(_holds(part, fact) for part in value):
                return False
        elif key == "$or":
            if not any(_holds(part, fact) for part in value):
                return False
        elif key == "$ex":
            if not all(name in fact for name in value):
                return False
        elif key == "$nex":
            if any(name in fact for name in value):
                return False
        elif key in _COMPARE:
            compare = _COMPARE[key]
            for name, operand in value.items():
                if name not in fact:
                    return False
                try:
                    if not compare(fact[name], operand):
                        return False
                except TypeError:
                    return False
        elif key not in fact or fact[key] != value:
            return False
    return True


def _evaluate(node: Node, fact: Mapping[str, Any]) -> tuple[bool, frozenset[str]]:
    """Whether ``node`` would hold on ``fact`` if every test reading a provisional parameter held; and which.

    The second value names the provisional parameters of the failing tests it would need to hold: for ``all``,
    those of every part; for ``any``, those of the alternatives that would hold.
    """
    if isinstance(node, Leaf):
        if _holds(node.test, fact):
            return True, frozenset()
        return (True, node.params) if node.params else (False, frozenset())
    results = [_evaluate(part, fact) for part in node.parts]
    if node.every:
        if not all(holds for holds, _ in results):
            return False, frozenset()
        return True, frozenset().union(*(needed for _, needed in results))
    holding = [needed for holds, needed in results if holds]
    return (True, frozenset().union(*holding)) if holding else (False, frozenset())


def depended_on(watch: Watch, fact: Mapping[str, Any]) -> frozenset[str]:
    """The provisional parameters that alone kept ``watch``'s rule from firing on ``fact`` (which it did not).

    Empty when the rule would not fire whatever the provisional values (a test that reads none fails), or when
    no test reading a provisional parameter fails.
    """
    holds, needed = _evaluate(watch.condition, fact)
    return needed if holds else frozenset()
