"""Small record builders shared by the tests."""

from typing import Any


def activity(aid: str, kind: str, hours: float | int | str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": aid,
        "kind": kind,
        "hours": hours,
        "on_platform": True,
        "passed": True,
        "completed_on": "2025-06-01",
    }
    base.update(fields)
    return base


def record(
    *activities: dict[str, Any], title_level: str = "intermediate", pid: str = "p1", year: int = 2025
) -> dict[str, Any]:
    return {"person": {"id": pid, "title_level": title_level}, "year": year, "activities": list(activities)}


def complete_record(pid: str = "p1") -> dict[str, Any]:
    return record(activity("pub", "public_course", 30), activity("pro", "training", 60), pid=pid)
