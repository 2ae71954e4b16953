"""``ce-policy batch`` and ``evaluate_many`` against hostile files, threads, logs and kills (issue 16).

Each test reproduces a case that went wrong before (a batch emptying its own input, a pool hanging on a lock a
thread held, a decision dropped for a log that failed, workers outliving a killed batch, a run lost to a kill,
spreadsheet formulas and terminal escapes passed through) and asserts what happens now. Runs that must be
killed, or that could hang, run in a subprocess with a timeout.
"""

from __future__ import annotations

import csv
import errno
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import ce_policy
from ce_policy.cli import batch, batch_files
from ce_policy.cli.main import main
from ce_policy.text.batch_report import BatchSummary
from tests.batch_population import population, write_jsonl
from tests.records import complete_record

ROOT = Path(__file__).resolve().parents[1]
ZHUZHOU = ROOT / "examples" / "policies" / "hn-zhuzhou-2025"
CLI = [sys.executable, "-c", "import sys; from ce_policy.cli.main import main; sys.exit(main())"]
LINUX = Path("/proc/self/stat").exists()


@pytest.fixture(autouse=True)
def _commit_often(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commit at every chunk in this process (a real batch commits at most once a second)."""
    monkeypatch.setattr(batch, "COMMIT_INTERVAL", 0.0)


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["batch", *args, "--lang", "en", "--no-progress"], catch_exceptions=False)


def _people(folder: Path, size: int = 60, seed: int = 3) -> Path:
    source = folder / "people.jsonl"
    write_jsonl(source, population(size, seed=seed))
    return source


# 1, 7. The outputs are checked apart from the input and from each other, and written beside.


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("-o IN", "the decisions file"),
        ("-o ./IN", "the decisions file"),
        ("--errors IN", "the error file"),
        ("--report IN", "the report"),
        ("-o symlink", "the decisions file"),
        ("-o hard link", "the decisions file"),
        ("default errors", "the error file"),
        ("part of OUT", "the part file"),
    ],
)
def test_an_output_that_is_the_input_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    name = {"default errors": "x.errors.jsonl", "part of OUT": "x.jsonl.part"}.get(how, "same.jsonl")
    source = _people(tmp_path)
    source = source.rename(tmp_path / name)
    before = source.read_bytes()
    Path("link.jsonl").symlink_to(name)
    os.link(name, "hard.jsonl")
    args = {
        "-o IN": ["-o", name],
        "-o ./IN": ["-o", f"./{name}"],
        "--errors IN": ["-o", "out.jsonl", "--errors", name],
        "--report IN": ["-o", "out.jsonl", "--report", name],
        "-o symlink": ["-o", "link.jsonl"],
        "-o hard link": ["-o", "hard.jsonl"],
        "default errors": ["-o", "x.jsonl"],
        "part of OUT": ["-o", "x.jsonl", "--format-in", "jsonl"],
    }[how]
    result = _run(name, *args, "--workers", "1")
    assert result.exit_code == 2, result.output
    assert f"error: {expected}" in result.output
    assert f"is the input {name}" in result.output
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "link.jsonl", "hard.jsonl"])


def test_two_outputs_that_are_one_file_are_refused(tmp_path: Path) -> None:
    source = _people(tmp_path)
    out = tmp_path / "out.jsonl"
    (tmp_path / "alias.jsonl").symlink_to(out)
    result = _run(str(source), "-o", str(out), "--errors", str(tmp_path / "alias.jsonl"))
    assert result.exit_code == 2
    assert f"the decisions file {out} and the error file {tmp_path / 'alias.jsonl'} are the same file" in result.output
    assert not out.exists()


def test_an_error_file_that_cannot_be_written_leaves_the_output_untouched_and_is_named(tmp_path: Path) -> None:
    source = _people(tmp_path)
    out = tmp_path / "out.jsonl"
    out.write_text("the decisions of last year\n", encoding="utf-8")
    errors = tmp_path / "no such folder" / "errors.jsonl"
    result = _run(str(source), "-o", str(out), "--errors", str(errors), "--workers", "1")
    assert result.exit_code == 2
    assert f"error: cannot write {errors}: No such file or directory" in result.output
    assert out.read_text(encoding="utf-8") == "the decisions of last year\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "people.jsonl"]


def test_an_existing_output_is_replaced_only_when_the_batch_is_done(tmp_path: Path) -> None:
    source = _people(tmp_path)
    out = tmp_path / "out.jsonl"
    out.write_text("old\n", encoding="utf-8")
    target = tmp_path / "kept" / "decisions.jsonl"
    target.parent.mkdir()
    (tmp_path / "latest.jsonl").symlink_to(target)
    result = _run(str(source), "-o", str(tmp_path / "latest.jsonl"), "--workers", "1")
    assert result.exit_code == 1
    assert (tmp_path / "latest.jsonl").is_symlink()  # written through the link, as before
    assert len(target.read_text(encoding="utf-8").splitlines()) == 60
    assert sorted(p.name for p in target.parent.iterdir()) == ["decisions.jsonl"]  # no part, no progress file


class _FullDisk:
    """A stream whose writes fail as on a full disk."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _disk_full_at(fail_at: int) -> Any:
    """A `PartFile.write` whose ``fail_at``-th call meets a full disk (through the real error handling)."""
    original = batch_files.PartFile.write
    calls = 0

    def write(part: batch_files.PartFile, text: str) -> int:
        nonlocal calls
        calls += 1
        if calls != fail_at:
            return original(part, text)
        stream, part._stream = part._stream, _FullDisk()  # type: ignore[assignment]
        try:
            return original(part, text)
        finally:
            part._stream = stream

    return write


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_a_write_error_names_the_file_keeps_the_outputs_and_resume_finishes_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    source = _people(tmp_path, size=80)
    full, out = tmp_path / f"full.{fmt}", tmp_path / f"out.{fmt}"
    report, full_report = tmp_path / "out.html", tmp_path / "full.html"
    expected = _run(str(source), "-o", str(full), "--workers", "1", "--report", str(full_report))
    out.write_text("old\n", encoding="utf-8")
    common = [str(source), "-o", str(out), "--workers", "1", "--chunk-size", "7", "--report", str(report)]
    with monkeypatch.context() as patch:
        patch.setattr(batch_files.PartFile, "write", _disk_full_at(50))
        failed = _run(*common)
    assert failed.exit_code == 2
    assert "No space left on device; the outputs are untouched" in failed.output
    assert "--resume" in failed.output
    assert out.read_text(encoding="utf-8") == "old\n"
    progress = json.loads((tmp_path / f"out.{fmt}.progress.json").read_text(encoding="utf-8"))
    assert progress["done"] > 0 and progress["done"] % 7 == 0 and not progress["finished"]
    resumed = _run(*common, "--resume")
    assert resumed.exit_code == expected.exit_code == 1
    assert f"resumed: the first {progress['done']} records were done by the interrupted run" in resumed.output
    assert resumed.output.split("\n", 1)[1].replace(str(out), str(full)).replace("out.errors", "full.errors") == (
        expected.output
    )
    assert _table(out, fmt) == _table(full, fmt)
    assert (tmp_path / "out.errors.jsonl").read_bytes() == (tmp_path / "full.errors.jsonl").read_bytes()
    assert report.read_bytes() == full_report.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir() if "out" in p.name) == sorted(
        ["out.errors.jsonl", "out.html", out.name]
    )


