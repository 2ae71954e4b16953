"""Where the parts of a policy folder are: its root, the registry that evaluates it, its YAML case files.

The root is the folder holding ``registry.yaml`` (or the folder itself when none does).

Shared by the commands, the case runner, lint and diff, so that each finds a department's folder the same way.
"""

from __future__ import annotations

from pathlib import Path

from ce_policy.policy.registry import SETTINGS_FILE, PolicyRegistry, default_registry, shipped_policy_root

__all__ = ["case_files", "is_case_file", "policy_root", "registry_for"]


def is_case_file(path: Path) -> bool:
    """Whether ``path`` is a case file: a ``*.yaml`` in a folder named ``cases`` of a layer folder."""
    return path.suffix == ".yaml" and path.parent.name == "cases" and (path.parent.parent / "layer.yaml").is_file()


def case_files(folder: Path) -> list[Path]:
    """Every case file under ``folder`` (hidden folders, such as ``.venv``, are skipped, as pytest does)."""
    return sorted(
        path
        for path in folder.rglob("cases/*.yaml")
        if is_case_file(path) and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def policy_root(folder: Path) -> Path:
    """The root of the policy folder ``folder`` is part of: it or its nearest ancestor holding ``registry.yaml``.

    When none holds one, ``folder`` itself.
    """
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / SETTINGS_FILE).is_file():
            return candidate
    return folder


def registry_for(root: Path) -> PolicyRegistry:
    """The registry that evaluates the layers under the policy root ``root``.

    For the shipped policies (``root`` inside them, or holding them) that is the process-wide registry; for a
    folder of one's own, a new registry of the shipped policies with ``root`` added strictly, so its layers
    may extend the shipped ones.

    Raises:
        PolicyFileError: a layer under ``root`` is invalid, reuses a shipped id or covers what a shipped layer
            covers.
    """
    shipped = shipped_policy_root().resolve()
    root = root.resolve()
    if root.is_relative_to(shipped) or shipped.is_relative_to(root):
        return default_registry()
    registry = PolicyRegistry([shipped])
    registry.add_root(root, strict=True)
    return registry
