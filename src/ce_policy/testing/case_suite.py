"""Running a folder's YAML cases as a suite: every case, and which rules and clauses of each layer they exercised.

``ce-policy test FOLDER`` prints this; the pytest plugin runs the same cases one test item each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ce_policy.model.errors import CePolicyError
from ce_policy.policy.folders import case_files, layers_in, policy_root, registry_for
from ce_policy.policy.registry import PolicyRegistry
from ce_policy.testing.cases import CaseResult, _decisions, load_cases, run_case

__all__ = ["LayerCoverage", "SuiteResult", "layer_coverage", "run_cases", "run_suite"]


def run_cases(folder: Path, registry: PolicyRegistry) -> list[CaseResult]:
    """Run every case under ``folder`` with ``registry``.

    Raises:
        PolicyFileError: a case file is invalid.
    """
    return [run_case(case, registry=registry) for path in case_files(folder) for case in load_cases(path)]


@dataclass(frozen=True)
class LayerCoverage:
    """Which of one layer's rules the cases made fire, and which of the clauses its rules cite they cited."""

    layer: str
    rules: tuple[str, ...]
    fired: tuple[str, ...]
    clauses: tuple[str, ...]
    cited: tuple[str, ...]

    @property
    def rule_percent(self) -> float:
        """Rules fired, in percent of the layer's rules (100 for a layer without rules)."""
        return 100.0 * len(self.fired) / len(self.rules) if self.rules else 100.0

    @property
    def missed(self) -> tuple[str, ...]:
        """The rules no case made fire."""
        return tuple(r for r in self.rules if r not in self.fired)


def _exercised(results: list[CaseResult], registry: PolicyRegistry) -> set[tuple[str, str]]:
    """``(layer, rule id)`` of every rule that fired in a case, each found in the policy that decided."""
    found: set[tuple[str, str]] = set()
    for result in results:
        for decision in _decisions(result.actual):
            try:
                policy = registry.policy(decision["policy"]["id"])
            except CePolicyError:  # pragma: no cover - the decision came from this registry
                continue
            by_id = {rule.id: rule for rule in policy.rules}
            for entry in decision["trace"]:
                rule = by_id.get(entry["rule"].split("#", 1)[0])
                if rule is not None:
                    found.add((rule.layer, rule.id))
    return found


def layer_coverage(folder: Path, registry: PolicyRegistry, results: list[CaseResult]) -> list[LayerCoverage]:
    """For each layer under ``folder``: its rules and the clauses they cite, and those the cases exercised."""
    exercised = _exercised(results, registry)
    report = []
    for layer_id in registry.layers_under(folder):
        own = [rule for rule in registry.policy(layer_id).rules if rule.layer == layer_id]
        fired = [rule for rule in own if (layer_id, rule.id) in exercised]
        report.append(
            LayerCoverage(
                layer=layer_id,
                rules=tuple(rule.id for rule in own),
                fired=tuple(rule.id for rule in fired),
                clauses=tuple(sorted({rule.cite for rule in own})),
                cited=tuple(sorted({rule.cite for rule in fired})),
            )
        )
    return report


@dataclass(frozen=True)
class SuiteResult:
    """The results of every case under a folder, and the coverage of its layers."""

    results: tuple[CaseResult, ...]
    coverage: tuple[LayerCoverage, ...]

    @property
    def failed(self) -> list[CaseResult]:
        """The cases that failed."""
        return [r for r in self.results if not r.passed]

    @property
    def rule_percent(self) -> float:
        """Rules fired over every layer of the folder, in percent."""
        total = sum(len(c.rules) for c in self.coverage)
        return 100.0 * sum(len(c.fired) for c in self.coverage) / total if total else 100.0


def run_suite(folder: Path, registry: PolicyRegistry | None = None) -> SuiteResult:
    """Run every case under ``folder`` and measure the coverage of the layers under it.

    Args:
        folder: the shipped policies (or a folder in them), a complete policy folder, a folder of one's own
            layers, or one layer folder.
        registry: the registry to evaluate with; by default `registry_for` the folder's `policy_root`.

    Raises:
        PolicyFileError: a layer or case file under the folder is invalid, or the folder holds no layer.
    """
    if registry is None:
        registry = registry_for(policy_root(folder))
    layers_in(registry, folder)
    results = run_cases(folder, registry)
    return SuiteResult(tuple(results), tuple(layer_coverage(folder, registry, results)))
