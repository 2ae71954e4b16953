"""One person's year: the stages it runs through, and the facts each stage is given.

The evaluation runs the stages of ``policy.vocabulary`` in one engine session. Between stages it only does
what the engine cannot: it sums hours exactly (as decimals) and turns the outcomes of one stage into the facts
of the next. Which activity counts, in which category, with which hours and route, which floor is short and
which consequence follows are all decided by rules that fired.
"""

from __future__ import annotations

import contextlib
from decimal import ROUND_DOWN, Decimal
from typing import Any

from ce_policy.decide.activity_result import ActivityResult, ActivityState
from ce_policy.decide.decision_data import Reused, build_decision, centi
from ce_policy.decide.facts import activity_fact, activity_key, person_fields
from ce_policy.decide.stages import StageRunner
from ce_policy.engine.memo import FiringMemo, priorities
from ce_policy.model.decision import Decision
from ce_policy.model.hours import from_centi, to_centi
from ce_policy.model.record import Activity
from ce_policy.policy.vocabulary import CATEGORIES, NO_APPLICABLE_RULE

__all__ = ["YearEvaluation"]

_CENT = Decimal("0.01")
_CREDITS_BY_CATEGORY = tuple(f"{category}_credits" for category in CATEGORIES)


class YearEvaluation(StageRunner):
    """The evaluation of one record: its stages in order, each given the facts the one before it makes."""

    # --- the run ---------------------------------------------------------------------------------------

    def run(self) -> Decision:
        """Run every stage of the year, in order, and come to the decision."""
        record = self.record
        common = person_fields(record.person, record.year, self.region, self.policy.attributes)
        self.dates = self.policy.calendar(record.year)
        self.provisional.update(self.dates.provisional)  # every decision of the year rests on its dates
        if self.policy.declared_words:
            self.provisional.update(self.policy.provisional_words(record.activities))
        self.priority = self.memo.priority if self.memo is not None else priorities(self.engine.compiled)
        memo = self.memo if self.memo is not None and self.memo.enabled else None
        profile, keys, results = self._recall(memo, common)
        year_key: tuple[Any, ...] | None = None
        if memo is not None and all(result is not None for result in results):
            # Each result is kept under one key (profile and activity fields): the results themselves, compared
            # by identity, stand for the activities' keys without hashing them again.
            year_key = (profile, tuple(results), tuple(sorted(self.prior.items())))
            kept: _YearOutcome | None = memo.recall_year(year_key)
            if kept is not None:
                self.activities = results  # type: ignore[assignment]
                return build_decision(self, *kept.restore(self), reused=kept.reused)
        with contextlib.ExitStack() as stack:
            self._stack = stack
            self._activity_stages(common, keys, results)
            pools = self._pools()
            self.decide(
                [
                    {
                        "id": f"pool.{scenario}.{pool}",
                        "stage": "pool",
                        "scenario": scenario,
                        "pool": pool,
                        **common,
                        "credits": to_centi(credits),
                        "hours": to_centi(hours),
                    }
                    for (scenario, pool), (credits, hours) in pools.items()
                ]
            )
            actual, projected = self._totals(pools)
            year_facts = [
                {
                    "id": f"year.{scenario}",
                    "stage": "year",
                    "scenario": scenario,
                    **common,
                    **centi(totals),
                    **self._share_fields(totals),
                }
                for scenario, totals in (("actual", actual), ("projected", projected))
            ]
            self.decide(year_facts)
            complete = not self.short["actual"] and not self.shares_short["actual"]
            cycle = self._cycle_fact(common, actual["total"])
            self.decide([cycle] if cycle else [])
            verdict = {
                "id": "verdict",
                "stage": "consequence",
                **common,
                "complete": complete,
                "in_cycle": cycle is not None,
                "final_year": bool(cycle and cycle["final_year"]),
                "cycle_complete": not self.short["cycle"],
            }
            self.decide([verdict])
        if memo is not None and year_key is not None:
            memo.keep_year(year_key, _YearOutcome(self, actual, projected, complete, cycle))
        return build_decision(self, actual, projected, complete, cycle)

    def _cycle_fact(self, common: dict[str, Any], total: Decimal) -> dict[str, Any] | None:
        """The cycle fact, when a rule put the year in a multi-year training cycle."""
        if self.cycle is None:
            return None
        first, last = self.cycle
        year = self.record.year
        if not first <= year <= last:
            return None
        hours = total + sum((h for y, h in self.prior.items() if first <= y < year), Decimal(0))
        return {
            "id": "cycle",
            "stage": "cycle",
            "scenario": "actual",
            **common,
            "first_year": first,
            "last_year": last,
            "years_left": last - year,
            "final_year": year == last,
            "cycle": to_centi(hours),
        }

    def _recall(
        self, memo: FiringMemo[ActivityResult] | None, common: dict[str, Any]
    ) -> tuple[int, list[tuple[Any, ...] | None], list[ActivityResult | None]]:
        """Each activity's memo key, and what it came to when seen before in the same circumstances (or ``None``).

        Also the memo's number for the person fields and ``as_of`` (-1 without the memo).
        """
        activities = self.record.activities
        if memo is None:
            return -1, [None] * len(activities), [None] * len(activities)
        profile = memo.profile((*common.values(), self.as_of))
        keys = [(profile, *activity_key(activity)) for activity in activities]
        return profile, keys, memo.recall_activities(keys)  # type: ignore[return-value]

    def _activity_stages(
        self,
        common: dict[str, Any],
        keys: list[tuple[Any, ...] | None],
        results: list[ActivityResult | None],
    ) -> None:
        """The person and activity stage, then the recognition stage (``keys`` and ``results`` from `_recall`).

        What the rules of these two stages make of an activity depends on nothing but the person fields,
        ``as_of`` and the activity's own fields (its recognition fact is made from them and from what fired on
        it), so an activity seen before in the same circumstances comes to what it came to then: the rules
        that acted on it then act again, in the same order, without facts. The others are decided fact by fact.
        """
        memo = self.memo if self.memo is not None and self.memo.enabled else None
        as_of = self.as_of
        activities = self.record.activities
        building: dict[int, ActivityState] = {}
        fresh: list[tuple[int, tuple[Any, ...] | None]] = []
        traced = self.traced
        provisional: set[str] = set()
        attributes = self.policy.vocabulary.attributes
        for index, result in enumerate(results):
            if result is None:
                building[index] = ActivityState(
                    activity_fact(index, activities[index], common, as_of, self.dates, attributes)
                )
                fresh.append((index, keys[index]))
            else:
                provisional |= result.provisional
                traced += [
                    (stage, priority, index + 1 if stage == 0 else index, name, index)
                    for stage, priority, name in result.acted
                ]
        self.provisional |= provisional
        self._building = building
        person = {"id": "person", "stage": "person", **common}
        self.decide([person, *(building[i].fact for i, _ in fresh)], [0, *(i + 1 for i, _ in fresh)])
        recognition = self._recognition_facts([i for i, _ in fresh])
        self.decide([fact for _, fact in recognition], [i for i, _ in recognition])
        actions = self.actions
        for index, key in fresh:
            state = building[index]
            read = {p for _, _, name in state.acted for p in actions[name].provisional}
            result = state.result(frozenset(read | self.depended.get(index, set())))
            results[index] = result
            if memo is not None and key is not None:
                memo.keep_activity(key, result)
        self.activities = [result for result in results if result is not None]

    def _recognition_facts(self, indexes: list[int]) -> list[tuple[int, dict[str, Any]]]:
        """Work out the standard hours of the activities at ``indexes``; the recognition facts of those classified."""
        facts = []
        activities = self.record.activities
        for index in indexes:
            activity, state = activities[index], self._building[index]
            if state.category is None:
                if not state.reasons and not state.deferred:
                    state.reasons.append(NO_APPLICABLE_RULE)
                continue
            mode, amount = state.hours_rule or ("claimed", None)
            if mode == "fixed" and amount is not None:
                state.standard_hours = amount
            elif mode == "at_most" and amount is not None:
                state.standard_hours = min(activity.hours, amount)
            else:
                state.standard_hours = activity.hours
            if state.credits_rule is not None:
                state.standard_credits = _credits(activity, state)
            fact = dict(state.fact)
            fact.update(
                id=f"r{index}",
                stage="recognition",
                category=state.category,
                registration=state.registration or "",
                standard_hours=to_centi(state.standard_hours),
            )
            if state.standard_credits is not None:
                fact["standard_credits"] = to_centi(state.standard_credits)
            facts.append((index, fact))
        return facts

    def _pools(self) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
        """Credits and hours of the counted activities of each pool, by scenario."""
        pools: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
        for state in self.activities:
            if state.pool is None:
                continue
            for scenario in ("actual", "projected"):
                if state.counts(scenario):
                    credits, hours = pools.get((scenario, state.pool), (Decimal(0), Decimal(0)))
                    pools[(scenario, state.pool)] = (
                        credits + (state.standard_credits or 0),
                        hours + state.standard_hours,
                    )
        return pools

    def _totals(
        self, pools: dict[tuple[str, str], tuple[Decimal, Decimal]]
    ) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
        """The year's counted hours and credits, in all and by category, for each scenario (pool caps applied).

        A pooled activity's hours and credits count only through its pool: each capped (``cap: {hours: H}``,
        ``cap: {credits: H}``) and shared among the categories of the pool's activities (`_apportion`).
        """
        result: dict[str, dict[str, Decimal]] = {}
        for scenario in ("actual", "projected"):
            totals = dict.fromkeys((*CATEGORIES, "credits", *_CREDITS_BY_CATEGORY), Decimal(0))
            pooled: dict[str, dict[str, Decimal]] = {}  # pool → category → credits, before the pool's cap
            pooled_hours: dict[str, dict[str, Decimal]] = {}  # pool → category → hours, before the pool's cap
            actual = scenario == "actual"
            for state in self.activities:
                if state.counted if actual else state.in_projection:
                    category: str = state.category  # type: ignore[assignment]
                    if state.pool is None:
                        totals[category] += state.standard_hours
                    else:
                        shares = pooled_hours.setdefault(state.pool, {})
                        shares[category] = shares.get(category, Decimal(0)) + state.standard_hours
                    if state.standard_credits is None:
                        continue
                    if state.pool is None:
                        totals["credits"] += state.standard_credits
                        totals[f"{category}_credits"] += state.standard_credits
                    else:
                        parts = pooled.setdefault(state.pool, {})
                        parts[category] = parts.get(category, Decimal(0)) + state.standard_credits
            for (pool_scenario, pool), (credits, hours) in pools.items():
                if pool_scenario != scenario:
                    continue
                counted = min(credits, self.caps.get((scenario, pool, "credits"), credits))
                totals["credits"] += counted
                for category, amount in _apportion(counted, pooled.get(pool, {})).items():
                    totals[f"{category}_credits"] += amount
                counted = min(hours, self.caps.get((scenario, pool, "hours"), hours))
                for category, amount in _apportion(counted, pooled_hours.get(pool, {})).items():
                    totals[category] += amount
            totals["total"] = totals["public"] + totals["professional"]
            result[scenario] = totals
        return result["actual"], result["projected"]

    def _share_fields(self, totals: dict[str, Decimal]) -> dict[str, int]:
        """For each share floor the rules set, ``q × category − p × total`` in hundredths (negative: short)."""
        fields = {}
        for floor in self.engine.compiled.shares:
            credits = floor.unit == "credits"
            part = totals[f"{floor.category}_credits" if credits else floor.category]
            whole = totals["credits" if credits else floor.of]
            share = floor.share
            fields[floor.field] = share.denominator * to_centi(part) - share.numerator * to_centi(whole)
        return fields


