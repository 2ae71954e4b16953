"""The recorded version and content digest of every shipped policy layer.

Run ``python tests/policy_versions.py --update`` after bumping a layer's version (and writing its CHANGELOG
entry); tests/test_policy_versions.py fails when a layer's content changes and its version does not.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import ce_policy

LOCK = Path(__file__).resolve().parent / "data" / "policy_versions.json"


def current(root: Path | None = None) -> dict[str, dict[str, str]]:
    """The version and own-files digest of every layer under ``root`` (default: the shipped policies)."""
    registry = ce_policy.PolicyRegistry([root or ce_policy.default_registry().roots[0]])
    found: dict[str, dict[str, str]] = {}
    for layer_id in registry.layer_ids():
        layer = registry.policy(layer_id).top
        found[layer_id] = {"version": layer.version, "digest": layer.digest}
    return found


def recorded() -> dict[str, dict[str, str]]:
    """What the lock file says."""
    data: dict[str, dict[str, str]] = json.loads(LOCK.read_text(encoding="utf-8"))
    return data


def unbumped(before: dict[str, dict[str, str]], now: dict[str, dict[str, str]]) -> list[str]:
    """The layers whose content changed while their version stayed the same."""
    return sorted(
        layer_id
        for layer_id, entry in now.items()
        if layer_id in before
        and entry["digest"] != before[layer_id]["digest"]
        and entry["version"] == before[layer_id]["version"]
    )


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/policy_versions.py --update")
    LOCK.write_text(json.dumps(current(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {LOCK}")
