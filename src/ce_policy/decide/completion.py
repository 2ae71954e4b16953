"""What would make an incomplete year complete: the least hours still needed, by when, and by which ways.

Nothing here decides whether a way counts. The *candidate* ways are read from the policy's activity rules
(each rule that gives a category names a kind and the way fields it needs); the engine then decides, on
*probe* records evaluated in it, which of them count, with how many hours and credits, by which registration
and route, and on which days. The probe results depend only on the policy, the year and the person's profile
(title level, sector, region, degree, declared attributes), so they are kept in a bounded cache. Finally the
suggested plan is added to the person's record and the completed record is evaluated: only a plan whose
evaluation is complete is offered.

A day on which a probe counts is searched among the days on which some rule's answer may change (every date a
rule or parameter tests, the day before and after it, the year's edges and the days the policy changes), so
between two such days the answer is the same. The days searched span the year's windows in the policy's
calendar (``policy.calendars``): its study window, and its make-up window where the layers allow one, so a
year that may still be made up offers the ways open until the make-up window's end, and one that may not
offers none after its study window.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ce_policy.model.decision import Decision, HourTotals, RouteStep, ToComplete, WayToComplete
from ce_policy.model.hours import MAX_HOURS
from ce_policy.model.record import WAY_FIELDS, Activity, Person, Record
from ce_policy.model.ways import ACTIVITY_KINDS, DEFERRED, OPTIONAL_FIELDS, VOCABULARY_CONTEXT, Vocabulary
from ce_policy.policy.edges import policy_edges, year_dates
from ce_policy.policy.loaded import Condition, ParamRef, Policy, Rule, Test

__all__ = ["Evaluator", "to_complete"]

Evaluator = Callable[[Record, dt.date], tuple[Decision, list[Any]]]
"""Evaluates a record as of a day: the decision and the engine's per-activity results (``ActivityResult``)."""

_CACHE_SIZE = 256
_probes: OrderedDict[tuple[Any, ...], tuple[tuple[_Way, ...], list[dt.date]]] = OrderedDict()
_probes_lock = threading.Lock()
_CHOICE_TESTS = ("is", "in", "is_not", "not_in")
_ID_PREFIX = "to-complete-"


@dataclass(frozen=True)
class _Candidate:
    """A way an activity rule names: its kind and the choice fields an activity of it carries."""

    kind: str
    fields: tuple[tuple[str, str], ...]
    dated: tuple[str, ...] = ()
    """Date fields the rule tests besides ``completed_on`` (a patent's ``granted_on``): the day the way is done."""


_NONE = _Candidate("", ())
_DATED_FIELDS = ("completed_on", "granted_on")
"""An activity's own dates: a rule's test of one leaves the way open, decided on each probe day."""


@dataclass(frozen=True)
class _Way:
    """A candidate as the engine decided it on the probe days where it counts."""

    candidate: _Candidate
    category: str
    registration: str | None
    route: tuple[tuple[str, str], ...]
    hours_mode: str
    hours_amount: Decimal | None
    credits_mode: str | None
    credits_per_hours: Decimal | None
    credits_cap: Decimal | None
    pool: str | None
    provisional: tuple[str, ...]
    days: tuple[dt.date, ...]
    """The probe days on which it counts, ascending."""


def _domain(field: str, vocabulary: Vocabulary, kind: str | None = None) -> tuple[str, ...]:
    """The values a record may give a choice field or a declared attribute of an activity (of ``kind``)."""
    if field == "kind":
        return ACTIVITY_KINDS
    attribute = vocabulary.attributes.get(field)
    if attribute is not None:
        return attribute.choices
    return vocabulary.values_for(kind, field) if kind is not None else tuple(vocabulary.choices[field])


def _allowed(test: Test, policy: Policy, day: dt.date) -> set[str] | None:
    """The values of ``test``'s field that satisfy it as in force on ``day``; ``None`` for other tests."""
    if test.op not in _CHOICE_TESTS or test.field not in _choice_fields(policy.vocabulary):
        return None
    operand = test.operand
    if isinstance(operand, ParamRef):
        operand = policy.parameters[operand.id].value_at(day)
    named = set(operand) if isinstance(operand, tuple | list) else {operand}
    domain = set(_domain(test.field, policy.vocabulary))
    return domain & named if test.op in ("is", "in") else domain - named