class _YearOutcome:
    """What the stages after the activities came to for one record whose activities were all recalled.

    Those stages read nothing but the person fields, ``as_of``, what each activity came to (the memo's profile
    number and the recalled results) and the prior years' hours, so the memo keeps their outcome under those
    and a record seen before in the same circumstances comes to it again without deciding its facts (same
    decision, same trace). Kept as immutable copies; `restore` hands each evaluation its own.
    """

    __slots__ = (
        "actual",
        "caps",
        "complete",
        "consequences",
        "cycle",
        "cycle_fact",
        "depended",
        "projected",
        "provisional",
        "required",
        "reused",
        "shares_required",
        "shares_short",
        "short",
        "traced",
    )

    def __init__(
        self,
        ev: YearEvaluation,
        actual: dict[str, Decimal],
        projected: dict[str, Decimal],
        complete: bool,
        cycle_fact: dict[str, Any] | None,
    ) -> None:
        self.traced = tuple(ev.traced)
        self.provisional = frozenset(ev.provisional)
        self.required = {scenario: dict(floors) for scenario, floors in ev.required.items()}
        self.short = {scenario: dict(floors) for scenario, floors in ev.short.items()}
        self.shares_required = {scenario: frozenset(floors) for scenario, floors in ev.shares_required.items()}
        self.shares_short = {scenario: frozenset(floors) for scenario, floors in ev.shares_short.items()}
        self.consequences = tuple(ev.consequences)
        self.caps = dict(ev.caps)
        self.cycle = ev.cycle
        self.depended = {index: frozenset(found) for index, found in ev.depended.items()}
        self.actual, self.projected = dict(actual), dict(projected)
        self.complete = complete
        self.cycle_fact = dict(cycle_fact) if cycle_fact is not None else None
        self.reused = Reused()  # the models of the decisions made from it again (`build_decision`)

    def restore(self, ev: YearEvaluation) -> tuple[dict[str, Decimal], dict[str, Decimal], bool, dict[str, Any] | None]:
        """Put the kept state back into ``ev``; the totals and flags `build_decision` takes with it."""
        ev.traced = list(self.traced)
        ev.provisional |= self.provisional
        ev.required = {scenario: dict(floors) for scenario, floors in self.required.items()}
        ev.short = {scenario: dict(floors) for scenario, floors in self.short.items()}
        ev.shares_required = {scenario: set(floors) for scenario, floors in self.shares_required.items()}
        ev.shares_short = {scenario: set(floors) for scenario, floors in self.shares_short.items()}
        ev.consequences = list(self.consequences)
        ev.caps = dict(self.caps)
        ev.cycle = self.cycle
        ev.depended = {index: set(found) for index, found in self.depended.items()}
        cycle_fact = dict(self.cycle_fact) if self.cycle_fact is not None else None
        return dict(self.actual), dict(self.projected), self.complete, cycle_fact


