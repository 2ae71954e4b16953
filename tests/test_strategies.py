"""The shipped hypothesis strategies: valid, policy-aware, biased to the policy's own thresholds, checked eagerly."""

import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import ce_policy
from ce_policy import strategies
from ce_policy.model.record import ACTIVITY_KINDS
from ce_policy.policy.registry import shipped_policy_root

REGISTRY = ce_policy.default_registry()
POLICIES = [p.id for p in REGISTRY.policies()]
AKSU = "xj.aksu.2025"
# Searches for the examples a bias should produce (no example database); the first example found will do,
# except where shrinking is what is tested. Derandomized, but Hypothesis's stream still depends on what ran
# before in the process, so a search is given room: records for Aksu land on a total of exactly 90 in about
# 3 % of draws (84 of 3,000 measured), which 100 draws miss in about one run in 17 and 1,000 draws practically
# never.
SEARCH = settings(max_examples=1_000, derandomize=True, database=None, phases=[Phase.generate])
SHRINK = settings(max_examples=100, derandomize=True, database=None)


def _copy_with(tmp_path: Path, layer: str, file: str, old: str, new: str) -> ce_policy.PolicyRegistry:
    """A registry over a copy of the shipped policies with one text replaced (once) in one file."""
    root = tmp_path / "policies"
    shutil.copytree(shipped_policy_root(), root)
    path = root / "xj" / layer / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return ce_policy.PolicyRegistry([root])


def _hit(strategy: Any, condition: Callable[[Any], bool]) -> Any:
    return find(strategy, condition, settings=SEARCH)


def _minimal(strategy: Any, condition: Callable[[Any], bool] = lambda _: True) -> Any:
    return find(strategy, condition, settings=SHRINK)


def _credits(record: dict[str, Any]) -> Decimal | None:
    credits = ce_policy.evaluate(record).credits
    return None if credits is None else credits.counted


# --- valid examples --------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy_id", POLICIES)
def test_generated_records_are_valid_and_evaluate_under_every_shipped_policy(policy_id: str) -> None:
    policy = REGISTRY.policy(policy_id)
    kinds = set(strategies.known_kinds(policy))

    @settings(max_examples=40)
    @given(strategies.records(policy=policy_id))
    def check(data: dict[str, Any]) -> None:
        ce_policy.Record.model_validate(data, context=policy.validation_context)
        assert {a["kind"] for a in data["activities"]} <= kinds
        assert data["year"] in policy.years
        assert data["person"].get("sector", "general") == (policy.sector or "general")
        assert data["person"].get("region", REGISTRY.default_region) in policy.regions
        assert len(data["activities"]) <= 20
        assert ce_policy.evaluate(data).policy.id == policy_id  # the person resolves to the policy
        ce_policy.evaluate(data, policy=policy)

    check()


@pytest.mark.parametrize("policy_id", POLICIES)
def test_generated_histories_are_valid_and_reviewed_under_every_shipped_policy(policy_id: str) -> None:
    policy = REGISTRY.policy(policy_id)

    @settings(max_examples=20)
    @given(strategies.histories(policy=policy_id), st.sampled_from([dt.date(2025, 6, 30), dt.date(2025, 12, 31)]))
    def check(data: dict[str, Any], applied_on: dt.date) -> None:
        ce_policy.History.model_validate(data, context=policy.validation_context)
        for record in data["records"]:
            assert record["person"]["id"] == data["person"]["id"]
            assert record["year"] in policy.years
        ce_policy.evaluate_title_review(data, review_year=2025, applied_on=applied_on)

    check()


@settings(max_examples=25)
@given(strategies.records(), strategies.activities(), strategies.histories(), strategies.cycle_years())
def test_without_a_policy_every_example_is_valid(
    record: dict[str, Any], activity: dict[str, Any], history: dict[str, Any], prior: list[dict[str, Any]]
) -> None:
    ce_policy.Record.model_validate(record)
    ce_policy.Activity.model_validate(activity)
    ce_policy.History.model_validate(history)
    for year in prior:
        ce_policy.CycleYear.model_validate(year)
    ce_policy.evaluate(record, policy=AKSU, prior=prior)


def test_a_sector_name_stands_for_its_policy() -> None:
    found = _hit(strategies.records(policy="health"), lambda r: True)
    assert ce_policy.evaluate(found).policy.id == "xj.aksu.2025.health"
    general = _hit(strategies.records(policy="general"), lambda r: True)
    assert ce_policy.evaluate(general).policy.id == AKSU


# --- policy-aware ----------------------------------------------------------------------------------------


def test_kinds_follow_the_policy() -> None:
    assert "cme_project" in strategies.known_kinds(REGISTRY.policy("xj.aksu.2025.health"))
    assert "cme_project" not in strategies.known_kinds(REGISTRY.policy(AKSU))
    assert strategies.known_kinds(None) == ACTIVITY_KINDS
    assert strategies.known_kinds("health") == strategies.known_kinds("xj.aksu.2025.health")


@given(strategies.activities(policy=AKSU))
def test_activities_are_only_of_the_kinds_the_policy_knows(data: dict[str, Any]) -> None:
    assert data["kind"] in strategies.known_kinds(AKSU)


