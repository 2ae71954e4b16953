"""The pytest plugin collects a policy folder's YAML cases and reports failures usefully (checked with pytester)."""

import shutil
from pathlib import Path
from typing import Any

import pytest

from ce_policy.policy.folders import registry_for
from ce_policy.policy.registry import PolicyRegistry, shipped_policy_root
from ce_policy.testing.cases import load_cases

pytest_plugins = ["pytester"]

MINIMAL = Path(__file__).resolve().parent / "data" / "minimal_policy" / "t.min"

CASES = """\
defaults:
  person: {id: p1, title_level: junior, region: t}
  year: 2025
  activity: {on_platform: true, passed: true, completed_on: 2025-06-01}
cases:
  - name: ten public hours meet the test floor
    activities:
      - {id: a, kind: public_course, hours: 10}
    expect:
      compliant: true
      fired: [t.public, t.floor]
      not_fired: [t.floor#short.total]
      cites: [s1]

  - name: a wrong expectation
    activities:
      - {id: a, kind: public_course, hours: 9.5}
    expect:
      compliant: true
      hours: {public: 12}
"""

# A department's layer over a shipped one: it adds nothing, so Kuqa keeps the Aksu floors.
KUQA_LAYER = """\
id: kq.2025
version: 1.0.0
title: Kuqa (example)
extends: {id: xj.aksu.2025, version: ^1.1}
document: {number: KQ-1, title: example, issuer: example}
in_force: {from: 2025-01-01}
applies_to: {regions: [xj.aksu.kuqa], years: [2025]}
"""

KUQA_CASES = """\
defaults:
  person: {id: p1, title_level: intermediate, region: xj.aksu.kuqa}
  year: 2025
  activity: {on_platform: true, passed: true, completed_on: 2025-06-01}
cases:
  - name: Kuqa keeps the Aksu floors, for the Aksu reasons
    activities:
      - {id: pub, kind: public_course, hours: 30}
      - {id: pro, kind: training, hours: 60}
    expect:
      compliant: true
      policy: {id: kq.2025, chain: [cn.mohrss-25, xj.hours-2022-9, xj.aksu.2025, kq.2025]}
      fired: [aksu.quota.public, aksu.quota.professional]
      cites: [xj.aksu.2025:s2.quota]
"""


def write_layer(folder: Path, cases: str = CASES) -> Path:
    """A copy of the minimal layer in ``folder``, with ``cases`` as its one case file."""
    layer = folder / "t.min"
    shutil.copytree(MINIMAL, layer)
    (layer / "cases").mkdir()
    (layer / "cases" / "floor.yaml").write_text(cases, encoding="utf-8")
    return layer


def write_kuqa(folder: Path) -> Path:
    """The Kuqa layer in ``folder``, with its case file."""
    layer = folder / "kq-2025"
    (layer / "cases").mkdir(parents=True)
    (layer / "layer.yaml").write_text(KUQA_LAYER, encoding="utf-8")
    (layer / "cases" / "quota.yaml").write_text(KUQA_CASES, encoding="utf-8")
    return layer


@pytest.fixture
def policy_folder(pytester: pytest.Pytester) -> Path:
    return write_layer(pytester.path / "my_policies")


def test_cases_are_collected_and_failures_show_expected_actual_and_trace(
    pytester: pytest.Pytester, policy_folder: Path
) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert "policy case 'a wrong expectation'" in output
    # the mismatches
    assert "$.hours.public: expected 12, got 9.5" in output
    assert "$.compliant: expected True, got False" in output
    # expected next to actual, path by path
    result.stdout.re_match_lines([r"\s+path\s+expected\s+actual$", r"\s+✗ \$\.compliant\s+true\s+false$"])
    result.stdout.re_match_lines([r"\s+✗ \$\.hours\.public\s+12\s+9\.5$"])
    # the record as evaluated, defaults merged
    assert "evaluated (the case's record or history, defaults merged):" in output
    assert 'person: {"id": "p1", "title_level": "junior", "region": "t"}' in output
    assert '"id": "a", "kind": "public_course", "hours": 9.5}' in output
    # the trace: rule → clause
    assert "trace (rule → clause it cites, activity):" in output
    assert "t.public → t.min:s1 (a)" in output
    assert "t.floor#short.total → t.min:s1" in output
    assert "Traceback" not in output
    assert "ten public hours meet the test floor" not in output  # the passing case asserts fired, not_fired, cites


def test_a_case_asserting_the_wrong_reason_fails(pytester: pytest.Pytester, policy_folder: Path) -> None:
    first = CASES.split("  - name: a wrong expectation", maxsplit=1)[0]
    wrong_reason = first.replace("fired: [t.public, t.floor]", "fired: [t.not_passed]").replace(
        "cites: [s1]", "cites: [s2]"
    )
    (policy_folder / "cases" / "floor.yaml").write_text(wrong_reason, encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "fired: rule 't.not_passed' did not fire" in output
    assert "cites: clause 's2' was not cited" in output
    result.stdout.re_match_lines([r"\s+✓ \$\.compliant\s+true\s+true$", r"\s+✗ fired\s+\[\"t\.not_passed\"\]\s+\["])


def test_a_users_layer_is_evaluated_next_to_the_shipped_ones(pytester: pytest.Pytester) -> None:
    write_kuqa(pytester.path / "dept")
    result = pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*quota.yaml::Kuqa keeps the Aksu floors, for the Aksu reasons PASSED*"])


def test_each_policy_root_is_loaded_once(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = pytester.path / "dept"
    write_kuqa(folder)
    write_layer(folder, CASES.split("  - name: a wrong expectation", maxsplit=1)[0])
    (folder / "t.min" / "cases" / "again.yaml").write_text(
        CASES.split("  - name: a wrong expectation", maxsplit=1)[0], encoding="utf-8"
    )
    roots: list[Path] = []

    def counting(root: Path) -> PolicyRegistry:
        roots.append(root)
        return registry_for(root)

    monkeypatch.setattr("ce_policy.testing.pytest_plugin.registry_for", counting)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert roots == [folder.resolve()]


def test_an_invalid_layer_fails_its_cases_with_the_problems(pytester: pytest.Pytester, policy_folder: Path) -> None:
    rules = policy_folder / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("cite: s1", "cite: s9"), encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    output = result.stdout.str()
    assert "(loaded next to the shipped policies) is invalid" in output
    assert "cites unknown clause 's9'" in output
    assert "[dangling_citation]" in output
    assert "Traceback" not in output
    assert "runner.py" not in output


def test_an_invalid_case_file_is_a_collection_error(pytester: pytest.Pytester, policy_folder: Path) -> None:
    (policy_folder / "cases" / "bad.yaml").write_text("cases: 3\n", encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert "a case file holds a list under `cases` [invalid_case_file]" in result.stdout.str()


def test_yaml_outside_a_layers_cases_folder_is_not_collected(pytester: pytest.Pytester, policy_folder: Path) -> None:
    (pytester.path / "cases").mkdir()
    (pytester.path / "cases" / "floor.yaml").write_text(CASES, encoding="utf-8")  # no layer.yaml beside
    (policy_folder / "examples").mkdir()
    (policy_folder / "examples" / "floor.yaml").write_text(CASES, encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["2 tests collected*"])


def test_the_shipped_cases_are_collected_once(pytester: pytest.Pytester) -> None:
    root = shipped_policy_root()
    expected = sum(len(load_cases(p)) for p in root.rglob("cases/*.yaml"))
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q", str(root), str(root / "xj"))
    items: list[Any] = [line for line in result.outlines if ".yaml::" in line]
    assert len(items) == expected
    assert len(set(items)) == expected
