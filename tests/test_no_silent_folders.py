"""No silent wrong answer from a policy folder: one without a layer, one moving the default region, and the
one rule every command follows to load a folder (issue 14)."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import ce_policy
from ce_policy.analysis.diff import load_version
from ce_policy.analysis.lint import lint_policies
from ce_policy.cli.main import main
from ce_policy.policy import registry as registry_module
from ce_policy.policy.folders import policy_root, registry_for
from ce_policy.policy.registry import PolicyRegistry, registry_with, shipped_policy_root
from tests.test_pytest_plugin import KUQA_LAYER

pytest_plugins = ["pytester"]

SHIPPED = shipped_policy_root()
MINIMAL = Path(__file__).resolve().parent / "data" / "minimal_policy" / "t.min"
EXAMPLE = SHIPPED / "xj" / "aksu-2025-12" / "examples" / "complete.json"
NO_LAYERS = "no policy layer (layer.yaml) in this folder [no_layers]"
KUQA = KUQA_LAYER.replace("{id: xj.aksu.2025, version: 1.0.0}", "xj.aksu.2025")  # whatever Aksu's version

SECTOR = """\
id: t.a
version: 1.0.0
title: A sector layer over its sibling t.min
extends: t.min
sector: a
document: {number: T-a, title: Sector rules, issuer: ce_policy tests}
in_force: {from: 2025-01-01}
"""

SECTOR_CASES = """\
defaults:
  person: {id: p1, title_level: junior, region: t, sector: a}
  year: 2025
  activity: {on_platform: true, passed: true, completed_on: 2025-06-01}
cases:
  - name: the sector keeps its base's floor
    activities:
      - {id: a, kind: public_course, hours: 10}
    expect:
      compliant: true
      policy: {id: t.a, chain: [t.min, t.a]}
