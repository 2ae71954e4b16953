"""The decision log and its replay under hostile conditions (issue 16).

A full disk cuts a write short; a line is damaged (cut inside a UTF-8 character, wrong types, nesting too deep);
the log is tampered with (an entry edited with its digests recomputed, lines deleted, inserted or reordered);
ids carry terminal escapes. Every case ends in typed errors and reports that name the file and line, never a
traceback, and every good entry is still replayed.
"""

import errno
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ce_policy
from ce_policy.audit import chain as chain_module
from ce_policy.audit import log as log_module
from ce_policy.audit import replay as replay_module
from ce_policy.audit.log import DecisionLog, DecisionLogError, record_digest
from ce_policy.audit.replay import ReplayReport, replay
from ce_policy.cli.main import main
from ce_policy.model.record import Record
from ce_policy.text.replay_report import render_replay
from tests.records import activity, record

DATA = Path(__file__).parent / "data" / "hostile_log"
PUBLIC_HOURS = (28, 30, 31, 34)
CE_POLICY = Path(sys.executable).with_name("ce-policy")


def _record(public: float, pid: str | None = None) -> dict[str, Any]:
    data = record(
        activity("pub", "public_course", public),
        activity("pro", "training", 60),
        pid=pid or f"p{public}",
    )
    data["labels"] = {"county": "库车市", "employer": "医院"}
    return data


def _decide(log: DecisionLog, hours: tuple[float, ...] = PUBLIC_HOURS) -> list[ce_policy.Decision]:
    return [ce_policy.evaluate(_record(h), log=log, to_complete=False) for h in hours]


def _lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


def _write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def _statuses(report: ReplayReport) -> list[str]:
    return [entry.status for entry in report.entries]


def _breaks(report: ReplayReport) -> list[tuple[str, str]]:
    return [(b.where, b.code) for b in report.chain_breaks]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("good") / "decisions.jsonl"
    with DecisionLog(path) as log:
        _decide(log)
    return path


def _copy(good: Path, tmp_path: Path, name: str = "log.jsonl") -> Path:
    target = tmp_path / name
    shutil.copyfile(good, target)
    return target


# A full disk ------------------------------------------------------------------------------------------------


_real_write = os.write


def _is_entry(data: bytes) -> bool:
    return data.lstrip(b"\n").startswith(b'{"decision_id"')


def _full_disk(mode: str, room: int = 100) -> Callable[[int, bytes], int]:
    """An ``os.write`` for the log's entries only: a disk with ``room`` bytes left, failing as ``mode`` says."""

    def write(fd: int, data: bytes) -> int:
        if not _is_entry(bytes(data)):
            return _real_write(fd, data)
        if mode == "nothing":
            raise OSError(errno.ENOSPC, "No space left on device")
        written = _real_write(fd, bytes(data)[:room])
        if mode == "short":
            return written
        raise OSError(errno.ENOSPC, "No space left on device")

    return write


@pytest.mark.parametrize("mode", ["part_then_error", "short", "nothing"])
def test_a_write_cut_short_by_a_full_disk_is_taken_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    path = tmp_path / "full.jsonl"
    with DecisionLog(path) as log:
        _decide(log, (28, 30))
        before = path.read_bytes()
        with monkeypatch.context() as patched:
            patched.setattr(os, "write", _full_disk(mode))
            with pytest.raises(DecisionLogError) as caught:
                ce_policy.evaluate(_record(31), log=log, to_complete=False)
        assert path.read_bytes() == before  # whole lines or nothing
        error = caught.value
        assert error.decision is not None
        assert error.decision.person == "p31"
        assert error.errno == errno.ENOSPC
        assert error.code == "log_write_failed"
        assert str(path) in str(error)
        _decide(log, (34,))  # the disk has room again
    report = replay(path)
    assert _statuses(report) == ["same", "same", "same"]
    assert report.chain_breaks == ()
    assert report.chain == "intact"


