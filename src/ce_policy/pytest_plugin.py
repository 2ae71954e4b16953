"""A pytest plugin that runs the YAML cases beside policy layers as test items.

Installed with ce_policy (entry point ``pytest11``), it collects every ``*.yaml`` in a ``cases`` folder of a
layer folder (one holding ``layer.yaml``), shipped or the user's. A user's layers are evaluated with the
shipped policies next to them (their root is the nearest folder holding ``registry.yaml``, else the layer
folder's parent). A failure shows what the case expected and what the decision said, path by path, the
record, and the rules that fired with the clauses they cite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ce_policy._cases import Case, CaseResult, load_cases, run_case
from ce_policy._suite import policy_root, registry_for

__all__ = ["PolicyCaseError", "PolicyCaseFile", "PolicyCaseItem", "pytest_collect_file"]


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Collect a case file of a policy layer."""
    if (
        file_path.suffix == ".yaml"
        and file_path.parent.name == "cases"
        and (file_path.parents[1] / "layer.yaml").is_file()
    ):
        return PolicyCaseFile.from_parent(parent, path=file_path)
    return None


class PolicyCaseError(Exception):
    """A policy case did not get the decision it expects."""

    def __init__(self, result: CaseResult) -> None:
        """Keep the result, for the failure report."""
        super().__init__(result.case.name)
        self.result = result


class PolicyCaseFile(pytest.File):
    """One case file: one item per case."""

    def collect(self) -> Iterator[PolicyCaseItem]:
        """The file's cases."""
        for case in load_cases(self.path):
            yield PolicyCaseItem.from_parent(self, name=case.name, case=case)


class PolicyCaseItem(pytest.Item):
    """One YAML case, evaluated and compared with what it expects."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        """Hold the case."""
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        """Evaluate the case under the layers of its folder."""
        registry = registry_for(policy_root(self.path.parents[1]))
        result = run_case(self.case, registry=registry)
        if not result.passed:
            raise PolicyCaseError(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """Expected against actual, the record and the trace."""
        if not isinstance(excinfo.value, PolicyCaseError):
            return str(super().repr_failure(excinfo, style))
        return render_failure(excinfo.value.result)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the case is written."""
        return self.path, (self.case.line or 1) - 1, f"policy case: {self.name}"


def render_failure(result: CaseResult) -> str:
    """A readable report of a failed case."""
    case = result.case
    lines = [f"policy case {case.name!r} ({case.file}:{case.line}) failed", "", "expected ≠ actual:"]
    lines += [f"  - {mismatch}" for mismatch in result.mismatches]
    actual = result.actual if isinstance(result.actual, dict) else {}
    if "expect" in case.data:
        lines += ["", "expected (as written in the case):"]
        lines += [
            "  " + line
            for line in json.dumps(case.data["expect"], ensure_ascii=False, indent=2, default=str).splitlines()
        ]
    summary = {
        k: actual[k] for k in ("compliant", "hours", "required", "shortfall", "consequences", "eligible") if k in actual
    }
    if summary:
        lines += ["", "actual (summary):"]
        lines += ["  " + line for line in json.dumps(summary, ensure_ascii=False, indent=2).splitlines()]
    record = {k: v for k, v in case.data.items() if k in ("person", "year", "activities", "record", "history", "prior")}
    lines += ["", "record (as written in the case, before defaults):"]
    lines += ["  " + line for line in json.dumps(record, ensure_ascii=False, indent=2, default=str).splitlines()]
    trace = actual.get("trace", [])
    if trace:
        lines += ["", "trace (rule → clause, activity):"]
        lines += [f"  {e['rule']} → {e['cite']}" + (f" ({e['activity']})" if e.get("activity") else "") for e in trace]
    if "error" in actual:
        lines += ["", f"error: {actual['error']}"]
    return "\n".join(lines)
