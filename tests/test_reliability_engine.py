"""Engine faults and condition shapes (issue 7, item 3).

* A failure injected into an action, on the engine's path (``cache=False``) and on the memo's path (the firing
  recalled and applied in Python), gives an `EngineError`, no decision, no open session, and the next call is
  right. (Faults while deleting a session and engine refusals are in ``test_engine.py``.)
* The compiler refuses, at compile time and with its own code, a stage whose tests the engine cannot be built
  with (it loops forever from 512 tests under one node).
* Every condition shape the compiler emits is run in a subprocess, across values (zero, boundaries ±1,
  fractions, large values, far dates), so a crash of the engine shows as an exit status; what fired is
  compared with the same conditions worked out in Python.
* The compiler never emits a shape known to crash the engine: no joins (references to another fact),
  arithmetic, state tests or regular expressions, in any shipped policy as compiled for any of its periods.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import ce_policy
from ce_policy.decide import engines
from ce_policy.decide.stages import StageRunner
from ce_policy.engine.compiler import MAX_ENGINE_TESTS_PER_STAGE, compile_policy
from tests.mixed_population import live_sessions
from tests.records import activity, complete_record, record

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = Path(__file__).parent / "data" / "minimal_policy"


# --- faults injected into an action ----------------------------------------------------------------------


def _fail_on_second_call(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    # Every action of a rule that fired, recalled from the memo or not, is applied through `fire`.
    original = StageRunner.fire
    calls = {"n": 0}

    def flaky(self: Any, *args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("injected fault on the second action")
        original(self, *args)

    monkeypatch.setattr(StageRunner, "fire", flaky)
    return calls


@pytest.mark.parametrize("cache", [False, True], ids=["engine_path", "memo_path"])
def test_a_fault_mid_evaluation_gives_an_engine_error_and_the_next_call_is_right(
    monkeypatch: pytest.MonkeyPatch, cache: bool
) -> None:
    data = complete_record(pid="fault")
    good = ce_policy.evaluate(data, cache=cache)
    if cache:  # the memo now knows every situation of this record: nothing of it reaches the engine again
        engine = engines.engine_for(ce_policy.default_registry().policy("xj.aksu.2025"), dt.date(2025, 12, 31))
        assert len(engines._memos[engine]) > 0

        def no_engine(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("the memo path must not open an engine session")

        monkeypatch.setattr(engine, "session", no_engine)
        # Each fact's firings recalled and applied again: not the year's whole outcome, which skips the stages.
        engines._memos[engine]._years.clear()
    calls = _fail_on_second_call(monkeypatch)
    decisions: list[ce_policy.Decision] = []
    with pytest.raises(ce_policy.EngineError, match="injected fault on the second action") as info:
        decisions.append(ce_policy.evaluate(data, cache=cache))
    assert decisions == []
    assert isinstance(info.value.__cause__, RuntimeError)
    assert calls["n"] == 2
    monkeypatch.undo()
    assert live_sessions() == 0
    assert ce_policy.evaluate(data, cache=cache) == good
    assert ce_policy.evaluate(data, cache=not cache) == good


# --- the engine's size limit, checked when compiling -----------------------------------------------------


def _policy_with_rules(tmp_path: Path, rules: str) -> Path:
    root = tmp_path / "root"
    shutil.copytree(MINIMAL, root)
    (root / "t.min" / "rules.yaml").write_text(rules, encoding="utf-8")
    return root


def _region_rule(regions: int) -> str:
    listed = ", ".join(f"r{i}" for i in range(regions))
    return (
        "rules:\n"
        "  - id: t.regions\n"
        "    cite: s1\n"
        "    stage: activity\n"
        f"    when: {{region: {{in: [{listed}]}}}}\n"
        "    then: {reject: not_passed}\n"
    )


def _compile_in_subprocess(root: Path) -> subprocess.CompletedProcess[str]:
    """Compile in a child, so that an engine that loops forever while loading is a timeout, not a hung run."""
    script = textwrap.dedent(
        f"""
        import datetime as dt, json
        import ce_policy
        from ce_policy.decide import engines
        registry = ce_policy.PolicyRegistry([{str(root)!r}])
        try:
            engines.engine_for(registry.policy("t.min"), dt.date(2025, 12, 31))
        except ce_policy.PolicyFileError as error:
            print(json.dumps([[p.file, p.line, p.code, p.message] for p in error.problems]))
        else:
            print("[]")
        """
    )
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False, cwd=ROOT
    )


def test_a_stage_with_more_tests_than_the_engine_can_build_is_refused_when_compiling(tmp_path: Path) -> None:
    root = _policy_with_rules(tmp_path, _region_rule(MAX_ENGINE_TESTS_PER_STAGE + 100))
    policy = ce_policy.PolicyRegistry([root]).policy("t.min")  # loading is fine: the limit is the engine's
    with pytest.raises(ce_policy.PolicyFileError) as info:
        compile_policy(policy, dt.date(2025, 12, 31))
    [problem] = info.value.problems
    assert (problem.code, Path(problem.file).name, problem.line) == ("stage_test_limit", "rules.yaml", 2)
    assert f"stage 'activity' makes more than {MAX_ENGINE_TESTS_PER_STAGE} tests" in problem.message
    assert "t.regions" in problem.message
    # The same, from evaluate(), in a child process: a regression would hang the engine there, not here.
    done = _compile_in_subprocess(root)
    assert done.returncode == 0, done.stderr
    assert [code for _, _, code, _ in json.loads(done.stdout)] == ["stage_test_limit"]


def test_a_stage_at_the_test_limit_compiles_and_evaluates(tmp_path: Path) -> None:
    # The region rule plus the minimal layer's other activity rules.
    root = _policy_with_rules(tmp_path, _region_rule(MAX_ENGINE_TESTS_PER_STAGE - 1))
    policy = ce_policy.PolicyRegistry([root]).policy("t.min")
    compiled = compile_policy(policy, dt.date(2025, 12, 31))
    assert len(compiled.ruleset[compiled.ruleset_name]["t.regions"]["all"][0]["m"]["$and"][1]["$or"]) == 499
    done = _compile_in_subprocess(root)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


# --- every condition shape, across values, in a subprocess -----------------------------------------------

Check = Callable[[dict[str, Any]], bool]

# (rule id, its when, the same condition on the activity in Python)
_SHAPES: list[tuple[str, str, Check]] = [
    ("s.is", "{kind: training}", lambda a: a["kind"] == "training"),
    ("s.is_not", "{kind: {is_not: training}}", lambda a: a["kind"] != "training"),
    ("s.bool", "{on_platform: false}", lambda a: a["on_platform"] is False),
    ("s.bool_not", "{passed: {is_not: true}}", lambda a: a["passed"] is not True),
    ("s.below", "{hours: {below: 8}}", lambda a: Decimal(str(a["hours"])) < 8),
    ("s.at_most", "{hours: {at_most: 8}}", lambda a: Decimal(str(a["hours"])) <= 8),
    ("s.above", "{hours: {above: 0}}", lambda a: Decimal(str(a["hours"])) > 0),
    ("s.at_least", "{hours: {at_least: 9999.99}}", lambda a: Decimal(str(a["hours"])) >= Decimal("9999.99")),
    ("s.hours_is", "{hours: 0.01}", lambda a: Decimal(str(a["hours"])) == Decimal("0.01")),
    ("s.hours_param", "{hours: {at_least: {param: min_hours}}}", lambda a: Decimal(str(a["hours"])) >= 10),
    ("s.before", "{completed_on: {before: 2025-03-01}}", lambda a: a["completed_on"] < "2025-03-01"),
    ("s.on_or_after", "{completed_on: {on_or_after: 2025-03-01}}", lambda a: a["completed_on"] >= "2025-03-01"),
    ("s.date_is", "{completed_on: 2025-12-31}", lambda a: a["completed_on"] == "2025-12-31"),
    ("s.after_as_of", "{completed_on: {after: as_of}}", lambda a: a["completed_on"] > "2025-12-31"),
    ("s.by_as_of", "{completed_on: {on_or_before: as_of}}", lambda a: a["completed_on"] <= "2025-12-31"),
    ("s.in", "{kind: {in: [training, patent, lecture]}}", lambda a: a["kind"] in ("training", "patent", "lecture")),
    ("s.not_in", "{kind: {not_in: [training, patent]}}", lambda a: a["kind"] not in ("training", "patent")),
    ("s.present", "{organiser_level: {present: true}}", lambda a: "organiser_level" in a),
    ("s.absent", "{organiser_level: {present: false}}", lambda a: "organiser_level" not in a),
    ("s.date_present", "{granted_on: {present: true}}", lambda a: "granted_on" in a),
    ("s.date_absent", "{granted_on: {present: false}}", lambda a: "granted_on" not in a),
    ("s.text", "{region: t}", lambda a: True),
    ("s.text_in", "{region: {in: [x, y]}}", lambda a: False),
    ("s.int", "{year: {at_least: 2025, below: 2026}}", lambda a: True),
    ("s.int_is_not", "{year: {is_not: 2025}}", lambda a: False),
    (
        "s.any",
        "{any: [{hours: {below: 1}}, {kind: patent}, {on_platform: false}]}",
        lambda a: Decimal(str(a["hours"])) < 1 or a["kind"] == "patent" or a["on_platform"] is False,
    ),
    (
        "s.any_of_all",
        "{any: [{kind: training, hours: {above: 8}}, {all: [{kind: patent}, {granted_on: {present: true}}]}]}",
        lambda a: (
            (a["kind"] == "training" and Decimal(str(a["hours"])) > 8) or (a["kind"] == "patent" and "granted_on" in a)
        ),
    ),
    (
        "s.all_of_any",
        "{passed: true, all: [{any: [{hours: {at_most: 0}}, {hours: {at_least: 10000}}]},"
        " {kind: {not_in: [lecture]}}]}",
        lambda a: (
            a["passed"] is True
            and (Decimal(str(a["hours"])) <= 0 or Decimal(str(a["hours"])) >= 10000)
            and a["kind"] != "lecture"
        ),
    ),
]

_HOUR_VALUES = (0, 0.01, 0.99, 1, 7.99, 8, 8.01, 9.99, 10, 10.01, 9999.98, 9999.99, 10000)
_DATES = (
    "0001-01-01",
    "1990-01-01",
    "2025-02-28",
    "2025-03-01",
    "2025-03-02",
    "2025-12-31",
    "2026-01-01",
    "9999-12-31",
)


def _shape_activities() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for i, hours in enumerate(_HOUR_VALUES):
        items.append(activity(f"h{i}", "training", hours, on_platform=i % 2 == 0, passed=i % 3 != 0))
    for i, day in enumerate(_DATES):
        items.append(activity(f"d{i}", "public_course", 8, completed_on=day))
        items.append(activity(f"p{i}", "patent", 0.01, patent_type="invention", completed_on=day, granted_on=day))
    items.append(activity("l0", "lecture", 10000, organiser_level="unit", role="lecturer"))
    items.append(activity("l1", "advanced_seminar", 1, organiser_level="national", passed=False))
    items.append(activity("x0", "patent", 0.99, patent_type="design"))
    return items


def test_every_condition_shape_runs_across_values_in_a_subprocess(tmp_path: Path) -> None:
    rules = "rules:\n" + "".join(
        f"  - id: {rule_id}\n    cite: s1\n    stage: activity\n    when: {when}\n    then: {{reject: not_passed}}\n"
        for rule_id, when, _ in _SHAPES
    )
    root = _policy_with_rules(tmp_path, rules)
    records = [record(item, pid=f"q{i}") for i, item in enumerate(_shape_activities())]
    for item in records:
        item["person"]["region"] = "t"
    (tmp_path / "records.json").write_text(json.dumps(records), encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import json
        import ce_policy
        registry = ce_policy.PolicyRegistry([{str(root)!r}])
        records = json.load(open({str(tmp_path / "records.json")!r}, encoding="utf-8"))
        fired = {{}}
        for cache in (False, True):
            for data in records:
                decision = ce_policy.evaluate(data, registry=registry, cache=cache, to_complete=False)
                fired[f"{{cache}}:{{data['person']['id']}}"] = sorted(
                    e.rule for e in decision.trace if e.rule.startswith("s.")
                )
        print(json.dumps(fired))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False, cwd=ROOT
    )
    assert done.returncode == 0, f"the engine process ended with {done.returncode}: {done.stderr[-2000:]}"
    fired = json.loads(done.stdout)
    assert len(fired) == 2 * len(records)
    for data in records:
        item = data["activities"][0]
        expected = sorted(rule_id for rule_id, _, check in _SHAPES if check(item))
        # An `any` whose alternatives match several times fires its rule once per alternative matched (the
        # engine's way); both paths give the same list, so only which rules fired is compared with Python.
        assert fired[f"True:{data['person']['id']}"] == fired[f"False:{data['person']['id']}"], item
        got = sorted(set(fired[f"False:{data['person']['id']}"]))
        assert got == expected, (item, sorted(set(got) ^ set(expected)))
    every = {rule_id for rules_fired in fired.values() for rule_id in rules_fired}
    assert every == {rule_id for rule_id, _, check in _SHAPES if any(check(r["activities"][0]) for r in records)}


# --- no shape known to crash the engine -----------------------------------------------------------------

_ALLOWED_OPERATORS = {"$and", "$or", "$neq", "$lt", "$lte", "$gt", "$gte", "$ex", "$nex"}


def _unsafe(condition: Any, where: str) -> list[str]:
    """What in a compiled condition is not a single-fact test against a constant."""
    if not isinstance(condition, dict):
        return [f"{where}: not a mapping"]
    found = []
    for key, value in condition.items():
        if key in ("$and", "$or"):
            found += [problem for i, part in enumerate(value) for problem in _unsafe(part, f"{where}.{key}[{i}]")]
        elif key.startswith("$"):
            if key not in _ALLOWED_OPERATORS:
                found.append(f"{where}: operator {key}")
            elif not isinstance(value, dict) or any(isinstance(v, dict | list) for v in value.values()):
                found.append(f"{where}: {key} compares with something that is not a constant")
        elif isinstance(value, dict | list):
            found.append(f"{where}: {key} compares with something that is not a constant")
    return found


def test_unsafe_condition_check_catches_joins() -> None:
    join = {"$and": [{"stage": "year"}, {"$gt": {"hours": {"$add": {"$l": {"first": "cap"}, "$r": 1}}}}]}
    assert _unsafe(join, "r") == ["r.$and[1]: $gt compares with something that is not a constant"]
    assert _unsafe({"$mt": {"title": ".*"}}, "r") == ["r: operator $mt"]
    assert _unsafe({"hours": {"first": "x"}}, "r") == ["r: hours compares with something that is not a constant"]


def test_the_compiler_never_emits_a_join_or_any_other_unsafe_shape() -> None:
    registry = ce_policy.default_registry()
    checked = 0
    for layer_id in registry.layer_ids():
        policy = registry.policy(layer_id)
        for day in sorted({*policy.breakpoints, dt.date(2025, 12, 31)}):
            try:
                compiled = compile_policy(policy, day)
            except ce_policy.PolicyFileError:
                continue  # a parameter without a value on that day: nothing to run
            for name, rule in compiled.ruleset[compiled.ruleset_name].items():
                assert set(rule) <= {"all", "pri", "cap", "run"}, name
                assert len(rule["all"]) == 1 and set(rule["all"][0]) == {"m"}, name  # one fact: no join
                assert _unsafe(rule["all"][0]["m"], name) == []
                checked += 1
    assert checked > 300
