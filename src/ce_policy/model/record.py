"""What goes in: a person, their activities, one year's record, and a title applicant's history.

These models are the input contract. They are frozen and reject unknown fields; booleans and strings are
strict (``"yes"`` is not ``true``); hours are exact decimals with at most two places (see ``_hours``).
Which fields each kind of activity carries is part of the contract (``WAY_FIELDS``); what those fields *mean*
for the law is decided by the policy's rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ce_policy.model.errors import RecordError, RecordProblem
from ce_policy.model.hours import Hours
from ce_policy.model.ways import (
    ACTIVITY_KINDS,
    BUILT_IN,
    CHOICES,
    DEFERRED,
    DEGREE_LEVELS,
    VOCABULARY_CONTEXT,
    WAY_FIELDS,
    ActivityKind,
    TitleLevel,
    Vocabulary,
    activity_problems,
    person_problems,
)

__all__ = [
    "ACTIVITY_KINDS",
    "DEFERRED",
    "DEGREE_LEVELS",
    "GENERAL_SECTOR",
    "MAX_ACTIVITIES",
    "MAX_ATTRIBUTES",
    "WAY_FIELDS",
    "Activity",
    "Certificate",
    "CycleYear",
    "History",
    "IntegrityFlag",
    "Person",
    "Record",
    "TitleLevel",
    "Vocabulary",
    "parse_model",
    "vocabulary_problems",
]

MAX_ACTIVITIES = 1_000
GENERAL_SECTOR = "general"
"""The sector of people without sector rules of their own."""
MAX_ID_LENGTH = 64
MAX_LABELS = 16
"""The most grouping labels a record may carry."""
MAX_LABEL_LENGTH = 100
MAX_ATTRIBUTES = 20
"""The most person attributes a record may carry, and a policy may declare."""

OrganiserLevel = Literal["national", "region", "prefecture", "county", "unit"]
"""The built-in organiser levels (a policy may add values; see ``ways``)."""


def _enum(name: str) -> WithJsonSchema:
    """The JSON Schema of a choice field: text, one of ce_policy's values (a policy's schema adds its own)."""
    return WithJsonSchema({"type": "string", "enum": list(CHOICES[name])})


# Choice fields are text whose values the vocabulary of the deciding policy checks (``ways``).
_Text = StrictStr  # any text: the vocabulary decides, with one problem for a value outside it
OrganiserLevelChoice = Annotated[_Text, _enum("organiser_level")]
RoleChoice = Annotated[_Text, _enum("role")]
DegreeLevelChoice = Annotated[_Text, _enum("degree_level")]
PatentTypeChoice = Annotated[_Text, _enum("patent_type")]
PublicationTypeChoice = Annotated[_Text, _enum("publication_type")]
JournalChoice = Annotated[_Text, _enum("journal")]
ApprovalChoice = Annotated[_Text, _enum("approval")]
ProjectLevelChoice = Annotated[_Text, _enum("project_level")]

Identifier = Annotated[StrictStr, Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=r"^[^\s]+$")]
AttributeName = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
AttributeValue = Annotated[StrictStr, Field(min_length=1, max_length=128)]
Code = Annotated[StrictStr, Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=r"^[a-z][a-z0-9_.-]*$")]


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Accept a date, or text ``YYYY-MM-DD``; refuse numbers (timestamps) and datetimes."""
    if isinstance(value, dt.datetime):
        raise PydanticCustomError("invalid_date", "expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("invalid_date", "expected a date written YYYY-MM-DD, got {value}", {"value": repr(value)})


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A calendar date, written ``YYYY-MM-DD`` in JSON."""
LabelName = Annotated[StrictStr, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
LabelValue = Annotated[StrictStr, Field(min_length=1, max_length=MAX_LABEL_LENGTH)]
Labels = Annotated[dict[LabelName, LabelValue], Field(max_length=MAX_LABELS)]
"""Free grouping labels (e.g. ``{"county": "库车市", "employer": "…"}``): reported on, never read by a rule."""
M = TypeVar("M", bound=BaseModel)

_FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


class Person(BaseModel):
    """A professional technical person (专业技术人员).

    Attributes:
        id: the caller's identifier for the person.
        title_level: ``junior`` (初级), ``intermediate`` (中级) or ``senior``
            (副高 and 正高).
        sector: the person's sector (行业); ``general`` when no sector rules apply.
        region: the region code that picks the policy, e.g. ``xj.aksu``; ``None`` means the registry's
            default.
        degree_level: the highest degree the person holds (the levels of ``degree_study``), if known.
        attributes: further attributes declared by the policy's layers (``person_attributes:``), by name;
            each name and value is checked against the policy that decides; ``None``: none given.
    """

    model_config = _FROZEN

    id: Identifier
    title_level: TitleLevel
    sector: Code = GENERAL_SECTOR
    region: Code | None = None
    degree_level: DegreeLevelChoice | None = None
    attributes: Annotated[dict[AttributeName, AttributeValue], Field(max_length=MAX_ATTRIBUTES)] | None = None

    @model_validator(mode="after")
    def _degree_in_the_vocabulary(self, info: ValidationInfo) -> Person:
        problems = person_problems(self.__dict__, "$", _vocabulary(info))
        if problems:
            raise PydanticCustomError("vocabulary", "; ".join(p.message for p in problems))
        return self


class Activity(BaseModel):
    """One continuing-education activity as registered on, or applied for through, the platform.

    ``hours`` are the 学时 registered on the platform (public courses, training, advanced seminars)
    or, for the ways registered by application, the hours the applicant claims; the policy may cap or
    convert them.
    Which of the optional fields a kind must or may carry is given by ``WAY_FIELDS``.
    """

    model_config = _FROZEN

    id: Identifier
    kind: ActivityKind
    hours: Hours
    on_platform: StrictBool
    passed: StrictBool
    completed_on: IsoDate
    organiser_level: OrganiserLevelChoice | None = None
    role: RoleChoice | None = None
    degree_level: DegreeLevelChoice | None = None
    patent_type: PatentTypeChoice | None = None
    granted_on: IsoDate | None = None
    publication_type: PublicationTypeChoice | None = None
    journal: JournalChoice | None = None
    approval: ApprovalChoice | None = None
    project_level: ProjectLevelChoice | None = None
    credits: Hours | None = None
    attributes: Annotated[dict[AttributeName, AttributeValue], Field(max_length=MAX_ATTRIBUTES)] | None = None

    @model_validator(mode="after")
    def _fits_the_vocabulary(self, info: ValidationInfo) -> Activity:
        """Choices, way fields and attributes as the vocabulary allows (``ways``; `parse_model` names each)."""
        problems = activity_problems(self.__dict__, "$", _vocabulary(info))
        if problems:
            raise PydanticCustomError("vocabulary", "; ".join(p.message for p in problems))
        return self


class Record(BaseModel):
    """One person's continuing education in one year: the input of `ce_policy.evaluate`.

    Attributes:
        person: the person.
        year: the year.
        activities: the year's activities (at most `MAX_ACTIVITIES`).
        labels: free grouping labels, e.g. ``{"county": "库车市", "employer": "…"}`` (at most 16; names
            ``[a-z][a-z0-9_]*`` of up to 32 characters, values of 1 to 100): what ``ce-policy batch`` groups
            its summary by. They are never read by any rule and never change a decision.
    """

    model_config = _FROZEN

    person: Person
    year: Annotated[int, Field(strict=True, ge=1990, le=2100)]
    activities: Annotated[tuple[Activity, ...], Field(max_length=MAX_ACTIVITIES)] = ()
    labels: Labels | None = None

    @model_validator(mode="after")
    def _activity_ids_unique(self) -> Record:
        seen: set[str] = set()
        for activity in self.activities:
            if activity.id in seen:
                raise PydanticCustomError(
                    "duplicate_activity_id",
                    "activity id {id} appears more than once",
                    {"id": repr(activity.id)},
                )
            seen.add(activity.id)
        return self


class Certificate(BaseModel):
    """A continuing-education certificate (合格证书) shown for a year instead of a full record.

    Attributes:
        year: the year the certificate covers.
        public: the public-subject part (公需科目) was completed.
        professional: the professional-subject part (专业科目) was completed.
        issued_on: when it was issued; a certificate issued after the application date does not count.
    """

    model_config = _FROZEN

    year: Annotated[int, Field(strict=True, ge=1990, le=2100)]
    public: StrictBool
    professional: StrictBool
    issued_on: IsoDate | None = None


class CycleYear(BaseModel):
    """An earlier year of a multi-year training cycle, shown by the hours counted for it (e.g. certified).

    Attributes:
        year: the year.
        hours: the hours counted for that year.
    """

    model_config = _FROZEN

    year: Annotated[int, Field(strict=True, ge=1990, le=2100)]
    hours: Hours


class IntegrityFlag(BaseModel):
    """A finding that the person forged or supplied false continuing-education material (八(四))."""

    model_config = _FROZEN

    kind: Literal["false_ce_material"]
    on: IsoDate


class History(BaseModel):
    """What a title applicant shows for the years a title review looks at (六(一))."""

    model_config = _FROZEN

    person: Person
    title_level_sought: TitleLevel | None = None
    records: Annotated[tuple[Record, ...], Field(max_length=50)] = ()
    certificates: Annotated[tuple[Certificate, ...], Field(max_length=100)] = ()
    flags: Annotated[tuple[IntegrityFlag, ...], Field(max_length=100)] = ()

    @property
    def level_sought(self) -> TitleLevel:
        """The title level the review is for: ``title_level_sought``, else the level the person holds."""
        return self.title_level_sought or self.person.title_level

    @model_validator(mode="after")
    def _records_are_this_persons(self) -> History:
        years: set[int] = set()
        for record in self.records:
            if record.person.id != self.person.id:
                raise ValueError(f"record for {record.year} belongs to {record.person.id!r}, not {self.person.id!r}")
            if record.year in years:
                raise ValueError(f"more than one record for {record.year}")
            years.add(record.year)
        return self


def json_path(loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into a JSON path such as ``$.activities[2].hours``."""
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else part if part == "[key]" else f".{part}"
    return path


_CODE_BY_TYPE = {
    "missing": "missing_field",
    "extra_forbidden": "unknown_field",
    "literal_error": "invalid_choice",
    "bool_type": "wrong_type",
    "string_type": "wrong_type",
    "int_type": "wrong_type",
    "date_type": "wrong_type",
    "model_type": "wrong_type",
    "tuple_type": "wrong_type",
    "date_from_datetime_parsing": "invalid_date",
    "date_parsing": "invalid_date",
    "date_from_datetime_inexact": "invalid_date",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "too_long": "too_many_items",
    "string_pattern_mismatch": "invalid_format",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
}


_OWN_CODES = frozenset(
    {"wrong_type", "hours_invalid", "hours_precision", "invalid_date", "way_fields", "duplicate_activity_id"}
)
_FOUND_BEFORE_VALIDATION = frozenset({"vocabulary", "way_fields", "duplicate_activity_id"})
"""Problems that `parse_model` finds again on the raw data, each at its exact path (pydantic runs a model's own
checks only once all of its fields are valid)."""


def _problem_from(error: Mapping[str, Any]) -> RecordProblem:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith(("function-", "json-"))))
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    code = kind if kind in _OWN_CODES else _CODE_BY_TYPE.get(kind, "invalid_value" if kind == "value_error" else kind)
    return RecordProblem(json_path(loc), code, message)