def test_a_fragment_that_cannot_be_taken_back_stays_on_a_line_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "append-only.jsonl"

    def no_truncate(fd: int, length: int) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    with DecisionLog(path) as log:
        _decide(log, (28, 30))
        with monkeypatch.context() as patched:
            patched.setattr(os, "write", _full_disk("part_then_error"))
            patched.setattr(os, "ftruncate", no_truncate)
            with pytest.raises(DecisionLogError, match="No space left"):
                ce_policy.evaluate(_record(31), log=log, to_complete=False)
        assert any("cut short" in note for note in log.notes)
        _decide(log, (34,))
    lines = _lines(path)
    assert len(lines) == 4
    assert len(lines[2]) == 100  # the fragment, alone on its line
    report = replay(path)
    assert _statuses(report) == ["same", "same", "invalid_entry", "same"]
    assert report.entries[2].where == f"{path}:3"
    assert report.entries[2].code == "invalid_json"
    assert report.chain_breaks == ()  # the chain passes over a fragment


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_log_on_a_device_that_is_always_full() -> None:
    log = DecisionLog("/dev/full")
    with pytest.raises(DecisionLogError, match="/dev/full") as caught:
        ce_policy.evaluate(_record(30), log=log, to_complete=False)
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.decision is not None
    assert caught.value.decision.compliant
    log.close()


