"""Broken policy folders, each pinned to the problem code, file and line that loading reports.

Every folder under ``tests/data/broken_policies`` is a policy root: a copy of ``tests/data/minimal_policy``
(one valid layer, ``t.min``) with one thing broken. Problems that only show in large files (too many rules in
a stage, a file over the size limit) are generated in ``tmp_path`` instead of being committed.

Each case pins the line that holds the offending text (for a mapping entry, the line of its key).
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest

import ce_policy
from ce_policy import PolicyFileError, PolicyNotFoundError, PolicyProblem, PolicyRegistry
from ce_policy.policy.layer_files import read_layer
from ce_policy.policy.safe_yaml import MAX_POLICY_FILE_BYTES, read_yaml
from ce_policy.policy.shapes import MAX_RULES_PER_STAGE

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "minimal_policy"
BROKEN = DATA / "broken_policies"
LAYER_ID = "t.min"

Phase = Literal["add_root", "policy"]


@dataclass(frozen=True)
class Case:
    """One broken folder and the problem loading it must report (with ``also``, the problems).

    Attributes:
        folder: the policy root under ``tests/data/broken_policies``.
        phase: ``add_root`` when indexing the folder fails (reading and shape-checking each layer),
            ``policy`` when the folder is indexed but building the policy ``t.min`` fails (cross references).
        code: the problem code.
        file: the file, relative to the policy root.
        line: the line that holds the offending text (``None``: the file as a whole).
        at: text that line must contain, so the table cannot drift from the data.
        message: text the message must contain (e.g. a did-you-mean hint).
        also: further problems of the same code in the same file, in order, each as (line, at, message).
    """

    folder: str
    phase: Phase
    code: str
    file: str
    line: int
    at: str = ""
    message: str = ""
    also: tuple[tuple[int, str, str], ...] = ()

    @property
    def expected(self) -> list[tuple[int, str, str]]:
        """Every problem as (line, at, message), in the order they are reported."""
        return [(self.line, self.at, self.message), *self.also]


CASES = [
    # --- the YAML reader -----------------------------------------------------------------------------
    Case("duplicate_key", "add_root", "duplicate_key", "t.min/layer.yaml", 5, "title: Again", "first on line 4"),
    Case("yaml_syntax", "add_root", "yaml_syntax", "t.min/rules.yaml", 9, "registration: automatic: yes"),
    Case(
        "yaml_tag",
        "add_root",
        "yaml_tag",
        "t.min/parameters.yaml",
        10,
        "!!python/object/apply:os.system",
        "python/object/apply:os.system",
    ),
    Case(
        "yaml_alias",
        "add_root",
        "yaml_alias",
        "t.min/parameters.yaml",
        6,
        "cite: &clause s1",
        "anchors are not allowed",
        also=((14, "cite: *clause", "aliases are not allowed"),),
    ),
    Case("yaml_merge_key", "add_root", "yaml_merge_key", "t.min/parameters.yaml", 14, "<<: {cite: s1"),
    Case("yaml_key", "add_root", "yaml_key", "t.min/layer.yaml", 4, "[colour]: blue"),
    Case("yaml_too_deep", "add_root", "yaml_too_deep", "t.min/layer.yaml", 5, "nested: [[["),
    Case("not_utf8", "add_root", "not_utf8", "t.min/clauses.yaml", 5, "rests on this caf"),
    Case("not_a_mapping", "add_root", "not_a_mapping", "t.min/clauses.yaml", 1, "# The one clause"),
    # --- the shape of each file ----------------------------------------------------------------------
    Case("unknown_key_layer", "add_root", "unknown_key", "t.min/layer.yaml", 4, "colour: blue", "'colour'"),
    Case("unknown_key_rule", "add_root", "unknown_key", "t.min/rules.yaml", 6, "priority: 1", "'priority'"),
    Case("missing_key_layer", "add_root", "missing_key", "t.min/layer.yaml", 2, "id: t.min", "title"),
    Case(
        "missing_key_rule",
        "add_root",
        "missing_key",
        "t.min/rules.yaml",
        12,
        "- id: t.not_passed",
        "rules.1.cite",
    ),
    Case(
        "invalid_value",
        "add_root",
        "invalid_value",
        "t.min/layer.yaml",
        3,
        "version: 1.0",
        "e.g. version: ",  # an example of the right form, not pydantic's "Input should be a valid string"
    ),
    # --- cross references, checked when the policy is built -----------------------------------------
    Case(
        "dangling_citation_rule",
        "policy",
        "dangling_citation",
        "t.min/rules.yaml",
        13,
        "cite: s9",
        "unknown clause 's9' (did you mean 't.min:s1'?)",
    ),
    Case(
        "dangling_citation_parameter",
        "policy",
        "dangling_citation",
        "t.min/parameters.yaml",
        14,
        "cite: s2",
        "unknown clause 's2'",
    ),
    Case(
        "dangling_citation_code",
        "policy",
        "dangling_citation",
        "t.min/codes.yaml",
        11,
        "cite: art.9",
        "unknown clause 'art.9'",
    ),
    Case(
        "unknown_parameter",
        "policy",
        "unknown_parameter",
        "t.min/rules.yaml",
        23,
        "{param: min_hour}",
        "unknown parameter 'min_hour' (did you mean 'min_hours'?)",
    ),
    Case(
        "parameter_type",
        "policy",
        "parameter_type",
        "t.min/rules.yaml",
        23,
        "{param: max_items}",
        "'max_items' is of type integer, hours is needed here",
    ),
    Case(
        "unknown_field",
        "policy",
        "unknown_field",
        "t.min/rules.yaml",
        6,
        "pased: true",
        "no field 'pased' (did you mean 'passed'?)",
    ),
    Case(
        "unknown_operator",
        "policy",
        "unknown_operator",
        "t.min/rules.yaml",
        15,
        "{at_lest: 1}",
        "'at_lest' cannot test hours field 'hours' (did you mean 'at_least'?)",
    ),
    Case(
        "invalid_operand",
        "policy",
        "invalid_operand",
        "t.min/rules.yaml",
        6,
        "kind: public_cours,",
        "'public_cours' is not a kind (did you mean 'public_course'?)",
    ),
    Case(
        "invalid_condition",
        "policy",
        "invalid_condition",
        "t.min/rules.yaml",
        15,
        "{any: []}",
        "non-empty list",
    ),
    Case(
        "unknown_outcome",
        "policy",
        "unknown_outcome",
        "t.min/rules.yaml",
        8,
        "categroy: public",
        "unknown outcome 'categroy' (did you mean 'category'?)",
    ),
    Case("invalid_outcome", "policy", "invalid_outcome", "t.min/rules.yaml", 8, "category: private"),
    Case(
        "outcome_stage",
        "policy",
        "outcome_stage",
        "t.min/rules.yaml",
        17,
        "consequence: incomplete",
        "outcome 'consequence' is not allowed in stage 'activity'",
    ),
    Case(
        "unknown_code",
        "policy",
        "unknown_code",
        "t.min/rules.yaml",
        17,
        "reject: not_pased",
        "'not_pased' is not a declared reason code (did you mean 'not_passed'?)",
    ),
    Case(
        "invalid_parameter_value",
        "policy",
        "invalid_parameter_value",
        "t.min/parameters.yaml",
        10,
        "value: -1",
        "min_hours: hours must not be negative",
    ),
    Case(
        "values_out_of_order",
        "policy",
        "values_out_of_order",
        "t.min/parameters.yaml",
        11,
        "- from: 2024-06-01",
    ),
    Case(
        "duplicate_rule",
        "policy",
        "duplicate_rule",
        "t.min/rules.yaml",
        25,
        "- id: t.floor",
        "rule 't.floor' is already defined (duplicate_rule/t.min/rules.yaml:19)",
    ),
    Case(
        "duplicate_code",
        "policy",
        "duplicate_code",
        "t.min/codes.yaml",
        12,
        "  not_passed:",
        "code 'not_passed' is already defined",
    ),
    Case(
        "duplicate_parameter",
        "policy",
        "duplicate_parameter",
        "t.min/parameters.yaml",
        3,
        "  min_hours:",
        "parameter 'min_hours' is already defined",
    ),
    Case(
        "in_force_outside_layer",
        "policy",
        "in_force_outside_layer",
        "t.min/rules.yaml",
        22,
        "in_force: {from: 2024-01-01}",
    ),
    # --- layers and their chain ---------------------------------------------------------------------
    Case(
        "unknown_layer",
        "policy",
        "unknown_layer",
        "t.min/layer.yaml",
        5,
        "extends: t.nowhere",
        "extends unknown layer 't.nowhere'",
    ),
    Case(  # reported at the extends: of the last layer in the chain, the one that closes the cycle
        "extends_cycle",
        "policy",
        "extends_cycle",
        "t.other/layer.yaml",
        5,
        "extends: t.min",
        "layers extend each other in a cycle: t.min → t.other → t.min",
    ),
    Case(
        "duplicate_layer",
        "add_root",
        "duplicate_layer",
        "b/layer.yaml",
        2,
        "id: t.min",
        "layer id 't.min' is already known",
    ),
]

# Folders that are not a single-problem case: they have tests of their own below.
OTHER_FOLDERS = {"missing_file", "several_read_problems", "several_build_problems"}


def _ids(case: Case) -> str:
    return case.folder


def _load(root: Path, phase: Phase) -> PolicyFileError:
    """Load ``root`` as a user would and return the error, checking it surfaces in ``phase``."""
    registry = PolicyRegistry()
    if phase == "add_root":
        with pytest.raises(PolicyFileError) as info:
            registry.add_root(root)
        return info.value
    assert LAYER_ID in registry.add_root(root)
    with pytest.raises(PolicyFileError) as info:
        registry.policy(LAYER_ID)
    return info.value


def _shown(file: str) -> str:
    return file.replace("\\", "/")


def _copy_minimal(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(MINIMAL, root)
    return root


# --- the minimal policy ------------------------------------------------------------------------------


def test_minimal_policy_is_valid() -> None:
    registry = PolicyRegistry([MINIMAL])
    assert registry.layer_ids() == [LAYER_ID]
    policy = registry.policy(LAYER_ID)
    assert [rule.id for rule in policy.rules] == ["t.public", "t.not_passed", "t.floor", "t.incomplete"]
    assert [rule.line for rule in policy.rules] == [3, 12, 19, 25]
    assert set(policy.parameters) == {"min_hours", "max_items"}
    # a parameter's line is that of its key, not of its first field
    assert {pid: p.line for pid, p in policy.parameters.items()} == {"min_hours": 3, "max_items": 11}
    assert set(policy.codes) == {"not_passed", "incomplete"}
    assert set(policy.clauses) == {"t.min:s1"}


def _activity(activity_id: str, hours: int, *, passed: bool) -> dict[str, Any]:
    return {
        "id": activity_id,
        "kind": "public_course",
        "hours": hours,
        "on_platform": True,
        "passed": passed,
        "completed_on": "2025-03-01",
    }


def test_minimal_policy_evaluates() -> None:
    registry = PolicyRegistry([MINIMAL])
    person = {"id": "p-1", "title_level": "junior", "region": "t"}
    done = ce_policy.evaluate(
        {
            "person": person,
            "year": 2025,
            "activities": [_activity("a1", 12, passed=True), _activity("a2", 5, passed=False)],
        },
        registry=registry,
    )
    assert done.compliant
    assert done.hours.total == Decimal(12)
    assert [(a.id, a.counted, a.reasons) for a in done.activities] == [
        ("a1", True, ()),
        ("a2", False, ("not_passed",)),
    ]
    assert done.consequences == ()

    short = ce_policy.evaluate(
        {"person": person, "year": 2025, "activities": [_activity("a1", 4, passed=True)]},
        registry=registry,
        as_of=dt.date(2025, 12, 31),
    )
    assert not short.compliant
    assert short.shortfall.total == Decimal(6)
    assert short.consequences == ("incomplete",)


# --- one folder, one problem -------------------------------------------------------------------------


def test_every_broken_folder_has_a_test() -> None:
    folders = {p.name for p in BROKEN.iterdir() if p.is_dir()}
    assert folders == {case.folder for case in CASES} | OTHER_FOLDERS


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_broken_folder_table_matches_its_data(case: Case) -> None:
    """The expected lines really hold the offending text (so the table cannot drift from the files)."""
    lines = (BROKEN / case.folder / case.file).read_bytes().split(b"\n")
    for line, at, _ in case.expected:
        assert at.encode() in lines[line - 1]


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_broken_folder_is_reported(case: Case) -> None:
    problems = _load(BROKEN / case.folder, case.phase).problems
    shown = f"{case.folder}/{case.file}"  # relative to the policy root's parent
    assert [(p.code, _shown(p.file), p.line) for p in problems] == [
        (case.code, shown, line) for line, _, _ in case.expected
    ]
    for problem, (_, _, message) in zip(problems, case.expected, strict=True):
        assert message in problem.message


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_only_policy_file_error_escapes(case: Case) -> None:
    """The front door raises a PolicyFileError and nothing else, with no raw exception chained."""
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry([BROKEN / case.folder]).policy(LAYER_ID)
    error = info.value
    assert type(error) is PolicyFileError
    assert isinstance(error, ce_policy.CePolicyError)
    assert isinstance(error, ValueError)
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    assert error.codes == [case.code] * len(case.expected)
    for problem in error.problems:
        assert str(problem) in str(error)


# --- several problems at once ------------------------------------------------------------------------


def _problems(error: PolicyFileError) -> list[tuple[str, str, int | None]]:
    return [(p.code, _shown(p.file), p.line) for p in error.problems]


def test_every_problem_of_a_folder_is_reported_while_reading() -> None:
    """Problems in several files of a layer, and several in one file, come in one error."""
    error = _load(BROKEN / "several_read_problems", "add_root")
    folder = "several_read_problems/t.min"
    assert _problems(error) == [
        ("unknown_key", f"{folder}/layer.yaml", 4),
        ("duplicate_key", f"{folder}/clauses.yaml", 5),
        ("yaml_tag", f"{folder}/parameters.yaml", 10),
        ("yaml_tag", f"{folder}/parameters.yaml", 18),
    ]


def test_every_problem_of_a_policy_is_reported_while_building() -> None:
    error = _load(BROKEN / "several_build_problems", "policy")
    folder = "several_build_problems/t.min"
    assert _problems(error) == [
        ("invalid_parameter_value", f"{folder}/parameters.yaml", 18),
        ("unknown_field", f"{folder}/rules.yaml", 6),
        ("dangling_citation", f"{folder}/rules.yaml", 13),
        ("unknown_code", f"{folder}/rules.yaml", 17),
        ("unknown_parameter", f"{folder}/rules.yaml", 23),
    ]
    assert f"{len(error.problems)} problem(s)" in str(error)


def test_every_yaml_problem_of_one_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(
        "a: 1\n"  # 1
        "a: 2\n"  # 2 duplicate key
        "b: !!str x\n"  # 3 tag
        "c:\n"  # 4
        "  <<: {d: 1}\n"  # 5 merge key
        "e: !!int 1\n",  # 6 tag
        encoding="utf-8",
    )
    with pytest.raises(PolicyFileError) as info:
        read_yaml(path, display="many.yaml")
    assert _problems(info.value) == [
        ("duplicate_key", "many.yaml", 2),
        ("yaml_tag", "many.yaml", 3),
        ("yaml_merge_key", "many.yaml", 5),
        ("yaml_tag", "many.yaml", 6),
    ]


def test_anchors_and_aliases_are_refused_before_the_file_is_built(tmp_path: Path) -> None:
    """Each anchor and each alias is a problem at its own line, found in the event stream; as with a syntax
    error, nothing is built, so the file's other problems (here a duplicate key) show once they are gone."""
    path = tmp_path / "shared.yaml"
    path.write_text(
        "a: 1\n"  # 1
        "a: 2\n"  # 2 duplicate key (not reached)
        "b: &x 1\n"  # 3 anchor
        "c: [*x, 2]\n"  # 4 alias
        "d:\n"  # 5
        "  e: *x\n",  # 6 alias
        encoding="utf-8",
    )
    with pytest.raises(PolicyFileError) as info:
        read_yaml(path, display="shared.yaml")
    assert [(p.code, p.line, p.message) for p in info.value.problems] == [
        ("yaml_alias", 3, "anchors are not allowed in policy files"),
        ("yaml_alias", 4, "aliases are not allowed in policy files"),
        ("yaml_alias", 6, "aliases are not allowed in policy files"),
    ]


