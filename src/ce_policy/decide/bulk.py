"""The population path: many records decided at once, their results as columns, no `Decision` per person.

What the rules make of an activity depends on nothing but its *situation*: the answers its facts give to every
test of the rules of their stage (``engine.memo``). The activity stage decides the activity fact; from what
fired there, the standard hours follow (claimed, fixed or at most so many: Aksu 2025 §二, the hours of each
way) and the recognition fact is made, whose situation settles the rest. So for a chunk of records this
module builds every activity's facts, keys them by their situations, and looks the outcome up in a table of
situations already decided, kept per engine; a record with an activity, or a year, in a situation not in the
table yet is decided by `evaluate` (the engine's rules firing, with the memo) and what it came to fills the
table. Hours are then summed per person and per category with numpy (whole hundredths, exact), and the year's
situation (its totals against every floor the rules test, §一) settles compliance, shortfalls and
consequences the same way.

Only what is the same for every record in one situation is kept: the category, registration, route and
reasons of an activity, and for a year the floors found short, the required hours, the consequences. Each
number (standard hours, totals, shortfalls) is computed from the record itself. A table entry that two
records would fill differently is never used (the records concerned go through `evaluate`).

A record goes through `evaluate` as a whole, and its row is filled from that `Decision` (``decided_by``
``"evaluate"``), when the bulk path cannot decide it: a policy with share floors or declared words, an
activity in a pool or earning credits (their caps are decided per person, §二 (五)), a year in a multi-year
cycle, an incomplete year when ``to_complete`` is asked for, a decision log in effect, ``cache=False``, or
a situation not yet in the table. The columns carry no trace and no provisional values: `decision` gives the
full `Decision` of a row (by `evaluate`).
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ce_policy.decide.activity_result import ActivityResult
from ce_policy.decide.bulk_columns import (
    SUMMED,
    ActivityColumns,
    PopulationColumns,
    Row,
    build_columns,
    gather_activities,
    sum_hours,
)
from ce_policy.decide.engines import decision_date, engine_for, memo_of, parse_for_policy, resolve_policy
from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.facts import activity_fact, activity_key, check_vocabulary, person_fields
from ce_policy.decide.many import batch_error
from ce_policy.decide.sink import active_decision_log
from ce_policy.engine.compiler import Action
from ce_policy.engine.memo import FiringMemo
from ce_policy.model.decision import Decision
from ce_policy.model.errors import CePolicyError, PolicyNotFoundError
from ce_policy.model.hours import to_centi
from ce_policy.model.record import Record
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry
from ce_policy.policy.vocabulary import CATEGORIES

__all__ = ["PopulationColumns", "evaluate_population"]

_CREDIT_TOTALS = ("credits", *(f"{category}_credits" for category in CATEGORIES))
_CONFLICT = object()
"""A table entry two records filled differently: never used."""
_DEFAULT_CHUNK = 2000
_TABLE_SIZE = 50_000


@dataclass
class _Tables:
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
                table[key] = _CONFLICT


_tables: weakref.WeakKeyDictionary[FiringMemo[ActivityResult], _Tables] = weakref.WeakKeyDictionary()


def _tables_of(memo: FiringMemo[ActivityResult]) -> _Tables:
    tables = _tables.get(memo)
    if tables is None:
        tables = _tables[memo] = _Tables()
    return tables


def _bulk_policy(policy: Policy, memo: FiringMemo[ActivityResult]) -> bool:
    """Whether records of ``policy`` can go the bulk path (no share floors, no declared words, the memo on)."""
    return memo.enabled and not policy.declared_words


def _stage_zero(result: ActivityResult, actions: dict[str, Action]) -> tuple[Any, ...]:
    """What the activity stage alone made of an activity: the rules that acted on it there, replayed in order."""
    found: dict[str, Any] = {}
    for call, _, name in result.acted:
        if call != 0:
            continue
        for outcome, value in actions[name].outcomes:
            if outcome in ("category", "registration", "hours", "credits", "pool") and outcome not in found:
                found[outcome] = value
    return tuple(found.get(name) for name in ("category", "registration", "hours", "credits", "pool"))


def _standard(hours: Decimal, rule: Any) -> Decimal:
    """An activity's standard hours under its hours rule (Aksu 2025 §二: claimed, fixed, or at most so many)."""
    mode, amount = rule or ("claimed", None)
    if mode == "fixed" and amount is not None:
        return Decimal(amount)
    if mode == "at_most" and amount is not None:
        return min(hours, Decimal(amount))
    return hours


