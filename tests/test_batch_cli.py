"""``ce-policy batch``: outputs, error rows, summary and report for a generated population."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import ce_policy
from ce_policy.cli.main import main
from ce_policy.model.record_files import iter_records

from .batch_population import BROKEN, HOSTILE, population, write_csv, write_jsonl

SIZE = 120


@pytest.fixture(scope="module")
def people() -> list[dict[str, Any]]:
    return population(SIZE, seed=7)


@pytest.fixture(scope="module")
def files(people: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("batch")
    write_jsonl(folder / "people.jsonl", people)
    write_csv(folder / "people.csv", people)
    return {"jsonl": folder / "people.jsonl", "csv": folder / "people.csv", "dir": folder}


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["batch", *args, "--lang", "en"], catch_exceptions=False)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_jsonl_in_and_out_counts_every_record_and_keeps_every_error(
    files: dict[str, Path], people: list[dict[str, Any]], workers: str
) -> None:
    out = files["dir"] / f"decisions-{workers}.jsonl"
    report = files["dir"] / f"report-{workers}.html"
    result = _run(
        str(files["jsonl"]), "-o", str(out), "--workers", workers, "--report", str(report), "--chunk-size", "16"
    )
    assert result.exit_code == 1, result.output  # some records had errors
    decisions = _lines(out)
    errors = _lines(out.with_name(f"decisions-{workers}.errors.jsonl"))
    assert len(decisions) == SIZE
    assert len(errors) == BROKEN + 1  # and the line that is not JSON
    assert f"read {SIZE + BROKEN + 1} = decided {SIZE} + errors {BROKEN + 1}" in result.output
    assert [d["person"] for d in decisions] == [p["person"]["id"] for p in people]
    # Errors, in input order, with where they come from and every problem's JSON path.
    assert [e["source"]["line"] for e in errors] == sorted(e["source"]["line"] for e in errors)
    by_person = {e["person"]: e for e in errors}
    assert by_person["bad-hours"]["kind"] == "record"
    assert by_person["bad-hours"]["problems"][0]["path"] == "$.activities[0].hours"
    assert by_person["bad-year"]["problems"][0]["path"] == "$.year"
    assert by_person["elsewhere"]["kind"] == "policy_not_found"
    assert by_person[None]["kind"] == "read"
    assert by_person[None]["problems"][0]["code"] == "invalid_json"
    # Decisions are those of evaluate, with where each came from.
    for index in (0, 1, 17, SIZE - 1):
        row = decisions[index]
        source, labels = row.pop("source"), row.pop("labels")
        assert labels == people[index]["labels"]
        assert source["file"] == str(files["jsonl"])
        assert row == ce_policy.evaluate(people[index], to_complete=False).model_dump(mode="json")
    assert report.exists()


def test_summary_groups_by_sector_and_labels(files: dict[str, Path]) -> None:
    result = _run(str(files["jsonl"]), "-o", str(files["dir"] / "s.jsonl"), "--workers", "1")
    lines = result.output.splitlines()
    for title in ("by sector", "by county", "by employer"):
        assert any(line.startswith(title) for line in lines), title
    assert re.search(r"^general\s+\d+\s+\d+\s+\d+\s+\d+\s+[\d.]+%$", result.output, re.MULTILINE)
    assert any(line.startswith(HOSTILE) for line in lines)


def test_csv_in_csv_out(files: dict[str, Path], people: list[dict[str, Any]]) -> None:
    out = files["dir"] / "decisions.csv"
    result = _run(str(files["csv"]), "-o", str(out), "--workers", "2")
    assert result.exit_code == 1, result.output
    with out.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    errors = _lines(files["dir"] / "decisions.errors.jsonl")
    assert len(rows) == SIZE
    assert [e["problems"][0]["code"] for e in errors] == ["invalid_csv"]
    assert f"read {SIZE + 1} = decided {SIZE} + errors 1" in result.output
    first, decision = rows[0], ce_policy.evaluate(people[0], to_complete=False)
    assert first["person"] == decision.person
    assert first["compliant"] == str(decision.compliant).lower()
    assert float(first["hours_public"]) == decision.hours.public
    assert json.loads(first["labels"]) == people[0]["labels"]
    assert first["source"] == f"{files['csv']}:2"


def test_all_decided_exits_0(tmp_path: Path, people: list[dict[str, Any]]) -> None:
    source = tmp_path / "ok.jsonl"
    source.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in people[:10]), encoding="utf-8")
    result = _run(str(source), "-o", str(tmp_path / "ok-out.jsonl"), "--workers", "1", "--no-progress")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ok-out.errors.jsonl").read_text(encoding="utf-8") == ""


def test_report_is_self_contained_with_its_charts_and_escapes_labels(files: dict[str, Path]) -> None:
    report = files["dir"] / "report.html"
    result = _run(str(files["jsonl"]), "-o", str(files["dir"] / "r.jsonl"), "--workers", "1", "--report", str(report))
    assert result.exit_code == 1
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    charts = re.findall(r'<svg role="img"[^>]*aria-label="([^"]*)"', page)
    assert "Completion rate by sector" in charts
    assert "Completion rate by county" in charts
    assert "Completion rate by employer" in charts
    assert "public hours (people)" in charts
    assert "professional hours (people)" in charts
    assert "Most common reasons an activity does not count" in charts
    assert "floor 30" in page
    assert "floor 60" in page
    assert "not_on_platform" in page  # a reason code, with its message
    assert ce_policy.message("not_on_platform", lang="en") in page
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?://", page)
    assert "<script" not in page
    assert "&lt;script&gt;" in page


def test_parquet_out(files: dict[str, Path]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = files["dir"] / "decisions.parquet"
    result = _run(str(files["jsonl"]), "-o", str(out), "--workers", "1")
    assert result.exit_code == 1
    table = pq.read_table(out)
    assert table.num_rows == SIZE
    assert table.column("person").to_pylist()[0] == "p-0000"


def test_unusable_input_and_options_exit_2(tmp_path: Path, files: dict[str, Path]) -> None:
    unknown = tmp_path / "people.txt"
    unknown.write_text("{}\n", encoding="utf-8")
    result = _run(str(unknown), "-o", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 2
    assert "unknown format" in result.output
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("person_id,year,shoe_size\n", encoding="utf-8")
    assert _run(str(bad_header), "-o", str(tmp_path / "o.jsonl"), "--workers", "1").exit_code == 2
    assert _run(str(files["jsonl"]), "-o", str(tmp_path / "o.xlsx")).exit_code == 2
    assert _run(str(files["jsonl"]), "-o", str(tmp_path / "o.jsonl"), "--policy", "no.such").exit_code == 2
    same = str(tmp_path / "o.jsonl")
    assert _run(str(files["jsonl"]), "-o", same, "--errors", same).exit_code == 2


def test_labels_are_validated_and_read_from_csv(tmp_path: Path) -> None:
    record = {"person": {"id": "p", "title_level": "junior"}, "year": 2025, "labels": {"County": "x"}}
    with pytest.raises(ce_policy.RecordError) as raised:
        ce_policy.evaluate(record)
    assert raised.value.problems[0].path == "$.labels.County[key]"
    source = tmp_path / "l.csv"
    source.write_text(
        "person_id,title_level,year,label_county,kind\np,junior,2025,库车市,\nq,junior,2025,,\n", encoding="utf-8"
    )
    got = [item.data for item in iter_records(source)]
    assert got[0] == {
        "person": {"id": "p", "title_level": "junior"},
        "year": 2025,
        "activities": [],
        "labels": {"county": "库车市"},
    }
    assert got[1] is not None
    assert "labels" not in got[1]
    with_labels = ce_policy.evaluate({**record, "labels": {"county": "a"}}, to_complete=False)
    assert with_labels == ce_policy.evaluate({**record, "labels": None}, to_complete=False)
