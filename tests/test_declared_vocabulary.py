"""Values, kinds and activity attributes a layer adds to the record's vocabulary (``activity_values``,
``activity_attributes``): loaded and checked with their clauses, accepted only under the policy that declares
them, carried into the facts, the schema, CSV files, to_complete and the strategies."""

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

import ce_policy
from ce_policy import strategies
from ce_policy.cli.main import main
from tests.layers import registry_with, write

LAYER = """\
    id: t.words
    version: 1.0.0
    title: a sector that names its own ways
    extends: {id: xj.aksu.2025, version: ^1.2}
    sector: words
    sector_name: {zh: 测绘, en: surveying}
    document: {number: T-WORDS, title: test, issuer: ce_policy tests}
    in_force: {from: 2025-01-01}
    activity_values:
      role:
        values: [leader, member]
        kinds: [research_project]
        cite: s2.roles
      degree_level:
        values: [secondary_vocational]
        cite: s3.degree
        provenance: P
    activity_attributes:
      subject:
        description: 考试科目 / the subject of the exam
        kinds: [qualification_exam]
        choices: [surveying, other]
        cite: s1.exam
    """
FILES = {
    "words/layer.yaml": LAYER,
    "words/clauses.yaml": """\
        clauses:
          s1.exam: {section: 一, text: 测绘类考试合格一科，计72学分。}
          s2.roles: {section: 二, text: 项目负责人计40学分，成员计20学分。}
          s3.degree: {section: 三, text: 中专学历教育计入。}
        """,
    "words/rules.yaml": """\
        rules:
          - id: t.words.exam
            cite: s1.exam
            stage: activity
            when: {kind: qualification_exam, subject: surveying}
            then: {category: professional, credits: {fixed: 72}}
          - id: t.words.leader
            cite: s2.roles
            stage: activity
            when: {kind: research_project, role: leader}
            then: {credits: {fixed: 40}}
          - id: t.words.member
            cite: s2.roles
            stage: activity
            when: {kind: research_project, role: member}
            then: {credits: {fixed: 20}}
        """,
}
PERSON = {"id": "p1", "title_level": "intermediate", "sector": "words"}
GENERAL = {"id": "p2", "title_level": "intermediate"}


def _activity(aid: str, kind: str, **fields: Any) -> dict[str, Any]:
    data = {"id": aid, "kind": kind, "hours": 10, "on_platform": True, "passed": True, "completed_on": "2025-05-01"}
    return {**data, **fields}


def _project(aid: str, role: str | None) -> dict[str, Any]:
    fields = {"organiser_level": "region", "approval": "approved"} | ({"role": role} if role else {})
    return _activity(aid, "research_project", **fields)


def _exam(aid: str, subject: str | None) -> dict[str, Any]:
    return _activity(
        aid, "qualification_exam", approval="approved", **({"attributes": {"subject": subject}} if subject else {})
    )


def _record(person: dict[str, Any], *activities: dict[str, Any]) -> dict[str, Any]:
    return {"person": person, "year": 2025, "activities": list(activities)}


_REGISTRY = registry_with(Path(tempfile.mkdtemp(prefix="ce-policy-words-")), FILES)


@pytest.fixture(scope="module")
def registry() -> ce_policy.PolicyRegistry:
    return _REGISTRY


def _problems(registry: ce_policy.PolicyRegistry, record: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ce_policy.RecordError) as info:
        ce_policy.evaluate(record, registry=registry)
    return [(p.path, p.code) for p in info.value.problems]


# --- decided under the policy that declares them ------------------------------------------------------


def test_declared_values_and_attributes_decide_under_their_policy(registry: ce_policy.PolicyRegistry) -> None:
    record = _record(
        PERSON, _project("lead", "leader"), _project("mem", "member"), _exam("ex", "surveying"), _exam("ot", "other")
    )
    decision = ce_policy.evaluate(record, registry=registry)
    credits = {a.id: a.credits for a in decision.activities}
    assert credits == {"lead": 40, "mem": 20, "ex": 72, "ot": None}
    fired = {(e.activity, e.rule) for e in decision.trace}
    assert ("lead", "t.words.leader") in fired and ("mem", "t.words.member") in fired
    assert ("ex", "t.words.exam") in fired and ("ot", "t.words.exam") not in fired


def test_an_activity_without_the_attribute_is_absent_to_the_rules(registry: ce_policy.PolicyRegistry) -> None:
    decision = ce_policy.evaluate(_record(PERSON, _exam("ex", None), _project("p", None)), registry=registry)
    assert [a.credits for a in decision.activities] == [None, None]


def test_the_memo_tells_activities_apart_by_their_attributes(registry: ce_policy.PolicyRegistry) -> None:
    # The same exam, once of each subject, decided in one process with the memo on: each keeps its own credits.
    for subject, credits in (("surveying", 72), ("other", None), ("surveying", 72)):
        decision = ce_policy.evaluate(_record(PERSON, _exam("ex", subject)), registry=registry, cache=True)
        assert decision.activities[0].credits == credits


