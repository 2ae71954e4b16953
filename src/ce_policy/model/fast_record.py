"""A record checked by pydantic-core alone: the valid record's fast path, under one vocabulary.

`parse_model` checks a record with Python validators (hours, dates) and the vocabulary with Python per
activity, so that every problem is listed with its exact path. Most records are valid, and for them that
is wasted: `valid_record` checks the same record with one schema that pydantic-core runs natively, built
once per `Vocabulary` from the models' own schemas. Hours and dates get native schemas, and the activity a
union discriminated on ``kind`` in which each kind carries exactly its way fields (required ones required,
the others absent or null) with the values its kind may take. The person's degree and the activities'
attributes, which few records give, are checked in Python.

The fast schema accepts a subset of what `parse_model` accepts, with equal values (hours as plain decimals,
dates from ``YYYY-MM-DD`` text or date objects): what it refuses goes to `parse_model`, which accepts it or
names every problem as before (tests/test_fast_paths.py). Hours are read as the number given (int, float or
decimal: JSON Lines are read exactly) and made decimals in Python, each distinct value once
(`decimal_hours`, `_hours_value`).

`valid_fields` gives the same record as plain field dicts (no models), and `table_schemas` the same checks
cut into columns, for the population path (``model.record_table``).

pydantic-core reuses a complete model's own validator for a model schema of its class when that validator is
the model's alone; `Record`, `Person` and `Activity` have checks of their own (``function-after``), so the
schemas here are built as given.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from decimal import Decimal
from math import copysign
from typing import Any, NamedTuple, TypeVar, cast

from pydantic import ValidationError
from pydantic_core import SchemaValidator
from pydantic_core import core_schema as cs

from ce_policy.model.hours import MAX_HOURS, parse_hours, plain_hours
from ce_policy.model.record import Activity, Person, Record, within_limits
from ce_policy.model.ways import OPTIONAL_FIELDS, Vocabulary, activity_problems, person_problems

__all__ = ["RecordFields", "TableSchemas", "decimal_hours", "table_schemas", "valid_fields", "valid_record"]

_MAX_WHOLE = int(MAX_HOURS)
T = TypeVar("T")
_DATE_TEXT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _hours_number_schema() -> cs.CoreSchema:
    """Hours as the number given (int or float within 0..10000, or a decimal), made decimals in Python.

    `_hours_value` checks the places and converts each distinct value once: making a Decimal in pydantic-core
    costs more than the rest of an activity's checks.
    """
    return cs.union_schema(
        [
            cs.int_schema(strict=True, ge=0, le=_MAX_WHOLE),
            cs.float_schema(strict=True, ge=0, le=float(MAX_HOURS), allow_inf_nan=False),
            cs.is_instance_schema(Decimal),  # checked by `decimal_hours`
        ],
        mode="left_to_right",
    )


def _date_schema() -> cs.CoreSchema:
    """A date object (not a date and time), or text ``YYYY-MM-DD`` naming a real day."""
    text = cs.chain_schema([cs.str_schema(strict=True, pattern=_DATE_TEXT), cs.date_schema()])
    return cs.union_schema([text, cs.date_schema(strict=True)], mode="left_to_right")  # text first: the usual


def _choice(values: tuple[str, ...]) -> cs.CoreSchema:
    return cs.chain_schema([cs.str_schema(strict=True), cs.literal_schema(list(values))])


def _native(schema: Any) -> Any:
    """The generated schema with its Python validators replaced by native ones and its model checks unwrapped.

    The vocabulary's model checks (``function-after`` on `Activity` and `Person`) are dropped: the activity's
    is replaced by the kind union of `_activity_union`, the person's is checked in Python once per record.
    """
    if isinstance(schema, list):
        return [_native(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    function = schema.get("function", {}).get("function") if kind in ("function-before", "function-after") else None
    if function is parse_hours:
        return _hours_number_schema()
    if kind == "function-before" and schema["schema"].get("type") == "date":
        return _date_schema()  # IsoDate
    if kind == "function-after" and schema["schema"].get("cls") is not Record:
        return _native(schema["schema"])  # the vocabulary's checks, made below or in Python
    return {k: _native(v) for k, v in schema.items() if k not in ("ref", "metadata")}


def _activity_union(activity: dict[str, Any], vocabulary: Vocabulary) -> cs.CoreSchema:
    """The activity as a union discriminated on ``kind``: each kind with its own way fields and values."""
    choices: dict[str, cs.CoreSchema] = {}
    for kind, allowed in vocabulary.way_fields.items():
        fields = dict(activity["schema"]["fields"])  # the fields' schemas are shared, those changed replaced
        for name in OPTIONAL_FIELDS:
            inner = fields[name]["schema"]["schema"]["schema"]  # default(None, nullable(inner))
            if name in vocabulary.choices and name in allowed:
                inner = _choice(vocabulary.values_for(kind, name))
            if name not in allowed:
                schema = cs.with_default_schema(cs.none_schema(), default=None)
            elif allowed[name]:
                schema = inner
            else:
                schema = cs.with_default_schema(cs.nullable_schema(inner), default=None)
            fields[name] = {**fields[name], "schema": schema}
        choices[kind] = {**activity, "schema": {**activity["schema"], "fields": fields}}
    return cs.tagged_union_schema(choices, discriminator="kind")


def _as_fields(schema: Any) -> Any:
    """The schema with each model a typed dict of the same fields: the same checks, values as plain dicts.

    A model's field dict is what its instance's ``__dict__`` would hold (defaults filled in); the record's own
    check (activity ids unique) is left out, for `valid_fields` to make.
    """
    if isinstance(schema, list):
        return [_as_fields(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if kind == "function-after" and schema["schema"].get("cls") is Record:
        return _as_fields(schema["schema"])
    if kind == "model":
        inner = schema["schema"]
        fields = {
            name: {
                "type": "typed-dict-field",
                "schema": _as_fields(given["schema"]),
                "required": given["schema"].get("type") != "default",
            }
            for name, given in inner["fields"].items()
        }
        extra = schema.get("config", {}).get("extra_fields_behavior", "ignore")
        return {"type": "typed-dict", "fields": fields, "extra_behavior": extra}
    return {k: _as_fields(v) for k, v in schema.items()}


def _build(vocabulary: Vocabulary) -> tuple[SchemaValidator, SchemaValidator] | None:
    if set(vocabulary.choices) - set(OPTIONAL_FIELDS):
        return None  # a choice field this schema does not know: checked in Python only
    schema = _native(Record.__pydantic_core_schema__)
    fields = schema["schema"]["schema"]["fields"]
    activities = fields["activities"]["schema"]["schema"]  # default((), tuple(activity, max_length))
    activities["items_schema"] = [_activity_union(activities["items_schema"][0], vocabulary)]
    return SchemaValidator(schema), SchemaValidator(_as_fields(schema))


_CACHE_SIZE = 64
_built: OrderedDict[tuple[Any, int], tuple[Vocabulary, Any]] = OrderedDict()
_lock = threading.Lock()


def _once(build: Callable[[Vocabulary], T], vocabulary: Vocabulary) -> T:
    """``build(vocabulary)``, built once per vocabulary and builder (the last 64 kept)."""
    key = (build, id(vocabulary))
    with _lock:
        found = _built.get(key)
        if found is not None and found[0] is vocabulary:
            _built.move_to_end(key)
            return cast(T, found[1])
    made = build(vocabulary)
    with _lock:
        _built[key] = (vocabulary, made)  # the vocabulary is kept: its id is not reused while here
        if len(_built) > _CACHE_SIZE:
            _built.popitem(last=False)
    return made


def _validators_of(vocabulary: Vocabulary) -> tuple[SchemaValidator, SchemaValidator] | None:
    """The fast schemas of ``vocabulary`` (as models, as field dicts), built once."""
    return _once(_build, vocabulary)


def _validator(vocabulary: Vocabulary) -> SchemaValidator | None:
    """The fast schema of ``vocabulary`` as models."""
    built = _validators_of(vocabulary)
    return None if built is None else built[0]


_KEYS = {model: len(model.model_fields) for model in (Record, Person, Activity)}


def _too_wide(data: dict[str, Any]) -> bool:
    """Whether the record, its person or an activity has more keys than its model has fields (some unknown).

    Each unknown key is a problem: a million of them would cost a million errors here before `parse_model`,
    which lists those of the first few keys only, is asked.
    """
    try:
        return (
            len(data) > _KEYS[Record]
            or len(data.get("person", ())) > _KEYS[Person]
            or max(map(len, data.get("activities", ())), default=0) > _KEYS[Activity]
        )
    except TypeError:  # a person or an activity that is not an object
        return True


def valid_record(data: dict[str, Any], vocabulary: Vocabulary) -> Record | None:
    """``data`` as a `Record` if pydantic-core alone finds it valid under ``vocabulary``, else ``None``.

    ``None`` says only that this path does not vouch for the record: `parse_model` decides, and names the
    problems. The person's degree and the activities' attributes are checked in Python, on the few records
    that give them; the person's attributes are the policy's to check (``decide.facts.check_attributes``).
    """
    if vocabulary.deferred or vocabulary.required_only or not within_limits(data) or _too_wide(data):
        return None  # a list over its limit, or an object with unknown keys: refused before its items are read
    validator = _validator(vocabulary)
    if validator is None:
        return None
    try:
        record: Record = validator.validate_python(data)
    except ValidationError:
        return None
    if not _exact_hours([activity.__dict__ for activity in record.activities]):
        return None
    if record.person.degree_level is not None and person_problems(record.person.__dict__, "$.person", vocabulary):
        return None
    for activity in record.activities:
        if activity.attributes and activity_problems(activity.__dict__, "$", vocabulary):
            return None  # attributes the vocabulary does not declare, or not for the kind, or another value
    return record


_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_NEGATIVE_ZERO = Decimal("-0")
_DECIMALS: dict[float | Decimal, Decimal] = {}
_DECIMALS_SIZE = 4096


def _hours_value(number: float | Decimal) -> Decimal | None:
    """The checked number of hours as `parse_hours` reads it; ``None`` when it has more than two places.

    ``round(h * 100) / 100 == h`` holds exactly for the floats whose shortest form has at most two places
    (within 0..10000, ``h * 100`` is within far less than half of the nearest whole number, and the quotient
    is correctly rounded). Each distinct value is converted once (quarter hours repeat).
    """
    if isinstance(number, Decimal):
        return decimal_hours(number)
    if not number:  # zero: ``-0.0`` gives ``-0``, as in `parse_hours`, and is not shared with ``0``
        return _NEGATIVE_ZERO if copysign(1.0, number) < 0 else _ZERO
    found = _DECIMALS.get(number)
    if found is not None:
        return found
    if number.__class__ is int or number.is_integer():
        value = Decimal(int(number))
    elif round(number * 100) / 100 != number:
        return None  # more than two places
    else:
        value = Decimal(repr(number))
    if len(_DECIMALS) >= _DECIMALS_SIZE:
        _DECIMALS.clear()
    _DECIMALS[number] = value
    return value


def decimal_hours(number: Decimal) -> Decimal | None:
    """Hours given as a decimal (JSON Lines read exactly) as `parse_hours` reads them; ``None``: refused."""
    if not number.is_finite() or number < 0 or number > MAX_HOURS:
        return None
    if number.is_zero():
        return plain_hours(number)  # ``-0`` stays ``-0``, as in `parse_hours`: not shared with a float's zero
    found = _DECIMALS.get(number)
    if found is not None:
        return found
    if number != number.quantize(_CENT):
        return None  # more than two places
    value = plain_hours(number)
    if len(_DECIMALS) >= _DECIMALS_SIZE:
        _DECIMALS.clear()
    _DECIMALS[number] = value
    return value


def _exact_hours(activities: Iterable[dict[str, Any]]) -> bool:
    """Each activity's hours and credits (read as numbers) made decimals, in its field dict; ``False``: refused.

    The models are frozen, but nobody holds them yet: their field dicts are set here, once. A whole or float
    number of hours seen before is found in one lookup (only values of at most two places are kept, never 0).
    """
    known = _DECIMALS.get
    for fields in activities:
        given = fields["hours"]
        hours = known(given) if given.__class__ is float or given.__class__ is int else None
        if hours is None:
            hours = _hours_value(given)
            if hours is None:
                return False
        fields["hours"] = hours
        given = fields["credits"]
        if given is not None:
            credits = fields["credits"] = _hours_value(given)
            if credits is None:
                return False
    return True


class RecordFields(NamedTuple):
    """A valid record as plain field dicts: what `Record`, its `Person` and each `Activity` would hold."""

    person: dict[str, Any]
    year: int
    activities: tuple[dict[str, Any], ...]


def valid_fields(data: dict[str, Any], vocabulary: Vocabulary) -> RecordFields | None:
    """`valid_record` without the models: the same checks and values, each model's fields as a plain dict.

    For the population path, which reads fields and never needs the objects (building them costs four times
    the checking). ``None`` exactly when `valid_record` gives ``None``.
    """
    if vocabulary.deferred or vocabulary.required_only or not within_limits(data) or _too_wide(data):
        return None
    built = _validators_of(vocabulary)
    if built is None:
        return None
    try:
        fields: dict[str, Any] = built[1].validate_python(data)
    except ValidationError:
        return None
    person, activities = fields["person"], fields["activities"]
    if len({activity["id"] for activity in activities}) != len(activities):
        return None  # an id given twice (`Record`'s own check)
    if not _exact_hours(activities):
        return None
    if person["degree_level"] is not None and person_problems(person, "$.person", vocabulary):
        return None
    for activity in activities:
        if activity["attributes"] and activity_problems(activity, "$", vocabulary):
            return None
    return RecordFields(person, fields["year"], activities)


class TableSchemas(NamedTuple):
    """The fast schema of one vocabulary cut into columns: each field's values checked as one list.

    Attributes:
        person: for each person field, a list validator of its values and whether it may be left out.
        year: a list validator of the records' years.
        activity: for each field every activity carries (id, kind, hours as numbers, the two flags,
            completed_on), a list validator of its values.
        by_kind: for each kind, each optional field's list validator (``None``: the kind does not carry it,
            left out or null) and whether the kind requires it.
        degrees: the person degrees the vocabulary knows (checked in Python by `valid_record`).
        labels: a list validator of the records' labels (null allowed).
    """

    person: dict[str, tuple[SchemaValidator, bool]]
    year: SchemaValidator
    activity: dict[str, SchemaValidator]
    by_kind: dict[str, dict[str, tuple[SchemaValidator | None, bool]]]
    degrees: frozenset[str]
    labels: SchemaValidator


_BASE_ACTIVITY = ("id", "kind", "hours", "on_platform", "passed", "completed_on")


def _listed(schema: Any) -> SchemaValidator:
    return SchemaValidator(cs.list_schema(schema))


def _build_table(vocabulary: Vocabulary) -> TableSchemas | None:
    if vocabulary.deferred or vocabulary.required_only or set(vocabulary.choices) - set(OPTIONAL_FIELDS):
        return None
    schema = _native(Record.__pydantic_core_schema__)
    fields = schema["schema"]["schema"]["fields"]
    person_fields = fields["person"]["schema"]["schema"]["fields"]
    person = {}
    for name, given in person_fields.items():
        inner = given["schema"]
        optional = inner.get("type") == "default"
        person[name] = (_listed(inner["schema"] if optional else inner), optional)
    activity = fields["activities"]["schema"]["schema"]["items_schema"][0]
    union = _activity_union(activity, vocabulary)
    base = activity["schema"]["fields"]
    activities = {name: _listed(base[name]["schema"]) for name in _BASE_ACTIVITY if name != "kind"}
    activities["kind"] = _listed(cs.literal_schema(list(vocabulary.way_fields)))
    by_kind: dict[str, dict[str, tuple[SchemaValidator | None, bool]]] = {}
    for kind, choice in union["choices"].items():
        kind_fields = {}
        for name in OPTIONAL_FIELDS:
            inner = choice["schema"]["fields"][name]["schema"]
            optional = inner.get("type") == "default"
            inner = inner["schema"] if optional else inner
            kind_fields[name] = (None if inner.get("type") == "none" else _listed(inner), not optional)
        by_kind[kind] = kind_fields
    degrees = frozenset(vocabulary.choices["degree_level"])
    labels = fields["labels"]["schema"]
    labels = labels["schema"] if labels.get("type") == "default" else labels
    return TableSchemas(person, _listed(fields["year"]["schema"]), activities, by_kind, degrees, _listed(labels))


def table_schemas(vocabulary: Vocabulary) -> TableSchemas | None:
    """The column schemas of ``vocabulary`` (built once); ``None`` where only Python checks it."""
    return _once(_build_table, vocabulary)
