"""One chunk of the population path: records checked and decided by `evaluate`, and the tables taught.

A record the columns cannot decide (``bulk_lane``) is prepared here as `evaluate` prepares it (its policy and
decision date) and decided by `evaluate`; what it came to fills the tables of situations (``bulk_keys``): each
activity's two situations and its outcome, and its year's situation (Aksu 2025 §一, §二).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ce_policy.decide.bulk_columns import SUMMED, Row
from ce_policy.decide.bulk_keys import (
    CONFLICT,
    bulk_policy,
    outcome_of,
    recognition_fact,
    stage_zero,
    standard,
    tables_of,
    totals_of,
    verdict_key,
    year_key,
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
from ce_policy.decide.facts import activity_fact, activity_key, check_vocabulary, person_fields
from ce_policy.decide.many import batch_error
from ce_policy.decide.sink import active_decision_log
from ce_policy.model.decision import Decision
from ce_policy.model.errors import CePolicyError, PolicyNotFoundError
from ce_policy.model.fast_record import RecordFields, valid_record
from ce_policy.model.hours import to_centi
from ce_policy.model.record import Record
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry

__all__ = ["Chunk", "population_options"]


class Chunk:
    """Decides the records of one chunk the columns cannot decide, by `evaluate`, and teaches the tables."""

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

    def decide(self, row: Row, learn: bool = True) -> None:
        """`prepare` the record, then `evaluate` it unless it was refused."""
        self.prepare(row)
        if row.error is None:
            self.evaluate(row, learn)

    def evaluate(self, row: Row, learn: bool = True) -> None:
        """Decide the record by `evaluate` and (``learn``) learn its situations; an error becomes the row's."""
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
        if learn and row.fields is not None:
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
            if result is None:
                return
            fact = activity_fact(index, activity, common, day, dates, attributes)
            first = memo.situation(fact)
            zero = stage_zero(result, actions)
            pooled = result.pool is not None or result.credits_rule is not None
            if pooled or (result.standard_hours != standard(activity.hours, zero[2]) and zero[0] is not None):
                # Pooled or credited (in either stage: decided per person, §二 (五)), or hours its activity
                # stage does not tell: its situation is never looked up, its records go through evaluate.
                tables.keep(tables.activity, first, CONFLICT)
                return
            second = (
                memo.situation(recognition_fact(fact, zero, result.standard_hours)) if zero[0] is not None else None
            )
            tables.keep(tables.activity, first, zero)
            tables.keep(tables.outcome, (first, second), outcome_of(result))
        key = year_key(memo, common, record.year, totals_of(decision))
        floors = {
            c: to_centi(getattr(decision.hours, c)) + to_centi(getattr(decision.shortfall, c))
            for c in SUMMED
            if getattr(decision.shortfall, c)
        }
        if decision.cycle is not None or decision.credits is not None or decision.shares:
            tables.keep(tables.year, key, CONFLICT)  # a cycle's or credits' year: decided per person, never looked up
            return
        if not decision.compliant and not floors:
            tables.keep(tables.year, key, CONFLICT)  # short of no floor the tables can name: never looked up
            return
        required = tuple(to_centi(getattr(decision.required, c)) for c in SUMMED)
        tables.keep(
            tables.year,
            key,
            (decision.compliant, tuple(sorted(floors.items())), required, decision.projected.compliant),
        )
        tables.keep(tables.verdict, (key, verdict_key(memo, common, decision.compliant)), tuple(decision.consequences))


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
