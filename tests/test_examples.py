"""The example add-on policy folders (examples/policies) lint clean, and docs/new-region.md shows them as they are.

The page, and its Chinese version docs/new-region.zh.md, show the files of the league's folder and what the
commands print on them (in English with ``--lang en``, in Chinese by default); these tests read each page and
check every file it shows against the folder, and run every command it shows (ce-policy ..., from the
repository root) to compare the output with the page's. The YAML cases of the folders run through the
ce_policy pytest plugin (``examples`` is in ``testpaths``).
"""

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import ce_policy
from ce_policy.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "policies"
FOLDERS = sorted(path.parent for path in EXAMPLES.glob("*/layer.yaml"))
PAGES = [ROOT / "docs" / "new-region.md", ROOT / "docs" / "new-region.zh.md"]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXCERPT_GAP = "  # …"
EXCERPT_WORDS = ("excerpt", "节选")


def _blocks(page: Path) -> list[tuple[str, str, str]]:
    """(language, body, text between the previous block and this one) of every fenced block of the page."""
    text = page.read_text(encoding="utf-8")
    found = []
    end = 0
    for match in FENCE.finditer(text):
        found.append((match.group(1), match.group(2), text[end : match.start()].strip()))
        end = match.end()
    return found


def _commands(page: Path) -> list[tuple[str, str, str]]:
    """(command, lead-in, output shown) of every ``ce-policy`` command the page shows with its output."""
    blocks = _blocks(page)
    found = []
    for (language, body, _), (next_language, output, lead_in) in itertools.pairwise(blocks):
        command = body.strip()
        if language == "bash" and command.startswith("ce-policy ") and next_language == "text":
            found.append((command, lead_in, output))
    return found


def test_there_are_two_example_folders() -> None:
    assert [folder.name for folder in FOLDERS] == ["hn-zhuzhou-2025", "nm-alxa-2025"]
    assert not (EXAMPLES / "registry.yaml").exists(), "an add-on folder is loaded next to the shipped policies"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_example_folder_lints_clean(folder: Path) -> None:
    report = ce_policy.lint_policies(folder)
    assert not report.of("error"), report.summary
    assert not report.of("warning"), [str(finding) for finding in report.of("warning")]
    assert not report.failed(strict=True)
    assert report.of("info"), "each example marks its readings as provisional values"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_page_shows_the_files_as_they_are(page: Path) -> None:
    shown = 0
    for language, body, _ in _blocks(page):
        header, _, rest = body.partition("\n")
        if language == "yaml" and header.startswith("# examples/policies/"):
            name = header.removeprefix("# ").removesuffix(" (excerpt)")
            actual = (ROOT / name).read_text(encoding="utf-8")
            if header.endswith("(excerpt)"):
                for part in rest.split(EXCERPT_GAP + "\n"):
                    assert part in actual, f"{name}: the page shows lines the file does not hold:\n{part}"
            else:
                assert body == actual, f"{name}: the page shows another text"
            shown += 1
        elif language == "markdown" and header.startswith("# Changelog of layer "):
            assert body == (EXAMPLES / "nm-alxa-2025" / "CHANGELOG.md").read_text(encoding="utf-8")
            shown += 1
        elif language == "json" and '"id": "nm-0001"' in body:
            record = EXAMPLES / "nm-alxa-2025" / "examples" / "make-up-2022.json"
            assert body == record.read_text(encoding="utf-8")
            shown += 1
    assert shown >= 10


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_page_runs_every_example_file(page: Path) -> None:
    commands = " ".join(command for command, _, _ in _commands(page))
    for example in sorted(EXAMPLES.glob("*/examples/*.json")):
        if example.name != "2025.json":
            assert example.relative_to(ROOT).as_posix() in commands, f"the page does not run {example.name}"


def test_the_chinese_new_region_page_runs_the_same_commands() -> None:
    english, chinese = ([command for command, _, _ in _commands(page)] for page in PAGES)
    assert [command.replace(" --lang en", "") for command in english] == chinese
    assert not any("--lang" in command for command in chinese), "Chinese is the default: the page shows it so"


@pytest.mark.parametrize(
    ("command", "lead_in", "output"),
    [found for page in PAGES for found in _commands(page)],
    ids=[f"{page.name} {i}: {c[0][:70]}" for page in PAGES for i, c in enumerate(_commands(page))],
)
def test_command_prints_what_the_page_shows(
    command: str, lead_in: str, output: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    partial = re.findall(r"`(\w+\.yaml)`", lead_in)
    if partial:
        # a step of the walk-through: the league's folder holding only the files named so far
        layer = tmp_path / "examples" / "policies" / "nm-alxa-2025"
        layer.mkdir(parents=True)
        for name in partial:
            shutil.copyfile(EXAMPLES / "nm-alxa-2025" / name, layer / name)
        monkeypatch.chdir(tmp_path)
    else:
        monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, command.split()[1:])
    got = [line.rstrip() for line in result.output.rstrip().splitlines()]
    want = [line.rstrip() for line in output.rstrip().splitlines()]
    if any(word in lead_in for word in EXCERPT_WORDS):
        starts = [i for i in range(len(got)) if got[i : i + len(want)] == want]
        assert starts, f"{command}: the excerpt shown is not in the output:\n{result.output}"
    else:
        assert got == want, f"{command}: prints something else:\n{result.output}"


EXPECTED_2025 = {
    # the league: 30 public hours done on 2025-01-04, a day before the window opens, do not count
    "nm-alxa-2025": ("nm.alxa.2025", True, {"pub-1": ["outside_window"]}),
    # the city: training done on 2026-01-06 counts for no day of 2025
    "hn-zhuzhou-2025": ("hn.zhuzhou.2025", False, {"pro-2": ["not_yet_completed", "outside_year"]}),
}


@pytest.mark.parametrize("folder", sorted(EXPECTED_2025))
def test_the_2025_example_records_evaluate_under_their_layer(folder: str) -> None:
    registry = ce_policy.PolicyRegistry([ce_policy.default_registry().roots[0]])
    registry.add_root(EXAMPLES, strict=True)
    record = json.loads((EXAMPLES / folder / "examples" / "2025.json").read_text(encoding="utf-8"))
    decision = ce_policy.evaluate(record, registry=registry)
    policy, compliant, rejected = EXPECTED_2025[folder]
    assert (decision.policy.id, decision.year, decision.compliant) == (policy, 2025, compliant)
    assert {a.id: sorted(a.reasons) for a in decision.activities if not a.counted} == rejected