def test_problems_of_several_layers_of_one_root_come_together(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(BROKEN / "unknown_key_layer" / "t.min", root / "one")
    shutil.copytree(BROKEN / "yaml_tag" / "t.min", root / "two")
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry().add_root(root)
    assert _problems(info.value) == [
        ("unknown_key", "root/one/layer.yaml", 4),
        ("yaml_tag", "root/two/parameters.yaml", 10),
    ]


# --- problems generated in tmp_path --------------------------------------------------------------------


def _activity_rules(count: int) -> str:
    rules = [
        f"  - id: t.r{i}\n    cite: s1\n    stage: activity\n"
        "    when: {kind: training}\n    then: {reject: not_passed}\n"
        for i in range(count)
    ]
    return "rules:\n" + "".join(rules)


def test_stage_rule_limit(tmp_path: Path) -> None:
    assert MAX_RULES_PER_STAGE == 60
    root = _copy_minimal(tmp_path)
    rules = root / LAYER_ID / "rules.yaml"
    text = _activity_rules(MAX_RULES_PER_STAGE + 1)
    rules.write_text(text, encoding="utf-8")
    line = text.splitlines().index(f"  - id: t.r{MAX_RULES_PER_STAGE}") + 1
    assert line == 302
    problem = _single_problem_in(root, "policy")
    assert (problem.code, _shown(problem.file), problem.line) == (
        "stage_rule_limit",
        "root/t.min/rules.yaml",
        line,
    )
    assert "more than 60 rules in stage 'activity'" in problem.message


def test_stage_rule_limit_is_not_hit_at_the_limit(tmp_path: Path) -> None:
    root = _copy_minimal(tmp_path)
    (root / LAYER_ID / "rules.yaml").write_text(_activity_rules(MAX_RULES_PER_STAGE), encoding="utf-8")
    assert len(PolicyRegistry([root]).policy(LAYER_ID).rules) == MAX_RULES_PER_STAGE


def test_file_too_large(tmp_path: Path) -> None:
    root = _copy_minimal(tmp_path)
    clauses = root / LAYER_ID / "clauses.yaml"
    text = clauses.read_text(encoding="utf-8")
    padding = "#" * 99 + "\n"
    text += padding * ((MAX_POLICY_FILE_BYTES - len(text.encode())) // len(padding) + 1)
    clauses.write_text(text, encoding="utf-8")
    assert clauses.stat().st_size > MAX_POLICY_FILE_BYTES
    problem = _single_problem_in(root, "add_root")
    assert (problem.code, _shown(problem.file), problem.line) == (
        "file_too_large",
        "root/t.min/clauses.yaml",
        None,
    )
    assert str(MAX_POLICY_FILE_BYTES) in problem.message


def test_path_escape(tmp_path: Path) -> None:
    root = _copy_minimal(tmp_path)
    outside = tmp_path / "elsewhere.yaml"
    shutil.copy(root / LAYER_ID / "rules.yaml", outside)
    (root / LAYER_ID / "rules.yaml").unlink()
    try:
        (root / LAYER_ID / "rules.yaml").symlink_to(outside)
    except OSError:  # pragma: no cover - platforms without symlinks
        pytest.skip("symlinks are not available")
    problem = _single_problem_in(root, "add_root")
    assert (problem.code, _shown(problem.file), problem.line) == (
        "path_escape",
        "root/t.min/rules.yaml",
        None,
    )


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry([tmp_path / "nowhere"])
    assert info.value.codes == ["not_a_folder"]


def test_duplicate_layer_across_roots(tmp_path: Path) -> None:
    registry = PolicyRegistry([MINIMAL])
    with pytest.raises(PolicyFileError) as info:
        registry.add_root(_copy_minimal(tmp_path))
    assert _problems(info.value) == [("duplicate_layer", "root/t.min/layer.yaml", 2)]  # the id: key
    assert registry.layer_ids() == [LAYER_ID]


def test_unknown_layer_suggests_a_close_layer_id(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(MINIMAL / LAYER_ID, root / "base")
    shutil.copytree(MINIMAL / LAYER_ID, root / "min")
    _replace(root / "base" / "layer.yaml", "id: t.min\n", "id: t.base\n")
    _replace(
        root / "min" / "layer.yaml",
        "title: Minimal test layer\n",
        "title: Minimal test layer\nextends: t.bsae\n",
    )
    problem = _single_problem_in(root, "policy")
    assert (problem.code, _shown(problem.file), problem.line) == ("unknown_layer", "root/min/layer.yaml", 5)
    assert problem.message == "extends unknown layer 't.bsae' (did you mean 't.base'?)"


def test_deep_nesting_is_a_policy_file_error(tmp_path: Path) -> None:
    """Refused from the event stream, so even a hostile depth cannot exhaust the stack (no RecursionError)."""
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")  # 10 kB
    with pytest.raises(PolicyFileError) as info:
        read_yaml(path, display="deep.yaml")
    assert _problems(info.value) == [("yaml_too_deep", "deep.yaml", 1)]


@pytest.mark.parametrize(("lists", "refused"), [(31, False), (32, True)])
def test_nesting_limit_is_32_levels(tmp_path: Path, lists: int, refused: bool) -> None:
    """The top-level mapping is the first level: with 31 lists nested in it, a file is 32 levels deep."""
    path = tmp_path / "nested.yaml"
    path.write_text("a: " + "[" * lists + "]" * lists + "\n", encoding="utf-8")
    if refused:
        with pytest.raises(PolicyFileError) as info:
            read_yaml(path)
        assert info.value.codes == ["yaml_too_deep"]
        assert "nesting deeper than 32 levels" in info.value.problems[0].message
    else:
        assert isinstance(read_yaml(path).data, dict)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _with_kinds_parameter(tmp_path: Path, values: str) -> Path:
    """The minimal policy plus a choices parameter ``kinds`` that rule t.public tests ``kind`` against."""
    root = _copy_minimal(tmp_path)
    parameters = root / LAYER_ID / "parameters.yaml"
    parameters.write_text(
        parameters.read_text(encoding="utf-8")
        + "  kinds:\n"  # line 19
        + "    description: kinds that count\n"
        + "    type: choices\n"
        + "    cite: s1\n"
        + "    provenance: N\n"
        + "    values:\n"
        + values,
        encoding="utf-8",
    )
    rules = root / LAYER_ID / "rules.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("{kind: public_course,", "{kind: {in: {param: kinds}},"),
        encoding="utf-8",
    )
    return root


def test_choices_parameter_without_a_valid_value_is_a_policy_file_error(tmp_path: Path) -> None:
    """Was an IndexError (values[0] of a parameter whose only value was refused) before 246c2f4."""
    root = _with_kinds_parameter(tmp_path, "      - from: 2025-01-01\n        value: 5\n")
    problem = _single_problem_in(root, "policy")
    assert (problem.code, _shown(problem.file), problem.line) == (
        "invalid_parameter_value",
        "root/t.min/parameters.yaml",
        26,
    )


def test_every_value_of_a_choices_parameter_is_checked(tmp_path: Path) -> None:
    root = _with_kinds_parameter(
        tmp_path,
        "      - from: 2025-01-01\n        value: [public_course]\n"
        "      - from: 2025-06-01\n        value: [public_course, webinar]\n",
    )
    problem = _single_problem_in(root, "policy")
    assert (problem.code, _shown(problem.file), problem.line) == (
        "invalid_operand",
        "root/t.min/rules.yaml",
        6,
    )
    assert "parameter 'kinds' holds 'webinar', not a kind" in problem.message


def test_choices_parameter_with_valid_values_loads(tmp_path: Path) -> None:
    root = _with_kinds_parameter(tmp_path, "      - from: 2025-01-01\n        value: [public_course, training]\n")
    policy = PolicyRegistry([root]).policy(LAYER_ID)
    assert policy.parameters["kinds"].values == ((dt.date(2025, 1, 1), ("public_course", "training")),)


def _single_problem_in(root: Path, phase: Phase) -> PolicyProblem:
    error = _load(root, phase)
    assert len(error.problems) == 1, str(error)
    return error.problems[0]


# --- a folder without layer.yaml -----------------------------------------------------------------------


def test_folder_without_layer_yaml_is_reported() -> None:
    """A folder holding layer files but no layer.yaml is a broken layer, not something to skip in silence."""
    root = BROKEN / "missing_file"
    assert (root / "orphan" / "rules.yaml").is_file()
    assert not (root / "orphan" / "layer.yaml").exists()
    registry = PolicyRegistry()
    with pytest.raises(PolicyFileError) as info:
        registry.add_root(root)
    assert _problems(info.value) == [("missing_file", "missing_file/orphan/layer.yaml", None)]
    assert info.value.problems[0].message == "a layer needs layer.yaml"
    assert registry.roots == ()
    assert registry.layer_ids() == []


@pytest.mark.parametrize("name", ["clauses.yaml", "codes.yaml", "parameters.yaml", "rules.yaml"])
def test_any_layer_file_without_layer_yaml_is_reported(tmp_path: Path, name: str) -> None:
    root = tmp_path / "root"
    (root / "orphan").mkdir(parents=True)
    shutil.copy(MINIMAL / LAYER_ID / name, root / "orphan" / name)
    problem = _single_problem_in(root, "add_root")
    assert (problem.code, _shown(problem.file), problem.line) == (
        "missing_file",
        "root/orphan/layer.yaml",
        None,
    )


def test_folder_without_layer_files_is_not_a_layer(tmp_path: Path) -> None:
    root = _copy_minimal(tmp_path)
    (root / "notes").mkdir()
    (root / "notes" / "README.md").write_text("not a layer\n", encoding="utf-8")
    (root / "notes" / "other.yaml").write_text("a: 1\n", encoding="utf-8")
    registry = PolicyRegistry()
    assert registry.add_root(root) == [LAYER_ID]
    with pytest.raises(PolicyNotFoundError):
        registry.policy("notes")


def test_read_layer_reports_missing_layer_yaml() -> None:
    """``missing_file`` is only reachable by reading the folder directly."""
    root = BROKEN / "missing_file"
    with pytest.raises(PolicyFileError) as info:
        read_layer(root / "orphan", root)
    assert _problems(info.value) == [("missing_file", "missing_file/orphan/layer.yaml", None)]


# --- PyYAML's gotchas are neutralised ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NO", "NO"),
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("Off", "Off"),
        ("y", "y"),
        ("True", "True"),
        ("true", True),
        ("false", False),
        ("0123", "0123"),
        ("0o17", "0o17"),
        ("0x1F", "0x1F"),
        ("1_000", "1_000"),
        ("12:30", "12:30"),
        ("1e3", "1e3"),
        (".5", ".5"),
        (".inf", ".inf"),
        (".nan", ".nan"),
        ("0", 0),
        ("-0", 0),
        ("+7", 7),
        ("1.5", Decimal("1.5")),
        ("1.50", Decimal("1.50")),
        ("-2.25", Decimal("-2.25")),
        ("'1.5'", "1.5"),
        ('"0123"', "0123"),
        ("2025-01-01", "2025-01-01"),
        ("~", None),
        ("null", None),
        ("Null", "Null"),
        ("", None),
    ],
)
def test_scalars_are_typed_predictably(tmp_path: Path, text: str, expected: object) -> None:
    path = tmp_path / "scalar.yaml"
    path.write_text(f"key: {text}\n", encoding="utf-8")
    value = read_yaml(path).data["key"]
    assert value == expected
    assert type(value) is type(expected)


def test_decimals_are_not_floats(tmp_path: Path) -> None:
    path = tmp_path / "hours.yaml"
    path.write_text("a: 0.1\nb: 0.2\n", encoding="utf-8")
    data = read_yaml(path).data
    assert isinstance(data["a"], Decimal)
    assert data["a"] + data["b"] == Decimal("0.3")


def test_source_map_keeps_lines(tmp_path: Path) -> None:
    path = tmp_path / "lines.yaml"
    path.write_text("# header\na:\n  b: [1, 2]\n  c:\n    - d: x\n", encoding="utf-8")
    doc = read_yaml(path, display="lines.yaml")
    assert doc.data == {"a": {"b": [1, 2], "c": [{"d": "x"}]}}
    assert doc.source.file == "lines.yaml"
    assert doc.source.line_of(("a",)) == 2  # a block value's line is that of its key
    assert doc.source.line_of(("a", "c")) == 4
    assert doc.source.line_of(("a", "b", 1)) == 3
    assert doc.source.line_of(("a", "c", 0, "d")) == 5
    assert doc.source.line_of(("a", "c", 0, "missing")) == 5


def test_empty_file_is_none(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# only a comment\n", encoding="utf-8")
    assert read_yaml(path).data is None


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: &x 1\n", 1, "anchors are not allowed in policy files"),
        ("a: 1\nb: &x\n  c: 1\n", 2, "anchors are not allowed in policy files"),
        ("a: 1\nb: [&x 2]\n", 2, "anchors are not allowed in policy files"),
        ("a: 1\nb: *x\n", 2, "aliases are not allowed in policy files"),
    ],
    ids=["anchor_on_a_scalar", "anchor_on_a_mapping", "anchor_in_a_list", "alias_without_anchor"],
)
def test_an_anchor_or_an_alias_alone_is_refused(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyFileError) as info:
        read_yaml(path, display="one.yaml")
    assert [(p.code, p.file, p.line, p.message) for p in info.value.problems] == [
        ("yaml_alias", "one.yaml", line, message)
    ]


def test_control_character_is_a_syntax_error_without_a_line(tmp_path: Path) -> None:
    path = tmp_path / "bell.yaml"
    path.write_bytes(b"a: 1\nb: \x07\n")
    with pytest.raises(PolicyFileError) as info:
        read_yaml(path, display="bell.yaml")
    assert _problems(info.value) == [("yaml_syntax", "bell.yaml", None)]


# --- other surprises -----------------------------------------------------------------------------------


def test_failed_add_root_leaves_the_default_region_alone(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(BROKEN / "unknown_key_layer", root)
    (root / "registry.yaml").write_text("default_region: elsewhere\n", encoding="utf-8")
    registry = PolicyRegistry()
    with pytest.raises(PolicyFileError):
        registry.add_root(root)
    assert registry.roots == ()
    assert registry.default_region is None


def test_successful_add_root_applies_the_default_region(tmp_path: Path) -> None:
    root = _copy_minimal(tmp_path)
    (root / "registry.yaml").write_text("# settings\ndefault_region: elsewhere\n", encoding="utf-8")
    registry = PolicyRegistry()
    assert registry.add_root(root) == [LAYER_ID]
    assert registry.default_region == "elsewhere"


def test_registry_yaml_may_only_set_the_default_region(tmp_path: Path) -> None:
    root = _copy_minimal(tmp_path)
    (root / "registry.yaml").write_text("default_region: elsewhere\nstrict: true\n", encoding="utf-8")
    registry = PolicyRegistry()
    with pytest.raises(PolicyFileError) as info:
        registry.add_root(root)
    assert _problems(info.value) == [("unknown_key", "root/registry.yaml", 1)]
    assert "may only set default_region" in info.value.problems[0].message
    assert registry.roots == ()
    assert registry.default_region is None


IN_FORCE_CASES = [
    # (file, text to find, text to put instead, line of the in_force: key)
    ("layer.yaml", "  from: 2025-01-01\n", "  from: 2025-01-01\n  to: 2024-12-31\n", 10),
    (
        "rules.yaml",
        "    stage: year\n",
        "    stage: year\n    in_force: {from: 2025-06-01, to: 2025-03-01}\n",
        22,
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "line"), IN_FORCE_CASES, ids=["layer", "rule"])
def test_in_force_that_ends_before_it_starts_is_refused(
    tmp_path: Path, file: str, old: str, new: str, line: int
) -> None:
    root = _copy_minimal(tmp_path)
    _replace(root / LAYER_ID / file, old, new)
    problem = _single_problem_in(root, "add_root")
    assert (problem.code, _shown(problem.file), problem.line) == ("invalid_value", f"root/t.min/{file}", line)
    assert "'to' falls before 'from'" in problem.message


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        (
            "layer.yaml",
            "  from: 2025-01-01\n",
            "  from: 2025-01-01\n  to: 2025-01-01\ncalendar:\n  - {decide_on: 2025-01-01, cite: s1}\n",
        ),
        (
            "rules.yaml",
            "    stage: year\n",
            "    stage: year\n    in_force: {from: 2025-06-01, to: 2025-06-01}\n",
        ),
    ],
    ids=["layer", "rule"],
)
def test_in_force_of_a_single_day_is_accepted(tmp_path: Path, file: str, old: str, new: str) -> None:
    root = _copy_minimal(tmp_path)
    _replace(root / LAYER_ID / file, old, new)
    assert PolicyRegistry([root]).policy(LAYER_ID).id == LAYER_ID


@pytest.mark.parametrize(
    ("where", "code", "says"),
    [
        ("[t.flor]", "unknown_reading_target", "reading names 't.flor', which is no parameter or rule"),
        ("[min_hours]", "reading_not_provisional", "parameter 'min_hours', whose provenance is N, not P"),
    ],
)
def test_a_reading_names_rules_and_provisional_parameters_only(
    tmp_path: Path, where: str, code: str, says: str
) -> None:
    # tests/data/lint_policies/reading declares one reading, carried by t.floor.
    root = tmp_path / "reading"
    shutil.copytree(DATA / "lint_policies" / "reading", root)
    layer = root / LAYER_ID / "layer.yaml"
    layer.write_text(layer.read_text(encoding="utf-8").replace("where: [t.floor]", f"where: {where}"), "utf-8")
    registry = PolicyRegistry([root])
    with pytest.raises(PolicyFileError) as info:
        registry.policy(LAYER_ID)
    (problem,) = info.value.problems
    assert problem.code == code and says in problem.message
    assert problem.file.endswith("t.min/layer.yaml")
    assert problem.line is not None
    assert f"where: {where}" in layer.read_text(encoding="utf-8").splitlines()[problem.line - 1]
