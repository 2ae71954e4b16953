"""Every command speaks ``--lang`` in every line it prints (issue 17 item 2): decisions, explanations, policies,
errors and usage errors, with one glossary; ``--format json`` the same in every language.

The detector is `tests.test_cli_lang._english`: a run of three or more English words outside quoted names,
codes in brackets and paths.
"""

from __future__ import annotations

import ast
import errno
import json
import os
import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from ce_policy.cli.main import main
from ce_policy.cli.options import LANG_HELP
from ce_policy.cli.usage import lang_of
from ce_policy.decide.evaluate import evaluate
from ce_policy.model.errors import PolicyNotFoundError, RecordError
from ce_policy.text.batch_words import BATCH_WORDS
from ce_policy.text.error_text import error_text
from ce_policy.text.error_words import ERROR_WORDS, RECORD_WORDS
from ce_policy.text.glossary import in_language, sector_term
from ce_policy.text.problem_text import form_of
from tests.test_cli_lang import _english

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "ce_policy"
EXAMPLES = ROOT / "examples" / "policies"
AKSU = ROOT / "policies" / "xj" / "aksu-2025-12" / "examples"
ALXA_2022 = EXAMPLES / "nm-alxa-2025" / "examples" / "make-up-2022.json"
FIELD = re.compile(r"\{([a-z_]+)\}")
CJK = re.compile(r"[\u4e00-\u9fff]")

RECORDS = [
    [str(AKSU / "complete.json")],
    [str(AKSU / "incomplete.json")],
    [str(ALXA_2022), "--policies", str(EXAMPLES)],
    [str(EXAMPLES / "nm-alxa-2025" / "examples" / "2025.json"), "--policies", str(EXAMPLES)],
    [str(EXAMPLES / "hn-zhuzhou-2025" / "examples" / "2025.json"), "--policies", str(EXAMPLES)],
]
HISTORIES = [
    [str(AKSU / "histories" / "p-0003.json"), "--review-year", "2025", "--applied-on", "2025-06-30"],
    [
        str(EXAMPLES / "hn-zhuzhou-2025" / "examples" / "history-master.json"),
        *("--review-year", "2025", "--applied-on", "2025-06-30", "--policies", str(EXAMPLES)),
    ],
]


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _sector_record(tmp_path: Path, sector: str) -> str:
    record = json.loads((AKSU / "incomplete.json").read_text(encoding="utf-8"))
    record["person"]["sector"] = sector
    path = tmp_path / f"{sector}.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("command", ["evaluate", "explain"])
@pytest.mark.parametrize("args", RECORDS, ids=lambda a: Path(a[0]).stem)
def test_decisions_in_zh_have_no_english(command: str, args: list[str]) -> None:
    result = _run(command, *args)
    assert result.exit_code == 0, result.output
    assert CJK.search(result.output)
    assert _english(result.output) == [], result.output


@pytest.mark.parametrize("args", HISTORIES, ids=lambda a: Path(a[0]).stem)
def test_title_reviews_in_zh_have_no_english(args: list[str]) -> None:
    result = _run("title-review", *args)
    assert result.exit_code == 0, result.output
    assert _english(result.output) == [], result.output


@pytest.mark.parametrize("sector", ["education", "health", "accounting"])
def test_a_sector_is_named_by_the_glossary(sector: str, tmp_path: Path) -> None:
    record = _sector_record(tmp_path, sector)
    zh, en = sector_term(sector, "zh"), sector_term(sector, "en")
    assert zh != sector
    shown = _run("evaluate", record)
    assert f"行业规则: {zh}\n" in shown.output
    assert _english(shown.output) == [], shown.output
    explained = _run("explain", record)
    assert f"行业: {zh}\n" in explained.output
    assert _english(explained.output) == [], explained.output
    assert f"Sector rules: {en}\n" in _run("evaluate", record, "--lang", "en").output


def test_a_provisional_calendar_entry_and_descriptions_are_in_the_language_asked() -> None:
    args = [str(ALXA_2022), "--policies", str(EXAMPLES)]
    zh = _run("evaluate", *args).output
    assert "  - nm.alxa.2025.calendar.2: 日历条目 2022、2023 年度：补学期 (nm.alxa.2025:s1.make_up)" in zh
    assert "  - make_up_public_min_hours: 补学年度公需科目最低学时（解读）\n" in zh
    en = _run("evaluate", *args, "--lang", "en").output
    assert "  - nm.alxa.2025.calendar.2: calendar 2022, 2023: make_up (nm.alxa.2025:s1.make_up)" in en
    assert "make_up_public_min_hours: minimum public-subject hours of a year made up (a reading)\n" in en
    explained = _run("explain", *args, "--lang", "en").output
    assert "补学年度" not in explained
    assert "(the copy seen breaks off here)" in explained  # a clause's note in both languages: the en half
    assert "所见转载文本至此中断 /" not in _run("explain", *args).output


