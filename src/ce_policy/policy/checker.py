"""Checking a rule's ``when`` and ``then`` against the vocabulary, and typed parameter values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, Protocol

from ce_policy.model.hours import parse_hours
from ce_policy.model.ways import Vocabulary
from ce_policy.policy.loaded import AsOf, CodeMessage, Condition, Parameter, ParamRef, PersonAttribute, Test
from ce_policy.policy.safe_yaml import SourceMap
from ce_policy.policy.shapes import did_you_mean
from ce_policy.policy.vocabulary import (
    COMPARISON_OPS,
    DATE_OPS,
    FLOOR_CATEGORIES,
    OUTCOMES,
    REASON_OUTCOMES,
    ROUTE_ACTIONS,
    ROUTE_ACTORS,
    SHARE_CATEGORIES,
    SHARE_UNITS,
    FieldSpec,
    fields_for,
)

__all__ = ["INVALID", "Registers", "RuleChecker", "parameter_value", "share_value"]


class Registers(Protocol):
    """What a rule is checked against: the parameters and codes known so far, and where problems go."""

    parameters: dict[str, Parameter]
    codes: dict[str, CodeMessage]
    attributes: dict[str, PersonAttribute]
    vocabulary: Vocabulary

    def problem(self, source: SourceMap, path: tuple[str | int, ...], code: str, message: str) -> None:
        """Record a problem at ``path`` of ``source``."""


def share_value(value: Any) -> Fraction:
    """A share of a total, exact: a fraction written ``2/3``, or a decimal such as ``0.5``; more than 0, below 1.

    Raises:
        ValueError: anything else.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError("expected a share such as 2/3 or 0.5")
    try:
        share = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{value!r} is not a share such as 2/3 or 0.5") from None
    if not 0 < share < 1:
        raise ValueError(f"a share is more than 0 and less than 1, not {value}")
    return share


def parameter_value(kind: str, value: Any) -> Any:
    """A parameter value checked and normalised for its kind; raises `ValueError` naming what is wrong."""
    if kind == "hours":
        return parse_hours(value)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("expected an integer")
        return value
    if kind == "date":
        if not isinstance(value, str):
            raise ValueError("expected a date (YYYY-MM-DD)")
        return dt.date.fromisoformat(value)
    if kind == "share":
        return share_value(value)
    if kind == "choices":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("expected a list of words")
        return tuple(value)
    # route
    if not isinstance(value, list) or not value:
        raise ValueError("expected a list of steps, each {actor, action}")
    steps = []
    for step in value:
        if not isinstance(step, Mapping) or set(step) != {"actor", "action"}:
            raise ValueError("each step must be {actor: ..., action: ...}")
        if step["actor"] not in ROUTE_ACTORS:
            raise ValueError(f"unknown actor {step['actor']!r}{did_you_mean(str(step['actor']), ROUTE_ACTORS)}")
        if step["action"] not in ROUTE_ACTIONS:
            raise ValueError(f"unknown action {step['action']!r}{did_you_mean(str(step['action']), ROUTE_ACTIONS)}")
        steps.append((step["actor"], step["action"]))
    return tuple(steps)


_OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "choice": ("is", "is_not", "in", "not_in", "present"),
    "text": ("is", "is_not", "in", "not_in"),
    "bool": ("is", "is_not"),
    "hours": ("is", "is_not", *COMPARISON_OPS),
    "int": ("is", "is_not", "in", "not_in", *COMPARISON_OPS, "present"),
    "date": ("is", *DATE_OPS, "present"),
}
_PARAM_TYPE_FOR_FIELD = {"hours": "hours", "int": "integer", "date": "date"}