def _recognition(fact: dict[str, Any], zero: tuple[Any, ...], standard: Decimal) -> dict[str, Any]:
    recognised = dict(fact)
    recognised.update(
        stage="recognition", category=zero[0], registration=zero[1] or "", standard_hours=to_centi(standard)
    )
    return recognised


def _standard_centi(hours: int, rule: Any) -> int:
    """`_standard` in whole hundredths, from the activity fact's hours (already in hundredths)."""
    mode, amount = rule or ("claimed", None)
    if mode == "fixed" and amount is not None:
        return to_centi(Decimal(amount))
    if mode == "at_most" and amount is not None:
        return min(hours, to_centi(Decimal(amount)))
    return hours


def _outcome(result: ActivityResult) -> tuple[Any, ...]:
    return (
        result.category,
        result.registration,
        result.route or (),
        (*result.reasons, *result.deferred),
        result.counted,
        result.in_projection,
    )


class _Chunk:
    """Decides one chunk of records: by situation where the tables know it, by `evaluate` where not."""

    def __init__(self, options: dict[str, Any], registry: PolicyRegistry) -> None:
        self.options = options
        self.registry = registry
        self.everything_evaluated = not options["cache"] or active_decision_log(None) is not None

    def prepare(self, row: Row) -> None:
        """Check the record and find its policy and decision date, as `evaluate` does."""
        options = self.options
        try:
            record = parse_for_policy(Record, row.raw, options["policy"], self.registry)
            policy = resolve_policy(options["policy"], record.person, record.year, self.registry)
            if not policy.evaluable:
                message = f"policy {policy.id!r} is a base layer; it does not say where and when it applies"
                raise PolicyNotFoundError(message, code="base_layer", details={"id": policy.id})
            row.day = decision_date(policy, record.year, options["as_of"])
            check_vocabulary(record, policy)
        except CePolicyError as exc:
            row.error = batch_error(exc)
            return
        row.record, row.policy = record, policy

    def by_situations(self, rows: Sequence[Row]) -> None:
        """Look the activities of every prepared record up by situation, the chunk's activities keyed as columns.

        A record whose activities are all in the tables is marked ``bulk``, with each activity's standard hours
        (whole hundredths) and outcome.
        """
        groups: dict[int, tuple[FiringMemo[ActivityResult], Policy, list[Row]]] = {}
        for row in rows:
            record, policy, day = row.record, row.policy, row.day
            if self.everything_evaluated or record is None or policy is None or day is None:
                continue
            engine = engine_for(policy, day)
            memo = memo_of(engine)
            if memo is None or engine.compiled.shares or not _bulk_policy(policy, memo):
                continue
            region = record.person.region or self.registry.default_region or ""
            row.common = person_fields(record.person, record.year, region, policy.attributes)
            row.memo = memo
            groups.setdefault(id(memo), (memo, policy, []))[2].append(row)
        for memo, policy, members in groups.values():
            self._look_up(memo, policy, members)

    def _look_up(self, memo: FiringMemo[ActivityResult], policy: Policy, rows: list[Row]) -> None:
        """Each activity's outcome: the memo's for an activity seen before, else by its situations."""
        tables = _tables_of(memo)
        recall = memo.recall_activity
        recalled: list[ActivityResult | None] = []
        owners: list[Row] = []
        places: list[int] = []
        fresh: list[Any] = []
        for row in rows:
            assert row.record is not None  # noqa: S101 - prepared
            profile = memo.profile((*row.common.values(), row.day))
            for place, activity in enumerate(row.record.activities):
                result = recall((profile, *activity_key(activity)))
                recalled.append(result)
                if result is None:
                    fresh.append(activity)
                    owners.append(row)
                    places.append(place)
        by_situation = iter(_by_situations(memo, tables, ActivityColumns(fresh, owners, places, policy)))
        results = iter(recalled)
        for row in rows:
            assert row.record is not None  # noqa: S101 - prepared
            outcomes: list[tuple[int, Any]] | None = []
            for _ in row.record.activities:
                result = next(results)
                if result is None:
                    found = next(by_situation)
                elif result.pool is not None or result.credits_rule is not None:
                    found = None  # pooled or credited: decided per person, by evaluate
                else:
                    found = (to_centi(result.standard_hours), _outcome(result))
                if found is None:
                    outcomes = None
                elif outcomes is not None:
                    outcomes.append(found)
            if outcomes is not None:
                row.outcomes, row.bulk = outcomes, True

    def by_year(self, row: Row, actual: dict[str, int], projected: dict[str, int]) -> bool:
        """Look the record's year up by its situation (its totals, §一); ``False`` when it needs `evaluate`."""
        memo, record = row.memo, row.record
        assert memo is not None  # noqa: S101 - looked up by situation
        assert record is not None  # noqa: S101
        tables = _tables_of(memo)
        key = _year_key(memo, row.common, record.year, (actual, projected))
        year = tables.year.get(key)
        if year is None or year is _CONFLICT or (self.options["to_complete"] and not year[0]):
            return False
        consequences = tables.verdict.get((key, _verdict_key(memo, row.common, year[0])))
        if consequences is None or consequences is _CONFLICT:
            return False
        row.year, row.consequences = year, consequences
        return True

    def evaluate(self, row: Row) -> None:
        """Decide the record by `evaluate` and learn its situations; an error becomes the row's."""
        options = self.options
        try:
            decision = evaluate(row.raw, log=None, **options)
        except CePolicyError as exc:
            made = getattr(exc, "decision", None)  # a DecisionLogError: decided, not logged
            if not isinstance(made, Decision):
                row.error = batch_error(exc)
                return
            decision = made
        row.decision = decision
        if row.record is not None:
            self.learn(row, decision)

    def learn(self, row: Row, decision: Decision) -> None:
        """Fill the tables from a record `evaluate` decided: each activity's situations, and its year's."""
        record, policy, day = row.record, row.policy, row.day
        assert record is not None  # noqa: S101 - prepared
        assert policy is not None  # noqa: S101
        assert day is not None  # noqa: S101
        engine = engine_for(policy, day)
        memo = memo_of(engine)
        if memo is None or not self.options["cache"] or not _bulk_policy(policy, memo) or engine.compiled.shares:
            return
        tables = _tables_of(memo)
        region = record.person.region or self.registry.default_region or ""
        common = person_fields(record.person, record.year, region, policy.attributes)
        profile = memo.profile((*common.values(), day))
        dates = policy.calendar(record.year)
        attributes = policy.vocabulary.attributes
        actions = engine.compiled.actions
        for index, activity in enumerate(record.activities):
            result = memo.recall_activity((profile, *activity_key(activity)))
            if result is None or result.pool is not None or result.credits_rule is not None:
                return  # pooled or credited (in either stage): decided per person, by evaluate
            fact = activity_fact(index, activity, common, day, dates, attributes)
            first = memo.situation(fact)
            zero = _stage_zero(result, actions)
            if result.standard_hours != _standard(activity.hours, zero[2]) and zero[0] is not None:
                return
            second = memo.situation(_recognition(fact, zero, result.standard_hours)) if zero[0] is not None else None
            tables.keep(tables.activity, first, zero)
            tables.keep(tables.outcome, (first, second), _outcome(result))
        if decision.cycle is not None or decision.credits is not None or decision.shares:
            return
        totals = _totals_of(decision)
        key = _year_key(memo, common, record.year, totals)
        floors = {
            c: to_centi(getattr(decision.hours, c)) + to_centi(getattr(decision.shortfall, c))
            for c in SUMMED
            if getattr(decision.shortfall, c)
        }
        if not decision.compliant and not floors:
            return
        required = tuple(to_centi(getattr(decision.required, c)) for c in SUMMED)
        tables.keep(
            tables.year,
            key,
            (decision.compliant, tuple(sorted(floors.items())), required, decision.projected.compliant),
        )
        tables.keep(tables.verdict, (key, _verdict_key(memo, common, decision.compliant)), tuple(decision.consequences))


