"""The pytest plugin collects a policy folder's YAML cases and reports failures usefully (checked with pytester)."""

import shutil
from pathlib import Path

import pytest

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
      cites: [s1]

  - name: a wrong expectation
    activities:
      - {id: a, kind: public_course, hours: 9.5}
    expect:
      compliant: true
      hours: {public: 12}
"""


@pytest.fixture
def policy_folder(pytester: pytest.Pytester) -> Path:
    layer = pytester.path / "my_policies" / "t.min"
    shutil.copytree(MINIMAL, layer)
    (layer / "cases").mkdir()
    (layer / "cases" / "floor.yaml").write_text(CASES, encoding="utf-8")
    return layer


def test_cases_are_collected_and_failures_show_expected_actual_and_trace(
    pytester: pytest.Pytester, policy_folder: Path
) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert "a wrong expectation" in output
    assert "$.hours.public: expected 12, got 9.5" in output
    assert "$.compliant: expected True, got False" in output
    assert "trace (rule → clause, activity):" in output
    assert "t.public → t.min:s1 (a)" in output
    assert "record (as written in the case" in output


def test_a_case_asserting_the_wrong_reason_fails(pytester: pytest.Pytester, policy_folder: Path) -> None:
    first = CASES.split("  - name: a wrong expectation", maxsplit=1)[0]
    wrong_reason = first.replace("fired: [t.public, t.floor]", "fired: [t.not_passed]")
    (policy_folder / "cases" / "floor.yaml").write_text(wrong_reason, encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert "fired: rule 't.not_passed' did not fire" in result.stdout.str()
