"""The collector and test items of the pytest plugin for YAML cases (public path: ``ce_policy.pytest_plugin``).

A case is evaluated with the registry of its layer folder's root, by the rule ``ce-policy check`` and ``test``
follow (`policy_root`, `registry_for`): from the layer folder's parent up, the nearest folder holding
``registry.yaml`` (a complete policy folder, loaded on its own), else the layer folder's parent, loaded next to
the shipped policies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ce_policy.model.errors import CePolicyError
from ce_policy.policy.folders import is_case_file, is_complete, policy_root, registry_for
from ce_policy.policy.registry import PolicyRegistry
from ce_policy.testing.cases import ABSENT, Case, CaseResult, case_input, compare, load_cases, run_case

__all__ = [
    "PolicyCaseError",
    "PolicyCaseFile",
    "PolicyCaseItem",
    "PolicyRootError",
    "pytest_collect_file",
    "render_failure",
]

_REGISTRIES = pytest.StashKey[dict[Path, PolicyRegistry | str]]()


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Collect a case file of a policy layer."""
    if is_case_file(file_path):
        return PolicyCaseFile.from_parent(parent, path=file_path)
    return None


class PolicyCaseError(Exception):
    """A policy case did not get the decision it expects."""

    def __init__(self, result: CaseResult) -> None:
        """Keep the result, for the failure report."""
        super().__init__(result.case.name)
        self.result = result


class PolicyRootError(Exception):
    """The policy folder a case belongs to could not be loaded."""


def _registry(config: pytest.Config, root: Path) -> PolicyRegistry:
    """The registry for ``root``, built once per test run (a folder that fails to load fails every case)."""
    cache = config.stash.setdefault(_REGISTRIES, {})
    if root not in cache:
        try:
            cache[root] = registry_for(root)
        except CePolicyError as exc:
            how = "loaded on its own" if is_complete(root) else "loaded next to the shipped policies"
            cache[root] = f"the policy folder {root} ({how}) is invalid:\n{exc}"
    found = cache[root]
    if isinstance(found, str):
        raise PolicyRootError(found)
    return found


class PolicyCaseFile(pytest.File):
    """One case file: one item per case."""

    def collect(self) -> Iterator[PolicyCaseItem]:
        """The file's cases."""
        for case in load_cases(self.path):
            yield PolicyCaseItem.from_parent(self, name=case.name, case=case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """An invalid case file is reported by its problems, without a traceback."""
        if isinstance(excinfo.value, CePolicyError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class PolicyCaseItem(pytest.Item):
    """One YAML case, evaluated and compared with what it expects."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        """Hold the case."""
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        """Evaluate the case under the layers of its folder."""
        registry = _registry(self.config, policy_root(self.path.parents[1]))  # the root of the layer folder
        result = run_case(self.case, registry=registry)
        if not result.passed:
            raise PolicyCaseError(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """Expected next to actual, the mismatches, the record and the trace."""
        if isinstance(excinfo.value, PolicyCaseError):
            return render_failure(excinfo.value.result)
        if isinstance(excinfo.value, PolicyRootError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the case is written."""
        return self.path, (self.case.line or 1) - 1, f"policy case: {self.name}"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _show(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    return json.dumps(_plain(value), ensure_ascii=False, default=str)


def _is_leaf(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(not isinstance(v, Mapping | list) for v in value.values())
    if isinstance(value, list):
        return all(not isinstance(v, Mapping | list) for v in value)
    return True


def _outline(value: Any, indent: int) -> list[str]:
    """A YAML-like outline: one line per flat mapping or list (each activity on a line of its own)."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if _is_leaf(item):
                lines.append(f"{pad}{key}: {_show(item)}")
            else:
                lines += [f"{pad}{key}:", *_outline(item, indent + 1)]
    elif isinstance(value, list):
        for item in value:
            if _is_leaf(item):
                lines.append(f"{pad}- {_show(item)}")
            else:
                nested = _outline(item, indent + 1)
                lines += [f"{pad}- {nested[0].lstrip()}", *nested[1:]] if nested else [f"{pad}- {{}}"]
    else:
        lines.append(f"{pad}{_show(value)}")
    return lines


def _table(rows: list[tuple[str, str, str, str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [f"  {m:<{widths[0]}} {p:<{widths[1]}}  {e:<{widths[2]}}  {a}".rstrip() for m, p, e, a in rows]


def _trace_lines(actual: Any) -> list[str]:
    if not isinstance(actual, Mapping) or "trace" not in actual:
        return []

    def entries(decision: Mapping[str, Any], indent: str) -> list[str]:
        return [
            f"{indent}{e['rule']} → {e['cite']}" + (f" ({e['activity']})" if e.get("activity") else "")
            for e in decision.get("trace", [])
        ]

    lines = entries(actual, "  ")
    for year in actual.get("years") or []:
        if isinstance(year.get("decision"), Mapping):
            lines += [f"  year {year['year']} (its record's decision):", *entries(year["decision"], "    ")]
    return lines


def render_failure(result: CaseResult) -> str:
    """A readable report of a failed case: mismatches, expected next to actual, record and trace."""
    case = result.case
    actual = result.actual
    lines = [f"policy case {case.name!r} ({case.file}:{case.line}) failed", "", "mismatches:"]
    lines += [f"  - {mismatch}" for mismatch in result.mismatches]
    comparisons = compare(case, actual)
    if comparisons:
        rows = [("", "path", "expected", "actual")]
        rows += [("✓" if c.ok else "✗", c.path, _show(c.expected), _show(c.actual)) for c in comparisons]
        lines += ["", "expected ↔ actual (✗ marks a mismatch):", *_table(rows)]
    lines += ["", "evaluated (the case's record or history, defaults merged):", *_outline(case_input(case), 1)]
    trace = _trace_lines(actual)
    if trace:
        lines += ["", "trace (rule → clause it cites, activity):", *trace]
    if isinstance(actual, Mapping) and "error" in actual:
        lines += ["", f"error: {actual['error']}"]
    return "\n".join(lines)
