"""Who the person is: degree, level sought, attributes a layer declares, and title-review spans written with them."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import ce_policy
from tests.layers import registry_with, write

CITY_LAYER = """\
    id: t.hn.2025
    version: 1.0.0
    title: A city's 2025 notice
    extends: cn.mohrss-25
    document: {number: T-HN, title: City test notice, issuer: ce_policy tests}
    in_force: {from: 2025-01-01}
    applies_to: {regions: [t.hn], years: [2025]}
    person_attributes:
      employer_type:
        description: 单位性质 / the kind of employer
        choices: [public_institution, enterprise]
        cite: s1.scope
    """

CITY_FILES = {
    "hn/layer.yaml": CITY_LAYER,
    "hn/clauses.yaml": """\
        clauses:
          s1.scope: {section: 一, text: 适用于本市机关事业单位和企业的专业技术人员。}
          s2.quota: {section: 二, text: 企业专业技术人员每年不少于100学时。}
          s6.review:
            section: 六
            text: 申报高级职称须提供2020—2024年度、中级2021—2024年度、硕士2022—2024年度继续教育证明。
        """,
    "hn/codes.yaml": """\
        reasons:
          year_not_complete:
            zh: 该年度继续教育未完成
            en: the year's continuing education is not complete
            cite: s6.review
        """,
    "hn/rules.yaml": """\
        rules:
          - id: t.hn.public
            cite: s1.scope
            stage: activity
            when: {kind: public_course}
            then: {category: public, registration: automatic}
          - id: t.hn.quota.enterprise
            cite: s2.quota
            stage: year
            when: {employer_type: enterprise}
            then: {require: {category: total, at_least: 100}}
          - id: t.hn.review.senior
            cite: s6.review
            stage: review_year
            when: {title_level_sought: senior, offset: {at_least: 1, at_most: 5}}
            then: {require_year: true}
          - id: t.hn.review.intermediate
            cite: s6.review
            stage: review_year
            when:
              title_level_sought: intermediate
              person_degree_level: {not_in: [master, doctor]}
              offset: {at_least: 1, at_most: 4}
            then: {require_year: true}
          - id: t.hn.review.master
            cite: s6.review
            stage: review_year
            when:
              title_level_sought: intermediate
              person_degree_level: {in: [master, doctor]}
              offset: {at_least: 1, at_most: 3}
            then: {require_year: true}
          - id: t.hn.review.missing
            cite: s6.review
            stage: review_year
            when: {complete: false}
            then: {missing_year: year_not_complete}
        """,
}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ce_policy.PolicyRegistry:
    return registry_with(tmp_path_factory.mktemp("hn"), CITY_FILES)


def _history(person: dict[str, Any], years: range, **fields: Any) -> dict[str, Any]:
    certificates = [{"year": y, "public": True, "professional": True} for y in years]
    return {"person": person, "certificates": certificates, **fields}


def _review(registry: ce_policy.PolicyRegistry, history: dict[str, Any]) -> ce_policy.TitleReviewDecision:
    return ce_policy.evaluate_title_review(history, review_year=2025, applied_on=dt.date(2025, 6, 1), registry=registry)


JUNIOR = {"id": "p1", "title_level": "junior", "region": "t.hn"}


@pytest.mark.parametrize(
    ("sought", "degree", "shown", "missing"),
    [
        ("senior", None, range(2020, 2025), ()),
        ("senior", None, range(2021, 2025), (2020,)),
        ("intermediate", None, range(2021, 2025), ()),
        ("intermediate", None, range(2022, 2025), (2021,)),
        ("intermediate", "bachelor", range(2022, 2025), (2021,)),
        ("intermediate", "master", range(2022, 2025), ()),
        ("intermediate", "master", range(2023, 2025), (2022,)),
        ("intermediate", "doctor", range(2022, 2025), ()),
    ],
)
def test_the_years_a_review_needs_depend_on_the_level_sought_and_the_degree(
    registry: ce_policy.PolicyRegistry, sought: str, degree: str | None, shown: range, missing: tuple[int, ...]
) -> None:
    person = {**JUNIOR, **({"degree_level": degree} if degree else {})}
    review = _review(registry, _history(person, shown, title_level_sought=sought))
    assert review.missing_years == missing
    assert review.eligible is (missing == ())
    # The missing-year rule fires on every incomplete year, but is traced only for the years the review needs.
    assert ("t.hn.review.missing" in {entry.rule for entry in review.trace}) is bool(missing)


def test_the_span_ends_before_the_review_year_and_needs_no_policy_for_the_years_shown_by_certificate(
    registry: ce_policy.PolicyRegistry,
) -> None:
    review = _review(registry, _history(JUNIOR, range(2020, 2025), title_level_sought="senior"))
    assert [y.year for y in review.years] == [2020, 2021, 2022, 2023, 2024]
    assert {y.shown_by for y in review.years} == {"certificate"}
    with pytest.raises(ce_policy.PolicyNotFoundError):  # no policy covers those years for a record
        ce_policy.evaluate({"person": JUNIOR, "year": 2024, "activities": []}, registry=registry)


def test_the_level_sought_defaults_to_the_level_held(registry: ce_policy.PolicyRegistry) -> None:
    senior = {**JUNIOR, "title_level": "senior"}
    assert _review(registry, _history(senior, range(2021, 2025))).missing_years == (2020,)
    junior = _review(registry, _history(JUNIOR, range(2021, 2025)))
    assert junior.missing_years == ()  # a junior seeking junior: no span rule of this city applies
    assert junior.years == ()


@pytest.mark.parametrize(
    ("attributes", "compliant"),
    [({"employer_type": "enterprise"}, False), ({"employer_type": "public_institution"}, True), (None, True)],
)
def test_a_declared_person_attribute_is_seen_by_the_rules(
    registry: ce_policy.PolicyRegistry, attributes: dict[str, str] | None, compliant: bool
) -> None:
    person = {**JUNIOR, **({"attributes": attributes} if attributes else {})}
    activities = [
        {
            "id": f"a{i}",
            "kind": "public_course",
            "hours": 45,
            "on_platform": True,
            "passed": True,
            "completed_on": "2025-05-01",
        }
        for i in range(2)
    ]
    record = {"person": person, "year": 2025, "activities": activities}
    decision = ce_policy.evaluate(record, registry=registry)
    assert decision.hours.total == 90
    assert decision.compliant is compliant


@pytest.mark.parametrize(
    ("attributes", "path", "code"),
    [
        ({"employer": "enterprise"}, "$.person.attributes.employer", "unknown_attribute"),
        ({"employer_type": "company"}, "$.person.attributes.employer_type", "invalid_choice"),
    ],
)
def test_an_attribute_the_policy_does_not_declare_or_a_value_outside_its_choices_is_refused(
    registry: ce_policy.PolicyRegistry, attributes: dict[str, str], path: str, code: str
) -> None:
    person = {**JUNIOR, "attributes": attributes}
    record = {"person": person, "year": 2025, "activities": []}
    for call in (
        lambda: ce_policy.evaluate(record, registry=registry),
        lambda: _review(registry, _history(person, range(2021, 2025))),
    ):
        with pytest.raises(ce_policy.RecordError) as info:
            call()
        assert [(p.path, p.code) for p in info.value.problems] == [(path, code)]


def test_attributes_are_refused_by_a_policy_that_declares_none() -> None:
    record = {"person": {"id": "p", "title_level": "junior", "attributes": {"employer_type": "x"}}, "year": 2025}
    with pytest.raises(ce_policy.RecordError, match="declares no person attribute 'employer_type'"):
        ce_policy.evaluate({**record, "activities": []})


def test_the_record_schema_has_the_degree_and_the_attributes() -> None:
    person = ce_policy.Person.model_validate(
        {"id": "p", "title_level": "junior", "degree_level": "master", "attributes": {"employer_type": "enterprise"}}
    )
    assert (person.degree_level, person.attributes) == ("master", {"employer_type": "enterprise"})
    with pytest.raises(ce_policy.RecordError):
        ce_policy.evaluate({"person": {"id": "p", "title_level": "junior", "degree_level": "phd"}, "year": 2025})
    history = ce_policy.History.model_validate({"person": JUNIOR, "title_level_sought": "senior"})
    assert history.level_sought == "senior"
    assert ce_policy.History.model_validate({"person": JUNIOR}).level_sought == "junior"


@pytest.mark.parametrize(
    ("name", "code"),
    [("kind", "attribute_name_taken"), ("offset", "attribute_name_taken"), ("Employer", "invalid_value")],
)
def test_an_attribute_name_a_fact_already_has_or_badly_formed_is_a_load_error(
    tmp_path: Path, name: str, code: str
) -> None:
    layer = CITY_LAYER.replace("      employer_type:\n", f"      {name}:\n")
    rules = CITY_FILES["hn/rules.yaml"].replace("employer_type", "kind" if name == "kind" else "employer_type")
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry_with(tmp_path, {**CITY_FILES, "hn/layer.yaml": layer, "hn/rules.yaml": rules})
    assert code in {p.code for p in info.value.problems}


def test_a_sector_layer_may_not_declare_an_attribute_again(tmp_path: Path) -> None:
    sector = """\
        id: t.hn.2025.health
        version: 1.0.0
        title: Health
        extends: t.hn.2025
        sector: health
        document: {number: T-HN-H, title: Health, issuer: ce_policy tests}
        in_force: {from: 2025-01-01}
        person_attributes:
          employer_type: {description: again, choices: [a], cite: t.hn.2025:s1.scope}
        """
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry_with(tmp_path, {**CITY_FILES, "hn-health/layer.yaml": sector})
    assert [p.code for p in info.value.problems] == ["duplicate_attribute"]


def test_a_rule_on_an_undeclared_attribute_names_the_field(tmp_path: Path) -> None:
    rules = CITY_FILES["hn/rules.yaml"].replace("when: {employer_type: enterprise}", "when: {employer: enterprise}")
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry_with(tmp_path, {**CITY_FILES, "hn/rules.yaml": rules})
    ((code, message),) = [(p.code, p.message) for p in info.value.problems]
    assert code == "unknown_field"
    assert "did you mean 'employer_type'" in message


def test_csv_records_carry_the_degree_and_attributes(tmp_path: Path) -> None:
    path = (
        write(
            tmp_path,
            {
                "people.csv": (
                    "person_id,title_level,region,person_degree_level,attr_employer_type,year,activity_id,kind,hours,"
                    "on_platform,passed,completed_on\n"
                    "p1,junior,t.hn,master,enterprise,2025,a1,public_course,45,true,true,2025-05-01\n"
                    "p1,junior,t.hn,master,enterprise,2025,a2,public_course,45,true,true,2025-05-02\n"
                    "p2,junior,t.hn,,,2025,,,,,,\n"
                )
            },
        )
        / "people.csv"
    )
    records = [item.data for item in ce_policy.iter_records(path) if item.data is not None]
    assert records[0]["person"] == {
        "id": "p1",
        "title_level": "junior",
        "region": "t.hn",
        "degree_level": "master",
        "attributes": {"employer_type": "enterprise"},
    }
    assert len(records[0]["activities"]) == 2
    assert records[1]["person"] == {"id": "p2", "title_level": "junior", "region": "t.hn"}


def test_a_title_review_case_takes_its_person_from_the_case_and_refuses_record_keys(tmp_path: Path) -> None:
    from ce_policy.testing.cases import case_input, load_cases  # noqa: PLC0415 - the case runner, tested here

    cases = write(
        tmp_path,
        {
            "review.yaml": """\
                defaults: {person: {id: p1, title_level: junior, region: t.hn}}
                cases:
                  - name: the case's person is the history's
                    person: {title_level: senior}
                    title_review: {review_year: 2025, applied_on: 2025-06-01}
                    history: {certificates: []}
                    expect: {eligible: false}
                  - name: a record's keys have no place here
                    activities: [{id: a, kind: training, hours: 1}]
                    title_review: {review_year: 2025, applied_on: 2025-06-01}
                    history: {}
                    expect: {eligible: true}
                """
        },
    )
    with pytest.raises(ce_policy.PolicyFileError) as info:
        load_cases(cases / "review.yaml")
    ((code, line, message),) = [(p.code, p.line, p.message) for p in info.value.problems]
    assert (code, line) == ("invalid_case", 8)
    assert "takes a history, not activities" in message
    text = (cases / "review.yaml").read_text(encoding="utf-8")
    (cases / "review.yaml").write_text(text.split("  - name: a record's")[0], encoding="utf-8")
    (case,) = load_cases(cases / "review.yaml")
    assert case_input(case)["history"]["person"] == {"id": "p1", "title_level": "senior", "region": "t.hn"}
