"""Properties every policy must keep, as reusable checks for property-based tests.

Each check evaluates a record and variants of it, and raises `InvariantError` when the property does not hold.
Users import them from ``ce_policy.invariants``, whose docstring shows how.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.sink import UNLOGGED
from ce_policy.model.decision import Decision
from ce_policy.model.record import DEFERRED, Activity, Record, parse_model
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry

__all__ = [
    "ALL_CHECKS",
    "InvariantError",
    "check_adding_a_counted_activity_never_hurts",
    "check_all",
    "check_deterministic",
    "check_json_round_trip",
    "check_order_does_not_matter",
    "check_route_depends_only_on_way_registration_and_title",
    "check_sector_differs_only_where_it_overrides",
    "check_to_complete_completes",
    "check_totals_equal_counted_activities",
]


class InvariantError(AssertionError):
    """A property that every policy must keep does not hold for this record."""


def _decide(
    record: Record, policy: str | Policy | None, as_of: dt.date | None, registry: PolicyRegistry | None
) -> Decision:
    return evaluate(record, policy=policy, as_of=as_of, registry=registry, log=UNLOGGED)  # checks, not decisions


def _fail(message: str, record: Record) -> InvariantError:
    return InvariantError(f"{message}\nrecord: {record.model_dump_json()}")


def _without_order(decision: Decision) -> dict[str, Any]:
    data = decision.model_dump(mode="json")
    data["activities"] = sorted(data["activities"], key=lambda a: a["id"])
    data["trace"] = sorted(json.dumps(entry, sort_keys=True) for entry in data["trace"])
    return data


def check_totals_equal_counted_activities(
    record: Record | dict[str, Any],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
) -> None:
    """The year's hours in each category are the sum of the hours of its counted activities (二).

    Also: an activity that does not count contributes nothing, and the total is public plus professional.
    """
    parsed = parse_model(Record, record, DEFERRED)
    decision = _decide(parsed, policy, as_of, registry)
    sums = {"public": Decimal(0), "professional": Decimal(0)}
    for outcome in decision.activities:
        if outcome.counted and outcome.category is not None:
            sums[outcome.category] += outcome.hours
        elif outcome.hours != 0:
            raise _fail(f"activity {outcome.id} does not count but reports {outcome.hours} hours", parsed)
    if (decision.hours.public, decision.hours.professional) != (sums["public"], sums["professional"]):
        raise _fail(f"hours {decision.hours} are not the sum of the counted activities {sums}", parsed)
    if decision.hours.total != decision.hours.public + decision.hours.professional:
        raise _fail(f"total {decision.hours.total} is not public + professional", parsed)


def check_adding_a_counted_activity_never_hurts(
    record: Record | dict[str, Any],
    activity: Activity | dict[str, Any],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
) -> None:
    """Adding an activity that counts never lowers counted hours nor turns a complete year incomplete (二, 六).

    Floors are minimums: more counted study can only help. Where it holds: under floors (``require``) alone.
    A share floor (``require_share``, e.g. professional at least 2/3 of the total) is not a minimum of the
    other category: an added public activity can make a complete year fall short of the share. So when the
    year after the addition has a share floor that the added activity's category does not serve (the share is
    of another category), only the counted hours are checked, not completeness. (An added activity that does
    not count is allowed to change nothing at all, which is checked too.)
    """
    parsed = parse_model(Record, record, DEFERRED)
    extra = parse_model(Activity, activity, DEFERRED)
    if any(a.id == extra.id for a in parsed.activities):
        extra = extra.model_copy(update={"id": f"{extra.id}+"})
    before = _decide(parsed, policy, as_of, registry)
    grown = parsed.model_copy(update={"activities": (*parsed.activities, extra)})
    after = _decide(grown, policy, as_of, registry)
    added = after.activities[-1]
    for category in ("public", "professional", "total"):
        if getattr(after.hours, category) < getattr(before.hours, category):
            raise _fail(f"adding {extra.id} lowered {category} hours", grown)
    shares_against = any(share.category != added.category for share in after.shares)
    if added.counted and before.compliant and not after.compliant and not shares_against:
        raise _fail(f"adding the counted activity {extra.id} turned a complete year incomplete", grown)
    if not added.counted and (after.hours, after.compliant) != (before.hours, before.compliant):
        raise _fail(f"adding {extra.id}, which does not count, changed the year", grown)


def check_order_does_not_matter(
    record: Record | dict[str, Any],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
) -> None:
    """The order in which activities are listed does not change the decision (only its listing order)."""
    parsed = parse_model(Record, record, DEFERRED)
    forward = _decide(parsed, policy, as_of, registry)
    backward = _decide(
        parsed.model_copy(update={"activities": tuple(reversed(parsed.activities))}), policy, as_of, registry
    )
    if _without_order(forward) != _without_order(backward):
        raise _fail("reversing the activities changed the decision", parsed)


def check_route_depends_only_on_way_registration_and_title(
    record: Record | dict[str, Any],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
) -> None:
    """An application's route depends only on its way, its registration and the title level (五).

    Checked by comparing each activity's route with its route when it is the person's only activity, and
    with the route of every other activity of the same kind and registration in the record.
    """
    parsed = parse_model(Record, record, DEFERRED)
    decision = _decide(parsed, policy, as_of, registry)
    seen: dict[tuple[str, str | None], tuple[Any, ...]] = {}
    for activity, outcome in zip(parsed.activities, decision.activities, strict=True):
        key = (activity.kind, outcome.registration)
        if key in seen and seen[key] != outcome.route:
            raise _fail(
                f"two {activity.kind} activities registered by {outcome.registration} take different routes", parsed
            )
        seen[key] = outcome.route
        alone = _decide(parsed.model_copy(update={"activities": (activity,)}), policy, as_of, registry)
        if alone.activities[0].registration == outcome.registration and alone.activities[0].route != outcome.route:
            raise _fail(f"activity {activity.id} takes another route when it is the only activity", parsed)


def check_json_round_trip(
    record: Record | dict[str, Any],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
) -> None:
    """A record sent as JSON and read back gives the same decision."""
    parsed = parse_model(Record, record, DEFERRED)
    again = json.loads(parsed.model_dump_json())
    if _decide(parsed, policy, as_of, registry) != evaluate(
        again, policy=policy, as_of=as_of, registry=registry, log=UNLOGGED
    ):
        raise _fail("the record read back from JSON gives another decision", parsed)


def check_deterministic(
    record: Record | dict[str, Any],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
) -> None:
    """Evaluating the same record twice gives the same decision, digest and trace."""
    parsed = parse_model(Record, record, DEFERRED)
    first = _decide(parsed, policy, as_of, registry)
    second = _decide(parsed, policy, as_of, registry)
    if first != second:
        raise _fail("two evaluations of the same record differ", parsed)


def check_sector_differs_only_where_it_overrides(
    record: Record | dict[str, Any],
    *,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
) -> None:
    """A sector's decision differs from the general one only where the sector layer has a say (六: 从其规定).

    The record's person is evaluated under the policy of their sector and under the general policy. Where
    an activity's outcome or the year's result differs, some rule of the sector's own layers, an exception,
    or a rule reading a parameter the sector overrides must have fired on it.
    """
    parsed = parse_model(Record, record, DEFERRED)
    reg = registry or default_registry()
    sector_policy = reg.resolve(parsed.person.region, parsed.year, parsed.person.sector)
    general_policy = reg.resolve(parsed.person.region, parsed.year, "general")
    if sector_policy.digest == general_policy.digest:
        return
    own_layers = {layer.id for layer in sector_policy.layers} - {layer.id for layer in general_policy.layers}
    overridden = {p.id for p in sector_policy.parameters.values() if p.layer in own_layers}
    accountable = {
        rule.id
        for rule in sector_policy.rules
        if rule.layer in own_layers or rule.exception_to is not None or rule.params & overridden
    }
    accountable |= {rule.exception_to for rule in sector_policy.rules if rule.exception_to and rule.layer in own_layers}
    sector = _decide(parsed, sector_policy, as_of, reg)
    general = _decide(parsed, general_policy, as_of, reg)

    def accounted(entries: Iterable[Any], activity: str | None) -> bool:
        return any(e.rule.split("#", 1)[0] in accountable and e.activity == activity for e in entries)

    for mine, theirs in zip(sector.activities, general.activities, strict=True):
        if mine.model_dump(exclude={"credits"}) != theirs.model_dump(exclude={"credits"}) and not accounted(
            (*sector.trace, *general.trace), mine.id
        ):
            raise _fail(f"activity {mine.id} is decided differently with no rule of the sector's to say so", parsed)
    year = ("compliant", "required", "shortfall", "consequences")
    if any(getattr(sector, f) != getattr(general, f) for f in year) and not (
        accounted((*sector.trace, *general.trace), None) or sector.hours != general.hours
    ):
        raise _fail("the year is decided differently with no rule of the sector's to say so", parsed)


def check_to_complete_completes(
    record: Record | dict[str, Any],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
) -> None:
    """An incomplete year's ``to_complete`` holds: its plan completes the year, and asks for no hour too many.

    A complete year has no ``to_complete``. An incomplete one needs its shortfalls (四: by the deadline,
    which no way passes): every way's days lie between ``as_of`` and the deadline, and after the deadline
    nothing is offered. When a plan is offered, the record with the plan's activities added, evaluated as
    of ``plan_as_of``, is complete; and with a hundredth of an hour less in the plan's first activity whose
    hours are as claimed, it is not (when no credits are needed, so that hours are the whole story, and when
    the plan is checked as of the decision's own ``as_of``: from a later day, activities of the record
    completed in between count too).
    """
    parsed = parse_model(Record, record, DEFERRED)
    decision = _decide(parsed, policy, as_of, registry)
    needs = decision.to_complete
    if decision.compliant or needs is None:
        if (needs is None) != decision.compliant:
            raise _fail("to_complete is given for a complete year, or missing for an incomplete one", parsed)
        return
    short = decision.shortfall
    if (needs.hours.public, needs.hours.professional) != (short.public, short.professional):
        raise _fail("to_complete asks for other hours than the shortfall", parsed)
    for way in needs.ways:
        if not (decision.as_of <= way.start <= way.by and (needs.deadline is None or way.by <= needs.deadline)):
            raise _fail(f"way {way.kind} is offered outside [as_of, deadline]", parsed)
    if needs.deadline is not None and decision.as_of > needs.deadline and (needs.ways or needs.plan):
        raise _fail("ways are offered after the deadline (不予补学)", parsed)
    if not needs.plan:
        return
    completed = parsed.model_copy(update={"activities": (*parsed.activities, *needs.plan)})
    if not _decide(completed, policy, needs.plan_as_of, registry).compliant:
        raise _fail("the plan of to_complete, applied, does not complete the year", parsed)
    claimable = {w.kind for w in needs.ways if w.hours_per_activity is None and not w.earns_credits}
    first = next((a for a in needs.plan if a.kind in claimable and a.hours >= Decimal("0.01")), None)
    if first is None or needs.credits or needs.plan_as_of != decision.as_of:
        return
    less = tuple(a.model_copy(update={"hours": a.hours - Decimal("0.01")}) if a is first else a for a in needs.plan)
    shorter = parsed.model_copy(update={"activities": (*parsed.activities, *less)})
    if _decide(shorter, policy, needs.plan_as_of, registry).compliant:
        raise _fail("the plan of to_complete asks for more hours than the year needs", parsed)


Check = Callable[..., None]

ALL_CHECKS: tuple[Check, ...] = (
    check_totals_equal_counted_activities,
    check_order_does_not_matter,
    check_route_depends_only_on_way_registration_and_title,
    check_json_round_trip,
    check_deterministic,
    check_to_complete_completes,
)
"""The checks that take only a record (and the evaluation keywords)."""


def check_all(
    record: Record | dict[str, Any],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
) -> None:
    """Run every check of `ALL_CHECKS` on the record."""
    for check in ALL_CHECKS:
        check(record, policy=policy, as_of=as_of, registry=registry)
