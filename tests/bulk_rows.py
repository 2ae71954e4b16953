"""What a row of the population path's columns must say of a record: its `Decision`, as `PopulationColumns.row`."""

from __future__ import annotations

from typing import Any

from ce_policy.model.decision import Decision

_SUMS = ("public", "professional", "total")


def expected_row(decision: Decision) -> dict[str, Any]:
    """`PopulationColumns.row` of a record whose `Decision` is ``decision``."""
    return {
        "person": decision.person,
        "year": decision.year,
        "as_of": decision.as_of,
        "compliant": decision.compliant,
        "hours": {c: getattr(decision.hours, c) for c in _SUMS},
        "required": {c: getattr(decision.required, c) for c in _SUMS},
        "shortfall": {c: getattr(decision.shortfall, c) for c in _SUMS},
        "projected_compliant": decision.projected.compliant,
        "consequences": tuple(decision.consequences),
        "activities": [
            {
                "id": a.id,
                "counted": a.counted,
                "category": a.category,
                "hours": a.hours,
                "registration": a.registration,
                "route": tuple((step.actor, step.action) for step in a.route),
                "reasons": tuple(a.reasons),
            }
            for a in decision.activities
        ],
    }
