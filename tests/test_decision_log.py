"""The decision log (one JSON line per decision) and its replay (``ce-policy replay``)."""

import io
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import ce_policy
from ce_policy.analysis.diff import load_version
from ce_policy.audit.log import DecisionLog, DecisionLogError, LogEntry, record_digest
from ce_policy.audit.replay import replay
from ce_policy.cli.main import main
from ce_policy.decide.sink import set_decision_log
from ce_policy.model.record import Record
from ce_policy.policy.registry import default_registry, shipped_policy_root
from tests.records import activity, record

PUBLIC_HOURS = (28, 30, 30.5, 31, 31.75, 32, 34)
"""Public hours of the population: 30, 30.5, 31 and 31.75 meet a floor of 30 but not one of 32."""
BETWEEN = {"p30", "p30.5", "p31", "p31.75"}


def _record(public: float) -> dict[str, object]:
    return record(
        activity("pub", "public_course", public),
        activity("pro", "training", 60),
        activity("off", "training", 5, on_platform=False),
        pid=f"p{public}",
    )


def _write_log(path: Path, *, include_record: bool = True) -> list[ce_policy.Decision]:
    with DecisionLog(path, include_record=include_record) as log:
        return [ce_policy.evaluate(_record(h), log=log, to_complete=False) for h in PUBLIC_HOURS]


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("log") / "decisions.jsonl"
    _write_log(path)
    return path


