"""Where a policy's answers change: the kinds, thresholds, dates and floors it states, read from its rules.

`ce_policy.strategies` biases what it generates towards these edges. Nothing here imports hypothesis, and no
value of the law is written here: every threshold is read from the policy's parameters and rules, as in force
at some time of one year.

A *filler* is a way of study that counts cleanly in a category: an activity of that kind (with the way fields
its rule names), registered on the platform, passed, completed within the year's study window and, if it is
registered by application, approved, counts with exactly the hours it claims under the default ``as_of``
(the year's decision date).
Fillers are found by reading the rules with three-valued logic (holds, does not hold, cannot tell): a way
qualifies only if no rule that could reject, defer, re-categorise or re-count it can apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ce_policy.model.hours import MAX_HOURS
from ce_policy.model.record import ACTIVITY_KINDS
from ce_policy.model.ways import BUILT_IN, Vocabulary
from ce_policy.policy.calendars import YearCalendar, year_calendar
from ce_policy.policy.loaded import AsOf, Condition, Parameter, ParamRef, Policy, Rule, Test
from ce_policy.policy.vocabulary import OPTIONAL_CHOICE_FIELDS

__all__ = ["CENT", "Filler", "PolicyEdges", "policy_edges", "values_in_year", "year_dates"]

CENT = Decimal("0.01")
_NEAR = (Decimal("-0.5"), -CENT, Decimal(0), CENT)
"""Just under (by half an hour and by a hundredth), on, and just over a threshold."""
_GENERIC_HOURS = (Decimal(0), CENT, MAX_HOURS - CENT, MAX_HOURS)
"""Without a policy: the ends of the contract's range of hours (not values of the law)."""
_CHOICE_FIELDS = ("kind", *OPTIONAL_CHOICE_FIELDS)
_ABSENT: Any = object()
"""The value of a field the fact does not carry (a date or number not given)."""


@dataclass(frozen=True)
class Filler:
    """A way of study whose activities count cleanly in ``category`` with the hours they claim.

    Attributes:
        category: ``public`` or ``professional``.
        kind: the activity kind.
        fields: the way fields an activity of it is given, e.g. ``(("approval", "approved"),)``.
        window: the first and last day on which it may be completed.
        per_hours: for a way that earns credits by hours (``credits: {per_hours: ...}``): hours per credit.
        credits_cap: the most credits one activity of it earns, if capped.
        claims_credits: the way earns the credits it claims (``credits: claimed``).
        fixed_credits: the way earns a fixed number of credits per activity (``credits: {fixed: N}``).
        credits_clear: the credits it earns are known (no pool, no other rule that may change them).
    """

    category: str
    kind: str
    fields: tuple[tuple[str, str], ...]
    window: tuple[dt.date, dt.date]
    per_hours: Decimal | None = None
    credits_cap: Decimal | None = None
    claims_credits: bool = False
    credits_clear: bool = False
    fixed_credits: Decimal | None = None

    @property
    def earns_credits(self) -> bool:
        """Whether an activity of this way earns a known number of credits."""
        return self.credits_clear and (self.claims_credits or bool(self.per_hours) or bool(self.fixed_credits))


