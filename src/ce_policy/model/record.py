"""What goes in: a person, their activities, one year's record, and a title applicant's history.

These models are the input contract. They are frozen and reject unknown fields; booleans and strings are
strict (``"yes"`` is not ``true``); hours are exact decimals with at most two places (see ``_hours``).
Which fields each kind of activity carries is part of the contract (``WAY_FIELDS``); what those fields *mean*
for the law is decided by the policy's rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sized
from itertools import islice
from operator import methodcaller
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

from ce_policy.model.errors import RecordError, RecordProblem, problem_of, shown_value
from ce_policy.model.hours import Hours
from ce_policy.model.ways import (
    ACTIVITY_KINDS,
    BUILT_IN,
    CHOICES,
    DEFERRED,
    DEGREE_LEVELS,
    MAX_ATTRIBUTES,
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
    "MAX_HISTORY_ITEMS",
    "MAX_HISTORY_RECORDS",
    "MAX_LABELS",
    "MAX_PRIOR_YEARS",
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
    "within_limits",
]

MAX_ACTIVITIES = 1_000
GENERAL_SECTOR = "general"
"""The sector of people without sector rules of their own."""
MAX_ID_LENGTH = 64
MAX_LABELS = 16
"""The most grouping labels a record may carry."""
MAX_LABEL_LENGTH = 100
MAX_HISTORY_RECORDS = 50
"""The most records (years) a title applicant's history may show."""
MAX_HISTORY_ITEMS = 100
"""The most certificates, and the most integrity flags, a history may show."""
MAX_PRIOR_YEARS = 50
"""The most earlier years of a training cycle `ce_policy.evaluate` takes (``prior=``)."""

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
Attributes = Annotated[dict[AttributeName, AttributeValue], Field(max_length=MAX_ATTRIBUTES)]
Code = Annotated[StrictStr, Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=r"^[a-z][a-z0-9_.-]*$")]


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Accept a date, or text ``YYYY-MM-DD``; refuse numbers (timestamps) and datetimes."""
    if isinstance(value, str):  # the common case first
        if _ISO_DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
    elif isinstance(value, dt.datetime):
        raise PydanticCustomError("invalid_date", "expected a date (YYYY-MM-DD), not a date and time")
    elif isinstance(value, dt.date):
        return value
    raise PydanticCustomError(
        "invalid_date", "expected a date written YYYY-MM-DD, got {value}", {"value": shown_value(value)}
    )


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
    attributes: Attributes | None = None

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
    attributes: Attributes | None = None

    @model_validator(mode="after")
    def _fits_the_vocabulary(self, info: ValidationInfo) -> Activity:
        """Choices, way fields and attributes as the vocabulary allows (``ways``; `parse_model` names each)."""
        vocabulary = _vocabulary(info)
        problems = activity_problems(self.__dict__, "$", vocabulary) if not vocabulary.deferred else None
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
    records: Annotated[tuple[Record, ...], Field(max_length=MAX_HISTORY_RECORDS)] = ()
    certificates: Annotated[tuple[Certificate, ...], Field(max_length=MAX_HISTORY_ITEMS)] = ()
    flags: Annotated[tuple[IntegrityFlag, ...], Field(max_length=MAX_HISTORY_ITEMS)] = ()

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


_FOUND_BEFORE_VALIDATION = frozenset({"vocabulary", "way_fields", "duplicate_activity_id"})
"""Problems that `parse_model` finds again on the raw data, each at its exact path (pydantic runs a model's own
checks only once all of its fields are valid)."""


def _activity_problems(activities: Any, prefix: str, vocabulary: Vocabulary) -> list[RecordProblem]:
    """The activities' vocabulary (choices, way fields, attributes) and duplicate ids, checked on the raw data.

    Pydantic runs model validators only once every field is valid; checking here reports these problems
    together with every other one, each at its exact path.
    """
    problems: list[RecordProblem] = []
    if not isinstance(activities, list | tuple) or len(activities) > MAX_ACTIVITIES:
        return problems  # refused whole (`_within_limits`)
    seen: set[str] = set()
    for i, activity in enumerate(activities):
        if not isinstance(activity, Mapping):
            continue
        where = f"{prefix}.activities[{i}]"
        problems += activity_problems(activity, where, vocabulary)
        activity_id = activity.get("id")
        if isinstance(activity_id, str):
            if activity_id in seen:
                message = f"activity id {shown_value(activity_id, MAX_ID_LENGTH)} appears more than once"
                problems.append(RecordProblem(f"{where}.id", "duplicate_activity_id", message))
            seen.add(activity_id)
    return problems


def _raw_problems(data: Mapping[str, Any], vocabulary: Vocabulary) -> list[RecordProblem]:
    problems = _activity_problems(data.get("activities"), "$", vocabulary)
    person = data.get("person")
    if isinstance(person, Mapping):
        problems += person_problems(person, "$.person", vocabulary)
    records = data.get("records")
    if isinstance(records, list | tuple) and len(records) <= MAX_HISTORY_RECORDS:
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
    found = context.get(VOCABULARY_CONTEXT) if type(context) is dict or isinstance(context, Mapping) else None
    return found if isinstance(found, Vocabulary) else BUILT_IN


def parse_model(model: type[M], data: Any, vocabulary: Vocabulary = BUILT_IN) -> M:
    """Validate ``data`` (a model instance or plain JSON data) as ``model``, under ``vocabulary``.

    ``vocabulary`` is ce_policy's own by default, a policy's (`ce_policy.Policy.vocabulary`) for a record it
    decides, or `DEFERRED` to check the structure now and the vocabulary once the policy is known. A model
    instance is returned as it is.

    Raises:
        RecordError: listing the problems with their JSON paths (the first 100, and how many more).
    """
    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    if not isinstance(data, Mapping):
        raise RecordError([RecordProblem("$", "wrong_type", f"expected a JSON object, got {type(data).__name__}")])
    context = {VOCABULARY_CONTEXT: vocabulary}
    problems: list[RecordProblem] = []
    if model is Record or model is History:
        data = _within_limits(data, "$", model is History, problems)
    try:
        parsed = model.model_validate(data, context=context)
    except ValidationError as exc:
        error, omitted = exc, 0
    else:
        if problems:
            raise RecordError(problems)
        return parsed
    if error.error_count() > _MANY_ERRORS:  # thousands of unknown keys: list those of a narrower copy
        data = _narrowed(data)
        try:
            model.model_validate(data, context=context)
        except ValidationError as exc:
            error, omitted = exc, error.error_count() - exc.error_count()
    found = [problem_of(e) for e in error.errors(include_url=False, include_input=False)]
    problems += [p for p in found if p.code not in _FOUND_BEFORE_VALIDATION] + _raw_problems(data, vocabulary)
    raise RecordError(problems or found, omitted=omitted)


_LIMITS = {
    False: (("activities", MAX_ACTIVITIES), ("labels", MAX_LABELS)),
    True: (("records", MAX_HISTORY_RECORDS), ("certificates", MAX_HISTORY_ITEMS), ("flags", MAX_HISTORY_ITEMS)),
}
_ATTRIBUTES = (("attributes", MAX_ATTRIBUTES),)
_ATTRIBUTES_OF = methodcaller("get", "attributes")


def _over(value: Any, limit: int) -> bool:
    if isinstance(value, list | tuple | dict):  # the common cases first, without an ABC check
        return len(value) > limit
    return not isinstance(value, str | bytes | None) and isinstance(value, Sized) and len(value) > limit


def _cut(data: Any, limits: tuple[tuple[str, int], ...], where: str, problems: list[RecordProblem]) -> Any:
    """``data`` with each list or object of ``limits`` over its limit emptied, with a ``too_many_items`` problem."""
    for name, limit in limits if isinstance(data, Mapping) else ():
        if _over(value := data.get(name), limit):
            message = f"{name} should have at most {limit} items, not {len(value)} (none of them was checked)"
            problems.append(RecordProblem(f"{where}.{name}", "too_many_items", message))
            data = {**data, name: {} if isinstance(value, Mapping) else []}
    return data


def _within_limits(data: Any, where: str, history: bool, problems: list[RecordProblem]) -> Any:
    """A record's (or a history's) JSON data with each list or object over its limit emptied, with a problem.

    Pydantic checks every item of a list before it counts them: a hundred thousand invalid activities would
    cost as many validations and problems. Checked here first, a list over its limit costs one ``len``, and the
    rest of the record is still checked. The data itself when all are within (a few lookups for 20 activities).
    """
    if not isinstance(data, Mapping):
        return data
    data = _cut(data, _LIMITS[history], where, problems)
    if (person := data.get("person")) is not (cut := _cut(person, _ATTRIBUTES, f"{where}.person", problems)):
        data = {**data, "person": cut}
    name = "records" if history else "activities"
    items = data.get(name)
    if not isinstance(items, list | tuple):
        return data
    if history:
        within = [_within_limits(item, f"{where}.records[{i}]", False, problems) for i, item in enumerate(items)]
    else:
        try:
            if not any(map(_ATTRIBUTES_OF, items)):  # no activity has attributes: the common case, at C speed
                return data
        except (AttributeError, TypeError):  # an activity that is not an object
            pass
        within = [_cut(item, _ATTRIBUTES, f"{where}.activities[{i}]", problems) for i, item in enumerate(items)]
    return {**data, name: within} if any(a is not b for a, b in zip(within, items, strict=True)) else data


def within_limits(data: Mapping[str, Any]) -> bool:
    """Whether no list or object of a record's JSON data is over its limit (none that `_within_limits` cuts)."""
    problems: list[RecordProblem] = []
    _within_limits(data, "$", False, problems)
    return not problems


