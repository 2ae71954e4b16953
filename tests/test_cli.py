"""The ce-policy command line."""

import json
from pathlib import Path

from click.testing import CliRunner

from ce_policy.cli.main import main
from ce_policy.policy.registry import shipped_policy_root

EXAMPLES = shipped_policy_root() / "xj" / "aksu-2025-12" / "examples"


def test_evaluate_text_in_chinese_and_english() -> None:
    runner = CliRunner()
    zh = runner.invoke(main, ["evaluate", str(EXAMPLES / "incomplete.json")])
    assert zh.exit_code == 0, zh.output
    assert "未完成年度学时任务" in zh.output
    assert "年度考核不得确定为优秀等次" in zh.output
    en = runner.invoke(main, ["evaluate", str(EXAMPLES / "incomplete.json"), "--lang", "en"])
    assert en.exit_code == 0, en.output
    assert "NOT complete" in en.output
    assert "cannot be rated excellent" in en.output


def test_evaluate_json_from_stdin() -> None:
    text = (EXAMPLES / "complete.json").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", "-", "--format", "json"], input=text)
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert decision["compliant"] is True
    assert decision["policy"]["id"] == "xj.aksu.2025"


def test_evaluate_bad_record_exits_non_zero_with_paths(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"person": {"id": "p", "title_level": "master"}, "year": 2025}), encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", str(bad)])
    assert result.exit_code == 1
    assert "$.person.title_level" in result.output
    assert "Traceback" not in result.output


def test_evaluate_invalid_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", str(bad)])
    assert result.exit_code == 1
    assert "invalid_json" in result.output


def test_evaluate_as_of() -> None:
    result = CliRunner().invoke(
        main, ["evaluate", str(EXAMPLES / "complete.json"), "--as-of", "2025-04-01", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["as_of"] == "2025-04-01"


def test_policies_lists_ids_versions_and_digests() -> None:
    result = CliRunner().invoke(main, ["policies", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {"xj.aksu.2025", "xj.aksu.2025.health", "xj.aksu.2025.education", "xj.aksu.2025.accounting"}
    assert all(row["digest"].startswith("sha256:") for row in rows)
    assert by_id["xj.aksu.2025"]["chain"] == ["cn.mohrss-25", "xj.hours-2022-9", "xj.aksu.2025"]
    assert by_id["xj.aksu.2025"]["sector"] is None
    assert by_id["xj.aksu.2025.health"]["sector"] == "health"
    assert by_id["xj.aksu.2025.accounting"]["sector"] == "accounting"
    assert by_id["xj.aksu.2025.health"]["chain"][-2:] == ["xj.aksu.2025", "xj.aksu.2025.health"]


def test_schema_commands_print_json_schema() -> None:
    for which in ("record", "decision", "history", "title-review"):
        result = CliRunner().invoke(main, ["schema", which])
        assert result.exit_code == 0, result.output
        schema = json.loads(result.output)
        assert schema["type"] == "object"
    record_schema = json.loads(CliRunner().invoke(main, ["schema", "record"]).output)
    assert record_schema["additionalProperties"] is False


def test_check_accepts_the_shipped_policies_and_rejects_a_broken_folder(tmp_path: Path) -> None:
    ok = CliRunner().invoke(main, ["check", str(shipped_policy_root())])
    assert ok.exit_code == 0, ok.output
    layer = tmp_path / "broken"
    layer.mkdir()
    (layer / "layer.yaml").write_text("id: broken\nid: again\n", encoding="utf-8")
    bad = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert bad.exit_code == 1
    assert "layer.yaml:2" in bad.output
    assert "duplicate_key" in bad.output


def test_title_review_command(tmp_path: Path) -> None:
    history = {
        "person": {"id": "p1", "title_level": "senior"},
        "certificates": [{"year": y, "public": True, "professional": True} for y in range(2021, 2026)],
    }
    source = tmp_path / "history.json"
    source.write_text(json.dumps(history), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "title-review",
            str(source),
            "--review-year",
            "2025",
            "--applied-on",
            "2025-09-30",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["eligible"] is True
    text = CliRunner().invoke(
        main, ["title-review", str(source), "--review-year", "2025", "--applied-on", "2025-09-30"]
    )
    assert "可以申报" in text.output
