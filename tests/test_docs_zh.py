"""The Chinese pages (docs/PAGE.zh.md) keep step with their English pages (issue 17: docs in Chinese).

mkdocs-static-i18n puts PAGE.zh.md beside PAGE.md; a link ``concepts.md#stages`` from either language goes to
the page of its own language, so a translated heading keeps the English anchor (``## 认定阶段 { #stages }``).
Each Chinese page runs the English page's commands (Chinese is the default: without ``--lang en``); the
outputs themselves are checked by tests/test_docs_console.py and tests/test_docs.py, which collect both.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path

import markdown  # type: ignore[import-untyped]  # no stubs; the site build uses it too
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHINESE = sorted(DOCS.glob("*.zh.md"))
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _english(page: Path) -> Path:
    return page.with_name(page.name.removesuffix(".zh.md") + ".md")


def _anchors(page: Path) -> set[str]:
    """The ids of the page's headings, as the site's toc and attr_list extensions give them."""
    md = markdown.Markdown(extensions=["toc", "attr_list", "tables", "pymdownx.superfences"])
    md.convert(page.read_text(encoding="utf-8"))
    found: set[str] = set()
    tokens = list(md.toc_tokens)
    while tokens:
        token = tokens.pop()
        found.add(token["id"])
        tokens.extend(token["children"])
    return found


def _commands(page: Path) -> list[str]:
    """The ``ce-policy`` command lines of the page's shell and console blocks."""
    found = []
    for block in FENCE.finditer(page.read_text(encoding="utf-8")):
        if block.group(1) in ("bash", "sh", "console"):
            lines = (line.removeprefix("$ ") for line in block.group(2).splitlines())
            found += [line for line in lines if line.startswith("ce-policy ")]
    return found


def test_there_are_chinese_pages() -> None:
    assert {"index.zh.md", "concepts.zh.md", "guardrails.zh.md", "cli.zh.md"} <= {page.name for page in CHINESE}


@pytest.mark.parametrize("page", CHINESE, ids=lambda page: page.name)
def test_a_chinese_page_translates_an_english_one(page: Path) -> None:
    assert _english(page).is_file(), f"{page.name} has no English page beside it"


@pytest.mark.parametrize("page", CHINESE, ids=lambda page: page.name)
def test_a_chinese_page_keeps_the_english_anchors(page: Path) -> None:
    missing = _anchors(_english(page)) - _anchors(page)
    assert not missing, f"{page.name}: give these headings their English anchor ({{ #id }}): {sorted(missing)}"


@pytest.mark.parametrize("page", CHINESE, ids=lambda page: page.name)
def test_a_chinese_page_runs_the_english_commands_in_chinese(page: Path) -> None:
    chinese = _commands(page)
    assert not [command for command in chinese if "--lang en" in command], "Chinese is the default"
    missing = [c for c in _commands(_english(page)) if c.replace(" --lang en", "") not in chinese]
    assert not missing, f"{page.name} does not show these commands of the English page: {missing}"


def _join() -> Callable[[str], str]:
    spec = importlib.util.spec_from_file_location("cjk_lines", ROOT / "docs" / "hooks" / "cjk_lines.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    join: Callable[[str], str] = module.join_cjk_lines
    return join


@pytest.mark.parametrize(
    ("source", "rendered"),
    [
        ("每年参加继续教育\n累计应不少于 90 学时。", "每年参加继续教育累计应不少于 90 学时。"),
        ("公需科目，\n  专业科目。", "公需科目，专业科目。"),  # a list item's next line
        ("学时 `hours`\n认定", "学时 `hours`\n认定"),  # the line ends in code: a space is right there
        ("学时\n- 认定", "学时\n- 认定"),  # a list item starts
        ("| 学时 |\n| 认定 |", "| 学时 |\n| 认定 |"),  # a table
        ("```text\n学时\n认定\n```", "```text\n学时\n认定\n```"),  # output shown as printed
        ("## 阶段\n认定", "## 阶段\n认定"),
    ],
)
def test_a_line_break_between_chinese_characters_is_joined(source: str, rendered: str) -> None:
    assert _join()(source) == rendered
