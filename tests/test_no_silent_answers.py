"""No silent wrong answer: a code's message under the policy that gave it, and a generated diff population that
both versions can decide (issue 14)."""

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ce_policy
from ce_policy import AmbiguousMessageError
from ce_policy.analysis.diff import diff_policies
from ce_policy.cli.main import main
from ce_policy.model.record_files import write_jsonl
from ce_policy.policy.registry import PolicyRegistry, shipped_policy_root
from ce_policy.testing.population import LeftOut, decision_day_in_force, generate_common_records
from ce_policy.text.diff_report import render_html, render_text
from ce_policy.text.messages import message

SHIPPED = shipped_policy_root()
MINIMAL = Path(__file__).resolve().parent / "data" / "minimal_policy"
AKSU_NOT_PASSED = "the assessment or exam was not passed, so no hours are registered"
MINIMAL_NOT_PASSED = "the assessment was not passed"
DAY = {"on_platform": True, "completed_on": "2025-05-01"}

T_2026 = """\
id: t.2026
version: 1.0.0
title: The minimal policy, for 2026
extends: t.min
document: {number: T-2026, title: t, issuer: ce_policy tests}
in_force: {from: 2026-01-01}
applies_to: {regions: [t], years: [2026]}
"""


def _minimal(tmp_path: Path, name: str, old: str, new: str) -> PolicyRegistry:
    """A registry of a copy of the minimal policy with ``old`` replaced by ``new`` in its layer.yaml."""
    folder = tmp_path / name
    shutil.copytree(MINIMAL, folder)
    layer = folder / "t.min" / "layer.yaml"
    text = layer.read_text(encoding="utf-8")
    assert old in text
    layer.write_text(text.replace(old, new), encoding="utf-8")
    return PolicyRegistry([folder])


def _failed(pid: str, region: str) -> dict[str, Any]:
    activity = {"id": "a", "kind": "public_course", "hours": 10, "passed": False, **DAY}
    return {"person": {"id": pid, "title_level": "junior", "region": region}, "year": 2025, "activities": [activity]}


# --- 3. a code's message, under the policy that gave it -----------------------------------------------------


def test_a_code_worded_differently_needs_the_policy() -> None:
    registry = PolicyRegistry([SHIPPED, MINIMAL])
    with pytest.raises(AmbiguousMessageError) as error:
        message("not_passed", lang="en", registry=registry)
    assert isinstance(error.value, ce_policy.CePolicyError)
    assert isinstance(error.value, LookupError)
    assert not isinstance(error.value, KeyError)  # "declared nowhere" stays a KeyError
    assert error.value.code == "not_passed"
    assert {"t.min", "xj.aksu.2025", "xj.aksu.2025.health"} <= set(error.value.policies)
    assert "pass policy=" in str(error.value)
    assert message("not_passed", lang="en", policy="t.min", registry=registry) == MINIMAL_NOT_PASSED
    assert message("not_passed", lang="en", policy="xj.aksu.2025", registry=registry) == AKSU_NOT_PASSED


def test_a_code_worded_alike_or_by_one_policy_needs_none() -> None:
    registry = PolicyRegistry([SHIPPED, MINIMAL])
    assert message("incomplete", lang="en", registry=registry) == "the year is not complete"  # t.min alone
    assert message("no_excellent_rating", lang="en") == "cannot be rated excellent in the annual assessment"
    assert message("no_applicable_rule", lang="en", registry=registry).startswith("no rule of the applicable")
    with pytest.raises(KeyError):
        message("no_such_code", registry=registry)
    with pytest.raises(KeyError):
        message("incomplete", policy="xj.aksu.2025", registry=registry)


def test_the_batch_report_words_each_reason_as_its_policy_does(tmp_path: Path) -> None:
    people = tmp_path / "people.jsonl"
    write_jsonl([_failed("aksu", "xj.aksu"), _failed("t", "t")], people)
    report = tmp_path / "report.html"
    args = ["batch", str(people), "-o", str(tmp_path / "out.jsonl"), "--report", str(report), "--workers", "1"]
    result = CliRunner().invoke(main, [*args, "--policies", str(MINIMAL), "--lang", "en", "--no-progress"])
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert f"t.min: {MINIMAL_NOT_PASSED}" in page
    assert f"xj.aksu.2025: {AKSU_NOT_PASSED}" in page
    alone = tmp_path / "alone.html"
    write_jsonl([_failed("aksu", "xj.aksu")], people)
    args = ["batch", str(people), "-o", str(tmp_path / "out2.jsonl"), "--report", str(alone), "--workers", "1"]
    assert CliRunner().invoke(main, [*args, "--policies", str(MINIMAL), "--lang", "en"]).exit_code == 0
    page = alone.read_text(encoding="utf-8")
    assert f"<td>{AKSU_NOT_PASSED}</td>" in page  # one policy gave it: its wording, without a label
    assert MINIMAL_NOT_PASSED not in page