def test_in_language_takes_the_half_asked_and_leaves_one_language_alone() -> None:
    both = "学历（学位）教育每年认定学时 / hours a year for degree study"
    assert (in_language(both, "zh"), in_language(both, "en")) == (
        "学历（学位）教育每年认定学时",
        "hours a year for degree study",
    )
    assert in_language("a / b", "zh") == "a / b"
    assert in_language("第一 / 第二", "en") == "第一 / 第二"


def test_policies_speaks_the_language_asked_and_json_is_the_same() -> None:
    zh = _run("policies")
    assert "    地区：xj.aksu  年度：2025  行业：教育 (education)\n" in zh.output
    assert _english(zh.output) == [], zh.output
    en = _run("policies", "--lang", "en")
    assert "    regions: xj.aksu  years: 2025  sector: education\n" in en.output
    assert _run("policies", "--format", "json").output == _run("policies", "--format", "json", "--lang", "en").output


@pytest.mark.parametrize("command", ["evaluate", "explain"])
def test_json_is_the_same_in_every_language(command: str) -> None:
    args = [command, str(ALXA_2022), "--policies", str(EXAMPLES), "--format", "json"]
    assert _run(*args).output == _run(*args, "--lang", "en").output


BAD_RECORDS: dict[str, Any] = {
    "many": {
        "person": {"id": "", "region": "xj.aksu", "extra": 1},
        "year": 1800,
        "activities": [
            {"id": "a", "kind": "nope", "hours": -1, "completed_on": "2025-13-01"},
            {"id": "b", "kind": "training", "hours": "x", "on_platform": 1, "passed": True, "completed_on": 5},
            {"id": "b", "kind": "degree_study", "hours": 1.234, "on_platform": True, "passed": True},
        ],
    },
    "types": {"person": [], "year": "x", "activities": {}},
    "array": [1, 2],
    "attribute": {
        "person": {"id": "p", "title_level": "senior", "region": "xj.aksu", "attributes": {"x": "1"}},
        "year": 2025,
        "activities": [],
    },
}
BAD_TEXTS = {"empty": "", "not_json": '{"person": ', "twice": '{"a": 1, "a": 2}'}


def _bad_inputs(tmp_path: Path) -> dict[str, list[str]]:
    cases: dict[str, list[str]] = {}
    for name, data in BAD_RECORDS.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
        cases[name] = ["evaluate", str(tmp_path / f"{name}.json")]
    for name, text in BAD_TEXTS.items():
        (tmp_path / f"{name}.json").write_text(text, encoding="utf-8")
        cases[name] = ["explain", str(tmp_path / f"{name}.json")]
    nowhere = json.loads((AKSU / "complete.json").read_text(encoding="utf-8"))
    nowhere["person"]["region"] = "zz.nowhere"
    (tmp_path / "nowhere.json").write_text(json.dumps(nowhere), encoding="utf-8")
    cases["no_region"] = ["evaluate", str(tmp_path / "nowhere.json")]
    cases["missing_file"] = ["evaluate", str(tmp_path / "absent.json")]
    cases["no_policy"] = ["evaluate", str(AKSU / "complete.json"), "--policy", "no.such"]
    cases["base_layer"] = ["evaluate", str(AKSU / "complete.json"), "--policy", "cn.mohrss-25"]
    cases["not_in_force"] = ["evaluate", str(ALXA_2022), "--policies", str(EXAMPLES), "--as-of", "2024-12-31"]
    cases["history"] = [
        "title-review",
        str(tmp_path / "types.json"),
        "--review-year",
        "2025",
        "--applied-on",
        "2025-1-1",
    ]
    return cases


USAGE = {
    "missing_argument": ["evaluate"],
    "missing_option": ["title-review", str(AKSU / "complete.json")],
    "bad_choice": ["evaluate", "--format", "xml", "x.json"],
    "bad_date": ["explain", str(AKSU / "complete.json"), "--as-of", "2025-02-30"],
    "bad_integer": ["title-review", "x.json", "--review-year", "next", "--applied-on", "2025-01-01"],
    "no_such_option": ["evaluate", "--langs", "en", "x.json"],
    "no_such_command": ["evalute", "x.json"],
    "no_path": ["policies", "--policies", "no/such/folder"],
    "extra": ["policies", "more"],
    "schema_policy": ["schema", "decision", "--policy", "xj.aksu.2025"],
}


