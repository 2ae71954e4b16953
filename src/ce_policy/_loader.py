"""Reading policy folders strictly, and merging a layer with the layers it extends into a `Policy`.

A layer is a folder holding ``layer.yaml`` and, optionally, ``clauses.yaml``, ``codes.yaml``,
``parameters.yaml`` and ``rules.yaml`` (the format is described in ``docs/policy-format.md``). Loading
collects every problem it can find, each with file and line, before raising one `PolicyFileError`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from ce_policy._errors import PolicyFileError, PolicyProblem
from ce_policy._hours import parse_hours
from ce_policy._policy import (
    AsOf,
    Clause,
    CodeMessage,
    Condition,
    Layer,
    Parameter,
    ParamRef,
    Policy,
    Rule,
    Test,
)
from ce_policy._vocabulary import (
    CATEGORIES,
    COMPARISON_OPS,
    DATE_OPS,
    FACTS,
    OUTCOMES,
    REASON_OUTCOMES,
    ROUTE_ACTIONS,
    ROUTE_ACTORS,
    STAGES,
    FieldSpec,
)
from ce_policy._yaml import SourceMap, YamlDocument, read_yaml

__all__ = [
    "LAYER_FILES",
    "MAX_RULES_PER_STAGE",
    "RawLayer",
    "build_policy",
    "did_you_mean",
    "discover_layers",
    "read_layer",
]

LAYER_FILES = ("layer.yaml", "clauses.yaml", "codes.yaml", "parameters.yaml", "rules.yaml")
MAX_RULES_PER_STAGE = 60
"""The engine fails (error 303) when about 64 rules match one fact; stay clear of it."""

_T = TypeVar("_T", bound=BaseModel)
_STRICT = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
Text = Annotated[StrictStr, Field(min_length=1, max_length=20_000)]
Key = Annotated[StrictStr, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.\-\u4e00-\u9fff]+$")]
LayerId = Annotated[StrictStr, Field(min_length=1, max_length=128, pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]
Cite = Annotated[StrictStr, Field(min_length=1, max_length=260)]


def _version_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(
            "the version must be text MAJOR.MINOR.PATCH, e.g. version: 1.0.0 (quote it if needed)"
        )
    return value


Version = Annotated[StrictStr, BeforeValidator(_version_text), Field(pattern=r"^\d+\.\d+\.\d+$")]


class _InForce(BaseModel):
    model_config = _STRICT
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _InForce:
        if self.to is not None and self.to < self.from_:
            raise ValueError("'to' falls before 'from'")
        return self


class _Document(BaseModel):
    model_config = _STRICT
    number: Text
    title: Text
    issuer: Text
    issued_on: dt.date
    source: Text | None = None


class _AppliesTo(BaseModel):
    model_config = _STRICT
    regions: tuple[Key, ...] = Field(min_length=1)
    years: tuple[Annotated[StrictInt, Field(ge=1990, le=2100)], ...] = Field(min_length=1)


class _LayerFile(BaseModel):
    model_config = _STRICT
    id: LayerId
    version: Version
    title: Text
    extends: LayerId | None = None
    document: _Document
    in_force: _InForce
    applies_to: _AppliesTo | None = None


class _ClauseEntry(BaseModel):
    model_config = _STRICT
    section: Text
    text: Text
    document: Text | None = None
    provenance: Literal["N", "R", "S"] = "N"


class _ClausesFile(BaseModel):
    model_config = _STRICT
    clauses: dict[Key, _ClauseEntry]


class _CodeEntry(BaseModel):
    model_config = _STRICT
    zh: Text
    en: Text
    cite: Cite


class _CodesFile(BaseModel):
    model_config = _STRICT
    reasons: dict[Key, _CodeEntry] = Field(default_factory=dict)
    consequences: dict[Key, _CodeEntry] = Field(default_factory=dict)


class _ValueEntry(BaseModel):
    model_config = _STRICT
    from_: dt.date = Field(alias="from")
    value: Any


class _ParameterEntry(BaseModel):
    model_config = _STRICT
    description: Text
    type: Literal["hours", "integer", "date", "choices", "route"]
    cite: Cite
    provenance: Literal["N", "R", "S", "P"]
    checked_on: dt.date | None = None
    values: tuple[_ValueEntry, ...] = Field(min_length=1)


class _ParametersFile(BaseModel):
    model_config = _STRICT
    parameters: dict[Key, _ParameterEntry]


class _RuleEntry(BaseModel):
    model_config = _STRICT
    id: Key
    cite: Cite
    stage: Literal[STAGES]  # type: ignore[valid-type]
    description: Text | None = None
    in_force: _InForce | None = None
    when: dict[str, Any] | None = None
    then: dict[str, Any] = Field(min_length=1)


class _RulesFile(BaseModel):
    model_config = _STRICT
    rules: tuple[_RuleEntry, ...]


_FILE_MODELS: dict[str, type[BaseModel]] = {
    "layer.yaml": _LayerFile,
    "clauses.yaml": _ClausesFile,
    "codes.yaml": _CodesFile,
    "parameters.yaml": _ParametersFile,
    "rules.yaml": _RulesFile,
}


@dataclass(frozen=True)
class RawLayer:
    """One layer folder, read and shape-checked but not yet merged with the layers it extends."""

    folder: Path
    display: str
    files: dict[str, tuple[BaseModel, SourceMap]]
    digests: tuple[tuple[str, str], ...]

    @property
    def meta(self) -> _LayerFile:
        """The contents of ``layer.yaml``."""
        model = self.files["layer.yaml"][0]
        return cast(_LayerFile, model)

    def get(self, name: str, kind: type[_T]) -> tuple[_T, SourceMap] | None:
        """A file's model and source map, if the layer has that file."""
        found = self.files.get(name)
        if found is None:
            return None
        model, source = found
        return cast(_T, model), source


