"""``ce-policy test DIR``: the YAML cases without pytest, with coverage."""

from pathlib import Path

from click.testing import CliRunner

from ce_policy.cli.main import main
from ce_policy.policy.folders import policy_root, registry_for
from ce_policy.policy.registry import shipped_policy_root
from ce_policy.testing.case_suite import run_cases
from tests.test_pytest_plugin import CASES, write_kuqa, write_layer

ONLY_PASSING = CASES.split("  - name: a wrong expectation", maxsplit=1)[0]


def test_the_shipped_cases_pass_and_cover_every_rule() -> None:
    result = CliRunner().invoke(main, ["test", "--lang", "en", str(shipped_policy_root()), "--coverage"])
    assert result.exit_code == 0, result.output
    assert result.output.endswith(" passed, 0 failed\n")
    assert "xj.aksu.2025: 36/36 rules (100.0%), 21/21 clauses" in result.output
    assert "never fired" not in result.output
    assert "total: 100.0% of rules" in result.output


def test_min_coverage_on_the_shipped_cases() -> None:
    ok = CliRunner().invoke(main, ["test", "--lang", "en", str(shipped_policy_root()), "--min-coverage", "50"])
    assert ok.exit_code == 0, ok.output
    assert CliRunner().invoke(main, ["test", str(shipped_policy_root()), "--min-coverage", "100"]).exit_code == 0
    over = CliRunner().invoke(main, ["test", "--lang", "en", str(shipped_policy_root()), "--min-coverage", "101"])
    assert over.exit_code != 0  # no coverage reaches 101 %: refused as a usage error
    assert "101" in over.output


def test_a_failing_case_is_named_and_exits_1(tmp_path: Path) -> None:
    layer = write_layer(tmp_path / "mine")
    result = CliRunner().invoke(main, ["test", "--lang", "en", str(tmp_path / "mine")])
    assert result.exit_code == 1
    assert f"FAILED {layer / 'cases' / 'floor.yaml'}:15: a wrong expectation" in result.output
    assert "    $.hours.public: expected 12, got 9.5" in result.output
    assert "ten public hours" not in result.output
    assert result.output.endswith("1 passed, 1 failed\n")


def test_min_coverage_gates(tmp_path: Path) -> None:
    write_layer(tmp_path / "mine", ONLY_PASSING)
    low = CliRunner().invoke(main, ["test", "--lang", "en", str(tmp_path / "mine"), "--min-coverage", "50"])
    assert low.exit_code == 0, low.output
    assert "t.min: 2/4 rules (50.0%), 1/1 clauses" in low.output
    assert "never fired: t.not_passed" in low.output
    assert "never fired: t.incomplete" in low.output
    high = CliRunner().invoke(main, ["test", "--lang", "en", str(tmp_path / "mine"), "--min-coverage", "51"])
    assert high.exit_code == 1
    assert "rule coverage 50.0% is below 51%" in high.output


def test_coverage_counts_a_folders_own_rules_only(tmp_path: Path) -> None:
    write_kuqa(tmp_path / "dept")
    write_layer(tmp_path / "dept", ONLY_PASSING)
    result = CliRunner().invoke(main, ["test", "--lang", "en", str(tmp_path / "dept"), "--coverage"])
    assert result.exit_code == 0, result.output
    assert "kq.2025: 0/0 rules (100.0%), 0/0 clauses" in result.output  # the Aksu rules it fires are not its own
    assert "t.min: 2/4 rules (50.0%)" in result.output
    assert "xj.aksu.2025" not in result.output
    assert "total: 50.0% of rules" in result.output
    assert result.output.endswith("2 passed, 0 failed\n")


def test_a_folder_without_layers_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["test", "--lang", "en", str(tmp_path)])
    assert result.exit_code == 1
    assert "no policy layer (layer.yaml) in this folder [no_layers]" in result.output


def test_each_result_names_the_rules_and_clauses_it_exercised(tmp_path: Path) -> None:
    write_layer(tmp_path / "mine")
    results = run_cases(tmp_path / "mine", registry_for(policy_root(tmp_path / "mine")))
    assert [r.passed for r in results] == [True, False]
    assert results[0].fired == {"t.public", "t.floor"}
    assert results[1].fired == {"t.public", "t.floor", "t.incomplete"}  # t.floor#short.total counts as t.floor
    assert results[1].cited == {"t.min:s1"}
