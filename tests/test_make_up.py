"""A layer's calendar: study windows, make-up (补学) windows and decision dates, as data."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import ce_policy
from tests.layers import MAKE_UP_FILES, MAKE_UP_LAYER, registry_with

PERSON = {"id": "p1", "title_level": "intermediate", "region": "t.mu"}


def _activity(aid: str, kind: str, hours: int, completed_on: str) -> dict[str, Any]:
    return {"id": aid, "kind": kind, "hours": hours, "on_platform": True, "passed": True, "completed_on": completed_on}


def _record(year: int, *activities: dict[str, Any]) -> dict[str, Any]:
    return {"person": PERSON, "year": year, "activities": list(activities)}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ce_policy.PolicyRegistry:
    return registry_with(tmp_path_factory.mktemp("mu"), MAKE_UP_FILES)


def test_the_calendar_of_each_covered_year_comes_from_the_layer(registry: ce_policy.PolicyRegistry) -> None:
    policy = registry.policy("t.mu.2025")
    year = policy.calendar(2025)
    assert (year.study.start, year.study.end, year.make_up, year.decide_on) == (
        dt.date(2025, 1, 5),
        dt.date(2025, 11, 30),
        None,
        dt.date(2025, 11, 30),
    )
    made_up = policy.calendar(2022)
    assert (made_up.study.start, made_up.study.end) == (dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    assert made_up.make_up is not None
    assert (made_up.make_up.start, made_up.make_up.end) == (dt.date(2025, 1, 5), dt.date(2025, 11, 30))
    assert made_up.decide_on == dt.date(2025, 11, 30)
    assert made_up.cites == ("t.mu.2025:s5.make_up",)


def test_a_make_up_year_is_decided_under_the_make_up_rules_without_an_as_of(
    registry: ce_policy.PolicyRegistry,
) -> None:
    record = _record(
        2022, _activity("pub", "public_course", 30, "2022-06-01"), _activity("t", "training", 60, "2025-06-01")
    )
    decision = ce_policy.evaluate(record, registry=registry)
    assert decision.as_of == dt.date(2025, 11, 30)
    assert decision.compliant
    assert [a.counted for a in decision.activities] == [True, True]


@pytest.mark.parametrize(
    ("completed_on", "counted"),
    [
        ("2021-12-31", False),  # before its own year
        ("2022-01-01", True),
        ("2022-12-31", True),
        ("2023-01-01", False),  # between its year and the make-up window
        ("2025-01-04", False),
        ("2025-01-05", True),  # the make-up window
        ("2025-11-30", True),
    ],
)
def test_a_make_up_year_counts_study_of_its_own_year_or_of_the_make_up_window(
    registry: ce_policy.PolicyRegistry, completed_on: str, counted: bool
) -> None:
    decision = ce_policy.evaluate(_record(2022, _activity("t", "training", 60, completed_on)), registry=registry)
    (outcome,) = decision.activities
    assert outcome.counted is counted
    assert outcome.reasons == (() if counted else ("outside_window",))


def test_study_after_the_make_up_window_is_not_yet_counted_then_never(registry: ce_policy.PolicyRegistry) -> None:
    later = _record(2023, _activity("t", "training", 60, "2025-12-01"))
    (outcome,) = ce_policy.evaluate(later, registry=registry).activities
    assert outcome.reasons == ("outside_window", "not_yet_completed")
    (outcome,) = ce_policy.evaluate(later, registry=registry, as_of=dt.date(2026, 1, 1)).activities
    assert outcome.reasons == ("outside_window",)


@pytest.mark.parametrize(
    ("completed_on", "counted"),
    [("2025-01-04", False), ("2025-01-05", True), ("2025-11-30", True), ("2025-12-01", False)],
)
def test_the_current_year_counts_its_own_study_window_only(
    registry: ce_policy.PolicyRegistry, completed_on: str, counted: bool
) -> None:
    decision = ce_policy.evaluate(_record(2025, _activity("t", "training", 60, completed_on)), registry=registry)
    assert decision.as_of == dt.date(2025, 11, 30)
    assert decision.activities[0].counted is counted


def test_an_as_of_before_the_policy_is_in_force_is_refused_naming_the_policy_and_its_dates(
    registry: ce_policy.PolicyRegistry,
) -> None:
    record = _record(2022, _activity("t", "training", 60, "2022-06-01"))
    with pytest.raises(ce_policy.PolicyNotFoundError, match=r"'t\.mu\.2025' is in force from 2025-01-05.*2024-06-30"):
        ce_policy.evaluate(record, registry=registry, as_of=dt.date(2024, 6, 30))
    assert ce_policy.evaluate(record, registry=registry, as_of=dt.date(2025, 1, 5)).as_of == dt.date(2025, 1, 5)


def test_an_as_of_before_aksu_is_in_force_is_refused() -> None:
    record = {"person": {"id": "p", "title_level": "junior"}, "year": 2025, "activities": []}
    with pytest.raises(ce_policy.PolicyNotFoundError, match=r"'xj\.aksu\.2025' is in force from 2025-01-01"):
        ce_policy.evaluate(record, as_of=dt.date(2024, 12, 31))


def test_to_complete_for_a_make_up_year_names_the_window_s_deadline_and_the_ways_open(
    registry: ce_policy.PolicyRegistry,
) -> None:
    record = _record(2022, _activity("pub", "public_course", 30, "2022-06-01"))
    decision = ce_policy.evaluate(record, registry=registry, as_of=dt.date(2025, 3, 1))
    needs = decision.to_complete
    assert needs is not None
    assert needs.deadline == dt.date(2025, 11, 30)
    # the public floor is met: only professional study is offered
    assert {(w.kind, w.start, w.by) for w in needs.ways} == {("training", dt.date(2025, 3, 1), dt.date(2025, 11, 30))}
    assert needs.plan
    assert needs.plan_as_of is not None
    assert needs.plan_as_of <= dt.date(2025, 11, 30)


def test_after_the_make_up_window_no_way_is_open_and_the_layer_words_why(
    registry: ce_policy.PolicyRegistry,
) -> None:
    record = _record(2022, _activity("pub", "public_course", 30, "2022-06-01"))
    decision = ce_policy.evaluate(record, registry=registry, as_of=dt.date(2025, 12, 15))
    assert decision.to_complete is not None
    assert decision.to_complete.ways == ()
    assert "2025-11-30 has passed: the year can no longer be made up" in decision.explain("en", registry=registry)


def test_aksu_words_a_closed_year_itself_and_another_policy_gets_the_generic_text(tmp_path: Path) -> None:
    incomplete = {"person": {"id": "p", "title_level": "junior"}, "year": 2025, "activities": []}
    aksu = ce_policy.evaluate(incomplete, as_of=dt.date(2026, 1, 5))
    assert "the year's study cannot be made up" in aksu.explain("en")
    files = {**MAKE_UP_FILES, "mu/codes.yaml": MAKE_UP_FILES["mu/codes.yaml"].split("        texts:")[0]}
    registry = registry_with(tmp_path, files)
    other = ce_policy.evaluate(_record(2025), registry=registry, as_of=dt.date(2025, 12, 15))
    assert "no way of study can still count for the year" in other.explain("en", registry=registry)


REVIEW_RULES = """\
          - id: t.mu.review.span
            cite: s5.make_up
            stage: review_year
            when: {offset: {in: [2, 3]}}
            then: {require_year: true}
          - id: t.mu.review.missing
            cite: s5.make_up
            stage: review_year
            when: {offset: {in: [2, 3]}, complete: false}
            then: {missing_year: year_not_complete}
        """
REVIEW_CODES = """\
          year_not_complete: {zh: 该年度未完成, en: the year is not complete, cite: s5.make_up}
        """


@pytest.mark.parametrize(("applied_on", "eligible"), [("2025-05-31", False), ("2025-06-01", True)])
def test_a_title_review_judges_a_made_up_year_as_of_the_application_date(
    tmp_path: Path, applied_on: str, eligible: bool
) -> None:
    files = {
        **MAKE_UP_FILES,
        "mu/rules.yaml": MAKE_UP_FILES["mu/rules.yaml"].rstrip(" ") + REVIEW_RULES,
        "mu/codes.yaml": MAKE_UP_FILES["mu/codes.yaml"].replace(
            "        texts:\n", REVIEW_CODES.rstrip(" ") + "        texts:\n"
        ),
    }
    registry = registry_with(tmp_path, files)
    full = [_activity("pub", "public_course", 30, "2023-06-01"), _activity("t", "training", 60, "2023-07-01")]
    made_up = _record(
        2022, _activity("pub2", "public_course", 30, "2022-06-01"), _activity("t2", "training", 60, "2025-06-01")
    )
    history = {"person": PERSON, "records": [made_up, _record(2023, *full)]}
    day = dt.date.fromisoformat(applied_on)
    review = ce_policy.evaluate_title_review(history, review_year=2025, applied_on=day, registry=registry)
    assert review.eligible is eligible
    assert review.missing_years == (() if eligible else (2022,))
    (year_2022,) = [y for y in review.years if y.year == 2022]
    assert year_2022.decision is not None
    assert year_2022.decision.as_of == day  # before the make-up window's end: as of the application date


def test_an_activity_claimed_for_two_years_is_refused(registry: ce_policy.PolicyRegistry) -> None:
    shared = _activity("m1", "training", 60, "2025-06-01")
    history = {"person": PERSON, "records": [_record(2022, shared), _record(2023, shared)]}
    with pytest.raises(ce_policy.RecordError) as info:
        ce_policy.evaluate_title_review(history, review_year=2025, applied_on=dt.date(2025, 8, 1), registry=registry)
    (problem,) = info.value.problems
    assert (problem.path, problem.code) == ("$.records[1].activities[0].id", "activity_claimed_twice")
    assert "'m1' is claimed for 2023 and for 2022" in problem.message


def test_an_activity_claimed_by_a_prior_year_and_the_record_is_refused(registry: ce_policy.PolicyRegistry) -> None:
    shared = _activity("m1", "training", 60, "2025-06-01")
    with pytest.raises(ce_policy.RecordError) as info:
        ce_policy.evaluate(_record(2023, shared), registry=registry, prior=[_record(2022, shared)])
    assert [(p.path, p.code) for p in info.value.problems] == [("$prior[0].activities[0].id", "activity_claimed_twice")]


def _load_problems(tmp_path: Path, layer: str) -> list[tuple[str, str]]:
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry_with(tmp_path, {**MAKE_UP_FILES, "mu/layer.yaml": layer})
    return [(p.code, p.message) for p in info.value.problems]


def test_a_covered_year_decided_by_default_before_the_layer_is_in_force_is_a_load_error(tmp_path: Path) -> None:
    layer = MAKE_UP_LAYER.replace("years: [2022, 2023, 2025]", "years: [2022, 2023, 2024, 2025]")
    ((code, message),) = _load_problems(tmp_path, layer)
    assert code == "decision_date_out_of_force"
    assert "2024 is decided as of 2024-12-31 by default" in message


def test_a_covered_year_on_whose_decision_date_no_rule_of_the_layer_is_in_force_is_a_load_error(
    tmp_path: Path,
) -> None:
    files = {
        **MAKE_UP_FILES,
        "mu/rules.yaml": MAKE_UP_FILES["mu/rules.yaml"].replace(
            "stage: activity\n", "stage: activity\n            in_force: {from: 2025-01-05, to: 2025-06-30}\n"
        ),
    }
    files["mu/rules.yaml"] = files["mu/rules.yaml"].replace(
        "stage: year\n", "stage: year\n            in_force: {from: 2025-01-05, to: 2025-06-30}\n"
    )
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry_with(tmp_path, files)
    assert {p.code for p in info.value.problems} == {"no_rules_in_force"}


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("  - years: [2022, 2023]\n", "  - years: [2021, 2022]\n", "calendar_year_not_covered"),
        ("study: {from: 2025-01-05, to: 2025-11-30}", "study: {from: 2025-11-30, to: 2025-01-05}", "invalid_calendar"),
        ("study: {from: 2025-01-05, to: 2025-11-30}", "study: {from: 01-05, to: 02-29}", "invalid_calendar"),
        ("    cite: s4.window\n", "    cite: s4.windw\n", "dangling_citation"),
    ],
    ids=["year_not_covered", "ends_before_it_starts", "no_such_day", "dangling_cite"],
)
def test_a_broken_calendar_is_a_load_error_with_file_and_line(tmp_path: Path, old: str, new: str, code: str) -> None:
    assert old in MAKE_UP_LAYER
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry_with(tmp_path, {**MAKE_UP_FILES, "mu/layer.yaml": MAKE_UP_LAYER.replace(old, new)})
    (problem,) = info.value.problems
    assert problem.code == code
    assert problem.file.endswith("mu/layer.yaml")
    assert problem.line is not None


def test_a_calendar_entry_must_give_some_date(tmp_path: Path) -> None:
    layer = MAKE_UP_LAYER.replace("    make_up: {from: 2025-01-05, to: 2025-11-30}\n", "")
    ((code, message),) = _load_problems(tmp_path, layer)
    assert code == "invalid_value"
    assert "study window, a make-up window or a decision date" in message


@pytest.mark.parametrize(
    ("texts", "code"),
    [
        ("          deadlines_passed:\n", "unknown_text"),
        ("          deadline_passed:\n", "invalid_text"),
    ],
)
def test_a_text_the_views_do_not_know_or_with_a_wrong_placeholder_is_a_load_error(
    tmp_path: Path, texts: str, code: str
) -> None:
    codes = MAKE_UP_FILES["mu/codes.yaml"].replace("          deadline_passed:\n", texts)
    if code == "invalid_text":
        codes = codes.replace("已过 {deadline}", "已过 {day}")
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry_with(tmp_path, {**MAKE_UP_FILES, "mu/codes.yaml": codes})
    assert [p.code for p in info.value.problems] == [code]


def test_a_rule_may_test_a_year_against_a_list(tmp_path: Path) -> None:
    rules = (
        MAKE_UP_FILES["mu/rules.yaml"].rstrip(" ")
        + """\
          - id: t.mu.quota.made_up
            cite: s5.make_up
            stage: year
            when: {year: {in: [2022, 2023]}}
            then: {require: {category: total, at_least: 100}}
        """
    )
    registry = registry_with(tmp_path, {**MAKE_UP_FILES, "mu/rules.yaml": rules})
    full = (_activity("pub", "public_course", 30, "2022-06-01"), _activity("t", "training", 60, "2022-07-01"))
    assert not ce_policy.evaluate(_record(2022, *full), registry=registry).compliant
    full_2025 = (_activity("pub", "public_course", 30, "2025-06-01"), _activity("t", "training", 60, "2025-07-01"))
    assert ce_policy.evaluate(_record(2025, *full_2025), registry=registry).compliant


def test_a_decision_that_rests_on_a_provisional_calendar_entry_says_so(tmp_path: Path) -> None:
    layer = MAKE_UP_LAYER.replace("    cite: s5.make_up\n", "    cite: s5.make_up\n    provenance: P\n")
    registry = registry_with(tmp_path, {**MAKE_UP_FILES, "mu/layer.yaml": layer})
    made_up = ce_policy.evaluate(_record(2022, _activity("t", "training", 60, "2025-06-01")), registry=registry)
    assert made_up.provisional == ("t.mu.2025.calendar.2",)
    assert "t.mu.2025.calendar.2 — calendar 2022, 2023: make_up (t.mu.2025:s5.make_up)" in made_up.explain(
        "en", registry=registry
    )
    assert ce_policy.evaluate(_record(2025), registry=registry).provisional == ()
    findings = ce_policy.lint_policies(tmp_path, registry=registry).findings
    assert [(f.code, f.subject) for f in findings if f.subject == "t.mu.2025.calendar.2"] == [
        ("provisional_value", "t.mu.2025.calendar.2")
    ]