class RuleChecker:
    """Checks one rule's ``when`` and ``then`` against the vocabulary, building the condition tree."""

    def __init__(self, builder: Registers, source: SourceMap, stage: str) -> None:
        self.builder = builder
        self.source = source
        self.stage = stage
        self.fields = fields_for(stage, {name: a.choices for name, a in builder.attributes.items()}, builder.vocabulary)
        self.params: set[str] = set()

    def problem(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        """Record a problem at ``path`` of the file being checked."""
        self.builder.problem(self.source, path, code, message)

    def param(self, ref: Mapping[str, Any], path: tuple[str | int, ...], want: str) -> ParamRef | None:
        """The parameter a ``{param: name}`` reference names, if it exists with the type wanted."""
        if set(ref) != {"param"} or not isinstance(ref["param"], str):
            self.problem(path, "invalid_operand", "a reference must be {param: name}")
            return None
        pid = ref["param"]
        parameter = self.builder.parameters.get(pid)
        if parameter is None:
            hint = did_you_mean(pid, self.builder.parameters)
            self.problem(path, "unknown_parameter", f"unknown parameter {pid!r}{hint}")
            return None
        if parameter.type != want:
            self.problem(
                path,
                "parameter_type",
                f"parameter {pid!r} is of type {parameter.type}, {want} is needed here",
            )
            return None
        self.params.add(pid)
        return ParamRef(pid)

    def condition(self, data: Any, path: tuple[str | int, ...], mode: Literal["all", "any"]) -> Condition:
        """A rule's ``when`` (or one ``any``/``all`` part of it), checked field by field."""
        if not isinstance(data, Mapping):
            self.problem(path, "invalid_condition", "a condition must be a mapping of fields to tests")
            return Condition(mode, ())
        parts: list[Test | Condition] = []
        for key, value in data.items():
            sub = (*path, key)
            if key in ("all", "any"):
                if not isinstance(value, list) or not value:
                    self.problem(sub, "invalid_condition", f"{key} needs a non-empty list of conditions")
                    continue
                inner = [self.condition(item, (*sub, i), "all") for i, item in enumerate(value)]
                parts.append(Condition(key, tuple(inner)))
            elif key in self.fields:
                parts.extend(self.field_tests(key, self.fields[key], value, sub))
            else:
                hint = did_you_mean(key, [*self.fields, "all", "any"])
                self.problem(sub, "unknown_field", f"stage {self.stage!r} has no field {key!r}{hint}")
        return Condition(mode, tuple(parts))

    def field_tests(self, name: str, spec: FieldSpec, value: Any, path: tuple[str | int, ...]) -> list[Test]:
        """The tests a condition makes on one field, each operator and operand checked."""
        if not isinstance(value, Mapping) or set(value) == {"param"}:
            value = {"is": value}
        tests = []
        allowed = _OPS_BY_TYPE[spec.type]
        for op, operand in value.items():
            sub = (*path, op)
            if op not in allowed:
                hint = did_you_mean(op, allowed)
                self.problem(sub, "unknown_operator", f"{op!r} cannot test {spec.type} field {name!r}{hint}")
                continue
            checked = self.operand(name, spec, op, operand, sub)
            if checked is not INVALID:
                tests.append(Test(name, op, checked))
        return tests

    def operand(self, name: str, spec: FieldSpec, op: str, operand: Any, path: tuple[str | int, ...]) -> Any:
        """One test's operand, checked against the field's type and the operator."""
        if op == "present":
            if not isinstance(operand, bool):
                self.problem(path, "invalid_operand", "present takes true or false")
                return INVALID
            return operand
        if op in ("in", "not_in"):
            if isinstance(operand, Mapping):
                ref = self.param(operand, path, "choices")
                if ref is None:
                    return INVALID
                held = {c for _, value in self.builder.parameters[ref.id].values for c in value}
                for choice in sorted(held) if spec.type == "choice" else ():
                    if choice not in spec.choices:
                        self.problem(path, "invalid_operand", f"parameter {ref.id!r} holds {choice!r}, not a {name}")
                return ref
            if not isinstance(operand, list) or not operand:
                self.problem(path, "invalid_operand", f"{op} takes a non-empty list")
                return INVALID
            items = [self.literal(name, spec, item, (*path, i)) for i, item in enumerate(operand)]
            return INVALID if any(item is INVALID for item in items) else tuple(items)
        if isinstance(operand, Mapping):
            want = _PARAM_TYPE_FOR_FIELD.get(spec.type)
            if want is None:
                self.problem(path, "invalid_operand", f"field {name!r} cannot be compared with a parameter")
                return INVALID
            ref = self.param(operand, path, want)
            return INVALID if ref is None else ref
        if spec.type == "date" and operand == "as_of":
            if op == "is":
                self.problem(path, "invalid_operand", "compare with as_of using before/after")
                return INVALID
            return AsOf()
        return self.literal(name, spec, operand, path)

    def literal(self, name: str, spec: FieldSpec, value: Any, path: tuple[str | int, ...]) -> Any:
        """A constant compared with a field, checked against the field's type."""
        try:
            if spec.type == "choice":
                if value not in spec.choices:
                    article = "an" if name[:1] in "aeiou" else "a"
                    raise ValueError(f"{value!r} is not {article} {name}{did_you_mean(str(value), spec.choices)}")
                return value
            if spec.type == "text":
                if not isinstance(value, str):
                    raise ValueError("expected text")
                return value
            if spec.type == "bool":
                if not isinstance(value, bool):
                    raise ValueError("expected true or false")
                return value
            if spec.type == "hours":
                return parse_hours(value)
            if spec.type == "int":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError("expected an integer")
                return value
            if not isinstance(value, str):
                raise ValueError("expected a date (YYYY-MM-DD), a {param: ...} or as_of")
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            self.problem(path, "invalid_operand", str(exc))
            return INVALID

    def outcomes(self, data: Mapping[str, Any], path: tuple[str | int, ...]) -> tuple[tuple[str, Any], ...]:
        """A rule's ``then``: each outcome checked against the stage and its kind of value."""
        result: list[tuple[str, Any]] = []
        for name, value in data.items():
            sub = (*path, name)
            spec = OUTCOMES.get(name)
            if spec is None:
                self.problem(sub, "unknown_outcome", f"unknown outcome {name!r}{did_you_mean(name, OUTCOMES)}")
                continue
            if self.stage not in spec.stages:
                self.problem(sub, "outcome_stage", f"outcome {name!r} is not allowed in stage {self.stage!r}")
                continue
            checked = self.outcome_value(name, spec.kind, spec.choices, value, sub)
            if checked is not INVALID:
                result.append((name, checked))
        return tuple(result)

    def outcome_value(
        self, name: str, kind: str, choices: tuple[str, ...], value: Any, path: tuple[str | int, ...]
    ) -> Any:
        """One outcome's value, checked against its kind."""
        if kind == "choice":
            if value not in choices:
                self.problem(path, "invalid_outcome", f"{name} must be one of {', '.join(choices)}")
                return INVALID
            return value
        if kind == "code":
            want = "reason" if name in REASON_OUTCOMES else "consequence"
            code = self.builder.codes.get(value) if isinstance(value, str) else None
            if code is None or code.kind != want:
                hint = did_you_mean(str(value), [c for c, m in self.builder.codes.items() if m.kind == want])
                self.problem(path, "unknown_code", f"{value!r} is not a declared {want} code{hint}")
                return INVALID
            return value
        if kind == "flag":
            if value is not True:
                self.problem(path, "invalid_outcome", f"{name} takes true")
                return INVALID
            return True
        if kind == "route":
            if not isinstance(value, Mapping):
                self.problem(path, "invalid_outcome", "route takes {param: name} of a route parameter")
                return INVALID
            ref = self.param(value, path, "route")
            return INVALID if ref is None else ref
        if kind == "hours_rule":
            if value == "claimed":
                return ("claimed", None)
            if isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in ("at_most", "fixed"):
                mode, amount = next(iter(value.items()))
                checked = self.hours_amount(amount, (*path, mode))
                return INVALID if checked is INVALID else (mode, checked)
            self.problem(path, "invalid_outcome", "hours takes claimed, {at_most: ...} or {fixed: ...}")
            return INVALID
        if kind == "cycle":
            if not isinstance(value, Mapping) or set(value) != {"first_year", "last_year"}:
                self.problem(path, "invalid_outcome", "cycle takes {first_year: ..., last_year: ...}")
                return INVALID
            first = self.integer(value["first_year"], (*path, "first_year"))
            last = self.integer(value["last_year"], (*path, "last_year"))
            return INVALID if INVALID in (first, last) else (first, last)
        if kind == "credits_rule":
            return self.credits_rule(value, path)
        if kind == "pool":
            if not isinstance(value, str) or not value:
                self.problem(path, "invalid_outcome", "pool takes a name, e.g. self_study")
                return INVALID
            return value
        if kind == "cap":
            if not isinstance(value, Mapping) or len(value) != 1 or next(iter(value)) not in ("credits", "hours"):
                self.problem(path, "invalid_outcome", "cap takes {credits: ...} or {hours: ...}")
                return INVALID
            unit = next(iter(value))
            amount = self.hours_amount(value[unit], (*path, unit))
            return INVALID if amount is INVALID else (unit, amount)
        if kind == "share":
            return self.share_floor(value, path)
        # require
        if not isinstance(value, Mapping) or set(value) != {"category", "at_least"}:
            self.problem(path, "invalid_outcome", "require takes {category: ..., at_least: ...}")
            return INVALID
        if value["category"] not in FLOOR_CATEGORIES:
            message = f"category must be one of {', '.join(FLOOR_CATEGORIES)}"
            self.problem((*path, "category"), "invalid_outcome", message)
            return INVALID
        amount = self.hours_amount(value["at_least"], (*path, "at_least"))
        return INVALID if amount is INVALID else (value["category"], amount)

    def share_floor(self, value: Any, path: tuple[str | int, ...]) -> Any:
        """A ``require_share`` outcome, as ``(category, of, share, unit)``; the share a fraction or a reference."""
        keys = {"category", "at_least", "of", "unit"}
        if not isinstance(value, Mapping) or not {"category", "at_least"} <= set(value) <= keys:
            self.problem(path, "invalid_outcome", "require_share takes {category: ..., at_least: ..., of?, unit?}")
            return INVALID
        checks = (
            ("category", value["category"], SHARE_CATEGORIES),
            ("of", value.get("of", "total"), ("total",)),
            ("unit", value.get("unit", "hours"), SHARE_UNITS),
        )
        for key, given, allowed in checks:
            if given not in allowed:
                self.problem((*path, key), "invalid_outcome", f"{key} must be one of {', '.join(allowed)}")
                return INVALID
        share = value["at_least"]
        if isinstance(share, Mapping):
            ref = self.param(share, (*path, "at_least"), "share")
            return INVALID if ref is None else (value["category"], checks[1][1], ref, checks[2][1])
        try:
            return (value["category"], checks[1][1], share_value(share), checks[2][1])
        except ValueError as exc:
            self.problem((*path, "at_least"), "invalid_outcome", str(exc))
            return INVALID

    def credits_rule(self, value: Any, path: tuple[str | int, ...]) -> Any:
        """A ``credits`` outcome: ``claimed``, ``{per_hours, at_most}`` or ``{fixed}``.

        As ``(mode, hours per credit, most credits)``; a fixed number is ``("fixed", None, N)``.
        """
        if value == "claimed":
            return ("claimed", None, None)
        if isinstance(value, Mapping) and set(value) == {"fixed"}:
            amount = self.hours_amount(value["fixed"], (*path, "fixed"))
            return INVALID if amount is INVALID else ("fixed", None, amount)
        if isinstance(value, Mapping) and "per_hours" in value and set(value) <= {"per_hours", "at_most"}:
            per = self.hours_amount(value["per_hours"], (*path, "per_hours"))
            cap = self.hours_amount(value["at_most"], (*path, "at_most")) if "at_most" in value else None
            return INVALID if INVALID in (per, cap) else ("per_hours", per, cap)
        self.problem(path, "invalid_outcome", "credits takes claimed, {per_hours: ..., at_most: ...} or {fixed: ...}")
        return INVALID

    def integer(self, amount: Any, path: tuple[str | int, ...]) -> Any:
        """An integer amount, given as a constant or a parameter reference."""
        if isinstance(amount, Mapping):
            ref = self.param(amount, path, "integer")
            return INVALID if ref is None else ref
        if isinstance(amount, bool) or not isinstance(amount, int):
            self.problem(path, "invalid_operand", "expected an integer or {param: ...}")
            return INVALID
        return amount

    def hours_amount(self, amount: Any, path: tuple[str | int, ...]) -> Any:
        """An hours amount, given as a constant or a parameter reference."""
        if isinstance(amount, Mapping):
            ref = self.param(amount, path, "hours")
            return INVALID if ref is None else ref
        try:
            return parse_hours(amount)
        except ValueError as exc:
            self.problem(path, "invalid_operand", str(exc))
            return INVALID


INVALID: Any = object()
"""Marks a value that failed its check (the problem has been recorded)."""