"""


def _empty(tmp_path: Path, with_cases: bool = False) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    if with_cases:
        (folder / "cases").mkdir()
        (folder / "cases" / "floor.yaml").write_text("cases: []\n", encoding="utf-8")
    return folder


def _kuqa(tmp_path: Path, settings: str | None = None) -> Path:
    folder = tmp_path / "kq"
    (folder / "kq-2025").mkdir(parents=True)
    (folder / "kq-2025" / "layer.yaml").write_text(KUQA, encoding="utf-8")
    if settings is not None:
        (folder / "registry.yaml").write_text(settings, encoding="utf-8")
    return folder


def _siblings(tmp_path: Path) -> Path:
    """A department folder without registry.yaml: a base layer and, as its sibling, a sector layer extending it."""
    folder = tmp_path / "dept"
    shutil.copytree(MINIMAL, folder / "t.min")
    (folder / "t.a" / "cases").mkdir(parents=True)
    (folder / "t.a" / "layer.yaml").write_text(SECTOR, encoding="utf-8")
    (folder / "t.a" / "cases" / "floor.yaml").write_text(SECTOR_CASES, encoding="utf-8")
    return folder


def _codes(error: pytest.ExceptionInfo[ce_policy.PolicyFileError]) -> list[tuple[str, str, int | None]]:
    return [(p.code, p.file, p.line) for p in error.value.problems]


# --- 1. a policy folder with no layer ------------------------------------------------------------------------


@pytest.mark.parametrize("with_cases", [False, True], ids=["empty", "only-cases"])
def test_adding_a_folder_without_a_layer_is_refused(tmp_path: Path, with_cases: bool) -> None:
    folder = _empty(tmp_path, with_cases)
    registry = PolicyRegistry([SHIPPED])
    with pytest.raises(ce_policy.PolicyFileError) as error:
        registry.add_root(folder)
    assert _codes(error) == [("no_layers", str(folder), None)]
    assert registry.roots == (SHIPPED,)
    for load in (lambda: registry_with((folder,)), lambda: load_version(folder), lambda: registry_for(folder)):
        with pytest.raises(ce_policy.PolicyFileError) as error:
            load()
        assert error.value.codes == ["no_layers"]


def test_load_policies_refuses_a_folder_without_a_layer(tmp_path: Path) -> None:
    before = ce_policy.default_registry().roots
    with pytest.raises(ce_policy.PolicyFileError) as error:
        ce_policy.load_policies(_empty(tmp_path, with_cases=True))
    assert NO_LAYERS in str(error.value)
    assert ce_policy.default_registry().roots == before


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", str(EXAMPLE)],
        ["explain", str(EXAMPLE)],
        ["title-review", str(EXAMPLE), "--review-year", "2025", "--applied-on", "2025-09-30"],
        ["policies"],
        ["batch", str(EXAMPLE), "-o", "OUT"],
    ],
    ids=lambda args: args[0],
)
def test_commands_refuse_policies_without_a_layer(tmp_path: Path, args: list[str]) -> None:
    folder = _empty(tmp_path, with_cases=True)
    args = [str(tmp_path / "out.jsonl") if a == "OUT" else a for a in args]
    result = CliRunner().invoke(main, [*args, "--policies", str(folder), "--lang", "en"])
    assert result.exit_code in (1, 2), result.output
    assert f"{folder}: {NO_LAYERS}" in result.output
    assert "Traceback" not in result.output


def test_diff_and_replay_refuse_a_version_without_a_layer(tmp_path: Path) -> None:
    folder = _empty(tmp_path)
    records = tmp_path / "people.jsonl"
    records.write_text(EXAMPLE.read_text(encoding="utf-8").replace("\n", "") + "\n", encoding="utf-8")
    log = tmp_path / "decisions.jsonl"
    log.write_text("", encoding="utf-8")
    # a folder inside the shipped policies but holding no layer would otherwise compare as the shipped ones
    examples = EXAMPLE.parent
    runs = [
        ["diff", "shipped", str(folder), "--records", str(records)],
        ["diff", "shipped", str(examples), "--records", str(records)],
        ["replay", str(log), "--current", str(folder)],
        ["replay", str(log), "--policies", str(folder)],
    ]
    for args in runs:
        result = CliRunner().invoke(main, [*args, "--lang", "en"])
        assert result.exit_code == 2, (args, result.output)
        assert NO_LAYERS in result.output, args


# --- 2. an add-on folder does not move the default region ---------------------------------------------------


def test_an_add_on_folder_may_not_change_the_default_region(tmp_path: Path) -> None:
    folder = _kuqa(tmp_path, "# settings of the Kuqa folder\ndefault_region: xj.aksu.kuqa\n")
    registry = PolicyRegistry([SHIPPED])
    with pytest.raises(ce_policy.PolicyFileError) as error:
        registry.add_root(folder, strict=True)
    assert _codes(error) == [("default_region_change", "kq/registry.yaml", 2)]
    assert "'xj.aksu.kuqa' would replace the default region 'xj.aksu'" in str(error.value)
    assert (registry.roots, registry.default_region) == ((SHIPPED,), "xj.aksu")
    assert "kq.2025" not in registry.layer_ids()
    assert registry.add_root(folder, strict=True, set_default_region=True) == ["kq.2025"]
    assert registry.default_region == "xj.aksu.kuqa"


def test_an_add_on_folder_may_repeat_the_default_region(tmp_path: Path) -> None:
    registry = PolicyRegistry([SHIPPED])
    assert registry.add_root(_kuqa(tmp_path, "default_region: xj.aksu\n")) == ["kq.2025"]
    assert registry.default_region == "xj.aksu"


def test_load_policies_changes_the_default_region_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry_module, "_default", PolicyRegistry([SHIPPED]))
    folder = _kuqa(tmp_path, "default_region: xj.aksu.kuqa\n")
    with pytest.raises(ce_policy.PolicyFileError) as error:
        ce_policy.load_policies(folder)
    assert error.value.codes == ["default_region_change"]
    record = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    record["person"].pop("region", None)
    assert ce_policy.evaluate(record).policy.id == "xj.aksu.2025"
    assert ce_policy.load_policies(folder, set_default_region=True) == ["kq.2025"]
    assert ce_policy.evaluate(record).policy.id == "kq.2025"


def test_policies_option_refuses_a_folder_changing_the_default_region(tmp_path: Path) -> None:
    folder = _kuqa(tmp_path, "default_region: xj.aksu.kuqa\n")
    result = CliRunner().invoke(main, ["evaluate", str(EXAMPLE), "--policies", str(folder), "--lang", "en"])
    assert result.exit_code == 1
    assert "kq/registry.yaml:1: default_region 'xj.aksu.kuqa' would replace" in result.output
    assert "[default_region_change]" in result.output


def test_a_complete_folder_has_its_own_default_region(tmp_path: Path) -> None:
    copy = tmp_path / "kuqa-policies"
    shutil.copytree(SHIPPED, copy)
    (copy / "registry.yaml").write_text("default_region: xj.aksu.kuqa\n", encoding="utf-8")
    registry, _ = load_version(copy)
    assert registry.roots == (copy.resolve(),)
    assert registry.default_region == "xj.aksu.kuqa"


# --- 4. one rule to load a folder: a complete folder, or a layer with its sibling base ----------------------


def test_check_and_test_take_a_complete_policy_folder(tmp_path: Path) -> None:
    copy = tmp_path / "policies-copy"
    shutil.copytree(SHIPPED, copy)
    registry = registry_for(policy_root(copy / "xj" / "aksu-2025-12-health"))
    assert registry is not ce_policy.default_registry()
    assert registry.roots == (copy.resolve(),)
    checked = CliRunner().invoke(main, ["check", "--lang", "en", str(copy)])
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("ok: 6 layer(s) valid: cn.mohrss-25, xj.aksu.2025,")
    one = CliRunner().invoke(main, ["check", "--lang", "en", str(copy / "xj" / "aksu-2025-12-health")])
    assert one.output == "ok: 1 layer(s) valid: xj.aksu.2025.health\n"
    tested = CliRunner().invoke(main, ["test", "--lang", "en", str(copy / "xj" / "aksu-2025-12-education")])
    assert tested.exit_code == 0, tested.output
    assert tested.output.endswith(" passed, 0 failed\n")
    assert not tested.output.startswith("0 passed")


def test_a_layer_folder_is_loaded_with_its_sibling_base_layers(tmp_path: Path) -> None:
    folder = _siblings(tmp_path)
    assert policy_root(folder / "t.a") == folder.resolve()
    checked = CliRunner().invoke(main, ["check", "--lang", "en", str(folder / "t.a")])
    assert checked.exit_code == 0, checked.output
    assert checked.output == "ok: 1 layer(s) valid: t.a\n"  # t.min is loaded, but reported on only in its own
    tested = CliRunner().invoke(main, ["test", "--lang", "en", str(folder / "t.a"), "--coverage"])
    assert tested.exit_code == 0, tested.output
    assert "  t.a: 0/0 rules" in tested.output
    assert "t.min:" not in tested.output
    assert tested.output.endswith("1 passed, 0 failed\n")
    assert lint_policies(folder / "t.a").layers == ("t.a",)


def test_the_pytest_plugin_loads_a_complete_folder_on_its_own(pytester: pytest.Pytester) -> None:
    copy = pytester.path / "policies-copy"
    shutil.copytree(SHIPPED, copy, ignore=shutil.ignore_patterns("examples"))
    for cases in copy.rglob("cases"):
        if cases.parent.name != "aksu-2025-12-health":
            shutil.rmtree(cases)
    _siblings(pytester.path)
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    output = result.stdout.str()
    assert "is invalid" not in output, output
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0
    assert outcomes["passed"] > 1


def test_plugin_failure_says_how_the_folder_was_loaded(pytester: pytest.Pytester) -> None:
    copy = pytester.path / "mine"
    shutil.copytree(MINIMAL, copy / "t.min")
    (copy / "registry.yaml").write_text("default_region: t\n", encoding="utf-8")
    (copy / "t.min" / "cases").mkdir()
    (copy / "t.min" / "cases" / "floor.yaml").write_text(SECTOR_CASES, encoding="utf-8")
    rules = copy / "t.min" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("cite: s1", "cite: s9", 1), encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert "(loaded on its own) is invalid" in result.stdout.str()
    assert "[dangling_citation]" in result.stdout.str()
