"""What the population path (``bulk``) keys activities and years by, and the tables of what each key came to.

An activity's outcome depends on nothing but its two situations (``engine.memo``): that of its activity fact
and, once the activity stage has given it a category, that of its recognition fact. A year's depends on the
person's situation and those of the year facts (its totals against every floor the rules test, Aksu 2025
§一). The keys of a whole chunk are found column by column (`FiringMemo.situations_of_columns`); the tables
are filled by `bulk` from records `evaluate` decided, and a key two records filled differently is never used.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ce_policy.decide.activity_result import ActivityResult
from ce_policy.decide.bulk_columns import SUMMED, ActivityColumns
from ce_policy.engine.compiler import Action
from ce_policy.engine.memo import ABSENT, FiringMemo
from ce_policy.model.decision import Decision
from ce_policy.model.hours import to_centi
from ce_policy.policy.loaded import Policy
from ce_policy.policy.vocabulary import CATEGORIES

__all__ = [
    "CONFLICT",
    "Tables",
    "bulk_policy",
    "by_situations",
    "outcome_of",
    "recognition_fact",
    "stage_zero",
    "standard",
    "tables_of",
    "totals_of",
    "verdict_key",
    "year_key",
    "year_keys",
]

_CREDIT_TOTALS = ("credits", *(f"{category}_credits" for category in CATEGORIES))
CONFLICT = object()
"""A table entry two records filled differently: never used."""
_TABLE_SIZE = 50_000


@dataclass
class Tables:
    """The situations decided so far for one engine: activities and years (bounded)."""

    activity: dict[Any, Any] = field(default_factory=dict)
    outcome: dict[Any, Any] = field(default_factory=dict)
    year: dict[Any, Any] = field(default_factory=dict)
    verdict: dict[Any, Any] = field(default_factory=dict)

    lock: threading.Lock = field(default_factory=threading.Lock)

    def keep(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        """Keep ``value`` under ``key``; a key kept before with another value is marked never to be used."""
        with self.lock:
            old = table.get(key)
            if old is None:
                if len(table) >= _TABLE_SIZE:
                    table.clear()
                table[key] = value
            elif old != value:
                table[key] = CONFLICT


_tables: weakref.WeakKeyDictionary[FiringMemo[ActivityResult], Tables] = weakref.WeakKeyDictionary()


def tables_of(memo: FiringMemo[ActivityResult]) -> Tables:
    """The tables of ``memo``'s engine (made the first time, gone with the memo)."""
    tables = _tables.get(memo)
    if tables is None:
        tables = _tables[memo] = Tables()
    return tables


def bulk_policy(policy: Policy, memo: FiringMemo[ActivityResult]) -> bool:
    """Whether records of ``policy`` can go the bulk path (no share floors, no declared words, the memo on)."""
    return memo.enabled and not policy.declared_words


def stage_zero(result: ActivityResult, actions: dict[str, Action]) -> tuple[Any, ...]:
    """What the activity stage alone made of an activity: the rules that acted on it there, replayed in order."""
    found: dict[str, Any] = {}
    for call, _, name in result.acted:
        if call != 0:
            continue
        for outcome, value in actions[name].outcomes:
            if outcome in ("category", "registration", "hours", "credits", "pool") and outcome not in found:
                found[outcome] = value
    return tuple(found.get(name) for name in ("category", "registration", "hours", "credits", "pool"))


def standard(hours: Decimal, rule: Any) -> Decimal:
    """An activity's standard hours under its hours rule (Aksu 2025 §二: claimed, fixed, or at most so many)."""
    mode, amount = rule or ("claimed", None)
    if mode == "fixed" and amount is not None:
        return Decimal(amount)
    if mode == "at_most" and amount is not None:
        return min(hours, Decimal(amount))
    return hours


def recognition_fact(fact: dict[str, Any], zero: tuple[Any, ...], standard: Decimal) -> dict[str, Any]:
    """The recognition fact made of an activity ``fact`` from what its activity stage gave (`stage_zero`)."""
    recognised = dict(fact)
    recognised.update(
        stage="recognition", category=zero[0], registration=zero[1] or "", standard_hours=to_centi(standard)
    )
    return recognised


def standard_centi(hours: int, rule: Any) -> int:
    """`_standard` in whole hundredths, from the activity fact's hours (already in hundredths)."""
    mode, amount = rule or ("claimed", None)
    if mode == "fixed" and amount is not None:
        return to_centi(Decimal(amount))
    if mode == "at_most" and amount is not None:
        return min(hours, to_centi(Decimal(amount)))
    return hours


def outcome_of(result: ActivityResult) -> tuple[Any, ...]:
    """What is the same for every activity in one pair of situations: category, route, reasons, counting."""
    return (
        result.category,
        result.registration,
        result.route or (),
        (*result.reasons, *result.deferred),
        result.counted,
        result.in_projection,
    )


