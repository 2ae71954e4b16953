"""Collects the YAML cases that sit beside each policy layer (``policies/**/cases/*.yaml``) as test items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ce_policy._cases import Case, load_cases, run_case


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and file_path.parent.name == "cases":
        return PolicyCaseFile.from_parent(parent, path=file_path)
    return None


class PolicyCaseFile(pytest.File):
    def collect(self) -> Any:
        for case in load_cases(self.path):
            yield PolicyCaseItem.from_parent(self, name=case.name, case=case)


class PolicyCaseError(Exception):
    pass


class PolicyCaseItem(pytest.Item):
    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        result = run_case(self.case)
        if not result.passed:
            raise PolicyCaseError(result)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, PolicyCaseError):
            result = excinfo.value.args[0]
            lines = [f"case {result.case.name!r} ({result.case.file}:{result.case.line}) failed:"]
            lines += [f"  - {m}" for m in result.mismatches]
            lines.append("actual decision:")
            lines.append(json.dumps(result.actual, ensure_ascii=False, indent=2))
            return "\n".join(lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, (self.case.line or 1) - 1, f"policy case: {self.name}"
