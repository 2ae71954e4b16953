"""For a policy diff: how two decisions on the same record differ, field by field, and the kinds of change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ce_policy.analysis.diff_model import DecisionSummary, FieldChange
from ce_policy.model.decision import Decision

__all__ = ["decision_changes", "field_changes", "summary"]

_FLOORS = ("required.", "shortfall.", "credits.required", "credits.shortfall", "cycle.required", "cycle.remaining")
_MET = ("shortfall.", "credits.shortfall", "cycle.remaining")
_ROUTE_FIELDS = ("registration", "route")
_OUTCOME = {
    "compliant",
    "hours",
    "required",
    "shortfall",
    "projected",
    "credits",
    "cycle",
    "activities",
    "consequences",
    "policy",
}
"""The fields of a decision compared; the person, year and date are the same on both sides, and the trace,
provisional values and any advice derived from the outcome are not outcomes."""


def _outcome(decision: Decision) -> dict[str, Any]:
    data = decision.model_dump(mode="json", include=_OUTCOME)
    data["policy"] = {k: data["policy"][k] for k in ("id", "sector", "fallback")}
    data["activities"] = {f"[{a.pop('id')}]": a for a in data["activities"]}
    return data


def _field_changes(old: Any, new: Any, path: str, out: list[FieldChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            _field_changes(old.get(key), new.get(key), f"{path}{key}" if key.startswith("[") else f"{path}.{key}", out)
    elif old != new:
        out.append(FieldChange(path=path.lstrip("."), old=old, new=new))


def _kinds(changes: list[FieldChange], new: Decision) -> set[str]:
    kinds: set[str] = set()
    for change in changes:
        path = change.path
        if path.startswith(_MET) and (Decimal(str(change.old or 0)) > 0) != (Decimal(str(change.new or 0)) > 0):
            kinds.add("floors_met_changed")
        if path == "compliant":
            kinds.add("became_complete" if new.compliant else "became_incomplete")
        elif path.startswith("activities["):
            kinds.add("route_changed" if path.rsplit(".", 1)[-1] in _ROUTE_FIELDS else "activities_changed")
        elif path.startswith(_FLOORS):
            continue
        elif path.startswith(("hours.", "projected.hours.")):
            kinds.add("hours_changed")
        elif path == "projected.compliant":
            kinds.add("projection_changed")
        elif path in ("credits", "credits.counted", "projected.credits"):
            kinds.add("credits_changed")
        elif path.startswith("cycle"):
            kinds.add("cycle_changed")
        elif path == "consequences":
            kinds.add("consequences_changed")
        elif path.startswith("policy."):
            kinds.add("policy_changed")
    return kinds


def summary(side: Decision | str) -> DecisionSummary:
    """One side's decision in brief, or the reason it could not decide (a message)."""
    if isinstance(side, str):
        return DecisionSummary(error=side)
    data = side.model_dump(mode="json", include={"hours", "shortfall"})
    return DecisionSummary(
        policy=side.policy.id,
        compliant=side.compliant,
        hours=data["hours"],
        shortfall=data["shortfall"],
        consequences=side.consequences,
    )


def decision_changes(old: Decision, new: Decision) -> tuple[list[FieldChange], set[str]]:
    """The fields of the outcome that differ (the floors included), and the kinds of change they make."""
    changes: list[FieldChange] = []
    _field_changes(_outcome(old), _outcome(new), "", changes)
    return changes, _kinds(changes, new)


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """The paths whose values differ between two outcomes as JSON data (objects compared key by key).

    Keys written ``[id]`` (activities keyed by their ids) join their parent's path without a dot.
    """
    changes: list[FieldChange] = []
    _field_changes(old, new, "", changes)
    return changes