def _choice_fields(vocabulary: Vocabulary) -> set[str]:
    """The fields of an activity that a way is named by: its kind, choice fields and declared attributes."""
    return {"kind", *vocabulary.choices, *vocabulary.attributes}


def _way_fields(kind: str, vocabulary: Vocabulary) -> dict[str, bool]:
    """The fields an activity of ``kind`` may carry (required or not), its declared attributes among them."""
    fields = dict(vocabulary.way_fields[kind])
    fields.update({name: False for name, attribute in vocabulary.attributes.items() if kind in attribute.kinds})
    return fields


def _candidates(policy: Policy, day: dt.date) -> dict[_Candidate, str]:
    """The ways the activity rules in force on ``day`` name (and no rejection), each with its rule's id.

    A rule names a way if it gives a category, or credits (a sector's rule for a way whose category another
    rule gives: an exam of one subject, a project's leader); the engine decides whether it counts.
    """
    found: dict[_Candidate, str] = {}
    for rule in policy.rules:
        if rule.stage != "activity" or not rule.in_force_on(day):
            continue
        outcomes = dict(rule.then)
        if not {"category", "credits"} & set(outcomes) or {"reject", "defer"} & set(outcomes):
            continue
        for candidate in _candidate(rule, policy, day, outcomes.get("registration")):
            found.setdefault(candidate, rule.id)
    return found


def _candidate(rule: Rule, policy: Policy, day: dt.date, registration: str | None) -> list[_Candidate]:
    """The ways ``rule`` names: one per value of each required way field it leaves open (the engine decides)."""
    choices: dict[str, set[str]] = {}
    dated: set[str] = set()
    for part in rule.when.parts:
        if isinstance(part, Condition):
            return []  # alternatives: not a single way
        if part.field in _DATED_FIELDS and part.op != "present":
            if part.field != "completed_on":  # every probe is completed on its day already
                dated.add(part.field)  # the probe is granted on its day too: the engine decides
            continue
        allowed = _allowed(part, policy, day)
        if allowed is None:
            return []
        choices[part.field] = choices.get(part.field, allowed) & allowed
    kinds = choices.pop("kind", set())
    if len(kinds) != 1 or any(not values for values in choices.values()):
        return []
    kind = kinds.pop()
    vocabulary = policy.vocabulary
    allowed_fields = _way_fields(kind, vocabulary)
    if not set(choices) <= set(allowed_fields) or not dated <= set(allowed_fields):
        return []
    choices = {name: values & set(_domain(name, vocabulary, kind)) for name, values in choices.items()}
    if any(not values for values in choices.values()):
        return []  # no value the kind may take
    fields = {name: min(values) for name, values in choices.items()}
    if registration != "automatic" and "approval" in allowed_fields:  # an application, or left to other rules
        fields["approval"] = "approved"
    if not set(fields) <= set(allowed_fields):
        return []
    open_fields = sorted(
        name for name, needed in allowed_fields.items() if needed and name != "credits" and name not in fields
    )
    if any(name not in _choice_fields(vocabulary) for name in open_fields):
        return []  # a required field that is not a choice is not something to suggest
    found = []
    for values in itertools.product(*(_domain(name, vocabulary, kind) for name in open_fields)):
        chosen = {**fields, **dict(zip(open_fields, values, strict=True))}
        found.append(_Candidate(kind, tuple(sorted(chosen.items())), tuple(sorted(dated))))
    return found


def _probe_days(policy: Policy, year: int) -> list[dt.date]:
    """Every day on which some rule's answer may change, within a day of the year's windows, and its changes."""
    days = set(policy_edges(policy, year).dates)
    one = dt.timedelta(days=1)
    dates = year_dates(policy, year)
    first, last = dates.first_day - one, dates.last_day + one
    days |= {d + step for d in policy.breakpoints for step in (-one, dt.timedelta(0)) if first <= d + step <= last}
    return sorted(d for d in days if first <= d <= last)


