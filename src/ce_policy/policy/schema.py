"""The JSON Schema of a record or a history, as ce_policy's own vocabulary or a policy's has it.

A policy's layers may add values to an activity's choice fields, kinds that carry them, activity attributes
and person attributes (``activity_values:``, ``activity_attributes:``, ``person_attributes:``); the schema of
that policy lists them, each with the clause that declares it, so that a platform can validate a form before
it calls ce_policy. Which way fields a kind requires or allows is checked by ce_policy, not by the schema.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import TypeAdapter

from ce_policy.model.record import History, Record
from ce_policy.policy.loaded import Policy

__all__ = ["record_schema"]

_MODELS: dict[str, type[Any]] = {"record": Record, "history": History}


def record_schema(which: Literal["record", "history"] = "record", policy: Policy | None = None) -> dict[str, Any]:
    """The JSON Schema of a record (or a history) as ``policy`` reads it; ce_policy's own without a policy.

    Each choice field lists the values the policy's vocabulary allows; ``attributes`` of an activity and of
    the person list the attributes the policy declares, with their values, and no others.
    """
    schema = TypeAdapter(_MODELS[which]).json_schema(mode="validation")
    if policy is None:
        return schema
    schema = copy.deepcopy(schema)
    definitions = schema.get("$defs", {})
    vocabulary = policy.vocabulary
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
