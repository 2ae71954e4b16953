"""The closed vocabulary that policy rules are written in.

It names the stages, the facts each stage sees, the tests a condition may apply to them, and the outcomes a
rule may give.

A policy officer writes a rule as ``when`` (a condition on one fact) and ``then`` (outcomes). Every rule works
on the facts of one *stage*; ce_policy asserts the facts of each stage in turn and aggregates between stages
in exact arithmetic, so every rule compares one fact with constants (the engine never joins facts).

Stages, in order:

* ``person`` — one fact for the person and year.
* ``activity`` — one fact per activity: classify it (category, registration, hours) or reject it.
* ``recognition`` — one fact per classified activity, with its category and registration: approval and route.
* ``pool`` — per scenario, one fact per pool of activities (e.g. self-study) with its credits: caps.
* ``year`` — two facts (``scenario`` ``actual`` and ``projected``) with the year's counted hours: floors.
* ``cycle`` — for a year in a multi-year training cycle: one fact with the cycle's hours so far.
* ``consequence`` — one fact saying whether the year is complete: consequences.
* ``review_year`` — title review: one fact per year before the review year (``offset`` 0 is the review year).
* ``review`` — title review: one fact for the application as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from ce_policy.model.ways import ACTIVITY_KINDS, BUILT_IN, CHOICES, DEGREE_LEVELS, TitleLevel, Vocabulary

__all__ = [
    "CATEGORIES",
    "COMPARISON_OPS",
    "DATE_OPS",
    "FACTS",
    "FLOOR_CATEGORIES",
    "OUTCOMES",
    "SET_OPS",
    "STAGES",
    "TEXTS",
    "WINDOWS",
    "FieldSpec",
    "OutcomeSpec",
    "fields_for",
]

FieldType = Literal["choice", "bool", "hours", "date", "int", "text"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field of a fact: its type and, for choices, the values it can take (``""`` when absent)."""

    type: FieldType
    choices: tuple[str, ...] = ()
    doc: str = ""


def _choice(*values: str, doc: str = "") -> FieldSpec:
    return FieldSpec("choice", tuple(values), doc)


STAGES: tuple[str, ...] = (
    "person",
    "activity",
    "recognition",
    "pool",
    "year",
    "cycle",
    "consequence",
    "review_year",
    "review",
)

CATEGORIES = ("public", "professional")
FLOOR_CATEGORIES = (*CATEGORIES, "total", "credits", "cycle")

_PERSON_DEGREE = _choice(*DEGREE_LEVELS, doc="the highest degree the person holds; absent when not given")

_PERSON: dict[str, FieldSpec] = {
    "title_level": _choice(*get_args(TitleLevel), doc="the person's title level"),
    "sector": FieldSpec("text", doc="the person's sector"),
    "region": FieldSpec("text", doc="the person's region code"),
    "year": FieldSpec("int", doc="the record's year"),
    "person_degree_level": _PERSON_DEGREE,
}

WINDOWS = ("study", "make_up", "outside")
"""Where a day falls in the calendar of the record's year (``policy.calendars``)."""

_OPTIONAL_CHOICES: dict[str, tuple[str, ...]] = dict(CHOICES)
"""The activity's optional choice fields and ce_policy's values of each (a policy may add values)."""

_ACTIVITY: dict[str, FieldSpec] = {
    **_PERSON,
    "kind": _choice(*ACTIVITY_KINDS, doc="the way of study"),
    "hours": FieldSpec("hours", doc="registered or claimed hours"),
    "on_platform": FieldSpec("bool", doc="enrolled and registered through the platform"),
    "passed": FieldSpec("bool", doc="the assessment or exam was passed"),
    "completed_on": FieldSpec("date", doc="the day the activity was completed"),
    "granted_on": FieldSpec("date", doc="the day a patent was granted (absent if not granted)"),
    "completed_in": _choice(
        *WINDOWS, doc="the window of the record's year the activity was completed in (study, make_up, outside)"
    ),
    "granted_in": _choice(*WINDOWS, doc="the window of the record's year a patent was granted in (absent if none)"),
    "credits": FieldSpec("hours", doc="credits (学分) claimed, for ways that award credits (absent otherwise)"),
    **{name: _choice(*values, doc=f"{name}; absent when not given") for name, values in _OPTIONAL_CHOICES.items()},
}

_RECOGNITION: dict[str, FieldSpec] = {
    **_ACTIVITY,
    "category": _choice(*CATEGORIES, doc="the category the activity rules gave"),
    "registration": _choice("automatic", "application", doc="how its hours are registered"),
    "standard_hours": FieldSpec("hours", doc="hours after the policy's standard for the way"),
    "standard_credits": FieldSpec("hours", doc="credits after the policy's standard (absent if none)"),
}