def _activity(aid: str, candidate: _Candidate, hours: Decimal, day: dt.date, credits: Decimal | None) -> Activity:
    """An activity of a way: on the platform, passed, completed on ``day``, with the way's fields.

    Its choices are the policy's rules' own (checked against the policy's vocabulary when it loaded).
    """
    data: dict[str, Any] = {
        "id": aid,
        "kind": candidate.kind,
        "hours": hours,
        "on_platform": True,
        "passed": True,
        "completed_on": day,
    }
    for name in candidate.dated:
        data[name] = day
    attributes = {}
    for name, value in candidate.fields:
        if name in OPTIONAL_FIELDS:
            data[name] = value
        else:
            attributes[name] = value
    if attributes:
        data["attributes"] = attributes
    if credits is not None:
        data["credits"] = credits
    return Activity.model_validate(data, context={VOCABULARY_CONTEXT: DEFERRED})


def _probe_activity(index: int, candidate: _Candidate, day: dt.date) -> Activity:
    credits = MAX_HOURS if WAY_FIELDS[candidate.kind].get("credits") else None
    return _activity(f"probe-{index}", candidate, MAX_HOURS, day, credits)


def _probe(policy: Policy, person: Person, year: int, days: list[dt.date], evaluator: Evaluator) -> tuple[_Way, ...]:
    """The candidate ways as the engine decides them, with the probe days on which each counts."""
    probe_person = person.model_copy(update={"id": "probe"})  # the same profile: levels, sector, degree, attributes
    decided: dict[_Candidate, _Way] = {}
    origins: dict[_Candidate, str] = {}
    for day in days:
        candidates = _candidates(policy, day)
        if not candidates:
            continue
        activities = tuple(_probe_activity(i, c, day) for i, c in enumerate(candidates))
        probe = {"person": probe_person, "year": year, "activities": activities}
        decision, states = evaluator(Record.model_validate(probe, context={VOCABULARY_CONTEXT: DEFERRED}), day)
        for index, (candidate, state) in enumerate(zip(candidates, states, strict=True)):
            origins[candidate] = candidates[candidate]
            if not state.counts("actual"):
                continue
            known = decided.get(candidate)
            if known is not None:
                decided[candidate] = dataclasses.replace(known, days=(*known.days, day))
                continue
            mode, amount = state.hours_rule or ("claimed", None)
            credits_mode, per_hours, cap = state.credits_rule or (None, None, None)
            decided[candidate] = _Way(
                candidate=candidate,
                category=state.category,
                registration=state.registration,
                route=state.route or (),
                hours_mode=mode,
                hours_amount=amount,
                credits_mode=credits_mode,
                credits_per_hours=per_hours,
                credits_cap=cap,
                pool=state.pool,
                provisional=_provisional(policy, decision, f"probe-{index}"),
                days=(day,),
            )
    # Values of a field the rules leave open that the engine decided alike are one way, not several.
    ways: dict[tuple[Any, ...], _Way] = {}
    for candidate, way in decided.items():
        ways.setdefault((origins[candidate], dataclasses.replace(way, candidate=_NONE)), way)
    return tuple(ways.values())


def _provisional(policy: Policy, decision: Decision, activity: str) -> tuple[str, ...]:
    """The provisional parameters read by the rules that fired on one activity."""
    rules = {rule.id: rule for rule in policy.rules}
    fired = {entry.rule for entry in decision.trace if entry.activity == activity}
    read = {name for rule_id in fired if rule_id in rules for name in rules[rule_id].params}
    return tuple(sorted(name for name in read if policy.parameters[name].provisional))


def _ways(policy: Policy, person: Person, year: int, evaluator: Evaluator) -> tuple[tuple[_Way, ...], list[dt.date]]:
    """The ways and the probe days for a policy, year and profile: probed once, then from a bounded cache."""
    attributes = tuple(sorted((person.attributes or {}).items()))
    profile = (person.title_level, person.sector, person.region, person.degree_level, attributes)
    key = (policy.id, policy.digest, id(policy), *profile, year)
    with _probes_lock:
        cached = _probes.get(key)
        if cached is not None:
            _probes.move_to_end(key)
            return cached
    days = _probe_days(policy, year)
    found = (_probe(policy, person, year, days, evaluator), days)
    with _probes_lock:
        _probes[key] = found
        while len(_probes) > _CACHE_SIZE:
            _probes.popitem(last=False)
    return found


def _open_day(way: _Way, as_of: dt.date, days: list[dt.date]) -> dt.date | None:
    """The first day from ``as_of`` on which an activity of ``way`` completed that day counts, if any."""
    later = [d for d in way.days if d >= as_of]
    if not later:
        return None
    # Between two probe days every rule answers alike: as_of counts if the probe days around it both do.
    before = [d for d in days if d <= as_of]
    after = [d for d in days if d >= as_of]
    if before and after and before[-1] in way.days and after[0] in way.days:
        return as_of
    return later[0]


