"""A wheel built from the repository evaluates records without the source tree."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(out.glob("ce_policy-*.whl"))
    (out / "built").mkdir()
    shutil.copy(wheel, out / "built")
    unpacked = out / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    return unpacked


def test_the_wheel_carries_the_shipped_policies(wheel_dir: Path) -> None:
    assert (wheel_dir / "ce_policy" / "_policies" / "xj" / "aksu-2025-12" / "rules.yaml").is_file()
    assert (wheel_dir / "ce_policy" / "py.typed").is_file()


def test_the_wheel_evaluates_without_the_source_tree(wheel_dir: Path, tmp_path: Path) -> None:
    script = "\n".join(
        [
            "import pathlib, ce_policy",
            f"assert pathlib.Path(ce_policy.__file__).is_relative_to(pathlib.Path({str(wheel_dir)!r}))",
            "record = {'person': {'id': 'p', 'title_level': 'junior'}, 'year': 2025, 'activities': []}",
            "d = ce_policy.evaluate(record)",
            "print(d.policy.id, d.compliant)",
        ]
    )
    env = {**os.environ, "PYTHONPATH": str(wheel_dir)}
    command = [sys.executable, "-c", script]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "xj.aksu.2025 False"


PYTHON313 = os.environ.get("CE_POLICY_PYTHON313", "")


@pytest.mark.skipif(
    not PYTHON313 or sys.version_info[:2] == (3, 13),
    reason="needs CE_POLICY_PYTHON313, a Python 3.13 other than this one (make test sets it where one is installed)",
)
def test_the_wheel_installs_and_evaluates_in_a_fresh_python_3_13(wheel_dir: Path, tmp_path: Path) -> None:
    """Issue 17: the README's pip line builds durable-rules on 3.13, and the CLI decides with the shipped policies."""
    venv = tmp_path / "venv"
    subprocess.run([PYTHON313, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
    python = venv / "bin" / "python"
    flags = {**os.environ, "CPPFLAGS": "-DPyEval_CallObject=PyObject_CallObject"}
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    durable = [*pip, "--no-cache-dir", "durable-rules==2.0.28"]
    subprocess.run(durable, check=True, capture_output=True, env=flags, timeout=600)
    wheel = next((wheel_dir.parent / "built").glob("ce_policy-*.whl"))
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True, timeout=600)
    example = ROOT / "policies" / "xj" / "aksu-2025-12" / "examples" / "incomplete.json"
    command = [str(venv / "bin" / "ce-policy"), "evaluate", str(example), "--lang", "en"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Policy: xj.aksu.2025 " in result.stdout
    assert "Result: NOT complete" in result.stdout
    asked = [str(python), "-c", "import sys; print(sys.version_info[:2])"]
    version = subprocess.run(asked, check=True, capture_output=True)
    assert version.stdout.strip() == b"(3, 13)"