def test_bad_inputs_are_told_in_chinese(tmp_path: Path) -> None:
    for name, args in _bad_inputs(tmp_path).items():
        result = _run(*args)
        assert result.exit_code in (1, 2), (name, result.output)
        assert result.stderr.startswith("错误："), (name, result.stderr)
        assert _english(result.stderr) == [], (name, result.stderr)
        english = _run(*args, "--lang", "en")
        assert english.stderr.startswith("error: "), (name, english.stderr)
        assert english.exit_code == result.exit_code


@pytest.mark.parametrize("name", sorted(USAGE))
def test_usage_errors_are_told_in_chinese_by_default(name: str) -> None:
    result = _run(*USAGE[name])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("用法：main"), result.stderr
    assert "\n错误：" in result.stderr
    assert _english(result.stderr) == [], result.stderr
    english = _run(*USAGE[name], "--lang", "en")
    assert english.exit_code == 2
    assert english.stderr.startswith("Usage: main"), english.stderr


def test_the_not_in_force_error_names_its_values_in_both_languages() -> None:
    args = ["evaluate", str(ALXA_2022), "--policies", str(EXAMPLES), "--as-of", "2024-12-31"]
    assert (
        _run(*args).stderr
        == "错误：政策 'nm.alxa.2025' 自 2025-01-01 起施行；截至 2024-12-31，它不认定 2022 年度的记录\n"
    )
    assert _run(*args, "--lang", "en").stderr == (
        "error: policy 'nm.alxa.2025' is in force from 2025-01-01; it does not decide a record of 2022 as of "
        "2024-12-31\n"
    )  # the Python API's message, unchanged


def test_an_error_without_details_is_told_by_its_class() -> None:
    assert error_text(PolicyNotFoundError("somewhere, something"), "zh") == ERROR_WORDS["policy_not_found"][0]
    assert error_text(PolicyNotFoundError("x", code="no_layer"), "zh") == ERROR_WORDS["policy_not_found"][0]
    assert (
        error_text(PolicyNotFoundError("x", code="no_layer", details={"id": "a.b"}), "zh")
        == "没有 id 为 'a.b' 的政策层"
    )
    assert error_text(PolicyNotFoundError("x", code="no_layer"), "en") == "x"


def test_every_code_a_raise_site_gives_has_a_chinese_wording() -> None:
    given: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"PolicyNotFoundError", "EngineError"}:
                given |= {
                    str(k.value.value) for k in node.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)
                }
    assert len(given) >= 6  # the collection works
    assert sorted(given - ERROR_WORDS.keys()) == []


@pytest.mark.parametrize(("code", "words"), sorted(RECORD_WORDS.items()))
def test_each_record_wording_says_in_chinese_what_the_english_says(code: str, words: object) -> None:
    from ce_policy.text.wording import Words  # noqa: PLC0415

    assert isinstance(words, Words)
    assert CJK.search(words.zh), code
    for en, zh in words.forms:
        assert CJK.search(zh), (code, zh)
        assert set(FIELD.findall(zh)) <= set(FIELD.findall(en)), (code, zh)


def test_the_common_record_problems_match_a_form_of_their_code() -> None:
    seen: set[str] = set()
    for data in BAD_RECORDS.values():
        with pytest.raises(RecordError) as caught:
            evaluate(data)
        for problem in caught.value.problems:
            assert form_of(RECORD_WORDS[problem.code], problem.message) is not None, problem
            seen.add(problem.code)
    common = {"missing_field", "wrong_type", "out_of_range", "unknown_field", "invalid_date", "invalid_choice"}
    assert common <= seen


def _commands() -> list[str]:
    ctx = click.Context(main)
    return [name for name in main.list_commands(ctx) if name not in {"diff", "serve"}]


