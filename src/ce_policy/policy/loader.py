"""Merging a layer with the layers it extends into a `Policy`, checking every cross reference.

The layers come read and shape-checked by ``layer_files``. Merging collects every problem it can find, each
with file and line, before raising one `PolicyFileError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import string
from collections.abc import Sequence
from typing import Any, Literal

from ce_policy.model.errors import PolicyFileError, PolicyProblem
from ce_policy.model.ways import BUILT_IN, Vocabulary
from ce_policy.policy.calendars import CalendarRule, DayRef, year_calendar
from ce_policy.policy.checker import RuleChecker, parameter_value
from ce_policy.policy.engine_limits import rule_limit_problems
from ce_policy.policy.layer_files import RawLayer
from ce_policy.policy.loaded import (
    Clause,
    CodeMessage,
    DeclaredWords,
    Layer,
    Parameter,
    ParamRef,
    PersonAttribute,
    Policy,
    Rule,
)
from ce_policy.policy.overrides import apply_overrides, check_grants
from ce_policy.policy.readings import check_readings
from ce_policy.policy.safe_yaml import SourceMap
from ce_policy.policy.shapes import (
    MAX_RULES_PER_STAGE,
    ClausesFile,
    CodeEntry,
    CodesFile,
    ParametersFile,
    RulesFile,
    WindowEntry,
    did_you_mean,
)
from ce_policy.policy.vocabulary import FACTS, TEXTS
from ce_policy.policy.words import add_words, vocabulary_of

__all__ = ["build_policy"]


class _Builder:
    """Merges a chain of raw layers, checking every cross reference."""

    def __init__(self, chain: Sequence[RawLayer]) -> None:
        self.chain = chain
        self.problems: list[PolicyProblem] = []
        self.clauses: dict[str, Clause] = {}
        self.parameters: dict[str, Parameter] = {}
        self.codes: dict[str, CodeMessage] = {}
        self.rules: list[Rule] = []
        self.rule_origin: dict[str, tuple[str, int | None]] = {}
        self.calendar_rules: list[CalendarRule] = []
        self.attributes: dict[str, PersonAttribute] = {}
        self.declared_words: list[DeclaredWords] = []
        self.vocabulary: Vocabulary = BUILT_IN
        self.texts: dict[str, CodeMessage] = {}

    def problem(self, source: SourceMap, path: tuple[str | int, ...], code: str, message: str) -> None:
        self.problems.append(PolicyProblem(source.file, source.line_of(path), code, message))

    # --- citations -------------------------------------------------------------------------------------

    def cite(self, layer: str, cite: str, source: SourceMap, path: tuple[str | int, ...]) -> str:
        qualified = cite if ":" in cite else f"{layer}:{cite}"
        if qualified not in self.clauses:
            key = cite.split(":", 1)[-1]
            own = f"{layer}:{key}" in self.clauses and ":" in cite
            hint = f" (did you mean {key!r}, a clause of this layer?)" if own else did_you_mean(qualified, self.clauses)
            self.problem(source, path, "dangling_citation", f"cites unknown clause {cite!r}{hint}")
        return qualified

    # --- layers ----------------------------------------------------------------------------------------

    def build(self) -> Policy:
        layers = [self.layer(raw) for raw in self.chain]
        for raw in self.chain:
            self.add_clauses(raw)
        for raw in self.chain:
            self.add_codes(raw)
            self.add_parameters(raw)
            self.add_calendar(raw)
            self.add_attributes(raw)
        for raw in self.chain:
            add_words(self, raw)
        self.vocabulary = vocabulary_of(self.declared_words)
        for index, raw in enumerate(self.chain):
            self.add_rules(raw)
            check_grants(self, raw, list(self.chain[:index]))
        for index, raw in enumerate(self.chain):
            self.check_sector_layer(raw, list(self.chain[:index]))
            apply_overrides(self, raw, list(self.chain[:index]))
        readings = check_readings(self, self.chain, self.rules)
        self.check_stage_sizes()
        if not self.problems:
            self.check_covered_years()
        if self.problems:
            raise PolicyFileError(self.problems)
        top = layers[-1]
        digest = hashlib.sha256()
        for raw in self.chain:
            for name, file_digest in raw.digests:
                digest.update(f"{raw.meta.id}/{name}={file_digest}\n".encode())
        points: set[dt.date] = set()
        for rule in self.rules:
            points.add(rule.in_force_from)
            if rule.in_force_to is not None:
                points.add(rule.in_force_to + dt.timedelta(days=1))
        for parameter in self.parameters.values():
            points.update(start for start, _ in parameter.values)
        return Policy(
            id=top.id,
            version=top.version,
            digest=f"sha256:{digest.hexdigest()}",
            layers=tuple(layers),
            clauses=self.clauses,
            parameters=self.parameters,
            codes=self.codes,
            rules=tuple(self.rules),
            breakpoints=tuple(sorted(points)),
            calendar_rules=tuple(self.calendar_rules),
            attributes=self.attributes,
            texts=self.texts,
            vocabulary=self.vocabulary,
            declared_words=tuple(self.declared_words),
            readings=tuple(readings),
        )

    def check_sector_layer(self, raw: RawLayer, below: list[RawLayer]) -> None:
        meta = raw.meta
        source = raw.files["layer.yaml"][1]
        if meta.sector is None:
            return
        if not below:
            self.problem(source, ("sector",), "sector_layer_without_base", "a sector layer must extend a layer")
            return
        base = below[-1]
        covered = next((layer.meta.applies_to for layer in reversed(below) if layer.meta.applies_to), None)
        if meta.applies_to is not None and covered is not None:
            regions_ok = all(
                any(r == c or r.startswith(c + ".") for c in covered.regions) for r in meta.applies_to.regions
            )
            if not regions_ok or not set(meta.applies_to.years) <= set(covered.years):
                message = f"a sector layer may apply only where and when {base.meta.id!r} applies"
                self.problem(source, ("applies_to",), "coverage_outside_base", message)
        dates = base.meta.in_force
        if meta.in_force.from_ < dates.from_ or (
            dates.to is not None and (meta.in_force.to is None or meta.in_force.to > dates.to)
        ):
            message = f"a sector layer must be in force within the dates of {base.meta.id!r}"
            self.problem(source, ("in_force",), "override_outside_base_dates", message)

    @staticmethod
    def layer(raw: RawLayer) -> Layer:
        meta = raw.meta
        return Layer(
            id=meta.id,
            version=meta.version,
            title=meta.title,
            extends=meta.extends_id,
            sector=meta.sector,
            document=meta.document.model_dump(mode="json"),
            in_force_from=meta.in_force.from_,
            in_force_to=meta.in_force.to,
            regions=meta.applies_to.regions if meta.applies_to else (),
            years=meta.applies_to.years if meta.applies_to else (),
            folder=raw.folder,
            files=tuple(raw.folder / name for name, _ in raw.digests),
            digest="sha256:" + hashlib.sha256("".join(f"{name}={d}\n" for name, d in raw.digests).encode()).hexdigest(),
            sector_name=(meta.sector_name.zh, meta.sector_name.en) if meta.sector_name else None,
        )

    def add_clauses(self, raw: RawLayer) -> None:
        found = raw.get("clauses.yaml", ClausesFile)
        if found is None:
            return
        model, _ = found
        for key, entry in model.clauses.items():
            qualified = f"{raw.meta.id}:{key}"
            self.clauses[qualified] = Clause(
                id=qualified,
                layer=raw.meta.id,
                key=key,
                section=entry.section,
                text=entry.text,
                document=entry.document or raw.meta.document.number,
                provenance=entry.provenance,
            )

    def add_codes(self, raw: RawLayer) -> None:
        found = raw.get("codes.yaml", CodesFile)
        if found is None:
            return
        model, source = found
        groups: tuple[tuple[Literal["reason", "consequence"], str, dict[str, CodeEntry]], ...] = (
            ("reason", "reasons", model.reasons),
            ("consequence", "consequences", model.consequences),
        )
        for kind, group, entries in groups:
            for code, entry in entries.items():
                path: tuple[str | int, ...] = (group, code)
                if code in self.codes:
                    self.problem(source, path, "duplicate_code", f"code {code!r} is already defined")
                    continue
                cite = self.cite(raw.meta.id, entry.cite, source, (*path, "cite"))
                self.codes[code] = CodeMessage(code, kind, entry.zh, entry.en, cite)
        for name, entry in model.texts.items():
            path = ("texts", name)
            placeholders = TEXTS.get(name)
            if placeholders is None:
                message = f"no text is called {name!r}{did_you_mean(name, TEXTS)}; known: {', '.join(TEXTS)}"
                self.problem(source, path, "unknown_text", message)
                continue
            if name in self.texts:
                self.problem(source, path, "duplicate_text", f"text {name!r} is already defined")
                continue
            for lang, wording in (("zh", entry.zh), ("en", entry.en)):
                used = {field for _, field, _, _ in string.Formatter().parse(wording) if field is not None}
                if not used <= set(placeholders):
                    shown = ", ".join("{" + p + "}" for p in placeholders) or "none"
                    message = f"text {name!r} ({lang}) may only use the placeholders {shown}"
                    self.problem(source, (*path, lang), "invalid_text", message)
            cite = self.cite(raw.meta.id, entry.cite, source, (*path, "cite"))
            self.texts[name] = CodeMessage(name, "text", entry.zh, entry.en, cite)

    def add_parameters(self, raw: RawLayer) -> None:
        found = raw.get("parameters.yaml", ParametersFile)
        if found is None:
            return
        model, source = found
        for pid, entry in model.parameters.items():
            path: tuple[str | int, ...] = ("parameters", pid)
            if pid in self.parameters:
                self.problem(source, path, "duplicate_parameter", f"parameter {pid!r} is already defined")
                continue
            cite = self.cite(raw.meta.id, entry.cite, source, (*path, "cite"))
            values: list[tuple[dt.date, Any]] = []
            previous: dt.date | None = None
            for i, item in enumerate(entry.values):
                value_path = (*path, "values", i, "value")
                if previous is not None and item.from_ <= previous:
                    self.problem(source, (*path, "values", i), "values_out_of_order", "values must be in date order")
                previous = item.from_
                try:
                    values.append((item.from_, parameter_value(entry.type, item.value)))
                except ValueError as exc:
                    self.problem(source, value_path, "invalid_parameter_value", f"{pid}: {exc}")
            self.parameters[pid] = Parameter(
                id=pid,
                layer=raw.meta.id,
                type=entry.type,
                description=entry.description,
                cite=cite,
                provenance=entry.provenance,
                values=tuple(values),
                file=source.file,
                line=source.line_of(path),
                checked_on=entry.checked_on,
            )

    def add_calendar(self, raw: RawLayer) -> None:
        """The layer's ``calendar:`` entries: their clauses exist and their years are years it covers."""
        meta = raw.meta
        source = raw.files["layer.yaml"][1]
        covered = self.covered_years(raw)
        for i, entry in enumerate(meta.calendar):
            path: tuple[str | int, ...] = ("calendar", i)
            outside = [year for year in entry.years if covered is not None and year not in covered]
            if outside:
                message = f"the calendar speaks for {outside}, which the layer does not cover ({list(covered or ())})"
                self.problem(source, (*path, "years"), "calendar_year_not_covered", message)
            self.calendar_rules.append(
                CalendarRule(
                    layer=meta.id,
                    years=entry.years,
                    study=_window(entry.study),
                    make_up=_window(entry.make_up),
                    decide_on=_day(entry.decide_on),
                    cite=self.cite(meta.id, entry.cite, source, (*path, "cite")),
                    file=source.file,
                    line=source.line_of(path),
                    provisional=entry.provenance == "P",
                    label=f"{meta.id}.calendar.{i + 1}",
                )
            )

    def add_attributes(self, raw: RawLayer) -> None:
        """The person attributes the layer declares: new names, none taken by a fact field."""
        meta = raw.meta
        source = raw.files["layer.yaml"][1]
        taken = {name for fields in FACTS.values() for name in fields}
        for name, entry in meta.person_attributes.items():
            path: tuple[str | int, ...] = ("person_attributes", name)
            if name in self.attributes:
                owner = self.attributes[name].layer
                self.problem(source, path, "duplicate_attribute", f"{name!r} is already declared by {owner!r}")
                continue
            if name in taken:
                self.problem(source, path, "attribute_name_taken", f"{name!r} is already a field of the facts")
                continue
            cite = self.cite(meta.id, entry.cite, source, (*path, "cite"))
            self.attributes[name] = PersonAttribute(name, meta.id, entry.description, entry.choices, cite)

    def covered_years(self, raw: RawLayer) -> tuple[int, ...] | None:
        """The years ``raw`` covers (its own ``applies_to`` or the nearest below); ``None``: every year."""
        index = self.chain.index(raw)
        for layer in reversed(self.chain[: index + 1]):
            if layer.meta.applies_to is not None:
                return layer.meta.applies_to.years
        return None

    def check_covered_years(self) -> None:
        """Check each covered year: a valid calendar, and the policy and some of its rules in force on its date.

        Else the year would be decided by the rules of the layers below alone, a plausible but wrong answer.
        """
        top = self.chain[-1]
        years = self.covered_years(top)
        if years is None:
            return
        owner = next(raw for raw in reversed(self.chain) if raw.meta.applies_to is not None)
        source = owner.files["layer.yaml"][1]
        above = {raw.meta.id for raw in self.chain[self.chain.index(owner) :]}
        own_rules = [rule for rule in self.rules if rule.layer in above]
        start, end = top.meta.in_force.from_, top.meta.in_force.to
        for year in years:
            try:
                dates = year_calendar(tuple(self.calendar_rules), year)
            except ValueError as exc:
                self.problem(source, ("calendar",), "invalid_calendar", str(exc))
                continue
            day = dates.decide_on
            if day < start or (end is not None and day > end):
                span = f"from {start}" + (f" to {end}" if end else "")
                message = (
                    f"{year} is decided as of {day} by default, when {top.meta.id!r} is not in force ({span}); "
                    "give the year a decision date in force (calendar: decide_on) or cover other years"
                )
                self.problem(source, ("applies_to", "years"), "decision_date_out_of_force", message)
            elif own_rules and not any(rule.in_force_on(day) for rule in own_rules):
                message = f"none of the rules of {sorted(above)} is in force on {day}, the decision date of {year}"
                self.problem(source, ("applies_to", "years"), "no_rules_in_force", message)

    def claim_rule_id(self, rule_id: str, source: SourceMap, path: tuple[str | int, ...]) -> bool:
        """Record where a rule id is defined; a second definition is a `duplicate_rule` problem."""
        if rule_id in self.rule_origin:
            file, line = self.rule_origin[rule_id]
            message = f"rule {rule_id!r} is already defined ({file}:{line})"
            self.problem(source, (*path, "id"), "duplicate_rule", message)
            return False
        self.rule_origin[rule_id] = (source.file, source.line_of(path))
        return True

    def add_rules(self, raw: RawLayer) -> None:
        found = raw.get("rules.yaml", RulesFile)
        if found is None:
            return
        model, source = found
        meta = raw.meta
        for i, entry in enumerate(model.rules):
            path: tuple[str | int, ...] = ("rules", i)
            if not self.claim_rule_id(entry.id, source, path):
                continue
            cite = self.cite(meta.id, entry.cite, source, (*path, "cite"))
            checker = RuleChecker(self, source, entry.stage)
            when = checker.condition(entry.when or {}, (*path, "when"), "all")
            then = checker.outcomes(entry.then, (*path, "then"))
            start = entry.in_force.from_ if entry.in_force else meta.in_force.from_
            end = entry.in_force.to if entry.in_force else meta.in_force.to
            if start < meta.in_force.from_ or (
                meta.in_force.to is not None and (end is None or end > meta.in_force.to)
            ):
                self.problem(
                    source,
                    (*path, "in_force"),
                    "in_force_outside_layer",
                    "rule in-force dates fall outside its layer's",
                )
            self.rules.append(
                Rule(
                    id=entry.id,
                    layer=meta.id,
                    cite=cite,
                    stage=entry.stage,
                    description=entry.description or "",
                    when=when,
                    then=then,
                    in_force_from=start,
                    in_force_to=end,
                    file=source.file,
                    line=source.line_of(path),
                    params=frozenset(checker.params),
                )
            )

    def check_stage_sizes(self) -> None:
        counts: dict[str, int] = {}
        for rule in self.rules:
            self.problems.extend(rule_limit_problems(rule, self.list_length))
            counts[rule.stage] = counts.get(rule.stage, 0) + 1
            if counts[rule.stage] == MAX_RULES_PER_STAGE + 1:
                self.problems.append(
                    PolicyProblem(
                        rule.file,
                        rule.line,
                        "stage_rule_limit",
                        (
                            f"more than {MAX_RULES_PER_STAGE} rules in stage {rule.stage!r}; "
                            "the engine cannot match them safely"
                        ),
                    )
                )

    def list_length(self, ref: ParamRef) -> int:
        """The length of the longest list the parameter ``ref`` holds in any period (at least 1)."""
        parameter = self.parameters.get(ref.id)
        values = parameter.values if parameter is not None else ()
        return max([1, *(len(value) for _, value in values if isinstance(value, tuple | list))])


def build_policy(chain: Sequence[RawLayer]) -> Policy:
    """Merge ``chain`` (most general layer first) into a checked `Policy`.

    Raises:
        PolicyFileError: listing every dangling citation, unknown parameter or code, and every malformed rule.
    """
    return _Builder(chain).build()


def _day(day: dt.date | str | None) -> DayRef | None:
    """A calendar day as written: a date, or ``MM-DD`` as ``(month, day)``."""
    if day is None or isinstance(day, dt.date):
        return day
    month, number = day.split("-")
    return (int(month), int(number))


def _window(entry: WindowEntry | None) -> tuple[DayRef, DayRef] | None:
    if entry is None:
        return None
    start, end = _day(entry.from_), _day(entry.to)
    assert start is not None  # noqa: S101 - both ends are required by the file's shape
    assert end is not None  # noqa: S101
    return (start, end)
