"""``ce-policy lint``: what a policy that loads may still get wrong, each finding with a code, file and line.

Loading already refuses what makes a policy unusable (a citation of no clause, an unknown field or value, a
rule in force outside its layer's dates; see ``docs/errors.md``). The linter looks at a policy that loads for
what is legal but most likely a mistake, or worth a reader's attention. Its findings and their codes are
described in ``docs/lint.md``:

* ``dangling_citation`` (warning): a case's ``clause:`` names no clause;
* ``unused_clause`` (warning): a clause that nothing of the policy cites;
* ``unused_parameter`` (warning): a parameter no rule reads and no override gives new values to;
* ``rule_never_fires`` (warning): a rule whose conditions can never hold;
* ``conflicting_rules`` (warning): two rules that can match one fact and give it different single values;
* ``parameter_gap`` (error): a rule in force on a day when a parameter it reads has no value;
* ``provisional_value`` (info): each provisional value, with the rules that read it and what they decide;
* ``dominated_floor`` (warning): a floor that another floor, never lower, covers wherever it applies;
* ``unused_grant`` (info): an ``overridable:`` grant that no sector layer uses;
* ``shadowed_exception`` (warning): a sector exception that sets its rule aside nowhere, or changes nothing;
* ``reading`` (info): each reading a layer declares (``readings:``), with what carries it and what would change.

Every policy built on a layer linted is analysed, so that a base layer's clause cited only by a sector layer
counts as cited; a finding is reported once, at the layer it belongs to, and only for the layers linted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

from ce_policy.analysis.lint_checks import effects, order_effects
from ce_policy.analysis.lint_rules import RuleAnalysis
from ce_policy.engine.compiler import ENGINE_LIMIT_CODES, compile_policy
from ce_policy.model.errors import PolicyFileError, PolicyNotFoundError, PolicyProblem
from ce_policy.policy.folders import case_files, policy_root, registry_for
from ce_policy.policy.loaded import Parameter, Policy
from ce_policy.policy.registry import PolicyRegistry, shipped_policy_root
from ce_policy.policy.safe_yaml import read_yaml
from ce_policy.policy.shapes import ClausesFile, OverridesFile

__all__ = ["LintFinding", "LintReport", "lint_policies"]

Severity = Literal["error", "warning", "info"]
SEVERITIES: dict[str, Severity] = {
    "dangling_citation": "warning",
    "unused_clause": "warning",
    "unused_parameter": "warning",
    "rule_never_fires": "warning",
    "conflicting_rules": "warning",
    "parameter_gap": "error",
    "provisional_value": "info",
    "dominated_floor": "warning",
    "unused_grant": "info",
    "shadowed_exception": "warning",
    "reading": "info",
}
"""Every finding code and its severity."""


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One thing the linter found.

    Attributes:
        code: stable machine-readable code, e.g. ``unused_parameter`` (see `SEVERITIES`).
        severity: ``error`` (decisions would fail), ``warning`` (most likely a mistake) or ``info``.
        file: the file, relative to the policy root's parent, as in load errors.
        line: 1-based line of the entry concerned, or ``None``.
        message: human-readable explanation.
        layer: the id of the layer the entry belongs to.
        subject: the id of the rule, parameter or clause concerned.
    """

    code: str
    severity: Severity
    file: str
    line: int | None
    message: str
    layer: str
    subject: str | None = None

    def __str__(self) -> str:
        """Render as ``file:line: severity code: message``."""
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.severity} {self.code}: {self.message}"


@dataclass(frozen=True)
class LintReport:
    """What `lint_policies` found, sorted by file, line and code.

    Attributes:
        layers: the ids of the layers linted.
        findings: every finding.
    """

    layers: tuple[str, ...]
    findings: tuple[LintFinding, ...]

    def of(self, severity: Severity) -> tuple[LintFinding, ...]:
        """The findings of one severity."""
        return tuple(f for f in self.findings if f.severity == severity)

    def failed(self, *, strict: bool = False) -> bool:
        """Whether the lint fails: on any error, and with ``strict`` on any warning too (never on info)."""
        return bool(self.of("error") or (strict and self.of("warning")))

    @property
    def summary(self) -> str:
        """``N error(s), M warning(s), K info``."""
        return f"{len(self.of('error'))} error(s), {len(self.of('warning'))} warning(s), {len(self.of('info'))} info"

    def as_json(self) -> dict[str, Any]:
        """The report as JSON data: the layers, the findings and the counts by severity."""
        return {
            "layers": list(self.layers),
            "findings": [asdict(f) for f in self.findings],
            "counts": {severity: len(self.of(severity)) for severity in ("error", "warning", "info")},
        }


