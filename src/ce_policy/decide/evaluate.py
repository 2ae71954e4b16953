"""``evaluate()``: one person's year in, a decision out, made by the policy's rules firing in the engine.

This is the front of ``decide/``: it checks the record, finds the policy and its engine (``engines``), has the
year evaluated stage by stage (``year``), works out what would complete an incomplete year (``completion``)
and hands the decision to the decision log, if any (``sink``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ce_policy.decide.engines import (
    decision_date,
    engine_for,
    memo_of,
    parse_for_policy,
    resolve_policy,
    valid_record_and_policy,
)
from ce_policy.decide.facts import check_vocabulary, claimed_once
from ce_policy.decide.sink import UNLOGGED, DecisionSink, active_decision_log
from ce_policy.decide.year import YearEvaluation
from ce_policy.model.decision import Decision
from ce_policy.model.errors import PolicyNotFoundError, RecordError, RecordProblem
from ce_policy.model.record import DEFERRED, MAX_PRIOR_YEARS, CycleYear, Record, parse_model
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry

if TYPE_CHECKING:
    from ce_policy.decide.completion import Evaluator

__all__ = ["evaluate"]


def evaluate(
    record: Record | dict[str, Any],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    prior: Sequence[CycleYear | Record | dict[str, Any]] = (),
    registry: PolicyRegistry | None = None,
    to_complete: bool = True,
    cache: bool = True,
    log: DecisionSink | None = None,
) -> Decision:
    """Decide one person's year under the policy that applies to it.

    Args:
        record: a `Record`, or the same as plain JSON data (a dict).
        policy: a policy id (e.g. ``"xj.aksu.2025"``) or a loaded policy; by default the one for the person's
            region and the record's year.
        as_of: the date the decision speaks for (default: the year's decision date from the policy's layers,
            by default the last day of its study or make-up window). Activities completed after it do not
            count; parameter values and rules in force on it apply. The policy must be in force on it.
        prior: earlier years of the person's multi-year training cycle (e.g. a teacher's five-year cycle):
            each a `CycleYear` (``{"year", "hours"}``, the hours counted that year) or a full record of that
            year, evaluated under its own policy (at most 50 of them). Only years inside the cycle a rule gives
            count.
        registry: where to look policies up (default: the shipped policies and those added with
            `load_policies`).
        to_complete: for an incomplete year, work out what would make it complete (``Decision.to_complete``):
            this evaluates the completed record once more, and probes the policy's ways once per policy,
            year and profile (cached). Pass ``False`` where only the decision is wanted.
        cache: reuse what the engine decided for a fact in the same situation (the same answers to every
            test its rules make) earlier in this process; ``False`` has the engine decide every fact afresh.
            Both give the same decision.
        log: append the decision to this `DecisionLog` (or any `DecisionSink`; default: the process-wide
            log of `set_decision_log`, if any); ``UNLOGGED`` (``ce_policy.decide.sink``) logs it nowhere. The
            earlier records of ``prior`` are evaluated unlogged: this decision's entry keeps their hours.

    Returns:
        The `Decision`, made by the policy's rules firing in durable-rules.

    Raises:
        RecordError: the record is invalid; every problem is listed with its JSON path.
        PolicyNotFoundError: no policy has the id, or covers the person's region and the year, or the policy
            is not in force on ``as_of``.
        PolicyFileError: the policy is invalid, or reads a parameter that has no value on ``as_of``.
        EngineError: the rules engine failed; no decision was made.
        DecisionLogError: the decision was made but could not be logged; it is the error's ``decision``.
    """
    if as_of is not None and (not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime)):
        raise TypeError(f"as_of must be a datetime.date, not {type(as_of).__name__}")
    valid = valid_record_and_policy(record, policy, registry)  # a valid record, checked natively
    if valid is not None:
        parsed, chosen = valid
    else:  # checked in Python, every problem named: the structure first, its vocabulary once the policy is known
        parsed = parse_for_policy(Record, record, policy, registry)
        chosen = resolve_policy(policy, parsed.person, parsed.year, registry)
    if not chosen.evaluable:
        message = f"policy {chosen.id!r} is a base layer; it does not say where and when it applies"
        raise PolicyNotFoundError(message, code="base_layer", details={"id": chosen.id})
    day = decision_date(chosen, parsed.year, as_of)
    if valid is None:
        check_vocabulary(parsed, chosen)
    region = parsed.person.region
    if region is None:
        region = (registry or default_registry()).default_region or ""
    earlier = _prior_hours(prior, parsed, registry)
    engine = engine_for(chosen, day)
    decision = YearEvaluation(parsed, chosen, day, engine, earlier, memo_of(engine) if cache else None, region).run()
    sink = active_decision_log(log)
    if parsed.person.region is None and ((to_complete and not decision.compliant) or sink is not None):
        # What follows sees the record as decided: in the region it was decided for.
        parsed = parsed.model_copy(update={"person": parsed.person.model_copy(update={"region": region})})
    if to_complete and not decision.compliant:
        # Loaded the first time a year is incomplete: a decision that is complete never needs it.
        from ce_policy.decide.completion import to_complete as _to_complete  # noqa: PLC0415

        needs = _to_complete(parsed, decision, chosen, _evaluator(chosen, earlier, cache))
        decision = decision.model_copy(update={"to_complete": needs})
    if sink is not None:
        sink.write(parsed, decision, prior=earlier)
    return decision


def _evaluator(policy: Policy, prior: dict[int, Decimal], cache: bool) -> Evaluator:
    """Evaluates other records of the same person and policy (probes, completed records) in the engine."""

    def run(record: Record, day: dt.date) -> tuple[Decision, list[Any]]:
        engine = engine_for(policy, day)
        evaluation = YearEvaluation(record, policy, day, engine, prior, memo_of(engine) if cache else None)
        return evaluation.run(), list(evaluation.activities)

    return run


def _prior_hours(
    prior: Sequence[CycleYear | Record | dict[str, Any]], record: Record, registry: PolicyRegistry | None
) -> dict[int, Decimal]:
    """The hours counted in each earlier year given, checked: one entry a year, each before the record's."""
    if not prior:
        return {}  # one record alone claims each of its activities once (`Record` refuses an id given twice)
    if len(prior) > MAX_PRIOR_YEARS:  # each may be a record to evaluate: refused before any is checked
        message = f"prior should have at most {MAX_PRIOR_YEARS} items, not {len(prior)} (none of them was checked)"
        raise RecordError([RecordProblem("$prior", "too_many_items", message)])
    hours: dict[int, Decimal] = {}
    problems: list[RecordProblem] = []
    records: list[tuple[str, Record]] = [("$", record)]
    for i, item in enumerate(prior):
        is_record = isinstance(item, Record) or (isinstance(item, dict) and "activities" in item)
        try:
            if is_record:
                earlier = parse_model(Record, item, DEFERRED)  # checked by its own policy
                records.append((f"$prior[{i}]", earlier))
                decided = evaluate(earlier, registry=registry, to_complete=False, log=UNLOGGED)  # counted, not given
                year, counted = earlier.year, decided.hours.total
            else:
                summary = parse_model(CycleYear, item)
                year, counted = summary.year, summary.hours
        except RecordError as exc:
            problems += [RecordProblem(f"$prior[{i}]{p.path[1:]}", p.code, p.message) for p in exc.problems]
            continue
        if year >= record.year or year in hours:
            message = (
                f"{year} is not an earlier year of its own" if year in hours else f"{year} is not before {record.year}"
            )
            problems.append(RecordProblem(f"$prior[{i}].year", "invalid_prior_year", message))
            continue
        hours[year] = counted
    problems += claimed_once(records)
    if problems:
        raise RecordError(problems)
    return hours
