"""YAML cases: a policy's own examples of expected decisions, readable by a policy officer.

A case file sits in a layer's ``cases/`` folder. Each case gives a record (or a title-review history) and the
parts of the decision it expects; only the parts named are compared. The format is documented in
``docs/policy-format.md``::

    defaults:                      # merged into every case (optional)
      person: {id: p1, title_level: intermediate}
      year: 2025
      activity: {on_platform: true, passed: true, completed_on: 2025-06-01}
    cases:
      - name: 29.5 public hours fall short
        clause: s2.quota           # the clause the case is about (for readers and coverage)
        activities:
          - {id: pub, kind: public_course, hours: 29.5}
        expect:
          compliant: false
          shortfall: {public: 0.5}
          activities: {pub: {counted: true}}
          fired: [aksu.quota.public]

A title-review case has ``title_review: {review_year, applied_on}`` and a ``history`` instead of activities.

The cases of a folder run with `run_suite` (``ce-policy test DIR``) or as pytest items (``ce_policy.pytest_plugin``);
both evaluate them with the registry of the folder's root (`policy_root`, `registry_for`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.sink import UNLOGGED
from ce_policy.decide.title_review import evaluate_title_review
from ce_policy.model.errors import CePolicyError, PolicyFileError
from ce_policy.policy.layer_files import shown_path
from ce_policy.policy.registry import PolicyRegistry
from ce_policy.policy.safe_yaml import read_yaml

__all__ = [
    "ABSENT",
    "Case",
    "CaseResult",
    "Comparison",
    "case_input",
    "compare",
    "load_cases",
    "run_case",
]

_CASE_KEYS = {
    "name",
    "clause",
    "policy",
    "as_of",
    "person",
    "year",
    "activities",
    "record",
    "history",
    "title_review",
    "expect",
    "raises",
    "prior",
}
_EXPECT_EXTRA = {"fired", "not_fired", "cites"}
_RECORD_ONLY = {"activities", "record", "year", "prior", "as_of"}
"""Keys of a case about one year's record, which a title-review case (judged as of ``applied_on``) has no use for."""


@dataclass(frozen=True)
class Case:
    """One case read from a case file."""

    name: str
    file: str
    line: int | None
    data: dict[str, Any]
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseResult:
    """The outcome of running one case.

    Attributes:
        case: the case.
        passed: every expectation held.
        mismatches: one line per expectation that did not hold.
        actual: the decision (JSON data), or the error raised.
    """

    case: Case
    passed: bool
    mismatches: tuple[str, ...]
    actual: Any

    @property
    def fired(self) -> frozenset[str]:
        """The rules that fired (a floor found short counts as its rule), the years of a title review included."""
        return frozenset(entry["rule"].split("#", 1)[0] for entry in _traces(self.actual))

    @property
    def cited(self) -> frozenset[str]:
        """The clauses cited by the rules that fired (qualified ids)."""
        return frozenset(entry["cite"] for entry in _traces(self.actual))


def load_cases(path: Path) -> list[Case]:
    """Read the cases of one case file.

    Raises:
        PolicyFileError: the file is not a valid case file.
    """
    shown = shown_path(path)
    doc = read_yaml(path, display=shown)
    data = doc.data
    if not isinstance(data, Mapping) or not isinstance(data.get("cases"), list):
        raise PolicyFileError.single(shown, 1, "invalid_case_file", "a case file holds a list under `cases`")
    unknown = set(data) - {"cases", "defaults", "policy"}
    if unknown:
        raise PolicyFileError.single(shown, 1, "unknown_key", f"unknown keys: {', '.join(sorted(unknown))}")
    defaults = dict(data.get("defaults") or {})
    if "policy" in data:
        defaults["policy"] = data["policy"]
    cases = []
    for i, item in enumerate(data["cases"]):
        line = doc.source.line_of(("cases", i))
        if not isinstance(item, Mapping) or "name" not in item or ("expect" not in item and "raises" not in item):
            raise PolicyFileError.single(shown, line, "invalid_case", "a case needs a name and an expect")
        extra = set(item) - _CASE_KEYS
        if extra:
            raise PolicyFileError.single(shown, line, "unknown_key", f"unknown case keys: {', '.join(sorted(extra))}")
        stray = sorted(set(item) & _RECORD_ONLY) if "title_review" in item else []
        if stray or ("title_review" in item) != ("history" in item):
            message = (
                f"a title-review case takes a history, not {', '.join(stray)}"
                if stray
                else "a case with title_review needs a history, and a history needs title_review"
            )
            raise PolicyFileError.single(shown, line, "invalid_case", message)
        cases.append(Case(str(item["name"]), shown, line, dict(item), defaults))
    return cases


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _record(case: Case) -> dict[str, Any]:
    data, defaults = case.data, case.defaults
    if "record" in data:
        return _jsonable(data["record"])  # type: ignore[no-any-return]
    base_activity = defaults.get("activity", {})
    person = {**defaults.get("person", {}), **data.get("person", {})}
    return {
        "person": _jsonable(person),
        "year": data.get("year", defaults.get("year")),
        "activities": [_jsonable({**base_activity, **a}) for a in data.get("activities", [])],
    }


