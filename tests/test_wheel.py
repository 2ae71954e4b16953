"""A wheel built from the repository evaluates records without the source tree."""

import os
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