def _table(path: Path, fmt: str) -> Any:
    if fmt == "parquet":
        return pytest.importorskip("pyarrow.parquet").read_table(path).to_pylist()
    return path.read_bytes()


def test_resume_refuses_what_is_not_the_same_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _people(tmp_path)
    out = tmp_path / "out.jsonl"
    layers = tmp_path / "layers"
    shutil.copytree(ZHUZHOU, layers)
    same = [str(source), "-o", str(out), "--workers", "1", "--policies", str(layers)]
    nothing = _run(*same, "--resume")
    assert nothing.exit_code == 2
    assert f"nothing to resume: there is no progress file {out}.progress.json" in nothing.output
    with monkeypatch.context() as patch:
        patch.setattr(batch_files.PartFile, "write", _disk_full_at(30))
        assert _run(*same, "--chunk-size", "5").exit_code == 2
    other_policy = _run(*same, "--policy", "xj.aksu.2025", "--resume")
    assert other_policy.exit_code == 2
    assert "is of another run: policy differ" in other_policy.output
    (layers / "CHANGELOG.md").write_text("edited during the pause\n", encoding="utf-8")
    edited = _run(*same, "--resume")
    assert edited.exit_code == 2
    assert "is of another run: policy_files differ" in edited.output
    with source.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(complete_record(pid="late")) + "\n")
    changed = _run(*same, "--resume")
    assert changed.exit_code == 2
    assert "input_mtime_ns, input_size, policy_files differ" in changed.output
    progress = tmp_path / "out.jsonl.progress.json"
    state = json.loads(progress.read_text(encoding="utf-8"))
    for damage in ("{not json", json.dumps({**state, "summary": {"total": "?"}}), json.dumps({**state, "done": -1})):
        progress.write_text(damage, encoding="utf-8")
        damaged = _run(*same, "--resume")
        assert damaged.exit_code == 2
        assert "is not a progress file of ce-policy batch" in damaged.output
    fresh = _run(*same)  # without --resume: starts afresh
    assert fresh.exit_code == 1
    assert len(out.read_text(encoding="utf-8").splitlines()) == 61
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layers", "out.errors.jsonl", "out.jsonl", "people.jsonl"]