def _history(case: Case) -> dict[str, Any]:
    history = dict(case.data["history"])
    # The person: the defaults', then the case's own ``person``, then the history's.
    person = {**case.defaults.get("person", {}), **case.data.get("person", {}), **history.get("person", {})}
    history["person"] = person
    base_activity = case.defaults.get("activity", {})
    records = []
    for given in history.get("records", []):
        built = {"person": person, **given}
        built["activities"] = [{**base_activity, **a} for a in given.get("activities", [])]
        records.append(built)
    history["records"] = records
    return _jsonable(history)  # type: ignore[no-any-return]


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int | Decimal) and isinstance(actual, int | float):
        return Decimal(str(expected)) == Decimal(str(actual))
    return bool(expected == actual)


def _compare(expected: Any, actual: Any, path: str, out: list[str]) -> None:
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            out.append(f"{path}: expected a mapping, got {actual!r}")
            return
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{path}.{key}: not in the decision")
            else:
                _compare(value, actual[key], f"{path}.{key}", out)
        return
    if isinstance(expected, list):
        if not isinstance(actual, list):
            out.append(f"{path}: expected {expected!r}, got {actual!r}")
        elif all(not isinstance(v, Mapping | list) for v in expected):
            if sorted(map(str, expected)) != sorted(map(str, actual)):
                out.append(f"{path}: expected {sorted(map(str, expected))}, got {sorted(map(str, actual))}")
        elif len(expected) != len(actual):
            out.append(f"{path}: expected {len(expected)} items, got {len(actual)}")
        else:
            for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
                _compare(e, a, f"{path}[{i}]", out)
        return
    if not _same(expected, actual):
        out.append(f"{path}: expected {expected!r}, got {actual!r}")


def _check(expect: Mapping[str, Any], actual: dict[str, Any], out: list[str]) -> None:
    fired = {entry["rule"] for entry in actual.get("trace", [])}
    cites = {entry["cite"].split(":", 1)[-1] for entry in actual.get("trace", [])} | {
        entry["cite"] for entry in actual.get("trace", [])
    }
    for rule in expect.get("fired", []):
        if rule not in fired:
            out.append(f"fired: rule {rule!r} did not fire (fired: {', '.join(sorted(fired))})")
    for rule in expect.get("not_fired", []):
        if rule in fired:
            out.append(f"not_fired: rule {rule!r} fired")
    for cite in expect.get("cites", []):
        if cite not in cites:
            out.append(f"cites: clause {cite!r} was not cited")
    rest = {k: v for k, v in expect.items() if k not in _EXPECT_EXTRA}
    if "activities" in rest and isinstance(rest["activities"], Mapping):
        by_id = {a["id"]: a for a in actual.get("activities", [])}
        for activity_id, wanted in rest.pop("activities").items():
            if activity_id not in by_id:
                out.append(f"activities.{activity_id}: no such activity in the decision")
            else:
                _compare(wanted, by_id[activity_id], f"activities.{activity_id}", out)
    _compare(rest, actual, "$", out)


def run_case(case: Case, *, registry: PolicyRegistry | None = None) -> CaseResult:
    """Evaluate one case and compare the decision with what it expects."""
    data = case.data
    policy = data.get("policy", case.defaults.get("policy"))
    mismatches: list[str] = []
    try:
        if "title_review" in data:
            review = data["title_review"]
            result = evaluate_title_review(
                _history(case),
                review_year=int(review["review_year"]),
                applied_on=dt.date.fromisoformat(str(review["applied_on"])),
                policy=policy,
                registry=registry,
            )
        else:
            as_of = dt.date.fromisoformat(str(data["as_of"])) if "as_of" in data else None
            prior = [_jsonable(item) for item in data.get("prior", [])]
            result = evaluate(  # type: ignore[assignment]  # a case's decision is given to no one: not logged
                _record(case), policy=policy, as_of=as_of, prior=prior, registry=registry, log=UNLOGGED
            )
    except CePolicyError as exc:
        codes = list(getattr(exc, "codes", [])) or [type(exc).__name__]
        if "raises" not in data:
            return CaseResult(
                case, False, (f"raised {type(exc).__name__}: {exc}",), {"error": str(exc), "codes": codes}
            )
        wanted = data["raises"]
        wanted_codes = wanted if isinstance(wanted, list) else [wanted]
        missing = [c for c in wanted_codes if c not in codes and c != type(exc).__name__]
        if missing:
            mismatches.append(f"raises: expected {missing}, got {codes}")
        return CaseResult(case, not mismatches, tuple(mismatches), {"error": str(exc), "codes": codes})
    actual = result.model_dump(mode="json")
    if "raises" in data:
        return CaseResult(case, False, (f"expected an error {data['raises']!r}, got a decision",), actual)
    _check(data["expect"], actual, mismatches)
    return CaseResult(case, not mismatches, tuple(mismatches), actual)