@dataclass(frozen=True)
class PolicyEdges:
    """What a policy tests and requires in one year.

    Attributes:
        year: the year.
        kinds: the activity kinds the policy's activity rules name (every kind without a policy, or when no
            rule names one).
        hours: hours (and credits) just under, on and just over each threshold, ascending.
        dates: the day before, the day of and the day after each date the policy tests, and the year's
            edges, ascending.
        floors: for each floor category (``public``, ``professional``, ``total``, ``credits``, ``cycle``),
            the floors required.
        fillers: for ``public`` and ``professional``, the ways that count cleanly in that category; for
            ``credits``, those of them that earn a known number of credits.
        integers: for each integer field tested (``offset``, ``flag_age_years`` …), the values it is
            compared with.
        cycle: the first and last year of the training cycle a person-stage rule puts the year in.
        span: the first and last day that matter to the year: its windows and its decision date (the
            policy's calendar); the calendar year without a policy.
        shares: the share floors the rules set: ``(category, unit, share)``, e.g. ``("professional",
            "credits", Fraction(2, 3))``.
        vocabulary: what a record may say under the policy (ce_policy's own without a policy).
    """

    year: int
    kinds: tuple[str, ...]
    hours: tuple[Decimal, ...]
    dates: tuple[dt.date, ...]
    floors: Mapping[str, tuple[Decimal, ...]]
    fillers: Mapping[str, tuple[Filler, ...]]
    integers: Mapping[str, tuple[int, ...]]
    cycle: tuple[int, int] | None = None
    span: tuple[dt.date, dt.date] | None = None
    shares: tuple[tuple[str, str, Fraction], ...] = ()
    vocabulary: Vocabulary = BUILT_IN

    @property
    def first_day(self) -> dt.date:
        """The first day of the year's windows (1 January without a policy)."""
        return self.span[0] if self.span else dt.date(self.year, 1, 1)

    @property
    def last_day(self) -> dt.date:
        """The last day that matters to the year (31 December without a policy)."""
        return self.span[1] if self.span else dt.date(self.year, 12, 31)


def year_dates(policy: Policy, year: int) -> YearCalendar:
    """The policy's calendar of ``year``; the calendar year where a ``MM-DD`` day does not exist in it."""
    try:
        return policy.calendar(year)
    except ValueError:
        return year_calendar((), year)


def values_in_year(parameter: Parameter, year: int, span: tuple[dt.date, dt.date] | None = None) -> list[Any]:
    """The values ``parameter`` takes at some time of ``year`` (or of ``span``, its days), in date order."""
    first, last = span or (dt.date(year, 1, 1), dt.date(year, 12, 31))
    found = []
    current = parameter.value_at(first)
    if current is not None:
        found.append(current)
    found += [value for start, value in parameter.values if first < start <= last]
    return found


def _calendar_edges(dates: YearCalendar) -> set[dt.date]:
    """The day before, the first and last day, and the day after each window of the year; its decision date."""
    one = dt.timedelta(days=1)
    windows = [dates.study, *([dates.make_up] if dates.make_up else [])]
    return {dates.decide_on} | {day for w in windows for day in (w.start - one, w.start, w.end, w.end + one)}


def _near(values: Iterable[Decimal]) -> tuple[Decimal, ...]:
    return tuple(sorted({v + d for v in values for d in _NEAR if 0 <= v + d <= MAX_HOURS}))


