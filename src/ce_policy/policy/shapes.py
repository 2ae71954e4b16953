"""The shapes of the files of a policy layer, as pydantic models (unknown keys are errors)."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    model_validator,
)

from ce_policy.policy.versions import version_range
from ce_policy.policy.vocabulary import STAGES

__all__ = [
    "FILE_MODELS",
    "LAYER_FILES",
    "MAX_RULES_PER_STAGE",
    "ActivityAttributeEntry",
    "AttributeEntry",
    "CalendarEntry",
    "ClausesFile",
    "CodesFile",
    "LayerFile",
    "OverridesFile",
    "ParameterOverride",
    "ParametersFile",
    "RulesFile",
    "ValuesEntry",
    "WindowEntry",
    "did_you_mean",
]


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """A `` (did you mean 'x'?)`` hint, or nothing when no option is close."""
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


LAYER_FILES = ("layer.yaml", "clauses.yaml", "codes.yaml", "parameters.yaml", "rules.yaml", "overrides.yaml")
MAX_RULES_PER_STAGE = 60
"""The engine fails (error 303) when about 64 rules match one fact; stay clear of it."""

STRICT = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
Text = Annotated[StrictStr, Field(min_length=1, max_length=20_000)]
Key = Annotated[StrictStr, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.\-\u4e00-\u9fff]+$")]
LayerId = Annotated[StrictStr, Field(min_length=1, max_length=128, pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]
Cite = Annotated[StrictStr, Field(min_length=1, max_length=260)]


def _version_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("the version must be text MAJOR.MINOR.PATCH, e.g. version: 1.0.0 (quote it if needed)")
    return value


Version = Annotated[StrictStr, BeforeValidator(_version_text), Field(pattern=r"^\d+\.\d+\.\d+$")]

MonthDay = Annotated[StrictStr, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
"""A day of the record's own year, written ``MM-DD`` (e.g. ``12-31``)."""
Year = Annotated[StrictInt, Field(ge=1990, le=2100)]


class InForce(BaseModel):
    model_config = STRICT
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> InForce:
        if self.to is not None and self.to < self.from_:
            raise ValueError("'to' falls before 'from'")
        return self


class _Document(BaseModel):
    model_config = STRICT
    number: Text
    title: Text
    issuer: Text
    issued_on: dt.date | None = None
    source: Text | None = None


class _AppliesTo(BaseModel):
    model_config = STRICT
    regions: tuple[Key, ...] = Field(min_length=1)
    years: tuple[Year, ...] = Field(min_length=1)


def _version_range(value: str) -> str:
    version_range(value)  # refuses what is neither a version nor a range, saying which forms are known
    return value


VersionRange = Annotated[StrictStr, BeforeValidator(_version_text), AfterValidator(_version_range)]


class Names(BaseModel):
    """A name in both languages, e.g. a sector's: ``{zh: 会计, en: accounting}``."""

    model_config = STRICT
    zh: Text
    en: Text


class Extends(BaseModel):
    """``extends: {id: ..., version: ...}``: extend a layer and pin the versions it was written against.

    ``version`` is an exact version (``1.1.0``) or a range (``^1.1``, ``~1.1``, ``>=1.1,<2``; see ``versions``).
    """

    model_config = STRICT
    id: LayerId
    version: VersionRange


