"""The record's vocabulary: the kinds of activity, the choice fields and their values, which fields each kind carries.

Ce_policy ships a vocabulary (`BUILT_IN`); a policy's layers may add to it (``activity_values:`` and
``activity_attributes:`` in ``layer.yaml``) so that a sector names its own ways without a release of
ce_policy: more values of a choice field (``role: leader``), more kinds that carry a field (``role`` on a
research project), and attributes of its own (``attributes: {subject: accounting}``). A record is checked
against the vocabulary of the policy that decides it; `Vocabulary` is what the checks read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ce_policy.model.errors import RecordProblem, json_step, shown_value

__all__ = [
    "ACTIVITY_KINDS",
    "ANY_POLICY",
    "BUILT_IN",
    "CHOICES",
    "DEFERRED",
    "DEGREE_LEVELS",
    "MAX_ATTRIBUTES",
    "OPTIONAL_FIELDS",
    "VOCABULARY_CONTEXT",
    "WAY_FIELDS",
    "ActivityAttribute",
    "ActivityKind",
    "TitleLevel",
    "Vocabulary",
    "activity_problems",
    "choice_message",
    "person_problems",
]

ActivityKind = Literal[
    "public_course",
    "training",
    "advanced_seminar",
    "practice",
    "lecture",
    "degree_study",
    "patent",
    "research_project",
    "publication",
    "qualification_exam",
    "other_recognised",
    "cme_project",
    "self_study",
]
ACTIVITY_KINDS: tuple[str, ...] = ActivityKind.__args__  # type: ignore[attr-defined]

TitleLevel = Literal["junior", "intermediate", "senior"]

MAX_ATTRIBUTES = 20
"""The most attributes a person or an activity may carry, and a policy may declare."""

CHOICES: dict[str, tuple[str, ...]] = {
    "organiser_level": ("national", "region", "prefecture", "county", "unit"),
    "role": ("lecturer", "attendee"),
    "degree_level": (
        "associate",
        "bachelor",
        "master",
        "doctor",
        "party_school_associate",
        "party_school_bachelor",
        "party_school_postgraduate",
    ),
    "patent_type": ("invention", "utility_model", "design"),
    "publication_type": ("paper", "book", "translation"),
    "journal": ("cn", "sector_recognised", "other"),
    "approval": ("pending", "approved", "rejected"),
    "project_level": ("national", "region"),
}
"""The values ce_policy knows of each choice field of an activity (``degree_level`` is a person's too)."""
DEGREE_LEVELS = CHOICES["degree_level"]

WAY_FIELDS: dict[str, dict[str, bool]] = {
    # kind -> {field: required?}; fields not listed are not allowed for that kind.
    "public_course": {},
    "training": {},
    "advanced_seminar": {"organiser_level": True, "approval": False},
    "practice": {"approval": False},
    "lecture": {"organiser_level": True, "role": True, "approval": False},
    "degree_study": {"degree_level": True, "approval": False},
    "patent": {"patent_type": True, "granted_on": False, "approval": False},
    "research_project": {"organiser_level": True, "approval": False},
    "publication": {"publication_type": True, "journal": True, "approval": False},
    "qualification_exam": {"approval": False},
    "other_recognised": {"organiser_level": True, "approval": False},
    # Sector ways: continuing medical education (继续医学教育) projects and self-study, which earn credits.
    "cme_project": {"project_level": True, "approval": False},
    "self_study": {"credits": True, "approval": False},
}
OPTIONAL_FIELDS = (
    "organiser_level",
    "project_level",
    "credits",
    "role",
    "degree_level",
    "patent_type",
    "granted_on",
    "publication_type",
    "journal",
    "approval",
)
"""The fields an activity carries only for some kinds (``WAY_FIELDS``)."""

VOCABULARY_CONTEXT = "ce_policy.vocabulary"
"""The key of the pydantic validation context that holds the `Vocabulary` to check a record against."""


@dataclass(frozen=True)
class ActivityAttribute:
    """An activity attribute a policy declares: the kinds that may carry it and its values.

    Attributes:
        kinds: the kinds of activity that may carry it.
        choices: its values.
        description: what it says (from the layer).
        layer: the layer that declares it.
        cite: the clause it is declared under.
    """

    kinds: frozenset[str]
    choices: tuple[str, ...]
    description: str = ""
    layer: str = ""
    cite: str = ""


def _by_kind(
    choices: Mapping[str, tuple[str, ...]], way_fields: Mapping[str, Mapping[str, bool]]
) -> dict[str, dict[str, tuple[str, ...]]]:
    return {kind: {name: choices[name] for name in fields if name in choices} for kind, fields in way_fields.items()}


@dataclass(frozen=True)
class Vocabulary:
    """What a record may say under one policy.

    Attributes:
        choices: each choice field's values, of any kind (the values a rule may test it for).
        way_fields: for each kind, the fields it carries and whether each is required.
        attributes: the activity attributes the policy declares, by name.
        deferred: check nothing of the vocabulary now (the policy is not known yet; it is checked later).
        kind_choices: for each kind, the values of each choice field it carries (by default, ``choices``'s).
        required_only: check only the way fields each kind requires (which no policy's layers can lift).
    """

    choices: Mapping[str, tuple[str, ...]]
    way_fields: Mapping[str, Mapping[str, bool]]
    attributes: Mapping[str, ActivityAttribute] = field(default_factory=dict)
    deferred: bool = False
    kind_choices: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    required_only: bool = False

    def __post_init__(self) -> None:
        if not self.kind_choices:
            object.__setattr__(self, "kind_choices", _by_kind(self.choices, self.way_fields))

    def values_for(self, kind: str, name: str) -> tuple[str, ...]:
        """The values an activity of ``kind`` may give the choice field ``name`` (of any kind, for an unknown kind)."""
        return self.kind_choices.get(kind, {}).get(name, self.choices[name])

    def extended(
        self,
        declared: Sequence[tuple[str, tuple[str, ...], tuple[str, ...]]],
        attributes: Mapping[str, ActivityAttribute],
    ) -> Vocabulary:
        """This vocabulary extended by a policy's layers.

        ``declared``: ``(field, values, kinds)`` in layer order: more ``values`` of a choice field for the
        ``kinds`` named (they then carry it, optional; a kind that did not carry it takes only the values
        declared for it, or the field's own when none are), or for every kind that carries it when none are
        named. ``attributes``: declared activity attributes.
        """
        choices = dict(self.choices)
        way_fields = {kind: dict(fields) for kind, fields in self.way_fields.items()}
        kind_choices = {kind: dict(values) for kind, values in self.kind_choices.items()}
        for name, values, kinds in declared:
            for kind in kinds or tuple(k for k, fields in way_fields.items() if name in fields):
                if name not in way_fields[kind]:
                    way_fields[kind][name] = False
                    kind_choices[kind][name] = () if values else self.choices[name]
                known = kind_choices[kind][name]
                kind_choices[kind][name] = (*known, *(v for v in values if v not in known))
            choices[name] = (*choices[name], *(v for v in values if v not in choices[name]))
        return Vocabulary(choices, way_fields, {**self.attributes, **attributes}, self.deferred, kind_choices)


BUILT_IN = Vocabulary(CHOICES, WAY_FIELDS)
"""ce_policy's own vocabulary: what a record may say when no policy adds to it."""
DEFERRED = Vocabulary(CHOICES, WAY_FIELDS, deferred=True)
"""Check the structure of a record now, and its vocabulary once the policy that decides it is known."""
ANY_POLICY = Vocabulary(CHOICES, WAY_FIELDS, required_only=True)
"""What a record must say under any policy: the way fields each kind requires (a layer adds, never lifts)."""


def choice_message(values: tuple[str, ...]) -> str:
    """``Input should be 'a', 'b' or 'c'``: the message of a value outside a field's choices."""
    quoted = [repr(v) for v in values]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"Input should be {listed}"


def activity_problems(activity: Mapping[str, Any], where: str, vocabulary: Vocabulary) -> list[RecordProblem]:
    """What one activity (as JSON data or a model's fields) says that ``vocabulary`` does not allow.

    Each problem at its field's path under ``where`` (e.g. ``$.activities[2]``): a choice outside its values
    (``invalid_choice``), a field its kind does not carry or lacks (``way_fields``), an attribute not
    declared, on another kind, or with another value (``unknown_attribute``, ``way_fields``,
    ``invalid_choice``).
    """
    if vocabulary.deferred:
        return []
    problems: list[RecordProblem] = []
    kind = activity.get("kind")
    allowed = vocabulary.way_fields.get(kind) if isinstance(kind, str) else None
    if vocabulary.required_only:
        needed = [name for name, required in (allowed or {}).items() if required and activity.get(name) is None]
        return [RecordProblem(f"{where}.{n}", "way_fields", f"{n} is required for kind {kind!r}") for n in needed]
    for name in vocabulary.choices:
        value = activity.get(name)
        if not isinstance(value, str) or (allowed is not None and name not in allowed):
            continue  # absent, or not carried by the kind at all (a way_fields problem below)
        values = vocabulary.values_for(kind, name) if isinstance(kind, str) else vocabulary.choices[name]
        if value not in values:
            problems.append(RecordProblem(f"{where}.{name}", "invalid_choice", choice_message(values)))
    if allowed is not None:
        for name in OPTIONAL_FIELDS:
            given = activity.get(name) is not None
            if name not in allowed and given:
                message = f"{name} does not apply to kind {kind!r}"
                problems.append(RecordProblem(f"{where}.{name}", "way_fields", message))
            elif allowed.get(name) and not given:
                message = f"{name} is required for kind {kind!r}"
                problems.append(RecordProblem(f"{where}.{name}", "way_fields", message))
    attributes = activity.get("attributes")
    if not isinstance(attributes, Mapping) or len(attributes) > MAX_ATTRIBUTES:
        return problems  # none given, or refused whole (``record``)
    for name, value in attributes.items():
        path = json_step(f"{where}.attributes", name) if isinstance(name, str) else f"{where}.attributes"
        declared = vocabulary.attributes.get(name)
        if declared is None:
            known = ", ".join(sorted(vocabulary.attributes)) or "none"
            message = f"the policy declares no activity attribute {shown_value(name)} (declared: {known})"
            problems.append(RecordProblem(path, "unknown_attribute", message))
        elif isinstance(kind, str) and kind not in declared.kinds:
            problems.append(RecordProblem(path, "way_fields", f"{name} does not apply to kind {kind!r}"))
        elif isinstance(value, str) and value not in declared.choices:
            problems.append(RecordProblem(path, "invalid_choice", choice_message(declared.choices)))
    return problems


def person_problems(person: Mapping[str, Any], where: str, vocabulary: Vocabulary) -> list[RecordProblem]:
    """The person's degree outside the vocabulary's degrees (``invalid_choice``), at ``where.degree_level``."""
    value = person.get("degree_level")
    values = vocabulary.choices["degree_level"]
    if vocabulary.deferred or vocabulary.required_only or not isinstance(value, str) or value in values:
        return []
    return [RecordProblem(f"{where}.degree_level", "invalid_choice", choice_message(values))]
