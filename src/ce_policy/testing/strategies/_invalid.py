"""Records that must be refused: a valid record broken in exactly one way, with the problem code expected."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from pydantic import BaseModel

from ce_policy.model.hours import MAX_HOURS, hours_to_json
from ce_policy.model.record import ACTIVITY_KINDS, MAX_ACTIVITIES, MAX_ID_LENGTH, Activity, Person, Record
from ce_policy.policy.edges import PolicyEdges, policy_edges
from ce_policy.policy.loaded import Policy
from ce_policy.policy.shapes import did_you_mean
from ce_policy.testing.sampler import centi as _centi
from ce_policy.testing.strategies._activities import _WAY_FIELD_NAMES, _activity_strategy, _way_value
from ce_policy.testing.strategies._args import _DEFAULT_YEAR, _MAX_YEAR, _MIN_YEAR, Json, _resolve
from ce_policy.testing.strategies._persons import _CODES, _TITLE_LEVELS
from ce_policy.testing.strategies._records import _records

INVALID_RECORD_CODES: tuple[str, ...] = (
    "missing_field",
    "unknown_field",
    "wrong_type",
    "invalid_choice",
    "invalid_date",
    "hours_invalid",
    "hours_precision",
    "way_fields",
    "duplicate_activity_id",
    "out_of_range",
    "too_many_items",
    "too_short",
    "too_long",
    "invalid_format",
)
"""The `ce_policy.RecordError` problem codes `invalid_records` generates records for, in its shrinking order."""

_Breaker = Callable[[st.DrawFn, Json, PolicyEdges], Any]
"""Breaks a copy of a valid record (with at least two activities) in one way; returns the broken data."""


def _copy(data: Json) -> Json:
    return {**data, "person": dict(data["person"]), "activities": [dict(a) for a in data["activities"]]}


def _pick(draw: st.DrawFn, data: Json) -> Json:
    """One of the record's activities (a copy, already in place), to break."""
    index = draw(st.integers(0, len(data["activities"]) - 1))
    return data["activities"][index]  # type: ignore[no-any-return]


def _required(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, info in model.model_fields.items() if info.is_required())


def _an_object(draw: st.DrawFn, data: Json) -> tuple[Json, type[BaseModel]]:
    """The record itself, its person or one of its activities (a copy, in place), with its model."""
    target = draw(st.sampled_from(("record", "person", "activity")))
    if target == "record":
        return data, Record
    if target == "person":
        return data["person"], Person
    return _pick(draw, data), Activity


def _missing_field(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    where, model = _an_object(draw, data)
    del where[draw(st.sampled_from(_required(model)))]
    return data


def _unknown_field(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    where, model = _an_object(draw, data)
    known = set(model.model_fields)
    name = draw(_CODES.filter(lambda n: n not in known))
    where[name] = draw(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)))
    return data


def _wrong_type(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Any:
    not_text = st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=2))
    not_bool = st.one_of(st.none(), st.integers(), st.sampled_from(("yes", "true", "1")))
    target = draw(
        st.sampled_from(("year", "person", "person_field", "activities", "activity", "flag", "hours", "data"))
    )
    if target == "data":
        return draw(st.one_of(st.none(), st.integers(), st.text(max_size=8), st.just([data])))
    if target == "year":
        data["year"] = draw(
            st.one_of(st.just(str(data["year"])), st.just(float(data["year"])), st.booleans(), st.none())
        )
    elif target == "person":
        data["person"] = draw(st.one_of(st.none(), st.text(max_size=8), st.integers(), st.just([data["person"]])))
    elif target == "person_field":
        data["person"][draw(st.sampled_from(("id", "sector", "region")))] = draw(not_text)
    elif target == "activities":
        data["activities"] = draw(st.one_of(st.text(max_size=8), st.integers(), st.just({"a": data["activities"][0]})))
    elif target == "activity":
        data["activities"][0] = draw(st.one_of(st.none(), st.text(max_size=8), st.integers()))
    elif target == "flag":
        _pick(draw, data)[draw(st.sampled_from(("on_platform", "passed")))] = draw(not_bool)
    else:
        _pick(draw, data)["hours"] = draw(st.one_of(st.none(), st.booleans(), st.text(max_size=8), st.just([1])))
    return data