@pytest.fixture(scope="module")
def raised_floor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped policies whose public floor is 32 hours instead of 30."""
    root = tmp_path_factory.mktemp("policies") / "policies"
    shutil.copytree(shipped_policy_root(), root)
    parameters = root / "xj" / "aksu-2025-12" / "parameters.yaml"
    text = parameters.read_text(encoding="utf-8")
    head, _, tail = text.partition("  professional_min_hours:")
    assert "value: 30\n" in head
    parameters.write_text(head.replace("value: 30\n", "value: 32\n") + "  professional_min_hours:" + tail, "utf-8")
    return root


def test_one_entry_per_decision_with_the_documented_fields(logged: Path) -> None:
    lines = logged.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(PUBLIC_HOURS)
    entries = [LogEntry.model_validate_json(line) for line in lines]
    first = json.loads(lines[0])
    assert list(first) == [
        "decision_id",
        "time",
        "record_digest",
        "policy",
        "as_of",
        "outcome",
        "record",
        "prev",
        "entry_digest",
    ]
    assert len({e.decision_id for e in entries}) == len(entries)
    assert all(e.time.endswith("Z") and e.policy.id == "xj.aksu.2025" for e in entries)
    assert entries[0].outcome["compliant"] is False
    assert entries[0].outcome["shortfall"]["public"] == 2
    assert entries[0].outcome["activities"][2] == {
        "id": "off",
        "counted": False,
        "category": "professional",
        "hours": 0,
        "reasons": ["not_on_platform"],
    }
    assert "aksu.public_course@pub" in entries[0].outcome["rules"]
    assert all(e.record_digest == record_digest(Record.model_validate(e.record)) for e in entries)


def test_threads_share_a_log_and_every_line_is_whole(tmp_path: Path) -> None:
    path = tmp_path / "threads.jsonl"
    errors: list[BaseException] = []
    with DecisionLog(path) as log:

        def work(offset: int) -> None:
            try:
                for i in range(10):
                    ce_policy.evaluate(_record(PUBLIC_HOURS[(i + offset) % 7]), log=log, to_complete=False)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 40
    assert all(LogEntry.model_validate_json(line).outcome for line in lines)


def test_record_digest_is_the_same_in_other_processes_and_hash_seeds() -> None:
    data = _record(30.5) | {"labels": {"county": "库车市", "employer": "医院"}}
    here = record_digest(Record.model_validate(data))
    code = (
        "import json, sys; from ce_policy.audit.log import record_digest; from ce_policy.model.record import Record;"
        "print(record_digest(Record.model_validate(json.loads(sys.argv[1]))))"
    )
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code, json.dumps(data)], capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout.strip() == here
    reordered = dict(reversed(list(data.items())))
    assert record_digest(Record.model_validate(reordered)) == here
    assert record_digest(Record.model_validate({**data, "year": 2024})) != here


def test_an_untouched_log_replays_the_same(logged: Path) -> None:
    report = replay(logged)
    assert report.confirmed
    assert report.counts["same"] == len(PUBLIC_HOURS)
    assert report.counts["current_differs"] == 0
    assert all(entry.current is None for entry in report.entries)


def test_after_a_policy_change_entries_stay_the_same_but_the_current_policy_differs(
    logged: Path, raised_floor: Path
) -> None:
    current, _ = load_version(raised_floor)
    report = replay(logged, registry=current, policies=[default_registry()])
    assert report.confirmed  # each entry under its recorded digest, found in the archive
    differs = {e.person: e.current for e in report.entries if e.current is not None and e.current.status == "differs"}
    # 28 public hours stay short, by 4 instead of 2; 32 and 34 meet either floor and are decided the same.
    assert set(differs) == {*BETWEEN, "p28"}
    assert report.counts["current_differs"] == len(BETWEEN) + 1
    assert {p for p, c in differs.items() if c and "compliant" in {x.path for x in c.changes}} == BETWEEN
    assert [(c.path, c.old, c.new) for c in differs["p28"].changes] == [("shortfall.public", 2, 4)]
    why = differs["p31"]
    assert why is not None
    assert why.policy is not None
    assert why.policy.digest != report.entries[0].policy.digest  # type: ignore[union-attr]
    paths = {c.path: (c.old, c.new) for c in why.changes}
    assert paths["compliant"] == (True, False)
    assert paths["shortfall.public"] == (0, 1)
    assert "consequences" in paths
    assert why.rules_only_now[0] == "aksu.quota.public#short.public"
    # Without the archive the recorded policy is gone, and the entry says which digest it needs.
    alone = replay(logged, registry=current)
    assert {e.status for e in alone.entries} == {"policy_unavailable"}
    assert report.entries[0].policy.digest in (alone.entries[0].message or "")  # type: ignore[union-attr]


def test_a_line_that_is_not_json_is_an_invalid_entry(logged: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    lines = logged.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], "{not json", '{"decision_id": 1}', lines[1]]) + "\n", encoding="utf-8")
    report = replay(path)
    assert [e.status for e in report.entries] == ["same", "invalid_entry", "invalid_entry", "same"]
    assert report.entries[1].where == f"{path}:2"
    assert "not valid JSON" in (report.entries[1].message or "")
    assert not report.confirmed
    result = CliRunner().invoke(main, ["replay", str(path), "--fail-on-difference", "--lang", "en"])
    assert result.exit_code == 1
    assert f"{path}:2: invalid entry" in result.output
    assert CliRunner().invoke(main, ["replay", str(path)]).exit_code == 0


def test_an_edited_outcome_differs_and_says_why(logged: Path, tmp_path: Path) -> None:
    entry = json.loads(logged.read_text(encoding="utf-8").splitlines()[1])
    entry["outcome"]["compliant"] = False
    entry["outcome"]["rules"].append("aksu.quota.public#short.public")
    path = tmp_path / "edited.jsonl"
    path.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    (found,) = replay(path).entries
    assert found.status == "differs"
    assert [(c.path, c.old, c.new) for c in found.changes] == [("compliant", False, True)]
    assert found.rules_only_logged == ("aksu.quota.public#short.public",)
    result = CliRunner().invoke(main, ["replay", str(path), "--format", "json", "--fail-on-difference"])
    assert result.exit_code == 1
    assert json.loads(result.output)["counts"]["differs"] == 1


def test_a_log_without_records_replays_with_the_records_given(tmp_path: Path) -> None:
    path = tmp_path / "digests.jsonl"
    _write_log(path, include_record=False)
    assert "record" not in json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert {e.status for e in replay(path).entries} == {"record_missing"}
    records = tmp_path / "records.jsonl"
    records.write_text("".join(json.dumps(_record(h)) + "\n" for h in PUBLIC_HOURS), encoding="utf-8")
    assert replay(path, records=[records]).confirmed


def test_a_log_write_failure_raises_after_the_decision(tmp_path: Path) -> None:
    with pytest.raises(DecisionLogError, match="cannot open"):
        DecisionLog(tmp_path / "missing" / "decisions.jsonl")

    class Full(io.StringIO):
        def write(self, s: str, /) -> int:
            raise OSError(28, "No space left on device")

    with pytest.raises(DecisionLogError, match="No space left") as caught:
        ce_policy.evaluate(_record(30), log=DecisionLog(Full()), to_complete=False)
    assert isinstance(caught.value, OSError)
    assert isinstance(caught.value, ce_policy.CePolicyError)
    assert caught.value.decision is not None
    assert caught.value.decision.compliant
    closed = DecisionLog(tmp_path / "closed.jsonl")
    closed.close()
    with pytest.raises(DecisionLogError, match="closed"):
        ce_policy.evaluate(_record(30), log=closed, to_complete=False)


def test_the_process_wide_log(tmp_path: Path) -> None:
    stream = io.StringIO()
    previous = set_decision_log(DecisionLog(stream))
    try:
        ce_policy.evaluate(_record(30), to_complete=False)
        ce_policy.evaluate(_record(31), to_complete=False)
    finally:
        set_decision_log(previous)
    ce_policy.evaluate(_record(32), to_complete=False)
    assert len(stream.getvalue().splitlines()) == 2


def test_the_replay_command_reports_an_unreadable_log(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["replay", str(tmp_path / "none.jsonl"), "--lang", "en"])
    assert result.exit_code == 2
    assert "cannot read" in result.output
