"""Sector overrides from a department's own folder: what they may change, and the guardrails on the rest."""

import datetime as dt
import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ce_policy
from ce_policy.cli.main import main
from ce_policy.policy import registry as registry_module
from ce_policy.policy.registry import shipped_policy_root
from tests.records import activity, record

LAYER = """\
id: {id}
version: 1.0.0
title: test override
extends: {extends}
sector: {sector}
document: {{number: 测试〔2025〕1号, title: test, issuer: test department, issued_on: 2025-01-01}}
in_force: {{from: {start}}}
"""
CLAUSES = """\
clauses:
  own:
    section: 一
    text: 本行业另有规定。
"""


def _layer(
    root: Path,
    overrides: str,
    *,
    layer_id: str = "t.education",
    sector: str = "education",
    extends: str = "{id: xj.aksu.2025, version: ^1.1}",
    start: str = "2025-01-01",
    extra: dict[str, str] | None = None,
    applies_to: str = "",
) -> Path:
    folder = root / layer_id
    folder.mkdir(parents=True)
    (folder / "layer.yaml").write_text(
        LAYER.format(id=layer_id, extends=extends, sector=sector, start=start) + applies_to, encoding="utf-8"
    )
    (folder / "clauses.yaml").write_text(CLAUSES, encoding="utf-8")
    if overrides:
        (folder / "overrides.yaml").write_text(textwrap.dedent(overrides), encoding="utf-8")
    for name, text in (extra or {}).items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _without_the_shipped_education_layer(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The test layers are for sector education, which the shipped education layer already covers."""
    global SHIPPED  # noqa: PLW0603 - one copy per test
    SHIPPED = tmp_path_factory.mktemp("shipped") / "policies"
    shutil.copytree(shipped_policy_root(), SHIPPED)
    shutil.rmtree(SHIPPED / "xj" / "aksu-2025-12-education")


SHIPPED = shipped_policy_root()


def _registry() -> ce_policy.PolicyRegistry:
    return ce_policy.PolicyRegistry([SHIPPED])


def _refused(root: Path) -> ce_policy.PolicyFileError:
    registry = _registry()
    before = registry.layer_ids()
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry.add_root(root, strict=True)
    assert registry.layer_ids() == before  # nothing was added
    return info.value


GOOD_PARAMETER = """\
parameters:
  professional_min_hours:
    basis: xj.aksu.2025:s6.sector_rules
    cite: own
    provenance: R
    values:
      - {from: 2025-01-01, value: 50}
"""


def test_a_valid_override_changes_only_its_own_sector(tmp_path: Path) -> None:
    registry = _registry()
    assert registry.add_root(_layer(tmp_path, GOOD_PARAMETER), strict=True) == ["t.education"]
    data = record(activity("pub", "public_course", 35), activity("pro", "training", 55))
    general = ce_policy.evaluate(data, registry=registry)
    teacher_data = {**data, "person": {**data["person"], "sector": "education"}}
    teacher = ce_policy.evaluate(teacher_data, registry=registry)
    assert not general.compliant
    assert teacher.compliant
    assert teacher.required.professional == 50
    assert teacher.policy.chain[-1] == "t.education"
    assert teacher.policy.sector == "education"
    # the base is untouched: the shipped policy still has its own value
    assert registry.policy("xj.aksu.2025").parameters["professional_min_hours"].values[0][1] == 60


def test_an_exception_applies_where_its_condition_holds_and_the_base_rule_elsewhere(tmp_path: Path) -> None:
    overrides = """\
    exceptions:
      - id: t.quota.senior_teachers
        to: aksu.quota.professional
        basis: xj.aksu.2025:s6.sector_rules
        cite: own
        when: {title_level: senior}
        then:
          require: {category: professional, at_least: 40}
    """
    registry = _registry()
    registry.add_root(_layer(tmp_path, overrides), strict=True)
    base = record(activity("pub", "public_course", 30), activity("pro", "training", 45))
    senior = {**base, "person": {"id": "s", "title_level": "senior", "sector": "education"}}
    junior = {**base, "person": {"id": "j", "title_level": "junior", "sector": "education"}}
    senior_decision = ce_policy.evaluate(senior, registry=registry)
    junior_decision = ce_policy.evaluate(junior, registry=registry)
    assert senior_decision.required.professional == 40
    assert not any(e.rule.startswith("aksu.quota.professional") for e in senior_decision.trace)
    assert junior_decision.required.professional == 60
    assert not junior_decision.compliant


@pytest.mark.parametrize("when", ["", "        when: {title_level: senior}\n"], ids=["everywhere", "where-it-holds"])
def test_an_exception_without_outcomes_sets_the_rule_aside(tmp_path: Path, when: str) -> None:
    overrides = (
        "    exceptions:\n"
        "      - id: t.quota.no_public_floor\n"
        "        to: aksu.quota.public\n"
        "        basis: xj.aksu.2025:s6.sector_rules\n"
        "        cite: own\n" + when + "        then: {}\n"
    )
    registry = _registry()
    registry.add_root(_layer(tmp_path, overrides), strict=True)
    base = record(activity("pro", "training", 90))
    senior = {**base, "person": {"id": "s", "title_level": "senior", "sector": "education"}}
    junior = {**base, "person": {"id": "j", "title_level": "junior", "sector": "education"}}
    senior_decision = ce_policy.evaluate(senior, registry=registry)
    assert senior_decision.required.public == 0
    assert senior_decision.compliant
    assert not any(e.rule.startswith("aksu.quota.public") for e in senior_decision.trace)
    junior_decision = ce_policy.evaluate(junior, registry=registry)
    assert junior_decision.required.public == (0 if not when else 30)
    assert junior_decision.compliant is (not when)


GUARDRAILS: dict[str, tuple[str, dict[str, Any]]] = {
    "override_not_granted": (
        """\
        parameters:
          deadline:
            basis: xj.aksu.2025:s6.sector_rules
            cite: own
            provenance: N
            values: [{from: 2025-01-01, value: 2026-03-31}]
        """,
        {},
    ),
    "unknown_override_target": (
        """\
        exceptions:
          - {id: t.x, to: aksu.quota.profesional, basis: xj.aksu.2025:s6.sector_rules, cite: own,
             then: {require: {category: professional, at_least: 1}}}
        """,
        {},
    ),
    "override_without_basis": (GOOD_PARAMETER.replace("    basis: xj.aksu.2025:s6.sector_rules\n", ""), {}),
    "wrong_basis": (GOOD_PARAMETER.replace("s6.sector_rules", "s2.quota"), {}),
    "override_outside_base_dates": (GOOD_PARAMETER.replace("from: 2025-01-01", "from: 2024-06-01"), {}),
    "version_mismatch": (GOOD_PARAMETER, {"extends": "{id: xj.aksu.2025, version: 9.9.9}"}),
    "duplicate_rule": (
        """\
        exceptions:
          - {id: aksu.quota.public, to: aksu.quota.professional, basis: xj.aksu.2025:s6.sector_rules,
             cite: own, then: {require: {category: professional, at_least: 1}}}
        """,
        {},
    ),
    "duplicate_coverage": (GOOD_PARAMETER, {"sector": "health", "layer_id": "t.health"}),
    "dangling_citation": (GOOD_PARAMETER.replace("cite: own", "cite: nowhere"), {}),
    "values_out_of_order": (
        GOOD_PARAMETER.replace(
            "      - {from: 2025-01-01, value: 50}\n",
            "      - {from: 2025-06-01, value: 50}\n      - {from: 2025-01-01, value: 40}\n",
        ),
        {},
    ),
    "coverage_outside_base": (
        GOOD_PARAMETER,
        {"applies_to": "applies_to: {regions: [xj.kashgar], years: [2025, 2026]}\n"},
    ),
}


@pytest.mark.parametrize("code", sorted(GUARDRAILS))
def test_each_guardrail_refuses_with_file_line_and_code(tmp_path: Path, code: str) -> None:
    overrides, options = GUARDRAILS[code]
    error = _refused(_layer(tmp_path, overrides, **options))
    assert code in error.codes, str(error)
    problem = next(p for p in error.problems if p.code == code)
    assert problem.file.endswith(("overrides.yaml", "layer.yaml"))
    assert problem.line is not None


def test_overrides_need_a_sector(tmp_path: Path) -> None:
    folder = _layer(tmp_path, GOOD_PARAMETER) / "t.education"
    text = (folder / "layer.yaml").read_text(encoding="utf-8").replace("sector: education\n", "")
    (folder / "layer.yaml").write_text(text, encoding="utf-8")
    assert "overrides_need_sector" in _refused(tmp_path).codes


def test_a_grant_must_name_what_its_layer_defines(tmp_path: Path) -> None:
    folder = _layer(tmp_path, "", sector="education")
    layer = folder / "t.education" / "layer.yaml"
    layer.write_text(
        layer.read_text(encoding="utf-8")
        + "overridable:\n  - {sectors: [x], basis: own, parameters: [no_such_hours], rules: [no.rule]}\n",
        encoding="utf-8",
    )
    codes = _refused(tmp_path).codes
    assert codes.count("unknown_override_target") == 2


def test_a_broken_override_leaves_every_other_sectors_decisions_unchanged(tmp_path: Path) -> None:
    registry = _registry()
    people = {
        sector: record(activity("pub", "public_course", 30), activity("pro", "training", 58), pid=sector)
        for sector in ("general", "health", "education", "transport")
    }
    for sector, data in people.items():
        data["person"]["sector"] = sector
    before = {s: ce_policy.evaluate(d, registry=registry) for s, d in people.items()}
    hostile = """\
    parameters:
      professional_min_hours:
        basis: xj.aksu.2025:s6.sector_rules
        cite: own
        provenance: R
        values: [{from: 2025-01-01, value: 0}]
      public_min_hours:
        basis: xj.aksu.2025:s2.quota
        cite: own
        provenance: R
        values: [{from: 2025-01-01, value: 0}]
    """
    for sector in ("education", "general", "transport"):
        root = tmp_path / sector
        with pytest.raises(ce_policy.PolicyFileError):
            registry.add_root(_layer(root, hostile, sector=sector, layer_id=f"t.{sector}"), strict=True)
    # Without strict loading, a broken layer is still only ever built for its own sector.
    lazy = _layer(tmp_path / "lazy", hostile, sector="education", layer_id="t.lazy")
    registry.add_root(lazy)
    after = {s: ce_policy.evaluate(d, registry=registry) for s, d in people.items() if s != "education"}
    for sector, decision in after.items():
        assert decision == before[sector], sector
    with pytest.raises(ce_policy.PolicyFileError):
        ce_policy.evaluate(people["education"], registry=registry)


def test_the_cli_option_adds_a_folder_for_that_command_only(tmp_path: Path) -> None:
    folder = tmp_path / "county" / "t.kuqa"
    folder.mkdir(parents=True)
    (folder / "layer.yaml").write_text(
        LAYER.format(id="t.kuqa", extends="xj.aksu.2025", sector="null", start="2025-01-01")
        + "applies_to: {regions: [xj.aksu.kuqa], years: [2025]}\n",
        encoding="utf-8",
    )
    source = tmp_path / "kuqa.json"
    data = record(activity("pub", "public_course", 30), activity("pro", "training", 60))
    data["person"]["region"] = "xj.aksu.kuqa"
    source.write_text(json.dumps(data), encoding="utf-8")
    command = ["evaluate", str(source), "--policies", str(tmp_path / "county"), "--format", "json"]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["policy"]["id"] == "t.kuqa"
    assert "t.kuqa" not in ce_policy.default_registry().layer_ids()
    without = CliRunner().invoke(main, ["evaluate", str(source), "--format", "json"])
    assert json.loads(without.output)["policy"]["id"] == "xj.aksu.2025"


def test_load_policies_adds_a_folder_to_the_process_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_module, "_default", _registry())
    assert ce_policy.load_policies(_layer(tmp_path, GOOD_PARAMETER)) == ["t.education"]
    assert "t.education" in ce_policy.default_registry().layer_ids()
    with pytest.raises(ce_policy.PolicyFileError):
        ce_policy.load_policies(_layer(tmp_path / "again", GOOD_PARAMETER))  # same id twice


def test_the_prefectures_open_grant_empowers_any_sector_department(tmp_path: Path) -> None:
    registry = ce_policy.PolicyRegistry([SHIPPED])
    added = registry.add_root(_layer(tmp_path, GOOD_PARAMETER, sector="transport", layer_id="t.transport"), strict=True)
    assert added == ["t.transport"]
    assert registry.policy("t.transport").parameters["professional_min_hours"].layer == "t.transport"


COUNTY = {
    "layer.yaml": """\
        id: t.county
        version: 1.0.0
        title: a county notice
        extends: {id: xj.aksu.2025, version: ^1.1}
        document: {number: 县〔2025〕1号, title: test, issuer: test county}
        in_force: {from: 2025-01-01}
        applies_to: {regions: [xj.aksu.kuqa], years: [2025]}
        overridable:
          - {sectors: [education], basis: own, parameters: [county_hours]}
        """,
    "parameters.yaml": """\
        parameters:
          county_hours:
            description: county hours
            type: hours
            cite: own
            provenance: N
            values: [{from: 2025-01-01, value: 10}]
        """,
}
COUNTY_OVERRIDE = """\
    parameters:
      county_hours:
        basis: t.county:own
        cite: t.county:own
        provenance: N
        values: [{from: 2025-01-01, value: 0}]
    """


def _county(root: Path) -> Path:
    folder = root / "t.county"
    folder.mkdir(parents=True)
    (folder / "clauses.yaml").write_text(CLAUSES, encoding="utf-8")
    for name, text in COUNTY.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_a_grant_naming_its_sectors_refuses_the_others(tmp_path: Path) -> None:
    _county(tmp_path)
    _layer(
        tmp_path, COUNTY_OVERRIDE, sector="transport", layer_id="t.transport", extends="{id: t.county, version: ^1.0}"
    )
    problems = _refused(tmp_path).problems
    assert [(p.code, p.message) for p in problems] == [
        (
            "sector_not_granted",
            "parameter 'county_hours' may be overridden only by sectors education, not 'transport'",
        )
    ]


def test_a_grant_reaches_nothing_of_a_layer_above_it(tmp_path: Path) -> None:
    """The prefecture grants ``*_hours``; a parameter of the county notice above it is not the prefecture's to grant."""
    _county(tmp_path)
    _layer(
        tmp_path,
        COUNTY_OVERRIDE.replace("t.county:own", "xj.aksu.2025:s6.sector_rules"),
        sector="transport",
        layer_id="t.transport",
        extends="{id: t.county, version: ^1.0}",
    )
    assert [p.code for p in _refused(tmp_path).problems] == ["sector_not_granted"]


def test_a_rule_pattern_grant_covers_the_rules_below_it(tmp_path: Path) -> None:
    exception = """\
        exceptions:
          - id: t.transport.exam
            to: xj.hours.qualification_exam
            basis: xj.aksu.2025:s6.sector_rules
            cite: own
            when: {kind: qualification_exam}
            then: {hours: {fixed: 90}}
        """
    registry = ce_policy.PolicyRegistry([SHIPPED])
    registry.add_root(_layer(tmp_path, exception, sector="transport", layer_id="t.transport"), strict=True)
    record = {
        "person": {"id": "p", "title_level": "junior", "sector": "transport"},
        "year": 2025,
        "activities": [
            {
                "id": "x",
                "kind": "qualification_exam",
                "hours": 1,
                "on_platform": True,
                "passed": True,
                "completed_on": "2025-05-01",
                "approval": "approved",
            },
        ],
    }
    (outcome,) = ce_policy.evaluate(record, registry=registry).activities
    assert outcome.hours == 90
    general = {**record, "person": {"id": "p", "title_level": "junior"}}
    assert ce_policy.evaluate(general, registry=registry).activities[0].hours == 40


def test_an_overridden_choice_no_record_can_carry_is_refused_with_file_and_line() -> None:
    # tests/data/override_policies/choice_no_record_carries: t.min tests seminar_levels on organiser_level, and
    # the health layer overrides it with "hospital", which no activity's organiser_level can be.
    root = Path(__file__).parent / "data" / "override_policies" / "choice_no_record_carries"
    registry = ce_policy.PolicyRegistry([shipped_policy_root()])
    with pytest.raises(ce_policy.PolicyFileError) as info:
        registry.add_root(root, strict=True)
    (problem,) = info.value.problems
    assert (problem.code, Path(problem.file).as_posix().endswith("t.health/overrides.yaml")) == (
        "invalid_parameter_value",
        True,
    )
    assert problem.line == 9
    lines = (root / "t.health" / "overrides.yaml").read_text(encoding="utf-8").splitlines()
    assert "hospital" in lines[problem.line - 1]
    assert "'hospital'" in problem.message and "organiser_level" in problem.message and "t.seminar" in problem.message


def test_an_overridden_choice_records_can_carry_is_accepted(tmp_path: Path) -> None:
    source = Path(__file__).parent / "data" / "override_policies" / "choice_no_record_carries"
    root = tmp_path / "ok"
    shutil.copytree(source, root)
    overrides = root / "t.health" / "overrides.yaml"
    overrides.write_text(overrides.read_text(encoding="utf-8").replace("hospital", "county"), encoding="utf-8")
    registry = ce_policy.PolicyRegistry([shipped_policy_root()])
    registry.add_root(root, strict=True)
    assert registry.policy("t.health").parameters["seminar_levels"].value_at(dt.date(2025, 6, 1)) == (
        "national",
        "county",
    )
