"""The exit status of every command follows the one table of ``docs/cli.md`` (issue 17: one CLI shape)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ce_policy.cli.main import main

from .records import activity, complete_record, record

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "policies" / "xj" / "aksu-2025-12" / "examples" / "incomplete.json")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    invalid = record(activity("a", "training", "1.005"))
    paths = {
        "invalid": tmp_path / "invalid.json",
        "records": tmp_path / "records.jsonl",
        "mixed": tmp_path / "mixed.jsonl",
        "empty": tmp_path / "empty.jsonl",
        "latin1": tmp_path / "latin1.json",
    }
    paths["invalid"].write_text(json.dumps(invalid), encoding="utf-8")
    paths["records"].write_text(json.dumps(complete_record()) + "\n", encoding="utf-8")
    paths["mixed"].write_text(json.dumps(complete_record()) + "\n" + json.dumps(invalid) + "\n", encoding="utf-8")
    paths["empty"].write_text("", encoding="utf-8")
    paths["latin1"].write_bytes('{"person": "é"}'.encode("latin-1"))
    return {name: str(path) for name, path in paths.items()} | {"out": str(tmp_path / "out.jsonl")}


CASES = [
    (0, ["evaluate", EXAMPLE]),  # an incomplete year is a decision
    (0, ["check"]),
    (0, ["lint", "--strict"]),
    (1, ["evaluate", "{invalid}"]),
    (1, ["explain", "{invalid}"]),
    (1, ["evaluate", EXAMPLE, "--policy", "no.such.policy"]),
    (1, ["batch", "{mixed}", "-o", "{out}", "--workers", "1", "--no-progress"]),
    (2, ["evaluate", EXAMPLE, "--as-of", "31/12/2025"]),
    (2, ["evaluate", EXAMPLE, "--no-such-option"]),
    (2, ["evaluate", "{latin1}"]),
    (2, ["evaluate", "/no/such/file.json"]),
    (2, ["batch", "{empty}", "-o", "{out}", "--no-progress"]),
    (2, ["batch", "{records}", "-o", "{records}", "--no-progress"]),
    (2, ["replay", "{records}"]),
]


@pytest.mark.parametrize(("status", "argv"), CASES, ids=[" ".join(a[:2]) + f" → {s}" for s, a in CASES])
def test_each_command_exits_as_the_table_says(status: int, argv: list[str], files: dict[str, str]) -> None:
    result = CliRunner().invoke(main, [arg.format(**files) for arg in argv])
    assert result.exit_code == status, result.output
    if status == 2 and "--no-such-option" not in argv and "31/12/2025" not in argv:
        assert result.output.lstrip().startswith(("error: ", "错误："))  # zh by default where the command speaks it
