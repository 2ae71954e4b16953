"""What the population path (``bulk``) keys activities and years by, and the tables of what each key came to.

An activity's outcome depends on nothing but its two situations (``engine.memo``): that of its activity fact
and, once the activity stage has given it a category, that of its recognition fact. A year's depends on the
person's situation and those of the year facts (its totals against every floor the rules test, Aksu 2025
§一). The keys of a whole chunk are found column by column (`FiringMemo.situation_codes`); the tables
are filled by `bulk` from records `evaluate` decided, and a key two records filled differently is never used.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from ce_policy.decide.activity_result import ActivityResult
from ce_policy.decide.bulk_columns import SUMMED
from ce_policy.engine.compiler import Action
from ce_policy.engine.memo import Coded, FiringMemo, distinct_codes
from ce_policy.model.decision import Decision
from ce_policy.model.hours import to_centi
from ce_policy.policy.loaded import Policy
from ce_policy.policy.vocabulary import CATEGORIES

__all__ = [
    "CONFLICT",
    "MISSED",
    "NEVER",
    "FactColumns",
    "Tables",
    "bulk_policy",
    "outcome_of",
    "recognition_fact",
    "situation_outcomes",
    "stage_zero",
    "standard",
    "tables_of",
    "totals_of",
    "verdict_key",
    "year_key",
]

_CREDIT_TOTALS = ("credits", *(f"{category}_credits" for category in CATEGORIES))
CONFLICT = object()
"""A table entry two records filled differently, or one that can never be used: never used."""
MISSED = -1
"""The standard hours of an activity whose situation the tables do not hold yet (`situation_outcomes`)."""
NEVER = -2
"""The standard hours of an activity whose situation is never looked up (`situation_outcomes`)."""
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


class FactColumns(Protocol):
    """The activity facts of a chunk, each field as a column (``bulk_lane``'s, made from a table's)."""

    count: int

    def column(self, name: str) -> Any:
        """The field ``name`` of every activity's fact (`ABSENT` where the fact has none).

        A list, a `Coded` column, or (for hours and other whole numbers) a numpy array.
        """
        ...


def situation_outcomes(
    memo: FiringMemo[ActivityResult], tables: Tables, activities: FactColumns
) -> tuple[Any, Any, list[Any]] | None:
    """Each activity's standard hours and outcome, looked up by its two situations, as arrays.

    Each distinct situation is looked up once (`FiringMemo.situation_codes`); the standard hours are found for
    the whole chunk with numpy from each situation's hours rule (claimed, fixed or at most so many, §二).
    Gives ``(standards, codes, outcomes)``: activity ``i``'s standard hours in hundredths (`MISSED`: its
    activity situation not in the tables yet; `NEVER`: one never looked up, e.g. pooled) and its outcome
    ``outcomes[codes[i]]`` (``None``: not in the tables yet; `CONFLICT`: never used). ``None`` when the memo is
    off.
    """
    import numpy as np  # noqa: PLC0415 - the population path's

    count = activities.count
    found = memo.situation_codes("activity", count, activities.column)
    if found is None:
        return None
    if not count:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), []
    codes, firsts = found
    zeros: list[Any] = []
    modes, amounts, usable, recognised, missed = [], [], [], [], []
    for first in firsts:
        zero: Any = tables.activity.get(first)
        ok = zero is not None and zero is not CONFLICT and zero[3] is None and zero[4] is None
        missed.append(zero is None)
        mode, amount = (zero[2] if ok else None) or ("claimed", None)
        if amount is None or mode not in ("fixed", "at_most"):
            modes.append(0)  # claimed
        else:
            modes.append(1 if mode == "fixed" else 2)
        amounts.append(to_centi(Decimal(amount)) if amount is not None else 0)
        usable.append(ok)
        recognised.append(ok and zero[0] is not None)
        zeros.append(zero)
    hours = np.asarray(activities.column("hours"), dtype=np.int64)
    mode_of, amount_of = np.asarray(modes)[codes], np.asarray(amounts, dtype=np.int64)[codes]
    standards = np.where(mode_of == 1, amount_of, np.where(mode_of == 2, np.minimum(hours, amount_of), hours))
    standards[~np.asarray(usable)[codes]] = NEVER
    standards[np.asarray(missed)[codes]] = MISSED
    chosen = np.flatnonzero(np.asarray(recognised)[codes])
    picked = chosen.tolist()
    chosen_codes = codes[chosen]
    overrides: dict[str, Any] = {
        "stage": Coded(np.zeros(len(picked), dtype=np.int64), ["recognition"]),
        "category": Coded(chosen_codes, [zero[0] if ok else None for zero, ok in zip(zeros, recognised, strict=True)]),
        "registration": Coded(
            chosen_codes, [(zero[1] or "") if ok else None for zero, ok in zip(zeros, recognised, strict=True)]
        ),
        "standard_hours": standards[chosen],
    }

    def recognition(name: str) -> Any:
        given = overrides.get(name)
        if given is not None:
            return given
        whole = activities.column(name)
        if isinstance(whole, Coded):
            return Coded(whole.codes[chosen], whole.values)
        if isinstance(whole, np.ndarray):
            return whole[chosen]
        return [whole[i] for i in picked]

    second = np.zeros(count, dtype=np.int64)  # 0: no recognition fact; else 1 + its situation's number
    seconds: list[tuple[Any, ...]] = []
    if picked:
        coded = memo.situation_codes("recognition", len(picked), recognition)
        assert coded is not None  # noqa: S101 - the memo is on
        second[chosen] = coded[0] + 1
        seconds = coded[1]
    width = len(seconds) + 1
    pairs, _, pair_codes = distinct_codes(codes.astype(np.int64) * width + second, len(firsts) * width)
    outcomes = []
    for pair in pairs.tolist():
        first, then = divmod(pair, len(seconds) + 1)
        outcomes.append(tables.outcome.get((firsts[first], seconds[then - 1] if then else None)))
    return standards, pair_codes.reshape(-1), outcomes


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
