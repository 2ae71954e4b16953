"""The peer harness's adapter for ce_policy's population path (``CE_POLICY_PEER_ADAPTER=bench/peer_adapter.py``).

Same interface and glue as ``../shared/bench/peers/impl_ce_policy.py`` (read its docstring: the peers' record to
ce_policy's, base_course → training, advanced_seminar organised nationally, no ``as_of``), but the batch goes
through `ce_policy.decide.bulk.evaluate_population` and its columns, not `evaluate_many` and a `Decision` per
record. One record still goes through `ce_policy.evaluate` (``CE_POLICY_TO_COMPLETE=0`` passes
``to_complete=False``). Both the glue in and the glue out are timed with every call, as for every peer.

Run from the project's root::

    PY=/root/.cache/ce-policy-peers-venv/bin/python
    CE_POLICY_PEER_ADAPTER=bench/peer_adapter.py "$PY" ../shared/bench/peers/run.py --workload courses
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import ce_policy
from ce_policy.decide.bulk_table import evaluate_table
from ce_policy.model.record_table import MISSING, RecordTable

NAME = "ce_policy"
LABEL = f"(g) ce_policy {ce_policy.__version__} (Aksu 2025, durable-rules; population path)"

TO_COMPLETE = os.environ.get("CE_POLICY_TO_COMPLETE", "1") != "0"
CHUNK = 2000

_KIND = {"public_course": "public_course", "base_course": "training", "advanced_seminar": "advanced_seminar"}
_HUNDRED = Decimal(100)


def to_ce(record: dict[str, Any]) -> dict[str, Any]:
    """The peers' record as a ce_policy record (plain JSON data, validated by ce_policy)."""
    person = record["person"]
    activities = []
    for a in record["activities"]:
        kind = _KIND.get(a["kind"])
        if kind is None:
            raise ValueError(f"kind {a['kind']!r} is not compared with ce_policy: run with --workload courses")
        ce = {
            "id": a["id"],
            "kind": kind,
            "hours": a["hours"],
            "on_platform": a["on_platform"],
            "passed": a["passed"],
            "completed_on": a["completed_on"],
        }
        if kind == "advanced_seminar":
            ce["organiser_level"] = "national"
        activities.append(ce)
    return {
        "person": {"id": person["id"], "title_level": person["level"]},
        "year": record["year"],
        "activities": activities,
    }


def from_decision(d: Any) -> dict[str, Any]:
    """A ce_policy `Decision` in the peers' output format."""
    h, s = d.hours, d.shortfall
    return {
        "compliant": d.compliant,
        "public": h.public,
        "professional": h.professional,
        "total": h.total,
        "shortfall": {"public": s.public, "professional": s.professional, "total": s.total},
        "routes": {
            a.id: "auto"
            if a.registration == "automatic"
            else [step.actor for step in a.route if step.actor != "individual"]
            for a in d.activities
            if a.counted
        },
        "consequences": list(d.consequences),
    }


def from_columns(columns: Any) -> list[dict[str, Any]]:
    """Each row of one chunk's `PopulationColumns` in the peers' output format."""
    rows = []
    totals, short = columns.hours, columns.shortfall
    public, professional, total = totals["public"].tolist(), totals["professional"].tolist(), totals["total"].tolist()
    s_public, s_professional, s_total = (
        short["public"].tolist(),
        short["professional"].tolist(),
        short["total"].tolist(),
    )
    routes: list[dict[str, Any]] = [{} for _ in range(len(columns))]
    counted = columns.activity_counted.tolist()
    for i, row in enumerate(columns.activity_row.tolist()):
        if counted[i]:
            registration = columns.activity_registration[i]
            route = columns.activity_route[i]
            routes[row][columns.activity_id[i]] = (
                "auto" if registration == "automatic" else [actor for actor, _ in route if actor != "individual"]
            )
    decimals: dict[int, Decimal] = {}

    def hours(centi: int) -> Decimal:
        found = decimals.get(centi)
        if found is None:
            found = decimals[centi] = Decimal(centi) / _HUNDRED
        return found

    for r, compliant in enumerate(columns.compliant.tolist()):
        error = columns.error[r]
        if error is not None:
            raise RuntimeError(f"ce_policy population path, record {columns.index[r]}: {error.message}")
        rows.append(
            {
                "compliant": compliant,
                "public": hours(public[r]),
                "professional": hours(professional[r]),
                "total": hours(total[r]),
                "shortfall": {
                    "public": hours(s_public[r]),
                    "professional": hours(s_professional[r]),
                    "total": hours(s_total[r]),
                },
                "routes": routes[r],
                "consequences": list(columns.consequences[r]),
            }
        )
    return rows


def to_table(records: list[dict[str, Any]]) -> RecordTable:
    """The peers' records as ce_policy's `RecordTable` (columns; the same mapping as `to_ce`)."""
    people = [r["person"] for r in records]
    activities = [a for r in records for a in r["activities"]]
    owner = [row for row, r in enumerate(records) for _ in r["activities"]]
    kinds = []
    for a in activities:
        kind = _KIND.get(a["kind"])
        if kind is None:
            raise ValueError(f"kind {a['kind']!r} is not compared with ce_policy: run with --workload courses")
        kinds.append(kind)
    return RecordTable(
        people={"id": [p["id"] for p in people], "title_level": [p["level"] for p in people]},
        year=[r["year"] for r in records],
        activities={
            "id": [a["id"] for a in activities],
            "kind": kinds,
            "hours": [a["hours"] for a in activities],
            "on_platform": [a["on_platform"] for a in activities],
            "passed": [a["passed"] for a in activities],
            "completed_on": [a["completed_on"] for a in activities],
            "organiser_level": ["national" if k == "advanced_seminar" else MISSING for k in kinds],
        },
        owner=owner,
    )


class Evaluator:
    """What the harness calls: one record, or a batch through the population path."""

    NATIVE_BATCH = True

    def __init__(self) -> None:
        """Compile and load the policy's rulesets, so that this counts as load, not as the first call."""
        ce_policy.evaluate(
            {"person": {"id": "warm", "title_level": "junior"}, "year": 2025, "activities": []}, to_complete=False
        )

    def evaluate(self, record: dict[str, Any]) -> dict[str, Any]:
        """One record, through `ce_policy.evaluate`."""
        return from_decision(ce_policy.evaluate(to_ce(record), to_complete=TO_COMPLETE))

    def evaluate_batch(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A batch, through the population path, chunk by chunk, read from its columns."""
        out: list[dict[str, Any]] = []
        for start in range(0, len(records), CHUNK):
            for columns in evaluate_table(to_table(records[start : start + CHUNK]), chunk_size=CHUNK):
                out += from_columns(columns)
        return out


def load() -> Evaluator:
    """The evaluator, loaded."""
    return Evaluator()
