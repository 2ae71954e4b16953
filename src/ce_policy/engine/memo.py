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

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from itertools import count, islice
from math import isnan
from typing import Any, Generic, Protocol, TypeVar

from ce_policy.engine.compiler import CompiledPolicy

__all__ = ["ABSENT", "Coded", "Firing", "FiringMemo", "Recallable", "distinct_codes", "priorities"]

_ORDER_OPS = frozenset({"$lt", "$lte", "$gt", "$gte"})
_VALUE_OPS = frozenset({"$neq", *_ORDER_OPS})
_PRESENCE_OPS = frozenset({"$ex", "$nex"})
ABSENT = ("~absent",)
"""A field a fact does not have, in a situation."""
_DEFAULT_SIZE = 10_000
_YEAR_SHARE = 8
"""The year outcomes kept are at most this fraction of ``size`` (each is a whole record's state, not one fact's)."""
_Bounds = tuple[tuple[Any, ...], tuple[Any, ...]]
_NO_FIELDS: tuple[tuple[str, ...], tuple[tuple[str, _Bounds], ...]] = ((), ())


class Coded:
    """A column given as codes: fact ``i``'s value is ``values[codes[i]]`` (``codes`` a numpy array of ints).

    The population path gives columns so when it has numbered their values already (e.g. a person field,
    one value per distinct person): `FiringMemo.situation_codes` then numbers the distinct values only.
    """

    __slots__ = ("codes", "values")

    def __init__(self, codes: Any, values: list[Any]) -> None:
        self.codes, self.values = codes, values

    def __len__(self) -> int:
        """The number of facts."""
        return len(self.codes)

    def tolist(self) -> list[Any]:
        """Each fact's value."""
        values = self.values
        return [values[code] for code in self.codes.tolist()]


Firing = tuple[tuple[int, str], ...]
"""The rules fired on one fact, each with its priority, in the order they apply."""


class Recallable(Protocol):
    """What the memo keeps of an activity: any result that can be marked as recalled since the table was full."""

    recalled: bool


_Result = TypeVar("_Result", bound=Recallable)


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
    return isinstance(value, int | float) and not isinstance(value, bool) and not isnan(value)


class _FieldKey:
    """How one field enters a situation: as its value, or, if it is ordered, by where it falls among its bounds.

    A test ``v < b`` or ``v >= b`` only asks whether ``b <= v``, and ``v <= b`` or ``v > b`` whether ``b < v``;
    equality asks both. With ``low`` the sorted bounds of the first kind and ``high`` those of the second,
    ``(bisect_right(low, v), bisect_left(high, v))`` counts the bounds of each kind that ``v`` has reached or
    passed, which settles the answer of every test the field is put to, with two calls.
    """

    __slots__ = ("bounds", "name")

    def __init__(self, name: str, tests: Iterable[tuple[str, Any]]) -> None:
        self.name = name
        tests = [(op, operand) for op, operand in tests if op not in _PRESENCE_OPS]
        ordered = any(op in _ORDER_OPS for op, _ in tests)
        if ordered and not all(_number(operand) for _, operand in tests):
            raise _UnknownShapeError(f"{name} is ordered against a value that is not a number")
        low = sorted({operand for op, operand in tests if op not in ("$lte", "$gt")})
        high = sorted({operand for op, operand in tests if op not in ("$lt", "$gte")})
        self.bounds: _Bounds | None = (tuple(low), tuple(high)) if ordered else None


def priorities(compiled: CompiledPolicy) -> dict[str, int]:
    """Each engine rule's priority: the order in which the engine applies what fires."""
    return {name: rule["pri"] for name, rule in compiled.ruleset[compiled.ruleset_name].items()}