_POOL: dict[str, FieldSpec] = {
    **_PERSON,
    "scenario": _choice("actual", "projected", doc="projected: as if every pending application were approved"),
    "pool": FieldSpec("text", doc="the pool the activities were put in (e.g. self_study)"),
    "credits": FieldSpec("hours", doc="the credits counted in the pool"),
    "hours": FieldSpec("hours", doc="the hours counted in the pool"),
}

_YEAR: dict[str, FieldSpec] = {
    **_PERSON,
    "scenario": _choice("actual", "projected", doc="projected: as if every pending application were approved"),
    "public": FieldSpec("hours", doc="counted public-subject hours"),
    "professional": FieldSpec("hours", doc="counted professional-subject hours"),
    "total": FieldSpec("hours", doc="counted hours in all"),
    "credits": FieldSpec("hours", doc="counted credits (学分), pool caps applied"),
    "public_credits": FieldSpec("hours", doc="counted credits of public-subject activities"),
    "professional_credits": FieldSpec("hours", doc="counted credits of professional-subject activities"),
}

_CYCLE: dict[str, FieldSpec] = {
    **_PERSON,
    "scenario": _choice("actual", doc="the cycle is tracked on the actual year only"),
    "first_year": FieldSpec("int", doc="the first year of the person's training cycle"),
    "last_year": FieldSpec("int", doc="the last year of the cycle"),
    "years_left": FieldSpec("int", doc="years of the cycle after this one (0 in its last year)"),
    "final_year": FieldSpec("bool", doc="this is the cycle's last year"),
    "cycle": FieldSpec("hours", doc="hours counted in the cycle so far, this year included"),
}

_CONSEQUENCE: dict[str, FieldSpec] = {
    **_PERSON,
    "complete": FieldSpec("bool", doc="every floor of the year is met"),
    "in_cycle": FieldSpec("bool", doc="the year belongs to a multi-year training cycle"),
    "final_year": FieldSpec("bool", doc="the year is the last of its cycle"),
    "cycle_complete": FieldSpec("bool", doc="the cycle's floors are met so far (true outside a cycle)"),
}

_SOUGHT = _choice(*get_args(TitleLevel), doc="the title level the review is for (default: the level held)")

_REVIEW_YEAR: dict[str, FieldSpec] = {
    "title_level": _PERSON["title_level"],
    "title_level_sought": _SOUGHT,
    "person_degree_level": _PERSON_DEGREE,
    "sector": _PERSON["sector"],
    "year": FieldSpec("int", doc="the year this fact is about"),
    "offset": FieldSpec("int", doc="review year minus this year (0 = the review year)"),
    "shown_by": _choice("record", "certificate", "none", doc="how the year is shown"),
    "public": FieldSpec("bool", doc="public subjects shown complete as of the application date"),
    "professional": FieldSpec("bool", doc="professional subjects shown complete as of the application date"),
    "complete": FieldSpec("bool", doc="the year is shown complete as of the application date"),
}

_REVIEW: dict[str, FieldSpec] = {
    "title_level": _PERSON["title_level"],
    "title_level_sought": _SOUGHT,
    "person_degree_level": _PERSON_DEGREE,
    "sector": _PERSON["sector"],
    "review_year": FieldSpec("int", doc="the year of the title review"),
    "flag_age_years": FieldSpec(
        "int", doc="whole years from the latest false-material finding to the application (absent if none)"
    ),
}

FACTS: dict[str, dict[str, FieldSpec]] = {
    "person": _PERSON,
    "activity": _ACTIVITY,
    "recognition": _RECOGNITION,
    "pool": _POOL,
    "year": _YEAR,
    "cycle": _CYCLE,
    "consequence": _CONSEQUENCE,
    "review_year": _REVIEW_YEAR,
    "review": _REVIEW,
}


def fields_for(
    stage: str, attributes: Mapping[str, tuple[str, ...]], vocabulary: Vocabulary = BUILT_IN
) -> dict[str, FieldSpec]:
    """The fields of ``stage``'s facts under a policy's person ``attributes`` and record ``vocabulary``.

    ``attributes``: the person attributes the layers declare (name → choices); ``vocabulary``: the record's,
    with what the layers add (more values of choice fields, activity attributes).

    Every fact carries the person's declared attributes, ``""`` when the record gives none; the facts of the
    activity and recognition stages carry the declared activity attributes the same way.
    """
    fields = FACTS[stage]
    if not attributes and vocabulary is BUILT_IN:
        return fields
    fields = dict(fields)
    for name, values in vocabulary.choices.items():
        for field in (name, "person_degree_level") if name == "degree_level" else (name,):
            spec = fields.get(field)
            if spec is not None and spec.type == "choice" and spec.choices != values:
                fields[field] = FieldSpec("choice", values, spec.doc)
    if stage in ("activity", "recognition"):
        for name, attribute in vocabulary.attributes.items():
            doc = f"an activity attribute the policy declares: {attribute.description}"
            fields[name] = _choice(*attribute.choices, doc=doc)
    for name, choices in attributes.items():
        fields[name] = _choice(*choices, doc="a person attribute the policy declares")
    return fields


