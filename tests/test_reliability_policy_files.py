"""Hostile policy files (issue 7, item 5): each is refused with a `PolicyFileError`, and nothing from it runs.

The corpus of ``tests/data/broken_policies`` and ``test_policy_errors.py`` already pins duplicate keys
(``duplicate_key``), non-UTF-8 bytes (``not_utf8``), explicit tags (``yaml_tag``), anchors and aliases,
nesting deeper than 32 levels, a 2 MiB file and a file linked from outside its layer; ``test_overrides.py``
pins an override reaching another sector (``sector_not_granted``). Here, the hostile versions: tags that
would run a command (checked by the marker file it would create), a billion-laughs alias bomb, nesting a
million deep, a 50 MB file, a layer folder linked from outside the policy folder, ``..`` in a layer id, and
the same in a case file. No timing is asserted; each input would exhaust time or memory if it were expanded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ce_policy
from ce_policy import PolicyFileError, PolicyRegistry
from ce_policy.policy.safe_yaml import MAX_POLICY_FILE_BYTES
from ce_policy.testing.cases import load_cases

MINIMAL = Path(__file__).parent / "data" / "minimal_policy"
LAYER = "t.min"


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(MINIMAL, root)
    return root


def _problems(root: Path) -> list[tuple[str, str, int | None]]:
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry([root]).policy(LAYER)
    return [(p.code, Path(p.file).name, p.line) for p in info.value.problems]


_COMMAND_TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.call [['touch', '{marker}']]",
    "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "!!python/name:os.system",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']",
]


@pytest.mark.parametrize("tag", _COMMAND_TAGS)
def test_a_tag_that_would_run_a_command_is_refused_and_nothing_runs(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "ran"
    root = _root(tmp_path)
    clauses = root / LAYER / "clauses.yaml"
    clauses.write_text(
        clauses.read_text(encoding="utf-8") + "    document: " + tag.format(marker=marker) + "\n", encoding="utf-8"
    )
    assert _problems(root) == [("yaml_tag", "clauses.yaml", 6)]
    assert not marker.exists()


def test_a_tag_in_a_case_file_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    root = _root(tmp_path)
    (root / LAYER / "cases").mkdir()
    case_file = root / LAYER / "cases" / "evil.yaml"
    case_file.write_text(
        f"cases:\n  - name: evil\n    record: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8"
    )
    with pytest.raises(PolicyFileError) as info:
        load_cases(case_file)
    assert [(p.code, p.line) for p in info.value.problems] == [("yaml_tag", 3)]
    assert not marker.exists()


def _billion_laughs(levels: int = 10) -> str:
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_alias_bomb_is_refused_before_anything_is_expanded(tmp_path: Path) -> None:
    # Expanded, a9 would hold 10**9 strings; the reader refuses anchors and aliases from the event stream.
    root = _root(tmp_path)
    (root / LAYER / "clauses.yaml").write_text(_billion_laughs(), encoding="utf-8")
    problems = _problems(root)
    assert {code for code, _, _ in problems} == {"yaml_alias"}
    assert {(name, line) for _, name, line in problems} >= {("clauses.yaml", 1), ("clauses.yaml", 10)}
    assert len(problems) == 10 + 9 * 10  # every anchor and every alias, each once: nothing was expanded


def test_nesting_a_million_deep_is_refused_at_the_depth_limit(tmp_path: Path) -> None:
    root = _root(tmp_path)
    depth = (MAX_POLICY_FILE_BYTES - 100) // 2
    (root / LAYER / "clauses.yaml").write_text("x: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    assert _problems(root) == [("yaml_too_deep", "clauses.yaml", 1)]


def test_a_fifty_megabyte_file_is_refused_unread(tmp_path: Path) -> None:
    root = _root(tmp_path)
    rules = root / LAYER / "rules.yaml"
    with rules.open("ab") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: nothing is written, but the file is 50 MB long
    assert _problems(root) == [("file_too_large", "rules.yaml", None)]


def test_a_layer_folder_linked_from_outside_the_policy_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(MINIMAL, outside)
    root = tmp_path / "root"
    root.mkdir()
    try:
        (root / "borrowed").symlink_to(outside / LAYER, target_is_directory=True)
    except OSError:  # pragma: no cover - platforms without symlinks
        pytest.skip("symlinks are not available")
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry([root])
    assert [(p.code, p.file, p.line) for p in info.value.problems] == [("path_escape", "root/borrowed", None)]


def test_a_link_inside_the_policy_folder_is_not_an_escape(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(MINIMAL, root / "real")
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    assert PolicyRegistry([root]).layer_ids() == [LAYER]


@pytest.mark.parametrize("extends", ["../outside", "../../etc/passwd", "/etc", "t.min/../x"])
def test_a_path_in_extends_is_refused(tmp_path: Path, extends: str) -> None:
    root = _root(tmp_path)
    layer = root / LAYER / "layer.yaml"
    layer.write_text(layer.read_text(encoding="utf-8") + f"extends: {extends!r}\n", encoding="utf-8")
    with pytest.raises(PolicyFileError) as info:
        PolicyRegistry([root])
    assert {(p.code, Path(p.file).name, p.line) for p in info.value.problems} == {("invalid_value", "layer.yaml", 15)}


def test_a_policy_refused_once_is_refused_again_and_the_registry_stays_usable(tmp_path: Path) -> None:
    root = _root(tmp_path)
    (root / LAYER / "clauses.yaml").write_text(_billion_laughs(3), encoding="utf-8")
    registry = ce_policy.default_registry()
    for _ in range(2):
        with pytest.raises(PolicyFileError):
            registry.add_root(root, strict=True)
    assert registry.resolve("xj.aksu", 2025).id == "xj.aksu.2025"