def _per_activity(way: _Way) -> Decimal | None:
    """The most hours one activity of the way counts (``None``: as many as claimed)."""
    return way.hours_amount if way.hours_mode in ("fixed", "at_most") else None


def _hours_for(way: _Way, need: Decimal) -> list[Decimal]:
    """The claimed hours of the fewest activities of ``way`` that count at least ``need`` hours."""
    most = _per_activity(way)
    if need <= 0 or (most is not None and most <= 0):
        return []
    if most is None:
        return [min(MAX_HOURS, need - MAX_HOURS * i) for i in range(math.ceil(need / MAX_HOURS))]
    count = math.ceil(need / most)
    if way.hours_mode == "fixed":
        return [most] * count
    return [min(most, need - most * i) for i in range(count)]


def _credits_for(way: _Way, need: Decimal) -> list[tuple[Decimal, Decimal | None]]:
    """(hours, claimed credits) of the fewest activities of ``way`` that earn at least ``need`` credits."""
    if need <= 0 or way.credits_mode is None:
        return []
    cap = way.credits_cap
    if way.credits_mode == "fixed":
        if not cap:
            return []
        hours = _per_activity(way) or Decimal(0)  # what it counts in hours is the hours rule's
        return [(hours, None)] * math.ceil(need / cap)
    if way.credits_mode == "claimed":
        each = cap if cap is not None else need
        return [(Decimal(0), min(each, need - each * i)) for i in range(math.ceil(need / each))]
    per = way.credits_per_hours
    if not per or way.hours_mode == "fixed":
        return []
    each = cap if cap is not None else need
    most = _per_activity(way)
    plan: list[tuple[Decimal, Decimal | None]] = []
    for i in range(math.ceil(need / each)):
        hours = min(each, need - each * i) * per
        if (most is not None and hours > most) or hours > MAX_HOURS:
            return []
        plan.append((hours, None))
    return plan


def _rank(way: _Way) -> tuple[int, int]:
    return (0 if way.registration == "automatic" else 1, 0 if way.pool is None else 1)


def _activities(way: _Way, items: Iterable[tuple[Decimal, Decimal | None]], day: dt.date, ids: Any) -> list[Activity]:
    return [_activity(next(ids), way.candidate, hours, day, credits) for hours, credits in items]


def _useful(way: _Way, need: dict[str, Decimal], credit_category: str | None) -> bool:
    """Whether an activity of ``way`` reduces a shortfall of the year.

    Of its category's hours, of the total's beyond the categories', or of credits (of ``credit_category`` only,
    when a share floor in credits binds). A way that reduces none is not offered.
    """
    earns = need.get("credits", Decimal(0)) > 0 and way.credits_mode is not None
    if earns and (credit_category is None or way.category == credit_category):
        return True
    if need[way.category] > 0:
        return True
    return need["total"] > max(need["public"], Decimal(0)) + max(need["professional"], Decimal(0))


def _plan(
    ways: list[tuple[_Way, dt.date]], need: dict[str, Decimal], taken: set[str], credit_category: str | None = None
) -> tuple[list[Activity], dt.date] | None:
    """The activities of a plan that covers ``need``: credits first, then public, then professional hours."""
    counter = (f"{_ID_PREFIX}{i}" for i in itertools.count(1) if f"{_ID_PREFIX}{i}" not in taken)
    added: list[Activity] = []
    last = dt.date.min
    left = dict(need)
    if left.get("credits", Decimal(0)) > 0:
        for way, day in ways:
            if credit_category is not None and way.category != credit_category:
                continue
            items = _credits_for(way, left["credits"])
            if items:
                added += _activities(way, items, day, counter)
                left[way.category] -= sum((h for h, _ in items), Decimal(0))
                left["total"] -= sum((h for h, _ in items), Decimal(0))
                last = max(last, day)
                break
        else:
            return None
    extra = max(Decimal(0), left["total"] - max(left["public"], Decimal(0)) - max(left["professional"], Decimal(0)))
    for category in ("public", "professional"):
        want = max(left[category], Decimal(0)) + (extra if category == "professional" else Decimal(0))
        if want <= 0:
            continue
        options = [(w, d) for w, d in ways if w.category == category and _hours_for(w, want)]
        if not options and category == "professional" and extra > 0 and left["professional"] <= 0:
            options = [(w, d) for w, d in ways if w.category == "public" and _hours_for(w, extra)]
            want = extra
        if not options:
            return None
        way, day = options[0]
        added += _activities(way, ((h, None) for h in _hours_for(way, want)), day, counter)
        last = max(last, day)
    return (added, last) if added else None