class _Reader:
    """Reads one policy as in force at some time of one year."""

    def __init__(self, policy: Policy, year: int) -> None:
        self.policy = policy
        self.year = year
        self.calendar = year_dates(policy, year)
        self.span = first, last = self.calendar.first_day, self.calendar.last_day
        live = [
            r for r in policy.rules if r.in_force_from <= last and (r.in_force_to is None or r.in_force_to >= first)
        ]
        # An exception without a condition replaces its rule altogether (as the compiler does).
        replaced = {r.exception_to for r in live if r.exception_to is not None and not r.when.parts}
        self.rules = [r for r in live if r.id not in replaced]
        self.choice_fields = {*_CHOICE_FIELDS, *policy.vocabulary.attributes}

    def operands(self, operand: Any) -> list[Any]:
        """The values an operand or amount can stand for during the year (a literal stands for itself)."""
        if isinstance(operand, ParamRef):
            return values_in_year(self.policy.parameters[operand.id], self.year, self.span)
        if isinstance(operand, AsOf):
            return [self.calendar.decide_on]
        return [operand]

    def stage(self, stage: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.stage == stage]

    def kinds(self) -> tuple[str, ...]:
        named: set[str] = set()
        for rule in self.stage("activity"):
            for test in rule.when.tests():
                if test.field != "kind" or test.op == "present":
                    continue
                values = {v for operand in self.operands(test.operand) for v in _choices(operand)}
                named |= values if test.op in ("is", "in") else set(ACTIVITY_KINDS) - values
        return tuple(kind for kind in ACTIVITY_KINDS if kind in named) or ACTIVITY_KINDS

    def hours(self) -> tuple[Decimal, ...]:
        values: set[Decimal] = set()
        for parameter in self.policy.parameters.values():
            if parameter.type == "hours":
                values.update(values_in_year(parameter, self.year, self.span))
        for rule in self.rules:
            fields = self.policy.fields(rule.stage)
            for test in rule.when.tests():
                if test.field in fields and fields[test.field].type == "hours":
                    values.update(v for v in self.operands(test.operand) if isinstance(v, Decimal))
            for _, value in rule.then:
                values.update(_decimals(value))
        return _near(values)

    def dates(self) -> tuple[dt.date, ...]:
        days: set[dt.date] = set()
        for parameter in self.policy.parameters.values():
            if parameter.type == "date":
                days.update(values_in_year(parameter, self.year, self.span))
        for rule in self.rules:
            for test in rule.when.tests():
                if not isinstance(test.operand, AsOf):
                    days.update(v for v in self.operands(test.operand) if isinstance(v, dt.date))
        one = dt.timedelta(days=1)
        near = {day + step for day in days for step in (-one, dt.timedelta(0), one)}
        return tuple(sorted(near | _calendar_edges(self.calendar)))

    def integers(self) -> dict[str, tuple[int, ...]]:
        found: dict[str, set[int]] = {}
        for rule in self.rules:
            fields = self.policy.fields(rule.stage)
            for test in rule.when.tests():
                if test.field in fields and fields[test.field].type == "int" and test.op != "present":
                    values = [v for v in self.operands(test.operand) if isinstance(v, int) and not isinstance(v, bool)]
                    found.setdefault(test.field, set()).update(values)
        return {name: tuple(sorted(values)) for name, values in found.items()}

    def floors(self) -> dict[str, tuple[Decimal, ...]]:
        found: dict[str, set[Decimal]] = {}
        for rule in self.rules:
            for name, value in rule.then:
                if name == "require":
                    category, amount = value
                    found.setdefault(category, set()).update(self.operands(amount))
        return {category: tuple(sorted(values)) for category, values in found.items()}

    def shares(self) -> tuple[tuple[str, str, Fraction], ...]:
        found: set[tuple[str, str, Fraction]] = set()
        for rule in self.stage("year"):
            for name, value in rule.then:
                if name == "require_share":
                    category, _, share, unit = value
                    found.update((category, unit, s) for s in self.operands(share) if isinstance(s, Fraction))
        return tuple(sorted(found))

    def cycle(self) -> tuple[int, int] | None:
        for rule in self.stage("person"):
            for name, value in rule.then:
                if name == "cycle":
                    first, last = (self.operands(part) for part in value)
                    if first and last:
                        return first[0], last[0]
        return None

    def fillers(self) -> dict[str, tuple[Filler, ...]]:
        found: dict[str, list[Filler]] = {}
        for rule in self.stage("activity"):
            filler = self.filler(rule)
            if filler is not None and filler not in found.get(filler.category, []):
                found.setdefault(filler.category, []).append(filler)
        credits = [f for fillers in found.values() for f in fillers if f.earns_credits]
        result = {category: tuple(fillers) for category, fillers in found.items()}
        if credits:
            result["credits"] = tuple(credits)
        return result

    def filler(self, rule: Rule) -> Filler | None:
        """The clean activity ``rule`` classifies, if it counts with exactly the hours it claims.

        The activity is completed within the widest span of days of the year on which every rule is decided.
        """
        outcomes = dict(rule.then)
        category = outcomes.get("category")
        registration = outcomes.get("registration")
        if category is None or set(outcomes) & {"reject", "defer"} or not _claimed(outcomes):
            return None
        fields = self.named_fields(rule.when)
        if fields is None or "kind" not in fields:
            return None
        kind = fields.pop("kind")
        vocabulary = self.policy.vocabulary
        allowed = dict(vocabulary.way_fields[kind])
        allowed.update({name: False for name, a in vocabulary.attributes.items() if kind in a.kinds})
        if any(
            name in vocabulary.choices and name in allowed and value not in vocabulary.values_for(kind, name)
            for name, value in fields.items()
        ):
            return None  # a value the kind may not take
        if registration == "application":
            if "approval" not in allowed:
                return None
            fields.setdefault("approval", "approved")
        required = {name for name, needed in allowed.items() if needed}
        if not set(fields) <= set(allowed) or not required <= set(fields):
            return None
        for window in self.windows():
            fact: dict[str, Any] = {
                "kind": kind,
                **{name: fields.get(name, "") for name in OPTIONAL_CHOICE_FIELDS},
                **{name: fields.get(name, "") for name in vocabulary.attributes},
                "on_platform": True,
                "passed": True,
                "completed_on": window,
                "completed_in": "study",
                "granted_on": _ABSENT,
                "granted_in": "",
                "year": self.year,
            }
            cleanly = self.counts_cleanly(rule, fact, category, registration)
            if cleanly is None:
                continue
            clear, credits_rule = cleanly
            per_hours = cap = fixed = None
            claims = False
            if credits_rule is None:
                clear = False
            else:
                mode, per, most = credits_rule
                pers = self.operands(per) if per is not None else [None]
                caps = self.operands(most) if most is not None else [None]
                clear = clear and len(pers) == 1 and len(caps) == 1
                per_hours, cap = pers[0], caps[0]
                claims = mode == "claimed" and "credits" in allowed
                fixed = cap if mode == "fixed" else None
            return Filler(category, kind, tuple(sorted(fields.items())), window, per_hours, cap, claims, clear, fixed)
        return None

    def windows(self) -> list[tuple[dt.date, dt.date]]:
        """Spans of days of the year's study window, widest first, cut where a rule tests a completion date."""
        first, last = self.calendar.study.start, self.calendar.study.end
        one = dt.timedelta(days=1)
        starts = {first}
        for rule in self.stage("activity") + self.stage("recognition"):
            for test in rule.when.tests():
                if test.field == "completed_on" and test.op != "present":
                    days = [d for d in self.operands(test.operand) if isinstance(d, dt.date)]
                    starts.update(d for day in days for d in (day, day + one) if first < d <= last)
        bounds = [*sorted(starts), last + one]
        spans = [(a, b - one) for i, a in enumerate(bounds) for b in bounds[i + 1 :]]
        return sorted(spans, key=lambda span: (span[0] - span[1], span[0]))

    def counts_cleanly(
        self, rule: Rule, fact: Mapping[str, Any], category: str, registration: str | None
    ) -> tuple[bool, Any] | None:
        """``None`` if a rule other than ``rule`` may reject, defer or re-count the activity ``fact``.

        Otherwise whether its credits are known (no pool, one credits rule), and the credits rule: ``rule``'s
        own, or, when ``rule`` gives none, that of the one other rule certain to apply that gives credits (a
        sector layer often gives credits to the ways its base layer classifies).
        """
        own = dict(rule.then).get("credits")
        credits_rule = own
        clear = "pool" not in dict(rule.then)
        for other in self.stage("activity"):
            effects = dict(other.then)
            held = self.holds(other.when, fact)
            if other is rule or held is False:
                continue
            if set(effects) & {"reject", "defer"} or not _claimed(effects):
                return None
            if effects.get("category", category) != category:
                return None
            if effects.get("registration", registration) != registration:
                return None
            clear = clear and "pool" not in effects
            if "credits" in effects:
                if own is None and credits_rule is None and held is True:
                    credits_rule = effects["credits"]
                else:
                    clear = False
        recognised = {**fact, "category": category, "registration": registration or ""}
        for other in self.stage("recognition"):
            blocks = {name for name, _ in other.then} & {"reject", "defer"}
            if blocks and self.holds(other.when, recognised) is not False:
                return None
        return clear, credits_rule

    def named_fields(self, condition: Condition) -> dict[str, str] | None:
        """The choice values a condition of plain ``is``/``in`` tests names (the first, for ``in``)."""
        fields: dict[str, str] = {}
        for part in condition.parts:
            if isinstance(part, Condition) or part.field not in self.choice_fields or part.op not in ("is", "in"):
                return None
            sets = [set(_choices(operand)) for operand in self.operands(part.operand)]
            common = set.intersection(*sets) if sets else set()
            if not common:
                return None
            value = fields.get(part.field, min(common))
            if value not in common:
                return None
            fields[part.field] = value
        return fields

    def holds(self, condition: Condition, fact: Mapping[str, Any]) -> bool | None:
        """Whether ``condition`` holds on ``fact``: ``None`` when it depends on what the fact leaves open."""
        results = [self.holds(p, fact) if isinstance(p, Condition) else self.test(p, fact) for p in condition.parts]
        if not results:
            return True
        if condition.mode == "all":
            if any(r is False for r in results):
                return False
            return True if all(r is True for r in results) else None
        if any(r is True for r in results):
            return True
        return False if all(r is False for r in results) else None

    def test(self, test: Test, fact: Mapping[str, Any]) -> bool | None:
        if test.field not in fact:
            return None
        value = fact[test.field]
        if test.op == "present":
            given = value != "" if isinstance(value, str) else value is not _ABSENT
            return bool(given == test.operand)
        results = {_compare(test.op, value, operand) for operand in self.operands(test.operand)}
        return results.pop() if len(results) == 1 else None