class _Linter:
    def __init__(self, registry: PolicyRegistry, linted: list[str]) -> None:
        self.registry = registry
        self.linted = set(linted)
        self.found: dict[tuple[str, str, int | None, str | None, str], LintFinding] = {}
        self.policies: list[Policy] = []
        for layer_id in registry.layer_ids():
            try:
                policy = registry.policy(layer_id)
            except (PolicyFileError, PolicyNotFoundError):
                if layer_id in self.linted:
                    raise
                continue  # another folder's broken layer: not linted, and not built on a layer linted
            if self.linted & set(policy.chain):
                self.policies.append(policy)
        problems = _engine_limits(self.policies)
        if problems:
            raise PolicyFileError(problems)

    def add(self, code: str, file: str, line: int | None, message: str, layer: str, subject: str | None = None) -> None:
        if layer in self.linted:
            finding = LintFinding(code, SEVERITIES[code], file, line, message, layer, subject)
            self.found.setdefault((code, file, line, subject, message), finding)

    def run(self) -> tuple[LintFinding, ...]:
        self.clauses()
        self.case_citations()
        self.parameters()
        self.grants()
        self.readings()
        analysis = RuleAnalysis(self.add, self.linted)
        for policy in self.policies:
            analysis.policy(policy)
        analysis.finish()
        return tuple(sorted(self.found.values(), key=lambda f: (f.file, f.line or 0, f.code, f.subject or "")))

    # --- citations -----------------------------------------------------------------------------------

    def clauses(self) -> None:
        """``unused_clause``: a clause of ``clauses.yaml`` that nothing cites.

        Rules, exceptions, parameters, codes and grants cite clauses; so does a case (``clause:``), which
        shows the clause at work where no rule of its own encodes it (e.g. the scope a layer's ``applies_to``
        gives, or a clause that brings another document's rules into the policy).
        """
        cited: set[str] = set()
        layers: set[str] = set()
        for policy in self.policies:
            layers.update(policy.chain)
            cited.update(rule.cite for rule in policy.rules)
            cited.update(rule.basis for rule in policy.rules if rule.basis)
            cited.update(parameter.cite for parameter in policy.parameters.values())
            cited.update(code.cite for code in policy.codes.values())
            cited.update(text.cite for text in policy.texts.values())
            cited.update(rule.cite for rule in policy.calendar_rules)
            cited.update(attribute.cite for attribute in policy.attributes.values())
            cited.update(words.cite for words in policy.declared_words)
        for layer_id in layers:
            raw = self.registry.raw_layer(layer_id)
            cited.update(_qualified(layer_id, grant.basis) for grant in raw.meta.overridable)
            overrides = raw.get("overrides.yaml", OverridesFile)
            if overrides is not None:
                cited.update(_qualified(layer_id, o.basis) for o in overrides[0].parameters.values() if o.basis)
            cited.update(_qualified(layer_id, clause) for clause, *_ in self.cases_of(layer_id))
        for layer_id in sorted(self.linted):
            found = self.registry.raw_layer(layer_id).get("clauses.yaml", ClausesFile)
            if found is None:
                continue
            model, source = found
            for key in model.clauses:
                if f"{layer_id}:{key}" not in cited:
                    message = (
                        f"clause {key!r} is cited by no rule, exception, parameter, code, text, calendar entry, "
                        "person attribute, grant or case"
                    )
                    self.add("unused_clause", source.file, source.line_of(("clauses", key)), message, layer_id, key)

    def case_citations(self) -> None:
        """``dangling_citation``: a case's ``clause:`` that names no clause of its layer's policy.

        Loading checks every other citation (``cite`` of rules, parameters, codes and exceptions, ``basis`` of
        grants and overrides); the clause a case is about is read only by people and by coverage reports.
        """
        for layer_id in sorted(self.linted):
            known = self.registry.policy(layer_id).clauses
            for clause, name, shown, line in self.cases_of(layer_id):
                if _qualified(layer_id, clause) not in known:
                    message = f"case {name!r} is about clause {clause!r}, which no layer of its policy has"
                    self.add("dangling_citation", shown, line, message, layer_id, clause)

    def cases_of(self, layer_id: str) -> Iterator[tuple[str, Any, str, int | None]]:
        """The ``clause:`` of each case beside the layer: the clause, the case's name, its file and line."""
        raw = self.registry.raw_layer(layer_id)
        for path in case_files(raw.folder):
            if path.parent.parent != raw.folder:
                continue
            shown = f"{raw.display}/cases/{path.name}"
            try:
                doc = read_yaml(path, display=shown)
            except PolicyFileError:
                continue  # a broken case file fails its cases; that is `ce-policy test`'s to report
            cases = doc.data.get("cases") if isinstance(doc.data, dict) else None
            for i, case in enumerate(cases if isinstance(cases, list) else []):
                clause = case.get("clause") if isinstance(case, dict) else None
                if isinstance(clause, str):
                    yield clause, case.get("name"), shown, doc.source.line_of(("cases", i, "clause"))

    def readings(self) -> None:
        """``reading``: each reading a layer declares, for an officer to confirm or correct (docs/readings.md)."""
        for policy in self.policies:
            for reading in policy.readings:
                message = (
                    f"reading {reading.id!r} of {reading.cite}: {reading.text}; carried by "
                    f"{', '.join(reading.where)}; if corrected: {reading.if_corrected}"
                )
                self.add("reading", reading.file, reading.line, " ".join(message.split()), reading.layer, reading.id)

    # --- parameters ----------------------------------------------------------------------------------

    def parameters(self) -> None:
        """``unused_parameter`` and ``provisional_value``, for each definition of a parameter's values."""
        definitions: dict[tuple[str, str], Parameter] = {}
        readers: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
        overridden: set[tuple[str, str]] = set()
        for policy in self.policies:
            for parameter in policy.parameters.values():
                key = (parameter.layer, parameter.id)
                definitions.setdefault(key, parameter)
                readers.setdefault(key, {})
                if parameter.overrides is not None:
                    overridden.add((parameter.overrides, parameter.id))
            for rule in policy.rules:
                for pid in rule.params:
                    parameter = policy.parameters[pid]
                    readers[(parameter.layer, pid)][rule.id] = effects(rule, pid)
        for key, parameter in definitions.items():
            read_by = readers[key]
            if not read_by and key not in overridden:
                message = f"parameter {parameter.id!r} is read by no rule and overridden by no sector layer"
                self.add("unused_parameter", parameter.file, parameter.line, message, parameter.layer, parameter.id)
            if parameter.provisional:
                self.add(
                    "provisional_value",
                    parameter.file,
                    parameter.line,
                    _provisional_message(parameter, read_by),
                    parameter.layer,
                    parameter.id,
                )
        entries = {rule.label: rule for policy in self.policies for rule in policy.calendar_rules if rule.provisional}
        for label, entry in sorted(entries.items()):
            years = ", ".join(map(str, entry.years)) or "every year"
            message = (
                f"{label} is provisional: the dates it gives ({years}) decide which study counts for those years "
                "and when they are decided; can affect activities.counted, hours, shortfall, compliant, to_complete"
            )
            self.add("provisional_value", entry.file, entry.line, message, entry.layer, label)
        words = {w.label: w for policy in self.policies for w in policy.declared_words if w.provisional}
        for label, declared in sorted(words.items()):
            said = ", ".join(declared.values) or "its values"
            kinds = f" on {', '.join(declared.kinds)}" if declared.kinds else ""
            message = (
                f"{label} is provisional: records may say {declared.name} {said}{kinds} only because of it, and the "
                "rules that test them decide; can affect activities, hours, credits, shortfall, compliant"
            )
            self.add("provisional_value", declared.file, declared.line, message, declared.layer, label)

    # --- grants ---------------------------------------------------------------------------------------

    def grants(self) -> None:
        """``unused_grant``: an ``overridable:`` grant of a layer linted that no sector layer uses.

        Info, not a warning: a grant is often open for departments that have not written their layer yet.
        """
        used = self.used_grants()
        for layer_id in sorted(self.linted):
            raw = self.registry.raw_layer(layer_id)
            source = raw.files["layer.yaml"][1]
            for index, grant in enumerate(raw.meta.overridable):
                if (layer_id, index) in used:
                    continue
                sectors = ", ".join([*grant.sectors, *(["any sector"] if grant.any_sector else [])])
                named = [
                    f"{kind} {', '.join(ids)}"
                    for kind, ids in (("parameters", grant.parameters), ("rules", grant.rules))
                    if ids
                ]
                message = (
                    f"grant {index + 1} (basis {grant.basis!r}, for {sectors}) is used by no sector layer: none "
                    f"overrides what it names ({'; '.join(named)})"
                )
                subject = f"{layer_id}.overridable.{index + 1}"
                self.add(
                    "unused_grant", source.file, source.line_of(("overridable", index)), message, layer_id, subject
                )

    def used_grants(self) -> set[tuple[str, int]]:
        """The grants, as (layer, index), that some sector layer over a layer linted uses.

        A sector layer uses a grant of a layer below it when it gives new values to a parameter, or makes an
        exception to a rule, that the grant names (or one of its patterns matches) and that the granting layer
        or one below it defines, for a sector the grant covers and on the grant's basis: what loading asks.
        """
        used: set[tuple[str, int]] = set()
        for policy in self.policies:
            found = self.registry.raw_layer(policy.id).get("overrides.yaml", OverridesFile)
            if found is None or policy.sector is None:
                continue
            overrides, below = found[0], self.registry.policy(policy.chain[-2])
            owners = {rule.id: rule.layer for rule in policy.rules}
            # (is it a parameter, its id, the basis given, the layer that defines it)
            targets = [(False, e.to, e.basis, owners[e.to]) for e in overrides.exceptions]
            for pid, entry in overrides.parameters.items():
                base = below.parameters[pid]
                targets.append((True, pid, entry.basis, base.overrides or base.layer))
            for granting in policy.chain[:-1]:
                scope = policy.chain[: policy.chain.index(granting) + 1]
                for index, grant in enumerate(self.registry.raw_layer(granting).meta.overridable):
                    basis = _qualified(granting, grant.basis)
                    if grant.for_sector(policy.sector) and any(
                        owner in scope
                        and _qualified(policy.id, given or "") == basis
                        and any(fnmatchcase(target, p) for p in (grant.parameters if is_parameter else grant.rules))
                        for is_parameter, target, given, owner in targets
                    ):
                        used.add((granting, index))
        return used


