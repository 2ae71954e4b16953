"""The shipped hypothesis strategies: valid, policy-aware, biased to the policy's own thresholds."""

import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import ce_policy
from ce_policy import strategies
from ce_policy._registry import shipped_policy_root

POLICIES = [p.id for p in ce_policy.default_registry().policies()]


@pytest.mark.parametrize("policy_id", POLICIES)
def test_generated_records_are_valid_and_evaluate_under_every_shipped_policy(policy_id: str) -> None:
    kinds = set(strategies.known_kinds(ce_policy.default_registry().policy(policy_id)))

    @given(strategies.records(policy=policy_id))
    def check(data: dict[str, Any]) -> None:
        ce_policy.Record.model_validate(data)
        assert {a["kind"] for a in data["activities"]} <= kinds
        decision = ce_policy.evaluate(data)
        assert decision.policy.id == policy_id

    check()


def test_kinds_follow_the_policy() -> None:
    registry = ce_policy.default_registry()
    assert "cme_project" in strategies.known_kinds(registry.policy("xj.aksu.2025.health"))
    assert "cme_project" not in strategies.known_kinds(registry.policy("xj.aksu.2025"))


def test_thresholds_are_read_from_the_policy_not_hard_coded(tmp_path: Path) -> None:
    root = tmp_path / "policies"
    shutil.copytree(shipped_policy_root(), root)
    parameters = root / "xj" / "aksu-2025-12" / "parameters.yaml"
    parameters.write_text(parameters.read_text(encoding="utf-8").replace("value: 30\n", "value: 32\n", 1))
    changed = ce_policy.PolicyRegistry([root]).policy("xj.aksu.2025")
    shipped = ce_policy.default_registry().policy("xj.aksu.2025")
    assert {Decimal("29.99"), Decimal(30), Decimal("30.01")} <= set(strategies.hour_thresholds(shipped, 2025))
    moved = set(strategies.hour_thresholds(changed, 2025))
    assert {Decimal("31.99"), Decimal(32), Decimal("32.01")} <= moved
    assert Decimal("31.99") not in set(strategies.hour_thresholds(shipped, 2025))


@given(pair=strategies.invalid_records())
def test_invalid_records_raise_exactly_their_tagged_code(pair: tuple[dict[str, Any], str]) -> None:
    data, code = pair
    with pytest.raises(ce_policy.RecordError) as info:
        ce_policy.evaluate(data)
    assert code in info.value.codes


@given(strategies.records(person=strategies.persons(title_level="senior"), max_activities=3))
def test_overrides_take_values_and_strategies(data: dict[str, Any]) -> None:
    assert data["person"]["title_level"] == "senior"
    assert len(data["activities"]) <= 3


@given(strategies.activities(kind="training", hours=st.just(30)))
def test_activity_overrides(data: dict[str, Any]) -> None:
    assert (data["kind"], data["hours"]) == ("training", 30)


@pytest.mark.parametrize(
    "make",
    [
        lambda: strategies.records(min_activities=3, max_activities=2),
        lambda: strategies.records(max_activities=1_001),
        lambda: strategies.records(colour="blue"),
        lambda: strategies.activities(colour="blue"),
        lambda: strategies.persons(rank="high"),
        lambda: strategies.records(policy="no.such.policy"),
        lambda: strategies.records(policy="xj.aksu.2025", year=1999),
    ],
)
def test_bad_arguments_are_refused_when_the_strategy_is_made(make: Any) -> None:
    with pytest.raises(InvalidArgument):
        make()


def test_importing_ce_policy_does_not_import_hypothesis() -> None:
    code = "import ce_policy, sys; assert 'hypothesis' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
