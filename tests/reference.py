"""A hand-written reference of the Aksu 2025 rules (阿地人社传〔2025〕12号), used as a test oracle.

It is plain Python written from the notice (``shared/notice/aksu-2025-12.txt``) and the domain brief, not
from the policy files: no durable-rules, no ce_policy internals. Only the pydantic :class:`ce_policy.Record`
(and its :class:`ce_policy.Activity`) is used, to validate the input the same way ``evaluate`` does. Numbers
are hard-coded on purpose: if a policy value changes, this oracle must be changed by hand, which is the point
of having one.

What it encodes, by section of the notice:

* 二 quota: public ≥ 30, professional ≥ 60, total ≥ 90 (national, 人社部令第25号 Art. 8), each floor on
  its own.
* 二 the ten ways that count as professional hours, with their conditions (level of the organiser, degree
  level, invention patent granted in the year, recognised journal).
* 三 only study enrolled through the platform is recognised.
* 四 the year's study must be done within 2025-01-01 … 2025-12-31; nothing completed after the date the
  decision speaks for counts yet, and an invention patent granted after that date has not been obtained
  (获得) yet.
* 五 public courses, CE-base training and national / autonomous-region seminars are registered
  automatically once passed; every other way is registered by application, which must be approved
  (pending ones are shown in the projection), along the junior/intermediate or the senior route.
* 六(二) an incomplete year bars an excellent rating and post promotion.
* Hour standards of 新人社规〔2022〕9号 are not public; the values below are the provisional defaults of
  the brief (§5): caps (``at most``) or fixed values per way. Degree study is a lump sum a year (brief §5:
  "72–100 h a year"): however many degree-study entries a year has, they count 72 hours together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ce_policy import Activity, Record

__all__ = [
    "AUTOMATIC_SEMINAR_LEVELS",
    "DEADLINE",
    "FLOORS",
    "YEAR_START",
    "hours_json",
    "reference_evaluate",
]

YEAR_START = dt.date(2025, 1, 1)
DEADLINE = dt.date(2025, 12, 31)

FLOORS: dict[str, Decimal] = {"public": Decimal(30), "professional": Decimal(60), "total": Decimal(90)}

REGION_OR_ABOVE = frozenset({"national", "region"})
AUTOMATIC_SEMINAR_LEVELS = REGION_OR_ABOVE
BACHELOR_OR_ABOVE = frozenset({"bachelor", "master", "doctor", "party_school_bachelor", "party_school_postgraduate"})
RECOGNISED_JOURNALS = frozenset({"cn", "sector_recognised"})

# Provisional hour standards (brief §5): ("at_most", cap) or ("fixed", value).
SEMINAR_APPLIED_MAX = Decimal(60)
PRACTICE_MAX = Decimal(48)
LECTURER_MAX = Decimal(30)
ATTENDEE_MAX = Decimal(12)
DEGREE_STUDY_FIXED = Decimal(72)
PATENT_FIXED = Decimal(60)
RESEARCH_MAX = Decimal(72)
PAPER_FIXED = Decimal(30)
BOOK_FIXED = Decimal(60)
EXAM_FIXED = Decimal(40)
OTHER_MAX = Decimal(60)

ROUTE_JUNIOR_INTERMEDIATE: list[dict[str, str]] = [
    {"actor": "individual", "action": "apply"},
    {"actor": "employer", "action": "review"},
    {"actor": "prefecture_dept", "action": "recognise"},
]
ROUTE_SENIOR: list[dict[str, str]] = [
    {"actor": "individual", "action": "apply"},
    {"actor": "employer", "action": "review"},
    {"actor": "prefecture_dept", "action": "re_review"},
    {"actor": "region_dept", "action": "recognise"},
]

CONSEQUENCES_WHEN_INCOMPLETE = ("no_excellent_rating", "no_post_promotion")


def hours_json(value: Decimal) -> int | float:
    """Hours as the decision's JSON shows them: an integer when whole, otherwise a float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


