"""The invariants hold for every shipped policy, and catch a policy that breaks one."""

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

import ce_policy
from ce_policy import invariants, strategies
from ce_policy.policy.registry import shipped_policy_root
from tests.records import activity, record

POLICIES = [p.id for p in ce_policy.default_registry().policies()]


@pytest.mark.parametrize("policy_id", POLICIES)
def test_record_only_invariants_hold_for_every_shipped_policy(policy_id: str) -> None:
    @given(data=strategies.records(policy=policy_id, max_activities=8))
    def check(data: dict[str, Any]) -> None:
        invariants.check_all(data)

    check()


@pytest.mark.parametrize("policy_id", POLICIES)
def test_adding_a_counted_activity_never_hurts(policy_id: str) -> None:
    @given(
        data=strategies.records(policy=policy_id, max_activities=8),
        extra=strategies.activities(policy=policy_id),
    )
    def check(data: dict[str, Any], extra: dict[str, Any]) -> None:
        invariants.check_adding_a_counted_activity_never_hurts(data, extra)

    check()


@pytest.mark.parametrize("sector", ["health", "education"])
def test_sector_decisions_differ_only_where_the_sector_overrides(sector: str) -> None:
    @given(data=strategies.records(policy=sector, max_activities=8))
    def check(data: dict[str, Any]) -> None:
        invariants.check_sector_differs_only_where_it_overrides(data)

    check()


@pytest.fixture
def route_by_hours(tmp_path: Path) -> ce_policy.PolicyRegistry:
    """A deliberately wrong copy of the Aksu policy: the senior route depends on the hours claimed."""
    root = tmp_path / "policies"
    shutil.copytree(shipped_policy_root(), root)
    rules = root / "xj" / "aksu-2025-12" / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    wrong = text.replace(
        "      title_level: {in: {param: senior_route_title_levels}}\n",
        "      title_level: {in: {param: senior_route_title_levels}}\n      hours: {above: 40}\n",
    )
    assert wrong != text
    rules.write_text(wrong, encoding="utf-8")
    return ce_policy.PolicyRegistry([root])


def test_a_route_that_depends_on_hours_is_caught(route_by_hours: ce_policy.PolicyRegistry) -> None:
    data = record(
        activity("small", "qualification_exam", 10, approval="approved"),
        activity("big", "qualification_exam", 50, approval="approved"),
        title_level="senior",
    )
    invariants.check_route_depends_only_on_way_registration_and_title(data)  # the shipped policy is right
    with pytest.raises(invariants.InvariantError, match="different routes"):
        invariants.check_route_depends_only_on_way_registration_and_title(data, registry=route_by_hours)


def test_an_activity_that_lowers_the_hours_is_caught(tmp_path: Path) -> None:
    """A wrong policy that raises the professional floor once more than 40 public hours count: adding a
    counted public course then turns a complete year incomplete."""
    root = tmp_path / "policies"
    shutil.copytree(shipped_policy_root(), root)
    rules = root / "xj" / "aksu-2025-12" / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    wrong = text.replace(
        "    then:\n      require: {category: public, at_least: {param: public_min_hours}}\n",
        "    then:\n      require: {category: public, at_least: {param: public_min_hours}}\n"
        "\n  - id: wrong.too_much_public\n    cite: s2.quota\n    stage: year\n"
        "    when: {public: {above: 40}}\n    then:\n"
        "      require: {category: professional, at_least: 1000}\n",
    )
    assert wrong != text
    rules.write_text(wrong, encoding="utf-8")
    registry = ce_policy.PolicyRegistry([root])
    data = record(activity("pub", "public_course", 30), activity("pro", "training", 60))
    invariants.check_adding_a_counted_activity_never_hurts(data, activity("more", "public_course", 20))
    with pytest.raises(invariants.InvariantError, match="turned a complete year incomplete"):
        invariants.check_adding_a_counted_activity_never_hurts(
            data, activity("more", "public_course", 20), registry=registry
        )