_MANY_ERRORS = 1_000
_MAX_KEYS = 64
"""The keys of an object kept by `_narrowed`: more than any model has fields (an activity has 17)."""


def _narrowed(value: Any, depth: int = 0) -> Any:
    """``value`` with each object cut to its first `_MAX_KEYS` keys, to list the problems of those only.

    Listing a problem for every key of an object of a million costs seconds. Lists and objects that have
    limits of their own keep their length (they are refused by it), and values below any record's depth.
    """
    if depth > 6 or (isinstance(value, list | tuple) and len(value) > MAX_ACTIVITIES):
        return value
    if isinstance(value, list | tuple):
        return [_narrowed(item, depth + 1) for item in value]
    if not isinstance(value, Mapping):
        return value
    kept = islice(value.items(), _MAX_KEYS)
    return {k: v if k in ("labels", "attributes") else _narrowed(v, depth + 1) for k, v in kept}


def vocabulary_problems(record: Record, vocabulary: Vocabulary) -> list[RecordProblem]:
    """What a parsed record says that ``vocabulary`` does not allow, each problem at its JSON path."""
    problems = person_problems(record.person.__dict__, "$.person", vocabulary)
    for i, activity in enumerate(record.activities):
        problems += activity_problems(activity.__dict__, f"$.activities[{i}]", vocabulary)
    return problems
