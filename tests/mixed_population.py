"""A seeded, mixed population of evaluation calls, and a byte-exact outcome of each, for the reliability checks.

The calls mix the shipped policies (the general layer, and the health, education and accounting sector layers,
picked by the person's sector), every title level, activities of every kind (each with the fields its kind needs),
pending and rejected applications, activities off the platform or after the year, ``as_of`` dates inside
the year, earlier cycle years for teachers, both ``cache`` paths, ``to_complete`` on and off, and a share of
invalid records. `outcome` renders what a call gave (the decision's JSON, or the error's class and codes)
as text, so that two runs, threads or processes can be compared byte for byte.

Used by ``tests/test_reliability_*.py`` and by ``bench/reliability.py`` and ``bench/long_run.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from typing import Any

import ce_policy
from ce_policy.decide import engines
from ce_policy.model.record import ACTIVITY_KINDS, WAY_FIELDS

YEAR = 2025
SECTORS = ("general", "health", "education", "accounting")
_LEVELS = ("national", "region", "prefecture", "county", "unit")
_WAY_VALUES: dict[str, tuple[Any, ...]] = {
    "organiser_level": _LEVELS,
    "role": ("lecturer", "attendee"),
    "degree_level": ("associate", "bachelor", "master", "doctor", "party_school_bachelor"),
    "patent_type": ("invention", "utility_model", "design"),
    "publication_type": ("paper", "book", "translation"),
    "journal": ("cn", "sector_recognised", "other"),
    "approval": ("approved", "approved", "pending", "rejected"),
    "project_level": ("national", "region"),
    "credits": (0.5, 1, 2, 5, 10, 25),
}
_HOURS = (0.5, 1, 2, 3.5, 4, 6, 8, 10, 12, 16, 24, 30, 40, 60, 72)


@dataclass(frozen=True)
class Call:
    """One ``evaluate`` call: the record (plain JSON data) and the keyword arguments."""

    record: dict[str, Any]
    as_of: dt.date | None
    prior: tuple[dict[str, Any], ...]
    cache: bool
    to_complete: bool


def _activity(rng: random.Random, index: int) -> dict[str, Any]:
    kind = rng.choice(("public_course", "public_course", "training", "training", "training", *ACTIVITY_KINDS))
    day = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))
    if rng.random() < 0.03:
        day = rng.choice((dt.date(YEAR - 1, 12, 31), dt.date(YEAR + 1, 1, 2)))
    item: dict[str, Any] = {
        "id": f"a{index}",
        "kind": kind,
        "hours": rng.choice(_HOURS),
        "on_platform": rng.random() > 0.05,
        "passed": rng.random() > 0.03,
        "completed_on": day.isoformat(),
    }
    for name, required in WAY_FIELDS[kind].items():
        if not (required or rng.random() < 0.5):
            continue
        if name == "granted_on":
            item[name] = (day + dt.timedelta(days=rng.randrange(200))).isoformat()
        else:
            item[name] = rng.choice(_WAY_VALUES[name])
    return item


def _break(rng: random.Random, record: dict[str, Any]) -> dict[str, Any]:
    """The record broken in one of a few ways (each refused with a `RecordError`)."""
    way = rng.randrange(5)
    if way == 0:
        record["year"] = str(record["year"])
    elif way == 1:
        record["person"]["title_level"] = "chief"
    elif way == 2:
        record["activities"].append({"id": "bad", "kind": "training", "hours": -1})
    elif way == 3:
        record["activites"] = []
    else:
        record["activities"] = [dict(record["activities"][0], hours=1.005)] if record["activities"] else "none"
    return record


def calls(size: int, seed: int, *, invalid: float = 0.05) -> list[Call]:
    """``size`` seeded calls; about ``invalid`` of them have an invalid record."""
    rng = random.Random(seed)
    out = []
    for index in range(size):
        sector = SECTORS[index % len(SECTORS)]
        person: dict[str, Any] = {
            "id": f"p{seed}-{index}",
            "title_level": rng.choice(("junior", "intermediate", "senior")),
            "sector": sector,
        }
        if rng.random() < 0.5:
            person["region"] = rng.choice(("xj.aksu", "xj.aksu.kuqa"))
        record: dict[str, Any] = {
            "person": person,
            "year": YEAR,
            "activities": [_activity(rng, i) for i in range(rng.choice((0, 1, 2, 3, 5, 8, 12, 20)))],
        }
        if rng.random() < invalid:
            record = _break(rng, record)
        as_of = dt.date(YEAR, rng.randint(6, 12), rng.randint(1, 28)) if rng.random() < 0.15 else None
        prior: tuple[dict[str, Any], ...] = ()
        if sector == "education" and rng.random() < 0.5:
            prior = tuple({"year": year, "hours": rng.choice((40, 72, 90))} for year in range(2024, YEAR))
        out.append(Call(record, as_of, prior, cache=rng.random() < 0.5, to_complete=rng.random() < 0.5))
    return out


def outcome(call: Call) -> str:
    """What ``evaluate`` gave for ``call``, as text: the decision's JSON, or the error's class and codes."""
    try:
        decision = ce_policy.evaluate(
            call.record, as_of=call.as_of, prior=call.prior, cache=call.cache, to_complete=call.to_complete
        )
    except ce_policy.RecordError as error:
        return json.dumps({"error": "RecordError", "codes": error.codes})
    except ce_policy.PolicyNotFoundError as error:
        return json.dumps({"error": "PolicyNotFoundError", "message": str(error)})
    return decision.model_dump_json()


def outcomes(size: int, seed: int) -> list[str]:
    """The outcomes of ``calls(size, seed)``, in order (the function run in worker processes)."""
    return [outcome(call) for call in calls(size, seed)]


def live_sessions() -> int:
    """Sessions open on any engine of this process (0 between evaluations)."""
    with engines._engines_lock:
        kept = list(engines._engines.values())
    return sum(engine.live_sessions for engine in kept)
