"""``check``, ``lint`` and ``test`` speak ``--lang`` (zh by default), and show files relative to here (issue 17).

Every code the source can give a policy problem or a lint finding has a Chinese and an English wording
(`ce_policy.text.problem_words`, `ce_policy.text.lint_words`); the messages the test data gives each match a
form of their code's wording; and in zh the commands print no English sentence on bad folders.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from ce_policy.analysis.lint import SEVERITIES, lint_policies
from ce_policy.cli.main import main
from ce_policy.cli.options import FORMAT_HELP, LANG_HELP
from ce_policy.engine.compiler import compile_policy
from ce_policy.model.errors import PolicyFileError, PolicyProblem
from ce_policy.policy.folders import layers_in, policy_root, registry_for
from ce_policy.text.lint_words import LINT_WORDS, MISMATCH_WORDS
from ce_policy.text.problem_text import form_of, worded
from ce_policy.text.problem_words import PROBLEM_WORDS, Words
from tests.test_pytest_plugin import write_layer

SRC = Path(__file__).resolve().parents[1] / "src" / "ce_policy"
DATA = Path(__file__).parent / "data"
BROKEN = sorted(p for p in (DATA / "broken_policies").iterdir() if p.is_dir())
LINTED = sorted(p for p in (DATA / "lint_policies").iterdir() if p.is_dir())
CODE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
FIELD = re.compile(r"\{([a-z_]+)\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _emitted() -> tuple[set[str], set[str]]:
    """The codes the source gives policy problems, and those it gives lint findings.

    A problem is built by ``PolicyProblem(file, line, code, message)``, ``PolicyFileError.single(…)`` or a
    ``problem(…, code, message)`` helper, its code a literal; ``layer_files`` maps pydantic's error types to
    codes in a literal mapping. A finding is added by ``add(code, …)`` or ``report(code, …)`` in ``analysis/lint*``.
    """
    problems: set[str] = set()
    findings: set[str] = set()
    for path in SRC.rglob("*.py"):
        if path.name.startswith("diff") or "serve" in path.parts:
            continue
        linter = path.parent.name == "analysis" and path.name.startswith("lint")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and path.name == "layer_files.py":
                problems.update(
                    v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
                )
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            codes = {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
            codes = {c for c in codes if CODE.match(c)}
            if name in {"PolicyProblem", "single", "problem", "_problem"}:
                problems.update(codes)
            elif linter and name in {"add", "report"}:
                findings.update(codes)
    return problems, findings | set(SEVERITIES)


def test_every_code_the_source_gives_has_both_wordings() -> None:
    problems, findings = _emitted()
    assert len(problems) >= 70  # the collection works: a new emitter is found the same way
    assert len(findings) == len(SEVERITIES)
    assert sorted(problems - PROBLEM_WORDS.keys()) == []
    assert sorted(findings - LINT_WORDS.keys()) == []


@pytest.mark.parametrize(
    ("code", "words"),
    [*PROBLEM_WORDS.items(), *LINT_WORDS.items(), ("(case mismatch)", Words("与预期不符", "x", MISMATCH_WORDS))],
)
def test_each_wording_says_in_chinese_what_the_english_says(code: str, words: Words) -> None:
    assert CJK.search(words.zh), code
    assert words.en, code
    for en, zh in words.forms:
        assert CJK.search(zh), (code, zh)
        assert set(FIELD.findall(zh)) <= set(FIELD.findall(en)), (code, zh)


def _english(text: str) -> list[str]:
    """Runs of three or more English words in ``text``, outside names in quotes, codes in brackets and paths."""
    text = re.sub(r"'[^'\n]*'", "", text)
    text = re.sub(r"\[[a-z_]+\]", "", text)
    text = re.sub(r"\S*[/\\]\S*", "", text)
    return re.findall(r"\b[A-Za-z]+(?: [A-Za-z]+){2,}\b", text)


def _strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for key, value in data.items() for s in (*_strings(key), *_strings(value))]
    if isinstance(data, list):
        return [s for item in data for s in _strings(item)]
    return []


def _without_own_words(text: str, folder: Path) -> str:
    """``text`` without the policy's own words: the strings of its YAML files (case names, readings, clauses)."""
    own: list[str] = []
    for path in folder.rglob("*.yaml"):
        try:
            own += _strings(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
    for words in sorted((w for w in own if " " in w), key=len, reverse=True):
        text = text.replace(words, "")
    return text


def _problems(folder: Path) -> list[PolicyProblem]:
    """What ``ce-policy check folder`` finds (as `ce_policy.cli.folder` checks it)."""
    found: list[PolicyProblem] = []
    try:
        registry = registry_for(policy_root(folder))
        for layer_id in layers_in(registry, folder):
            policy = registry.policy(layer_id)
            for day in (policy.top.in_force_from, *policy.breakpoints):
                compile_policy(policy, day)
    except PolicyFileError as exc:
        found.extend(exc.problems)
    return found


def test_the_english_detector_finds_english() -> None:
    assert _english("rules.yaml:3: cites unknown clause 's2'") == ["cites unknown clause"]
    assert _english("a/b.yaml:3：引用了不存在的条款 'a long name of it' [dangling_citation]") == []


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_check_in_zh_speaks_chinese_on_every_broken_folder(folder: Path) -> None:
    for problem in _problems(folder):
        assert form_of(PROBLEM_WORDS[problem.code], problem.message) is not None, problem
    result = CliRunner().invoke(main, ["check", str(folder)])
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：政策无效："), result.stderr
    assert _english(result.output) == [], result.output


@pytest.mark.parametrize("folder", LINTED, ids=[p.name for p in LINTED])
def test_lint_in_zh_speaks_chinese_on_every_lint_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder.parent)  # files shown from here are those of the findings
    report = lint_policies(folder)
    assert report.findings
    for finding in report.findings:
        assert form_of(LINT_WORDS[finding.code], finding.message) is not None, finding
    result = CliRunner().invoke(main, ["lint", str(folder)])
    assert _english(_without_own_words(result.output, folder)) == [], result.output
    assert result.output.splitlines()[-1].startswith("错误 ")
    english = CliRunner().invoke(main, ["lint", "--lang", "en", folder.name])
    assert [line.split(": ", 1)[1] for line in english.output.splitlines()[:-1]] == [
        f"{f.severity} {f.code}: {f.message}" for f in report.findings
    ]  # English is the message as built