def _apportion(counted: Decimal, parts: dict[str, Decimal]) -> dict[str, Decimal]:
    """A pool's counted credits (or hours) shared among the categories of its activities, in proportion (to hundredths).

    When the cap cut the pool, each category keeps its share of what counts, rounded down, and what the
    rounding leaves goes to the category with the most.
    """
    whole = sum(parts.values(), Decimal(0))
    if not parts or whole == counted:
        return parts
    shares = {c: (counted * amount / whole).quantize(_CENT, rounding=ROUND_DOWN) for c, amount in parts.items()}
    largest = max(parts, key=lambda c: (parts[c], c))
    shares[largest] += counted - sum(shares.values(), Decimal(0))
    return shares


def _credits(activity: Activity, state: ActivityState) -> Decimal:
    """The credits an activity earns under its credits rule (at most the rule's cap).

    As claimed, a fixed number, or one per so many of its standard hours (rounded down to hundredths).
    """
    assert state.credits_rule is not None  # noqa: S101 - only called when a rule gave one
    mode, per_hours, cap = state.credits_rule
    if mode == "claimed":
        value = activity.credits or Decimal(0)
    elif mode == "fixed":
        value = cap or Decimal(0)
    else:
        value = (state.standard_hours / per_hours).quantize(_CENT, rounding=ROUND_DOWN) if per_hours else Decimal(0)
    if cap is not None:
        value = min(value, cap)
    return from_centi(to_centi(value))
