"""The `Decision` an evaluation comes to, built from what ce_policy computed, without validating it again.

Every value is made here, or by the stages, as the decision's models hold it (plain decimals from
`plain_hours`, tuples, bools, frozen models shared between decisions), so the models are built directly
(`_made`: what pydantic's ``model_construct`` does, without its per-field Python loop) and nothing ce_policy
itself computed is checked again. Building the fifty-odd instances of a decision on 20 activities costs
about a microsecond each either way: what this saves is the checking, not the building.
tests/test_fast_paths.py holds the decisions built here equal to the same data validated by pydantic, with
the same fields set, repr and JSON.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from ce_policy.decide.engines import policy_info
from ce_policy.engine.compiler import ShareFloor
from ce_policy.model.decision import (
    ActivityOutcome,
    CreditTotals,
    CycleProgress,
    Decision,
    HourTotals,
    Projection,
    ShareResult,
    TraceEntry,
)
from ce_policy.model.hours import from_centi, plain_hours, to_centi
from ce_policy.policy.vocabulary import CATEGORIES

if TYPE_CHECKING:
    from ce_policy.decide.stages import StageRunner

__all__ = ["Reused", "build_decision", "centi"]

_ZERO = Decimal(0)
M = TypeVar("M", bound=BaseModel)


class Reused:
    """The activity outcomes and trace of the last decision made from one kept year outcome (``year._YearOutcome``).

    A record decided again in the same circumstances (the year memo's hit) with the same activity ids comes to
    the same frozen models: they are shared rather than made again. Kept only once a year outcome is recalled,
    one set per kept outcome, so memory stays bounded by the year memo.
    """

    __slots__ = ("last",)

    def __init__(self) -> None:
        """Nothing kept yet."""
        # One tuple, set in one assignment: a thread reading it sees one decision's ids and models, never a mix.
        self.last: tuple[tuple[str, ...], tuple[ActivityOutcome, ...], tuple[TraceEntry, ...]] | None = None


def build_decision(
    ev: StageRunner,
    actual: dict[str, Decimal],
    projected: dict[str, Decimal],
    complete: bool,
    cycle_fact: dict[str, Any] | None,
    reused: Reused | None = None,
) -> Decision:
    """The decision ``ev`` came to, its models built directly (`_made`): decisions are made by the thousand.

    ``reused``: the models of the last decision made from the same kept year outcome (`Reused`), shared when the
    activities' ids are the same, else made and kept there.
    """
    ids = tuple(activity.id for activity in ev.record.activities)
    last = reused.last if reused is not None else None
    if last is not None and last[0] == ids:
        _, outcomes, trace = last
    else:
        outcomes = tuple(
            _made(ActivityOutcome, {"id": activity_id, **result.reported})
            for activity_id, result in zip(ids, ev.activities, strict=True)
        )
        trace = _trace(ev)
        if reused is not None:
            reused.last = (ids, outcomes, trace)
    required = ev.required["actual"]
    short = ev.short["actual"]
    shortfall = {c: plain_hours(short[c] - actual[c]) if c in short else _ZERO for c in (*CATEGORIES, "total")}
    credits: CreditTotals | None = None
    if "credits" in required or any(state.standard_credits is not None for state in ev.activities):
        floor = short.get("credits")
        credits = _made(
            CreditTotals,
            {
                "counted": plain_hours(actual["credits"]),
                "required": plain_hours(required.get("credits", _ZERO)),
                "shortfall": plain_hours(floor - actual["credits"]) if floor is not None else _ZERO,
            },
        )
    cycle: CycleProgress | None = None
    if cycle_fact is not None:
        floor = ev.short["cycle"].get("cycle")
        hours = from_centi(cycle_fact["cycle"])
        cycle = _made(
            CycleProgress,
            {
                "first_year": int(cycle_fact["first_year"]),
                "last_year": int(cycle_fact["last_year"]),
                "hours": hours,
                "required": plain_hours(ev.required["cycle"].get("cycle", _ZERO)),
                "remaining": plain_hours(floor - hours) if floor is not None else _ZERO,
                "final_year": bool(cycle_fact["final_year"]),
                "years_shown": tuple(sorted(y for y in ev.prior if cycle_fact["first_year"] <= y < ev.record.year)),
            },
        )
    shares = _share_results(ev, actual)
    for share in shares:
        if share.unit == "hours" and not share.met:  # an hours share that is short is a shortfall too
            shortfall[share.category] = max(shortfall[share.category], share.shortfall)
    return _with_defaults(
        Decision,
        {
            "person": ev.record.person.id,
            "year": ev.record.year,
            "as_of": ev.as_of,
            "compliant": bool(complete),
            "hours": _hour_totals(actual),
            "required": _made(HourTotals, {c: plain_hours(required.get(c, _ZERO)) for c in (*CATEGORIES, "total")}),
            "shortfall": _made(HourTotals, shortfall),
            "projected": _with_defaults(
                Projection,
                {
                    "hours": _hour_totals(projected),
                    "compliant": not ev.short["projected"] and not ev.shares_short["projected"],
                    "credits": plain_hours(projected["credits"]) if credits is not None else None,
                },
            ),
            "credits": credits,
            "cycle": cycle,
            "shares": tuple(shares),
            "activities": outcomes,
            "consequences": tuple(ev.consequences),
            "policy": policy_info(ev.policy, ev.record.person),
            "trace": trace,
            "provisional": tuple(sorted(ev.provisional)),
        },
    )


def _made(model: type[M], fields: dict[str, Any]) -> M:
    """An instance of ``model`` holding ``fields`` (every field, in the model's order), unvalidated.

    What pydantic's ``model_construct`` does, without its loop over the model's fields in Python.
    """
    made = model.__new__(model)
    _set_dict(made, fields)
    _set_fields_set(made, set(fields))
    _set_extra(made, None)
    _set_private(made, None)
    return made


def _with_defaults(model: type[M], fields: dict[str, Any]) -> M:
    """As `_made`, the fields left out taking their defaults and staying unset, as when validated."""
    values = {}
    for name, required, default in _DEFAULTS[model]:
        if name in fields:
            values[name] = fields[name]
        elif required:
            raise TypeError(f"{model.__name__}.{name} is required")  # a bug of build_decision, not of the record
        else:
            values[name] = default
    made = _made(model, values)
    _set_fields_set(made, set(fields))
    return made


# The slots every pydantic model instance holds (what ``model_construct`` sets).
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_DEFAULTS: dict[type[BaseModel], tuple[tuple[str, bool, Any], ...]] = {
    model: tuple((name, field.is_required(), field.default) for name, field in model.model_fields.items())
    for model in (Decision, Projection)
}
"""Each field of the models `build_decision` leaves fields out of, with its default (``None``, ``()``)."""


def _share_results(ev: StageRunner, totals: dict[str, Decimal]) -> list[ShareResult]:
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
            _made(
                ShareResult,
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
                },
            )
        )
    return results


def _cents_up(value: Fraction) -> Decimal:
    """``value`` rounded up to hundredths, exactly."""
    cents = -((-value * 100) // 1)
    return plain_hours(Decimal(int(cents)) / 100)


def _trace(ev: StageRunner) -> tuple[TraceEntry, ...]:
    """Every rule that acted, stage by stage in the engine's order: rule priority, then the facts' positions."""
    actions = ev.actions
    activities = ev.record.activities
    entries: list[TraceEntry] = []
    for _, _, _, name, index in sorted(ev.traced):
        rule = actions[name].rule
        assert rule is not None  # noqa: S101 - only rules act
        if index < 0:
            entries.append(_entry(name, rule.cite))
        else:
            entries.append(_made(TraceEntry, {"rule": name, "cite": rule.cite, "activity": activities[index].id}))
    return tuple(entries)


@functools.lru_cache(maxsize=4096)
def _entry(rule: str, cite: str) -> TraceEntry:
    # Frozen, so the entry of a rule that fired on no activity (the person, the year) is shared by every decision.
    return TraceEntry(rule=rule, cite=cite, activity=None)


def centi(totals: dict[str, Decimal]) -> dict[str, int]:
    """Totals as the engine sees them: whole hundredths."""
    return {name: to_centi(value) for name, value in totals.items()}


def _hour_totals(totals: dict[str, Decimal]) -> HourTotals:
    return _made(
        HourTotals,
        {
            "public": plain_hours(totals["public"]),
            "professional": plain_hours(totals["professional"]),
            "total": plain_hours(totals["total"]),
        },
    )