@pytest.mark.parametrize("name", _commands())
def test_every_command_takes_the_shared_lang(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None
    lang = next(p for p in command.params if p.name == "lang")
    assert isinstance(lang, click.Option)
    assert (lang.default, lang.help) == ("zh", LANG_HELP)


def test_the_language_of_a_command_line() -> None:
    assert lang_of(["evaluate", "--lang", "en", "x"]) == "en"
    assert lang_of(["evaluate", "--lang=en"]) == "en"
    assert lang_of(["evaluate", "x", "--", "--lang", "en"]) == "zh"
    assert lang_of(["evaluate", "--lang", "zh"]) == "zh"


def test_one_word_for_a_test_case() -> None:
    for path in (SRC / "text").glob("*.py"):
        assert "案例" not in path.read_text(encoding="utf-8"), path


def test_batch_and_replay_in_zh_have_no_english(tmp_path: Path) -> None:
    from ce_policy.audit.log import DecisionLog  # noqa: PLC0415 - this test alone writes a log

    lines = [
        json.dumps(json.loads((AKSU / f"{name}.json").read_text(encoding="utf-8")))
        for name in ("complete", "incomplete")
    ]
    records = tmp_path / "people.jsonl"
    records.write_text("\n".join([*lines, '{"bad": 1}']) + "\n", encoding="utf-8")
    batch = _run("batch", str(records), "-o", str(tmp_path / "out.jsonl"), "--no-progress")
    assert "一般（不分行业）" in batch.output
    assert "记录无效 1" in batch.output
    assert _english(batch.output) == [], batch.output
    log = DecisionLog(tmp_path / "decisions.jsonl")
    for line in lines:
        evaluate(json.loads(line), log=log)
    log.close()
    replayed = _run("replay", str(tmp_path / "decisions.jsonl"))
    assert replayed.exit_code == 0, replayed.output
    assert _english(replayed.output) == [], replayed.output
    refused = _run("replay", str(records))
    assert refused.stderr.startswith("错误："), refused.stderr
    assert _english(refused.stderr) == [], refused.stderr


def test_no_command_at_all_shows_the_help_as_click_does() -> None:
    result = _run()
    assert result.exit_code == 2
    assert result.output.startswith("Usage: main [OPTIONS] COMMAND [ARGS]...")
    assert "错误" not in result.output


def _batch_and_diff_errors(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    """Each error ``batch`` and ``diff`` stop on: the command line, and its English message as it always was."""
    people, empty, blocker = tmp_path / "people.jsonl", tmp_path / "empty.jsonl", tmp_path / "a-file"
    people.write_text(json.dumps(json.loads((AKSU / "complete.json").read_text(encoding="utf-8"))) + "\n", "utf-8")
    empty.write_text("", encoding="utf-8")
    blocker.write_text("", encoding="utf-8")
    out, not_a_folder = tmp_path / "out.jsonl", os.strerror(errno.ENOTDIR)
    one = "error: give exactly one of --records FILE and --generate N\n"
    return {
        "output_is_input": (
            ["batch", str(people), "-o", str(people)],
            f"error: the decisions file {people} is the input {people}: it would be overwritten\n",
        ),
        "empty_input": (
            ["batch", str(empty), "-o", str(out)],
            f"error: {empty}: holds no record, so there is nothing to decide\n",
        ),
        "resume_without_state": (
            ["batch", str(people), "-o", str(out), "--resume"],
            f"error: nothing to resume: there is no progress file {out}.progress.json (the run finished, or never "
            "started)\n",
        ),
        "unwritable_output": (
            ["batch", str(people), "-o", str(blocker / "out.jsonl")],
            f"error: cannot write {blocker / 'out.jsonl'}: {not_a_folder}\n",
        ),
        "diff_both": (["diff", "shipped", "shipped", "--records", str(people), "--generate", "3"], one),
        "diff_neither": (["diff", "shipped", "shipped"], one),
        "diff_unwritable": (
            ["diff", "shipped", "shipped", "--generate", "3", "-o", str(blocker / "report.txt")],
            f"error: cannot write {blocker / 'report.txt'}: {not_a_folder}\n",
        ),
    }


def test_batch_and_diff_errors_are_told_in_chinese_and_in_english_as_before(tmp_path: Path) -> None:
    cases = _batch_and_diff_errors(tmp_path)
    for name, (args, english) in cases.items():
        result = _run(*args)
        assert result.exit_code == 2, (name, result.output)
        assert result.stderr.startswith("错误："), (name, result.stderr)
        assert CJK.search(result.stderr[3:]), (name, result.stderr)
        assert _english(result.stderr) == [], (name, result.stderr)
        said = _run(*args, "--lang", "en")
        assert (said.exit_code, said.stderr) == (2, english), name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "empty.jsonl", "people.jsonl"]
    people, blocker = tmp_path / "people.jsonl", tmp_path / "a-file"
    assert _run(*cases["output_is_input"][0]).stderr == f"错误：决定文件 {people} 就是输入文件 {people}：会被覆盖\n"
    assert _run(*cases["unwritable_output"][0]).stderr == (
        f"错误：无法写入 {blocker / 'out.jsonl'}：路径中有一段不是文件夹\n"
    )
    assert _run(*cases["diff_neither"][0]).stderr == "错误：--records FILE 与 --generate N 须给出且只给出其中一个\n"


def test_a_missing_batch_input_is_told_in_chinese(tmp_path: Path) -> None:
    args = ["batch", str(tmp_path / "absent.jsonl"), "-o", str(tmp_path / "out.jsonl")]
    result = _run(*args)
    assert result.exit_code == 2
    assert f"\n错误：'IN' 的路径 '{tmp_path / 'absent.jsonl'}' 不存在" in result.stderr
    assert _english(result.stderr) == [], result.stderr
    english = _run(*args, "--lang", "en")
    assert english.exit_code == 2
    assert f"Error: Invalid value for 'IN': Path '{tmp_path / 'absent.jsonl'}' does not exist." in english.stderr


def test_two_outputs_that_are_one_file_are_named_in_chinese(tmp_path: Path) -> None:
    people = tmp_path / "people.jsonl"
    people.write_text(json.dumps(json.loads((AKSU / "complete.json").read_text(encoding="utf-8"))) + "\n", "utf-8")
    out = tmp_path / "o.jsonl"
    cases = {
        "--errors": (str(tmp_path / "o.jsonl.progress.json"), f"错误文件 {out}.progress.json 与进度文件是同一个文件"),
        "--report": (
            str(tmp_path / "o.errors.jsonl"),
            f"错误文件 {tmp_path / 'o.errors.jsonl'}（-o {out} 的默认错误文件；可用 --errors 另选）与报告 "
            f"{tmp_path / 'o.errors.jsonl'} 是同一个文件",
        ),
    }
    for option, (path, said) in cases.items():
        assert _run("batch", str(people), "-o", str(out), option, path).stderr == f"错误：{said}\n"


def test_an_interrupted_batch_says_what_it_kept_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ce_policy.cli import batch  # noqa: PLC0415 - this test alone stops a batch

    record = json.dumps(json.loads((AKSU / "complete.json").read_text(encoding="utf-8")))
    people = tmp_path / "people.jsonl"
    people.write_text("\n".join([record] * 4) + "\n", encoding="utf-8")
    result = batch._Run.result
    seen: list[int] = []

    def interrupted_at_the_third(run: Any, decision: Any, error: Any) -> None:
        seen.append(1)
        if len(seen) == 3:
            raise KeyboardInterrupt
        result(run, decision, error)

    monkeypatch.setattr(batch, "COMMIT_INTERVAL", 0.0)
    monkeypatch.setattr(batch._Run, "result", interrupted_at_the_third)
    args = ["batch", str(people), "-o", str(tmp_path / "out.jsonl"), "--workers", "1", "--chunk-size", "1"]
    stopped = _run(*args)
    assert stopped.exit_code == 130
    assert stopped.stderr == (
        "错误：处理 2 条记录后被中断；输出文件未被改动，已完成的记录已保留：请加 --resume 再运行同一命令以继续\n"
    )
    seen.clear()
    english = _run(*args, "--lang", "en")
    assert english.stderr == (
        "error: interrupted after 2 records; the outputs are untouched, and the records done so far are kept: "
        "run the same command with --resume to continue\n"
    )


def test_every_code_a_batch_error_is_given_has_a_chinese_wording() -> None:
    given: set[str] = set()
    for name in ("batch.py", "batch_files.py", "batch_io.py"):
        for node in ast.walk(ast.parse((SRC / "cli" / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                given |= {
                    str(k.value.value) for k in node.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)
                }
                if getattr(node.func, "id", "") == "_said" and isinstance(node.args[2], ast.Constant):
                    given.add(str(node.args[2].value))
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "code":
                given |= {str(c.value) for c in ast.walk(node.value) if isinstance(c, ast.Constant)}
    assert len(given) >= 15  # the collection works
    assert sorted(given - BATCH_WORDS.keys()) == []
    for code, words in BATCH_WORDS.items():
        assert CJK.search(words), code


def test_a_progress_file_that_is_not_text_is_told_in_chinese(tmp_path: Path) -> None:
    people, out = tmp_path / "people.jsonl", tmp_path / "out.jsonl"
    people.write_text(json.dumps(json.loads((AKSU / "complete.json").read_text(encoding="utf-8"))) + "\n", "utf-8")
    (tmp_path / "out.jsonl.progress.json").write_bytes(b"\xff\xfe")
    args = ["batch", str(people), "-o", str(out), "--resume"]
    assert _run(*args).stderr == f"错误：无法读取进度文件 {out}.progress.json：不是 UTF-8 文本\n"
    english = _run(*args, "--lang", "en").stderr
    assert english.startswith(f"error: cannot read the progress file {out}.progress.json: 'utf-8' codec"), english