class _Way:
    """How one activity is classified by the ten ways (二) and the registration rules (五)."""

    __slots__ = ("cap", "category", "fixed", "registration", "rejection")

    def __init__(
        self,
        category: str | None = None,
        registration: str | None = None,
        *,
        cap: Decimal | None = None,
        fixed: Decimal | None = None,
        rejection: str | None = None,
    ) -> None:
        self.category = category
        self.registration = registration
        self.cap = cap
        self.fixed = fixed
        self.rejection = rejection

    def standard_hours(self, claimed: Decimal) -> Decimal:
        if self.fixed is not None:
            return self.fixed
        if self.cap is not None:
            return min(claimed, self.cap)
        return claimed


def _professional(registration: str, *, cap: Decimal | None = None, fixed: Decimal | None = None) -> _Way:
    return _Way("professional", registration, cap=cap, fixed=fixed)


def _classify(activity: Activity) -> _Way:
    kind = activity.kind
    level = activity.organiser_level
    if kind == "public_course":
        return _Way("public", "automatic")
    if kind == "training":  # way 1, CE-base courses: automatic (五)
        return _professional("automatic")
    if kind == "advanced_seminar":  # way 2: automatic when national or autonomous-region (五)
        if level in AUTOMATIC_SEMINAR_LEVELS:
            return _professional("automatic")
        return _professional("application", cap=SEMINAR_APPLIED_MAX)
    if kind == "practice":  # way 3
        return _professional("application", cap=PRACTICE_MAX)
    if kind == "lecture":  # way 4: autonomous-region level or above
        if level not in REGION_OR_ABOVE:
            return _Way(rejection="organiser_level_too_low")
        return _professional("application", cap=LECTURER_MAX if activity.role == "lecturer" else ATTENDEE_MAX)
    if kind == "degree_study":  # way 5: bachelor or above
        if activity.degree_level not in BACHELOR_OR_ABOVE:
            return _Way(rejection="degree_level_too_low")
        return _professional("application", fixed=DEGREE_STUDY_FIXED)
    if kind == "patent":  # way 6: an invention patent granted in the year
        granted = activity.granted_on
        if activity.patent_type != "invention" or granted is None or not YEAR_START <= granted <= DEADLINE:
            return _Way(rejection="patent_not_eligible")
        return _professional("application", fixed=PATENT_FIXED)
    if kind == "research_project":  # way 7: autonomous-region level or above
        if level not in REGION_OR_ABOVE:
            return _Way(rejection="organiser_level_too_low")
        return _professional("application", cap=RESEARCH_MAX)
    if kind == "publication":  # way 8: papers in CN / recognised journals; books and translations
        if activity.publication_type == "paper":
            if activity.journal not in RECOGNISED_JOURNALS:
                return _Way(rejection="journal_not_recognised")
            return _professional("application", fixed=PAPER_FIXED)
        return _professional("application", fixed=BOOK_FIXED)
    if kind == "qualification_exam":  # way 9: passed (checked with every other way below)
        return _professional("application", fixed=EXAM_FIXED)
    if kind == "other_recognised":  # way 10: recognised at autonomous-region level or above
        if level not in REGION_OR_ABOVE:
            return _Way(rejection="organiser_level_too_low")
        return _professional("application", cap=OTHER_MAX)
    raise AssertionError(f"unknown kind {kind!r}")  # pragma: no cover - the Record model refuses it


def _granted_after(activity: Activity, as_of: dt.date) -> bool:
    """A patent granted after ``as_of`` has not been obtained (获得) yet on that day (二(6))."""
    granted = activity.granted_on
    return activity.kind == "patent" and granted is not None and granted > as_of


def _common_rejections(activity: Activity, as_of: dt.date) -> list[str]:
    reasons = []
    if not activity.on_platform:  # 三
        reasons.append("not_on_platform")
    if not activity.passed:  # 五: registered once the assessment or exam is passed
        reasons.append("not_passed")
    if activity.completed_on > as_of or _granted_after(activity, as_of):
        reasons.append("not_yet_completed")
    if not YEAR_START <= activity.completed_on <= DEADLINE:  # 四: no making up, no carry-over
        reasons.append("outside_year")
    return reasons


