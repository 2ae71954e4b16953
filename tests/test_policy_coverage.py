"""Every shipped policy travels with cases, and those cases make every one of its rules fire."""

from pathlib import Path

import ce_policy
from ce_policy.policy.registry import shipped_policy_root
from ce_policy.testing.cases import load_cases, run_case

ROOT = shipped_policy_root()


def _case_files() -> list[Path]:
    return sorted(ROOT.rglob("cases/*.yaml"))


def test_every_evaluable_layer_has_cases() -> None:
    registry = ce_policy.default_registry()
    for policy in registry.policies():
        cases = sorted(registry.folder(policy.id).glob("cases/*.yaml"))
        assert cases, f"{policy.id} has no cases/*.yaml"
        assert all(load_cases(path) for path in cases)


def test_every_shipped_rule_fires_in_some_case() -> None:
    fired: set[str] = set()
    for path in _case_files():
        for case in load_cases(path):
            result = run_case(case)
            assert result.passed, (case.name, result.mismatches)
            if isinstance(result.actual, dict):
                fired |= {entry["rule"].split("#", 1)[0] for entry in result.actual.get("trace", [])}
                for year in result.actual.get("years", []):
                    decision = year.get("decision") or {}
                    fired |= {entry["rule"].split("#", 1)[0] for entry in decision.get("trace", [])}
    rules = {rule.id for policy in ce_policy.default_registry().policies() for rule in policy.rules}
    assert rules - fired == set(), "rules no shipped case makes fire"
