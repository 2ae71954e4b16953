"""``evaluate()``: one person's year in, a decision out, made by the policy's rules firing in the engine.

The evaluation runs the stages of ``_vocabulary`` in one engine session. Between stages it only does
what the engine cannot: it sums hours exactly (as decimals) and turns the outcomes of one stage into the facts
of the next. Which activity counts, in which category, with which hours and route, which floor is short and
which consequence follows are all decided by rules that fired.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import operator
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any

from ce_policy._activity_result import ActivityResult, ActivityState
from ce_policy._compiler import AS_OF_SUFFIX, Action, compile_policy, date_number
from ce_policy._completion import Evaluator
from ce_policy._completion import to_complete as _to_complete
from ce_policy._decision import Decision, PolicyInfo, TraceEntry
from ce_policy._decision_log import DecisionLog, active_decision_log
from ce_policy._engine import RulesEngine, Session
from ce_policy._errors import EngineError, PolicyNotFoundError, RecordError, RecordProblem
from ce_policy._firing import Firings
from ce_policy._hours import from_centi, plain_hours, to_centi
from ce_policy._memo import FiringMemo, priorities
from ce_policy._policy import Policy
from ce_policy._record import GENERAL_SECTOR, Activity, CycleYear, Person, Record, parse_model
from ce_policy._registry import PolicyRegistry, default_registry
from ce_policy._vocabulary import CATEGORIES, OPTIONAL_CHOICE_FIELDS

__all__ = ["NO_APPLICABLE_RULE", "engine_for", "evaluate", "person_fields", "policy_info", "resolve_policy"]

NO_APPLICABLE_RULE = "no_applicable_rule"
"""The reason given to an activity that no rule classified (the policy does not know that way)."""

_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_ENGINE_CACHE_SIZE = 64
_engines: OrderedDict[tuple[str, str, int, int], RulesEngine] = OrderedDict()
_engines_lock = threading.Lock()
_memos: weakref.WeakKeyDictionary[RulesEngine, FiringMemo] = weakref.WeakKeyDictionary()


def engine_for(policy: Policy, day: dt.date) -> RulesEngine:
    """The engine for ``policy`` as in force on ``day``: compiled once per period and reused (LRU-bounded)."""
    # The object itself is part of the key: an in-memory copy with other values keeps the files' digest.
    key = (policy.id, policy.digest, policy.epoch(day), id(policy))
    with _engines_lock:
        engine = _engines.get(key)
        if engine is not None:
            _engines.move_to_end(key)
            return engine
        engine = RulesEngine(compile_policy(policy, day))
        _engines[key] = engine
        _memos[engine] = FiringMemo(engine.compiled)
        if len(_engines) > _ENGINE_CACHE_SIZE:
            _, evicted = _engines.popitem(last=False)
            evicted.close()
        return engine


def resolve_policy(policy: str | Policy | None, person: Person, year: int, registry: PolicyRegistry | None) -> Policy:
    """The policy to use: the one given (by id or object), or the one for the person's region and the year."""
    if isinstance(policy, Policy):
        return policy
    reg = registry or default_registry()
    if policy is not None:
        return reg.policy(policy)
    return reg.resolve(person.region, year, person.sector)


def policy_info(policy: Policy, person: Person) -> PolicyInfo:
    """How a decision names its policy, and whether the person's sector had to fall back to the general one."""
    fallback = policy.sector is None and person.sector != GENERAL_SECTOR
    return _policy_info(policy.id, policy.version, policy.digest, policy.chain, policy.sector, fallback)


@functools.lru_cache(maxsize=256)
def _policy_info(
    policy_id: str, version: str, digest: str, chain: tuple[str, ...], sector: str | None, fallback: bool
) -> PolicyInfo:
    # Frozen, so one object per policy can be shared by every decision it makes.
    return PolicyInfo(id=policy_id, version=version, digest=digest, chain=chain, sector=sector, fallback=fallback)


