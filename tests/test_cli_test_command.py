"""``ce-policy test DIR``: the YAML cases without pytest, with coverage."""

import shutil
from pathlib import Path

from click.testing import CliRunner

from ce_policy._cli import main
from ce_policy._registry import shipped_policy_root
from tests.test_pytest_plugin import CASES, MINIMAL


def test_the_shipped_cases_pass_and_cover_every_rule() -> None:
    result = CliRunner().invoke(main, ["test", str(shipped_policy_root()), "--coverage", "--min-coverage", "100"])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output
    assert "xj.aksu.2025: 35/35 rules (100.0%)" in result.output


def test_a_failing_case_is_named_and_exits_1(tmp_path: Path) -> None:
    layer = tmp_path / "mine" / "t.min"
    shutil.copytree(MINIMAL, layer)
    (layer / "cases").mkdir()
    (layer / "cases" / "floor.yaml").write_text(CASES, encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(tmp_path / "mine")])
    assert result.exit_code == 1
    assert "FAILED" in result.output
    assert "a wrong expectation" in result.output
    assert "1 passed, 1 failed" in result.output


def test_min_coverage_gates(tmp_path: Path) -> None:
    layer = tmp_path / "mine" / "t.min"
    shutil.copytree(MINIMAL, layer)
    (layer / "cases").mkdir()
    only_passing = CASES.split("  - name: a wrong expectation")[0]
    (layer / "cases" / "floor.yaml").write_text(only_passing, encoding="utf-8")
    low = CliRunner().invoke(main, ["test", str(tmp_path / "mine"), "--min-coverage", "50"])
    assert low.exit_code == 0, low.output
    assert "t.min: 2/4 rules (50.0%)" in low.output
    assert "never fired: t.not_passed" in low.output
    high = CliRunner().invoke(main, ["test", str(tmp_path / "mine"), "--min-coverage", "51"])
    assert high.exit_code == 1
    assert "below 51%" in high.output