def _activity(activity: Activity, title_level: str, as_of: dt.date) -> tuple[dict[str, Any], Decimal, bool]:
    """One activity's outcome (JSON shape), its standard hours, and whether it only waits for approval."""
    way = _classify(activity)
    reasons = _common_rejections(activity, as_of)
    if way.rejection is not None:
        reasons.append(way.rejection)
    route: list[dict[str, str]] = []
    deferred = False
    if way.registration == "application":
        route = ROUTE_SENIOR if title_level == "senior" else ROUTE_JUNIOR_INTERMEDIATE
        if activity.approval == "rejected":
            reasons.append("approval_rejected")
        elif activity.approval != "approved":  # pending or not yet applied: awaiting recognition
            reasons.append("pending_approval")
            deferred = True
    standard = way.standard_hours(activity.hours)
    counted = way.category is not None and not reasons
    # "Only waits for approval": counted in the projection, where every pending application is approved.
    waiting = way.category is not None and deferred and reasons == ["pending_approval"]
    outcome = {
        "id": activity.id,
        "counted": counted,
        "category": way.category,
        "hours": hours_json(standard if counted else Decimal(0)),
        "registration": way.registration,
        "route": [dict(step) for step in route],
        "reasons": sorted(reasons),
    }
    return outcome, standard, waiting


def _totals(public: Decimal, professional: Decimal) -> dict[str, Decimal]:
    return {"public": public, "professional": professional, "total": public + professional}


def _meets_floors(totals: Mapping[str, Decimal]) -> bool:
    return all(totals[name] >= floor for name, floor in FLOORS.items())


def reference_evaluate(record: Mapping[str, Any] | Record, as_of: dt.date | None = None) -> dict[str, Any]:
    """Decide one person's 2025 year as the notice reads, in the JSON shape of ``Decision.model_dump``.

    Only the fields ``compliant``, ``hours``, ``required``, ``shortfall``, ``projected``, ``activities`` (id,
    counted, category, hours, registration, route, reasons sorted) and ``consequences`` (sorted) are given.
    """
    parsed = record if isinstance(record, Record) else Record.model_validate(record)
    if parsed.year != YEAR_START.year:
        raise ValueError("the reference knows only the Aksu 2025 rules")
    day = as_of or DEADLINE
    actual = {"public": Decimal(0), "professional": Decimal(0)}
    projected = {"public": Decimal(0), "professional": Decimal(0)}
    degree = {"actual": Decimal(0), "projected": Decimal(0)}  # degree study: 72 a year, however many entries
    outcomes = []
    for activity in parsed.activities:
        outcome, standard, waiting = _activity(activity, parsed.person.title_level, day)
        outcomes.append(outcome)
        category = outcome["category"]
        for scenario, totals in (("actual", actual), ("projected", projected)):
            if not (outcome["counted"] or (waiting and scenario == "projected")):
                continue
            if activity.kind == "degree_study":
                added = min(standard, DEGREE_STUDY_FIXED - degree[scenario])
                degree[scenario] += added
                totals[category] += added
            else:
                totals[category] += standard
    hours = _totals(actual["public"], actual["professional"])
    projected_hours = _totals(projected["public"], projected["professional"])
    compliant = _meets_floors(hours)
    shortfall = {name: max(floor - hours[name], Decimal(0)) for name, floor in FLOORS.items()}
    return {
        "compliant": compliant,
        "hours": {name: hours_json(value) for name, value in hours.items()},
        "required": {name: hours_json(value) for name, value in FLOORS.items()},
        "shortfall": {name: hours_json(value) for name, value in shortfall.items()},
        "projected": {
            "hours": {name: hours_json(value) for name, value in projected_hours.items()},
            "compliant": _meets_floors(projected_hours),
        },
        "activities": outcomes,
        "consequences": sorted(() if compliant else CONSEQUENCES_WHEN_INCOMPLETE),
    }