@functools.lru_cache(maxsize=4096)
def _entry(rule: str, cite: str) -> TraceEntry:
    # Frozen, so the entry of a rule that fired on no activity (the person, the year) is shared by every decision.
    return TraceEntry(rule=rule, cite=cite, activity=None)


def person_fields(person: Person, year: int, region: str) -> dict[str, Any]:
    """The person fields every fact of an evaluation carries."""
    return {"title_level": person.title_level, "sector": person.sector, "region": region, "year": year}


def _activity_fact(index: int, activity: Activity, common: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    fact: dict[str, Any] = {
        "id": f"a{index}",
        "stage": "activity",
        "idx": index,
        **common,
        "kind": activity.kind,
        "hours": to_centi(activity.hours),
        "on_platform": activity.on_platform,
        "passed": activity.passed,
    }
    for name in ("completed_on", "granted_on"):
        day: dt.date | None = getattr(activity, name)
        if day is not None:
            fact[name] = date_number(day)
            fact[name + AS_OF_SUFFIX] = (day - as_of).days
    for name in OPTIONAL_CHOICE_FIELDS:
        fact[name] = getattr(activity, name) or ""
    if activity.credits is not None:
        fact["credits"] = to_centi(activity.credits)
    return fact


class _Evaluation:
    """The mutable state of one evaluation, updated by the actions of the rules that fire."""

    def __init__(
        self,
        record: Record,
        policy: Policy,
        as_of: dt.date,
        engine: RulesEngine,
        prior: dict[int, Decimal],
        memo: FiringMemo | None = None,
        region: str | None = None,
    ) -> None:
        self.record = record
        self.region = region if region is not None else record.person.region or ""
        self.policy = policy
        self.as_of = as_of
        self.actions: dict[str, Action] = engine.compiled.actions
        self.engine = engine
        self.activities: list[ActivityResult] = []
        self._building: dict[int, ActivityState] = {}  # the activities decided fact by fact, by index
        self.required: dict[str, dict[str, Decimal]] = {"actual": {}, "projected": {}, "cycle": {}}
        self.short: dict[str, dict[str, Decimal]] = {"actual": {}, "projected": {}, "cycle": {}}
        self.prior = prior
        self.cycle: tuple[int, int] | None = None
        self.consequences: list[str] = []
        # Each rule that acted, as (stage call, priority, position, rule, activity index or -1): sorted, the trace.
        self.traced: list[tuple[int, int, int, str, int]] = []
        self.provisional: set[str] = set()
        self.firings = Firings()
        self.caps: dict[tuple[str, str], Decimal] = {}
        self.memo = memo
        self._stack: contextlib.ExitStack | None = None
        self._session: Session | None = None
        self._fired: list[tuple[str, list[dict[str, Any]]]] = []
        self._call = -1

    # --- deciding the facts of a stage ---------------------------------------------------------------------

    def decide(self, facts: list[dict[str, Any]], positions: list[int] | None = None) -> None:
        """Have the engine decide ``facts`` (or reuse what it decided in the same situations), then act.

        The actions are applied in the engine's order, rule priority first and then the facts' positions
        (their order in the stage, unless ``positions`` gives them), whether the engine fired them just now
        or the memo recalls them. Both ways give one decision. Each call is one stage; the trace lists the
        stages in the order they were decided.
        """
        self._call += 1
        if not facts:
            return
        memo = self.memo
        places = positions if positions is not None else list(range(len(facts)))
        fired: list[tuple[int, int, str, dict[str, Any]]] = []
        missed: list[tuple[int, dict[str, Any], tuple[Any, ...] | None]] = []
        if memo is not None and memo.enabled:
            situation_of, recall = memo.situation, memo.get
            for position, fact in zip(places, facts, strict=True):
                situation = situation_of(fact)
                recalled = recall(situation) if situation is not None else None
                if recalled is None:
                    missed.append((position, fact, situation))
                else:
                    fired += [(priority, position, name, fact) for priority, name in recalled]
        else:
            missed = [(position, fact, None) for position, fact in zip(places, facts, strict=True)]
        if missed:
            self._fired = []
            self._open().assert_facts([fact for _, fact, _ in missed])
            by_fact: dict[str, list[str]] = {}
            for name, matched in self._fired:
                for fact in matched:
                    by_fact.setdefault(fact["id"], []).append(name)
            for position, fact, situation in missed:
                names = tuple(sorted((self.priority[name], name) for name in by_fact.get(fact["id"], ())))
                if memo is not None and situation is not None:
                    memo.put(situation, names)
                fired += [(priority, position, name, fact) for priority, name in names]
        fired.sort(key=_firing_order)
        call = self._call
        try:
            for priority, position, name, fact in fired:
                self.fire(name, fact, call, priority, position)
        except Exception as exc:
            raise EngineError(f"a rule action failed: {exc!r}") from exc

    def _collect(self, name: str, facts: list[dict[str, Any]]) -> None:
        self._fired.append((name, facts))

    def _open(self) -> Session:
        """The engine session of this evaluation, opened the first time a fact needs the engine."""
        if self._session is None:
            assert self._stack is not None  # noqa: S101 - run() sets it before any stage
            self._session = self._stack.enter_context(self.engine.session(self._collect))
        return self._session

    # --- the closed vocabulary of actions -----------------------------------------------------------------

    def fire(self, name: str, fact: dict[str, Any], call: int, priority: int, position: int) -> None:
        """Apply what rule ``name`` says about ``fact`` (fired in stage call ``call`` at ``priority``)."""
        action = self.actions[name]
        rule = action.rule
        if rule is None or not self.firings.applies(action, fact):
            return
        self.provisional.update(action.provisional)
        stage = rule.stage
        if stage == "year":
            # The projection is reported but not traced: the trace explains the decision itself.
            self._on_year(fact["scenario"], action)
            if fact["scenario"] != "actual":
                return
        elif stage == "pool" and fact["scenario"] != "actual":
            self._on_pool(fact, action)  # the projection is reported, not traced
            return
        elif stage == "cycle":
            self._on_year("cycle", action)
        elif stage == "person":
            for outcome, value in action.outcomes:
                if outcome == "cycle" and self.cycle is None:
                    self.cycle = value
        index: int = fact.get("idx", -1)
        self.traced.append((call, priority, position, name, index))
        if stage in ("activity", "recognition"):
            state = self._building[index]
            state.acted.append((call, priority, name))
            self._on_activity(state, action)
        elif stage == "pool":
            self._on_pool(fact, action)
        elif stage == "consequence":
            for outcome, value in action.outcomes:
                if outcome == "consequence" and value not in self.consequences:
                    self.consequences.append(value)

    def _on_pool(self, fact: dict[str, Any], action: Action) -> None:
        for outcome, value in action.outcomes:
            if outcome == "cap":
                key = (fact["scenario"], fact["pool"])
                self.caps[key] = min(value[1], self.caps.get(key, value[1]))

    def _on_activity(self, state: ActivityState, action: Action) -> None:
        for outcome, value in action.outcomes:
            if outcome == "category" and state.category is None:
                state.category = value
            elif outcome == "registration" and state.registration is None:
                state.registration = value
            elif outcome == "hours" and state.hours_rule is None:
                state.hours_rule = value
            elif outcome == "credits" and state.credits_rule is None:
                state.credits_rule = value
            elif outcome == "pool" and state.pool is None:
                state.pool = value
            elif outcome == "route" and state.route is None:
                state.route = value
            elif outcome == "reject" and value not in state.reasons:
                state.reasons.append(value)
            elif outcome == "defer" and value not in state.deferred:
                state.deferred.append(value)

    def _on_year(self, scenario: str, action: Action) -> None:
        if action.shortfall is not None:
            category, floor = action.shortfall
            self.short[scenario][category] = max(floor, self.short[scenario].get(category, Decimal(0)))
            return
        for outcome, value in action.outcomes:
            if outcome == "require":
                category, floor = value
                self.required[scenario][category] = max(floor, self.required[scenario].get(category, Decimal(0)))

    # --- the run ---------------------------------------------------------------------------------------

    def run(self) -> Decision:
        record = self.record
        common = person_fields(record.person, record.year, self.region)
        self.priority = self.memo.priority if self.memo is not None else priorities(self.engine.compiled)
        with contextlib.ExitStack() as stack:
            self._stack = stack
            self._activity_stages(common)
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
                {"id": f"year.{scenario}", "stage": "year", "scenario": scenario, **common, **_centi(totals)}
                for scenario, totals in (("actual", actual), ("projected", projected))
            ]
            self.decide(year_facts)
            complete = not self.short["actual"]
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
        return self._decision(actual, projected, complete, cycle)

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

    def _activity_stages(self, common: dict[str, Any]) -> None:
        """The person and activity stage, then the recognition stage.

        What the rules of these two stages make of an activity depends on nothing but the person fields,
        ``as_of`` and the activity's own fields (its recognition fact is made from them and from what fired on
        it), so an activity seen before in the same circumstances comes to what it came to then: the rules
        that acted on it then act again, in the same order, without facts. The others are decided fact by fact.
        """
        memo = self.memo if self.memo is not None and self.memo.enabled else None
        as_of = self.as_of
        profile = memo.profile((*common.values(), as_of)) if memo is not None else 0
        results: list[ActivityResult | None] = []
        building: dict[int, ActivityState] = {}
        fresh: list[tuple[int, tuple[Any, ...] | None]] = []
        traced = self.traced
        for index, activity in enumerate(self.record.activities):
            key = (profile, *_activity_key(activity)) if memo is not None else None
            result = memo.recall_activity(key) if memo is not None and key is not None else None
            results.append(result)
            if result is None:
                building[index] = ActivityState(_activity_fact(index, activity, common, as_of))
                fresh.append((index, key))
            else:
                self.provisional |= result.provisional
                traced += [
                    (stage, priority, index + 1 if stage == 0 else index, name, index)
                    for stage, priority, name in result.acted
                ]
        self._building = building
        person = {"id": "person", "stage": "person", **common}
        self.decide([person, *(building[i].fact for i, _ in fresh)], [0, *(i + 1 for i, _ in fresh)])
        recognition = self._recognition_facts([i for i, _ in fresh])
        self.decide([fact for _, fact in recognition], [i for i, _ in recognition])
        actions = self.actions
        for index, key in fresh:
            state = building[index]
            result = state.result(frozenset(p for _, _, name in state.acted for p in actions[name].provisional))
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
        result: dict[str, dict[str, Decimal]] = {}
        for scenario in ("actual", "projected"):
            totals = dict.fromkeys((*CATEGORIES, "credits"), Decimal(0))
            actual = scenario == "actual"
            for state in self.activities:
                if state.counted if actual else state.in_projection:
                    totals[state.category] += state.standard_hours  # type: ignore[index]
                    if state.pool is None and state.standard_credits is not None:
                        totals["credits"] += state.standard_credits
            for (pool_scenario, pool), (credits, _) in pools.items():
                if pool_scenario == scenario:
                    totals["credits"] += min(credits, self.caps.get((scenario, pool), credits))
            totals["total"] = totals["public"] + totals["professional"]
            result[scenario] = totals
        return result["actual"], result["projected"]

    def _decision(
        self,
        actual: dict[str, Decimal],
        projected: dict[str, Decimal],
        complete: bool,
        cycle_fact: dict[str, Any] | None,
    ) -> Decision:
        """The decision, checked by pydantic in one call (built as plain data: decisions are made by the thousand)."""
        outcomes = [
            {"id": activity.id, **result.reported}
            for activity, result in zip(self.record.activities, self.activities, strict=True)
        ]
        required = self.required["actual"]
        short = self.short["actual"]
        shortfall = {c: plain_hours(short[c] - actual[c]) if c in short else _ZERO for c in (*CATEGORIES, "total")}
        credits = None
        if "credits" in required or any(state.standard_credits is not None for state in self.activities):
            floor = short.get("credits")
            credits = {
                "counted": plain_hours(actual["credits"]),
                "required": plain_hours(required.get("credits", _ZERO)),
                "shortfall": plain_hours(floor - actual["credits"]) if floor is not None else _ZERO,
            }
        cycle = None
        if cycle_fact is not None:
            floor = self.short["cycle"].get("cycle")
            hours = from_centi(cycle_fact["cycle"])
            cycle = {
                "first_year": cycle_fact["first_year"],
                "last_year": cycle_fact["last_year"],
                "hours": hours,
                "required": plain_hours(self.required["cycle"].get("cycle", _ZERO)),
                "remaining": plain_hours(floor - hours) if floor is not None else _ZERO,
                "final_year": cycle_fact["final_year"],
                "years_shown": tuple(sorted(y for y in self.prior if cycle_fact["first_year"] <= y < self.record.year)),
            }
        return Decision.model_validate(
            {
                "person": self.record.person.id,
                "year": self.record.year,
                "as_of": self.as_of,
                "compliant": complete,
                "hours": _hour_totals(actual),
                "required": {c: plain_hours(required.get(c, _ZERO)) for c in (*CATEGORIES, "total")},
                "shortfall": shortfall,
                "credits": credits,
                "cycle": cycle,
                "projected": {
                    "hours": _hour_totals(projected),
                    "compliant": not self.short["projected"],
                    "credits": plain_hours(projected["credits"]) if credits is not None else None,
                },
                "activities": outcomes,
                "consequences": tuple(self.consequences),
                "policy": policy_info(self.policy, self.record.person),
                "trace": self._trace(),
                "provisional": tuple(sorted(self.provisional)),
            }
        )

    def _trace(self) -> list[TraceEntry | dict[str, Any]]:
        """Every rule that acted, stage by stage in the engine's order: rule priority, then the facts' positions."""
        actions = self.actions
        activities = self.record.activities
        entries: list[TraceEntry | dict[str, Any]] = []
        for _, _, _, name, index in sorted(self.traced):
            rule = actions[name].rule
            assert rule is not None  # noqa: S101 - only rules act
            if index < 0:
                entries.append(_entry(name, rule.cite))
            else:
                entries.append({"rule": name, "cite": rule.cite, "activity": activities[index].id})
        return entries