def test_a_batch_stopped_while_renaming_is_finished_by_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _people(tmp_path)
    out = tmp_path / "out.jsonl"
    finish = batch_files.Outputs.finish

    def renamed_one_then_failed(outputs: batch_files.Outputs) -> None:
        errors = outputs.errors
        errors.part.replace(errors.final)
        raise batch_files.OutputWriteError(f"cannot write {outputs.decisions.given}: Input/output error", out)

    with monkeypatch.context() as patch:
        patch.setattr(batch_files.Outputs, "finish", renamed_one_then_failed)
        stopped = _run(str(source), "-o", str(out), "--workers", "1")
    assert stopped.exit_code == 2
    assert "run the same command with --resume to finish" in stopped.output
    assert batch_files.Outputs.finish is finish
    resumed = _run(str(source), "-o", str(out), "--workers", "1", "--resume")
    assert resumed.exit_code == 1
    assert "read 64 = decided 60 + errors 4" in resumed.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.errors.jsonl", "out.jsonl", "people.jsonl"]


def test_the_summary_survives_its_json() -> None:
    summary = BatchSummary()
    decision = ce_policy.evaluate(complete_record(), to_complete=False).model_dump(mode="json")
    summary.add(decision, "general", {"county": "库车市"})
    summary.add_error("record", "health", {})
    again = BatchSummary.from_json(json.loads(json.dumps(summary.to_json())))
    assert again == summary
    with pytest.raises(ValueError, match="not a batch summary"):
        BatchSummary.from_json({"total": []})


# 2. Pools start safely from any thread, with the caller's policy folders.