def _activity_problems(activities: Any, prefix: str, vocabulary: Vocabulary) -> list[RecordProblem]:
    """The activities' vocabulary (choices, way fields, attributes) and duplicate ids, checked on the raw data.

    Pydantic runs model validators only once every field is valid; checking here reports these problems
    together with every other one, each at its exact path.
    """
    problems: list[RecordProblem] = []
    if not isinstance(activities, list | tuple):
        return problems
    seen: set[str] = set()
    for i, activity in enumerate(activities):
        if not isinstance(activity, Mapping):
            continue
        where = f"{prefix}.activities[{i}]"
        problems += activity_problems(activity, where, vocabulary)
        activity_id = activity.get("id")
        if isinstance(activity_id, str):
            if activity_id in seen:
                message = f"activity id {activity_id!r} appears more than once"
                problems.append(RecordProblem(f"{where}.id", "duplicate_activity_id", message))
            seen.add(activity_id)
    return problems


def _raw_problems(data: Mapping[str, Any], vocabulary: Vocabulary) -> list[RecordProblem]:
    problems = _activity_problems(data.get("activities"), "$", vocabulary)
    person = data.get("person")
    if isinstance(person, Mapping):
        problems += person_problems(person, "$.person", vocabulary)
    records = data.get("records")
    if isinstance(records, list | tuple):
        for i, record in enumerate(records):
            if isinstance(record, Mapping):
                problems += _activity_problems(record.get("activities"), f"$.records[{i}]", vocabulary)
                inner = record.get("person")
                if isinstance(inner, Mapping):
                    problems += person_problems(inner, f"$.records[{i}].person", vocabulary)
    return problems