def to_complete(record: Record, decision: Decision, policy: Policy, evaluator: Evaluator) -> ToComplete | None:
    """What would make ``decision`` complete (``None`` when it is): needs, deadline, ways and a checked plan.

    Args:
        record: the record decided.
        decision: its decision.
        policy: the policy that decided it.
        evaluator: evaluates a record under ``policy`` as of a day (the same engine as the decision's).
    """
    if decision.compliant:
        return None
    short = decision.shortfall
    hours = HourTotals(
        public=short.public,
        professional=short.professional,
        total=max(short.total, short.public + short.professional),
    )
    credits = decision.credits.shortfall if decision.credits is not None else None
    credit_category = None
    for share in decision.shares:  # a share floor in credits: that many more credits of its category
        if share.unit == "credits" and not share.met:
            credits, credit_category = max(credits or Decimal(0), share.shortfall), share.category
    need = {"public": hours.public, "professional": hours.professional, "total": hours.total}
    if credits:
        need["credits"] = credits
    ways, days = _ways(policy, record.person, record.year, evaluator)
    deadline = max((way.days[-1] for way in ways), default=None)
    open_ways = sorted(
        (
            (way, day)
            for way in ways
            if (day := _open_day(way, decision.as_of, days)) is not None and _useful(way, need, credit_category)
        ),
        key=lambda pair: _rank(pair[0]),
    )
    plan: tuple[Activity, ...] = ()
    checked_on = None
    provisional: tuple[str, ...] = ()
    taken = {a.id for a in record.activities}
    found = _plan(open_ways, need, taken, credit_category)
    if found is not None:
        added, day = found
        kept = _as_decided(record, decision)
        completed = record.model_copy(update={"activities": (*kept, *added)})
        result, _ = evaluator(completed, max(day, decision.as_of))
        if result.compliant:
            plan, checked_on = tuple(added), max(day, decision.as_of)
            provisional = result.provisional
    ways_open = tuple(_way_to_complete(way, day) for way, day in open_ways)
    fields: dict[str, object] = {"hours": hours, "credits": credits, "deadline": deadline, "ways": ways_open}
    fields.update(plan=plan, plan_as_of=checked_on, provisional=provisional)
    # The plan's activities may carry the policy's own attributes (e.g. an accountant's `subject`).
    return ToComplete.model_validate(fields, context={VOCABULARY_CONTEXT: policy.vocabulary})


def _as_decided(record: Record, decision: Decision) -> tuple[Activity, ...]:
    """The record's activities a plan is checked with: as the year's decision judged them.

    Checked as of its own day, the plan leaves out an activity dated after the decision's ``as_of`` (completed
    or granted) that the decision did not count: it counts in the plan only if it did on that date.
    """
    counted, as_of = {outcome.id for outcome in decision.activities if outcome.counted}, decision.as_of
    later = {a.id for a in record.activities if any((getattr(a, f, None) or as_of) > as_of for f in _DATED_FIELDS)}
    return tuple(a for a in record.activities if a.id in counted or a.id not in later)


def _way_to_complete(way: _Way, day: dt.date) -> WayToComplete:
    return WayToComplete(
        category=way.category,
        kind=way.candidate.kind,
        fields={
            name if name in OPTIONAL_FIELDS else f"attributes.{name}": value for name, value in way.candidate.fields
        },
        registration=way.registration,
        route=tuple(RouteStep(actor=a, action=b) for a, b in way.route),
        hours_per_activity=_per_activity(way),
        hours_fixed=way.hours_mode == "fixed",
        earns_credits=way.credits_mode is not None,
        hours_per_credit=way.credits_per_hours,
        credits_per_activity=way.credits_cap,
        pool=way.pool,
        start=day,
        by=way.days[-1],
        provisional=way.provisional,
        dated=way.candidate.dated,
    )