# --- 5. diff --generate draws only what both versions can decide --------------------------------------------


def test_decision_day_in_force() -> None:
    policy = PolicyRegistry([MINIMAL]).policy("t.min")  # in force from 2025-01-01
    assert decision_day_in_force(policy, 2025) == (dt.date(2025, 12, 31), True)
    assert decision_day_in_force(policy, 2025, dt.date(2024, 12, 31)) == (dt.date(2024, 12, 31), False)
    assert decision_day_in_force(policy, 2024) == (dt.date(2024, 12, 31), False)


def test_a_year_only_one_version_covers_is_not_drawn(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    for folder in (old, new):
        shutil.copytree(MINIMAL, folder)
        (folder / "registry.yaml").write_text("default_region: t\n", encoding="utf-8")  # complete folders
    (new / "t.2026").mkdir()
    (new / "t.2026" / "layer.yaml").write_text(T_2026, encoding="utf-8")
    args = ["diff", str(old), str(new), "--generate", "30", "--seed", "1"]
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "not_evaluable_in_old" not in data["kinds"]
    assert data["changed"] == 0
    assert data["population"]["left_out"] == 0
    assert data["population"]["left_out_why"] == [
        {
            "side": "old",
            "reason": "no_policy",
            "region": "t",
            "year": 2026,
            "sector": "general",
            "day": None,
            "decider": None,
            "drawn_for": "t.2026",
            "records": 0,
        }
    ]
    text = CliRunner().invoke(main, [*args, "--lang", "en"])
    assert "  t.2026 (t 2026, general) not drawn: no policy of OLD covers it" in text.output
    zh = CliRunner().invoke(main, args)
    assert "  t.2026（t 2026, general）未抽取：旧版本没有适用的政策" in zh.output


def test_drawn_records_one_version_cannot_decide_are_left_out_and_counted(tmp_path: Path) -> None:
    wider = _minimal(tmp_path, "wider", "regions: [t]", "regions: [t, u]")
    narrow = PolicyRegistry([MINIMAL])
    drawn = generate_common_records(30, 0, wider, narrow)
    (left_out,) = drawn.left_out
    assert (left_out.side, left_out.reason, left_out.region, left_out.year) == ("new", "no_policy", "u", 2025)
    assert left_out.records > 0
    assert drawn.distinct == len(drawn.records) + left_out.records
    assert {r["person"]["region"] for r in drawn.records} == {"t"}
    diff = diff_policies(wider, narrow, drawn.records)
    assert (diff.records, diff.kinds) == (len(drawn.records), {})  # nothing reported as not evaluable in NEW


def test_a_policy_not_in_force_on_the_decision_date_is_not_drawn_for(tmp_path: Path) -> None:
    later = _minimal(tmp_path, "later", "from: 2025-01-01", "from: 2025-04-01")
    with pytest.raises(ce_policy.PolicyNotFoundError) as error:
        generate_common_records(10, 0, PolicyRegistry([MINIMAL]), later, as_of=dt.date(2025, 3, 1))
    assert "nothing to draw records for: t.min 2025: not in force in NEW" in str(error.value)
    assert generate_common_records(10, 0, PolicyRegistry([MINIMAL]), later).left_out == ()


def test_the_report_says_why_records_were_left_out() -> None:
    row = LeftOut("new", "not_in_force", None, 2025, "general", dt.date(2025, 3, 1), "t.min", records=4)
    population = {
        "generated": 10,
        "seed": 0,
        "drawn": 10,
        "distinct": 9,
        "left_out": 4,
        "left_out_why": [row.as_json()],
    }
    diff = diff_policies("shipped", "shipped", []).model_copy(update={"population": population})
    english = render_text(diff, "en")
    assert "(generated: 10 drawn with seed 0, 9 distinct, 4 left out)" in english
    assert (
        "  4 record(s) of the default region 2025, general: NEW's policy t.min is not in force on 2025-03-01" in english
    )
    chinese = render_text(diff, "zh")
    assert "剔除 4 条" in chinese
    assert "  4 条记录（默认地区 2025, general）：新版本的政策 t.min 在 2025-03-01 未生效" in chinese
    assert "NEW&#x27;s policy t.min is not in force on 2025-03-01" in render_html(diff, "en")