def test_test_in_zh_speaks_chinese_on_a_failing_case(tmp_path: Path) -> None:
    write_layer(tmp_path / "mine")
    result = CliRunner().invoke(main, ["test", str(tmp_path / "mine"), "--coverage"])
    assert result.exit_code == 1
    assert "未通过 " in result.output
    assert "    $.hours.public：应为 12，实际为 9.5" in result.output
    assert result.output.endswith("通过 1 个，未通过 1 个\n")
    assert _english(_without_own_words(result.output, tmp_path / "mine")) == [], result.output


def test_a_mismatch_of_a_form_not_known_still_reads_in_chinese() -> None:
    assert worded(PROBLEM_WORDS["dangling_citation"], "cites 's1' oddly", "zh") == "引用了不存在的条款（'s1'）"
    assert worded(PROBLEM_WORDS["dangling_citation"], "cites 's1' oddly", "en") == "cites 's1' oddly"


def test_json_is_the_same_in_every_language() -> None:
    folder = str(DATA / "lint_policies" / "unused_parameter")
    zh = CliRunner().invoke(main, ["lint", folder, "--format", "json"])
    en = CliRunner().invoke(main, ["lint", folder, "--format", "json", "--lang", "en"])
    assert zh.output == en.output
    assert "is read by no rule" in zh.output


def _copy(folder: Path, to: Path) -> Path:
    shutil.copytree(folder, to)
    return to


def test_check_shows_files_relative_to_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = _copy(DATA / "broken_policies" / "duplicate_rule", tmp_path / "work" / "sub" / "mine")
    monkeypatch.chdir(tmp_path / "work")
    result = CliRunner().invoke(main, ["check", "--lang", "en", "sub/mine"])
    assert "  sub/mine/t.min/rules.yaml:25: rule 't.floor' is already defined (sub/mine/t.min/rules.yaml:19)" in (
        result.stderr
    )
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    result = CliRunner().invoke(main, ["check", "--lang", "en", str(copy)])
    assert f"  {copy}/t.min/rules.yaml:25: rule 't.floor' is already defined ({copy}/t.min/rules.yaml:19)" in (
        result.stderr
    )


def test_lint_and_test_show_files_relative_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copy(DATA / "lint_policies" / "unused_parameter", tmp_path / "a" / "b")
    layer = write_layer(tmp_path / "a" / "mine")
    monkeypatch.chdir(tmp_path / "a")
    linted = CliRunner().invoke(main, ["lint", "--lang", "en", "b"])
    assert linted.output.startswith("b/t.min/parameters.yaml:11: warning unused_parameter: "), linted.output
    tested = CliRunner().invoke(main, ["test", "--lang", "en", str(tmp_path / "a" / "mine")])
    assert f"FAILED {layer.relative_to(tmp_path / 'a')}/cases/floor.yaml:15: a wrong expectation" in tested.output


def test_the_installed_command_run_elsewhere_shows_paths_from_there(tmp_path: Path) -> None:
    copy = _copy(DATA / "broken_policies" / "unknown_field", tmp_path / "p" / "unknown_field")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("ce-policy")), "check", "unknown_field"],
        cwd=copy.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    shown = (
        "  unknown_field/t.min/rules.yaml:6：阶段 'activity' 没有字段 'pased'（是否想写 'passed'？） [unknown_field]"
    )
    assert shown in done.stderr


def _options(name: str) -> dict[str, click.Option]:
    command = main.get_command(click.Context(main), name)
    assert command is not None
    return {p.name or "": p for p in command.params if isinstance(p, click.Option)}


@pytest.mark.parametrize("name", ["check", "lint", "test", "replay", "evaluate", "explain", "title-review", "batch"])
def test_lang_is_zh_by_default_and_helped_alike(name: str) -> None:
    lang = _options(name)["lang"]
    assert lang.default == "zh"
    assert lang.help == LANG_HELP
    fmt = _options(name).get("fmt")
    assert fmt is None or fmt.help == FORMAT_HELP
