"""A loaded policy: the layers of law it stands on, merged into clauses, parameters, codes and rules.

These are plain frozen dataclasses built by ``_loader``; nothing here reads files or talks to the engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ce_policy.model.ways import BUILT_IN, VOCABULARY_CONTEXT, WAY_FIELDS, Vocabulary
from ce_policy.policy.calendars import CalendarRule, YearCalendar, year_calendar
from ce_policy.policy.vocabulary import FieldSpec, fields_for

__all__ = [
    "AsOf",
    "Clause",
    "CodeMessage",
    "Condition",
    "DeclaredWords",
    "Layer",
    "ParamRef",
    "Parameter",
    "PersonAttribute",
    "Policy",
    "PolicyRef",
    "Rule",
    "Test",
]

Provenance = Literal["N", "R", "S", "P"]
ParameterType = Literal["hours", "integer", "date", "choices", "route", "share"]


@dataclass(frozen=True, slots=True)
class Clause:
    """A clause of a legal document, with its text, as registered by a layer."""

    id: str
    layer: str
    key: str
    section: str
    text: str
    document: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class CodeMessage:
    """A reason or consequence code with its messages and the clause it rests on."""

    code: str
    kind: Literal["reason", "consequence", "text"]
    zh: str
    en: str
    cite: str


@dataclass(frozen=True, slots=True)
class PersonAttribute:
    """A person attribute a layer declares: records may carry it (``person.attributes``), rules may test it."""

    name: str
    layer: str
    description: str
    choices: tuple[str, ...]
    cite: str


@dataclass(frozen=True, slots=True)
class DeclaredWords:
    """What a layer adds to the record's vocabulary under one key of ``activity_values:`` or ``activity_attributes:``.

    A choice field's further values and kinds, or an activity attribute.

    Attributes:
        section: ``activity_values`` or ``activity_attributes``.
        name: the choice field or the attribute.
        values: the values added (an attribute's: all of its values).
        kinds: the kinds that may now carry the field (an attribute's: every kind that may).
    """

    section: Literal["activity_values", "activity_attributes"]
    name: str
    layer: str
    values: tuple[str, ...]
    kinds: tuple[str, ...]
    cite: str
    provisional: bool
    file: str
    line: int | None
    description: str = ""

    @property
    def label(self) -> str:
        """``<layer>.<section>.<name>``: how a decision lists the declaration when it is provisional."""
        return f"{self.layer}.{self.section}.{self.name}"

    def used_by(self, activity: Any) -> bool:
        """Whether an activity (a `ce_policy.Activity`) says something only this declaration allows."""
        if self.section == "activity_attributes":
            return self.name in (activity.attributes or {})
        value = getattr(activity, self.name, None)
        if value is None or (self.kinds and activity.kind not in self.kinds):
            return False
        return value in self.values or self.name not in WAY_FIELDS[activity.kind]


@dataclass(frozen=True, slots=True)
class Parameter:
    """A named value of the law, with effective dates, citation and provenance."""

    id: str
    layer: str
    type: ParameterType
    description: str
    cite: str
    provenance: Provenance
    values: tuple[tuple[dt.date, Any], ...]
    file: str
    line: int | None
    checked_on: dt.date | None = None
    overrides: str | None = None
    """For a parameter set by a sector layer: the id of the layer whose value it replaces."""

    @property
    def provisional(self) -> bool:
        """Whether the value is an engineering default or a reading of unclear text ([P] in the brief)."""
        return self.provenance == "P"

    def value_at(self, day: dt.date) -> Any:
        """The value in effect on ``day``, or ``None`` if it has none yet."""
        current = None
        for start, value in self.values:
            if start <= day:
                current = value
        return current


@dataclass(frozen=True, slots=True)
class ParamRef:
    """A reference to a parameter inside a condition or an outcome."""

    id: str


@dataclass(frozen=True, slots=True)
class AsOf:
    """The evaluation date, usable as the operand of a date test."""


@dataclass(frozen=True, slots=True)
class Test:
    """One test of one field of a fact, e.g. ``hours at_least 30``."""

    field: str
    op: str
    operand: Any  # a literal, a tuple of literals, a ParamRef or AsOf


@dataclass(frozen=True, slots=True)
class Condition:
    """``all`` (every part holds) or ``any`` (some part holds) of tests and nested conditions."""

    mode: Literal["all", "any"]
    parts: tuple[Test | Condition, ...]

    def tests(self) -> list[Test]:
        """Every test in the condition, depth first."""
        found: list[Test] = []
        for part in self.parts:
            found.extend(part.tests() if isinstance(part, Condition) else [part])
        return found


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: on the facts of ``stage`` that satisfy ``when``, give the outcomes in ``then``."""

    id: str
    layer: str
    cite: str
    stage: str
    description: str
    when: Condition
    then: tuple[tuple[str, Any], ...]
    in_force_from: dt.date
    in_force_to: dt.date | None
    file: str
    line: int | None
    params: frozenset[str] = frozenset()
    exception_to: str | None = None
    """For an exception: the id of the rule it is an exception to."""
    basis: str | None = None
    """For an exception: the clause that empowers it."""

    def in_force_on(self, day: dt.date) -> bool:
        """Whether the rule applies on ``day``."""
        return self.in_force_from <= day and (self.in_force_to is None or day <= self.in_force_to)


@dataclass(frozen=True, slots=True)
class Layer:
    """One layer of law: one legal document's folder."""

    id: str
    version: str
    title: str
    extends: str | None
    sector: str | None
    document: dict[str, Any]
    in_force_from: dt.date
    in_force_to: dt.date | None
    regions: tuple[str, ...]
    years: tuple[int, ...]
    folder: Path
    files: tuple[Path, ...]
    digest: str = ""
    """``sha256:`` of this layer's own files (not of the layers it extends)."""
    sector_name: tuple[str, str] | None = None
    """The sector's name in Chinese and in English, for a sector layer that gives it."""


@dataclass(frozen=True, slots=True)
class LayerReading:
    """A reading a layer makes of text that does not settle it (``readings:`` of its ``layer.yaml``).

    Attributes:
        id: its id, unique in the layer.
        layer: the layer that makes it.
        cite: the qualified clause it reads.
        text: what is read, and why.
        where: the parameters (all provisional) and rules that carry it.
        if_corrected: what would change if it were corrected.
        file, line: where it is declared.
    """

    id: str
    layer: str
    cite: str
    text: str
    where: tuple[str, ...]
    if_corrected: str
    file: str
    line: int | None


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """How a decision names the policy that made it."""

    id: str
    version: str
    digest: str


@dataclass(frozen=True)
class Policy:
    """A layer together with every layer it extends, merged and checked.

    Attributes:
        id: the top layer's id; also the policy's id.
        version: the top layer's version.
        digest: ``sha256:`` of every file of every layer in the chain.
        layers: the chain, most general first.
    """

    id: str
    version: str
    digest: str
    layers: tuple[Layer, ...]
    clauses: dict[str, Clause]
    parameters: dict[str, Parameter]
    codes: dict[str, CodeMessage]
    rules: tuple[Rule, ...]
    breakpoints: tuple[dt.date, ...] = field(default=())
    calendar_rules: tuple[CalendarRule, ...] = field(default=())
    """The ``calendar:`` entries of the chain, most general first (see `calendar`)."""
    attributes: dict[str, PersonAttribute] = field(default_factory=dict)
    """The person attributes the chain's layers declare, by name."""
    texts: dict[str, CodeMessage] = field(default_factory=dict)
    """Texts the views show (e.g. ``deadline_passed``), as the chain's ``codes.yaml`` words them."""
    vocabulary: Vocabulary = BUILT_IN
    """What a record decided under this policy may say: ce_policy's vocabulary and what the layers add."""
    declared_words: tuple[DeclaredWords, ...] = ()
    """The layers' ``activity_values:`` and ``activity_attributes:``, most general layer first."""
    readings: tuple[LayerReading, ...] = ()
    """The readings the chain's layers declare (``readings:``), most general layer first."""

    @property
    def ref(self) -> PolicyRef:
        """The id, version and digest of this policy."""
        return PolicyRef(self.id, self.version, self.digest)

    @property
    def top(self) -> Layer:
        """The most specific layer."""
        return self.layers[-1]

    @property
    def sector(self) -> str | None:
        """The sector this policy is for (its top layer's), or ``None`` for the general rules."""
        return self.top.sector

    def sector_title(self, lang: Literal["zh", "en"]) -> str | None:
        """The policy's sector as a reader names it in ``lang`` (its code when the layer gives no name)."""
        if self.top.sector is None:
            return None
        names = self.top.sector_name
        return self.top.sector if names is None else names[0 if lang == "zh" else 1]

    @property
    def regions(self) -> tuple[str, ...]:
        """Where the policy applies: the regions of the most specific layer that names any."""
        return next((layer.regions for layer in reversed(self.layers) if layer.regions), ())

    @property
    def years(self) -> tuple[int, ...]:
        """When the policy applies: the years of the most specific layer that names any."""
        return next((layer.years for layer in reversed(self.layers) if layer.years), ())

    @property
    def evaluable(self) -> bool:
        """Whether records can be evaluated under this policy (some layer says where and when it applies)."""
        return bool(self.regions and self.years)

    @property
    def chain(self) -> tuple[str, ...]:
        """The ids of the layers, most general first."""
        return tuple(layer.id for layer in self.layers)

    def calendar(self, year: int) -> YearCalendar:
        """The dates of ``year``: its study and make-up windows and its default decision date.

        Raises:
            ValueError: a ``MM-DD`` day of the layers does not exist in ``year`` (checked at load for the
                years the policy covers).
        """
        return year_calendar(self.calendar_rules, year)

    def fields(self, stage: str) -> dict[str, FieldSpec]:
        """The fields of ``stage``'s facts under this policy: the vocabulary's and its person attributes."""
        return fields_for(
            stage, {name: attribute.choices for name, attribute in self.attributes.items()}, self.vocabulary
        )

    @property
    def validation_context(self) -> dict[str, Vocabulary]:
        """The pydantic validation context that checks a record against this policy's vocabulary.

        ``Record.model_validate(data, context=policy.validation_context)`` accepts the values and attributes
        the policy's layers declare (plain ``model_validate`` checks against ce_policy's own vocabulary).
        """
        return {VOCABULARY_CONTEXT: self.vocabulary}

    def provisional_words(self, activities: Any) -> set[str]:
        """The provisional declarations of the vocabulary that some of ``activities`` rely on, by label."""
        return {
            words.label
            for words in self.declared_words
            if words.provisional and any(words.used_by(activity) for activity in activities)
        }

    def in_force_on(self, day: dt.date) -> bool:
        """Whether the policy (its top layer) is in force on ``day``."""
        top = self.top
        return top.in_force_from <= day and (top.in_force_to is None or day <= top.in_force_to)

    def epoch(self, day: dt.date) -> int:
        """The index of the period, between two dates on which a rule or value changes, that holds ``day``."""
        index = 0
        for point in self.breakpoints:
            if point <= day:
                index += 1
        return index