def _by_situations(memo: FiringMemo[ActivityResult], tables: _Tables, activities: ActivityColumns) -> list[Any]:
    """Each activity's standard hours and outcome, looked up by its two situations (``None``: not in the tables)."""
    firsts = memo.situations_of_columns("activity", activities.count, activities.column) or []
    zeros: list[Any] = [tables.activity.get(first) for first in firsts]
    standards: list[int] = []
    recognised: list[int] = []
    hours = activities.column("hours")
    for i, zero in enumerate(zeros):
        if zero is None or zero is _CONFLICT or zero[3] is not None or zero[4] is not None:
            standards.append(-1)
            continue
        standards.append(_standard_centi(hours[i], zero[2]))
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
        looked_up.append(None if outcome is None or outcome is _CONFLICT else (standard, outcome))
    return looked_up


def _totals_of(decision: Decision) -> tuple[dict[str, int], dict[str, int]]:
    actual = {c: to_centi(getattr(decision.hours, c)) for c in SUMMED}
    projected = {c: to_centi(getattr(decision.projected.hours, c)) for c in SUMMED}
    return actual, projected


def _year_key(
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


def _verdict_key(memo: FiringMemo[ActivityResult], common: dict[str, Any], complete: bool) -> tuple[Any, ...] | None:
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


def _decide(raws: Sequence[Any], start: Sequence[int], options: dict[str, Any]) -> PopulationColumns:
    """One chunk: every record prepared, looked up by situation where it can be, decided by `evaluate` where not."""
    registry = options["registry"] or default_registry()
    chunk = _Chunk(options, registry)
    rows = [Row(raw) for raw in raws]
    for row in rows:
        chunk.prepare(row)
    chunk.by_situations(rows)
    actual, projected = sum_hours(gather_activities(rows), len(rows))
    for r, row in enumerate(rows):
        if row.bulk:
            now = {c: int(actual[c][r]) for c in SUMMED}
            planned = {c: int(projected[c][r]) for c in SUMMED}
            row.bulk = chunk.by_year(row, now, planned)
        if not row.bulk and row.error is None:
            chunk.evaluate(row)
    return build_columns(rows, start, options)


def evaluate_population(
    records: Iterable[Record | dict[str, Any]],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
    to_complete: bool = False,
    cache: bool = True,
    chunk_size: int = _DEFAULT_CHUNK,
) -> Iterator[PopulationColumns]:
    """Decide many records at once, in this process, chunk by chunk; each chunk's results as columns.

    Every row equals what `evaluate` decides for its record with the same arguments (its compliance, hours,
    required hours, shortfalls, consequences and each activity's outcome); `PopulationColumns.decision`
    gives a row's full `Decision`. What the bulk path cannot decide goes through `evaluate` (see the module).

    Args:
        records: records (`Record` or JSON data), read lazily, ``chunk_size`` at a time.
        policy: as for `evaluate`.
        as_of: as for `evaluate`.
        registry: as for `evaluate`.
        to_complete: as for `evaluate`, off by default as for `evaluate_many`; when on, an incomplete year is
            decided by `evaluate`.
        cache: as for `evaluate`; ``False`` decides every record by `evaluate`.
        chunk_size: records decided together.

    Yields:
        One `PopulationColumns` per chunk, in input order.

    Raises:
        ValueError: ``chunk_size`` is below 1.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if as_of is not None and (not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime)):
        raise TypeError(f"as_of must be a datetime.date, not {type(as_of).__name__}")
    options = {"policy": policy, "as_of": as_of, "registry": registry, "to_complete": to_complete, "cache": cache}
    raws: list[Any] = []
    first = 0
    for index, record in enumerate(records):
        raws.append(record)
        if len(raws) == chunk_size:
            yield _decide(raws, range(first, index + 1), options)
            raws, first = [], index + 1
    if raws:
        yield _decide(raws, range(first, first + len(raws)), options)
