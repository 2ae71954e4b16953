"""Files, all the same way (issue 17): each misuse of a file gets one clear error and leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import ce_policy
from ce_policy.cli.main import main

from .records import complete_record


def test_an_empty_batch_input_is_refused_and_no_output_is_written(tmp_path: Path) -> None:
    source = tmp_path / "empty.jsonl"
    source.write_text("\n\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    for lang, said in (("en", "holds no record, so there is nothing to decide"), ("zh", "中没有一条记录，无可认定")):
        arguments = ["batch", str(source), "-o", str(out), "--workers", "1", "--no-progress", "--lang", lang]
        result = CliRunner().invoke(main, arguments)
        assert result.exit_code == 2
        assert said in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl"]


def test_an_output_name_of_unknown_format_lists_every_format(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(complete_record()) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(tmp_path / "out.xlsx"), "--no-progress"])
    assert result.exit_code == 2
    assert ".jsonl, .ndjson, .csv, .parquet" in result.output


def test_a_file_given_as_a_policy_folder_is_said_to_be_a_file(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    record.write_text("{}", encoding="utf-8")
    with pytest.raises(ce_policy.PolicyFileError) as caught:
        ce_policy.load_policies(record)
    assert "is a file, not a policy folder" in str(caught.value)
    with pytest.raises(ce_policy.PolicyFileError) as missing:
        ce_policy.load_policies(tmp_path / "nowhere")
    assert "policy folder does not exist" in str(missing.value)


def test_replay_refuses_a_file_that_is_not_a_decision_log(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    records.write_text("".join(json.dumps(complete_record(f"p{i}")) + "\n" for i in range(3)), encoding="utf-8")
    result = CliRunner().invoke(main, ["replay", str(records), "--lang", "en"])
    assert result.exit_code == 2
    assert "is not a decision log: no line of it is a log entry (3 read)" in result.output
