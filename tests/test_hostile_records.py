"""Hostile records (issue 16): nesting, duplicate keys, huge lists and lines, odd CSV, in every reader.

Each case is refused with a typed, located error — ``RecordError`` with JSON paths, a ``RecordInput`` with its
file and line, or ``RecordFileError`` — never a traceback and never a decision made from part of a record.
Lists over their limit are refused by their length alone, before any item is checked, and no error lists
more than `MAX_PROBLEMS` problems (and one that counts the rest). Sizes are bounded so that each test is quick;
the million-activity record runs in a process of its own, under a timeout, so that a regression fails rather
than hangs. Fixtures: ``tests/data/hostile_records/``.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import subprocess
import sys
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import ce_policy
from ce_policy.cli import main as cli_main
from ce_policy.cli.main import main
from ce_policy.model import record_files
from ce_policy.model.errors import MAX_PROBLEMS, RecordError, RecordProblem
from ce_policy.model.json_text import MAX_JSON_DEPTH, JsonTextError, parse_json
from ce_policy.model.record import MAX_ACTIVITIES, MAX_ATTRIBUTES, MAX_LABELS, MAX_PRIOR_YEARS
from ce_policy.model.record_files import MAX_CSV_LINE_CHARS, MAX_LINE_CHARS, RecordFileError, iter_records
from tests.records import activity, record

DATA = Path(__file__).parent / "data" / "hostile_records"
HEADER = "person_id,title_level,year,activity_id,kind,hours,on_platform,passed,completed_on\n"
ROW = "{person},intermediate,2025,{id},training,1,true,true,2025-06-01\n"
INVALID_ACTIVITY: dict[str, Any] = {"id": "a", "kind": "nope", "hours": -1}


def _deep(levels: int) -> list[Any]:
    root: list[Any] = []
    inner = root
    for _ in range(levels):
        inner.append([])
        inner = inner[0]
    return root


def _refused(data: Any, **options: Any) -> RecordError:
    with pytest.raises(RecordError) as info:
        ce_policy.evaluate(data, **options)
    return info.value


def _cli(*args: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def _jsonl_problems(path: Path) -> list[tuple[int, str, str]]:
    return [(item.line, p.code, p.path) for item in iter_records(path) for p in item.problems]


# --- the strict JSON reader ------------------------------------------------------------------------------


def test_a_key_twice_is_refused_at_its_path() -> None:
    with pytest.raises(JsonTextError) as info:
        parse_json('{"activities": [{"id": "a"}, {"hours": 1, "id": "b", "hours": 60}]}')
    assert (info.value.code, info.value.path) == ("duplicate_key", "$.activities[1].hours")


def test_nesting_up_to_the_limit_is_read_and_one_more_level_refused() -> None:
    assert parse_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    for text in ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), '{"a":' + "[" * 100_000 + "]" * 100_000):
        with pytest.raises(JsonTextError) as info:
            parse_json(text)
        assert info.value.code == "json_too_deep"


def test_brackets_inside_strings_are_not_nesting() -> None:
    assert parse_json(json.dumps({"id": "[" * 1000 + "{" * 1000})) == {"id": "[" * 1000 + "{" * 1000}


def test_an_integer_too_long_to_convert_is_invalid_json() -> None:
    with pytest.raises(JsonTextError) as info:
        parse_json('{"year": ' + "9" * 5_000 + "}")
    assert info.value.code == "invalid_json"
    assert "digits" in info.value.message


def test_a_syntax_error_names_its_column_and_for_several_lines_its_line() -> None:
    with pytest.raises(JsonTextError) as one:
        parse_json("{bad\n")
    assert one.value.message.startswith("not valid JSON (column 2): ")
    assert (one.value.line, one.value.column) == (1, 2)
    with pytest.raises(JsonTextError) as several:
        parse_json('{\n"a":\n bad}')
    assert "(line 3, column 2)" in several.value.message


@pytest.mark.parametrize("key", ["\u001b]0;x\u0007", "k" * 1_000_000])
def test_a_duplicate_key_is_shown_escaped_and_short(key: str) -> None:
    with pytest.raises(JsonTextError) as info:
        parse_json(json.dumps({"person": {}})[:-1] + f", {json.dumps(key)}: 1, {json.dumps(key)}: 2}}")
    assert info.value.code == "duplicate_key"
    assert "\u001b" not in str(info.value)
    assert len(str(info.value)) < 300


def test_numbers_with_a_fraction_are_decimals() -> None:
    assert parse_json('{"hours": 0.1}') == {"hours": Decimal("0.1")}


# --- evaluate, title-review and explain on the command line ----------------------------------------------


@pytest.mark.parametrize(
    ("command", "fixture"),
    [
        (["evaluate"], "nested_990.json"),
        (["explain"], "nested_990.json"),
        (["title-review", "--review-year", "2026", "--applied-on", "2026-03-01"], "history_nested_990.json"),
    ],
)
def test_nesting_a_thousand_deep_is_refused_without_a_traceback(command: list[str], fixture: str) -> None:
    result = _cli(*command, str(DATA / fixture))
    assert result.exit_code == 1
    assert "json_too_deep" in result.output


def test_a_key_twice_is_refused_by_evaluate_at_its_path() -> None:
    result = _cli("evaluate", str(DATA / "duplicate_hours.json"))
    assert result.exit_code == 1
    assert "$.activities[0].hours" in result.output
    assert "duplicate_key" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["evaluate", str(DATA / "bom.json")],
        ["explain", str(DATA / "bom.json")],
        ["title-review", str(DATA / "history_bom.json"), "--review-year", "2025", "--applied-on", "2025-12-31"],
    ],
)
def test_a_byte_order_mark_is_accepted(command: list[str]) -> None:
    result = _cli(*command, "--lang", "en")
    assert result.exit_code == 0, result.output


def test_a_byte_order_mark_on_standard_input_is_accepted() -> None:
    text = (DATA / "bom.json").read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    assert _cli("evaluate", "-", "--format", "json", stdin=text).exit_code == 0


def test_an_empty_file_is_said_to_be_empty() -> None:
    result = _cli("evaluate", str(DATA / "empty.json"), "--lang", "en")
    assert result.exit_code == 1
    assert "empty.json is empty" in result.output
    assert "Expecting value" not in result.output
    assert "standard input is empty" in _cli("evaluate", "-", "--lang", "en", stdin="  \n").output
    assert "  $：标准输入为空：应为 JSON 对象 [invalid_json]" in _cli("evaluate", "-", stdin="  \n").output


def test_input_over_its_size_limit_is_refused_before_it_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_main, "MAX_INPUT_CHARS", 100)
    result = _cli("evaluate", str(DATA / "bom.json"))
    assert result.exit_code == 1
    assert "too_large" in result.output


def test_terminal_escapes_in_a_person_id_do_not_reach_the_terminal() -> None:
    """Depends on ``text/render.py`` escaping ids (``ce_policy.text.terminal.printable``), issue 16's other part."""
    result = _cli("evaluate", str(DATA / "escape_in_person_id.json"), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "\u001b" not in result.stdout
    assert "\u0007" not in result.stdout


def test_a_terminal_escape_in_an_unknown_key_is_escaped_in_the_error() -> None:
    error = _refused({**record(), "\u001b]0;x\u0007": 1})
    assert error.problems[0].path == '$["\\u001b]0;x\\u0007"]'
    assert "\u001b" not in str(error)


# --- JSON Lines files: iter_records, batch, diff ---------------------------------------------------------


def test_iter_records_refuses_nesting_and_duplicate_keys_line_by_line() -> None:
    path = DATA / "mixed.jsonl"
    assert _jsonl_problems(path) == [
        (2, "json_too_deep", "$"),
        (3, "duplicate_key", "$.activities[0].hours"),
        (5, "json_too_deep", "$"),
    ]
    assert [item.line for item in iter_records(path) if item.data is not None] == [1, 4, 6]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_batch_keeps_going_and_names_each_bad_line(tmp_path: Path, workers: str) -> None:
    out = tmp_path / "decisions.jsonl"
    result = _cli("batch", str(DATA / "mixed.jsonl"), "-o", str(out), "--workers", workers, "--lang", "en")
    assert result.exit_code == 1, result.output
    assert "read 6 = decided 3 + errors 3" in result.output
    errors = [json.loads(line) for line in out.with_name("decisions.errors.jsonl").read_text("utf-8").splitlines()]
    assert [(e["source"]["line"], e["problems"][0]["code"], e["problems"][0]["path"]) for e in errors] == [
        (2, "json_too_deep", "$"),
        (3, "duplicate_key", "$.activities[0].hours"),
        (5, "json_too_deep", "$"),
    ]
    assert len(out.read_text("utf-8").splitlines()) == 3


def test_diff_counts_bad_lines_as_invalid_records() -> None:
    result = _cli("diff", "shipped", "shipped", "--records", str(DATA / "mixed.jsonl"), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["records"] == 6
    assert sorted(p["code"] for i in report["invalid"] for p in i["problems"]) == [
        "duplicate_key",
        "json_too_deep",
        "json_too_deep",
    ]


def test_a_line_too_long_is_refused_without_being_held(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    good = json.dumps(record(activity("a", "training", 1)))
    with path.open("w", encoding="utf-8") as stream:
        stream.write(good + "\n" + '{"x": "')
        for _ in range(10):
            stream.write("y" * MAX_LINE_CHARS)
        stream.write('"}\n' + good + "\n")
    tracemalloc.start()
    try:
        items = list(iter_records(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(i.line, [p.code for p in i.problems]) for i in items] == [(1, []), (2, ["line_too_long"]), (3, [])]
    assert peak < 3 * MAX_LINE_CHARS  # the line is ten times the limit


def test_line_limits_count_lines_as_the_file_has_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record_files, "MAX_LINE_CHARS", 16)
    path = tmp_path / "crlf.jsonl"
    # 15 characters and "\r\n" (the limit cuts between them), a line too long, a blank one, one at the limit
    # (16 characters, with no room for its line end) and a last one without a line end.
    path.write_bytes(b'{"a":"1234567"}\r\n{"a":"12345678901234567890"}\r\n\r\n[1,2,3,4,5,6,7,8]\r\n{}')
    found = [(i.line, i.data, [p.code for p in i.problems]) for i in iter_records(path)]
    assert found == [
        (1, {"a": "1234567"}, []),
        (2, None, ["line_too_long"]),
        (4, None, ["line_too_long"]),
        (5, {}, []),
    ]


def test_a_hundred_thousand_invalid_activities_make_a_short_error_row_in_batch(tmp_path: Path) -> None:
    source = tmp_path / "big.jsonl"
    huge = {**record(), "activities": [{"id": f"a{i}", "kind": "x"} for i in range(100_000)]}
    source.write_text(json.dumps(huge, separators=(",", ":")) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = _cli("batch", str(source), "-o", str(out), "--workers", "1", "--lang", "en")
    assert result.exit_code == 1, result.output
    (row,) = out.with_name("out.errors.jsonl").read_text("utf-8").splitlines()
    assert len(row) < 1_000
    assert [p["code"] for p in json.loads(row)["problems"]] == ["too_many_items"]


# --- CSV -------------------------------------------------------------------------------------------------


def test_a_year_in_superscript_digits_is_a_wrong_type_not_a_crash() -> None:
    first, second = iter_records(DATA / "superscript_year.csv")
    assert first.data is not None
    assert first.data["year"] == "²"
    assert _refused(first.data).codes == ["wrong_type"]
    assert second.data is not None
    assert second.data["year"] == 2025


def test_a_year_of_five_thousand_digits_is_text_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "year.csv"
    path.write_text(HEADER + ROW.format(person="p1", id="a").replace("2025", "9" * 5_000, 1), encoding="utf-8")
    (item,) = iter_records(path)
    assert item.data is not None
    assert _refused(item.data).codes == ["wrong_type"]


def test_a_cell_of_200_000_characters_refuses_its_line_and_the_records_around_it(tmp_path: Path) -> None:
    path = tmp_path / "big-cell.csv"
    path.write_text(
        HEADER
        + ROW.format(person="p1", id="a")
        + ROW.format(person="p2", id="x" * 200_000)
        + ROW.format(person="p3", id="a")
        + "\n"
        + ROW.format(person="p4", id="a"),
        encoding="utf-8",
    )
    items = list(iter_records(path))
    assert [(i.line, [p.code for p in i.problems]) for i in items] == [
        (2, ["invalid_csv"]),  # p1: line 3 may be one of its rows
        (3, ["line_too_long"]),
        (4, ["invalid_csv"]),  # p3: line 3 may be its first row
        (6, []),
    ]
    assert "line 3" in items[0].problems[0].message
    assert "p1" in items[0].problems[0].message


def test_a_quoted_cell_over_the_csv_cell_limit_is_a_row_problem(tmp_path: Path) -> None:
    lines = "\n".join(["y" * (MAX_CSV_LINE_CHARS // 2)] * 6)  # each line short, the cell longer than 131,072
    path = tmp_path / "quoted.csv"
    path.write_text(HEADER + f'p1,intermediate,2025,"{lines}",training,1,true,true,2025-06-01\n', encoding="utf-8")
    items = list(iter_records(path))
    assert items
    assert all(item.data is None for item in items)
    assert any("field larger than field limit" in p.message for item in items for p in item.problems)


def test_a_short_row_refuses_its_whole_record(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    rows = ROW.format(person="p1", id="a") + "p1,intermediate,2025,b,training\n" + ROW.format(person="p1", id="c")
    path.write_text(HEADER + rows + ROW.format(person="p2", id="a"), encoding="utf-8")
    items = list(iter_records(path))
    assert [(i.line, i.data is None) for i in items] == [(3, True), (5, False)]


def test_more_rows_than_activities_allowed_are_counted_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    rows = "".join(ROW.format(person="p1", id=f"a{i}") for i in range(MAX_ACTIVITIES + 500))
    path.write_text(HEADER + rows + ROW.format(person="p2", id="a"), encoding="utf-8")
    first, second = iter_records(path)
    assert (first.line, first.data) == (2, None)
    assert [(p.path, p.code) for p in first.problems] == [("$.activities", "too_many_items")]
    assert f"not {MAX_ACTIVITIES + 500}" in first.problems[0].message
    assert second.data is not None


def test_a_header_of_thousands_of_unknown_columns_gives_a_short_message(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("person_id,year," + ",".join(f"c{i}" for i in range(5_000)) + "\n", encoding="utf-8")
    with pytest.raises(RecordFileError) as info:
        list(iter_records(path))
    assert info.value.line == 1
    assert "and 4,990 more" in str(info.value)
    assert len(str(info.value)) < 2_000


def test_a_header_line_too_long_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "long-header.csv"
    path.write_text("person_id,year,label_" + "x" * MAX_CSV_LINE_CHARS + "\n", encoding="utf-8")
    with pytest.raises(RecordFileError, match=r"long-header\.csv:1: the header is longer than"):
        list(iter_records(path))


# --- evaluate() from Python: lists refused by their length, problems capped -----------------------------


def test_a_hundred_thousand_invalid_activities_are_refused_by_the_length_check() -> None:
    error = _refused(record(*[{**INVALID_ACTIVITY, "id": f"a{i}"} for i in range(100_000)]))
    assert [(p.path, p.code) for p in error.problems] == [("$.activities", "too_many_items")]
    assert "none of them was checked" in error.problems[0].message
    assert len(str(error)) < 300


def test_a_million_activities_sharing_one_id_are_refused_quickly_in_little_memory() -> None:
    """In a process of its own, under a timeout: before the fix this took 33 s and 1.2 GB, or past 300 s.

    The peak is the child's own (``VmHWM``): ``ru_maxrss`` of a child keeps the size of the parent it was forked
    from (Linux carries it across ``execve``), so under a grown pytest process it read 456 MB for 43.
    """
    code = (
        "import json, re, ce_policy\n"
        "def peak_mb():\n"
        "    status = open('/proc/self/status').read()\n"
        "    return int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) // 1024\n"
        "data = {'person': {'id': 'p1', 'title_level': 'junior'}, 'year': 2025,"
        " 'activities': [{'id': 'a', 'kind': 'nope', 'hours': -1}] * 1_000_000}\n"
        "try:\n"
        "    ce_policy.evaluate(data)\n"
        "except ce_policy.RecordError as error:\n"
        "    print(json.dumps({'codes': error.codes, 'size': len(str(error)),"
        " 'rss_mb': peak_mb()}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(done.stdout)
    assert found["codes"] == ["too_many_items"]
    assert found["size"] < 300
    assert found["rss_mb"] < 400


@pytest.mark.parametrize(
    ("where", "path"),
    [("labels", "$.labels"), ("person", "$.person.attributes"), ("activity", "$.activities[0].attributes")],
)
def test_a_hundred_thousand_labels_or_attributes_are_refused_by_the_length_check(where: str, path: str) -> None:
    many = {f"Key {i}": "" for i in range(100_000)}  # each name and value invalid too
    data = record(activity("a", "training", 1))
    if where == "labels":
        data["labels"] = many
    elif where == "person":
        data["person"]["attributes"] = many
    else:
        data["activities"][0]["attributes"] = many
    error = _refused(data)
    assert [(p.path, p.code) for p in error.problems] == [(path, "too_many_items")]
    assert max(MAX_LABELS, MAX_ATTRIBUTES) < 100_000


@pytest.mark.parametrize("field", ["records", "certificates", "flags"])
def test_a_history_of_a_hundred_thousand_items_is_refused_by_the_length_check(field: str) -> None:
    item: Any = {"records": {"year": "x"}, "certificates": {"year": 2025}, "flags": {"kind": "x"}}[field]
    history = {"person": {"id": "p1", "title_level": "intermediate"}, field: [item] * 100_000}
    with pytest.raises(RecordError) as info:
        ce_policy.evaluate_title_review(history, review_year=2026, applied_on=dt.date(2026, 3, 1))
    assert [(p.path, p.code) for p in info.value.problems] == [(f"$.{field}", "too_many_items")]


def test_a_hundred_thousand_prior_years_are_refused_by_the_length_check() -> None:
    error = _refused(record(), prior=[record(year=2024)] * 100_000)
    assert [(p.path, p.code) for p in error.problems] == [("$prior", "too_many_items")]
    assert MAX_PRIOR_YEARS < 100_000


def test_problems_past_the_cap_are_counted_not_listed() -> None:
    error = _refused(record(*[{**INVALID_ACTIVITY, "id": f"a{i}"} for i in range(MAX_ACTIVITIES)]))
    assert len(error.problems) == MAX_PROBLEMS + 1
    assert error.problems[-1].code == "too_many_problems"
    assert error.omitted == 5 * MAX_ACTIVITIES - MAX_PROBLEMS  # kind, hours and three missing fields each
    assert f"{error.omitted:,} more" in error.problems[-1].message
    assert len(str(error)) < 20_000
    again = RecordError(error.problems)
    assert (again.omitted, again.problems) == (error.omitted, error.problems)


@pytest.mark.parametrize("where", ["record", "person", "activity"])
def test_an_object_of_a_hundred_thousand_unknown_keys_lists_a_few_and_counts_the_rest(where: str) -> None:
    data = record(activity("a", "training", 1))
    target = {"record": data, "person": data["person"], "activity": data["activities"][0]}[where]
    target.update({f"x{i}": 1 for i in range(100_000)})
    error = _refused(data)
    assert len(error.problems) <= MAX_PROBLEMS + 1
    assert error.problems[-1].code == "too_many_problems"
    assert error.omitted + len(error.problems) - 1 == 100_000
    assert len(str(error)) < 20_000


def test_a_record_error_crosses_a_process_boundary_whole() -> None:
    error = _refused(record(*[{**INVALID_ACTIVITY, "id": f"a{i}"} for i in range(MAX_ACTIVITIES)]))
    again = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object, as a process pool sends it
    assert (again.problems, again.omitted, str(again)) == (error.problems, error.omitted, str(error))


def test_a_long_path_or_message_is_cut() -> None:
    error = RecordError([RecordProblem("$." + "k" * 10_000, "invalid_value", "m" * 10_000)])
    assert len(str(error)) < 1_000


@pytest.mark.parametrize("field", ["completed_on", "granted_on"])
def test_nesting_a_hundred_thousand_deep_in_a_date_is_an_invalid_date(field: str) -> None:
    data = record(activity("a", "patent", 1, patent_type="invention"))
    data["activities"][0][field] = _deep(100_000)
    assert _refused(data).codes == ["invalid_date"]


def test_nesting_a_hundred_thousand_deep_in_a_history_flag_is_an_invalid_date() -> None:
    flag = {"kind": "false_ce_material", "on": _deep(100_000)}
    history = {"person": {"id": "p1", "title_level": "junior"}, "flags": [flag]}
    with pytest.raises(RecordError) as info:
        ce_policy.evaluate_title_review(history, review_year=2026, applied_on=dt.date(2026, 3, 1))
    assert info.value.codes == ["invalid_date"]


@pytest.mark.parametrize("where", ["labels", "attributes"])
def test_nesting_a_hundred_thousand_deep_in_a_mapping_is_refused(where: str) -> None:
    data = record(activity("a", "training", 1))
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(100_000):
        inner["a"] = {}
        inner = inner["a"]
    if where == "labels":
        data["labels"] = deep
    else:
        data["activities"][0]["attributes"] = deep
    assert "wrong_type" in _refused(data).codes


def test_megabyte_values_are_not_echoed() -> None:
    long_text = "𝔘" * 1_000_000
    cases = [
        record(activity("a", "training", 1, completed_on=long_text)),
        record(activity(long_text, "training", 1), activity(long_text, "training", 1)),
        record(activity("a", "training", 1, attributes={long_text: "v"})),
    ]
    for data in cases:
        assert len(str(_refused(data))) < 2_000


def test_a_record_too_deep_to_send_to_a_worker_is_refused_and_the_batch_goes_on() -> None:
    """A dict nested 5,000 levels cannot be pickled for a worker: its chunk is decided in the calling process."""
    deep: dict[str, Any] = {}
    level = deep
    for _ in range(5_000):
        level["x"] = {}
        level = level["x"]
    good = {"person": {"id": "p", "title_level": "junior"}, "year": 2025, "activities": []}
    bad = {"person": {"id": "q", "title_level": "junior", "attributes": deep}, "year": 2025, "activities": []}
    results = list(ce_policy.evaluate_many([good, bad, good], workers=2, chunk_size=1))
    assert [(r.index, r.ok) for r in results] == [(0, True), (1, False), (2, True)]
    assert results[1].error is not None and results[1].error.kind == "record"