_THREADS_SCRIPT = """
import json, sys, threading
import ce_policy
from ce_policy.model.errors import CePolicyError
from ce_policy.policy.registry import shipped_policy_root
sys.path.insert(0, sys.argv[3])
from tests.records import complete_record

def main():
    stop = threading.Event()

    def load():
        while not stop.is_set():
            try:  # reads every shipped layer again, holding the process registry's lock, then refuses them all
                ce_policy.load_policies(shipped_policy_root())
            except CePolicyError:
                pass

    def decide():
        while not stop.is_set():  # holds the engine's lock while deciding
            ce_policy.evaluate(complete_record(), cache=False)

    threads = [threading.Thread(target=f, daemon=True) for f in (load, decide)]
    for thread in threads:
        thread.start()
    population = [complete_record(pid=f"p{i}") for i in range(12)]
    for batch in range(3):
        results = list(ce_policy.evaluate_many(population, workers=2, chunk_size=2))
        assert [r.decision.person for r in results] == [f"p{i}" for i in range(12)]
        print("batch", batch, "ok", flush=True)
    stop.set()
    # Policies added to the process registry reach the workers (which share nothing with this process).
    ce_policy.load_policies(sys.argv[1])
    zhuzhou = json.loads(open(sys.argv[2], encoding="utf-8").read())
    results = list(ce_policy.evaluate_many([zhuzhou, complete_record(), zhuzhou], workers=2, chunk_size=1))
    print(*[r.decision.policy.id for r in results], flush=True)

if __name__ == "__main__":
    main()
"""