def test_thresholds_are_read_from_the_policy_not_hard_coded(tmp_path: Path) -> None:
    changed = _copy_with(tmp_path, "aksu-2025-12", "parameters.yaml", "value: 30\n", "value: 33.33\n").policy(AKSU)
    shipped = REGISTRY.policy(AKSU)
    assert {Decimal("29.5"), Decimal("29.99"), Decimal(30), Decimal("30.01")} <= set(
        strategies.hour_thresholds(shipped)
    )
    moved = set(strategies.hour_thresholds(changed))
    assert {Decimal("32.83"), Decimal("33.32"), Decimal("33.33"), Decimal("33.34")} <= moved
    assert not {Decimal("33.32"), Decimal("33.33")} & set(strategies.hour_thresholds(shipped))


def test_record_floors_follow_a_changed_floor(tmp_path: Path) -> None:
    """Public courses adding up to just under, on or just over the public floor: 33.33, read from the copy."""
    changed = _copy_with(tmp_path, "aksu-2025-12", "parameters.yaml", "value: 30\n", "value: 33.33\n").policy(AKSU)
    near = {Decimal("32.83"), Decimal("33.32"), Decimal("33.33"), Decimal("33.34")}
    found = _hit(
        strategies.records(policy=changed),
        lambda r: ce_policy.evaluate(r, policy=changed).hours.public in near,
    )
    assert ce_policy.evaluate(found, policy=changed).hours.public in near
    on_floor = _hit(
        strategies.records(policy=changed),
        lambda r: ce_policy.evaluate(r, policy=changed).hours.public == Decimal("33.33"),
    )
    decision = ce_policy.evaluate(on_floor, policy=changed)
    assert decision.shortfall.public == 0


def test_records_land_on_the_total_and_credits_floors() -> None:
    total = _hit(strategies.records(policy=AKSU), lambda r: ce_policy.evaluate(r).hours.total == Decimal(90))
    assert ce_policy.evaluate(total).shortfall.total == 0
    credits = _hit(strategies.records(policy="xj.aksu.2025.health"), lambda r: _credits(r) == Decimal("24.99"))
    decision = ce_policy.evaluate(credits)
    assert decision.credits is not None
    assert decision.credits.shortfall == Decimal("0.01")


def test_dates_and_fillers_follow_a_changed_deadline(tmp_path: Path) -> None:
    """A deadline moved to 15 December: its days become edges, and floor groups are completed by then."""
    registry = _copy_with(tmp_path, "aksu-2025-12", "parameters.yaml", "value: 2025-12-31\n", "value: 2025-12-15\n")
    changed = registry.policy(AKSU)
    days = set(strategies.date_thresholds(changed))
    assert {dt.date(2025, 12, 14), dt.date(2025, 12, 15), dt.date(2025, 12, 16)} <= days
    assert dt.date(2025, 12, 15) not in set(strategies.date_thresholds(REGISTRY.policy(AKSU)))
    found = _hit(
        strategies.records(policy=changed), lambda r: ce_policy.evaluate(r, policy=changed).hours.public == Decimal(30)
    )
    assert ce_policy.evaluate(found, policy=changed).shortfall.public == 0


def test_cycle_years_aim_at_the_cycle_floor_less_the_years_floor() -> None:
    prior = _hit(
        strategies.cycle_years(policy="education"),
        lambda years: sum(Decimal(str(y["hours"])) for y in years) == Decimal(270),
    )
    assert [y["year"] for y in prior] == [2024]
    record = {
        "person": {"id": "t", "title_level": "junior", "sector": "education"},
        "year": 2025,
        "activities": [
            {"id": "p", "kind": "public_course", "hours": 30, "on_platform": True, "passed": True,
             "completed_on": "2025-03-01"},
            {"id": "q", "kind": "training", "hours": 60, "on_platform": True, "passed": True,
             "completed_on": "2025-03-01"},
        ],
    }  # fmt: skip
    cycle = ce_policy.evaluate(record, prior=prior).cycle
    assert cycle is not None
    assert cycle.hours == cycle.required == Decimal(360)


# --- invalid records -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", strategies.INVALID_RECORD_CODES)
def test_invalid_records_raise_exactly_their_tagged_code(code: str) -> None:
    @settings(max_examples=25)
    @given(strategies.invalid_records(codes=[code]))
    def check(pair: tuple[Any, str]) -> None:
        data, tagged = pair
        assert tagged == code
        with pytest.raises(ce_policy.RecordError) as info:
            ce_policy.evaluate(data, policy=AKSU)
        assert set(info.value.codes) == {code}

    check()


@pytest.mark.parametrize("policy_id", POLICIES)
def test_invalid_records_of_every_policy_raise_exactly_their_tagged_code(policy_id: str) -> None:
    @settings(max_examples=40)
    @given(strategies.invalid_records(policy=policy_id))
    def check(pair: tuple[Any, str]) -> None:
        data, code = pair
        with pytest.raises(ce_policy.RecordError) as info:
            ce_policy.evaluate(data)
        assert set(info.value.codes) == {code}

    check()


