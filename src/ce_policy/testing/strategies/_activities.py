"""Activities: of the kinds a policy names, with the way fields each kind requires or allows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ce_policy.model.hours import hours_to_json
from ce_policy.model.record import Activity
from ce_policy.policy.edges import PolicyEdges, policy_edges
from ce_policy.policy.loaded import Policy
from ce_policy.testing.sampler import WAY_FIELD_NAMES
from ce_policy.testing.strategies._args import _DEFAULT_YEAR, Json, _overrides, _resolve, _valid, _year_of
from ce_policy.testing.strategies._values import _dates, _hours, _identifiers

_WAY_FIELD_NAMES = WAY_FIELD_NAMES


def _way_value(name: str, edges: PolicyEdges, kind: str) -> st.SearchStrategy[Any]:
    if name == "granted_on":
        return _dates(edges).map(dt.date.isoformat)
    if name == "credits":
        return _hours(edges).map(hours_to_json)
    values = tuple(edges.vocabulary.values_for(kind, name))
    if name == "approval":
        # Shrinks towards "approved": an application that is approved counts, so a minimal example shows the rest.
        values = ("approved", *(c for c in values if c != "approved"))
    return st.sampled_from(values)


def _attributes(kind: str, edges: PolicyEdges) -> st.SearchStrategy[dict[str, str] | None]:
    """The activity attributes the policy declares for ``kind``, each given or left out."""
    declared = {name: a for name, a in edges.vocabulary.attributes.items() if kind in a.kinds}
    if not declared:
        return st.none()
    optional = {name: st.sampled_from(attribute.choices) for name, attribute in declared.items()}
    return st.fixed_dictionaries({}, optional=optional).map(lambda given: given or None)


def _kinds_for(
    edges: PolicyEdges, fields: Mapping[str, st.SearchStrategy[Any]], values: Mapping[str, Any], function: str
) -> tuple[str, ...]:
    """The kinds an activity may be of, given the way fields overridden; checked eagerly."""
    way_fields = edges.vocabulary.way_fields
    if "kind" in values:
        kind = values["kind"]
        for name in _WAY_FIELD_NAMES:
            if name in fields and name not in way_fields[kind] and values.get(name, "") is not None:
                raise InvalidArgument(f"{function}(): {name} does not apply to kind {kind!r}")
            if values.get(name, "") is None and way_fields[kind].get(name):
                raise InvalidArgument(f"{function}(): {name} is required for kind {kind!r}")
        return (kind,)
    kinds = tuple(
        kind
        for kind in edges.kinds
        if all(
            (name in way_fields[kind]) if values.get(name, "") is not None else not way_fields[kind].get(name)
            for name in _WAY_FIELD_NAMES
            if name in fields
        )
    )
    if not kinds and "kind" not in fields:
        given = ", ".join(name for name in _WAY_FIELD_NAMES if name in fields)
        raise InvalidArgument(f"{function}(): no kind of activity the policy knows fits the way fields given ({given})")
    return kinds


def _activity_strategy(
    edges: PolicyEdges,
    fields: Mapping[str, st.SearchStrategy[Any]],
    kinds: tuple[str, ...],
    function: str,
    *,
    check: bool = True,
) -> st.SearchStrategy[Json]:
    """Activities; with ``check``, each is checked (the fields are overrides a user gave)."""

    @st.composite
    def draw_activity(draw: st.DrawFn) -> Json:
        kind = draw(fields["kind"]) if "kind" in fields else draw(st.sampled_from(kinds))
        data: Json = {
            "id": draw(fields.get("id", _identifiers())),
            "kind": kind,
            "hours": draw(fields.get("hours", _hours(edges).map(hours_to_json))),
            "on_platform": draw(fields.get("on_platform", st.sampled_from((True, False)))),
            "passed": draw(fields.get("passed", st.sampled_from((True, False)))),
            "completed_on": draw(fields.get("completed_on", _dates(edges).map(dt.date.isoformat))),
        }
        allowed = edges.vocabulary.way_fields.get(kind, {})
        for name in _WAY_FIELD_NAMES:
            if name in fields:
                value = draw(fields[name])
            elif name not in allowed:
                continue
            elif allowed[name]:
                value = draw(_way_value(name, edges, kind))
            else:
                value = draw(st.one_of(st.none(), _way_value(name, edges, kind)))
            if value is not None:
                data[name] = value
        attributes = draw(fields["attributes"]) if "attributes" in fields else draw(_attributes(kind, edges))
        if attributes is not None:
            data["attributes"] = attributes
        return _valid(Activity, data, function, edges.vocabulary) if check else data

    return draw_activity()


def activities(
    *, policy: Policy | str | None = None, year: int = _DEFAULT_YEAR, **overrides: Any
) -> st.SearchStrategy[Json]:
    """Valid activities of ``year``, as JSON objects, each with the way fields its kind requires or allows.

    With a policy, the kinds are those its activity rules name; hours are biased towards the policy's hours
    and credits thresholds in force in the year (``v - 0.5``, ``v - 0.01``, ``v``, ``v + 0.01``), dates
    towards the day before, of and after each date it tests; a quarter of the year either side is
    included, so that activities outside the year occur. Without a policy: every kind, generic hours.

    Overriding a way field (e.g. ``organiser_level="national"``) limits the kinds to those that allow it.
    Shrinks towards 0 hours, 1 January, registered on the platform, passed, approved, and optional fields
    left out.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name.
        year: the record's year, which the dates are drawn around.
        **overrides: a value or a strategy for any field of `ce_policy.Activity`.

    Raises:
        InvalidArgument: an unknown policy or field, a year the policy does not cover, a value
            `ce_policy.Activity` refuses, or way fields that do not fit the kind.
    """
    chosen = _resolve(policy, year, "activities")
    checked = _year_of(chosen, year, "activities")
    fields, values = _overrides(Activity, overrides, "activities")
    edges = policy_edges(chosen, checked)
    kinds = _kinds_for(edges, fields, values, "activities")
    return _activity_strategy(edges, fields, kinds, "activities", check=bool(fields))
