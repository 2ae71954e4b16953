"""The docs show the shipped files as they are: a block headed ``# PATH`` holds that file, or lines of it in order.

A ``yaml`` or ``markdown`` block of any page (either language) whose first line is ``# PATH`` of a file in the
repository shows that file; ``# PATH (excerpt)`` shows some of its lines, in the file's order (lines that are
only ``# …`` stand for lines left out, and a comment after two spaces at the end of a line is the page's
note). A release that changes a shipped file fails here until the docs follow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(ROOT.joinpath("docs").glob("*.md"))
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
HEADER = re.compile(r"^# ((?:policies|examples)/\S+)( \(excerpt\))?$")
GAP = re.compile(r"^\s*# …$")
NOTE = re.compile(r"\s{2,}# .*$")


def _shown() -> list[tuple[str, int, str, bool, str]]:
    """(page, line, path, excerpt, body) of every block that shows a file of the repository."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for block in FENCE.finditer(text):
            header, _, rest = block.group(2).partition("\n")
            match = HEADER.match(header)
            if block.group(1) in {"yaml", "markdown"} and match and (ROOT / match.group(1)).is_file():
                line = text.count("\n", 0, block.start()) + 1
                found.append((page.name, line, match.group(1), bool(match.group(2)), rest))
    return found


def _in_order(shown: list[str], lines: list[str]) -> str | None:
    """The first shown line not found in ``lines`` after the one before it, or None."""
    position = 0
    lines = [NOTE.sub("", line) for line in lines]
    for line in (NOTE.sub("", line) for line in shown):
        try:
            position = lines.index(line, position) + 1
        except ValueError:
            return line
    return None


SHOWN = _shown()


def test_the_docs_show_shipped_files() -> None:
    pages = {page for page, *_ in SHOWN}
    assert {"policy-format.md", "concepts.md", "new-region.md", "health.md"} <= pages


@pytest.mark.parametrize(
    ("page", "line", "path", "excerpt", "body"), SHOWN, ids=[f"{page}:{line}" for page, line, *_ in SHOWN]
)
def test_block_shows_the_file_as_it_is(page: str, line: int, path: str, excerpt: bool, body: str) -> None:
    actual = (ROOT / path).read_text(encoding="utf-8")
    if not excerpt:
        assert body in {actual, actual.partition("\n")[2]}, f"{page}:{line} shows another text than {path}"
        return
    shown = [text for text in body.splitlines() if text.strip() and not GAP.match(text)]
    missing = _in_order(shown, actual.splitlines())
    assert missing is None, f"{page}:{line}: {path} has no line {missing!r} here (or not in this order)"
