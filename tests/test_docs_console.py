"""The docs' command-line examples run, and print what the docs say they print (issue 17: docs cannot go stale).

A command block is a ``bash``, ``sh`` or ``console`` block whose lines are ``ce-policy`` commands (a ``$ `` prompt
and ``#`` comments allowed). Its output is the ``text`` or ``console`` block right after it (a short lead-in such
as "prints" may stand between), or, in a ``console`` block, the lines after the command. Each runs in a fresh
folder holding copies of ``policies/`` and ``examples/``, after the page's own files and set-up:

* ``<!-- file: NAME -->`` just before a block writes the block to ``NAME``; a ``yaml`` block whose first line
  is ``# PATH`` is written to ``PATH`` too (the sector tutorial's folder), unless it shows a shipped file;
* ``<!-- setup: COMMAND -->`` runs a shell command in the folder first (e.g. ``cp -r policies policies-32``);
* ``<!-- console: skip REASON -->`` just before a command block says why it is not run.

The output shown must appear in what the command prints, line for line; a line ``…`` alone stands for lines
left out. Every command block of the docs is run or skipped with a reason: a new example cannot go unchecked.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([*ROOT.joinpath("docs").glob("*.md"), ROOT / "README.md"])
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
MARK = re.compile(r"<!--\s*(file|setup|console):\s*(.*?)\s*-->")
MAX_LEAD_IN = 60
CE_POLICY = str(Path(sys.executable).with_name("ce-policy"))
GAP = {"…", "..."}
BASH = shutil.which("bash") or "/bin/bash"


@dataclass
class Example:
    """One command block of a page: its commands, the output shown, or why it is skipped."""

    line: int
    commands: list[str]
    expected: str | None
    skip: str | None = None


@dataclass
class Page:
    """A page's examples with the files and set-up they need."""

    path: Path
    files: dict[str, str] = field(default_factory=dict)
    setup: list[str] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)


def _commands(body: str) -> tuple[list[str], list[str]] | None:
    """The ``ce-policy`` commands of a block and, in a console block, the output lines after them."""
    commands: list[str] = []
    output: list[str] = []
    for raw in body.rstrip("\n").splitlines():
        line = raw[2:] if raw.startswith("$ ") else raw
        if not output and line.startswith("ce-policy "):
            commands.append(line)
        elif not output and (not line.strip() or line.lstrip().startswith("#")):
            continue
        elif commands and not raw.startswith("$ "):
            output.append(raw)
        else:
            return None
    return (commands, output) if commands else None


def _page(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    page = Page(path)
    blocks = list(FENCE.finditer(text))
    for i, block in enumerate(blocks):
        before = text[blocks[i - 1].end() if i else 0 : block.start()]
        marks = MARK.findall(before)
        page.setup += [value for kind, value in marks if kind == "setup"]
        named = [value for kind, value in marks if kind == "file"]
        body = block.group(2)
        if named:
            page.files[named[-1]] = body
        first = body.splitlines()[0] if body else ""
        shipped = first.startswith(("# policies/", "# examples/"))  # an excerpt of a shipped file, not a new one
        if block.group(1) == "yaml" and re.fullmatch(r"# [\w./-]+/[\w.-]+\.yaml", first) and not shipped:
            page.files[first[2:]] = body
        if block.group(1) not in ("bash", "sh", "console"):
            continue
        found = _commands(body)
        if found is None:
            continue
        commands, output = found
        expected = "\n".join(output) if output else None
        if expected is None and i + 1 < len(blocks) and blocks[i + 1].group(1) in ("text", "console"):
            lead_in = text[block.end() : blocks[i + 1].start()]
            if len(lead_in.strip()) <= MAX_LEAD_IN and "<!--" not in lead_in and "#" not in lead_in:
                expected = blocks[i + 1].group(2)
        skips = [value for kind, value in marks if kind == "console" and value.startswith("skip")]
        line = text.count("\n", 0, block.start()) + 1
        page.examples.append(Example(line, commands, expected, skips[-1] if skips else None))
    return page


def _folder(page: Page, tmp: Path) -> Path:
    shutil.copytree(ROOT / "policies", tmp / "policies")
    shutil.copytree(ROOT / "examples", tmp / "examples")
    for name, body in page.files.items():
        target = tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    for command in page.setup:
        subprocess.run([BASH, "-c", command], cwd=tmp, check=True, capture_output=True, timeout=60)
    return tmp


def _run(command: str, cwd: Path) -> str:
    """What ``command`` prints (standard output, then errors); ``> FILE`` at its end writes the output there."""
    argv = shlex.split(command, comments=True)
    target = None
    if len(argv) > 2 and argv[-2] == ">":
        argv, target = argv[:-2], argv[-1]
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    done = subprocess.run(
        [CE_POLICY, *argv[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if target is not None:
        (cwd / target).write_text(done.stdout, encoding="utf-8")
        return done.stderr
    return done.stdout + done.stderr


def _shown_in(expected: str, got: str) -> bool:
    """Whether every line shown appears in what was printed, in order, contiguous between ``…`` lines."""
    lines = [line.rstrip() for line in got.rstrip().splitlines()]
    chunks: list[list[str]] = [[]]
    for line in expected.rstrip().splitlines():
        if line.strip() in GAP:
            chunks.append([])
        else:
            chunks[-1].append(line.rstrip())
    start = 0
    for chunk in (c for c in chunks if c):
        for at in range(start, len(lines) - len(chunk) + 1):
            if lines[at : at + len(chunk)] == chunk:
                start = at + len(chunk)
                break
        else:
            return False
    return True


RUN_BY_TEST_EXAMPLES = "tests/test_examples.py runs each of its commands as the page builds the folder"
ELSEWHERE = {"new-region.md": RUN_BY_TEST_EXAMPLES, "new-region.zh.md": RUN_BY_TEST_EXAMPLES}
"""Pages whose commands another test runs, in the order the page builds what they need."""
PAGE_EXAMPLES = {path: _page(path) for path in PAGES if path.name not in ELSEWHERE}


@pytest.mark.parametrize(
    "path", [p for p, page in PAGE_EXAMPLES.items() if any(not e.skip for e in page.examples)], ids=lambda p: p.name
)
def test_console_examples_print_what_is_shown(path: Path, tmp_path: Path) -> None:
    page = PAGE_EXAMPLES[path]
    folder = _folder(page, tmp_path)
    for example in page.examples:
        if example.skip:
            continue
        got = "".join(_run(command, folder) for command in example.commands)
        if example.expected is not None:
            assert _shown_in(example.expected, got), f"{path.name}:{example.line} printed:\n{got}"


def test_every_command_example_is_run_or_says_why_not() -> None:
    unchecked = [
        f"{path.name}:{e.line}"
        for path, page in PAGE_EXAMPLES.items()
        for e in page.examples
        if e.skip is None and e.expected is None and not any(" -o " in c or ">" in c for c in e.commands)
    ]
    assert unchecked == [], "command examples with no output shown and no <!-- console: skip … --> reason"


def test_a_left_out_part_is_matched_in_order() -> None:
    assert _shown_in("a\n…\nc", "a\nb\nc")
    assert not _shown_in("c\n…\na", "a\nb\nc")
    assert not _shown_in("a\nc", "a\nb\nc")