def by_situations(memo: FiringMemo[ActivityResult], tables: Tables, activities: ActivityColumns) -> list[Any]:
    """Each activity's standard hours and outcome, looked up by its two situations (``None``: not in the tables)."""
    firsts = memo.situations_of_columns("activity", activities.count, activities.column) or []
    zeros: list[Any] = [tables.activity.get(first) for first in firsts]
    standards: list[int] = []
    recognised: list[int] = []
    hours = activities.column("hours")
    for i, zero in enumerate(zeros):
        if zero is None or zero is CONFLICT or zero[3] is not None or zero[4] is not None:
            standards.append(-1)
            continue
        standards.append(standard_centi(hours[i], zero[2]))
        if zero[0] is not None:
            recognised.append(i)
    overrides = {
        "stage": ["recognition"] * len(recognised),
        "category": [zeros[i][0] for i in recognised],
        "registration": [zeros[i][1] or "" for i in recognised],
        "standard_hours": [standards[i] for i in recognised],
    }

    def recognition(name: str) -> list[Any]:
        given = overrides.get(name)
        if given is not None:
            return given
        whole = activities.column(name)
        return [whole[i] for i in recognised]

    seconds = iter(memo.situations_of_columns("recognition", len(recognised), recognition) or [])
    looked_up: list[tuple[int, Any] | None] = []
    for i, (zero, standard) in enumerate(zip(zeros, standards, strict=True)):
        outcome = None
        if standard >= 0:
            second = next(seconds) if zero[0] is not None else None
            outcome = tables.outcome.get((firsts[i], second))
        looked_up.append(None if outcome is None or outcome is CONFLICT else (standard, outcome))
    return looked_up


def totals_of(decision: Decision) -> tuple[dict[str, int], dict[str, int]]:
    """A decision's totals by category, now and as projected (whole hundredths)."""
    actual = {c: to_centi(getattr(decision.hours, c)) for c in SUMMED}
    projected = {c: to_centi(getattr(decision.projected.hours, c)) for c in SUMMED}
    return actual, projected


def year_key(
    memo: FiringMemo[ActivityResult], common: dict[str, Any], year: int, totals: tuple[dict[str, int], dict[str, int]]
) -> tuple[Any, ...]:
    """The situations of the person fact and the two year facts (the year's totals against every floor, §一)."""
    person = memo.situation({"id": "person", "stage": "person", **common})
    scenarios = []
    for scenario, sums in zip(("actual", "projected"), totals, strict=True):
        fact = {"id": f"year.{scenario}", "stage": "year", "scenario": scenario, **common, **sums}
        fact.update(dict.fromkeys(_CREDIT_TOTALS, 0))
        scenarios.append(memo.situation(fact))
    return (year, person, *scenarios)


def verdict_key(memo: FiringMemo[ActivityResult], common: dict[str, Any], complete: bool) -> tuple[Any, ...] | None:
    """The situation of the consequence stage's fact of a single year (no cycle), complete or not."""
    fact = {
        "id": "verdict",
        "stage": "consequence",
        **common,
        "complete": complete,
        "in_cycle": False,
        "final_year": False,
        "cycle_complete": True,
    }
    return memo.situation(fact)


def year_keys(
    memo: FiringMemo[ActivityResult],
    commons: Sequence[dict[str, Any]],
    years: Sequence[int],
    actual: dict[str, Any],
    projected: dict[str, Any],
    rows: Sequence[int],
) -> list[tuple[Any, ...]]:
    """`year_key` of many records at once: each with its person fields, year and totals (row ``rows[i]``).

    ``actual`` and ``projected`` are the chunk's totals by category (numpy columns, whole hundredths).
    """
    people: dict[int, Any] = {}
    for common in commons:
        if id(common) not in people:
            people[id(common)] = memo.situation({"id": "person", "stage": "person", **common})
    count = len(rows)
    scenarios = []
    for scenario, sums in (("actual", actual), ("projected", projected)):
        chosen = {c: sums[c][list(rows)].tolist() for c in SUMMED}
        constant = {"id": f"year.{scenario}", "stage": "year", "scenario": scenario}

        def column(name: str, chosen: dict[str, list[int]] = chosen, constant: dict[str, str] = constant) -> list[Any]:
            # The precedence of the year fact of `year_key`: credit totals, sums, person fields, then its own.
            if name in _CREDIT_TOTALS:
                return [0] * count
            if name in chosen:
                return chosen[name]
            if name in constant:
                return [constant[name]] * count
            return [common.get(name, ABSENT) for common in commons]

        found: list[Any] | None = memo.situations_of_columns("year", count, column)
        scenarios.append(found if found is not None else [None] * count)
    return [
        (year, people[id(common)], first, second)
        for year, common, first, second in zip(years, commons, *scenarios, strict=True)
    ]
