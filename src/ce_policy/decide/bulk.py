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
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
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
from ce_policy.decide.bulk_keys import (
    CONFLICT,
    bulk_policy,
    by_situations,
    outcome_of,
    recognition_fact,
    stage_zero,
    standard,
    tables_of,
    totals_of,
    verdict_key,
    year_key,
    year_keys,
)
from ce_policy.decide.engines import (
    decision_date,
    engine_for,
    memo_of,
    parse_for_policy,
    resolve_policy,
    valid_fields_and_policy,
)
from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.facts import activity_fact, activity_key, check_vocabulary, person_fields, person_fields_of
from ce_policy.decide.many import batch_error
from ce_policy.decide.sink import active_decision_log
from ce_policy.engine.memo import FiringMemo
from ce_policy.model.decision import Decision
from ce_policy.model.errors import CePolicyError, PolicyNotFoundError
from ce_policy.model.fast_record import RecordFields, valid_record
from ce_policy.model.hours import to_centi
from ce_policy.model.record import Record
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry

__all__ = ["PopulationColumns", "evaluate_population", "population_options"]

_DEFAULT_CHUNK = 2000


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
            valid = valid_fields_and_policy(row.raw, options["policy"], self.registry)  # checked natively
            if valid is not None:
                fields, policy = valid
            else:  # checked in Python, every problem named, as `evaluate` does
                record = parse_for_policy(Record, row.raw, options["policy"], self.registry)
                policy = resolve_policy(options["policy"], record.person, record.year, self.registry)
                fields = RecordFields(record.person.__dict__, record.year, tuple(a.__dict__ for a in record.activities))
            if not policy.evaluable:
                message = f"policy {policy.id!r} is a base layer; it does not say where and when it applies"
                raise PolicyNotFoundError(message, code="base_layer", details={"id": policy.id})
            row.day = decision_date(policy, fields.year, options["as_of"])
            if valid is None:
                check_vocabulary(record, policy)
                row.record = record
        except CePolicyError as exc:
            row.error = batch_error(exc)
            return
        row.fields, row.policy = fields, policy

    def by_situations(self, rows: Sequence[Row]) -> None:
        """Look the activities of every prepared record up by situation, the chunk's activities keyed as columns.

        A record whose activities are all in the tables is marked ``bulk``, with each activity's standard hours
        (whole hundredths) and outcome.
        """
        groups: dict[int, tuple[FiringMemo[ActivityResult], Policy, list[Row]]] = {}
        commons: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in rows:
            fields, policy, day = row.fields, row.policy, row.day
            if self.everything_evaluated or fields is None or policy is None or day is None:
                continue
            engine = engine_for(policy, day)
            memo = memo_of(engine)
            if memo is None or engine.compiled.shares or not bulk_policy(policy, memo):
                continue
            person = fields.person
            region = person["region"] or self.registry.default_region or ""
            given = person["attributes"]
            shared = (id(policy), fields.year, region, person["title_level"], person["sector"], person["degree_level"])
            common = None if given else commons.get(shared)
            if common is None:
                common = person_fields_of(person, fields.year, region, policy.attributes)
                if not given:
                    commons[shared] = common
            row.common = common
            row.memo = memo
            groups.setdefault(id(memo), (memo, policy, []))[2].append(row)
        for memo, policy, members in groups.values():
            self._look_up(memo, policy, members)

    def _look_up(self, memo: FiringMemo[ActivityResult], policy: Policy, rows: list[Row]) -> None:
        """Each activity's outcome, looked up by its situations (the chunk's activities as columns)."""
        tables = tables_of(memo)
        owners: list[Row] = []
        places: list[int] = []
        activities: list[dict[str, Any]] = []
        for row in rows:
            assert row.fields is not None  # noqa: S101 - prepared
            acts = row.fields.activities
            activities += acts
            owners += [row] * len(acts)
            places += range(len(acts))
        by_situation = iter(by_situations(memo, tables, ActivityColumns(activities, owners, places, policy)))
        for row in rows:
            assert row.fields is not None  # noqa: S101 - prepared
            outcomes = list(islice(by_situation, len(row.fields.activities)))
            if None not in outcomes:
                row.outcomes, row.bulk = outcomes, True

    def by_years(self, rows: Sequence[Row], actual: dict[str, Any], projected: dict[str, Any]) -> None:
        """Look each bulk record's year up by its situation (its totals, §一); not found: it needs `evaluate`."""
        groups: dict[int, tuple[FiringMemo[ActivityResult], list[int]]] = {}
        for r, row in enumerate(rows):
            if row.bulk and row.memo is not None:
                groups.setdefault(id(row.memo), (row.memo, []))[1].append(r)
        for memo, members in groups.values():
            tables = tables_of(memo)
            commons = [rows[r].common for r in members]
            years = [rows[r].fields.year for r in members]  # type: ignore[union-attr]
            keys = year_keys(memo, commons, years, actual, projected, members)
            verdicts: dict[tuple[int, bool], Any] = {}
            for r, common, key in zip(members, commons, keys, strict=True):
                row = rows[r]
                year = tables.year.get(key)
                if year is None or year is CONFLICT or (self.options["to_complete"] and not year[0]):
                    row.bulk = False
                    continue
                verdict = verdicts.get((id(common), year[0]))
                if verdict is None:
                    verdict = verdicts[(id(common), year[0])] = verdict_key(memo, common, year[0])
                consequences = tables.verdict.get((key, verdict))
                if consequences is None or consequences is CONFLICT:
                    row.bulk = False
                    continue
                row.year, row.consequences = year, consequences

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
        if row.fields is not None:
            self.learn(row, decision)

    def learn(self, row: Row, decision: Decision) -> None:
        """Fill the tables from a record `evaluate` decided: each activity's situations, and its year's."""
        policy, day = row.policy, row.day
        assert policy is not None  # noqa: S101 - prepared
        assert day is not None  # noqa: S101
        engine = engine_for(policy, day)
        memo = memo_of(engine)
        if memo is None or not self.options["cache"] or not bulk_policy(policy, memo) or engine.compiled.shares:
            return
        record = row.record or valid_record(row.raw, policy.vocabulary)  # the same checks as its fields passed
        if record is None:
            return
        tables = tables_of(memo)
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
            zero = stage_zero(result, actions)
            if result.standard_hours != standard(activity.hours, zero[2]) and zero[0] is not None:
                return
            second = (
                memo.situation(recognition_fact(fact, zero, result.standard_hours)) if zero[0] is not None else None
            )
            tables.keep(tables.activity, first, zero)
            tables.keep(tables.outcome, (first, second), outcome_of(result))
        if decision.cycle is not None or decision.credits is not None or decision.shares:
            return
        totals = totals_of(decision)
        key = year_key(memo, common, record.year, totals)
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
        tables.keep(tables.verdict, (key, verdict_key(memo, common, decision.compliant)), tuple(decision.consequences))