def _invalid_choice(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    activity = _pick(draw, data)
    given = [name for name in edges.vocabulary.choices if name in activity]
    target = draw(st.sampled_from(("title_level", "kind", *given)))
    choices = {"title_level": _TITLE_LEVELS, "kind": ACTIVITY_KINDS, **edges.vocabulary.choices}[target]
    wrong = draw(st.text(max_size=12).filter(lambda s: s not in choices))
    (data["person"] if target == "title_level" else activity)[target] = wrong
    return data


def _invalid_date(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    year = data["year"]
    wrong = st.one_of(
        st.sampled_from((f"{year}-02-30", f"{year}-13-01", f"{year}-00-10", f"{year}-1-1", f"{year}/01/01", "")),
        st.just(f"{year}-01-01T00:00:00"),
        st.integers(min_value=0),
    )
    activity = _pick(draw, data)
    name = draw(st.sampled_from(("completed_on", "granted_on") if "granted_on" in activity else ("completed_on",)))
    activity[name] = draw(wrong if name == "granted_on" else st.one_of(wrong, st.none()))
    return data


def _hours_invalid(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    limit = int(MAX_HOURS * 100)
    negative = st.integers(-limit, -1).map(lambda c: hours_to_json(_centi(c)))
    too_many = st.integers(limit + 1, 100 * limit).map(lambda c: hours_to_json(_centi(c)))
    not_finite = st.sampled_from((math.nan, math.inf, -math.inf))
    _pick(draw, data)["hours"] = draw(st.one_of(negative, too_many, not_finite))
    return data


def _hours_precision(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    millis = st.integers(1, int(MAX_HOURS * 1000) - 1).filter(lambda m: m % 10 != 0)
    activity = _pick(draw, data)
    name = draw(st.sampled_from(("hours", "credits") if "credits" in activity else ("hours",)))
    activity[name] = draw(millis.map(lambda m: float(Decimal(m) / 1000)))
    return data


def _way_fields(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    activity = _pick(draw, data)
    way_fields = edges.vocabulary.way_fields
    needing = tuple(kind for kind in edges.kinds if any(way_fields[kind].values()))
    drop = draw(st.booleans())
    if needing and drop:
        activity.clear()
        activity.update(draw(_activity_strategy(edges, {"id": st.just("w0")}, needing, "invalid_records", check=False)))
        del activity[draw(st.sampled_from([n for n, required in way_fields[activity["kind"]].items() if required]))]
    else:
        name = draw(st.sampled_from([n for n in _WAY_FIELD_NAMES if n not in way_fields[activity["kind"]]]))
        activity[name] = draw(_way_value(name, edges, activity["kind"]))
    return data


def _duplicate_activity_id(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    first, second = sorted(
        draw(st.lists(st.integers(0, len(data["activities"]) - 1), min_size=2, max_size=2, unique=True))
    )
    data["activities"][second]["id"] = data["activities"][first]["id"]
    return data


def _out_of_range(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    data["year"] = draw(st.one_of(st.integers(max_value=_MIN_YEAR - 1), st.integers(min_value=_MAX_YEAR + 1)))
    return data


def _too_many_items(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    extra = draw(st.integers(1, 3))
    pattern = data["activities"]
    data["activities"] = [{**pattern[i % len(pattern)], "id": f"a{i}"} for i in range(MAX_ACTIVITIES + extra)]
    return data


def _an_id(draw: st.DrawFn, data: Json) -> tuple[Json, str]:
    """Where to put a bad identifier or code: a person's or activity's id, or a person's sector or region."""
    target = draw(st.sampled_from(("person.id", "activity.id", "sector", "region")))
    if target == "activity.id":
        return _pick(draw, data), "id"
    return data["person"], target.removeprefix("person.")


def _too_short(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    where, name = _an_id(draw, data)
    where[name] = ""
    return data


def _too_long(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    where, name = _an_id(draw, data)
    tail = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=MAX_ID_LENGTH, max_size=MAX_ID_LENGTH + 16))
    where[name] = "a" + tail
    return data


def _invalid_format(draw: st.DrawFn, data: Json, edges: PolicyEdges) -> Json:
    where, name = _an_id(draw, data)
    if name == "id":
        where[name] = draw(st.sampled_from(("a b", " a", "a\t", "p-1\n")))
    else:
        where[name] = draw(st.sampled_from(("Health", "1a", "a b", "-a", "XJ.aksu")))
    return data


_BREAKERS: dict[str, _Breaker] = {
    "missing_field": _missing_field,
    "unknown_field": _unknown_field,
    "wrong_type": _wrong_type,
    "invalid_choice": _invalid_choice,
    "invalid_date": _invalid_date,
    "hours_invalid": _hours_invalid,
    "hours_precision": _hours_precision,
    "way_fields": _way_fields,
    "duplicate_activity_id": _duplicate_activity_id,
    "out_of_range": _out_of_range,
    "too_many_items": _too_many_items,
    "too_short": _too_short,
    "too_long": _too_long,
    "invalid_format": _invalid_format,
}


def invalid_records(
    *, policy: Policy | str | None = None, codes: Collection[str] | None = None
) -> st.SearchStrategy[tuple[Any, str]]:
    """Records that must be refused, as pairs ``(data, code)``, each refused with exactly that problem code.

    `ce_policy.evaluate` raises a `ce_policy.RecordError` for ``data`` whose every problem has the code
    ``code``.
    Each example is a valid record (drawn as by `records`, with 2 to 4 activities) broken in exactly one way:
    a required field removed (``missing_field``), an unknown field added (``unknown_field``), a value of the
    wrong JSON type (``wrong_type``, the whole record included), a word outside a field's choices
    (``invalid_choice``), an impossible or badly written date (``invalid_date``), hours negative, above the
    limit or not finite (``hours_invalid``), hours or credits with three decimals (``hours_precision``), a
    way field missing or not applying to the kind (``way_fields``), an activity id used twice
    (``duplicate_activity_id``), a year outside the contract's range (``out_of_range``), more activities than
    allowed (``too_many_items``), an empty, too long or badly formed identifier or code (``too_short``,
    ``too_long``, ``invalid_format``). The data may hold NaN or infinities, which JSON cannot carry.

    Shrinks towards the first code of `INVALID_RECORD_CODES` asked for, then as `records` does.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name, for the valid record that is broken.
        codes: only these codes (default: every code of `INVALID_RECORD_CODES`).

    Raises:
        InvalidArgument: an unknown policy or code, or no codes.
    """
    chosen = _resolve(policy, _DEFAULT_YEAR, "invalid_records")
    if codes is None:
        wanted = INVALID_RECORD_CODES
    else:
        if isinstance(codes, str) or not isinstance(codes, Collection):
            raise InvalidArgument(f"invalid_records(codes={codes!r}): give a collection of codes, e.g. ['wrong_type']")
        unknown = [c for c in codes if c not in _BREAKERS]
        if unknown:
            hint = did_you_mean(str(unknown[0]), INVALID_RECORD_CODES)
            raise InvalidArgument(f"invalid_records(): unknown code {unknown[0]!r}{hint}")
        wanted = tuple(c for c in INVALID_RECORD_CODES if c in codes)
        if not wanted:
            raise InvalidArgument("invalid_records(codes=...): no codes given")
    years = chosen.years if chosen is not None else (_DEFAULT_YEAR,)
    edges = {year: policy_edges(chosen, year) for year in years}
    base = _records(chosen, years, {}, 2, 4, "invalid_records")

    @st.composite
    def draw_invalid(draw: st.DrawFn) -> tuple[Any, str]:
        code = draw(st.sampled_from(wanted))
        data = _copy(draw(base))
        return _BREAKERS[code](draw, data, edges[data["year"]]), code

    return draw_invalid()
