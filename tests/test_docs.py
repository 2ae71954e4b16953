"""The docs' Python examples run, and print what the docs say they print."""

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([*ROOT.joinpath("docs").glob("*.md"), ROOT / "README.md"])
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
MAX_LEAD_IN = 60  # "prints", "gives:": a short line between an example and the output it shows


def _examples(page: Path) -> list[tuple[str, str | None]]:
    text = page.read_text(encoding="utf-8")
    blocks = list(FENCE.finditer(text))
    found = []
    for i, block in enumerate(blocks):
        if block.group(1) != "python":
            continue
        expected = None
        if i + 1 < len(blocks) and blocks[i + 1].group(1) == "text":
            between = text[block.end() : blocks[i + 1].start()].strip()
            if len(between) <= MAX_LEAD_IN:
                expected = blocks[i + 1].group(2)
        found.append((block.group(2), expected))
    return found


@pytest.mark.parametrize("page", [p for p in PAGES if _examples(p)], ids=lambda p: p.name)
def test_python_examples_run_and_print_what_is_shown(page: Path) -> None:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        for index, (code, expected) in enumerate(_examples(page)):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, f"{page.name}[example {index}]", "exec"), namespace)  # noqa: S102
            if expected is not None:
                got = [line.rstrip() for line in out.getvalue().rstrip().splitlines()]
                want = [line.rstrip() for line in expected.rstrip().splitlines()]
                assert got == want, f"{page.name} example {index} printed something else"
    finally:
        os.chdir(previous)
