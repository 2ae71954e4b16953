"""A small seeded population for the batch command's tests and docs: labels, sectors and a few broken records."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

COUNTIES = ("阿克苏市", "库车市", "温宿县", "沙雅县", "新和县")
EMPLOYERS = ("第一人民医院", "实验中学", "水利局", "农科院", '<b>Tom & "Jerry"</b>')
HOSTILE = "<script>alert('x')</script>"


def _day(rng: random.Random, year: int = 2025) -> str:
    return (dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))).isoformat()


def make_record(rng: random.Random, index: int) -> dict[str, Any]:
    """One person's 2025: a sector, labels, public courses and training until roughly their quota."""
    sector = rng.choices(("general", "health", "education"), (6, 2, 2))[0]
    person = {"id": f"p-{index:04d}", "title_level": rng.choice(("junior", "intermediate", "senior"))}
    if sector != "general":
        person["sector"] = sector
    activities: list[dict[str, Any]] = []
    target_public, target_pro = rng.choice((20, 30, 30, 30, 36)), rng.choice((40, 56, 60, 60, 72))
    hours = 0
    while hours < target_public:
        step = rng.choice((2, 3, 5, 6, 8))
        activities.append(_activity(rng, len(activities), "public_course", step))
        hours += step
    hours = 0
    while hours < target_pro:
        step = rng.choice((4, 6, 8, 12, 16))
        activities.append(_activity(rng, len(activities), "training", step))
        hours += step
    if sector == "health":  # credits: a national CME project (1 per 3 hours), sometimes self-study
        activities.append(_activity(rng, len(activities), "cme_project", rng.choice((45, 60, 75, 90))))
        if rng.random() < 0.4:
            activities.append(_activity(rng, len(activities), "self_study", rng.choice((6, 12))))
    labels = {"county": rng.choice(COUNTIES), "employer": rng.choice(EMPLOYERS)}
    if index == 7:
        labels["employer"] = HOSTILE
    return {"person": person, "year": 2025, "activities": activities, "labels": labels}


def _activity(rng: random.Random, number: int, kind: str, hours: int) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "id": f"a{number}",
        "kind": kind,
        "hours": hours,
        "on_platform": rng.random() > 0.05,
        "passed": rng.random() > 0.05,
        "completed_on": _day(rng),
    }
    if kind == "cme_project":
        activity.update(project_level="national", approval=rng.choice(("approved", "approved", "pending")))
    elif kind == "self_study":
        activity.update(credits=hours // 2, approval="approved")
    return activity


def population(size: int, seed: int = 1) -> list[dict[str, Any]]:
    """``size`` valid records, then broken ones at fixed places (see `BROKEN`)."""
    rng = random.Random(seed)
    return [make_record(rng, i) for i in range(size)]


BROKEN = 3
"""Records `write_jsonl` adds that cannot be decided: an invalid hour, a year out of range, no policy."""


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> int:
    """Write the records, with `BROKEN` invalid records and one line that is not JSON in between; returns lines."""
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    bad_hours = json.loads(lines[3])
    bad_hours["person"]["id"] = "bad-hours"
    bad_hours["activities"][0]["hours"] = "many"
    bad_year = {**json.loads(lines[4]), "year": 1900}
    bad_year["person"] = {**bad_year["person"], "id": "bad-year"}
    elsewhere = json.loads(lines[5])
    elsewhere["person"] = {**elsewhere["person"], "id": "elsewhere", "region": "xj.kashgar"}
    lines[10:10] = [json.dumps(bad_hours), "{not json", json.dumps(bad_year), json.dumps(elsewhere)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


CSV_HEADER = (
    "person_id,title_level,sector,year,label_county,label_employer,"
    "activity_id,kind,hours,on_platform,passed,completed_on,credits,project_level,approval"
)


def write_csv(path: Path, records: list[dict[str, Any]]) -> None:
    """The records as CSV rows (one per activity), with one row that does not fit."""
    import csv  # noqa: PLC0415

    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(CSV_HEADER.split(","))
        for i, record in enumerate(records):
            person, labels = record["person"], record.get("labels", {})
            head = [person["id"], person["title_level"], person.get("sector", ""), record["year"]]
            head += [labels.get("county", ""), labels.get("employer", "")]
            for a in record["activities"]:
                flags = [str(a["on_platform"]).lower(), str(a["passed"]).lower()]
                tail = [a["completed_on"], *(a.get(k, "") for k in ("credits", "project_level", "approval"))]
                writer.writerow([*head, a["id"], a["kind"], a["hours"], *flags, *tail])
            if i == 2:
                writer.writerow(["short", "row"])


if __name__ == "__main__":  # python tests/batch_population.py N FILE.jsonl|FILE.csv [SEED]
    import sys

    size, target = int(sys.argv[1]), Path(sys.argv[2])
    drawn = population(size, int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    (write_csv if target.suffix == ".csv" else write_jsonl)(target, drawn)