class FiringMemo(Generic[_Result]):
    """The rules the engine fired on each situation it decided, for one compiled ruleset (thread-safe, bounded).

    Args:
        compiled: the compiled policy whose engine's decisions are kept.
        size: the most situations, and the most activities, kept: when full, the older half of the
            situations goes, and the activities not recalled since the table was last full. Records' year
            outcomes (`keep_year`) are kept up to an eighth of it, the older half going when full.
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
            self._fields: dict[str, tuple[tuple[str, ...], tuple[tuple[str, _Bounds], ...]]] = {}
            for stage, fields in by_stage.items():
                keys = [_FieldKey(name, tests) for name, tests in sorted(fields.items())]
                plain = tuple(key.name for key in keys if key.bounds is None)
                ordered = tuple((key.name, key.bounds) for key in keys if key.bounds is not None)
                self._fields[stage] = (plain, ordered)
        except _UnknownShapeError:
            self.enabled = False
            self._fields = {}
        self._seen: dict[tuple[Any, ...], Firing] = {}
        self._activities: dict[tuple[Any, ...], _Result] = {}
        self._profiles: dict[tuple[Any, ...], int] = {}
        self._profile_numbers = count()
        self._years: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def situation(self, fact: dict[str, Any]) -> tuple[Any, ...] | None:
        """The fact's answers to every test of its stage's rules; ``None`` when the memo is off."""
        if not self.enabled:
            return None
        stage = fact["stage"]
        plain, ordered = self._fields.get(stage, _NO_FIELDS)
        get = fact.get
        key = [stage, *[get(name, ABSENT) for name in plain]]
        for name, (low, high) in ordered:
            value = get(name, ABSENT)
            if value.__class__ is int or (value.__class__ is float and not isnan(value)):
                key.append((bisect_right(low, value), bisect_left(high, value)))
            else:
                key.append(value)  # not a number (absent, a string, NaN): the value itself
        return tuple(key)

    def tested(self, stage: str) -> tuple[str, ...]:
        """The fields some rule of ``stage`` tests (those a situation of the stage is made of)."""
        plain, ordered = self._fields.get(stage, _NO_FIELDS)
        return (*plain, *(name for name, _ in ordered))

    def situation_codes(
        self, stage: str, count: int, column: Callable[[str], Any]
    ) -> tuple[Any, list[tuple[Any, ...]]] | None:
        """The situations of ``count`` facts of one ``stage`` as codes, each field given as a column (``column(name)``).

        A column holds each fact's value of the field, `ABSENT` where the fact has none.

        Each column is numbered value by value (a field's bounds found with numpy for whole numbers), the
        numbers combined into one per fact and the distinct ones found with numpy, so that a situation is made
        once however many facts share it: ``(codes, situations)`` with ``situations[codes[i]]`` what
        `situation` gives for fact ``i`` (``codes`` a numpy array). ``None`` when the memo is off.

        A column may also be given as `Coded` (its distinct values numbered already), or, for a field compared
        by order, as a numpy array of whole numbers.
        """
        if not self.enabled:
            return None
        import numpy as np  # noqa: PLC0415 - only the population path needs it: `evaluate` never loads numpy

        if not count:
            return np.zeros(0, dtype=np.intp), []
        plain, ordered = self._fields.get(stage, _NO_FIELDS)
        code = np.zeros(count, dtype=np.int64)
        size = 1
        values_of: list[Any] = []  # per field: each fact's part of its situation (a list, `Coded`, or two arrays)
        for name in plain:
            values = column(name)
            if isinstance(values, np.ndarray):
                values = values.tolist()
            code, size = _combined(code, size, *_numbers_of(values))
            values_of.append(values)
        for name, (low, high) in ordered:
            values = column(name)
            if isinstance(values, Coded):
                values = Coded(values.codes, [self._ordered(value, low, high) for value in values.values])
                code, size = _combined(code, size, *_numbers_of(values))
                values_of.append(values)
                continue
            if isinstance(values, np.ndarray) or set(map(type, values)) == {int}:
                given = np.asarray(values, dtype=np.int64)
                reached = np.searchsorted(np.asarray(low), given, side="right") if low else np.zeros(count, np.int64)
                passed = np.searchsorted(np.asarray(high), given, side="left") if high else np.zeros(count, np.int64)
                code, size = _combined(code, size, reached * (len(high) + 1) + passed, (len(low) + 1) * (len(high) + 1))
                values_of.append((reached, passed))
                continue
            if any(value.__class__ in (int, float) for value in values):
                values = [self._ordered(value, low, high) for value in values]
            code, size = _combined(code, size, *_numbers_of(values))
            values_of.append(values)
        _, first, codes = distinct_codes(code, size)
        situations = []
        for i in first.tolist():
            key: list[Any] = [stage]
            for part in values_of:
                if isinstance(part, Coded):
                    key.append(part.values[part.codes[i]])
                else:
                    key.append(part[i] if isinstance(part, list) else (int(part[0][i]), int(part[1][i])))
            situations.append(tuple(key))
        return codes.reshape(-1), situations

    @staticmethod
    def _ordered(value: Any, low: tuple[Any, ...], high: tuple[Any, ...]) -> Any:
        if value.__class__ is int or (value.__class__ is float and not isnan(value)):
            return (bisect_right(low, value), bisect_left(high, value))
        return value

    def get(self, situation: tuple[Any, ...]) -> Firing | None:
        """The rules fired on ``situation`` (each with its priority), if the engine decided it before."""
        return self._seen.get(situation)

    def put(self, situation: tuple[Any, ...], fired: Firing) -> None:
        """Keep what the engine fired on ``situation``."""
        self._keep(self._seen, situation, fired)

    def profile(self, fields: tuple[Any, ...]) -> int:
        """A number for one set of person fields and ``as_of`` (never reused), to key activities by."""
        number = self._profiles.get(fields)
        if number is None:
            with self._lock:
                number = next(self._profile_numbers)
            self._keep(self._profiles, fields, number)
        return number

    def recall_activity(self, key: tuple[Any, ...]) -> _Result | None:
        """What an activity with exactly these fields, person fields and ``as_of`` came to, if seen before."""
        result = self._activities.get(key)
        if result is not None:
            result.recalled = True
        return result

    def recall_activities(self, keys: list[tuple[Any, ...]]) -> list[_Result | None]:
        """`recall_activity` for each of ``keys``, in order (one lookup each, no call per key)."""
        get = self._activities.get
        found = [get(key) for key in keys]
        for result in found:
            if result is not None:
                result.recalled = True
        return found

    def keep_activity(self, key: tuple[Any, ...], result: _Result) -> None:
        """Keep what an activity came to, under everything the rules of its two stages can read.

        When the table is full, the activities not recalled since the last time it was full go (a course many
        people take stays; an application seen once does not), and the others are marked unrecalled again;
        if that would free less than a quarter of the table, its older half goes instead.
        """
        table = self._activities
        with self._lock:
            if len(table) >= self.size:
                stale = [old for old, kept in table.items() if not kept.recalled]
                if len(stale) < len(table) // 4:
                    stale = list(islice(table, len(table) // 2 or 1))
                for old in stale:
                    del table[old]
                for kept in table.values():
                    kept.recalled = False
            table[key] = result

    def recall_year(self, key: tuple[Any, ...]) -> Any:
        """What the stages after the activities came to for a record keyed by ``key``, if kept (else ``None``).

        ``key`` holds the record's profile number, what each of its activities came to (each recalled, in
        order) and its prior years' hours.
        """
        return self._years.get(key)

    def keep_year(self, key: tuple[Any, ...], outcome: Any) -> None:
        """Keep what the stages after the activities came to for a record keyed by ``key`` (see `recall_year`)."""
        self._keep(self._years, key, outcome, self.size // _YEAR_SHARE or 1)

    def _keep(
        self, table: dict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any, size: int | None = None
    ) -> None:
        with self._lock:
            if len(table) >= (size if size is not None else self.size):
                for old in list(islice(table, len(table) // 2 or 1)):
                    del table[old]
            table[key] = value

    def __len__(self) -> int:
        """The number of situations and activities kept."""
        return len(self._seen) + len(self._activities)


def distinct_codes(code: Any, size: int) -> tuple[Any, Any, Any]:
    """The distinct values of ``code`` (whole numbers below ``size``), ascending; a position of each; each's rank.

    What ``numpy.unique(code, return_index=True, return_inverse=True)`` gives, except that the position of a
    value is one where it occurs (not always the first). Without sorting when ``size`` is small: a table of
    ``size`` flags marks the values that occur.
    """
    import numpy as np  # noqa: PLC0415 - the population path's

    count = len(code)
    if size > 4 * count + 4096:
        values, first, inverse = np.unique(code, return_index=True, return_inverse=True)
        return values, first, inverse.reshape(-1)
    seen = np.zeros(size, dtype=np.bool_)
    seen[code] = True
    rank = np.cumsum(seen) - 1
    inverse = rank[code]
    first = np.zeros(int(rank[-1]) + 1 if size else 0, dtype=np.int64)
    first[inverse] = np.arange(count)  # some position of each value
    return np.flatnonzero(seen), first, inverse


def _combined(code: Any, size: int, part: Any, count: int) -> tuple[Any, int]:
    """Each fact's code with one more field's number (below ``count``) folded in, kept within 63 bits."""
    import numpy as np  # noqa: PLC0415 - the population path's

    if size * max(count, 1) >= 1 << 62:  # renumber the codes so far: at most one per fact
        distinct, code = np.unique(code, return_inverse=True)
        code, size = code.reshape(-1).astype(np.int64), len(distinct)
    return code * max(count, 1) + np.asarray(part, dtype=np.int64), size * max(count, 1)


def _numbers_of(values: list[Any] | Coded) -> tuple[Any, int]:
    """Each fact's number among a column's distinct values, and how many there are (`Coded`: its values numbered)."""
    from ce_policy.model.column_values import numbered  # noqa: PLC0415 - numpy: the population path's only

    if isinstance(values, Coded):
        numbers, distinct = numbered(values.values)
        return numbers[values.codes], len(distinct)
    numbers, distinct = numbered(values)
    return numbers, len(distinct)
