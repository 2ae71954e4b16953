"""Hostile policy folders, part two (issue 16): what the reader lists and opens, and what the engine can run.

* A policy file that is not a regular file (a link to nothing, a link that loops, a folder, a named pipe, a
  socket) is refused with its file (``not_a_file``) wherever policy files are found: a layer's files,
  ``registry.yaml``, case files, and a folder whose only layer file is such an entry. Before, a link to
  nothing was skipped in silence (``ce-policy check`` said ok, and health workers lost their 25-credit floor),
  and a named pipe blocked loading forever, holding the registry's lock. Pipes are tested in a child process
  with a timeout.
* Each file is read once: the digest describes the bytes parsed, even when the file is replaced meanwhile.
* Rules the engine cannot run are refused with file and line, from loading, compiling (``ce-policy check``,
  evaluation) and ``ce-policy lint``: too many tests one fact can meet at once (error 303), too many ways one
  fact can match (nested ``any`` multiply), too many groups in one rule (error 113). The engine's own
  figures are reproduced in a child process, and the model of its network is checked against it.
* Folders that cannot be listed, names with control characters, a root that is a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import ce_policy
from ce_policy import PolicyFileError, PolicyRegistry
from ce_policy.analysis.lint import lint_policies
from ce_policy.cli.main import main
from ce_policy.engine.compiler import compile_policy
from ce_policy.policy import safe_yaml
from ce_policy.policy.engine_limits import (
    ENGINE_GROUP_FAILURE,
    ENGINE_STACK,
    MAX_GROUPS_PER_RULE,
    MAX_TESTS_AT_ONCE,
    MAX_WAYS_TO_MATCH,
    Network,
    groups,
)
from ce_policy.policy.folders import case_files
from ce_policy.policy.registry import shipped_policy_root
from ce_policy.policy.shapes import LAYER_FILES
from ce_policy.testing.cases import load_cases
from tests.records import activity, record

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = Path(__file__).parent / "data" / "minimal_policy"
LAYER = "t.min"
TIMEOUT = 60


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(MINIMAL, root)
    return root


def _problems(error: PolicyFileError) -> list[tuple[str, str, int | None]]:
    return [(p.code, p.file, p.line) for p in error.problems]


def _refused(root: Path) -> PolicyFileError:
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry([root]).policy(LAYER)
    return info.value


def _child(script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a child process: a reader that blocks is a timeout there, not a hung test run."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        cwd=ROOT,
    )


# --- 1. a policy file that is not a regular file --------------------------------------------------------


def _make(path: Path, kind: str) -> str:
    """Put an entry of ``kind`` at ``path`` (replacing what is there); the message it should be refused with."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()
    if kind == "dangling":
        path.symlink_to(path.parent / "nowhere.yaml")
        return f"not a file: a link to {str(path.parent / 'nowhere.yaml')!r}, which does not exist"
    if kind == "loop":
        path.symlink_to(path.name)
        return "not a file: a link that loops"
    if kind == "folder":
        path.mkdir()
        return "not a file: a folder"
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):  # pragma: no cover - platforms without named pipes
            pytest.skip("named pipes are not available")
        os.mkfifo(path)
        return "not a file: a named pipe (FIFO)"
    assert kind == "socket"
    if not hasattr(socket, "AF_UNIX"):  # pragma: no cover - platforms without local sockets
        pytest.skip("local sockets are not available")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    here = Path.cwd()
    os.chdir(path.parent)  # a socket's path is limited to about 100 bytes
    try:
        server.bind(path.name)
    finally:
        os.chdir(here)
        server.close()
    return "not a file: a socket"


_KINDS = ["dangling", "loop", "folder", "socket"]


@pytest.mark.parametrize("kind", _KINDS)
@pytest.mark.parametrize("name", LAYER_FILES)
def test_a_layer_file_that_is_not_a_regular_file_is_refused_with_its_file(tmp_path: Path, name: str, kind: str) -> None:
    root = _root(tmp_path)
    message = _make(root / LAYER / name, kind)
    error = _refused(root)
    assert _problems(error) == [("not_a_file", f"root/{LAYER}/{name}", None)]
    assert error.problems[0].message == message


