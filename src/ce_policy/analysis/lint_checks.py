"""What the linter knows about rules: when two conditions can hold together, and what an outcome decides.

A rule's ``when`` is expanded into a disjunction of conjunctions of tests (`alternatives`), with every
``{param: …}`` resolved to its value on one day. A conjunction can hold on some fact unless the tests of one
field leave that field no value (`contradiction`): the field's values are tracked as a set for choice, bool
and text fields and as an integer range (centi-hours, day numbers, integers) for hours, dates and integers,
as the compiler turns them into engine constants. Only what this shows is relied on: a condition too large
to expand is treated as one that can hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ce_policy.model.hours import to_centi
from ce_policy.policy.loaded import AsOf, Condition, ParamRef, Policy, Rule, Test
from ce_policy.policy.vocabulary import FieldSpec

__all__ = [
    "MAX_ALTERNATIVES",
    "Conjunction",
    "alternatives",
    "contradiction",
    "effects",
    "implied",
    "order_effects",
    "resolve",
    "show_value",
]

MAX_ALTERNATIVES = 256
"""Conditions that expand into more conjunctions than this are not analysed (treated as able to hold)."""

Conjunction = tuple[Test, ...]

# What each outcome can change in a decision (the fields of `Decision` and `TitleReviewDecision`).
_YEAR_RESULT = ("shortfall", "compliant", "consequences")
_EFFECTS: dict[str, tuple[str, ...]] = {
    "category": ("activities.category", "activities.counted", "hours", *_YEAR_RESULT),
    "registration": ("activities.registration", "activities.route", "projected"),
    "hours": ("activities.hours", "hours", *_YEAR_RESULT),
    "credits": ("activities.credits", "credits", "compliant", "consequences"),
    "pool": ("credits", "hours", *_YEAR_RESULT),
    "cap": ("credits.counted", "credits.shortfall", "hours", *_YEAR_RESULT),
    "reject": ("activities.counted", "activities.reasons", "hours", "projected", *_YEAR_RESULT),
    "defer": ("activities.counted", "activities.reasons", "hours", "projected", *_YEAR_RESULT),
    "route": ("activities.route",),
    "cycle": ("cycle", "consequences"),
    "consequence": ("consequences",),
    "require_year": ("years", "missing_years", "eligible"),
    "missing_year": ("years.reasons", "missing_years", "eligible"),
    "bar": ("bars", "eligible"),
    "require_share": ("shares", "shortfall", "compliant", "consequences"),
}
_FLOOR_EFFECTS: dict[str, tuple[str, ...]] = {
    "credits": ("credits.required", "credits.shortfall", "compliant", "consequences"),
    "cycle": ("cycle.required", "cycle.remaining", "consequences"),
}


_ORDER = (
    "activities",
    "hours",
    "required",
    "shortfall",
    "credits",
    "cycle",
    "shares",
    "projected",
    "compliant",
    "consequences",
    "years",
    "missing_years",
    "bars",
    "eligible",
)


def order_effects(found: Iterable[str]) -> tuple[str, ...]:
    """Decision fields without repeats, in the order the decision lists them."""
    return tuple(sorted(set(found), key=lambda item: (_ORDER.index(item.split(".")[0]), item)))


def _reads(value: Any, pid: str) -> bool:
    if isinstance(value, ParamRef):
        return value.id == pid
    return isinstance(value, tuple) and any(_reads(item, pid) for item in value)


def effects(rule: Rule, pid: str | None = None) -> tuple[str, ...]:
    """The decision fields that the outcomes of ``rule`` can change, in the order the decision lists them.

    With ``pid``, only what the parameter ``pid`` can change through the rule: every outcome when ``when``
    reads it, else the outcomes whose values read it. A floor (``require``) changes ``required.<category>``
    and ``shortfall``; credits and cycle floors change the ``credits`` and ``cycle`` blocks instead.
    """
    in_when = pid is None or any(
        isinstance(test.operand, ParamRef) and test.operand.id == pid for test in rule.when.tests()
    )
    found: list[str] = []
    for name, value in rule.then:
        if not (in_when or _reads(value, str(pid))):
            continue
        if name == "require":
            category = value[0]
            more = _FLOOR_EFFECTS.get(category, (f"required.{category}", f"shortfall.{category}", *_YEAR_RESULT[1:]))
        else:
            more = _EFFECTS.get(name, ())
        found.extend(more)
    return order_effects(found)


def _show(value: Any) -> str:
    if isinstance(value, ParamRef):
        return f"{{param: {value.id}}}"
    if isinstance(value, tuple):
        return " ".join(_show(item) for item in value if item is not None)
    return str(value)


def show_value(value: Any) -> str:
    """An outcome's value as a reader of the policy file would recognise it, e.g. ``at_most {param: x}``."""
    return _show(value)