# --- overrides -------------------------------------------------------------------------------------------


@given(strategies.records(person=strategies.persons(title_level="senior"), max_activities=3))
def test_overrides_take_values_and_strategies(data: dict[str, Any]) -> None:
    assert data["person"]["title_level"] == "senior"
    assert len(data["activities"]) <= 3


@given(strategies.activities(kind="training", hours=st.just(30)))
def test_activity_overrides(data: dict[str, Any]) -> None:
    assert (data["kind"], data["hours"]) == ("training", 30)


@given(strategies.activities(policy=AKSU, organiser_level="national", completed_on=dt.date(2025, 3, 1)))
def test_a_way_field_override_limits_the_kinds_and_values_become_json(data: dict[str, Any]) -> None:
    assert data["kind"] in {"advanced_seminar", "lecture", "research_project", "other_recognised"}
    assert data["organiser_level"] == "national"
    assert data["completed_on"] == "2025-03-01"


@given(strategies.activities(kind="advanced_seminar", approval=None, hours=Decimal("29.99")))
def test_none_leaves_an_optional_field_out(data: dict[str, Any]) -> None:
    assert "approval" not in data
    assert data["hours"] == 29.99
    ce_policy.Activity.model_validate(data)


@given(strategies.records(policy=AKSU, activities=st.lists(strategies.activities(policy=AKSU, id="same"), max_size=4)))
def test_activities_drawn_for_a_record_get_unique_ids(data: dict[str, Any]) -> None:
    ids = [a["id"] for a in data["activities"]]
    assert len(ids) == len(set(ids))
    ce_policy.evaluate(data)


@given(strategies.histories(policy=AKSU, flags=[], person=ce_policy.Person(id="p-1", title_level="junior")))
def test_history_overrides_take_models_and_values(data: dict[str, Any]) -> None:
    assert data["flags"] == []
    assert data["person"] == {"id": "p-1", "title_level": "junior", "sector": "general"}


@pytest.mark.parametrize(
    "make",
    [
        lambda: strategies.records(min_activities=3, max_activities=2),
        lambda: strategies.records(max_activities=1_001),
        lambda: strategies.records(min_activities=-1),
        lambda: strategies.records(max_activities=True),
        lambda: strategies.records(colour="blue"),
        lambda: strategies.activities(colour="blue"),
        lambda: strategies.persons(rank="high"),
        lambda: strategies.histories(flag=[]),
        lambda: strategies.records(policy="no.such.policy"),
        lambda: strategies.records(policy="cn.mohrss-25"),  # a base layer: nowhere, never
        lambda: strategies.persons(policy=cast(Any, 3)),
        lambda: strategies.records(policy=AKSU, year=1999),
        lambda: strategies.activities(policy=AKSU, year=2024),
        lambda: strategies.histories(policy=AKSU, review_year=2030),
        lambda: strategies.activities(hours=-1),
        lambda: strategies.activities(hours=0.001),
        lambda: strategies.activities(kind="seminar"),
        lambda: strategies.activities(kind="training", organiser_level="national"),
        lambda: strategies.activities(kind="lecture", role=None),
        lambda: strategies.activities(policy=AKSU, project_level="national"),  # no kind of Aksu's takes it
        lambda: strategies.persons(title_level="expert"),
        lambda: strategies.records(activities=[{"id": "x"}]),
        lambda: strategies.records(activities=st.just([]), max_activities=3),
        lambda: strategies.invalid_records(codes=["no_such_code"]),
        lambda: strategies.invalid_records(codes="wrong_type"),
        lambda: strategies.invalid_records(codes=[]),
        lambda: strategies.cycle_years(min_size=3, max_size=2),
        lambda: strategies.cycle_years(policy="education", max_size=5),  # only 2024 comes before 2025
        lambda: strategies.hour_thresholds("no.such.policy"),
    ],
)
def test_bad_arguments_are_refused_when_the_strategy_is_made(make: Callable[[], Any]) -> None:
    with pytest.raises(InvalidArgument):
        make()


def test_duplicate_ids_given_as_a_value_are_refused() -> None:
    activity = {
        "id": "a",
        "kind": "training",
        "hours": 1,
        "on_platform": True,
        "passed": True,
        "completed_on": "2025-01-01",
    }
    with pytest.raises(InvalidArgument, match="same id"):
        strategies.records(activities=[activity, activity])


# --- shrinking -------------------------------------------------------------------------------------------


def test_shrinks_towards_fewer_activities_smaller_hours_and_earlier_dates() -> None:
    assert _minimal(strategies.records(policy=AKSU, max_activities=4))["activities"] == []
    activity = _minimal(strategies.activities(policy=AKSU))
    assert (activity["hours"], activity["completed_on"]) == (0, "2025-01-01")
    assert (activity["on_platform"], activity["passed"]) == (True, True)
    approved = _minimal(strategies.activities(policy=AKSU, kind="practice"), lambda a: "approval" in a)
    assert approved["approval"] == "approved"


# --- the optional dependency -----------------------------------------------------------------------------


def test_importing_ce_policy_does_not_import_hypothesis() -> None:
    code = "import ce_policy, sys; assert 'hypothesis' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