class _CutStream(io.StringIO):
    """A text stream that fails once, half way through an entry, as a stream on a full disk does."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_next = False

    def write(self, s: str, /) -> int:
        if self.fail_next and '"decision_id"' in s:
            self.fail_next = False
            super().write(s[: len(s) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(s)


def test_after_a_cut_write_to_a_stream_the_next_entry_starts_on_a_new_line(tmp_path: Path) -> None:
    stream = _CutStream()
    log = DecisionLog(stream)
    _decide(log, (28,))
    stream.fail_next = True
    with pytest.raises(DecisionLogError) as caught:
        ce_policy.evaluate(_record(30), log=log, to_complete=False)
    assert caught.value.decision is not None
    _decide(log, (31,))
    path = tmp_path / "stream.jsonl"
    path.write_text(stream.getvalue(), encoding="utf-8")
    report = replay(path)
    assert _statuses(report) == ["same", "invalid_entry", "same"]
    assert report.entries[1].where == f"{path}:2"
    assert report.chain_breaks == ()


def test_a_log_opened_with_a_torn_tail_keeps_the_fragment_apart(tmp_path: Path, good: Path) -> None:
    path = _copy(good, tmp_path)
    lines = _lines(path)
    path.write_bytes(b"".join(line + b"\n" for line in lines[:2]) + lines[2][:300])
    with pytest.warns(RuntimeWarning, match=r"cut short"):
        log = DecisionLog(path)
    with log:
        assert len(log.notes) == 1
        assert f"{path}:3" in log.notes[0]
        _decide(log, (34,))
    report = replay(path)
    assert _statuses(report) == ["same", "same", "invalid_entry", "same"]
    assert report.entries[2].where == f"{path}:3"
    assert report.chain_breaks == ()


def test_a_log_whose_last_entry_lacks_its_newline_continues_from_it(tmp_path: Path, good: Path) -> None:
    path = _copy(good, tmp_path)
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.warns(RuntimeWarning, match="no newline"):
        log = DecisionLog(path)
    with log:
        _decide(log, (30,))
    report = replay(path)
    assert _statuses(report) == ["same"] * 5
    assert report.chain == "intact"


def test_a_log_reopened_continues_its_chain(tmp_path: Path) -> None:
    path = tmp_path / "reopened.jsonl"
    with DecisionLog(path) as log:
        _decide(log, (28, 30))
    with DecisionLog(path) as log:
        assert log.notes == []
        _decide(log, (31, 34))
        head = log.head
    report = replay(path)
    assert report.chain == "intact"
    assert report.head == head
    first = json.loads(_lines(path)[0])
    assert first["prev"] == log_module.GENESIS


def test_fsync_when_asked_and_a_failed_sync_takes_the_entry_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "synced.jsonl"
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    with DecisionLog(path, fsync=True) as log:
        _decide(log, (28, 30))
        assert len(synced) == 2

        def failing(fd: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(os, "fsync", failing)
        before = path.read_bytes()
        with pytest.raises(DecisionLogError, match="Input/output error") as caught:
            ce_policy.evaluate(_record(31), log=log, to_complete=False)
        assert caught.value.code == "log_sync_failed"
        assert path.read_bytes() == before
    with DecisionLog(path) as unsynced:
        _decide(unsynced, (31,))
    assert len(synced) == 2


def test_a_whole_line_that_cannot_be_taken_back_after_a_failed_sync_stays_chained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "unsynced.jsonl"

    def failing(fd: int, *args: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    with DecisionLog(path, fsync=True) as log:
        monkeypatch.setattr(os, "fsync", lambda fd: None)
        _decide(log, (28,))
        monkeypatch.setattr(os, "fsync", failing)
        monkeypatch.setattr(os, "ftruncate", failing)
        with pytest.raises(DecisionLogError, match="stays in the log") as caught:
            ce_policy.evaluate(_record(30), log=log, to_complete=False)
        assert caught.value.code == "log_sync_failed"
        monkeypatch.setattr(os, "fsync", lambda fd: None)
        _decide(log, (31,))
    report = replay(path)
    assert _statuses(report) == ["same", "same", "same"]  # the entry reported unlogged is there, whole
    assert report.chain == "intact"


def test_an_entry_that_cannot_be_written_whole_is_not_begun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "refused.jsonl"
    record = Record.model_validate(_record(30) | {"person": {"id": "p", "title_level": "junior", "region": "xj.aksu"}})
    decision = ce_policy.evaluate(record, to_complete=False)
    # A lone surrogate (from a JSON escape) is not UTF-8 text: records refuse it, a sink may still be handed one.
    unwritable = record.model_copy(update={"person": record.person.model_copy(update={"id": "p\ud800"})})
    with DecisionLog(path) as log:
        with pytest.raises(DecisionLogError, match="surrogate") as caught:
            log.write(unwritable, decision)
        assert caught.value.code == "log_entry_unwritable"
        assert caught.value.decision is decision
        for module in (log_module, chain_module, replay_module):
            monkeypatch.setattr(module, "MAX_LINE_BYTES", 1000)
        with pytest.raises(DecisionLogError, match="more than replay reads") as caught:
            ce_policy.evaluate(_record(30), log=log, to_complete=False)
        assert caught.value.code == "log_entry_unwritable"
    assert path.read_bytes() == b""
    with pytest.raises(ValueError, match="fsync"):
        DecisionLog(io.StringIO(), fsync=True)


def test_the_error_travels_whole_between_processes(tmp_path: Path) -> None:
    log = DecisionLog(tmp_path / "closed.jsonl")
    log.close()
    with pytest.raises(DecisionLogError) as caught:
        ce_policy.evaluate(_record(30), log=log, to_complete=False)
    copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own error, as a worker returns it
    assert (copy.code, str(copy), copy.errno) == ("log_closed", str(caught.value), None)
    assert copy.decision == caught.value.decision
    full = pickle.loads(pickle.dumps(DecisionLogError("full", None, os_errno=errno.ENOSPC)))  # noqa: S301
    assert full.errno == errno.ENOSPC
    assert isinstance(full, OSError)


_FORK = textwrap.dedent(
    """
    import json, os, sys
    import ce_policy
    from ce_policy.audit.log import DecisionLog, DecisionLogError
    from ce_policy.decide.sink import set_decision_log
    from tests.records import complete_record
    log = DecisionLog(sys.argv[1])
    set_decision_log(log)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        found = {}
        for name, given in (("process_wide", {}), ("explicit", {"log": log})):
            try:
                ce_policy.evaluate(complete_record(), to_complete=False, **given)
                found[name] = "written"
            except DecisionLogError as exc:
                found[name] = [exc.code, exc.decision is not None]
        os.write(write, json.dumps(found).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    print(os.read(read, 1000).decode())
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_process_cannot_write_to_its_parents_log(tmp_path: Path) -> None:
    """Its chain and its offsets are the parent's: the child is told loudly, with its decision, to open its own."""
    path = tmp_path / "parent.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", _FORK, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).parents[1],
    )
    assert done.returncode == 0, done.stderr
    refused = ["log_other_process", True]
    assert json.loads(done.stdout) == {"process_wide": refused, "explicit": refused}
    assert path.read_bytes() == b""