def test_a_pool_started_while_other_threads_load_and_decide_does_not_hang(tmp_path: Path) -> None:
    script = tmp_path / "threads.py"
    script.write_text(_THREADS_SCRIPT, encoding="utf-8")
    record = ZHUZHOU / "examples" / "2025.json"
    run = subprocess.Popen(
        [sys.executable, str(script), str(ZHUZHOU), str(record), str(ROOT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a hung pool's workers are in its group, and go with it
    )
    try:
        stdout, stderr = run.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        stdout, stderr = run.communicate()
        pytest.fail(f"hung; printed {stdout!r}")
    assert run.returncode == 0, stderr[-3000:]
    assert stdout.splitlines() == [
        "batch 0 ok",
        "batch 1 ok",
        "batch 2 ok",
        "hn.zhuzhou.2025 xj.aksu.2025 hn.zhuzhou.2025",
    ]


def test_policies_folders_reach_the_workers(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    zhuzhou = json.loads((ZHUZHOU / "examples" / "2025.json").read_text(encoding="utf-8"))
    source.write_text(
        "".join(json.dumps(r) + "\n" for r in [zhuzhou, complete_record(), zhuzhou, zhuzhou]), encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    result = _run(str(source), "-o", str(out), "--workers", "2", "--chunk-size", "1", "--policies", str(ZHUZHOU))
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["policy"]["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == ["hn.zhuzhou.2025", "xj.aksu.2025", "hn.zhuzhou.2025", "hn.zhuzhou.2025"]


# 3. The decision log: a failing log never costs a decision; the calling process logs, the workers do not.


@pytest.fixture
def process_log() -> Iterator[None]:
    previous = ce_policy.set_decision_log(None)
    yield
    ce_policy.set_decision_log(previous)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_decision_the_log_cannot_take_is_kept(tmp_path: Path, process_log: None, workers: int) -> None:
    log = ce_policy.DecisionLog(tmp_path / "log.jsonl")
    log.close()  # every write now fails
    ce_policy.set_decision_log(log)
    population: list[Any] = [complete_record(pid=f"p{i}") for i in range(6)]
    population.insert(2, {"person": {"id": "bad"}, "year": 2025})
    results = list(ce_policy.evaluate_many(population, workers=workers, chunk_size=2))
    assert [r.ok for r in results] == [True, True, False, True, True, True, True]
    for result, data in zip(results, population, strict=True):
        if result.ok:
            assert result.decision == ce_policy.evaluate(data, to_complete=False, log=_NoLog())
            assert result.log_error is not None and result.log_error.kind == "log"
            assert "decision log" in result.log_error.message
        else:
            assert result.error is not None and result.error.kind == "record" and result.log_error is None


class _NoLog:
    def write(self, record: Any, decision: Any, *, prior: Any = None) -> str:
        return ""


def _entries(path: Path) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [{k: v for k, v in e.items() if k not in _PER_WRITE} for e in lines]


_PER_WRITE = ("decision_id", "time", "prev", "entry_digest")
"""What differs between two logs of the same decisions: the ids, the times and the hash chain."""


def test_the_calling_process_logs_every_decision_in_order_whatever_the_workers(
    tmp_path: Path, process_log: None
) -> None:
    population = population_of(9)
    logged = {}
    for name, kwargs in {
        "one": {"workers": 1},
        "pool": {"workers": 2},
        "threads": {"executor": ThreadPoolExecutor(max_workers=2)},
    }.items():
        path = tmp_path / f"{name}.jsonl"
        with ce_policy.DecisionLog(path) as log:
            ce_policy.set_decision_log(log)
            results = list(ce_policy.evaluate_many(population, chunk_size=2, **kwargs))  # type: ignore[arg-type]
            ce_policy.set_decision_log(None)
        assert all(r.ok and r.log_error is None for r in results)
        logged[name] = _entries(path)
    assert [e["record"]["person"]["id"] for e in logged["one"]] == [r["person"]["id"] for r in population]
    assert logged["pool"] == logged["one"]
    assert logged["threads"] == logged["one"]  # logged once each, not once by the thread and once more


def test_log_given_to_evaluate_many_is_used(tmp_path: Path) -> None:
    with ce_policy.DecisionLog(tmp_path / "log.jsonl") as log:
        results = list(ce_policy.evaluate_many(population_of(3), workers=2, log=log))
    assert len(results) == 3
    assert len(_entries(tmp_path / "log.jsonl")) == 3


def _log_in_worker(folder: str) -> None:
    ce_policy.set_decision_log(ce_policy.DecisionLog(Path(folder) / f"worker-{os.getpid()}.jsonl"))


def test_an_executors_workers_log_to_their_own_logs_only_when_the_caller_has_none(
    tmp_path: Path, process_log: None
) -> None:
    people = population_of(6)
    ids = [p["person"]["id"] for p in people]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, initializer=_log_in_worker, initargs=(str(tmp_path),)) as pool:
        assert all(r.ok for r in ce_policy.evaluate_many(people, executor=pool, chunk_size=1))
        own = sorted(tmp_path.glob("worker-*.jsonl"))
        assert sorted(e["record"]["person"]["id"] for f in own for e in _entries(f)) == sorted(ids)
        with ce_policy.DecisionLog(tmp_path / "caller.jsonl") as log:
            results = list(ce_policy.evaluate_many(people, executor=pool, chunk_size=1, log=log))
        assert all(r.ok and r.log_error is None for r in results)
    assert [e["record"]["person"]["id"] for e in _entries(tmp_path / "caller.jsonl")] == ids
    assert sum(len(_entries(f)) for f in own) == len(ids)  # the workers logged nothing more


def population_of(size: int) -> list[dict[str, Any]]:
    people = population(size, seed=11)
    for person in people:
        person.pop("labels")
    return people


# 4. Workers die with their batch; a killed run resumes.


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _committed(progress: Path) -> int:
    try:
        return int(json.loads(progress.read_text(encoding="utf-8"))["done"])
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_no_worker_outlives_a_batch_killed_with_sigkill(tmp_path: Path) -> None:
    source = _people(tmp_path, size=2000, seed=6)
    command = [*CLI, "batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--workers", "2", "--chunk-size", "5"]
    batch = subprocess.Popen([*command, "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(_descendants(batch.pid)) < 2 and batch.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.5)  # the workers are deciding, with chunks in flight
    children = _descendants(batch.pid)
    assert batch.poll() is None, "the batch ended before it could be killed"
    batch.kill()
    batch.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in children if _alive(pid)]
    for pid in left:  # a failed run must not leave them behind either
        os.kill(pid, signal.SIGKILL)
    assert left == []


@pytest.mark.skipif(not LINUX, reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_killed_batch_leaves_no_worker_and_resumes_to_the_same_outputs(tmp_path: Path, how: signal.Signals) -> None:
    source = _people(tmp_path, size=300, seed=5)
    common = ["--chunk-size", "10", "--lang", "en", "--no-progress"]
    full = _run(str(source), "-o", str(tmp_path / "full.jsonl"), "--report", str(tmp_path / "full.html"), *common)
    assert full.exit_code == 1
    out, report = tmp_path / "out.jsonl", tmp_path / "out.html"
    args = ["batch", str(source), "-o", str(out), "--report", str(report), *common]
    batch = subprocess.Popen([*CLI, *args, "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    progress = tmp_path / "out.jsonl.progress.json"
    deadline = time.monotonic() + 30
    while _committed(progress) < 50 and batch.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = _descendants(batch.pid)
    assert batch.poll() is None, "the batch ended before it could be stopped"
    assert len(workers) >= 2
    batch.send_signal(how)
    _, stderr = batch.communicate(timeout=20)
    assert batch.returncode == (-signal.SIGKILL if how == signal.SIGKILL else 130)
    if how == signal.SIGINT:
        assert "interrupted after" in stderr and "--resume" in stderr
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in workers if _alive(pid)] == []
    assert not out.exists()
    done = _committed(progress)
    assert done >= 50
    resumed = CliRunner().invoke(main, [*args, "--workers", "1", "--resume"], catch_exceptions=False)
    assert resumed.exit_code == 1, resumed.output
    assert f"resumed: the first {done} records" in resumed.output
    assert out.read_bytes() == (tmp_path / "full.jsonl").read_bytes()
    assert (tmp_path / "out.errors.jsonl").read_bytes() == (tmp_path / "full.errors.jsonl").read_bytes()
    assert report.read_bytes() == (tmp_path / "full.html").read_bytes()
    assert not progress.exists()


# 5, 6. Spreadsheet formulas and terminal escapes.


@pytest.mark.parametrize(
    ("person", "file"),
    [
        ('=HYPERLINK("http://example.com","x")', "=1+1.jsonl"),
        ("+1+1", "+1.jsonl"),
        ("-2+3", "-2+3.jsonl"),
        ("@SUM(1,1)", "@SUM(1,1).jsonl"),
        ("tab", "\tx.jsonl"),
        ("cr", "\rx.jsonl"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, person: str, file: str
) -> None:
    monkeypatch.chdir(tmp_path)
    record = complete_record(pid=person)
    record["labels"] = {"county": person}
    Path(file).write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", "-o", "out.csv", "--workers", "1", "--no-progress", "--", file])
    assert result.exit_code == 0, result.output
    with Path("out.csv").open(encoding="utf-8", newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    assert row["person"] == (f"'{person}" if person.startswith(dangerous) else person)
    assert row["source"] == f"'{file}:1"
    assert json.loads(row["labels"]) == {"county": person}  # a JSON object: begins with {, never a formula
    for name, value in row.items():
        assert not value.startswith(dangerous), (name, value)
    assert row["hours_total"] == "90"  # numbers stay numbers
    assert row["compliant"] == "true"


def test_the_summary_shows_escapes_in_labels_and_file_names_instead_of_obeying_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    record = complete_record(pid="p1")
    record["labels"] = {"employer": "\x1b[31mred\x1b[0m\u202e"}
    name = "in\x1b]0;title\x07.jsonl"
    Path(name).write_text(json.dumps(record) + "\n", encoding="utf-8")
    out = "out\x1b[2J.jsonl"
    result = _run(name, "-o", out, "--workers", "1", "--errors", "e.jsonl")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output and "\x07" not in result.output
    assert "\\x1b[31mred\\x1b[0m\\u202e" in result.output
    assert "decisions: out\\x1b[2J.jsonl (1)" in result.output