def _firing_order(firing: tuple[int, int, str, dict[str, Any]]) -> tuple[int, int]:
    return firing[0], firing[1]


_ACTIVITY_FIELDS = operator.itemgetter(*(name for name in Activity.model_fields if name != "id"))


def _activity_key(activity: Activity) -> tuple[Any, ...]:
    """Everything of an activity that a rule of the activity or recognition stage can read (all but its id)."""
    key: tuple[Any, ...] = _ACTIVITY_FIELDS(activity.__dict__)
    return key


def _centi(totals: dict[str, Decimal]) -> dict[str, int]:
    return {name: to_centi(value) for name, value in totals.items()}


def _hour_totals(totals: dict[str, Decimal]) -> dict[str, Decimal]:
    return {
        "public": plain_hours(totals["public"]),
        "professional": plain_hours(totals["professional"]),
        "total": plain_hours(totals["total"]),
    }


def _credits(activity: Activity, state: ActivityState) -> Decimal:
    """The credits an activity earns under its credits rule: as claimed, or hours per credit (rounded down)."""
    assert state.credits_rule is not None  # noqa: S101 - only called when a rule gave one
    mode, per_hours, cap = state.credits_rule
    if mode == "claimed":
        value = activity.credits or Decimal(0)
    else:
        value = (state.standard_hours / per_hours).quantize(_CENT, rounding=ROUND_DOWN) if per_hours else Decimal(0)
    if cap is not None:
        value = min(value, cap)
    return from_centi(to_centi(value))