def _decisions(actual: Any) -> Iterator[dict[str, Any]]:
    """The decision, and the decisions on the years of a title review."""
    if isinstance(actual, Mapping) and "trace" in actual:
        yield dict(actual)
        for year in actual.get("years") or []:
            yield from _decisions(year.get("decision"))


def _traces(actual: Any) -> Iterator[dict[str, Any]]:
    for decision in _decisions(actual):
        yield from decision["trace"]


def case_input(case: Case) -> dict[str, Any]:
    """What the case gives the evaluation: the record or the history (defaults merged), and ``prior``/``as_of``."""
    data = case.data
    given: dict[str, Any] = {}
    if "title_review" in data:
        given["title_review"] = _jsonable(data["title_review"])
        given["history"] = _history(case)
    else:
        given["record"] = _record(case)
        if "prior" in data:
            given["prior"] = _jsonable(data["prior"])
        if "as_of" in data:
            given["as_of"] = data["as_of"]
    policy = data.get("policy", case.defaults.get("policy"))
    if policy is not None:
        given["policy"] = policy
    return given


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()
"""The actual value of a path the decision does not have."""


class Comparison(NamedTuple):
    """One expected part of a decision next to the decision's value at the same path."""

    path: str
    expected: Any
    actual: Any
    ok: bool


def compare(case: Case, actual: Any) -> list[Comparison]:
    """Every part the case expects, next to the actual value of the same path (`ABSENT` if there is none).

    Paths are written as in the mismatches (``$.hours.public``, ``activities.pub.counted``, ``fired``).
    """
    expect = case.data.get("expect")
    if not isinstance(expect, Mapping):
        return []
    if not isinstance(actual, Mapping) or "trace" not in actual:
        return [Comparison("$", _jsonable(expect), actual, False)]
    rows: list[Comparison] = []
    fired = [entry["rule"] for entry in actual["trace"]]
    cites = [entry["cite"] for entry in actual["trace"]]
    for key, value in expect.items():  # in the order the case names them
        if key == "fired":
            rows.append(Comparison(key, list(value), fired, set(value) <= set(fired)))
        elif key == "not_fired":
            wrong = [r for r in value if r in fired]
            rows.append(Comparison(key, list(value), wrong, not wrong))
        elif key == "cites":
            known = {c.split(":", 1)[-1] for c in cites} | set(cites)
            rows.append(Comparison(key, list(value), sorted(set(cites)), set(value) <= known))
        elif key == "activities" and isinstance(value, Mapping):
            by_id = {a["id"]: a for a in actual.get("activities", [])}
            for activity_id, wanted in value.items():
                _side_by_side(wanted, by_id.get(activity_id, ABSENT), f"activities.{activity_id}", rows)
        else:
            _side_by_side(value, actual.get(key, ABSENT), f"$.{key}", rows)
    return rows


def _side_by_side(expected: Any, actual: Any, path: str, rows: list[Comparison]) -> None:
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key, value in expected.items():
            _side_by_side(value, actual.get(key, ABSENT), f"{path}.{key}", rows)
        return
    if (
        isinstance(expected, list)
        and isinstance(actual, list)
        and any(isinstance(v, Mapping | list) for v in expected)
        and len(expected) == len(actual)
    ):
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _side_by_side(e, a, f"{path}[{i}]", rows)
        return
    out: list[str] = []
    if actual is not ABSENT:
        _compare(expected, actual, path, out)
    rows.append(Comparison(path, _jsonable(expected), _project(expected, actual), actual is not ABSENT and not out))


def _project(expected: Any, actual: Any) -> Any:
    """The parts of ``actual`` at the paths ``expected`` names (a list of mappings: the keys any item names)."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return {k: _project(v, actual[k]) for k, v in expected.items() if k in actual}
    if isinstance(expected, list) and isinstance(actual, list) and expected and isinstance(expected[0], Mapping):
        template: dict[str, Any] = {}
        for item in expected:
            if isinstance(item, Mapping):
                template.update(item)
        return [_project(template, item) for item in actual]
    return actual