def resolve(value: Any, policy: Policy, day: dt.date) -> Any:
    """``value`` with every parameter reference replaced by its value on ``day`` (``None`` when it has none)."""
    if isinstance(value, ParamRef):
        return policy.parameters[value.id].value_at(day)
    if isinstance(value, tuple):
        return tuple(resolve(item, policy, day) for item in value)
    return value


def alternatives(condition: Condition) -> list[Conjunction] | None:
    """``condition`` as a list of conjunctions of tests, one of which must hold; ``None`` when too large.

    A condition without tests gives one empty conjunction (it always holds).
    """
    if condition.mode == "any":
        found: list[Conjunction] = []
        for part in condition.parts:
            expanded = alternatives(part) if isinstance(part, Condition) else [(part,)]
            if expanded is None:
                return None
            found.extend(expanded)
            if len(found) > MAX_ALTERNATIVES:
                return None
        return found
    product: list[Conjunction] = [()]
    for part in condition.parts:
        expanded = alternatives(part) if isinstance(part, Condition) else [(part,)]
        if expanded is None:
            return None
        product = [left + right for left in product for right in expanded]
        if len(product) > MAX_ALTERNATIVES:
            return None
    return product


@dataclass
class _Values:
    """The values a field can still take: a finite set, or a co-finite one (``allowed`` ``None``)."""

    allowed: set[Any] | None
    excluded: set[Any] = field(default_factory=set)

    def keep(self, values: Iterable[Any]) -> None:
        kept = set(values)
        self.allowed = kept if self.allowed is None else self.allowed & kept

    def drop(self, values: Iterable[Any]) -> None:
        self.excluded |= set(values)

    @property
    def empty(self) -> bool:
        return self.allowed is not None and not (self.allowed - self.excluded)


@dataclass
class _Range:
    """The values a numeric field can still take: an integer in ``[low, high]`` not excluded, or none (absent).

    Every comparison needs a value (an absent field fails it); ``present: false`` needs none.
    """

    needs_value: bool = False
    needs_absent: bool = False
    low: int | None = None
    high: int | None = None
    excluded: set[int] = field(default_factory=set)

    def bound(self, low: int | None = None, high: int | None = None) -> None:
        self.needs_value = True
        if low is not None:
            self.low = low if self.low is None else max(self.low, low)
        if high is not None:
            self.high = high if self.high is None else min(self.high, high)

    @property
    def empty(self) -> bool:
        if not self.needs_value:
            return False
        if self.needs_absent:
            return True
        if self.low is None or self.high is None:
            return False
        if self.low > self.high:
            return True
        span = range(self.low, self.high + 1)
        return len(span) <= len(self.excluded) and all(v in self.excluded for v in span)


_NUMERIC = ("hours", "int", "date")
_BOUNDS = {
    "below": (None, -1),
    "before": (None, -1),
    "at_most": (None, 0),
    "on_or_before": (None, 0),
    "above": (1, None),
    "after": (1, None),
    "at_least": (0, None),
    "on_or_after": (0, None),
}


def _number(spec: FieldSpec, value: Any) -> int:
    if spec.type == "hours":
        return to_centi(value if isinstance(value, Decimal) else Decimal(value))
    if spec.type == "date":
        return int(value.toordinal())
    return int(value)


def _apply_numeric(spec: FieldSpec, values: _Range, test: Test, operand: Any) -> None:
    if test.op == "present":
        if operand:
            values.bound()
        else:
            values.needs_absent = True
        return
    if isinstance(operand, AsOf):
        values.bound()  # compared with the evaluation date: any value will do, but there must be one
        return
    if test.op in ("in", "not_in"):
        numbers = {_number(spec, item) for item in operand}
        if test.op == "in":
            values.bound(min(numbers), max(numbers))  # the span of the values: enough to tell it can hold
        else:
            values.excluded.update(numbers)
        return
    number = _number(spec, operand)
    if test.op == "is":
        values.bound(number, number)
    elif test.op == "is_not":
        values.excluded.add(number)
    else:
        low, high = _BOUNDS[test.op]
        values.bound(None if low is None else number + low, None if high is None else number + high)


def _universe(spec: FieldSpec) -> set[Any] | None:
    if spec.type == "choice":
        return {*spec.choices, ""}
    if spec.type == "bool":
        return {True, False}
    return None