def test_the_health_layer_with_a_link_to_nothing_is_refused_not_read_without_its_credits(tmp_path: Path) -> None:
    # Issue 16: with overrides.yaml a link to nothing, check said ok and the 25 credits a year were gone.
    policies = tmp_path / "policies"
    shutil.copytree(shipped_policy_root(), policies)
    overrides = policies / "xj" / "aksu-2025-12-health" / "overrides.yaml"
    _make(overrides, "dangling")
    result = CliRunner().invoke(main, ["check", "--lang", "en", str(policies)])
    assert result.exit_code == 1
    assert "policies/xj/aksu-2025-12-health/overrides.yaml: not a file: a link to" in result.output
    assert result.output.rstrip().endswith("[not_a_file]")
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry([policies]).resolve("xj.aksu", 2025, "health")
    assert [p.code for p in info.value.problems] == ["not_a_file"]


def test_a_folder_whose_only_layer_file_is_a_link_to_nothing_is_refused_not_skipped(tmp_path: Path) -> None:
    root = _root(tmp_path)
    (root / "ghost").mkdir()
    _make(root / "ghost" / "layer.yaml", "dangling")
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry().add_root(root, strict=True)
    assert _problems(info.value) == [("not_a_file", "root/ghost/layer.yaml", None)]


@pytest.mark.parametrize("kind", ["dangling", "loop", "folder"])
def test_a_registry_file_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    root = _root(tmp_path)
    _make(root / "registry.yaml", kind)
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry([root])
    assert _problems(info.value) == [("not_a_file", "root/registry.yaml", None)]
    result = CliRunner().invoke(main, ["check", "--lang", "en", str(root / LAYER)])
    assert (result.exit_code, result.output.rstrip()[-12:]) == (1, "[not_a_file]")


@pytest.mark.parametrize("kind", ["dangling", "folder"])
def test_a_case_file_that_is_not_a_regular_file_is_found_and_refused(tmp_path: Path, kind: str) -> None:
    root = _root(tmp_path)
    (root / LAYER / "cases").mkdir()
    case = root / LAYER / "cases" / "quota.yaml"
    _make(case, kind)
    assert case_files(root) == [case]
    with pytest.raises(PolicyFileError) as info:
        load_cases(case)
    assert [p.code for p in info.value.problems] == ["not_a_file"]
    result = CliRunner().invoke(main, ["test", "--lang", "en", str(root)])
    assert (result.exit_code, result.output.rstrip()[-12:]) == (1, "[not_a_file]")


def test_case_files_behind_a_link_named_cases_are_still_found(tmp_path: Path) -> None:
    root = _root(tmp_path)
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "quota.yaml").write_text("cases: []\n", encoding="utf-8")
    (root / LAYER / "cases").symlink_to(tmp_path / "kept", target_is_directory=True)
    assert case_files(root) == [root / LAYER / "cases" / "quota.yaml"]


_PIPE_LOAD = """
    import json, threading
    import ce_policy
    from ce_policy.testing.cases import load_cases
    out = {{}}
    def load():
        try:
            ce_policy.load_policies({root!r})
        except ce_policy.PolicyFileError as error:
            out["load"] = [[p.code, p.file] for p in error.problems]
    loader = threading.Thread(target=load)
    loader.start()
    loader.join({timeout})
    # The process-wide registry is free again: a decision under the shipped policies is made.
    record = {{"person": {{"id": "p1", "title_level": "junior"}}, "year": 2025, "activities": []}}
    out["evaluate"] = ce_policy.evaluate(record).policy.id
    print(json.dumps(out))
"""


