"""Each policy layer has its own version: content that changes under an unchanged version fails here."""

import re
import shutil
from pathlib import Path

import ce_policy
from tests.policy_versions import current, recorded, unbumped


def test_no_layer_changed_without_a_new_version() -> None:
    assert unbumped(recorded(), current()) == [], (
        "these layers' files changed but their versions did not: bump each version, add a CHANGELOG entry, "
        "then run `python tests/policy_versions.py --update`"
    )


def test_the_check_catches_a_changed_rule_under_the_same_version(tmp_path: Path) -> None:
    root = tmp_path / "policies"
    shutil.copytree(ce_policy.default_registry().roots[0], root)
    before = current(root)
    rules = root / "xj" / "aksu-2025-12" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("{reject: not_passed}", "{defer: not_passed}"))
    assert unbumped(before, current(root)) == ["xj.aksu.2025"]
    layer = root / "xj" / "aksu-2025-12" / "layer.yaml"
    layer.write_text(re.sub(r"(?m)^version: .*$", _next_patch, layer.read_text(encoding="utf-8"), count=1))
    # The sector layers pin a range (^1.1): the prefecture's patch release needs no re-pinning, and they load.
    assert unbumped(before, current(root)) == []
    sectors = ("health", "education")
    for sector in sectors:
        pinned = root / "xj" / f"aksu-2025-12-{sector}" / "layer.yaml"
        text = pinned.read_text(encoding="utf-8")
        pinned.write_text(re.sub(r"version: \^[0-9.]+\}", "version: ^1.2}", text))
    # re-pinning is a change too
    assert unbumped(before, current(root)) == [f"xj.aksu.2025.{sector}" for sector in sorted(sectors)]
    for sector in sectors:
        pinned = root / "xj" / f"aksu-2025-12-{sector}" / "layer.yaml"
        pinned.write_text(re.sub(r"(?m)^version: .*$", _next_patch, pinned.read_text(encoding="utf-8"), count=1))
    assert unbumped(before, current(root)) == []


def _next_patch(found: re.Match[str]) -> str:
    major, minor, patch = found.group(0).removeprefix("version: ").split(".")
    return f"version: {major}.{minor}.{int(patch) + 1}"


def test_the_lock_records_every_layer_as_it_is() -> None:
    assert recorded() == current(), "run `python tests/policy_versions.py --update` after bumping versions"


def test_every_layer_changelog_has_an_entry_for_its_version() -> None:
    registry = ce_policy.default_registry()
    for layer_id in registry.layer_ids():
        layer = registry.policy(layer_id).top
        changelog = (layer.folder / "CHANGELOG.md").read_text(encoding="utf-8")
        assert re.search(rf"^## {re.escape(layer.version)}\b", changelog, re.MULTILINE), layer_id
