"""Sector overrides (六: "另有规定的，从其规定"), with the guardrails that keep them within their power.

A sector layer (``sector:`` in ``layer.yaml``) may, in its ``overrides.yaml``:

* give new values to a parameter of a layer below, and
* declare a named *exception* to a named rule of a layer below, applying instead of it where its ``when``
  holds (the Catala model: the base rule is never edited).

Only what a layer below grants in its ``overridable:`` list may be overridden, only by the sectors the grant
names, only on the legal basis the grant names, and only within the dates in which the overridden layer is
in force. Anything else is refused at load time with file, line and a code; nothing of the base layer is
ever changed (the merged policy holds new objects).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Protocol

from ce_policy.policy.checker import Registers, RuleChecker, parameter_value
from ce_policy.policy.layer_files import RawLayer
from ce_policy.policy.loaded import Parameter, ParamRef, Rule
from ce_policy.policy.safe_yaml import SourceMap
from ce_policy.policy.shapes import Grant, LayerFile, OverridesFile, did_you_mean

__all__ = ["apply_overrides", "check_grants"]


class Merge(Registers, Protocol):
    """The merge in progress that overrides are applied to (``loader``'s builder): what it holds so far."""

    rules: list[Rule]

    def cite(self, layer: str, cite: str, source: SourceMap, path: tuple[str | int, ...]) -> str:
        """The qualified id of the clause ``cite`` names; a problem is recorded if it names none."""

    def claim_rule_id(self, rule_id: str, source: SourceMap, path: tuple[str | int, ...]) -> bool:
        """Whether ``rule_id`` is still free (then it is taken); a problem is recorded if not."""


@dataclass(frozen=True)
class _Granted:
    owner: LayerFile
    grant: Grant
    basis: str
    scope: frozenset[str]
    """The granting layer and the layers below it: a grant reaches nothing of a layer above it."""


def check_grants(builder: Merge, raw: RawLayer, below: list[RawLayer]) -> None:
    """Check the ``overridable:`` grants of one layer: their targets are its own or below it, their basis exists."""
    meta = raw.meta
    source = raw.files["layer.yaml"][1]
    chain = {layer.meta.id for layer in below} | {meta.id}
    own_parameters = [p for p, v in builder.parameters.items() if v.layer in chain]
    own_rules = [rule.id for rule in builder.rules if rule.layer in chain]
    for i, grant in enumerate(meta.overridable):
        path: tuple[str | int, ...] = ("overridable", i)
        builder.cite(meta.id, grant.basis, source, (*path, "basis"))
        for j, pid in enumerate(grant.parameters):
            if not any(fnmatchcase(name, pid) for name in own_parameters):
                hint = did_you_mean(pid, own_parameters)
                message = f"grants parameter {pid!r}, which neither this layer nor one below defines{hint}"
                builder.problem(source, (*path, "parameters", j), "unknown_override_target", message)
        for j, pattern in enumerate(grant.rules):
            if not any(fnmatchcase(rid, pattern) for rid in own_rules):
                hint = did_you_mean(pattern, own_rules)
                message = f"grants rule {pattern!r}, which matches no rule of this layer or one below{hint}"
                builder.problem(source, (*path, "rules", j), "unknown_override_target", message)


class _Guard:
    """Decides whether one sector layer may override one target."""

    def __init__(self, builder: Merge, raw: RawLayer, below: list[RawLayer]) -> None:
        self.builder = builder
        self.raw = raw
        self.sector = raw.meta.sector or ""
        self.grants: list[tuple[str, str, _Granted]] = []  # (kind, target or pattern, grant)
        for index, layer in enumerate(below):
            scope = frozenset(lower.meta.id for lower in below[: index + 1])
            for grant in layer.meta.overridable:
                basis = grant.basis if ":" in grant.basis else f"{layer.meta.id}:{grant.basis}"
                granted = _Granted(layer.meta, grant, basis, scope)
                self.grants += [("parameter", pid, granted) for pid in grant.parameters]
                self.grants += [("rule", pattern, granted) for pattern in grant.rules]

    def allowed(
        self,
        kind: str,
        target: str,
        owner: str,
        basis: str | None,
        source: SourceMap,
        path: tuple[str | int, ...],
    ) -> _Granted | None:
        """The grant that allows overriding ``target`` (of layer ``owner``), or ``None`` (and a problem recorded)."""
        builder = self.builder
        grants = [g for k, pattern, g in self.grants if k == kind and fnmatchcase(target, pattern) and owner in g.scope]
        if not grants:
            builder.problem(source, path, "override_not_granted", f"no layer below allows overriding {kind} {target!r}")
            return None
        for_sector = [g for g in grants if g.grant.for_sector(self.sector)]
        if not for_sector:
            sectors = sorted({s for g in grants for s in g.grant.sectors})
            message = f"{kind} {target!r} may be overridden only by sectors {', '.join(sectors)}, not {self.sector!r}"
            builder.problem(source, path, "sector_not_granted", message)
            return None
        if basis is None:
            wanted = ", ".join(sorted({g.basis for g in for_sector}))
            message = f"an override of {kind} {target!r} must name its legal basis (basis: {wanted})"
            builder.problem(source, path, "override_without_basis", message)
            return None
        qualified = builder.cite(self.raw.meta.id, basis, source, (*path, "basis"))
        matching = [g for g in for_sector if g.basis == qualified]
        if not matching:
            wanted = ", ".join(sorted({g.basis for g in for_sector}))
            message = f"basis {basis!r} does not empower overriding {kind} {target!r} (granted on {wanted})"
            builder.problem(source, (*path, "basis"), "wrong_basis", message)
            return None
        return matching[0]

    def within_base_dates(
        self,
        granted: _Granted,
        start: dt.date,
        end: dt.date | None,
        source: SourceMap,
        path: tuple[str | int, ...],
    ) -> None:
        base = granted.owner.in_force
        if start < base.from_ or (base.to is not None and (end is None or end > base.to)):
            message = f"in force outside the dates of {granted.owner.id!r}, whose rules it overrides"
            self.builder.problem(source, path, "override_outside_base_dates", message)


def apply_overrides(builder: Merge, raw: RawLayer, below: list[RawLayer]) -> None:
    """Apply one layer's ``overrides.yaml`` to the merged registers, after every layer below is merged."""
    found = raw.get("overrides.yaml", OverridesFile)
    if found is None:
        return
    model, source = found
    meta = raw.meta
    if meta.sector is None:
        builder.problem(
            source,
            (),
            "overrides_need_sector",
            "only a sector layer (with sector: in layer.yaml) may override",
        )
        return
    guard = _Guard(builder, raw, below)
    for pid, entry in model.parameters.items():
        path: tuple[str | int, ...] = ("parameters", pid)
        base = builder.parameters.get(pid)
        if base is None:
            hint = did_you_mean(pid, builder.parameters)
            builder.problem(source, path, "unknown_override_target", f"no parameter {pid!r} to override{hint}")
            continue
        granted = guard.allowed("parameter", pid, base.overrides or base.layer, entry.basis, source, path)
        if granted is None:
            continue
        values = []
        for i, item in enumerate(entry.values):
            try:
                values.append((item.from_, parameter_value(base.type, item.value)))
            except ValueError as exc:
                builder.problem(source, (*path, "values", i, "value"), "invalid_parameter_value", f"{pid}: {exc}")
        for i, item in enumerate(entry.values):
            guard.within_base_dates(granted, item.from_, item.from_, source, (*path, "values", i))
            if i and item.from_ <= entry.values[i - 1].from_:
                builder.problem(source, (*path, "values", i), "values_out_of_order", "values must be in date order")
        builder.parameters[pid] = Parameter(
            id=pid,
            layer=meta.id,
            type=base.type,
            description=entry.description or base.description,
            cite=builder.cite(meta.id, entry.cite, source, (*path, "cite")),
            provenance=entry.provenance,
            values=tuple(values),
            file=source.file,
            line=source.line_of(path),
            checked_on=entry.checked_on,
            overrides=base.layer,
        )
        if base.type == "choices":
            _check_choices(builder, pid, values, source, path)
    rules = {rule.id: rule for rule in builder.rules}
    for i, rule_entry in enumerate(model.exceptions):
        path = ("exceptions", i)
        target = rules.get(rule_entry.to)
        if target is None:
            hint = did_you_mean(rule_entry.to, rules)
            builder.problem(
                source, (*path, "to"), "unknown_override_target", f"no rule {rule_entry.to!r} to except{hint}"
            )
            continue
        granted = guard.allowed("rule", rule_entry.to, target.layer, rule_entry.basis, source, path)
        if granted is None or rule_entry.basis is None:
            continue
        if not builder.claim_rule_id(rule_entry.id, source, path):
            continue
        start = rule_entry.in_force.from_ if rule_entry.in_force else meta.in_force.from_
        end = rule_entry.in_force.to if rule_entry.in_force else meta.in_force.to
        guard.within_base_dates(granted, start, end, source, (*path, "in_force") if rule_entry.in_force else path)
        checker = RuleChecker(builder, source, target.stage)
        when = checker.condition(rule_entry.when or {}, (*path, "when"), "all")
        then = checker.outcomes(rule_entry.then, (*path, "then"))
        builder.rules.append(
            Rule(
                id=rule_entry.id,
                layer=meta.id,
                cite=builder.cite(meta.id, rule_entry.cite, source, (*path, "cite")),
                stage=target.stage,
                description=rule_entry.description or "",
                when=when,
                then=then,
                in_force_from=start,
                in_force_to=end,
                file=source.file,
                line=source.line_of(path),
                params=frozenset(checker.params),
                exception_to=target.id,
                basis=granted.basis,
            )
        )


def _check_choices(
    builder: Merge, pid: str, values: list[tuple[dt.date, Any]], source: SourceMap, path: tuple[str | int, ...]
) -> None:
    """Refuse an overridden choices-parameter holding a word no record can carry in a field a rule tests with it.

    The layer that defined the parameter checked its own values against the fields its rules test them on; new
    values are checked in the same way, against the vocabulary of the whole chain (the sector's own words too).
    """
    reported: set[tuple[str, str]] = set()
    for rule in builder.rules:
        if pid not in rule.params:
            continue
        fields = RuleChecker(builder, source, rule.stage).fields
        for test in rule.when.tests():
            spec = fields.get(test.field)
            if not isinstance(test.operand, ParamRef) or test.operand.id != pid or spec is None:
                continue
            if spec.type != "choice":
                continue
            for i, (_, held) in enumerate(values):
                for choice in held:
                    if choice in spec.choices or (test.field, choice) in reported:
                        continue
                    reported.add((test.field, choice))
                    message = f"{pid}: {choice!r} is no {test.field} a record can carry (rule {rule.id!r} tests it)"
                    builder.problem(source, (*path, "values", i, "value"), "invalid_parameter_value", message)