OPTIONAL_CHOICE_FIELDS = tuple(_OPTIONAL_CHOICES)
"""Choice fields absent from the record unless given: ``""`` in facts when absent."""

SET_OPS = ("is", "is_not", "in", "not_in", "present")
COMPARISON_OPS = ("below", "at_most", "above", "at_least")
DATE_OPS = ("before", "after", "on_or_before", "on_or_after")

OutcomeKind = Literal[
    "code", "choice", "hours_rule", "credits_rule", "pool", "cap", "cycle", "route", "require", "share", "flag"
]


@dataclass(frozen=True, slots=True)
class OutcomeSpec:
    """An outcome a rule may give, the stages it is allowed in and what its value must be."""

    stages: tuple[str, ...]
    kind: OutcomeKind
    choices: tuple[str, ...] = ()
    single: bool = False
    doc: str = ""


OUTCOMES: dict[str, OutcomeSpec] = {
    "category": OutcomeSpec(("activity",), "choice", CATEGORIES, True, "public or professional subject"),
    "registration": OutcomeSpec(
        ("activity",),
        "choice",
        ("automatic", "application"),
        True,
        "registered automatically or by application",
    ),
    "hours": OutcomeSpec(
        ("activity",),
        "hours_rule",
        (),
        True,
        "claimed | {at_most: value} | {fixed: value}: the hours that count",
    ),
    "credits": OutcomeSpec(
        ("activity",),
        "credits_rule",
        (),
        True,
        "claimed | {per_hours: value, at_most: value} | {fixed: value}: the credits (学分) it earns",
    ),
    "pool": OutcomeSpec(
        ("activity",), "pool", (), True, "a pool whose credits or hours are capped together (e.g. self_study)"
    ),
    "cap": OutcomeSpec(
        ("pool",), "cap", (), False, "{credits: value} or {hours: value}: the most credits or hours the pool counts"
    ),
    "reject": OutcomeSpec(("activity", "recognition"), "code", (), False, "the activity does not count: reason"),
    "defer": OutcomeSpec(
        ("activity", "recognition"), "code", (), False, "the activity does not count yet (awaiting): reason"
    ),
    "route": OutcomeSpec(("recognition",), "route", (), True, "the approval route of an application"),
    "cycle": OutcomeSpec(
        ("person",), "cycle", (), True, "{first_year, last_year}: the multi-year training cycle the year belongs to"
    ),
    "require": OutcomeSpec(
        ("year", "cycle"),
        "require",
        (),
        False,
        "{category, at_least}: a floor for the year (public, professional, total, credits)",
    ),
    "require_share": OutcomeSpec(
        ("year",),
        "share",
        (),
        False,
        "{category, at_least, of?, unit?}: a category at least a share of the total (e.g. professional ≥ 2/3)",
    ),
    "consequence": OutcomeSpec(("consequence",), "code", (), False, "a consequence of the year's result"),
    "require_year": OutcomeSpec(("review_year",), "flag", (), True, "the year must be shown for the review"),
    "missing_year": OutcomeSpec(("review_year",), "code", (), False, "the year is not shown: reason"),
    "bar": OutcomeSpec(("review",), "code", (), False, "the applicant may not apply: reason"),
}

ROUTE_ACTORS = ("individual", "employer", "prefecture_dept", "region_dept")
ROUTE_ACTIONS = ("apply", "review", "re_review", "recognise")

REASON_OUTCOMES = ("reject", "defer", "missing_year", "bar")
"""Outcomes whose value is a reason code (declared under ``reasons`` in a layer's ``codes.yaml``)."""

TEXTS: dict[str, tuple[str, ...]] = {
    "deadline_passed": ("deadline",),
}
"""The texts a layer may word in ``codes.yaml`` (``texts:``), each with the placeholders it may use: shown by
the views in place of ce_policy's generic wording (e.g. why a year can no longer be completed)."""

SHARE_CATEGORIES = CATEGORIES
"""The categories a share floor (``require_share``) may be set on; the share is of the total."""
SHARE_UNITS = ("hours", "credits")

NO_APPLICABLE_RULE = "no_applicable_rule"
"""The reason given to an activity that no rule classified (the policy does not know that way).

The one reason code ce_policy gives itself; every other code is declared by a policy layer."""
