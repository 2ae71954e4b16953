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
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np

import ce_policy
from ce_policy.decide.bulk_table import evaluate_table
from ce_policy.model.record_table import MISSING, RecordTable

NAME = "ce_policy"
LABEL = f"(g) ce_policy {ce_policy.__version__} (Aksu 2025, durable-rules; population path)"

TO_COMPLETE = os.environ.get("CE_POLICY_TO_COMPLETE", "1") != "0"
CHUNK = 2000

_KIND = {"public_course": "public_course", "base_course": "training", "advanced_seminar": "advanced_seminar"}


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
    """Each row of one chunk's `PopulationColumns` in the peers' output format.

    Hours are the columns' whole hundredths divided by 100 as floats: exact for the workload's quarter hours,
    and compared by the harness as floats, as every peer's are.
    """
    for r, error in enumerate(columns.error):
        if error is not None:
            raise RuntimeError(f"ce_policy population path, record {columns.index[r]}: {error.message}")
    totals, short = columns.hours, columns.shortfall
    public, professional, total = (
        (totals["public"] / 100).tolist(),
        (totals["professional"] / 100).tolist(),
        (totals["total"] / 100).tolist(),
    )
    s_public, s_professional, s_total = (
        (short["public"] / 100).tolist(),
        (short["professional"] / 100).tolist(),
        (short["total"] / 100).tolist(),
    )
    routes: list[dict[str, Any]] = [{} for _ in range(len(columns))]
    chosen = np.flatnonzero(columns.activity_counted)
    counted, owners = chosen.tolist(), columns.activity_row[chosen].tolist()
    ids, registrations, steps = columns.activity_id, columns.activity_registration, columns.activity_route
    for i, row in zip(counted, owners, strict=True):
        routes[row][ids[i]] = (
            "auto" if registrations[i] == "automatic" else [actor for actor, _ in steps[i] if actor != "individual"]
        )
    return [
        {
            "compliant": compliant,
            "public": public[r],
            "professional": professional[r],
            "total": total[r],
            "shortfall": {"public": s_public[r], "professional": s_professional[r], "total": s_total[r]},
            "routes": routes[r],
            "consequences": consequences,  # a tuple: the harness compares lists and tuples alike
        }
        for r, (compliant, consequences) in enumerate(
            zip(columns.compliant.tolist(), columns.consequences, strict=True)
        )
    ]


_ORGANISER = {"public_course": MISSING, "training": MISSING, "advanced_seminar": "national"}


def to_table(records: list[dict[str, Any]]) -> RecordTable:
    """The peers' records as ce_policy's `RecordTable` (columns; the same mapping as `to_ce`)."""
    people = list(map(itemgetter("person"), records))
    given = list(map(itemgetter("activities"), records))
    activities = list(chain.from_iterable(given))
    kinds: list[Any] = list(map(_KIND.get, map(itemgetter("kind"), activities)))
    if None in kinds:
        kind = activities[kinds.index(None)]["kind"]
        raise ValueError(f"kind {kind!r} is not compared with ce_policy: run with --workload courses")
    return RecordTable(
        people={"id": list(map(itemgetter("id"), people)), "title_level": list(map(itemgetter("level"), people))},
        year=list(map(itemgetter("year"), records)),
        activities={
            "id": list(map(itemgetter("id"), activities)),
            "kind": kinds,
            "hours": list(map(itemgetter("hours"), activities)),
            "on_platform": list(map(itemgetter("on_platform"), activities)),
            "passed": list(map(itemgetter("passed"), activities)),
            "completed_on": list(map(itemgetter("completed_on"), activities)),
            "organiser_level": list(map(_ORGANISER.__getitem__, kinds)),
        },
        owner=np.repeat(np.arange(len(records), dtype=np.int64), list(map(len, given))),
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