def did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _validation_problems(exc: ValidationError, source: SourceMap) -> list[PolicyProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        loc = tuple("from" if p == "from_" else p for p in loc)
        where = ".".join(str(p) for p in loc) or "(file)"
        kind = error["type"]
        code = {
            "extra_forbidden": "unknown_key",
            "missing": "missing_key",
        }.get(kind, "invalid_value")
        message = f"{where}: {error['msg']}"
        if kind == "extra_forbidden" and loc:
            message = f"unknown key {loc[-1]!r}"
        problems.append(PolicyProblem(source.file, source.line_of(loc), code, message))
    return problems


def discover_layers(root: Path) -> dict[str, Path]:
    """Find every layer folder under ``root``, keyed by folder path.

    A folder holding any of the layer files is a layer folder; one without ``layer.yaml`` is reported as such
    by `read_layer`, rather than skipped in silence.
    """
    found = {p.parent for name in LAYER_FILES for p in root.rglob(name) if p.is_file()}
    return {str(folder): folder for folder in sorted(found)}


def read_layer(folder: Path, display_root: Path) -> RawLayer:
    """Read and shape-check one layer folder.

    Raises:
        PolicyFileError: listing every problem found in the folder's files.
    """
    problems: list[PolicyProblem] = []
    files: dict[str, tuple[BaseModel, SourceMap]] = {}
    digests: list[tuple[str, str]] = []
    try:
        base = folder.relative_to(display_root.parent)
    except ValueError:
        base = folder
    display = str(base)
    for name in LAYER_FILES:
        path = folder / name
        shown = f"{display}/{name}"
        if not path.exists():
            if name == "layer.yaml":
                problems.append(PolicyProblem(shown, None, "missing_file", "a layer needs layer.yaml"))
            continue
        try:
            resolved = path.resolve(strict=True)
            resolved.relative_to(folder.resolve(strict=True))
        except (OSError, ValueError):
            problems.append(
                PolicyProblem(shown, None, "path_escape", "file resolves outside its layer folder")
            )
            continue
        try:
            doc: YamlDocument = read_yaml(path, display=shown)
        except PolicyFileError as exc:
            problems.extend(exc.problems)
            continue
        digests.append((name, hashlib.sha256(path.read_bytes()).hexdigest()))
        if not isinstance(doc.data, Mapping):
            problems.append(PolicyProblem(shown, 1, "not_a_mapping", "the file must hold a YAML mapping"))
            continue
        try:
            files[name] = (_FILE_MODELS[name].model_validate(doc.data), doc.source)
        except ValidationError as exc:
            problems.extend(_validation_problems(exc, doc.source))
    if problems:
        raise PolicyFileError(problems)
    return RawLayer(folder, display, files, tuple(digests))


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

    def problem(self, source: SourceMap, path: tuple[str | int, ...], code: str, message: str) -> None:
        self.problems.append(PolicyProblem(source.file, source.line_of(path), code, message))

    # --- citations -------------------------------------------------------------------------------------

    def cite(self, layer: str, cite: str, source: SourceMap, path: tuple[str | int, ...]) -> str:
        qualified = cite if ":" in cite else f"{layer}:{cite}"
        if qualified not in self.clauses:
            hint = did_you_mean(qualified, self.clauses)
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
        for raw in self.chain:
            self.add_rules(raw)
        self.check_stage_sizes()
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
        )

    @staticmethod
    def layer(raw: RawLayer) -> Layer:
        meta = raw.meta
        return Layer(
            id=meta.id,
            version=meta.version,
            title=meta.title,
            extends=meta.extends,
            document=meta.document.model_dump(mode="json"),
            in_force_from=meta.in_force.from_,
            in_force_to=meta.in_force.to,
            regions=meta.applies_to.regions if meta.applies_to else (),
            years=meta.applies_to.years if meta.applies_to else (),
            folder=raw.folder,
            files=tuple(raw.folder / name for name, _ in raw.digests),
        )

    def add_clauses(self, raw: RawLayer) -> None:
        found = raw.get("clauses.yaml", _ClausesFile)
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
        found = raw.get("codes.yaml", _CodesFile)
        if found is None:
            return
        model, source = found
        groups: tuple[tuple[Literal["reason", "consequence"], str, dict[str, _CodeEntry]], ...] = (
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

    def add_parameters(self, raw: RawLayer) -> None:
        found = raw.get("parameters.yaml", _ParametersFile)
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
                    self.problem(
                        source, (*path, "values", i), "values_out_of_order", "values must be in date order"
                    )
                previous = item.from_
                try:
                    values.append((item.from_, _parameter_value(entry.type, item.value)))
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

    def add_rules(self, raw: RawLayer) -> None:
        found = raw.get("rules.yaml", _RulesFile)
        if found is None:
            return
        model, source = found
        meta = raw.meta
        for i, entry in enumerate(model.rules):
            path: tuple[str | int, ...] = ("rules", i)
            if entry.id in self.rule_origin:
                file, line = self.rule_origin[entry.id]
                self.problem(
                    source,
                    (*path, "id"),
                    "duplicate_rule",
                    f"rule {entry.id!r} is already defined ({file}:{line})",
                )
                continue
            self.rule_origin[entry.id] = (source.file, source.line_of(path))
            cite = self.cite(meta.id, entry.cite, source, (*path, "cite"))
            checker = _RuleChecker(self, source, entry.stage)
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


def _parameter_value(kind: str, value: Any) -> Any:
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
            raise ValueError(
                f"unknown actor {step['actor']!r}{did_you_mean(str(step['actor']), ROUTE_ACTORS)}"
            )
        if step["action"] not in ROUTE_ACTIONS:
            raise ValueError(
                f"unknown action {step['action']!r}{did_you_mean(str(step['action']), ROUTE_ACTIONS)}"
            )
        steps.append((step["actor"], step["action"]))
    return tuple(steps)


_OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "choice": ("is", "is_not", "in", "not_in", "present"),
    "text": ("is", "is_not", "in", "not_in"),
    "bool": ("is", "is_not"),
    "hours": ("is", "is_not", *COMPARISON_OPS),
    "int": ("is", "is_not", *COMPARISON_OPS, "present"),
    "date": ("is", *DATE_OPS, "present"),
}
_PARAM_TYPE_FOR_FIELD = {"hours": "hours", "int": "integer", "date": "date"}


