"""The shipped accounting layer (xj.aksu.2025.accounting): its words are accepted only in accountants' records.

Its YAML cases (policies/xj/aksu-2025-12-accounting/cases) pin its decisions, and the refusals by code; these
tests pin what a case cannot: the JSON path of each refusal, the record schema, and the views' sector name.
"""

import json
from typing import Any

import pytest

import ce_policy

DONE = {"on_platform": True, "passed": True, "completed_on": "2025-06-01", "approval": "approved"}
ACCOUNTING_WORDS = {
    "role on a research project": (
        {"id": "proj", "kind": "research_project", "hours": 72, "organiser_level": "region", "role": "leader"},
        ("$.activities[0].role", "way_fields"),
    ),
    "an accounting subject": (
        {"id": "exam", "kind": "qualification_exam", "hours": 40, "attributes": {"subject": "accounting"}},
        ("$.activities[0].attributes.subject", "unknown_attribute"),
    ),
    "a periodical": (
        {
            "id": "p1",
            "kind": "publication",
            "hours": 30,
            "publication_type": "paper",
            "journal": "cn",
            "attributes": {"periodical": "issn_and_cn"},
        },
        ("$.activities[0].attributes.periodical", "unknown_attribute"),
    ),
    "中专 degree study": (
        {"id": "course", "kind": "degree_study", "hours": 72, "degree_level": "secondary_vocational"},
        ("$.activities[0].degree_level", "invalid_choice"),
    ),
}


def _record(sector: str | None, activity: dict[str, Any]) -> dict[str, Any]:
    person = {"id": "p1", "title_level": "junior"} | ({"sector": sector} if sector else {})
    return {"person": person, "year": 2025, "activities": [{**activity, **DONE}]}


@pytest.mark.parametrize("sector", [None, "health", "education", "transport"])
@pytest.mark.parametrize("words", list(ACCOUNTING_WORDS), ids=str)
def test_the_accounting_words_are_refused_at_their_path_in_a_record_another_policy_decides(
    sector: str | None, words: str
) -> None:
    activity, problem = ACCOUNTING_WORDS[words]
    with pytest.raises(ce_policy.RecordError) as info:
        ce_policy.evaluate(_record(sector, activity))
    assert [(p.path, p.code) for p in info.value.problems] == [problem]


@pytest.mark.parametrize("words", list(ACCOUNTING_WORDS), ids=str)
def test_the_accounting_words_are_read_in_an_accountants_record(words: str) -> None:
    activity, _ = ACCOUNTING_WORDS[words]
    decision = ce_policy.evaluate(_record("accounting", activity))
    assert decision.policy.id == "xj.aksu.2025.accounting"
    assert any(name.startswith("xj.aksu.2025.accounting.activity_") for name in decision.provisional)


def test_a_role_of_a_lecture_stays_a_lecturers_or_an_attendees() -> None:
    lecture = {"id": "lec", "kind": "lecture", "hours": 8, "organiser_level": "region", "role": "leader"}
    with pytest.raises(ce_policy.RecordError) as info:
        ce_policy.evaluate(_record("accounting", lecture))
    assert [(p.path, p.code) for p in info.value.problems] == [("$.activities[0].role", "invalid_choice")]


def test_the_record_schema_of_the_accounting_policy_names_its_words_and_the_general_one_does_not() -> None:
    registry = ce_policy.default_registry()
    accounting = json.dumps(ce_policy.record_schema("record", registry.policy("xj.aksu.2025.accounting")))
    general = json.dumps(ce_policy.record_schema("record", registry.policy("xj.aksu.2025")))
    for word in ("secondary_vocational", "issn_and_cn", "periodical_field", "participant"):
        assert word in accounting
        assert word not in general


def test_the_views_name_the_sector_in_both_languages() -> None:
    exam = {"id": "exam", "kind": "qualification_exam", "hours": 40, "attributes": {"subject": "accounting"}}
    decision = ce_policy.evaluate(_record("accounting", exam))
    assert decision.compliant
    assert "行业: 会计" in decision.explain("zh")
    assert "sector: accounting" in decision.explain("en")