@pytest.mark.parametrize("name", ["rules.yaml", "layer.yaml", "registry.yaml"])
def test_a_named_pipe_is_refused_at_once_and_the_registry_stays_free(tmp_path: Path, name: str) -> None:
    root = _root(tmp_path)
    target = root / name if name == "registry.yaml" else root / LAYER / name
    _make(target, "fifo")
    done = _child(_PIPE_LOAD.format(root=str(root), timeout=TIMEOUT / 2))
    assert done.returncode == 0, done.stderr[-2000:]
    shown = f"root/{name}" if name == "registry.yaml" else f"root/{LAYER}/{name}"
    assert json.loads(done.stdout) == {"load": [["not_a_file", shown]], "evaluate": "xj.aksu.2025"}


def test_a_case_file_that_is_a_named_pipe_is_refused_at_once(tmp_path: Path) -> None:
    root = _root(tmp_path)
    (root / LAYER / "cases").mkdir()
    case = root / LAYER / "cases" / "quota.yaml"
    _make(case, "fifo")
    done = _child(
        f"""
        import ce_policy
        from ce_policy.testing.cases import load_cases
        try:
            load_cases(__import__("pathlib").Path({str(case)!r}))
        except ce_policy.PolicyFileError as error:
            print(error.problems[0].code)
        """
    )
    assert (done.returncode, done.stdout.strip()) == (0, "not_a_file"), done.stderr[-2000:]


