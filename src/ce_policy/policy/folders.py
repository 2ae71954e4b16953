"""Where the parts of a policy folder are: its root, the registry that evaluates it, its YAML case files.

One rule, shared by ``ce-policy check``, ``test`` and ``lint``, the pytest plugin, and the versions of ``diff``
and ``replay``, so that each finds a department's folder the same way:

* the **root** of a folder is the nearest folder holding ``registry.yaml``, from the folder up (from a layer
  folder, one holding ``layer.yaml``: from its parent up); when none holds one, the folder itself (a layer
  folder's parent), so that a layer's sibling folders, the layers it extends, are loaded with it
  (`policy_root`);
* a root inside the shipped policies is evaluated by the process-wide registry; a **complete** policy folder
  (its root holds ``registry.yaml``, e.g. a copy of ``policies/``) by a registry of its own, of which it is the
  first root (so its ``default_region`` applies); any other folder by a registry of the shipped policies with
  the folder added strictly, so its layers may extend the shipped ones (`registry_for`).
"""

from __future__ import annotations

import os
from pathlib import Path

from ce_policy.model.errors import PolicyFileError, PolicyProblem
from ce_policy.policy.layer_files import listed, shown_path
from ce_policy.policy.registry import (
    SETTINGS_FILE,
    PolicyRegistry,
    default_registry,
    no_layers,
    shipped_policy_root,
)

__all__ = ["case_files", "is_case_file", "is_complete", "layers_in", "policy_root", "registry_for"]

LAYER_FILE = "layer.yaml"


def is_case_file(path: Path) -> bool:
    """Whether ``path`` is a case file: a ``*.yaml`` in a folder named ``cases`` of a layer folder.

    Whatever it is: a case file that is a link to nothing or a pipe is one, refused when read (``not_a_file``),
    rather than left out in silence.
    """
    return path.suffix == ".yaml" and path.parent.name == "cases" and os.path.lexists(path.parent.parent / LAYER_FILE)


def case_files(folder: Path) -> list[Path]:
    """Every case file under ``folder`` (hidden folders, such as ``.venv``, are skipped, as pytest does).

    Links to folders are not walked, as a policy folder's layers are found (one named ``cases`` is read).

    Raises:
        PolicyFileError: a folder under ``folder`` cannot be listed (``folder_unreadable``): its cases would be
            left out.
    """
    found: list[Path] = []
    problems: list[PolicyProblem] = []
    pending = [(folder, True)]
    while pending:
        current, walk = pending.pop()
        entries = listed(current, shown_path(current))
        if isinstance(entries, PolicyProblem):
            problems.append(entries)
            continue
        for entry in (entry for entry in entries if not entry.name.startswith(".")):
            path = current / entry.name
            if is_case_file(path):  # even a folder so named: it is refused when read
                found.append(path)
            elif walk and entry.is_dir(follow_symlinks=False):
                pending.append((path, True))
            elif walk and entry.name == "cases" and path.is_dir():  # a link to a folder of cases: read, not walked
                pending.append((path, False))
    if problems:
        raise PolicyFileError(problems)
    return sorted(found)


def policy_root(folder: Path) -> Path:
    """The root of the policy folder ``folder`` is part of (the rule in this module's docstring).

    The nearest folder holding ``registry.yaml``, from ``folder`` up, or from its parent up when ``folder`` is a
    layer folder; when none holds one, ``folder`` itself, or a layer folder's parent.
    """
    folder = folder.resolve()
    start = folder.parent if os.path.lexists(folder / LAYER_FILE) else folder
    for candidate in (start, *start.parents):
        if os.path.lexists(candidate / SETTINGS_FILE):  # one that is not a file is refused when read
            return candidate
    return start


def is_complete(root: Path) -> bool:
    """Whether the policy root ``root`` is a complete policy folder, evaluated on its own: it holds ``registry.yaml``.

    The shipped folder is one; so is a copy of it, or a region's own folder.
    """
    return os.path.lexists(root / SETTINGS_FILE)


def registry_for(root: Path) -> PolicyRegistry:
    """The registry that evaluates the layers under the policy root ``root`` (see `policy_root`).

    For the shipped policies (``root`` inside them, or holding them) that is the process-wide registry; for a
    complete policy folder (`is_complete`), a new registry of that folder alone, loaded strictly; for any other
    folder, a new registry of the shipped policies with ``root`` added strictly, so its layers may extend the
    shipped ones (and may not change the shipped default region).

    Raises:
        PolicyFileError: ``root`` holds no layer (``no_layers``); a layer under it is invalid, reuses a known id
            or covers what a known layer covers; or an add-on folder's ``registry.yaml`` would change the
            default region.
    """
    shipped = shipped_policy_root().resolve()
    root = root.resolve()
    if root.is_relative_to(shipped) or shipped.is_relative_to(root):
        return default_registry()
    registry = PolicyRegistry() if is_complete(root) else PolicyRegistry([shipped])
    registry.add_root(root, strict=True)
    return registry


def layers_in(registry: PolicyRegistry, folder: Path) -> list[str]:
    """The ids of the layers of ``registry`` under ``folder``, the layers a command given ``folder`` reports on.

    Raises:
        PolicyFileError: none is (``no_layers``, naming the folder).
    """
    ids = registry.layers_under(folder)
    if not ids:
        raise no_layers(folder)
    return ids