def evaluate(
    record: Record | dict[str, Any],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    prior: Sequence[CycleYear | Record | dict[str, Any]] = (),
    registry: PolicyRegistry | None = None,
    to_complete: bool = True,
    cache: bool = True,
    log: DecisionLog | None = None,
) -> Decision:
    """Decide one person's year under the policy that applies to it.

    Args:
        record: a `Record`, or the same as plain JSON data (a dict).
        policy: a policy id (e.g. ``"xj.aksu.2025"``) or a loaded policy; by default the one for the person's
            region and the record's year.
        as_of: the date the decision speaks for (default: 31 December of the record's year). Activities
            completed after it do not count; parameter values and rules in force on it apply.
        prior: earlier years of the person's multi-year training cycle (e.g. a teacher's five-year cycle):
            each a `CycleYear` (``{"year", "hours"}``, the hours counted that year) or a full record of that
            year, evaluated under its own policy. Only years inside the cycle a rule gives count.
        registry: where to look policies up (default: the shipped policies and those added with
            `load_policies`).
        to_complete: for an incomplete year, work out what would make it complete (``Decision.to_complete``):
            this evaluates the completed record once more, and probes the policy's ways once per policy,
            year and profile (cached). Pass ``False`` where only the decision is wanted.
        cache: reuse what the engine decided for a fact in the same situation (the same answers to every
            test its rules make) earlier in this process; ``False`` has the engine decide every fact afresh.
            Both give the same decision.
        log: append the decision to this `DecisionLog` (default: the process-wide log of
            `set_decision_log`, if any).

    Returns:
        The `Decision`, made by the policy's rules firing in durable-rules.

    Raises:
        RecordError: the record is invalid; every problem is listed with its JSON path.
        PolicyNotFoundError: no policy has the id, or covers the person's region and the year.
        PolicyFileError: the policy is invalid, or reads a parameter that has no value on ``as_of``.
        EngineError: the rules engine failed; no decision was made.
        DecisionLogError: the decision was made but could not be logged; it is the error's ``decision``.
    """
    parsed = parse_model(Record, record)
    chosen = resolve_policy(policy, parsed.person, parsed.year, registry)
    day = as_of or dt.date(parsed.year, 12, 31)
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise TypeError(f"as_of must be a datetime.date, not {type(day).__name__}")
    region = parsed.person.region
    if region is None:
        region = (registry or default_registry()).default_region or ""
    if not chosen.evaluable:
        raise PolicyNotFoundError(f"policy {chosen.id!r} is a base layer; it does not say where and when it applies")
    earlier = _prior_hours(prior, parsed, registry)
    engine = engine_for(chosen, day)
    decision = _Evaluation(parsed, chosen, day, engine, earlier, _memos.get(engine) if cache else None, region).run()
    sink = active_decision_log(log)
    if parsed.person.region is None and ((to_complete and not decision.compliant) or sink is not None):
        # What follows sees the record as decided: in the region it was decided for.
        parsed = parsed.model_copy(update={"person": parsed.person.model_copy(update={"region": region})})
    if to_complete and not decision.compliant:
        needs = _to_complete(parsed, decision, chosen, _evaluator(chosen, earlier, cache))
        decision = decision.model_copy(update={"to_complete": needs})
    if sink is not None:
        sink.write(parsed, decision, prior=earlier)
    return decision


def _evaluator(policy: Policy, prior: dict[int, Decimal], cache: bool) -> Evaluator:
    """Evaluates other records of the same person and policy (probes, completed records) in the engine."""

    def run(record: Record, day: dt.date) -> tuple[Decision, list[Any]]:
        engine = engine_for(policy, day)
        evaluation = _Evaluation(record, policy, day, engine, prior, _memos.get(engine) if cache else None)
        return evaluation.run(), list(evaluation.activities)

    return run


def _prior_hours(
    prior: Sequence[CycleYear | Record | dict[str, Any]], record: Record, registry: PolicyRegistry | None
) -> dict[int, Decimal]:
    """The hours counted in each earlier year given, checked: one entry a year, each before the record's."""
    hours: dict[int, Decimal] = {}
    problems: list[RecordProblem] = []
    for i, item in enumerate(prior):
        is_record = isinstance(item, Record) or (isinstance(item, dict) and "activities" in item)
        try:
            if is_record:
                earlier = parse_model(Record, item)
                year, counted = earlier.year, evaluate(earlier, registry=registry, to_complete=False).hours.total
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
    if problems:
        raise RecordError(problems)
    return hours