RulePattern = Annotated[StrictStr, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.\-*?#\u4e00-\u9fff]+$")]
"""A rule id, or a pattern of rule ids with ``*`` (any characters) and ``?`` (one), e.g. ``xj.hours.*``."""


class Grant(BaseModel):
    """What sector layers extending this one may override, for which sectors, on which legal basis.

    ``sectors`` names sectors; ``any_sector: true`` grants the same to every other sector department too (六:
    "教育、卫生等行业主管部门"). The targets are parameters and rules of this layer or of the layers below it;
    both may be patterns (``xj.hours.*``).
    """

    model_config = STRICT
    sectors: tuple[Key, ...] = ()
    any_sector: bool = False
    basis: Cite
    parameters: tuple[RulePattern, ...] = ()
    rules: tuple[RulePattern, ...] = ()

    @model_validator(mode="after")
    def _for_someone(self) -> Grant:
        if not self.sectors and not self.any_sector:
            raise ValueError("a grant names its sectors, or says any_sector: true")
        return self

    def for_sector(self, sector: str) -> bool:
        """Whether the grant empowers a layer of ``sector``."""
        return self.any_sector or sector in self.sectors


class WindowEntry(BaseModel):
    """A window of days, each end a date or a ``MM-DD`` day of the record's own year."""

    model_config = STRICT
    from_: dt.date | MonthDay = Field(alias="from")
    to: dt.date | MonthDay


class CalendarEntry(BaseModel):
    """When study counts for some covered years, and the date they are decided as of by default.

    ``years`` left out: every year the layer covers. A field left out is taken from the layers below.
    """

    model_config = STRICT
    years: tuple[Year, ...] = ()
    study: WindowEntry | None = None
    make_up: WindowEntry | None = None
    decide_on: dt.date | MonthDay | None = None
    cite: Cite
    provenance: Literal["N", "R", "S", "P"] = "N"

    @model_validator(mode="after")
    def _something(self) -> CalendarEntry:
        if self.study is None and self.make_up is None and self.decide_on is None:
            raise ValueError("a calendar entry gives a study window, a make-up window or a decision date")
        return self


class AttributeEntry(BaseModel):
    """A person attribute a layer declares: records may carry it, rules may test it."""

    model_config = STRICT
    description: Text
    choices: tuple[Key, ...] = Field(min_length=1)
    cite: Cite


AttributeName = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class ValuesEntry(BaseModel):
    """More of a choice field of an activity: values it may take, kinds that may carry it (optional there)."""

    model_config = STRICT
    values: tuple[Key, ...] = ()
    kinds: tuple[Key, ...] = ()
    cite: Cite
    provenance: Literal["N", "R", "S", "P"] = "N"

    @model_validator(mode="after")
    def _something(self) -> ValuesEntry:
        if not self.values and not self.kinds:
            raise ValueError("give values the field may take, kinds that may carry it, or both")
        return self


class ActivityAttributeEntry(BaseModel):
    """An activity attribute a layer declares: the kinds that may carry it and its values."""

    model_config = STRICT
    description: Text
    kinds: tuple[Key, ...] = Field(min_length=1)
    choices: tuple[Key, ...] = Field(min_length=1)
    cite: Cite
    provenance: Literal["N", "R", "S", "P"] = "N"


class Reading(BaseModel):
    """A reading the layer makes of text that does not settle it (a ``readings:`` entry of ``layer.yaml``).

    ``where`` names what carries it in the data: parameters (each must be provisional, ``P``) and rules of the
    layer's chain; ``if_corrected`` says what would change if the reading were corrected.
    """

    model_config = STRICT
    id: Key
    cite: Cite
    text: Text
    where: tuple[Key, ...] = Field(min_length=1)
    if_corrected: Text


class LayerFile(BaseModel):
    """The shape of ``layer.yaml``: the layer's id, version, what it extends, covers and grants."""

    model_config = STRICT
    id: LayerId
    version: Version
    title: Text
    extends: LayerId | Extends | None = None
    sector: Key | None = None
    sector_name: Names | None = None
    document: _Document
    in_force: InForce
    applies_to: _AppliesTo | None = None
    calendar: tuple[CalendarEntry, ...] = ()
    person_attributes: dict[AttributeName, AttributeEntry] = Field(default_factory=dict)
    activity_values: dict[Key, ValuesEntry] = Field(default_factory=dict)
    activity_attributes: dict[AttributeName, ActivityAttributeEntry] = Field(default_factory=dict)
    overridable: tuple[Grant, ...] = ()
    readings: tuple[Reading, ...] = ()

    @model_validator(mode="after")
    def _named_sector(self) -> LayerFile:
        if self.sector_name is not None and self.sector is None:
            raise ValueError("sector_name names the sector of a sector layer: give sector too")
        return self

    @property
    def extends_id(self) -> str | None:
        """The id of the layer this one extends."""
        return self.extends.id if isinstance(self.extends, Extends) else self.extends

    @property
    def extends_version(self) -> str | None:
        """The version of that layer this one is pinned to, if any."""
        return self.extends.version if isinstance(self.extends, Extends) else None


class _ClauseEntry(BaseModel):
    model_config = STRICT
    section: Text
    text: Text
    document: Text | None = None
    provenance: Literal["N", "R", "S"] = "N"


class ClausesFile(BaseModel):
    """The shape of ``clauses.yaml``: the clause register, each clause with its text."""

    model_config = STRICT
    clauses: dict[Key, _ClauseEntry]


class CodeEntry(BaseModel):
    model_config = STRICT
    zh: Text
    en: Text
    cite: Cite


class CodesFile(BaseModel):
    """The shape of ``codes.yaml``: reason and consequence codes, and texts, with their messages."""

    model_config = STRICT
    reasons: dict[Key, CodeEntry] = Field(default_factory=dict)
    consequences: dict[Key, CodeEntry] = Field(default_factory=dict)
    texts: dict[Key, CodeEntry] = Field(default_factory=dict)


class ValueEntry(BaseModel):
    model_config = STRICT
    from_: dt.date = Field(alias="from")
    value: Any


class ParameterEntry(BaseModel):
    model_config = STRICT
    description: Text
    type: Literal["hours", "integer", "date", "choices", "route", "share"]
    cite: Cite
    provenance: Literal["N", "R", "S", "P"]
    checked_on: dt.date | None = None
    values: tuple[ValueEntry, ...] = Field(min_length=1)


class ParametersFile(BaseModel):
    """The shape of ``parameters.yaml``: each parameter with its values by date."""

    model_config = STRICT
    parameters: dict[Key, ParameterEntry]


class RuleEntry(BaseModel):
    model_config = STRICT
    id: Key
    cite: Cite
    stage: Literal[STAGES]  # type: ignore[valid-type]
    description: Text | None = None
    in_force: InForce | None = None
    when: dict[str, Any] | None = None
    then: dict[str, Any] = Field(min_length=1)


class RulesFile(BaseModel):
    """The shape of ``rules.yaml``: the layer's rules."""

    model_config = STRICT
    rules: tuple[RuleEntry, ...]


class ParameterOverride(BaseModel):
    """New values for a parameter of a layer below, with their own citation and legal basis."""

    model_config = STRICT
    basis: Cite | None = None
    cite: Cite
    provenance: Literal["N", "R", "S", "P"]
    description: Text | None = None
    checked_on: dt.date | None = None
    values: tuple[ValueEntry, ...] = Field(min_length=1)


class ExceptionEntry(BaseModel):
    """A named exception to a named rule of a layer below: where ``when`` holds, it applies instead."""

    model_config = STRICT
    id: Key
    to: Key
    basis: Cite | None = None
    cite: Cite
    description: Text | None = None
    in_force: InForce | None = None
    when: dict[str, Any] | None = None
    then: dict[str, Any] = Field(default_factory=dict)
    """The outcomes that apply instead; none (``{}`` or left out): the rule is set aside where ``when`` holds."""


class OverridesFile(BaseModel):
    """The shape of ``overrides.yaml``: a sector layer's parameter values and named exceptions."""

    model_config = STRICT
    parameters: dict[Key, ParameterOverride] = Field(default_factory=dict)
    exceptions: tuple[ExceptionEntry, ...] = ()


FILE_MODELS: dict[str, type[BaseModel]] = {
    "layer.yaml": LayerFile,
    "clauses.yaml": ClausesFile,
    "codes.yaml": CodesFile,
    "parameters.yaml": ParametersFile,
    "rules.yaml": RulesFile,
    "overrides.yaml": OverridesFile,
}