class _RuleChecker:
    """Checks one rule's ``when`` and ``then`` against the vocabulary, building the condition tree."""

    def __init__(self, builder: _Builder, source: SourceMap, stage: str) -> None:
        self.builder = builder
        self.source = source
        self.stage = stage
        self.fields = FACTS[stage]
        self.params: set[str] = set()

    def problem(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        self.builder.problem(self.source, path, code, message)

    def param(self, ref: Mapping[str, Any], path: tuple[str | int, ...], want: str) -> ParamRef | None:
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
            if checked is not _INVALID:
                tests.append(Test(name, op, checked))
        return tests

    def operand(self, name: str, spec: FieldSpec, op: str, operand: Any, path: tuple[str | int, ...]) -> Any:
        if op == "present":
            if not isinstance(operand, bool):
                self.problem(path, "invalid_operand", "present takes true or false")
                return _INVALID
            return operand
        if op in ("in", "not_in"):
            if isinstance(operand, Mapping):
                ref = self.param(operand, path, "choices")
                if ref is None:
                    return _INVALID
                held = {c for _, value in self.builder.parameters[ref.id].values for c in value}
                for choice in sorted(held) if spec.type == "choice" else ():
                    if choice not in spec.choices:
                        self.problem(
                            path, "invalid_operand", f"parameter {ref.id!r} holds {choice!r}, not a {name}"
                        )
                return ref
            if not isinstance(operand, list) or not operand:
                self.problem(path, "invalid_operand", f"{op} takes a non-empty list")
                return _INVALID
            items = [self.literal(name, spec, item, (*path, i)) for i, item in enumerate(operand)]
            return _INVALID if any(item is _INVALID for item in items) else tuple(items)
        if isinstance(operand, Mapping):
            want = _PARAM_TYPE_FOR_FIELD.get(spec.type)
            if want is None:
                self.problem(path, "invalid_operand", f"field {name!r} cannot be compared with a parameter")
                return _INVALID
            ref = self.param(operand, path, want)
            return _INVALID if ref is None else ref
        if spec.type == "date" and operand == "as_of":
            if op == "is":
                self.problem(path, "invalid_operand", "compare with as_of using before/after")
                return _INVALID
            return AsOf()
        return self.literal(name, spec, operand, path)

    def literal(self, name: str, spec: FieldSpec, value: Any, path: tuple[str | int, ...]) -> Any:
        try:
            if spec.type == "choice":
                if value not in spec.choices:
                    raise ValueError(f"{value!r} is not a {name}{did_you_mean(str(value), spec.choices)}")
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
            return _INVALID

    def outcomes(self, data: Mapping[str, Any], path: tuple[str | int, ...]) -> tuple[tuple[str, Any], ...]:
        result: list[tuple[str, Any]] = []
        for name, value in data.items():
            sub = (*path, name)
            spec = OUTCOMES.get(name)
            if spec is None:
                self.problem(
                    sub, "unknown_outcome", f"unknown outcome {name!r}{did_you_mean(name, OUTCOMES)}"
                )
                continue
            if self.stage not in spec.stages:
                self.problem(sub, "outcome_stage", f"outcome {name!r} is not allowed in stage {self.stage!r}")
                continue
            checked = self.outcome_value(name, spec.kind, spec.choices, value, sub)
            if checked is not _INVALID:
                result.append((name, checked))
        return tuple(result)

    def outcome_value(
        self, name: str, kind: str, choices: tuple[str, ...], value: Any, path: tuple[str | int, ...]
    ) -> Any:
        if kind == "choice":
            if value not in choices:
                self.problem(path, "invalid_outcome", f"{name} must be one of {', '.join(choices)}")
                return _INVALID
            return value
        if kind == "code":
            want = "reason" if name in REASON_OUTCOMES else "consequence"
            code = self.builder.codes.get(value) if isinstance(value, str) else None
            if code is None or code.kind != want:
                hint = did_you_mean(str(value), [c for c, m in self.builder.codes.items() if m.kind == want])
                self.problem(path, "unknown_code", f"{value!r} is not a declared {want} code{hint}")
                return _INVALID
            return value
        if kind == "flag":
            if value is not True:
                self.problem(path, "invalid_outcome", f"{name} takes true")
                return _INVALID
            return True
        if kind == "route":
            if not isinstance(value, Mapping):
                self.problem(path, "invalid_outcome", "route takes {param: name} of a route parameter")
                return _INVALID
            ref = self.param(value, path, "route")
            return _INVALID if ref is None else ref
        if kind == "hours_rule":
            if value == "claimed":
                return ("claimed", None)
            if isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in ("at_most", "fixed"):
                mode, amount = next(iter(value.items()))
                checked = self.hours_amount(amount, (*path, mode))
                return _INVALID if checked is _INVALID else (mode, checked)
            self.problem(path, "invalid_outcome", "hours takes claimed, {at_most: ...} or {fixed: ...}")
            return _INVALID
        # require
        if not isinstance(value, Mapping) or set(value) != {"category", "at_least"}:
            self.problem(path, "invalid_outcome", "require takes {category: ..., at_least: ...}")
            return _INVALID
        if value["category"] not in (*CATEGORIES, "total"):
            self.problem(
                (*path, "category"), "invalid_outcome", "category must be public, professional or total"
            )
            return _INVALID
        amount = self.hours_amount(value["at_least"], (*path, "at_least"))
        return _INVALID if amount is _INVALID else (value["category"], amount)

    def hours_amount(self, amount: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(amount, Mapping):
            ref = self.param(amount, path, "hours")
            return _INVALID if ref is None else ref
        try:
            return parse_hours(amount)
        except ValueError as exc:
            self.problem(path, "invalid_operand", str(exc))
            return _INVALID


_INVALID: Any = object()


def build_policy(chain: Sequence[RawLayer]) -> Policy:
    """Merge ``chain`` (most general layer first) into a checked `Policy`.

    Raises:
        PolicyFileError: listing every dangling citation, unknown parameter or code, and every malformed rule.
    """
    return _Builder(chain).build()