def _vocabulary(info: ValidationInfo) -> Vocabulary:
    """The vocabulary a validation checks against: the context's, else ce_policy's own."""
    context = info.context
    found = context.get(VOCABULARY_CONTEXT) if isinstance(context, Mapping) else None
    return found if isinstance(found, Vocabulary) else BUILT_IN


def parse_model(model: type[M], data: Any, vocabulary: Vocabulary = BUILT_IN) -> M:
    """Validate ``data`` (a model instance or plain JSON data) as ``model``, under ``vocabulary``.

    ``vocabulary`` is ce_policy's own by default, a policy's (`ce_policy.Policy.vocabulary`) for a record it
    decides, or `DEFERRED` to check the structure now and the vocabulary once the policy is known. A model
    instance is returned as it is.

    Raises:
        RecordError: listing every problem with its JSON path.
    """
    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    if not isinstance(data, Mapping):
        raise RecordError([RecordProblem("$", "wrong_type", f"expected a JSON object, got {type(data).__name__}")])
    try:
        return model.model_validate(data, context={VOCABULARY_CONTEXT: vocabulary})
    except ValidationError as exc:
        found = [_problem_from(e) for e in exc.errors(include_url=False)]
        problems = [p for p in found if p.code not in _FOUND_BEFORE_VALIDATION] + _raw_problems(data, vocabulary)
        raise RecordError(problems or found) from None


def vocabulary_problems(record: Record, vocabulary: Vocabulary) -> list[RecordProblem]:
    """What a parsed record says that ``vocabulary`` does not allow, each problem at its JSON path."""
    problems = person_problems(record.person.__dict__, "$.person", vocabulary)
    for i, activity in enumerate(record.activities):
        problems += activity_problems(activity.__dict__, f"$.activities[{i}]", vocabulary)
    return problems
