"""The compiler is a pure function of the policy and the period; its output is snapshot-tested."""

import datetime as dt
import json
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

import ce_policy
from ce_policy.engine.compiler import OPEN_RULE, SEEN_PREFIX, compile_policy

DAY = dt.date(2025, 12, 31)


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def _walk(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_walk(value))
    return found


@pytest.mark.parametrize("policy_id", ["xj.aksu.2025"])
def test_compiled_ruleset_snapshot(policy_id: str, snapshot_json: SnapshotAssertion) -> None:
    policy = ce_policy.default_registry().policy(policy_id)
    compiled = compile_policy(policy, DAY)
    assert compiled.ruleset == snapshot_json


def test_compile_is_pure() -> None:
    policy = ce_policy.default_registry().policy("xj.aksu.2025")
    first = json.dumps(compile_policy(policy, DAY).ruleset, sort_keys=True)
    second = json.dumps(compile_policy(policy, DAY).ruleset, sort_keys=True)
    assert first == second


def test_compiled_rules_are_single_fact_and_safe() -> None:
    """No joins, no state tests, no floats: only shapes known not to crash the engine."""
    policy = ce_policy.default_registry().policy("xj.aksu.2025")
    ruleset = next(iter(compile_policy(policy, DAY).ruleset.values()))
    allowed = {"$and", "$or", "$lt", "$lte", "$gt", "$gte", "$neq", "$ex", "$nex"}
    for name, rule in ruleset.items():
        assert set(rule) <= {"all", "pri", "cap", "run"}, name
        assert len(rule["all"]) == 1 and set(rule["all"][0]) == {"m"}, name
        for node in _walk(rule["all"][0]["m"]):
            for key, value in node.items():
                assert not key.startswith("$") or key in allowed, (name, key)
                assert not isinstance(value, float), (name, key)
                assert key not in {"$m", "$s", "$l", "$r", "$i"}, (name, key)


def test_every_stage_has_a_catch_all_and_the_open_rule_exists() -> None:
    policy = ce_policy.default_registry().policy("xj.aksu.2025")
    compiled = compile_policy(policy, DAY)
    ruleset = next(iter(compiled.ruleset.values()))
    assert OPEN_RULE in ruleset
    stages = {name.removeprefix(SEEN_PREFIX) for name in ruleset if name.startswith(SEEN_PREFIX)}
    assert stages == {
        "person",
        "activity",
        "recognition",
        "pool",
        "year",
        "cycle",
        "consequence",
        "review_year",
        "review",
    }
    assert set(compiled.actions) == set(ruleset)


def test_rules_not_in_force_are_left_out() -> None:
    policy = ce_policy.default_registry().policy("xj.aksu.2025")
    before = compile_policy(policy, dt.date(2024, 6, 1))
    ruleset = next(iter(before.ruleset.values()))
    assert "cn.annual.total" in ruleset
    assert not any(name.startswith("aksu.") for name in ruleset)