def test_a_provisional_declaration_is_listed_when_a_record_relies_on_it(registry: ce_policy.PolicyRegistry) -> None:
    degree = _activity("d", "degree_study", degree_level="secondary_vocational", approval="approved")
    relying = ce_policy.evaluate(_record(PERSON, degree), registry=registry)
    assert "t.words.activity_values.degree_level" in relying.provisional
    other = ce_policy.evaluate(_record(PERSON, _exam("ex", "surveying")), registry=registry)
    assert "t.words.activity_values.degree_level" not in other.provisional


def test_a_persons_degree_may_take_a_declared_value(registry: ce_policy.PolicyRegistry) -> None:
    person = {**PERSON, "degree_level": "secondary_vocational"}
    assert ce_policy.evaluate(_record(person), registry=registry).person == "p1"
    assert _problems(registry, _record({**GENERAL, "degree_level": "secondary_vocational"})) == [
        ("$.person.degree_level", "invalid_choice")
    ]


# --- refused elsewhere, with the JSON path ----------------------------------------------------------------


def test_other_policies_refuse_the_declared_words(registry: ce_policy.PolicyRegistry) -> None:
    record = _record(GENERAL, _project("lead", "leader"), _exam("ex", "surveying"))
    assert _problems(registry, record) == [
        ("$.activities[0].role", "way_fields"),
        ("$.activities[1].attributes.subject", "unknown_attribute"),
    ]


def test_values_declared_for_some_kinds_stay_with_them(registry: ce_policy.PolicyRegistry) -> None:
    lecture = _activity("l", "lecture", organiser_level="region", role="leader", approval="approved")
    project = _project("p", "lecturer")
    with pytest.raises(ce_policy.RecordError) as info:
        ce_policy.evaluate(_record(PERSON, lecture, project), registry=registry)
    assert [(p.path, p.code, p.message) for p in info.value.problems] == [
        ("$.activities[0].role", "invalid_choice", "Input should be 'lecturer' or 'attendee'"),
        ("$.activities[1].role", "invalid_choice", "Input should be 'leader' or 'member'"),
    ]


def test_words_outside_the_declaration_are_refused(registry: ce_policy.PolicyRegistry) -> None:
    record = _record(
        PERSON,
        _project("a", "author"),  # not a declared role
        _activity("b", "public_course", attributes={"subject": "surveying"}),  # not a kind that carries it
        _exam("c", "geology"),  # not one of its choices
        _activity("d", "public_course", attributes={"colour": "red"}),  # not declared at all
    )
    assert _problems(registry, record) == [
        ("$.activities[0].role", "invalid_choice"),
        ("$.activities[1].attributes.subject", "way_fields"),
        ("$.activities[2].attributes.subject", "invalid_choice"),
        ("$.activities[3].attributes.colour", "unknown_attribute"),
    ]


def test_every_problem_is_listed_at_once_with_the_vocabulary_of_the_policy(
    registry: ce_policy.PolicyRegistry,
) -> None:
    broken = {**_project("a", "author"), "hours": -1}
    assert _problems(registry, _record(PERSON, broken, _project("b", "leader"))) == [
        ("$.activities[0].hours", "hours_invalid"),
        ("$.activities[0].role", "invalid_choice"),
    ]


def test_a_title_review_checks_each_record_against_its_years_policy(registry: ce_policy.PolicyRegistry) -> None:
    history = {
        "person": GENERAL,
        "records": [_record(GENERAL, _activity("c", "public_course"), _project("l", "leader"))],
    }
    with pytest.raises(ce_policy.RecordError) as info:
        ce_policy.evaluate_title_review(history, review_year=2025, applied_on=dt.date(2025, 12, 1), registry=registry)
    assert [(p.path, p.code) for p in info.value.problems] == [("$.records[0].activities[1].role", "way_fields")]
    history = {"person": PERSON, "records": [_record(PERSON, _project("l", "leader"))]}
    review = ce_policy.evaluate_title_review(
        history, review_year=2025, applied_on=dt.date(2025, 12, 1), registry=registry
    )
    assert {year.year: year.shown_by for year in review.years}[2025] == "record"


def test_a_model_built_in_python_uses_the_policys_context(registry: ce_policy.PolicyRegistry) -> None:
    policy = registry.policy("t.words")
    data = _record(PERSON, _project("lead", "leader"))
    with pytest.raises(ValueError, match="role does not apply to kind 'research_project'"):
        ce_policy.Record.model_validate(data)
    record = ce_policy.Record.model_validate(data, context=policy.validation_context)
    assert ce_policy.evaluate(record, registry=registry).activities[0].credits == 40


# --- checked when the layer loads --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("replace", "by", "code"),
    [
        ("      role:\n", "      colour:\n", "unknown_field"),
        ("kinds: [research_project]", "kinds: [research_projekt]", "unknown_kind"),
        ("values: [leader, member]", "values: [leader, lecturer]", "duplicate_value"),
        ("      subject:\n", "      hours:\n", "attribute_name_taken"),
        ("cite: s1.exam\n", "cite: s9.nowhere\n", "dangling_citation"),
    ],
)
def test_a_bad_declaration_is_refused_with_file_and_line(tmp_path: Path, replace: str, by: str, code: str) -> None:
    layer = LAYER.replace(replace, by)
    assert layer != LAYER
    files = dict(FILES, **{"words/layer.yaml": layer})
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry_with(tmp_path, files)
    found = [(p.code, Path(p.file).name, p.line) for p in info.value.problems]
    assert any(c == code and name == "layer.yaml" and line is not None for c, name, line in found), found


