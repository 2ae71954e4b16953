"""Reading records from JSON Lines and CSV files, and writing JSON Lines."""

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from ce_policy import Activity, Person, Record
from ce_policy.model.record_files import CSV_COLUMNS, RecordFileError, iter_records, write_jsonl

RECORD = {
    "person": {"id": "p1", "title_level": "junior"},
    "year": 2025,
    "activities": [
        {
            "id": "a1",
            "kind": "public_course",
            "hours": 29.5,
            "on_platform": True,
            "passed": True,
            "completed_on": "2025-03-01",
        }
    ],
}


def test_jsonl_records_with_lines_and_exact_hours(tmp_path: Path) -> None:
    path = tmp_path / "people.jsonl"
    path.write_text(json.dumps(RECORD) + "\n\n" + json.dumps({**RECORD, "year": 2024}) + "\n", encoding="utf-8")
    items = list(iter_records(path))
    assert [(i.line, i.problems) for i in items] == [(1, ()), (3, ())]
    assert items[0].data is not None
    assert items[0].data["activities"][0]["hours"] == Decimal("29.5")
    assert isinstance(items[0].data["activities"][0]["hours"], Decimal)
    assert items[1].source == f"{path}:3"
    Record.model_validate(items[0].data)


def test_jsonl_bad_lines_are_yielded_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "people.ndjson"
    path.write_text(json.dumps(RECORD) + "\n{not json\n[1, 2]\n" + json.dumps(RECORD) + "\n", encoding="utf-8")
    items = list(iter_records(path))
    assert [i.line for i in items] == [1, 2, 3, 4]
    assert items[1].data is None
    assert items[1].problems[0].code == "invalid_json"
    assert items[1].source == f"{path}:2"
    assert items[2].problems[0].code == "wrong_type"
    assert items[3].data is not None


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_rows_grouped_by_person_and_year_in_file_order(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "person_id,title_level,region,year,activity_id,kind,hours,on_platform,passed,completed_on,organiser_level\n"
        "p1,junior,,2025,a1,public_course,30,true,true,2025-03-01,\n"
        "p1,junior,,2025,a2,advanced_seminar,12.5,TRUE,false,2025-04-01,region\n"
        "p2,senior,xj.aksu,2025,,,,,,,\n"
        "\n"
        "p1,junior,,2024,a1,training,60,true,true,2024-05-01,\n",
    )
    items = list(iter_records(path))
    assert [(i.line, i.problems) for i in items] == [(2, ()), (4, ()), (6, ())]
    first = items[0].data
    assert first is not None
    assert first["person"] == {"id": "p1", "title_level": "junior"}
    assert first["year"] == 2025
    assert first["activities"][1] == {
        "id": "a2",
        "kind": "advanced_seminar",
        "hours": Decimal("12.5"),
        "on_platform": True,
        "passed": False,
        "completed_on": "2025-04-01",
        "organiser_level": "region",
    }
    assert items[0].activity_lines == (2, 3)
    assert items[0].where("$.activities[1].hours") == f"{path}:3"
    assert items[1].data == {
        "person": {"id": "p2", "title_level": "senior", "region": "xj.aksu"},
        "year": 2025,
        "activities": [],
    }
    for item in items:
        Record.model_validate(item.data)


def test_csv_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffperson_id,title_level,year\np1,junior,2025\n".encode())
    (item,) = iter_records(path)
    assert item.data == {"person": {"id": "p1", "title_level": "junior"}, "year": 2025, "activities": []}


def test_csv_bad_rows_are_named_by_line(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "person_id,title_level,year,activity_id,kind,hours,on_platform,passed,completed_on\n"
        "p1,junior,2025,a1,public_course,30,true,true,2025-03-01\n"
        "p1,senior,2025,a2,training,30,true,true,2025-03-01\n"
        "p2,junior,2025,a1,public_course\n"
        "p3,junior,2025,a1,public_course,30,true,true,2025-03-01\n"
        "p1,junior,2025,a3,training,30,true,true,2025-03-01\n",
    )
    items = list(iter_records(path))
    bad = [(i.line, i.problems[0].code, i.problems[0].path) for i in items if i.problems]
    assert bad == [(3, "invalid_csv", "$.person.title_level"), (4, "invalid_csv", "$"), (6, "invalid_csv", "$")]
    assert "line 2" in items[-1].problems[0].message
    assert [i.data["person"]["id"] for i in items if i.data] == ["p3"]


def test_csv_values_the_model_refuses_keep_their_row(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "person_id,title_level,year,activity_id,kind,hours,on_platform,passed,completed_on\n"
        "p1,junior,2025,a1,public_course,30,true,true,2025-03-01\n"
        "p1,junior,2025,a2,public_course,many,yes,true,2025-03-01\n",
    )
    (item,) = iter_records(path)
    assert item.data is not None
    assert item.data["activities"][1]["hours"] == "many"
    assert item.data["activities"][1]["on_platform"] == "yes"
    assert item.where("$.activities[1].on_platform") == f"{path}:3"


def test_csv_header_problems_refuse_the_file(tmp_path: Path) -> None:
    path = _csv(tmp_path, "person_id,title_level,colour\np1,junior,blue\n")
    with pytest.raises(RecordFileError, match=r"people\.csv:1: unknown column\(s\) colour; missing column\(s\) year"):
        list(iter_records(path))


def test_unknown_suffix_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(RecordFileError, match="unknown format"):
        list(iter_records(tmp_path / "people.xlsx"))
    with pytest.raises(RecordFileError, match="cannot read"):
        list(iter_records(tmp_path / "missing.jsonl"))
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"x": "\xe9"}\n')
    with pytest.raises(RecordFileError, match="not UTF-8"):
        list(iter_records(latin))


def test_jsonl_written_and_read_back(tmp_path: Path) -> None:
    record = Record.model_validate(RECORD)
    stream = io.StringIO()
    assert write_jsonl([RECORD, record, {"hours": Decimal("31.99")}], stream) == 3
    lines = stream.getvalue().splitlines()
    assert json.loads(lines[0]) == RECORD
    assert '"hours":31.99' in lines[2]
    path = tmp_path / "out.jsonl"
    write_jsonl([RECORD, record], path)
    read = [Record.model_validate(i.data) for i in iter_records(path)]
    assert read == [record, record]


def test_csv_columns_cover_every_activity_field() -> None:
    columns = {c.removeprefix("activity_") for c in CSV_COLUMNS}
    assert columns >= set(Activity.model_fields) - {"attributes"}  # they come as activity_attr_<name> columns
    person = {f"person_{f}" if f in ("id", "degree_level") else f for f in Person.model_fields} - {"attributes"}
    assert person <= set(CSV_COLUMNS)  # attributes come as attr_<name> columns
