"""The `Decision` an evaluation comes to, built as plain data and checked by pydantic in one call."""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ce_policy.decide.engines import policy_info
from ce_policy.engine.compiler import ShareFloor
from ce_policy.model.decision import Decision, TraceEntry
from ce_policy.model.hours import from_centi, plain_hours, to_centi
from ce_policy.policy.vocabulary import CATEGORIES

if TYPE_CHECKING:
    from ce_policy.decide.stages import StageRunner

__all__ = ["build_decision", "centi"]

_ZERO = Decimal(0)


def build_decision(
    ev: StageRunner,
    actual: dict[str, Decimal],
    projected: dict[str, Decimal],
    complete: bool,
    cycle_fact: dict[str, Any] | None,
) -> Decision:
    """The decision ``ev`` came to, checked by pydantic in one call (plain data: decisions are made by the thousand)."""
    outcomes = [
        {"id": activity.id, **result.reported}
        for activity, result in zip(ev.record.activities, ev.activities, strict=True)
    ]
    required = ev.required["actual"]
    short = ev.short["actual"]
    shortfall = {c: plain_hours(short[c] - actual[c]) if c in short else _ZERO for c in (*CATEGORIES, "total")}
    credits = None
    if "credits" in required or any(state.standard_credits is not None for state in ev.activities):
        floor = short.get("credits")
        credits = {
            "counted": plain_hours(actual["credits"]),
            "required": plain_hours(required.get("credits", _ZERO)),
            "shortfall": plain_hours(floor - actual["credits"]) if floor is not None else _ZERO,
        }
    cycle = None
    if cycle_fact is not None:
        floor = ev.short["cycle"].get("cycle")
        hours = from_centi(cycle_fact["cycle"])
        cycle = {
            "first_year": cycle_fact["first_year"],
            "last_year": cycle_fact["last_year"],
            "hours": hours,
            "required": plain_hours(ev.required["cycle"].get("cycle", _ZERO)),
            "remaining": plain_hours(floor - hours) if floor is not None else _ZERO,
            "final_year": cycle_fact["final_year"],
            "years_shown": tuple(sorted(y for y in ev.prior if cycle_fact["first_year"] <= y < ev.record.year)),
        }
    shares = _share_results(ev, actual)
    for share in shares:
        if share["unit"] == "hours" and not share["met"]:  # an hours share that is short is a shortfall too
            shortfall[share["category"]] = max(shortfall[share["category"]], share["shortfall"])
    return Decision.model_validate(
        {
            "person": ev.record.person.id,
            "year": ev.record.year,
            "as_of": ev.as_of,
            "compliant": complete,
            "hours": _hour_totals(actual),
            "required": {c: plain_hours(required.get(c, _ZERO)) for c in (*CATEGORIES, "total")},
            "shortfall": shortfall,
            "credits": credits,
            "cycle": cycle,
            "shares": shares,
            "projected": {
                "hours": _hour_totals(projected),
                "compliant": not ev.short["projected"] and not ev.shares_short["projected"],
                "credits": plain_hours(projected["credits"]) if credits is not None else None,
            },
            "activities": outcomes,
            "consequences": tuple(ev.consequences),
            "policy": policy_info(ev.policy, ev.record.person),
            "trace": _trace(ev),
            "provisional": tuple(sorted(ev.provisional)),
        }
    )


def _share_results(ev: StageRunner, totals: dict[str, Decimal]) -> list[dict[str, Any]]:
    """The share floors of the year, the highest share of each category and unit, met as the engine decided."""
    highest: dict[tuple[str, str, str], ShareFloor] = {}
    for floor in ev.shares_required["actual"]:
        key = (floor.unit, floor.category, floor.of)
        if key not in highest or floor.share > highest[key].share:
            highest[key] = floor
    results = []
    for key in sorted(highest):
        floor = highest[key]
        credits = floor.unit == "credits"
        part = Fraction(totals[f"{floor.category}_credits" if credits else floor.category])
        whole = Fraction(totals["credits" if credits else floor.of])
        short = any(s.unit == floor.unit and s.category == floor.category for s in ev.shares_short["actual"])
        # Adding x to the category adds x to the total: part + x >= share × (whole + x).
        missing = (floor.share * whole - part) / (1 - floor.share) if short else Fraction(0)
        results.append(
            {
                "category": floor.category,
                "of": floor.of,
                "unit": floor.unit,
                "share": f"{floor.share.numerator}/{floor.share.denominator}",
                "counted": plain_hours(Decimal(part.numerator) / part.denominator),
                "of_counted": plain_hours(Decimal(whole.numerator) / whole.denominator),
                "required": _cents_up(floor.share * whole),
                "shortfall": _cents_up(max(missing, Fraction(0))),
                "met": not short,
            }
        )
    return results


def _cents_up(value: Fraction) -> Decimal:
    """``value`` rounded up to hundredths, exactly."""
    cents = -((-value * 100) // 1)
    return plain_hours(Decimal(int(cents)) / 100)


def _trace(ev: StageRunner) -> list[TraceEntry | dict[str, Any]]:
    """Every rule that acted, stage by stage in the engine's order: rule priority, then the facts' positions."""
    actions = ev.actions
    activities = ev.record.activities
    entries: list[TraceEntry | dict[str, Any]] = []
    for _, _, _, name, index in sorted(ev.traced):
        rule = actions[name].rule
        assert rule is not None  # noqa: S101 - only rules act
        if index < 0:
            entries.append(_entry(name, rule.cite))
        else:
            entries.append({"rule": name, "cite": rule.cite, "activity": activities[index].id})
    return entries


@functools.lru_cache(maxsize=4096)
def _entry(rule: str, cite: str) -> TraceEntry:
    # Frozen, so the entry of a rule that fired on no activity (the person, the year) is shared by every decision.
    return TraceEntry(rule=rule, cite=cite, activity=None)


def centi(totals: dict[str, Decimal]) -> dict[str, int]:
    """Totals as the engine sees them: whole hundredths."""
    return {name: to_centi(value) for name, value in totals.items()}


def _hour_totals(totals: dict[str, Decimal]) -> dict[str, Decimal]:
    return {
        "public": plain_hours(totals["public"]),
        "professional": plain_hours(totals["professional"]),
        "total": plain_hours(totals["total"]),
    }
