"""Running every YAML case under a folder of policy layers, and measuring which rules and clauses they exercise.

Used by ``ce-policy test DIR`` and by the pytest plugin. A folder of a department's own layers is evaluated
with the shipped policies next to it, so its layers may extend shipped ones.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ce_policy._cases import CaseResult, load_cases, run_case
from ce_policy._registry import PolicyRegistry, default_registry, shipped_policy_root

__all__ = ["LayerCoverage", "SuiteResult", "case_files", "registry_for", "run_suite"]

_SETTINGS_FILE = "registry.yaml"
_registries: dict[Path, PolicyRegistry] = {}
_registries_lock = threading.Lock()


def case_files(folder: Path) -> list[Path]:
    """Every case file under ``folder``: a ``*.yaml`` in a ``cases`` folder of a layer folder."""
    return sorted(p for p in folder.rglob("cases/*.yaml") if (p.parent.parent / "layer.yaml").is_file())


def policy_root(layer_folder: Path) -> Path:
    """The root folder a layer belongs to: the nearest ancestor holding ``registry.yaml``, else its parent."""
    for ancestor in layer_folder.resolve().parents:
        if (ancestor / _SETTINGS_FILE).is_file():
            return ancestor
    return layer_folder.resolve().parent


def registry_for(root: Path) -> PolicyRegistry:
    """The registry that evaluates the layers under ``root``.

    That is the shipped policies, plus ``root`` if it is not inside them (loaded strictly, once per root).
    """
    shipped = shipped_policy_root().resolve()
    resolved = root.resolve()
    if resolved.is_relative_to(shipped) or shipped.is_relative_to(resolved):
        return default_registry()
    with _registries_lock:
        registry = _registries.get(resolved)
        if registry is None:
            registry = PolicyRegistry([shipped])
            registry.add_root(resolved, strict=True)
            _registries[resolved] = registry
        return registry


def fired_rules(actual: Any) -> set[str]:
    """The policy rules that fired in a decision (floors found short count as their rule)."""
    if not isinstance(actual, dict):
        return set()
    fired = {entry["rule"].split("#", 1)[0] for entry in actual.get("trace", [])}
    for year in actual.get("years", []):
        fired |= fired_rules(year.get("decision"))
    return fired


@dataclass(frozen=True)
class LayerCoverage:
    """Which of one layer's rules, and the clauses they cite, the cases made fire."""

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


@dataclass
class SuiteResult:
    """The results of every case under a folder, and the coverage of its layers."""

    results: list[CaseResult] = field(default_factory=list)
    coverage: list[LayerCoverage] = field(default_factory=list)

    @property
    def failed(self) -> list[CaseResult]:
        """The cases that failed."""
        return [r for r in self.results if not r.passed]

    @property
    def rule_percent(self) -> float:
        """Rules fired over all layers, in percent."""
        total = sum(len(c.rules) for c in self.coverage)
        return 100.0 * sum(len(c.fired) for c in self.coverage) / total if total else 100.0


def run_suite(folder: Path) -> SuiteResult:
    """Run every case under ``folder`` and measure the coverage of the layers under it.

    Raises:
        PolicyFileError: a layer or case file under the folder is invalid.
    """
    registry = registry_for(policy_root(folder / "layer.yaml") if (folder / "layer.yaml").is_file() else folder)
    suite = SuiteResult()
    fired: set[str] = set()
    for path in case_files(folder):
        for case in load_cases(path):
            result = run_case(case, registry=registry)
            suite.results.append(result)
            fired |= fired_rules(result.actual)
    wanted = folder.resolve()
    for layer_id in registry.layer_ids():
        if not registry.folder(layer_id).resolve().is_relative_to(wanted):
            continue
        policy = registry.policy(layer_id)
        own = [rule for rule in policy.rules if rule.layer == layer_id]
        rules = tuple(rule.id for rule in own)
        cites = {rule.id: rule.cite for rule in own}
        suite.coverage.append(
            LayerCoverage(
                layer=layer_id,
                rules=rules,
                fired=tuple(r for r in rules if r in fired),
                clauses=tuple(sorted(set(cites.values()))),
                cited=tuple(sorted({cites[r] for r in rules if r in fired})),
            )
        )
    return suite
