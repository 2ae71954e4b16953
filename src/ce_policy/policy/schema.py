"""The JSON Schema of a record or a history, as ce_policy's own vocabulary or a policy's has it.

A policy's layers may add values to an activity's choice fields, kinds that carry them, activity attributes
and person attributes (``activity_values:``, ``activity_attributes:``, ``person_attributes:``); the schema of
that policy lists them, each with the clause that declares it, so that a platform can validate a form before
it calls ce_policy. It says, kind by kind, which way fields an activity must carry, which it may carry and with
which values (``if kind is …, then …``), as ``evaluate`` checks them; what no JSON Schema can say (two activities
with one id) is still checked by ``evaluate`` alone.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import TypeAdapter

from ce_policy.model.record import History, Record
from ce_policy.model.ways import BUILT_IN, OPTIONAL_FIELDS, Vocabulary
from ce_policy.policy.loaded import Policy

__all__ = ["record_schema"]

_MODELS: dict[str, type[Any]] = {"record": Record, "history": History}


def record_schema(which: Literal["record", "history"] = "record", policy: Policy | None = None) -> dict[str, Any]:
    """The JSON Schema of a record (or a history) as ``policy`` reads it; ce_policy's own without a policy.

    Each choice field lists the values the policy's vocabulary allows; ``attributes`` of an activity and of
    the person list the attributes the policy declares, with their values, and no others.
    """
    schema = copy.deepcopy(TypeAdapter(_MODELS[which]).json_schema(mode="validation"))
    definitions = schema.get("$defs", {})
    if policy is None:
        definitions["Activity"]["allOf"] = _kind_rules(BUILT_IN)
        return schema
    vocabulary = policy.vocabulary
    definitions["Activity"]["allOf"] = _kind_rules(vocabulary)
    activity = definitions["Activity"]["properties"]
    for name, values in vocabulary.choices.items():
        if name in activity:
            _set_enum(activity[name], values)
    person = definitions["Person"]["properties"]
    _set_enum(person["degree_level"], vocabulary.choices["degree_level"])
    activity["attributes"] = _attributes(
        {
            name: (a.choices, f"{a.description} (kinds: {', '.join(sorted(a.kinds))}; {a.cite})")
            for name, a in vocabulary.attributes.items()
        }
    )
    person["attributes"] = _attributes(
        {name: (a.choices, f"{a.description} ({a.cite})") for name, a in policy.attributes.items()}
    )
    schema["description"] = f"{schema.get('description', '')}\n\nAs read by policy {policy.id} {policy.version}."
    return schema


def _kind_rules(vocabulary: Vocabulary) -> list[dict[str, Any]]:
    """Per kind, ``if kind is K then …``: the way fields it must carry, may carry and with which values.

    Also the declared attributes it may not carry: what `activity_problems` checks, in JSON Schema.
    """
    rules = []
    for kind, allowed in vocabulary.way_fields.items():
        fields: dict[str, Any] = {}
        for name in OPTIONAL_FIELDS:
            if name not in allowed:
                fields[name] = {"type": "null"}  # absent or null: the kind does not carry it
            elif name in vocabulary.choices:
                values = list(vocabulary.values_for(kind, name))
                fields[name] = {"enum": values} if allowed[name] else {"anyOf": [{"enum": values}, {"type": "null"}]}
            elif allowed[name]:
                fields[name] = {"not": {"type": "null"}}
        others = sorted(name for name, attribute in vocabulary.attributes.items() if kind not in attribute.kinds)
        if others:
            fields["attributes"] = {
                "anyOf": [{"type": "null"}, {"type": "object", "not": {"anyOf": [{"required": [n]} for n in others]}}]
            }
        then: dict[str, Any] = {"properties": fields}
        required = [name for name, needed in allowed.items() if needed]
        if required:
            then["required"] = required
        rules.append({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": then})
    return rules


def _set_enum(prop: dict[str, Any], values: tuple[str, ...]) -> None:
    """Give the string branch of an optional choice property the values ``values``."""
    for branch in prop.get("anyOf", [prop]):
        if branch.get("type") == "string":
            branch["enum"] = list(values)


def _attributes(declared: dict[str, tuple[tuple[str, ...], str]]) -> dict[str, Any]:
    """An optional object of the declared attributes only, each one of its values."""
    properties = {
        name: {"type": "string", "enum": list(values), "description": description}
        for name, (values, description) in declared.items()
    }
    return {
        "anyOf": [{"type": "object", "properties": properties, "additionalProperties": False}, {"type": "null"}],
        "default": None,
        "title": "Attributes",
    }