def _decide(raws: Sequence[Any], start: Sequence[int], options: dict[str, Any]) -> PopulationColumns:
    """One chunk: every record prepared, looked up by situation where it can be, decided by `evaluate` where not."""
    registry = options["registry"] or default_registry()
    chunk = _Chunk(options, registry)
    rows = [Row(raw) for raw in raws]
    for row in rows:
        chunk.prepare(row)
    chunk.by_situations(rows)
    actual, projected = sum_hours(gather_activities(rows), len(rows))
    chunk.by_years(rows, actual, projected)
    for row in rows:
        if not row.bulk and row.error is None:
            chunk.evaluate(row)
    return build_columns(rows, start, options)


def population_options(
    policy: str | Policy | None,
    as_of: dt.date | None,
    registry: PolicyRegistry | None,
    to_complete: bool,
    cache: bool,
    chunk_size: int,
) -> dict[str, Any]:
    """The options of a population path (`evaluate_population`, ``bulk_table.evaluate_table``), checked.

    Raises:
        ValueError: ``chunk_size`` is below 1.
        TypeError: ``as_of`` is not a date.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if as_of is not None and (not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime)):
        raise TypeError(f"as_of must be a datetime.date, not {type(as_of).__name__}")
    return {"policy": policy, "as_of": as_of, "registry": registry, "to_complete": to_complete, "cache": cache}


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
    options = population_options(policy, as_of, registry, to_complete, cache, chunk_size)
    raws: list[Any] = []
    first = 0
    for index, record in enumerate(records):
        raws.append(record)
        if len(raws) == chunk_size:
            yield _decide(raws, range(first, index + 1), options)
            raws, first = [], index + 1
    if raws:
        yield _decide(raws, range(first, first + len(raws)), options)