def _apply_set(values: _Values, test: Test, operand: Any) -> None:
    if test.op == "present":
        if operand:
            values.drop({""})
        else:
            values.keep({""})
        return
    items = tuple(operand) if test.op in ("in", "not_in") else (operand,)
    if test.op in ("is", "in"):
        values.keep(items)
    else:
        values.drop(items)


_Domain = _Range | _Values


def _domains(conjunction: Sequence[Test], stage: str, policy: Policy, day: dt.date) -> dict[str, _Domain]:
    """What the tests of ``conjunction`` leave each field they test, with parameters taking their value on ``day``.

    A test whose parameter has no value on ``day`` is left out (the gap is a finding of its own).
    """
    fields = policy.fields(stage)
    ranges: dict[str, _Range] = {}
    sets: dict[str, _Values] = {}
    for test in conjunction:
        spec = fields[test.field]
        operand = resolve(test.operand, policy, day)
        if operand is None:
            continue
        if spec.type in _NUMERIC:
            _apply_numeric(spec, ranges.setdefault(test.field, _Range()), test, operand)
        else:
            _apply_set(sets.setdefault(test.field, _Values(_universe(spec))), test, operand)
    return {**ranges, **sets}


def contradiction(conjunction: Sequence[Test], stage: str, policy: Policy, day: dt.date) -> tuple[str, ...]:
    """The fields whose tests in ``conjunction`` leave them no value on ``day``; empty when it can hold.

    A test whose parameter has no value on ``day`` is left out (the gap is a finding of its own).
    """
    return tuple(sorted(name for name, domain in _domains(conjunction, stage, policy, day).items() if domain.empty))


def implied(premise: Sequence[Test], test: Test, stage: str, policy: Policy, day: dt.date) -> bool:
    """Whether every fact that meets the tests of ``premise`` on ``day`` meets ``test`` too.

    ``False`` when it cannot be shown: a test of ``as_of`` or of a parameter without a value on ``day`` is implied
    only by the same test, and what ``premise`` leaves a field is what `contradiction` tracks (for an ``in`` on
    a number, the span of the list), so this never says yes wrongly.
    """
    if test in premise:
        return True
    spec = policy.fields(stage)[test.field]
    operand = resolve(test.operand, policy, day)
    if operand is None or isinstance(operand, AsOf):
        return False
    domains = _domains(premise, stage, policy, day)
    if any(domain.empty for domain in domains.values()):
        return True  # no fact meets the premise
    domain = domains.get(test.field)
    if domain is None:  # the premise does not test the field: it may take any value
        domain = _Range() if spec.type in _NUMERIC else _Values(_universe(spec))
    if isinstance(domain, _Range):
        return _range_within(spec, domain, test, operand)
    return _values_within(domain, test, operand)


def _values_within(values: _Values, test: Test, operand: Any) -> bool:
    """Whether every value ``values`` leaves its field passes ``test``."""
    items = set(operand) if test.op in ("in", "not_in") else {operand}
    if values.allowed is None:  # only the values excluded are known not to be taken
        if test.op == "present":
            return bool(operand) and "" in values.excluded
        return test.op in ("is_not", "not_in") and items <= values.excluded
    left = values.allowed - values.excluded
    if test.op == "present":
        return "" not in left if operand else left <= {""}
    if test.op in ("is", "in"):
        return left <= items
    return not left & items


def _range_within(spec: FieldSpec, values: _Range, test: Test, operand: Any) -> bool:
    """Whether every value ``values`` leaves a numeric field passes ``test`` (never shown for an absent one)."""
    if test.op == "present":
        return values.needs_value if operand else values.needs_absent
    if not values.needs_value:
        return False
    low, high = values.low, values.high

    def outside(number: int) -> bool:
        return number in values.excluded or (low is not None and number < low) or (high is not None and number > high)

    if test.op in ("in", "not_in"):
        numbers = {_number(spec, item) for item in operand}
        if test.op == "not_in":
            return all(outside(number) for number in numbers)
        if low is None or high is None or high - low > len(numbers) + len(values.excluded):
            return False
        return all(v in numbers or v in values.excluded for v in range(low, high + 1))
    number = _number(spec, operand)
    if test.op == "is":
        return low == high == number
    if test.op == "is_not":
        return outside(number)
    add_low, add_high = _BOUNDS[test.op]
    return (add_low is None or (low is not None and low >= number + add_low)) and (
        add_high is None or (high is not None and high <= number + add_high)
    )
