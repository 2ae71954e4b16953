"""A realistic population of one prefecture's year on the platform, for the benchmarks.

On the platform people do not invent their study: they enrol in the *courses of a shared catalogue* — the
region's public-subject courses and the CE bases' professional courses, each with its hours and its session
dates — and a minority also apply for hours of their own (practice, lectures, papers, exams …). So most
activities of a population repeat the same few hundred course situations, and a few are individual.

`Catalogue` draws the courses once from a seed; `population(n, seed)` draws people who take courses from it
until they reach roughly their year's quota (some stop short, a few study off the platform, fail, or finish
after the year), plus individual applications. Everything is seeded, so two runs see the same records.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

YEAR = 2025
_LEVELS = ("national", "region", "region", "prefecture", "county", "unit")
_APPLIED = (
    ("qualification_exam", 4),
    ("publication", 4),
    ("lecture", 3),
    ("practice", 3),
    ("advanced_seminar", 3),
    ("research_project", 2),
    ("degree_study", 2),
    ("other_recognised", 1),
    ("patent", 1),
)


@dataclass(frozen=True)
class Course:
    """A catalogue course: a kind, its hours, its level and the days its sessions end."""

    code: str
    kind: str
    hours: float
    organiser_level: str | None
    sessions: tuple[dt.date, ...]


def _day(rng: random.Random) -> dt.date:
    return dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))


class Catalogue:
    """The platform's courses for the year: public subjects, CE-base training and advanced seminars."""

    def __init__(self, seed: int, public: int = 40, training: int = 150, seminars: int = 20) -> None:
        rng = random.Random(seed)
        self.public = [
            Course(f"pub{i}", "public_course", rng.choice((2, 3, 5, 6, 8, 10, 12)), None, self._sessions(rng))
            for i in range(public)
        ]
        self.training = [
            Course(f"tr{i}", "training", rng.choice((4, 6, 8, 12, 16, 24, 32)), None, self._sessions(rng))
            for i in range(training)
        ]
        self.seminars = [
            Course(
                f"sem{i}",
                "advanced_seminar",
                rng.choice((16, 24, 32, 40)),
                rng.choice(_LEVELS[:3]),
                self._sessions(rng),
            )
            for i in range(seminars)
        ]

    @staticmethod
    def _sessions(rng: random.Random) -> tuple[dt.date, ...]:
        return tuple(sorted(_day(rng) for _ in range(rng.randint(2, 6))))


def _enrolment(rng: random.Random, course: Course, aid: str) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "id": aid,
        "kind": course.kind,
        "hours": course.hours,
        "on_platform": True,
        "passed": rng.random() < 0.97,
        "completed_on": rng.choice(course.sessions).isoformat(),
    }
    if course.organiser_level is not None:
        activity["organiser_level"] = course.organiser_level
        if course.organiser_level not in ("national", "region"):
            activity["approval"] = "approved"
    return activity


def _application(rng: random.Random, aid: str) -> dict[str, Any]:
    kinds, weights = zip(*_APPLIED, strict=True)
    kind = rng.choices(kinds, weights)[0]
    activity: dict[str, Any] = {
        "id": aid,
        "kind": kind,
        "hours": rng.choice((8, 12, 16, 24, 30, 40, 48, 60, 72)),
        "on_platform": rng.random() < 0.95,
        "passed": True,
        "completed_on": _day(rng).isoformat(),
    }
    if kind in ("advanced_seminar", "lecture", "research_project", "other_recognised"):
        activity["organiser_level"] = rng.choice(_LEVELS)
    if kind == "lecture":
        activity["role"] = rng.choice(("lecturer", "attendee", "attendee"))
    elif kind == "degree_study":
        activity["degree_level"] = rng.choice(("bachelor", "master", "doctor", "associate"))
    elif kind == "patent":
        activity["patent_type"] = rng.choice(("invention", "utility_model", "design"))
        activity["granted_on"] = _day(rng).isoformat()
    elif kind == "publication":
        activity["publication_type"] = rng.choice(("paper", "paper", "paper", "book", "translation"))
        activity["journal"] = rng.choice(("cn", "cn", "sector_recognised", "other"))
    activity["approval"] = rng.choices(("approved", "pending", "rejected"), (70, 22, 8))[0]
    return activity


def _take(rng: random.Random, courses: list[Course], target: float, prefix: str) -> list[dict[str, Any]]:
    taken: list[dict[str, Any]] = []
    hours = 0.0
    for course in rng.sample(courses, len(courses)):
        if hours >= target:
            break
        taken.append(_enrolment(rng, course, f"{prefix}{len(taken)}"))
        hours += course.hours
    return taken


def person_record(rng: random.Random, catalogue: Catalogue, index: int) -> dict[str, Any]:
    """One person's year: catalogue courses up to about their quota, and perhaps a few applications."""
    diligence = rng.choices((1.0, 0.9, 0.6), (80, 14, 6))[0]
    items = _take(rng, catalogue.public, 30 * diligence, "pub")
    items += _take(rng, catalogue.training + catalogue.seminars, 60 * diligence, "pro")
    items += [_application(rng, f"app{i}") for i in range(rng.choices((0, 1, 2, 3), (55, 25, 15, 5))[0])]
    for item in items:
        if rng.random() < 0.01:
            item["on_platform"] = False
        if rng.random() < 0.01:
            item["completed_on"] = rng.choice(("2024-12-31", "2026-01-02"))
    rng.shuffle(items)
    title = rng.choices(("junior", "intermediate", "senior"), (35, 45, 20))[0]
    return {"person": {"id": f"p{index:07d}", "title_level": title}, "year": YEAR, "activities": items}


def population(size: int, seed: int, catalogue: Catalogue | None = None) -> Iterator[dict[str, Any]]:
    """``size`` people of one prefecture, drawn from ``seed`` (and the catalogue drawn from it)."""
    rng = random.Random(seed + 1)
    courses = catalogue or Catalogue(seed)
    for index in range(size):
        yield person_record(rng, courses, index)


def record_of(size: int, seed: int) -> dict[str, Any]:
    """One person's record with exactly ``size`` activities, mostly catalogue courses."""
    rng = random.Random(seed)
    catalogue = Catalogue(seed)
    courses = catalogue.public + catalogue.training + catalogue.seminars
    items = [_enrolment(rng, course, f"c{i}") for i, course in enumerate(rng.sample(courses, size - size // 4))]
    items += [_application(rng, f"a{i}") for i in range(size // 4)]
    return {"person": {"id": "p-latency", "title_level": "intermediate"}, "year": YEAR, "activities": items}