def _claimed(outcomes: Mapping[str, Any]) -> bool:
    """Whether the outcomes leave an activity's hours as claimed."""
    mode, _ = outcomes.get("hours", ("claimed", None))
    return bool(mode == "claimed")


def _choices(operand: Any) -> tuple[Any, ...]:
    return tuple(operand) if isinstance(operand, tuple | list) else (operand,)


def _decimals(value: Any) -> list[Decimal]:
    if isinstance(value, Decimal):
        return [value]
    if isinstance(value, tuple):
        return [d for part in value for d in _decimals(part)]
    return []


def _compare(op: str, value: Any, operand: Any) -> bool | None:
    """One test of a known value; a date span ``(first, last)`` stands for any day in it."""
    if value is _ABSENT:
        # The engine matches no comparison on a field the fact does not carry; "is not" is left open.
        return None if op in ("is_not", "not_in") else False
    if isinstance(value, tuple):
        first, last = value
        if op == "is":
            return True if first == last == operand else (False if not first <= operand <= last else None)
        low, high = {
            "before": (first < operand, last < operand),
            "on_or_before": (first <= operand, last <= operand),
            "after": (first > operand, last > operand),
            "on_or_after": (first >= operand, last >= operand),
        }[op]
        every, some = (high, low) if op in ("before", "on_or_before") else (low, high)
        return True if every else (False if not some else None)
    if op in ("in", "not_in"):
        return (value in _choices(operand)) == (op == "in")
    checks = {
        "is": value == operand,
        "is_not": value != operand,
        "below": value < operand,
        "at_most": value <= operand,
        "above": value > operand,
        "at_least": value >= operand,
    }
    return None if op not in checks else bool(checks[op])


def policy_edges(policy: Policy | None, year: int) -> PolicyEdges:
    """The edges of ``policy`` in ``year``; without a policy, every kind and the calendar's and contract's edges."""
    if policy is None:
        return PolicyEdges(
            year=year,
            kinds=ACTIVITY_KINDS,
            hours=_GENERIC_HOURS,
            dates=tuple(sorted(_calendar_edges(year_calendar((), year)))),
            floors={},
            fillers={},
            integers={},
        )
    reader = _Reader(policy, year)
    return PolicyEdges(
        year=year,
        kinds=reader.kinds(),
        hours=reader.hours() or _GENERIC_HOURS,
        dates=reader.dates(),
        floors=reader.floors(),
        fillers=reader.fillers(),
        integers=reader.integers(),
        cycle=reader.cycle(),
        span=reader.span,
        shares=reader.shares(),
        vocabulary=policy.vocabulary,
    )
