"""``ce-policy serve`` with API keys and a policy folder of its own: keys, reloads that swap or fail, SIGHUP,
requests in flight kept on their policies, and the Java example client (docs/service.md)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serve_support import Server

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data" / "minimal_policy"
KEY = secrets.token_urlsafe(32)
AUTH = {"Authorization": f"Bearer {KEY}"}
JSON = {"content-type": "application/json", **AUTH}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve-reload") / "policies"
    shutil.copytree(MINIMAL, root)
    return root


@pytest.fixture(scope="module")
def keyed(folder: Path) -> Iterator[Server]:
    keys = folder.parent / "keys.txt"
    keys.write_text(f"# the test's key\n{KEY}\n", encoding="utf-8")
    running = Server(["--policies", str(folder), "--api-keys-file", str(keys)], folder.parent, access_log=True)
    yield running
    running.stop()


def _record(pid: str = "p1") -> dict[str, Any]:
    activity = {
        "id": "a",
        "kind": "public_course",
        "hours": 12,
        "on_platform": True,
        "passed": True,
        "completed_on": "2025-03-01",
    }
    return {"person": {"id": pid, "title_level": "junior", "region": "t"}, "year": 2025, "activities": [activity]}


def _set_version(folder: Path, version: str) -> None:
    layer = folder / "t.min" / "layer.yaml"
    text = layer.read_text(encoding="utf-8")
    start = text.index("version: ")
    end = text.index("\n", start)
    layer.write_text(f"{text[:start]}version: {version}{text[end:]}", encoding="utf-8")


def _policy(server: Server) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{server.url}/v1/policies/t.min", headers=AUTH).json()
    return data


def _generation(server: Server) -> int:
    return int(httpx.get(f"{server.url}/readyz").json()["generation"])


def test_api_keys_are_required_and_compared(keyed: Server) -> None:
    url = f"{keyed.url}/v1/decisions"
    body = json.dumps(_record())
    missing = httpx.post(url, content=body, headers={"content-type": "application/json"})
    assert (missing.status_code, missing.json()["code"]) == (401, "unauthorized")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = httpx.post(url, content=body, headers={"content-type": "application/json", "X-API-Key": KEY[:-1] + "x"})
    assert (wrong.status_code, wrong.json()["code"]) == (403, "forbidden")
    assert httpx.post(url, content=body, headers=JSON).status_code == 200
    assert (
        httpx.post(url, content=body, headers={"content-type": "application/json", "X-API-Key": KEY}).status_code == 200
    )
    assert httpx.get(f"{keyed.url}/v1/policies").status_code == 401
    for open_route in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert httpx.get(f"{keyed.url}{open_route}").status_code == 200
    assert httpx.post(f"{keyed.url}/v1/admin/reload").status_code == 401
    assert KEY not in keyed.log_text()  # the access log is on; keys travel in headers, never logged
    assert KEY[:-1] not in json.dumps(wrong.json())


def test_a_reload_swaps_the_policies_in(keyed: Server, folder: Path) -> None:
    before = _policy(keyed)
    generation = _generation(keyed)
    _set_version(folder, "1.1.0")
    answer = httpx.post(f"{keyed.url}/v1/admin/reload", headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert answer.json()["generation"] == generation + 1
    after = _policy(keyed)
    assert after["version"] == "1.1.0" and after["digest"] != before["digest"]
    decided = httpx.post(f"{keyed.url}/v1/decisions", content=json.dumps(_record()), headers=JSON)
    assert decided.headers["CE-Policy-Version"] == "1.1.0"
    assert decided.headers["CE-Policy-Digest"] == after["digest"] == decided.json()["policy"]["digest"]
    assert decided.headers["CE-Policies-Generation"] == str(generation + 1)


def test_a_failed_reload_keeps_the_old_policies_and_says_why(keyed: Server, folder: Path) -> None:
    kept = _policy(keyed)
    generation = _generation(keyed)
    rules = folder / "t.min" / "rules.yaml"
    good = rules.read_text(encoding="utf-8")
    rules.write_text(good.replace("stage: year", "stage: yaer"), encoding="utf-8")
    _set_version(folder, "9.9.9")
    try:
        answer = httpx.post(f"{keyed.url}/v1/admin/reload", headers=AUTH, params={"lang": "en"})
        assert answer.status_code == 409
        problem = answer.json()
        assert problem["code"] == "reload_failed"
        assert problem["detail"] == f"the reload failed; generation {generation} stays in force"
        assert any(p["file"].endswith("rules.yaml") and p["line"] for p in problem["problems"])
        assert _policy(keyed) == kept
        assert _generation(keyed) == generation
        decided = httpx.post(f"{keyed.url}/v1/decisions", content=json.dumps(_record()), headers=JSON)
        assert decided.status_code == 200
        assert decided.headers["CE-Policy-Digest"] == kept["digest"]
        assert 'ce_policy_reloads_total{result="failed"}' in httpx.get(f"{keyed.url}/metrics").text
    finally:
        rules.write_text(good, encoding="utf-8")
        _set_version(folder, kept["version"])


def _wait_for_generation(server: Server, wanted: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = _generation(server)
        if now >= wanted:
            return now
        time.sleep(0.1)
    return _generation(server)


def test_sighup_reloads_and_a_failed_one_is_logged(keyed: Server, folder: Path) -> None:
    generation = _generation(keyed)
    _set_version(folder, "1.2.0")
    keyed.hangup()
    assert _wait_for_generation(keyed, generation + 1) == generation + 1
    assert _policy(keyed)["version"] == "1.2.0"
    layer = folder / "t.min" / "layer.yaml"
    good = layer.read_text(encoding="utf-8")
    layer.write_text(good + "unknown_key: 1\n", encoding="utf-8")
    try:
        keyed.hangup()
        deadline = time.monotonic() + 30
        while "SIGHUP reload failed" not in keyed.log_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "SIGHUP reload failed" in keyed.log_text()
        assert _generation(keyed) == generation + 1
        assert _policy(keyed)["version"] == "1.2.0"
    finally:
        layer.write_text(good, encoding="utf-8")


def test_a_request_in_flight_finishes_under_the_policies_it_started_with(keyed: Server, folder: Path) -> None:
    old = _policy(keyed)
    started, reloaded = threading.Event(), threading.Event()
    lines = [json.dumps(_record(f"p{i}")).encode() + b"\n" for i in range(200)]

    def body() -> Iterator[bytes]:
        yield b"".join(lines[:100])
        started.set()
        reloaded.wait(30)
        yield b"".join(lines[100:])

    result: dict[str, httpx.Response] = {}

    def post() -> None:
        headers = {"content-type": "application/x-ndjson", **AUTH}
        result["batch"] = httpx.post(f"{keyed.url}/v1/decisions/batch", content=body(), headers=headers, timeout=60)

    sender = threading.Thread(target=post)
    sender.start()
    assert started.wait(30)
    time.sleep(0.5)  # the request's headers are in: the handler has taken its generation
    _set_version(folder, "2.0.0")
    assert httpx.post(f"{keyed.url}/v1/admin/reload", headers=AUTH).status_code == 200
    new = _policy(keyed)
    reloaded.set()
    sender.join(60)
    decisions = [json.loads(line) for line in result["batch"].text.splitlines()]
    assert len(decisions) == 200
    assert {d["policy"]["digest"] for d in decisions} == {old["digest"]} != {new["digest"]}
    assert int(result["batch"].headers["CE-Policies-Generation"]) == _generation(keyed) - 1


def test_the_java_example_client_reads_a_decision(keyed: Server, tmp_path: Path) -> None:
    javac, java = shutil.which("javac"), shutil.which("java")
    if javac is None or java is None:
        pytest.skip("no JDK (javac and java) on this machine")
    source = ROOT / "examples" / "java" / "DecisionClient.java"
    subprocess.run([javac, "-d", str(tmp_path), str(source)], check=True, capture_output=True, timeout=120)
    record = tmp_path / "record.json"
    record.write_text(json.dumps(_record("java-1")), encoding="utf-8")
    environment = {**os.environ, "CE_POLICY_API_KEY": KEY}
    command = [java, "-cp", str(tmp_path), "DecisionClient", keyed.url, str(record)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment, check=False)
    assert run.returncode == 0, run.stderr + run.stdout
    policy = _policy(keyed)
    assert run.stdout.splitlines() == [
        "person java-1 year 2025",
        "compliant true (complete / 已完成)",
        f"policy t.min {policy['version']} {policy['digest']}",
    ]
    no_key = {**os.environ, "CE_POLICY_API_KEY": ""}
    without_key = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=no_key)
    assert without_key.returncode == 1
    assert without_key.stdout.startswith("error 401 unauthorized")


def _worker_pids(server: Server, tries: int = 40) -> set[str]:
    """The worker pids that answer /metrics (each answers with its own), over a few new connections."""
    found: set[str] = set()
    for _ in range(tries):
        try:
            text = httpx.get(f"{server.url}/metrics", headers={"Connection": "close"}).text
        except httpx.RemoteProtocolError:  # accepted by a worker as it retired: closed unanswered (docs/service.md)
            continue
        found.update(
            line.split('pid="')[1].split('"')[0] for line in text.splitlines() if line.startswith("ce_policy_worker{")
        )
    return found


def test_two_workers_log_to_a_file_each_and_are_replaced_on_reload(folder: Path, tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text(KEY, encoding="utf-8")
    log = tmp_path / "decisions.jsonl"
    args = ["--workers", "2", "--policies", str(folder), "--api-keys-file", str(keys), "--log", str(log)]
    server = Server(args, tmp_path)
    try:
        for index in range(40):
            answer = httpx.post(
                f"{server.url}/v1/decisions",
                content=json.dumps(_record(f"w{index}")),
                headers={**JSON, "Connection": "close"},
            )
            assert answer.status_code == 200
        files = sorted(tmp_path.glob("decisions.*.jsonl"))
        assert not log.exists() and 1 <= len(files) <= 2
        assert sum(len(f.read_text(encoding="utf-8").splitlines()) for f in files) == 40
        before = _worker_pids(server)
        assert httpx.post(f"{server.url}/v1/admin/reload", headers=AUTH).json()["workers_replaced"] is True
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _worker_pids(server, 10) & before:
            time.sleep(0.5)
        after = _worker_pids(server)
        assert after and not after & before  # every worker replaced, and the new ones answer
        assert httpx.post(f"{server.url}/v1/decisions", content=json.dumps(_record()), headers=JSON).status_code == 200
    finally:
        server.stop()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full (a device whose writes fail) here")
def test_a_decision_that_cannot_be_logged_is_not_given(tmp_path: Path) -> None:
    server = Server(["--log", "/dev/full"], tmp_path)  # every write fails: ENOSPC
    try:
        record = json.loads((ROOT / "policies/xj/aksu-2025-12/examples/complete.json").read_text(encoding="utf-8"))
        headers = {"content-type": "application/json"}
        answer = httpx.post(f"{server.url}/v1/decisions", content=json.dumps(record), headers=headers)
        assert answer.status_code == 503
        problem = answer.json()
        assert problem["code"] == "log_write_failed"
        assert [p["code"] for p in problem["problems"]] == ["log_write_failed"]
        assert "compliant" not in answer.text
        batch = httpx.post(
            f"{server.url}/v1/decisions/batch",
            content=json.dumps(record) + "\n",
            headers={"content-type": "application/x-ndjson"},
        )
        (line,) = batch.text.splitlines()
        assert json.loads(line)["kind"] == "log"
    finally:
        server.stop()


def test_serve_refuses_to_start_on_a_broken_folder_or_a_short_key(folder: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    from ce_policy.cli.main import main  # noqa: PLC0415

    broken = tmp_path / "broken"
    shutil.copytree(MINIMAL, broken)
    rules = broken / "t.min" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("stage: year", "stage: yaer"), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["serve", "--policies", str(broken), "--port", "1"], env={"CE_POLICY_API_KEYS": ""}
    )
    assert result.exit_code == 1
    assert "rules.yaml" in result.output and "error:" in result.output
    short = CliRunner().invoke(main, ["serve", "--port", "1"], env={"CE_POLICY_API_KEYS": "k3y-xyz"})
    assert short.exit_code == 2
    assert "shorter than 16 characters" in short.output and "k3y-xyz" not in short.output