_MANY = textwrap.dedent(
    """
    import sys
    import ce_policy
    from ce_policy.audit.log import DecisionLog
    from tests.records import activity, record
    if __name__ == "__main__":
        ce_policy.set_decision_log(DecisionLog(sys.argv[1]))
        people = [record(activity("pub", "public_course", 28 + i % 7), pid=f"p{i}") for i in range(20)]
        results = list(ce_policy.evaluate_many(people, workers=2, chunk_size=3))
        print(sum(r.decision is not None and r.log_error is None for r in results))
    """
)


def test_the_decisions_of_worker_processes_are_logged_by_the_caller_on_one_chain(tmp_path: Path) -> None:
    """Workers start afresh, with no log; the calling process logs what they decide (docs/audit.md)."""
    script, path = tmp_path / "many.py", tmp_path / "many.jsonl"
    script.write_text(_MANY, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).parents[1],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["20"]
    report = replay(path)
    assert len(report.entries) == 20
    assert report.chain == "intact"
    assert [e.person for e in report.entries] == [f"p{i}" for i in range(20)]


# Damaged lines ----------------------------------------------------------------------------------------------


def _cut_inside_a_character(line: bytes) -> bytes:
    at = line.index("库".encode())
    return line[: at + 1]


def test_a_line_cut_inside_a_utf8_character_is_one_invalid_entry(tmp_path: Path, good: Path) -> None:
    lines = _lines(good)
    path = _write_lines(tmp_path / "utf8.jsonl", [lines[0], _cut_inside_a_character(lines[1]), *lines[2:]])
    report = replay(path)
    assert _statuses(report) == ["same", "invalid_entry", "same", "same"]
    damaged = report.entries[1]
    assert damaged.where == f"{path}:2"
    assert damaged.code == "invalid_utf8"
    assert "UTF-8" in (damaged.message or "")
    runner = CliRunner()
    result = runner.invoke(main, ["replay", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert f"{path}:2: invalid entry" in result.output
    failing = runner.invoke(main, ["replay", str(path), "--fail-on-difference", "--lang", "en"])
    assert failing.exit_code == 1


def _mutate(line: bytes, dotted: str, value: Any) -> bytes:
    data = json.loads(line)
    *parents, last = dotted.split(".")
    target = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return json.dumps(data, ensure_ascii=False).encode()


WRONG_TYPES = [
    ("outcome.rules", 5, "outcome.rules"),
    ("outcome.rules", [5], "outcome.rules.0"),
    ("outcome.activities", "pub", "outcome.activities"),
    ("outcome.activities.0.reasons", 5, "outcome.activities.0.reasons"),
    ("outcome.activities.0", "pub", "outcome.activities.0"),
    ("outcome.hours", [], "outcome.hours"),
    ("outcome.hours.public", "30", "outcome.hours.public"),
    ("outcome.shortfall.public", True, "outcome.shortfall.public"),
    ("outcome.compliant", "yes", "outcome.compliant"),
    ("outcome.consequences", {"a": 1}, "outcome.consequences"),
    ("outcome", [], "outcome"),
    ("prior", [5], "prior.0"),
    ("prior", [{"year": "2024", "hours": 1}], "prior.0.year"),
    ("policy", "xj.aksu.2025", "policy"),
    ("policy.chain", 5, "policy.chain"),
    ("as_of", 20251231, "as_of"),
    ("as_of", "2025-02-30", "as_of"),
    ("record", 5, "record"),
    ("record.activities", 5, "record"),
    ("decision_id", {"a": 1}, "decision_id"),
    ("prev", 5, "prev"),
]


@pytest.mark.parametrize(("field", "value", "named"), WRONG_TYPES, ids=[f"{f}={v!r}" for f, v, _ in WRONG_TYPES])
def test_a_field_of_the_wrong_type_is_one_invalid_entry(
    tmp_path: Path, good: Path, field: str, value: Any, named: str
) -> None:
    lines = _lines(good)
    path = _write_lines(tmp_path / "typed.jsonl", [lines[0], _mutate(lines[1], field, value), lines[2]])
    report = replay(path)
    assert _statuses(report) == ["same", "invalid_entry", "same"]
    assert report.entries[1].where == f"{path}:2"
    assert named in (report.entries[1].message or "")


HOSTILE_LINES: dict[str, tuple[bytes, str]] = {
    "deep": (b'{"outcome":' + b"[" * 100_000 + b"]" * 100_000 + b"}", "json_too_deep"),
    "deep_in_record": (b'{"record":{"a":' + b"[" * 40 + b"]" * 40 + b"}}", "json_too_deep"),
    "duplicate_key": (b'{"decision_id":"a","decision_id":"b"}', "duplicate_key"),
    "huge_integer": (b'{"outcome":{"hours":{"public":' + b"9" * 5000 + b"}}}", "invalid_json"),
    "nan": (b'{"outcome":{"hours":{"public":NaN}}}', "not_an_entry"),
    "a_list": (b"[1, 2]", "not_an_entry"),
    "a_string": (b'"entry"', "not_an_entry"),
    "null": (b"null", "not_an_entry"),
    "bom": ("\ufeff{}".encode(), "invalid_json"),
    "lone_surrogate_escape": (b'{"decision_id":"\\ud800"}', "invalid_utf8"),
    "control_bytes": (b"\x00\x1b[2J\x07", "invalid_json"),
    "invalid_utf8": (b'{"decision_id":"\xff\xfe"}', "invalid_utf8"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_LINES))
def test_a_hostile_line_is_one_invalid_entry_and_the_rest_replays(tmp_path: Path, good: Path, name: str) -> None:
    hostile, code = HOSTILE_LINES[name]
    lines = _lines(good)
    path = _write_lines(tmp_path / f"{name}.jsonl", [lines[0], hostile, lines[1]])
    report = replay(path)
    assert _statuses(report) == ["same", "invalid_entry", "same"]
    assert report.entries[1].where == f"{path}:2"
    assert report.entries[1].code == code


def test_a_number_out_of_range_is_refused_not_expanded(tmp_path: Path, good: Path) -> None:
    lines = _lines(good)
    huge = re.sub(rb'"total":\d+', b'"total":1e999999999', lines[1], count=1)
    path = _write_lines(tmp_path / "huge.jsonl", [lines[0], huge])
    # In a process of its own, with a timeout: written out, 1e999999999 is a billion digits.
    done = subprocess.run(
        [str(CE_POLICY), "replay", str(path), "--format", "json"], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    entries = json.loads(done.stdout)["entries"]
    assert [e["status"] for e in entries] == ["same", "invalid_entry"]
    assert "outcome.hours.total" in entries[1]["message"]


def test_a_line_too_long_is_skipped_whole(tmp_path: Path, good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (log_module, chain_module, replay_module):
        monkeypatch.setattr(module, "MAX_LINE_BYTES", 8192)
    lines = _lines(good)
    path = _write_lines(tmp_path / "long.jsonl", [lines[0], b'{"x":"' + b"y" * 50_000 + b'"}', lines[1]])
    report = replay(path)
    assert _statuses(report) == ["same", "invalid_entry", "same"]
    assert report.entries[1].code == "line_too_long"
    assert report.entries[2].where == f"{path}:3"


def test_the_command_names_every_damaged_line_without_a_traceback(tmp_path: Path, good: Path) -> None:
    """In a process of its own, with a timeout: nesting that would exhaust the stack must not crash it."""
    lines = _lines(good)
    hostile = [value for value, _ in HOSTILE_LINES.values()]
    path = _write_lines(tmp_path / "hostile.jsonl", [lines[0], *hostile, _mutate(lines[1], "outcome.rules", 5)])
    done = subprocess.run(
        [str(CE_POLICY), "replay", str(path), "--fail-on-difference", "--lang", "en"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    out = done.stdout.decode("utf-8")
    assert done.returncode == 1, done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in out + done.stderr.decode("utf-8", "replace")
    assert f"invalid entry {len(hostile) + 1}" in out
    for number in range(2, len(hostile) + 3):
        assert f"{path}:{number}: invalid entry" in out


# Tampering --------------------------------------------------------------------------------------------------


def _reseal(data: dict[str, Any]) -> bytes:
    """An entry with its ``entry_digest`` recomputed, as the docs define it, by someone who edits the log."""
    data = {k: v for k, v in data.items() if k != "entry_digest"}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    return body[:-1] + b',"entry_digest":"' + digest.encode() + b'"}'


def _other_person(line: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(line)
    data["record"]["person"]["id"] = "p-someone-else"
    data["record_digest"] = record_digest(Record.model_validate(data["record"]))
    return data


def test_an_edited_entry_with_its_record_digest_recomputed_is_found(tmp_path: Path, good: Path) -> None:
    lines = _lines(good)
    edited = json.dumps(_other_person(lines[1]), ensure_ascii=False, separators=(",", ":")).encode()
    path = _write_lines(tmp_path / "edited.jsonl", [lines[0], edited, *lines[2:]])
    report = replay(path)
    assert _statuses(report) == ["same"] * 4  # the decision itself replays the same for the other person
    assert _breaks(report) == [(f"{path}:2", "entry_edited"), (f"{path}:3", "prev_mismatch")]
    assert report.chain == "broken"
    assert not report.confirmed
    result = CliRunner().invoke(main, ["replay", str(path), "--fail-on-difference", "--lang", "en"])
    assert result.exit_code == 1
    assert f"{path}:2 p-someone-else 2025: the same under its recorded policy" in result.output
    assert "hash chain broken (entry_edited)" in result.output


def test_an_edited_entry_with_every_digest_recomputed_breaks_the_chain_after_it(tmp_path: Path, good: Path) -> None:
    lines = _lines(good)
    path = _write_lines(tmp_path / "resealed.jsonl", [lines[0], _reseal(_other_person(lines[1])), *lines[2:]])
    report = replay(path)
    assert _breaks(report) == [(f"{path}:3", "prev_mismatch")]
    assert report.chain_breaks[0].previous == f"{path}:2"


def test_an_edit_of_the_last_entry_shows_in_the_head(tmp_path: Path, good: Path) -> None:
    """Nothing follows the last entry: a service that keeps the log's head elsewhere detects its edit."""
    head = replay(good).head
    lines = _lines(good)
    path = _write_lines(tmp_path / "last.jsonl", [*lines[:-1], _reseal(_other_person(lines[-1]))])
    report = replay(path)
    assert report.chain_breaks == ()
    assert report.head is not None
    assert report.head != head
    assert replay(_write_lines(tmp_path / "shorter.jsonl", lines[:-1])).head != head


@pytest.mark.parametrize(
    ("name", "arrange", "expected"),
    [
        ("deleted", lambda ls: [ls[0], *ls[2:]], [(2, "prev_mismatch")]),
        ("first_deleted", lambda ls: ls[1:], [(1, "not_genesis")]),
        ("inserted", lambda ls: [ls[0], ls[1], ls[2], ls[1], ls[3]], [(4, "prev_mismatch"), (5, "prev_mismatch")]),
        (
            "reordered",
            lambda ls: [ls[0], ls[2], ls[1], ls[3]],
            [(2, "prev_mismatch"), (3, "prev_mismatch"), (4, "prev_mismatch")],
        ),
        ("duplicated_last", lambda ls: [*ls, ls[-1]], [(5, "prev_mismatch")]),
    ],
)
def test_deleted_inserted_and_reordered_entries_break_the_chain(
    tmp_path: Path,
    good: Path,
    name: str,
    arrange: Callable[[list[bytes]], list[bytes]],
    expected: list[tuple[int, str]],
) -> None:
    path = _write_lines(tmp_path / f"{name}.jsonl", arrange(_lines(good)))
    report = replay(path)
    assert _breaks(report) == [(f"{path}:{n}", code) for n, code in expected]
    assert not report.confirmed
    assert all(status == "same" for status in _statuses(report))


def test_line_ends_rewritten_break_every_link_but_the_entries_still_replay(tmp_path: Path, good: Path) -> None:
    path = _write_lines(tmp_path / "crlf.jsonl", [line + b"\r" for line in _lines(good)])
    report = replay(path)
    assert _statuses(report) == ["same"] * 4
    assert report.chain == "broken"
    assert {where for where, code in _breaks(report) if code == "entry_edited"} == {f"{path}:{n}" for n in range(1, 5)}


def test_chain_fields_removed_from_a_later_entry_are_found(tmp_path: Path, good: Path) -> None:
    lines = _lines(good)
    stripped = json.loads(lines[2])
    del stripped["prev"], stripped["entry_digest"]
    path = _write_lines(tmp_path / "stripped.jsonl", [*lines[:2], json.dumps(stripped).encode(), lines[3]])
    report = replay(path)
    assert _breaks(report) == [(f"{path}:3", "chain_dropped"), (f"{path}:4", "prev_mismatch")]


def _old_log(tmp_path: Path) -> Path:
    return _copy(DATA / "unchained.jsonl", tmp_path, "old.jsonl")


def test_an_old_log_without_the_chain_is_read_and_said_to_be_unchained(tmp_path: Path) -> None:
    report = replay(_old_log(tmp_path))
    assert len(report.entries) == 3
    assert set(_statuses(report)) <= {"same", "policy_unavailable"}
    assert report.chain == "unchained"
    assert report.unchained == 3
    assert report.chain_breaks == ()
    assert "unchained" in render_replay(report)


def test_an_old_log_appended_to_is_chained_from_its_last_line(tmp_path: Path) -> None:
    path = _old_log(tmp_path)
    with DecisionLog(path) as log:
        _decide(log, (30,))
    report = replay(path)
    assert report.chain == "partly_chained"
    assert report.unchained == 3
    assert report.chain_breaks == ()
    first = json.loads(_lines(path)[3])
    assert first["prev"] == "sha256:" + hashlib.sha256(_lines(path)[2]).hexdigest()


# Terminal escapes -------------------------------------------------------------------------------------------


def _escapes_only_shown(text: str) -> None:
    assert "\nforged" not in text
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "\x07" not in text


def test_ids_from_the_log_reach_the_terminal_escaped(tmp_path: Path) -> None:
    path = tmp_path / "escapes\x1b[2J.jsonl"
    data = record(
        activity("pub\u202e1", "public_course", 31),
        activity("pro", "training", 60),
        pid="p\x1b[31mred",
    )
    with DecisionLog(path) as log:
        ce_policy.evaluate(data, log=log, to_complete=False)
    (line,) = _lines(path)
    entry = json.loads(line)
    entry["outcome"]["compliant"] = False
    entry["outcome"]["rules"].append("x\x1b]0;owned\x07\nforged")
    entry["policy"]["id"] = "xj\x1b[8m"
    entry["policy"]["version"] = "1.2.0\n\nforged: every entry the same"
    entry["decision_id"] = "d\x1b[1A"
    _write_lines(path, [json.dumps(entry, ensure_ascii=False).encode(), b'{"decision_id":"\x1b[31m"}'])
    report = replay(path)
    for lang in ("en", "zh"):
        text = render_replay(report, lang)
        _escapes_only_shown(text)
        assert "p\\x1b[31mred" in text
    result = CliRunner().invoke(main, ["replay", str(path), "--lang", "en"])
    _escapes_only_shown(result.output)


def test_the_report_speaks_chinese_too(tmp_path: Path, good: Path) -> None:
    lines = _lines(good)
    path = _write_lines(tmp_path / "zh.jsonl", [lines[0], lines[2], _cut_inside_a_character(lines[3])])
    text = render_replay(replay(path), "zh")
    assert "决定日志" in text
    assert "哈希链" in text
    assert f"{path}:2" in text
    result = CliRunner().invoke(main, ["replay", str(path), "--lang", "zh"])
    assert result.exit_code == 0
    assert "无效条目" in result.output