def test_an_attribute_may_be_declared_once_in_a_chain(tmp_path: Path) -> None:
    above = {
        "again/layer.yaml": """\
            id: t.words.again
            version: 1.0.0
            title: declares subject again
            extends: t.words
            sector: words
            document: {number: T-AGAIN, title: test, issuer: ce_policy tests}
            in_force: {from: 2025-01-01}
            applies_to: {regions: [xj.aksu.kuqa], years: [2025]}
            activity_attributes:
              subject: {description: again, kinds: [publication], choices: [x], cite: "t.words:s1.exam"}
            """,
    }
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry_with(tmp_path, {**FILES, **above})
    assert "duplicate_attribute" in {p.code for p in info.value.problems}


# --- the schema, CSV files, to_complete and the strategies -----------------------------------------------


def test_the_policys_schema_lists_its_words(registry: ce_policy.PolicyRegistry) -> None:
    schema = ce_policy.record_schema("record", registry.policy("t.words"))
    activity = schema["$defs"]["Activity"]["properties"]
    role = next(b for b in activity["role"]["anyOf"] if b.get("type") == "string")
    assert role["enum"] == ["lecturer", "attendee", "leader", "member"]  # of any kind; each kind's are checked
    attributes = next(b for b in activity["attributes"]["anyOf"] if b.get("type") == "object")
    assert attributes["properties"]["subject"]["enum"] == ["surveying", "other"]
    assert attributes["additionalProperties"] is False
    plain = ce_policy.record_schema("record")
    plain_role = next(b for b in plain["$defs"]["Activity"]["properties"]["role"]["anyOf"] if b.get("type") == "string")
    assert plain_role["enum"] == ["lecturer", "attendee"]


def test_the_schema_command_takes_a_policy(tmp_path: Path) -> None:
    root = write(tmp_path, FILES)
    result = CliRunner().invoke(main, ["schema", "record", "--policy", "t.words", "--policies", str(root)])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert "subject" in json.dumps(schema["$defs"]["Activity"]["properties"]["attributes"])
    refused = CliRunner().invoke(main, ["schema", "decision", "--policy", "t.words", "--policies", str(root)])
    assert refused.exit_code == 2


def test_a_csv_column_gives_an_activity_attribute(tmp_path: Path, registry: ce_policy.PolicyRegistry) -> None:
    path = tmp_path / "records.csv"
    path.write_text(
        "person_id,title_level,sector,year,activity_id,kind,hours,on_platform,passed,completed_on,approval,"
        "activity_attr_subject\n"
        "p1,intermediate,words,2025,ex,qualification_exam,10,true,true,2025-05-01,approved,surveying\n"
        "p1,intermediate,words,2025,ot,qualification_exam,10,true,true,2025-05-01,approved,\n",
        encoding="utf-8",
    )
    (item,) = list(ce_policy.iter_records(path))
    assert item.data is not None
    assert [a.get("attributes") for a in item.data["activities"]] == [{"subject": "surveying"}, None]
    decision = ce_policy.evaluate(item.data, registry=registry)
    assert [a.credits for a in decision.activities] == [72, None]


def test_to_complete_names_a_way_by_its_attribute(registry: ce_policy.PolicyRegistry) -> None:
    decision = ce_policy.evaluate(_record(PERSON), registry=registry)
    assert decision.to_complete is not None
    fields = [way.fields for way in decision.to_complete.ways if way.kind == "qualification_exam"]
    assert {"attributes.subject": "surveying", "approval": "approved"} in fields


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=strategies.records(policy=_REGISTRY.policy("t.words")))
def test_generated_records_use_the_words_and_are_decided(data: dict[str, Any]) -> None:
    decision = ce_policy.evaluate(data, registry=_REGISTRY)
    assert decision.person == data["person"]["id"]


def test_to_complete_offers_the_ways_a_sector_rule_gives_credits(registry: ce_policy.PolicyRegistry) -> None:
    decision = ce_policy.evaluate(_record(PERSON), registry=registry)
    assert decision.to_complete is not None
    projects = {
        way.fields.get("role"): way.earns_credits for way in decision.to_complete.ways if way.kind == "research_project"
    }
    assert projects.get("leader") is True and projects.get("member") is True


def test_lint_lists_a_provisional_declaration(tmp_path: Path) -> None:
    root = write(tmp_path, FILES)
    report = ce_policy.lint_policies(root)
    found = [f for f in report.findings if f.subject == "t.words.activity_values.degree_level"]
    assert [(f.code, f.severity, Path(f.file).name) for f in found] == [("provisional_value", "info", "layer.yaml")]
    assert "secondary_vocational" in found[0].message
    assert not [f for f in report.findings if f.subject == "t.words.activity_values.role"]  # not provisional
