"""``diff_policies`` and ``ce-policy diff``: the decisions that change between two versions of the policies."""

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ce_policy
from ce_policy.analysis.diff import diff_policies
from ce_policy.cli.main import main
from ce_policy.model.record_files import write_jsonl
from ce_policy.policy.registry import shipped_policy_root
from ce_policy.testing.population import generate_records
from ce_policy.text.diff_report import render_html, render_text

SHIPPED = shipped_policy_root()
EXAMPLES = sorted(SHIPPED.glob("*/*/examples/*.json"))
PUBLIC_EDGES = ("29.5", "30", "31", "31.99", "32", "33")
DAY = {"on_platform": True, "passed": True, "completed_on": "2025-05-01"}


def _copy(tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name
    shutil.copytree(SHIPPED, copy)
    return copy


@pytest.fixture(scope="module")
def floor_32(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped policies whose public-subject floor is 32 instead of 30."""
    copy = _copy(tmp_path_factory.mktemp("floor"), "policies-32")
    parameters = copy / "xj" / "aksu-2025-12" / "parameters.yaml"
    text = parameters.read_text(encoding="utf-8")
    edited = re.sub(r"(public_min_hours:\n(?:    .*\n)*?        value: )30\n", r"\g<1>32\n", text, count=1)
    assert edited != text
    parameters.write_text(edited, encoding="utf-8")
    return copy


def _person(pid: str, public: str, professional: str, **person: Any) -> dict[str, Any]:
    return {
        "person": {"id": pid, "title_level": "intermediate", **person},
        "year": 2025,
        "activities": [
            {"id": "pub", "kind": "public_course", "hours": Decimal(public), **DAY},
            {"id": "pro", "kind": "training", "hours": Decimal(professional), **DAY},
        ],
    }


def _edges() -> list[dict[str, Any]]:
    """People on and around the public floors 30 and 32, otherwise complete or already short."""
    people = []
    for public in PUBLIC_EDGES:
        people.append(_person(f"edge-{public}-complete", public, "60"))
        people.append(_person(f"edge-{public}-short", public, "40"))
        people.append(_person(f"edge-{public}-teacher", public, "70", sector="education"))
    return people


def test_a_policy_against_itself_changes_nothing_on_generated_records() -> None:
    population = generate_records(40, 11, ce_policy.default_registry().policies())
    diff = diff_policies("shipped", "shipped", population.records)
    assert diff.records == len(population.records) > 0
    assert (diff.changed, diff.groups, diff.changes, diff.kinds) == (0, (), (), {})
    assert diff.unchanged == diff.records
    assert diff.policies == ()
    assert diff.same_outcome == {}
    assert "No decision changed." in render_text(diff, "en")


def test_a_policy_against_a_copy_of_itself_changes_nothing_on_the_shipped_examples(tmp_path: Path) -> None:
    records = [json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal) for path in EXAMPLES]
    assert records
    diff = diff_policies(SHIPPED, _copy(tmp_path, "copy"), [*records, *_edges()])
    assert diff.changed == 0
    assert diff.unchanged == diff.records == len(records) + len(_edges())
    assert diff.policies == ()


def test_generation_is_deterministic_for_a_seed() -> None:
    policies = [ce_policy.default_registry().policy("xj.aksu.2025")]
    first, again, other = (generate_records(15, seed, policies) for seed in (5, 5, 6))
    assert first.records == again.records
    assert first.records != other.records
    assert first.drawn >= len(first.records)
    assert [r["person"]["id"] for r in first.records][:2] == ["gen-00001", "gen-00002"]


def test_raising_the_public_floor_to_32_changes_exactly_the_people_between_30_and_32(floor_32: Path) -> None:
    registry = ce_policy.default_registry()
    drawn = generate_records(120, 2025, [registry.policy("xj.aksu.2025"), registry.policy("xj.aksu.2025.education")])
    population = [*_edges(), *drawn.records]
    diff = diff_policies("shipped", floor_32, population)
    public = {r["person"]["id"]: ce_policy.evaluate(r).hours.public for r in population}
    expected = {pid for pid, hours in public.items() if Decimal(30) <= hours < Decimal(32)}
    assert {"edge-30-complete", "edge-31-short", "edge-31.99-teacher"} <= expected
    assert {row.person for row in diff.changes} == expected
    assert diff.changed == len(expected)
    assert not any(pid.startswith(("edge-29.5", "edge-32", "edge-33")) for pid in expected)
    for group in diff.groups:
        assert group.only_old == ()
        assert "aksu.quota.public#short.public" in group.only_new
        assert "floors_met_changed" in group.kinds
        assert any(c.cite == "xj.aksu.2025:s2.quota" and "公需科目不少于 30 学时" in c.text for c in group.clauses)
    became = next(g for g in diff.groups if "became_incomplete" in g.kinds)
    assert became.example.old.compliant is True
    assert became.example.new.compliant is False
    assert became.example.new.consequences == ("no_excellent_rating", "no_post_promotion")
    (aksu,) = (p for p in diff.policies if p.policy == "xj.aksu.2025")
    assert [(p.parameter, p.old, p.new) for p in aksu.parameters] == [
        ("public_min_hours", [{"from": "2025-01-01", "value": 30}], [{"from": "2025-01-01", "value": 32}])
    ]
    assert diff.same_outcome["floors"] == diff.unchanged  # every floor is 32 now, but no other outcome moved


def test_the_smallest_example_is_chosen(floor_32: Path) -> None:
    people = [_person("big", "31", "70"), _person("small", "30", "60")]
    people[0]["activities"].append({"id": "more", "kind": "training", "hours": 1, **DAY})
    diff = diff_policies("shipped", floor_32, people)
    (group,) = diff.groups
    assert group.count == 2
    assert group.example.person == "small"
    assert {"path": "required.public", "old": 30, "new": 32} in [c.model_dump() for c in group.example.changes]


def test_invalid_and_not_evaluable_records_are_counted_not_dropped(tmp_path: Path) -> None:
    later = _copy(tmp_path, "later")
    layer = later / "xj" / "aksu-2025-12" / "layer.yaml"
    layer.write_text(layer.read_text(encoding="utf-8").replace("years: [2025]", "years: [2026]"), encoding="utf-8")
    records = [
        _person("general", "30", "60"),
        _person("nowhere", "30", "60", region="xj.hotan"),
        {"person": {"id": "bad", "title_level": "master"}, "year": 2025},
    ]
    diff = diff_policies("shipped", later, records)
    assert diff.records == 3
    assert diff.not_evaluable_in_both == 1
    (invalid,) = diff.invalid
    assert invalid.person == "bad"
    assert invalid.problems[0]["path"] == "$.person.title_level"
    (group,) = diff.groups
    assert group.kinds == ("not_evaluable_in_new",)
    assert group.new_error is not None
    assert "2025" in group.new_error
    assert group.example.old.compliant is True


def test_html_is_self_contained_with_a_chart_and_escapes_everything(floor_32: Path) -> None:
    hostile = "<script>alert(1)</script>"
    diff = diff_policies("shipped", floor_32, [_person(hostile, "30", "60")])
    page = render_html(diff, "en")
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page
    assert "<rect" in page
    assert re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page) is None
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<link" not in page


def _run(*args: str) -> Any:
    return CliRunner().invoke(main, ["diff", *args])


def test_cli_fail_on_change_exit_codes(floor_32: Path, tmp_path: Path) -> None:
    records = tmp_path / "people.jsonl"
    write_jsonl(_edges(), records)
    same = _run("shipped", "shipped", "--records", str(records), "--fail-on-change", "--lang", "en")
    assert same.exit_code == 0, same.output
    assert "No decision changed." in same.output
    changed = _run("shipped", str(floor_32), "--records", str(records), "--fail-on-change", "--lang", "en")
    assert changed.exit_code == 1, changed.output
    assert "became incomplete" in changed.output
    assert "public_min_hours: 30 (from 2025-01-01) → 32 (from 2025-01-01)" in changed.output
    report = _run("shipped", str(floor_32), "--records", str(records))
    assert report.exit_code == 0, report.output


def test_cli_json_html_and_generate(floor_32: Path, tmp_path: Path) -> None:
    result = _run("shipped", str(floor_32), "--generate", "20", "--seed", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["population"]["seed"] == 3
    assert data["records"] == data["population"]["distinct"]
    page = tmp_path / "diff.html"
    result = _run("shipped", str(floor_32), "--generate", "20", "--seed", "3", "--format", "html", "-o", str(page))
    assert result.exit_code == 0, result.output
    assert "<svg" in page.read_text(encoding="utf-8")


def test_cli_reads_csv_and_names_bad_rows(tmp_path: Path) -> None:
    records = tmp_path / "people.csv"
    records.write_text(
        "person_id,title_level,year,activity_id,kind,hours,on_platform,passed,completed_on\n"
        "p1,junior,2025,a1,public_course,30,true,true,2025-03-01\n"
        "p2,junior,2025,a1,public_course,30,true,true,2025-03-01\n"
        "p2,junior,2025,a2,training,12.345,true,true,2025-03-01\n",
        encoding="utf-8",
    )
    result = _run("shipped", "shipped", "--records", str(records), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert f"{records}:4: $.activities[1].hours: hours may have at most two decimal places" in result.output


def test_cli_errors_exit_2_without_a_traceback(tmp_path: Path) -> None:
    records = tmp_path / "people.jsonl"
    write_jsonl(_edges()[:1], records)
    cases = [
        ("shipped", "shipped"),
        ("shipped", "shipped", "--records", str(records), "--generate", "5"),
        ("shipped", str(tmp_path / "missing"), "--records", str(records)),
        ("shipped", "shipped", "--records", str(records), "--policy", "xj.nowhere"),
    ]
    for args in cases:
        for lang, said in (("zh", "错误："), ("en", "error: ")):
            result = _run(*args, "--lang", lang)
            assert result.exit_code == 2, (args, result.output)
            assert result.output.startswith(said), (args, result.output)
            assert "Traceback" not in result.output
    bad = tmp_path / "people.txt"
    bad.write_text("{}", encoding="utf-8")
    result = _run("shipped", "shipped", "--records", str(bad), "--lang", "en")
    assert result.exit_code == 2
    assert "unknown format" in result.output
    assert _run("shipped", "shipped", "--records", str(bad)).output == f"错误：记录文件 {bad} 无法使用\n"


def test_generating_a_population_reports_its_progress_record_by_record() -> None:
    from ce_policy.testing.population import generate_common_records  # noqa: PLC0415 - the generator itself

    counted: list[int] = []
    registry = ce_policy.default_registry()
    drawn = generate_common_records(40, 3, registry, registry, progress=counted.append)
    assert counted and set(counted) == {1}
    assert len(counted) >= len(drawn.records) > 0
    assert drawn.drawn == len(counted)