def test_a_file_replaced_by_a_pipe_after_it_was_checked_is_not_waited_on(tmp_path: Path) -> None:
    # The race the check before opening leaves: the file is opened without waiting and checked again once open.
    root = _root(tmp_path)
    rules = root / LAYER / "rules.yaml"
    done = _child(
        f"""
        import os, pathlib
        import ce_policy
        real_open = os.open
        def swap_then_open(path, flags, *args):
            if str(path) == {str(rules)!r} and os.path.isfile(path):
                os.unlink(path)
                os.mkfifo(path)
            return real_open(path, flags, *args)
        os.open = swap_then_open
        try:
            ce_policy.PolicyRegistry([pathlib.Path({str(root)!r})]).policy("t.min")
        except ce_policy.PolicyFileError as error:
            print([(p.code, p.message) for p in error.problems])
        """
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str([("not_a_file", "not a file: a named pipe (FIFO)")])


def _replace_when_opened(monkeypatch: pytest.MonkeyPatch, path: Path, times: int) -> Callable[[], int]:
    """Replace ``path`` by a new file (same text) the first ``times`` times it is opened; how many were."""
    real_open = os.open
    replaced = Counter[str]()

    def replace_then_open(name: Any, flags: int, *args: Any) -> int:
        if str(name) == str(path) and replaced["n"] < times:
            replaced["n"] += 1
            replacement = path.with_suffix(".new")
            replacement.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
            replacement.replace(path)
        return real_open(name, flags, *args)

    monkeypatch.setattr(os, "open", replace_then_open)
    return lambda: replaced["n"]


def test_a_file_replaced_after_it_was_checked_is_checked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _root(tmp_path)
    expected = PolicyRegistry([root]).policy(LAYER).digest
    replaced = _replace_when_opened(monkeypatch, root / LAYER / "rules.yaml", times=2)
    assert PolicyRegistry([root]).policy(LAYER).digest == expected
    assert replaced() == 2


def test_a_file_replaced_each_time_it_is_checked_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _root(tmp_path)
    _replace_when_opened(monkeypatch, root / LAYER / "rules.yaml", times=1_000)
    error = _refused(root)
    assert _problems(error) == [("file_unreadable", f"root/{LAYER}/rules.yaml", None)]
    assert error.problems[0].message == "cannot read file: it was replaced while being read, 3 times in a row"


# --- 3. each file read once; the digest describes what was parsed -----------------------------------------


def test_each_layer_file_is_opened_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _root(tmp_path)
    opened: Counter[str] = Counter()
    real_os_open, real_io_open = os.open, io.open

    def count_os(path: Any, *args: Any, **kwargs: Any) -> int:
        opened[Path(path).name] += 1
        return real_os_open(path, *args, **kwargs)

    def count_io(path: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(path, str | Path):
            opened[Path(path).name] += 1
        return real_io_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", count_os)
    monkeypatch.setattr(io, "open", count_io)
    PolicyRegistry([root]).policy(LAYER)
    files = sorted(p.name for p in (root / LAYER).iterdir())
    assert {name: opened[name] for name in files} == dict.fromkeys(files, 1)


def test_the_digest_describes_the_bytes_parsed_when_a_file_changes_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version_a = _root(tmp_path / "a")
    expected = PolicyRegistry([version_a]).policy(LAYER)
    root = _root(tmp_path / "b")
    parameters = root / LAYER / "parameters.yaml"
    text_b = parameters.read_text(encoding="utf-8").replace("value: 10", "value: 99")
    real_compose = yaml.compose

    def replace_while_parsing(text: str, *args: Any, **kwargs: Any) -> Any:
        if "min_hours" in text:  # version A was read; version B replaces it before the digest could be taken
            parameters.write_text(text_b, encoding="utf-8")
        return real_compose(text, *args, **kwargs)

    monkeypatch.setattr(yaml, "compose", replace_while_parsing)
    policy = PolicyRegistry([root]).policy(LAYER)
    assert policy.parameters["min_hours"].values == expected.parameters["min_hours"].values
    assert policy.digest == expected.digest
    assert parameters.read_text(encoding="utf-8") == text_b  # the file did change
    monkeypatch.undo()
    assert PolicyRegistry([root]).policy(LAYER).digest != expected.digest


def test_a_documents_digest_is_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_bytes("a: 1\nb: 文\n".encode())
    assert safe_yaml.read_yaml(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


# --- 4. what the engine cannot run ------------------------------------------------------------------------

_RAW_ENGINE = """
    import json, sys
    from durable import engine
    fired = []
    class Host(engine.Host):
        def _run(self):
            pass
        def get_action(self, name):
            def act(c):
                fired.append(len(c.m) if isinstance(c.m, list) else 1)
            return act
    results = []
    for conditions, fact in json.loads(sys.stdin.read()):
        fired.clear()
        rules = {"open": {"all": [{"m": {"stage": "~open"}}], "run": "open"}}
        for i, condition in enumerate(conditions):
            rules[f"r{i}"] = {"all": [{"m": condition}], "pri": i, "cap": 1000, "run": f"r{i}"}
        host = Host()
        try:
            host.register_rulesets({"x": rules})
            host.assert_facts("x", [dict(fact, sid="s", id="f")])
            results.append(["ok", sum(fired)])
        except Exception as error:
            results.append(["error", str(error)[-3:]])
    print(json.dumps(results))
"""


def _raw_engine(cases: list[tuple[list[dict[str, Any]], dict[str, Any]]]) -> list[tuple[str, Any]]:
    """Run each ``(conditions, fact)`` on durable-rules itself, in a child process: ``("ok", firings)`` or
    ``("error", code)``."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_RAW_ENGINE)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [tuple(result) for result in json.loads(done.stdout)]


_FACT = {"stage": "s", "hours": 10**9, "kind": "training", "passed": True}


def _wide(n: int, start: int = 0) -> dict[str, Any]:
    """One rule: an ``any`` of ``n`` alternatives that one fact meets together."""
    return {"$and": [{"stage": "s"}, {"$or": [{"$gt": {"hours": start + i}} for i in range(n)]}]}


def _nested(width: int, depth: int) -> dict[str, Any]:
    """One rule: ``all`` of ``depth`` ``any`` of ``width`` alternatives, all met by one fact."""
    groups_ = [{"$or": [{"$gt": {"hours": g * width + i}} for i in range(width)]} for g in range(depth)]
    return {"$and": [{"stage": "s"}, *groups_]}


def _usage(*conditions: dict[str, Any]) -> tuple[int, int]:
    network = Network()
    for condition in conditions:
        network.add(condition)
    usage = network.usage()
    return usage.at_once, usage.ways


def test_the_engines_own_limits_and_the_model_of_its_network_agree() -> None:
    cases = [
        ([_wide(ENGINE_STACK)], _FACT),
        ([_wide(ENGINE_STACK + 1)], _FACT),
        ([_wide(40), _wide(24, start=40)], _FACT),
        ([_wide(40), _wide(25, start=40)], _FACT),
        ([_wide(40), _wide(40)], _FACT),  # the same tests: shared, each met once, leading to both rules
        ([_nested(6, 4)], _FACT),
        ([_nested(2, ENGINE_GROUP_FAILURE - 2)], _FACT),  # with the outer $and: 15 groups
        ([_nested(2, ENGINE_GROUP_FAILURE - 1)], _FACT),  # 16 groups
        # One field's equalities never hold together: 100 values of an in list are one test met.
        ([{"$and": [{"stage": "s"}, {"$or": [{"kind": f"k{i}"} for i in range(99)] + [{"kind": "training"}]}]}], _FACT),
    ]
    results = _raw_engine(cases)
    assert results[0] == ("ok", ENGINE_STACK)
    assert results[1] == ("error", "303")
    assert results[2] == ("ok", 64)
    assert results[3] == ("error", "303")
    assert results[4] == ("ok", 80)
    assert results[5] == ("ok", 6**4)
    assert results[6] == ("ok", 2 ** (ENGINE_GROUP_FAILURE - 2))
    assert results[7] == ("error", "113")
    assert results[8] == ("ok", 1)
    # The model says the same.
    assert _usage(_wide(ENGINE_STACK)) == (ENGINE_STACK, ENGINE_STACK)
    assert _usage(_wide(ENGINE_STACK + 1))[0] == ENGINE_STACK + 1
    assert _usage(_wide(40), _wide(24, start=40))[0] == 64
    assert _usage(_wide(40), _wide(25, start=40))[0] == 65
    assert _usage(_wide(40), _wide(40)) == (41, 80)
    assert _usage(_nested(6, 4))[1] == 6**4
    assert groups(_nested(2, ENGINE_GROUP_FAILURE - 2)) == ENGINE_GROUP_FAILURE - 1
    assert groups(_nested(2, ENGINE_GROUP_FAILURE - 1)) == ENGINE_GROUP_FAILURE
    assert _usage(cases[8][0][0]) == (1, 1)


def _random_condition(rng: Any, depth: int, counter: Iterator[int]) -> dict[str, Any]:
    """A random condition of tests the fact `_FACT` meets (and equalities of one field, of which it meets one)."""
    if depth == 0 or rng.random() < 0.3:
        pick = rng.random()
        if pick < 0.5:
            return {"$gt": {"hours": next(counter)}}
        if pick < 0.7:
            return {"kind": rng.choice(["training", "lecture"])}
        if pick < 0.85:
            return {"$nex": {f"absent{rng.randrange(3)}": 1}}
        return {"passed": True}
    parts = [_random_condition(rng, depth - 1, counter) for _ in range(rng.randrange(1, 5))]
    return {rng.choice(["$and", "$or"]): parts}


def test_the_model_never_says_less_than_the_engine_uses_on_random_rules() -> None:
    rng = random.Random(16)
    counter = itertools.count()
    cases = []
    for _ in range(120):
        rules = [{"$and": [{"stage": "s"}, _random_condition(rng, 3, counter)]} for _ in range(rng.randrange(1, 40))]
        cases.append((rules, _FACT))
    results = _raw_engine(cases)
    seen: Counter[str] = Counter()
    for (rules, _), (status, found) in zip(cases, results, strict=True):
        at_once, ways = _usage(*rules)
        if max(groups(rule) for rule in rules) >= ENGINE_GROUP_FAILURE:
            assert (status, found) == ("error", "113"), rules
            seen["113"] += 1
        elif status == "error":  # the fact met more tests at once than the engine's stack holds
            assert found == "303", rules
            assert at_once > ENGINE_STACK, rules
            seen["303"] += 1
        else:
            assert found <= ways, rules  # each firing is a way the model counts
            seen["ok"] += 1
    assert seen["303"] > 10 and seen["ok"] > 50  # both sides of the limit were reached


# --- the same limits, from policy files -------------------------------------------------------------------


def _rules_file(*rules: tuple[str, str]) -> str:
    return "rules:\n" + "".join(
        f"  - id: {rule_id}\n    cite: s1\n    stage: activity\n    when: {when}\n    then: {{reject: not_passed}}\n"
        for rule_id, when in rules
    )


def _above(n: int, start: int = 0) -> str:
    return "[" + ", ".join(f"{{hours: {{above: {(start + i) / 100:.2f}}}}}" for i in range(n)) + "]"


def _policy(tmp_path: Path, rules: str) -> Path:
    root = _root(tmp_path)
    (root / LAYER / "rules.yaml").write_text(rules, encoding="utf-8")
    return root


def _fired(root: Path, hours: float = 100) -> Counter[str]:
    registry = PolicyRegistry([root])
    data = record(activity("a1", "training", hours))
    data["person"]["region"] = "t"
    decision = ce_policy.evaluate(data, registry=registry, cache=False, to_complete=False)
    return Counter(entry.rule for entry in decision.trace)


def _line_of(root: Path, rule_id: str) -> int:
    lines = (root / LAYER / "rules.yaml").read_text(encoding="utf-8").splitlines()
    return lines.index(f"  - id: {rule_id}") + 1


@pytest.mark.parametrize("alternatives", [MAX_TESTS_AT_ONCE, MAX_TESTS_AT_ONCE + 1, ENGINE_STACK, ENGINE_STACK + 1])
def test_an_any_with_too_many_alternatives_met_at_once_is_refused_when_loaded(
    tmp_path: Path, alternatives: int
) -> None:
    root = _policy(tmp_path, _rules_file(("t.wide", f"{{any: {_above(alternatives)}}}")))
    if alternatives <= MAX_TESTS_AT_ONCE:
        # The engine runs the action once for each alternative met; the decision names the rule once.
        assert _fired(root)["t.wide"] == 1
        return
    error = _refused(root)
    codes = ["tests_at_once_limit"] + (["match_ways_limit"] if alternatives > MAX_WAYS_TO_MATCH else [])
    assert _problems(error) == [(code, f"root/{LAYER}/rules.yaml", 2) for code in codes]
    assert f"rule 't.wide' can meet more than {MAX_TESTS_AT_ONCE} tests of one fact at once ({alternatives};" in (
        error.problems[0].message
    )


def test_a_stage_whose_rules_together_meet_too_many_tests_is_refused_when_compiled(tmp_path: Path) -> None:
    # Each rule alone is far below the limit; together, each puts two tests met on the engine's stack.
    def rules(count: int) -> str:
        return _rules_file(*((f"t.r{i}", f"{{any: {_above(2, start=2 * i)}}}") for i in range(count)))

    half = MAX_TESTS_AT_ONCE // 2
    under = _policy(tmp_path / "under", rules(half))
    fired = _fired(under)
    assert {rule: fired[rule] for rule in fired if rule.startswith("t.r")} == {f"t.r{i}": 1 for i in range(half)}

    over = _policy(tmp_path / "over", rules(half + 1))
    policy = PolicyRegistry([over]).policy(LAYER)  # loads: the limit is the stage's, once compiled
    expected = [("tests_at_once_limit", f"root/{LAYER}/rules.yaml", _line_of(over, f"t.r{half}"))]
    with pytest.raises(PolicyFileError) as info:
        compile_policy(policy, dt.date(2025, 12, 31))
    assert _problems(info.value) == expected
    assert f"stage 'activity', with rule 't.r{half}', can meet more than {MAX_TESTS_AT_ONCE}" in (
        info.value.problems[0].message
    )
    with pytest.raises(PolicyFileError) as info:
        _fired(over)
    assert _problems(info.value) == expected
    result = CliRunner().invoke(main, ["check", "--lang", "en", str(over)])
    assert result.exit_code == 1
    assert f"root/{LAYER}/rules.yaml:{expected[0][2]}: stage 'activity'" in result.output
    with pytest.raises(PolicyFileError) as info:
        lint_policies(over)
    assert _problems(info.value) == expected


def _nested_when(width: int, depth: int) -> str:
    return "{all: [" + ", ".join(f"{{any: {_above(width, start=g * width)}}}" for g in range(depth)) + "]}"


def test_nested_any_that_multiply_past_the_ways_limit_are_refused_when_loaded(tmp_path: Path) -> None:
    assert MAX_WAYS_TO_MATCH == 2**6
    under = _policy(tmp_path / "under", _rules_file(("t.nest", _nested_when(2, 6))))
    assert _fired(under)["t.nest"] == 1  # 2**6 ways for the engine, one firing in the decision
    over = _policy(tmp_path / "over", _rules_file(("t.nest", _nested_when(2, 7))))
    error = _refused(over)
    assert _problems(error) == [("match_ways_limit", f"root/{LAYER}/rules.yaml", 2)]
    assert f"can match one fact in more than {MAX_WAYS_TO_MATCH} ways (128;" in error.problems[0].message


def test_the_issues_six_any_of_six_is_refused_before_the_engine_runs(tmp_path: Path) -> None:
    # Issue 16: 46,665 trace entries for one evaluation. Now refused when loaded, with file and line.
    root = _policy(tmp_path, _rules_file(("t.nest", _nested_when(6, 6))))
    error = _refused(root)
    assert _problems(error) == [("match_ways_limit", f"root/{LAYER}/rules.yaml", 2)]
    assert "(46656;" in error.problems[0].message
    result = CliRunner().invoke(main, ["lint", "--lang", "en", str(root)])
    assert result.exit_code == 1
    assert "[match_ways_limit]" in result.output


def test_a_stage_whose_rules_together_match_in_too_many_ways_is_refused_when_compiled(tmp_path: Path) -> None:
    under = _policy(tmp_path / "under", _rules_file(("t.nest", _nested_when(2, 6))))
    compile_policy(PolicyRegistry([under]).policy(LAYER), dt.date(2025, 12, 31))
    over = _policy(tmp_path / "over", _rules_file(("t.nest", _nested_when(2, 6)), ("t.one", "{passed: true}")))
    with pytest.raises(PolicyFileError) as info:
        compile_policy(PolicyRegistry([over]).policy(LAYER), dt.date(2025, 12, 31))
    assert _problems(info.value) == [("match_ways_limit", f"root/{LAYER}/rules.yaml", _line_of(over, "t.one"))]
    assert f"more than {MAX_WAYS_TO_MATCH} ways ({MAX_WAYS_TO_MATCH + 1};" in info.value.problems[0].message


def test_a_rule_with_too_many_groups_is_refused_when_loaded(tmp_path: Path) -> None:
    # Lists of one field's values: each is a group, and they do not multiply the ways.
    def when(lists: int) -> str:
        return "{all: [" + ", ".join("{kind: {in: [training, lecture]}}" for _ in range(lists)) + "]}"

    under = _policy(tmp_path / "under", _rules_file(("t.lists", when(MAX_GROUPS_PER_RULE - 1))))
    assert _fired(under)["t.lists"] == 1
    over = _policy(tmp_path / "over", _rules_file(("t.lists", when(MAX_GROUPS_PER_RULE))))
    error = _refused(over)
    assert _problems(error) == [("condition_group_limit", f"root/{LAYER}/rules.yaml", 2)]
    assert f"more than {MAX_GROUPS_PER_RULE} groups once compiled ({MAX_GROUPS_PER_RULE + 1};" in (
        error.problems[0].message
    )


def test_a_parameters_longest_list_counts_when_loaded(tmp_path: Path) -> None:
    # A not_in list of a parameter is one group whatever its length; an in of a parameter inside an any is one
    # test met. The loader takes each parameter's longest list over its periods.
    root = _root(tmp_path)
    (root / LAYER / "parameters.yaml").write_text(
        (MINIMAL / LAYER / "parameters.yaml").read_text(encoding="utf-8")
        + "  kinds:\n    description: kinds\n    type: choices\n    cite: s1\n    provenance: N\n"
        + "    values:\n      - from: 2025-01-01\n        value: [training]\n"
        + "      - from: 2025-06-01\n        value: [training, lecture, patent]\n",
        encoding="utf-8",
    )
    (root / LAYER / "rules.yaml").write_text(
        _rules_file(("t.kinds", "{any: [{kind: {in: {param: kinds}}}, {kind: {not_in: {param: kinds}}}]}")),
        encoding="utf-8",
    )
    policy = PolicyRegistry([root]).policy(LAYER)
    for day in (dt.date(2025, 3, 1), dt.date(2025, 12, 31)):
        compile_policy(policy, day)


def test_the_shipped_policies_are_far_from_every_limit() -> None:
    registry = ce_policy.default_registry()
    worst: dict[str, int] = Counter()
    for layer_id in registry.layer_ids():
        policy = registry.policy(layer_id)
        for day in policy.breakpoints:
            try:
                compiled = compile_policy(policy, day)
            except PolicyFileError:
                continue
            by_stage: dict[str, Network] = {}
            for name, action in compiled.actions.items():
                if action.rule is None:
                    continue
                condition = compiled.ruleset[compiled.ruleset_name][name]["all"][0]["m"]
                by_stage.setdefault(action.rule.stage, Network()).add(condition)
                worst["groups"] = max(worst["groups"], groups(condition))
            for network in by_stage.values():
                usage = network.usage()
                worst["at_once"] = max(worst["at_once"], usage.at_once)
                worst["ways"] = max(worst["ways"], usage.ways)
    assert worst["at_once"] <= MAX_TESTS_AT_ONCE // 4
    assert worst["ways"] <= MAX_WAYS_TO_MATCH // 4
    assert worst["groups"] <= MAX_GROUPS_PER_RULE // 2


# --- 5. folders that cannot be listed, names, a root that is a file --------------------------------------


def _refuse_listing(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    real = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_a_folder_that_cannot_be_listed_is_refused_not_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _root(tmp_path)
    shutil.copytree(MINIMAL / LAYER, root / "locked" / "t.other")
    _refuse_listing(monkeypatch, root / "locked")
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry([root])
    assert _problems(info.value) == [("folder_unreadable", "root/locked", None)]
    assert info.value.problems[0].message == "cannot list folder: Permission denied"


def test_a_cases_folder_that_cannot_be_listed_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _root(tmp_path)
    (root / LAYER / "cases").mkdir()
    _refuse_listing(monkeypatch, root / LAYER / "cases")
    with pytest.raises(PolicyFileError) as info:
        case_files(root)
    assert [p.code for p in info.value.problems] == ["folder_unreadable"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="permissions do not bind root")
def test_a_file_without_read_permission_is_refused(tmp_path: Path) -> None:  # pragma: no cover - not as root
    root = _root(tmp_path)
    (root / LAYER / "rules.yaml").chmod(0)
    assert [p.code for p in _refused(root).problems] == ["file_unreadable"]


def test_a_file_that_cannot_be_opened_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _root(tmp_path)
    real_open = os.open

    def denied(path: Any, *args: Any, **kwargs: Any) -> int:
        if Path(path).name == "rules.yaml":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    error = _refused(root)
    assert _problems(error) == [("file_unreadable", f"root/{LAYER}/rules.yaml", None)]


def test_control_characters_in_a_folder_name_cannot_forge_a_report_line(tmp_path: Path) -> None:
    root = tmp_path / "root"
    name = "t\x1b[2Jmin\nroot/t.min/rules.yaml:1: all fine [ok]\u202e"
    shutil.copytree(MINIMAL / LAYER, root / name)
    (root / name / "rules.yaml").write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry([root]).policy(LAYER)
    [problem] = info.value.problems
    assert problem.file == "root/t\\x1b[2Jmin\\nroot/t.min/rules.yaml:1: all fine [ok]\\u202e/rules.yaml"
    assert str(problem).isprintable()


def test_a_policy_root_that_is_a_file_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "policies"
    plain.write_text("not a folder\n", encoding="utf-8")
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry([plain])
    assert [p.code for p in info.value.problems] == ["not_a_folder"]