def _engine_limits(policies: list[Policy]) -> list[PolicyProblem]:
    """What the engine could not run, in any period of ``policies`` (as ``ce-policy check`` finds it).

    Only those problems: a rule reading a parameter without a value is lint's ``parameter_gap``.
    """
    problems: list[PolicyProblem] = []
    for policy in policies:
        for day in (policy.top.in_force_from, *policy.breakpoints):
            try:
                compile_policy(policy, day)
            except PolicyFileError as exc:
                found = (p for p in exc.problems if p.code in ENGINE_LIMIT_CODES and p not in problems)
                problems.extend(found)
    return problems


def _provisional_message(parameter: Parameter, read_by: dict[str, tuple[str, ...]]) -> str:
    values = "; ".join(f"{_plain(value)} from {start.isoformat()}" for start, value in parameter.values)
    if not read_by:
        return f"{parameter.id} is provisional ({values}); no rule reads it"
    affected = order_effects(item for fields in read_by.values() for item in fields)
    rules = ", ".join(sorted(read_by))
    return f"{parameter.id} is provisional ({values}); read by {rules}; can affect {', '.join(affected)}"


def _plain(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_plain(item) for item in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _qualified(layer_id: str, cite: str) -> str:
    return cite if ":" in cite else f"{layer_id}:{cite}"


def lint_policies(folder: Path | str | None = None, *, registry: PolicyRegistry | None = None) -> LintReport:
    """Lint the policy layers under ``folder`` (default: the shipped policies).

    The layers are loaded the way ``ce-policy check`` loads them: a folder of one's own next to the shipped
    policies, so its layers may extend them. Pass ``registry`` to lint layers of a registry of one's own.

    Args:
        folder: a policy folder, or a folder inside one.
        registry: the registry the layers under ``folder`` are known to.

    Returns:
        The findings, sorted by file, line and code; each finding appears once however many policies share
        the layer it is in.

    Raises:
        PolicyFileError: a layer does not load (lint looks only at policies that load), a policy built on one
            has rules the engine could not run in some period (as ``ce-policy check`` finds them), or
            ``folder`` holds no layer.
    """
    path = Path(folder) if folder is not None else shipped_policy_root()
    if registry is None:
        registry = registry_for(policy_root(path))
    ids = registry.layers_under(path)
    if not ids:
        raise PolicyFileError.single(str(path), None, "no_layers", "no policy layer (layer.yaml) in this folder")
    return LintReport(tuple(ids), _Linter(registry, ids).run())
