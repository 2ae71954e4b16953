"""Memoising what the engine decided for a fact, keyed by the fact's answers to every test its rules make.

The compiled rules test single facts against constants only (see ``_compiler``): equality and inequality
with a value, order against a number, presence. So which rules fire on a fact depends on nothing but, for
each field some rule of its stage tests, the field's value (for fields only compared for equality) or, for
fields compared by order, the answer to each of those comparisons. That tuple is the fact's *situation*;
two facts in the same situation fire the same rules. The memo keeps, for each situation the engine has
decided, the rules it fired, so an identical situation is decided once by the engine and then reused.

The memo is read off the compiled ruleset itself (the JSON the engine runs), not the policy, so it cannot
miss a test the engine makes; a condition shape it does not know disables it for that ruleset. It is bounded.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from ce_policy._compiler import CompiledPolicy

__all__ = ["ActivityFirings", "Firing", "FiringMemo", "priorities"]

_ORDER_OPS = frozenset({"$lt", "$lte", "$gt", "$gte"})
_VALUE_OPS = frozenset({"$neq", *_ORDER_OPS})
_PRESENCE_OPS = frozenset({"$ex", "$nex"})
_ABSENT = ("~absent",)
_DEFAULT_SIZE = 10_000
_NO_FIELDS: tuple[tuple[str, ...], tuple[tuple[str, tuple[Any, ...]], ...]] = ((), ())


Firing = tuple[tuple[int, str], ...]
"""The rules fired on one fact, each with its priority, in the order they apply."""
ActivityFirings = tuple[Firing, Firing]
"""What fired on one activity's fact in the activity stage and on its recognition fact."""


class _UnknownShapeError(Exception):
    """The ruleset tests a fact in a way the memo does not know how to key."""


def _tests(condition: dict[str, Any], found: list[tuple[str, str, Any]]) -> None:
    for key, value in condition.items():
        if key in ("$and", "$or"):
            for part in value:
                _tests(part, found)
        elif key in _VALUE_OPS:
            found.extend((field, key, operand) for field, operand in value.items())
        elif key in _PRESENCE_OPS:
            found.extend((field, key, None) for field in value)
        elif key.startswith("$"):
            raise _UnknownShapeError(key)
        else:
            found.append((key, "=", value))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "$neq": operator.eq,
    "$lt": operator.lt,
    "$lte": operator.le,
    "$gt": operator.gt,
    "$gte": operator.ge,
}


class _FieldKey:
    """How one field enters a situation: as its value, or, if it is ordered, as its answer to each test."""

    __slots__ = ("name", "tests")

    def __init__(self, name: str, tests: Iterable[tuple[str, Any]]) -> None:
        self.name = name
        tests = list(tests)
        ordered = any(op in _ORDER_OPS for op, _ in tests)
        compared = sorted({(op, operand) for op, operand in tests if op not in _PRESENCE_OPS})
        if ordered and not all(_number(operand) for _, operand in compared):
            raise _UnknownShapeError(f"{name} is ordered against a value that is not a number")
        self.tests = tuple((_COMPARE[op], operand) for op, operand in compared) if ordered else None


def priorities(compiled: CompiledPolicy) -> dict[str, int]:
    """Each engine rule's priority: the order in which the engine applies what fires."""
    return {name: rule["pri"] for name, rule in compiled.ruleset[compiled.ruleset_name].items()}


class FiringMemo:
    """The rules the engine fired on each situation it decided, for one compiled ruleset (thread-safe, bounded).

    Args:
        compiled: the compiled policy whose engine's decisions are kept.
        size: the most situations kept; when full, the older half is dropped.
    """

    def __init__(self, compiled: CompiledPolicy, size: int = _DEFAULT_SIZE) -> None:
        self.size = size
        self.enabled = True
        self.priority = priorities(compiled)
        by_stage: dict[str, dict[str, list[tuple[str, Any]]]] = {}
        try:
            for name, action in compiled.actions.items():
                if action.rule is None:
                    continue
                found: list[tuple[str, str, Any]] = []
                for part in compiled.ruleset[compiled.ruleset_name][name]["all"]:
                    _tests(part["m"], found)
                fields = by_stage.setdefault(action.rule.stage, {})
                for field, op, operand in found:
                    if field != "stage":
                        fields.setdefault(field, []).append((op, operand))
            self._fields: dict[str, tuple[tuple[str, ...], tuple[tuple[str, tuple[Any, ...]], ...]]] = {}
            for stage, fields in by_stage.items():
                keys = [_FieldKey(name, tests) for name, tests in sorted(fields.items())]
                plain = tuple(key.name for key in keys if key.tests is None)
                ordered = tuple((key.name, key.tests) for key in keys if key.tests is not None)
                self._fields[stage] = (plain, ordered)
        except _UnknownShapeError:
            self.enabled = False
            self._fields = {}
        self._seen: dict[tuple[Any, ...], Firing] = {}
        self._activities: dict[tuple[Any, ...], ActivityFirings] = {}
        self._lock = threading.Lock()

    def situation(self, fact: dict[str, Any]) -> tuple[Any, ...] | None:
        """The fact's answers to every test of its stage's rules; ``None`` when the memo is off."""
        if not self.enabled:
            return None
        stage = fact["stage"]
        plain, ordered = self._fields.get(stage, _NO_FIELDS)
        get = fact.get
        key = [stage, *[get(name, _ABSENT) for name in plain]]
        for name, tests in ordered:
            value = get(name, _ABSENT)
            if value.__class__ is int or value.__class__ is float:
                key.append(tuple([compare(value, operand) for compare, operand in tests]))
            else:
                key.append(value)
        return tuple(key)

    def get(self, situation: tuple[Any, ...]) -> Firing | None:
        """The rules fired on ``situation`` (each with its priority), if the engine decided it before."""
        return self._seen.get(situation)

    def put(self, situation: tuple[Any, ...], fired: Firing) -> None:
        """Keep what the engine fired on ``situation``."""
        self._keep(self._seen, situation, fired)

    def recall_activity(self, key: tuple[Any, ...]) -> ActivityFirings | None:
        """What fired on an activity with exactly these fields, person fields and ``as_of``, if seen before."""
        return self._activities.get(key)

    def keep_activity(self, key: tuple[Any, ...], fired: ActivityFirings) -> None:
        """Keep what fired on an activity's two facts, under everything the rules of those stages can read."""
        self._keep(self._activities, key, fired)

    def _keep(self, table: dict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            if len(table) >= self.size:
                for old in list(islice(table, len(table) // 2 or 1)):
                    del table[old]
            table[key] = value

    def __len__(self) -> int:
        """The number of situations and activities kept."""
        return len(self._seen) + len(self._activities)
