"""Where policies come from, and which policy applies to a region and year.

Policies come from the shipped ``policies/`` folder and from folders users add. A folder added must hold a
layer (``no_layers``), and may not move the registry's default region unless asked to (``default_region_change``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ce_policy.model.errors import PolicyFileError, PolicyNotFoundError, PolicyProblem
from ce_policy.policy.layer_files import RawLayer, read_layer, scan_root, shown_path
from ce_policy.policy.loaded import Policy
from ce_policy.policy.loader import build_policy
from ce_policy.policy.safe_yaml import read_yaml
from ce_policy.policy.shapes import did_you_mean
from ce_policy.policy.versions import version_satisfies

__all__ = [
    "PolicyRegistry",
    "default_registry",
    "load_policies",
    "no_layers",
    "not_a_folder",
    "registry_with",
    "shipped_policy_root",
]

SETTINGS_FILE = "registry.yaml"
"""The file that marks the root of a policy folder and holds its settings."""

NO_LAYERS = "no policy layer (layer.yaml) in this folder"
"""The message of the ``no_layers`` problem: a folder given as policies holds no layer."""


def no_layers(folder: Path) -> PolicyFileError:
    """The error for a folder, given as policies, that holds no layer (code ``no_layers``, naming the folder)."""
    return PolicyFileError.single(shown_path(folder), None, "no_layers", NO_LAYERS)


def not_a_folder(folder: Path) -> PolicyFileError:
    """The error for a policy folder that does not exist, or is a file (code ``not_a_folder``)."""
    said = "is a file, not a policy folder" if folder.exists() else "policy folder does not exist"
    return PolicyFileError.single(shown_path(folder), None, "not_a_folder", said)


def shipped_policy_root() -> Path:
    """The folder of the shipped policies (inside the installed package, or in the source tree)."""
    here = Path(__file__).resolve().parents[1]  # the ce_policy package
    installed = here / "_policies"
    if installed.is_dir():
        return installed
    source_tree = here.parents[1] / "policies"
    if (source_tree / SETTINGS_FILE).is_file():
        return source_tree
    raise PolicyNotFoundError("the shipped policies are missing from this installation", code="no_shipped_policies")


class PolicyRegistry:
    """An index of policy layers found under one or more root folders; builds policies on demand.

    Thread-safe. A root's ``registry.yaml`` may name the ``default_region`` used for people without one. The
    first root to name one sets it; a later root naming another is refused (``default_region_change``) unless
    it is added with ``set_default_region=True``, so that adding a folder never silently moves the people
    without a region to another region's policies.
    """

    def __init__(self, roots: Iterable[Path] = (), *, set_default_region: bool = False) -> None:
        """Index the layers under ``roots`` (read lazily), adding each as `add_root` does.

        With ``set_default_region``, each root's ``registry.yaml`` may replace the default region (the last one
        naming it wins), e.g. to rebuild a registry from the ``roots`` of one whose roots were all accepted.
        """
        self._lock = threading.RLock()
        self._folders: dict[str, Path] = {}
        self._roots: list[Path] = []
        self._raw: dict[Path, RawLayer] = {}
        self._ids: dict[str, Path] = {}
        self._policies: dict[str, Policy] = {}
        self._resolved: dict[tuple[str, int, str], str] = {}
        self.default_region: str | None = None
        for root in roots:
            self.add_root(root, set_default_region=set_default_region)

    def add_root(self, root: Path, *, strict: bool = False, set_default_region: bool = False) -> list[str]:
        """Add a folder of layers; returns the ids of the layers found in it.

        Args:
            root: the folder; it must hold at least one layer (a ``layer.yaml`` somewhere under it).
            strict: also build every new layer with the layers it extends, and refuse a layer that would
                cover the same region, year and sector as a known one; on any problem nothing is added.
            set_default_region: let the folder's ``registry.yaml`` replace the registry's default region with
                another one. Without it, a folder whose ``default_region`` differs from the one the registry
                already has is refused: the region of every person whose record names none would change.

        Raises:
            PolicyFileError: the folder does not exist (``not_a_folder``) or holds no layer (``no_layers``); its
                ``registry.yaml`` would change the default region (``default_region_change``); a layer in it is
                invalid, or reuses the id of a layer already known. Nothing is added then.
        """
        root = Path(root)
        if not root.is_dir():
            raise not_a_folder(root)
        with self._lock:
            self._resolved.clear()
            settings = self._read_settings(root)
            found: dict[str, Path] = {}
            folders, problems = scan_root(root)
            if not folders and not problems:  # a folder whose layers are all linked from outside says so instead
                problems.extend(no_layers(root).problems)
            if settings is not None and not set_default_region:
                problems.extend(self._default_region_change(root, *settings))
            known = self._ids
            for folder in folders.values():
                try:
                    raw = read_layer(folder, root)
                except PolicyFileError as exc:
                    problems.extend(exc.problems)
                    continue
                layer_id = raw.meta.id
                if layer_id in known or layer_id in found:
                    line = raw.files["layer.yaml"][1].line_of(("id",))
                    message = f"layer id {layer_id!r} is already known"
                    problems.append(PolicyProblem(f"{raw.display}/layer.yaml", line, "duplicate_layer", message))
                    continue
                found[layer_id] = folder
                self._raw[folder] = raw
            if problems:
                for folder in found.values():
                    self._raw.pop(folder, None)
                raise PolicyFileError(problems)
            known.update(found)
            if strict:
                try:
                    self._check_new_layers(sorted(found))
                except PolicyFileError:
                    for layer_id, folder in found.items():
                        del known[layer_id]
                        self._raw.pop(folder, None)
                        self._policies.pop(layer_id, None)
                    raise
            self._roots.append(root)
            if settings is not None:
                self.default_region = settings[0]
            return sorted(found)

    def _default_region_change(self, root: Path, region: str, line: int | None) -> list[PolicyProblem]:
        """A ``default_region_change`` problem if ``region`` would replace another default region."""
        if self.default_region is None or region == self.default_region:
            return []
        message = (
            f"default_region {region!r} would replace the default region {self.default_region!r} of the "
            "policies this folder is added to, and so move every person whose record names no region; remove "
            "it from this folder's registry.yaml, or (from Python) add the folder with set_default_region=True"
        )
        return [PolicyProblem(f"{shown_path(root.name)}/{SETTINGS_FILE}", line, "default_region_change", message)]

    def _check_new_layers(self, new: list[str]) -> None:
        problems: list[PolicyProblem] = []
        for layer_id in new:
            try:
                self.policy(layer_id)
            except PolicyFileError as exc:
                problems.extend(exc.problems)
        claimed: dict[tuple[str, int, str | None], str] = {}
        for layer_id in sorted(self.layer_ids(), key=lambda i: i in new):  # known layers claim first
            regions, years, sector = self.coverage(layer_id)
            for key in ((r, y, sector) for r in regions for y in years):
                other = claimed.setdefault(key, layer_id)
                if other != layer_id:
                    raw = self._raw[self._ids[layer_id]]
                    where = f"{key[0]} {key[1]}, sector {sector or 'general'}"
                    message = f"layer {layer_id!r} covers {where}, as {other!r} already does"
                    line = raw.files["layer.yaml"][1].line_of(("sector",))
                    problems.append(PolicyProblem(f"{raw.display}/layer.yaml", line, "duplicate_coverage", message))
        if problems:
            raise PolicyFileError(problems)

    def coverage(self, layer_id: str) -> tuple[tuple[str, ...], tuple[int, ...], str | None]:
        """Where, when and for which sector the policy topped by ``layer_id`` applies (read, not built).

        A layer without ``applies_to`` inherits it from the layers it extends.
        """
        with self._lock:
            raw = self._raw[self._ids[layer_id]]
            sector = raw.meta.sector
            seen: set[str] = set()
            current: RawLayer | None = raw
            while current is not None and current.meta.id not in seen:
                seen.add(current.meta.id)
                if current.meta.applies_to is not None:
                    return current.meta.applies_to.regions, current.meta.applies_to.years, sector
                parent = current.meta.extends_id
                current = self._raw.get(self._ids[parent]) if parent in self._ids else None
            return (), (), sector

    @staticmethod
    def _read_settings(root: Path) -> tuple[str, int | None] | None:
        """The ``default_region`` of the folder's ``registry.yaml`` and its line, if it sets one."""
        settings = root / SETTINGS_FILE
        if not os.path.lexists(settings):  # a link to nothing, or a pipe, is there, and refused as not a file
            return None
        display = f"{shown_path(root.name)}/{SETTINGS_FILE}"
        doc = read_yaml(settings, display=display)
        data: Any = doc.data
        if not isinstance(data, dict) or set(data) - {"default_region"}:
            raise PolicyFileError.single(display, 1, "unknown_key", "registry.yaml may only set default_region")
        region = data.get("default_region")
        line = doc.source.line_of(("default_region",))
        if region is not None and not isinstance(region, str):
            raise PolicyFileError.single(display, line, "invalid_value", "default_region must be a region code")
        return None if region is None else (region, line)

    def folder(self, layer_id: str) -> Path:
        """The folder of the layer ``layer_id``.

        Raises:
            PolicyNotFoundError: no layer has that id.
        """
        with self._lock:
            if layer_id not in self._ids:
                raise PolicyNotFoundError(f"no layer with id {layer_id!r}", code="no_layer", details={"id": layer_id})
            return self._ids[layer_id]

    def raw_layer(self, layer_id: str) -> RawLayer:
        """The files of the layer ``layer_id`` as read and shape-checked, before merging with its chain.

        Raises:
            PolicyNotFoundError: no layer has that id.
        """
        with self._lock:
            return self._raw[self.folder(layer_id)]

    def layers_under(self, folder: Path) -> list[str]:
        """The ids of the layers whose folders lie in ``folder``."""
        wanted = folder.resolve()
        with self._lock:
            return [i for i in sorted(self._ids) if self._ids[i].resolve().is_relative_to(wanted)]

    @property
    def roots(self) -> tuple[Path, ...]:
        """The folders indexed, in the order they were added."""
        return tuple(self._roots)

    def layer_ids(self) -> list[str]:
        """Every layer id known."""
        with self._lock:
            return sorted(self._ids)

    def policy(self, policy_id: str) -> Policy:
        """The policy whose top layer is ``policy_id``, with every layer it extends.

        Raises:
            PolicyNotFoundError: no layer has that id.
            PolicyFileError: the layer or one it extends is invalid.
        """
        with self._lock:
            cached = self._policies.get(policy_id)
            if cached is not None:
                return cached
            index = self._ids
            if policy_id not in index:
                known = ", ".join(sorted(index))
                details = {"id": policy_id, "known": known}
                raise PolicyNotFoundError(
                    f"no policy with id {policy_id!r}; known: {known}", code="no_policy", details=details
                )
            chain: list[RawLayer] = []
            current: str | None = policy_id
            while current is not None:
                if current not in index:
                    last = chain[-1]
                    line = last.files["layer.yaml"][1].line_of(("extends",))
                    hint = did_you_mean(current, index)
                    raise PolicyFileError.single(
                        f"{last.display}/layer.yaml",
                        line,
                        "unknown_layer",
                        f"extends unknown layer {current!r}{hint}",
                    )
                raw = self._raw[index[current]]
                if raw in chain:
                    last = chain[-1]
                    line = last.files["layer.yaml"][1].line_of(("extends",))
                    cycle = " → ".join([*(r.meta.id for r in chain), current])
                    raise PolicyFileError.single(
                        f"{last.display}/layer.yaml",
                        line,
                        "extends_cycle",
                        f"layers extend each other in a cycle: {cycle}",
                    )
                wanted = chain[-1].meta.extends_version if chain else None
                if wanted is not None and not version_satisfies(raw.meta.version, wanted):
                    last = chain[-1]
                    line = last.files["layer.yaml"][1].line_of(("extends",))
                    message = (
                        f"extends {raw.meta.id!r} version {wanted}, but the layer found is version "
                        f"{raw.meta.version}: check this layer against that version, then pin a range that admits it"
                    )
                    raise PolicyFileError.single(f"{last.display}/layer.yaml", line, "version_mismatch", message)
                chain.append(raw)
                current = raw.meta.extends_id
            policy = build_policy(list(reversed(chain)))
            self._policies[policy_id] = policy
            return policy

    def policies(self) -> list[Policy]:
        """Every policy that says (itself or through a layer it extends) where and when it applies."""
        with self._lock:
            return [self.policy(i) for i in self.layer_ids() if self.coverage(i)[0]]

    def resolve(self, region: str | None, year: int, sector: str = "general") -> Policy:
        """The policy for ``region`` (or the default region), ``year`` and ``sector``.

        The longest matching region wins; a sector with no layer of its own gets the general policy. Only the
        chosen policy is built, so a broken layer of one sector never affects another's decisions.

        Raises:
            PolicyNotFoundError: no policy covers the region and year.
        """
        with self._lock:
            wanted = region or self.default_region
            if wanted is None:
                raise PolicyNotFoundError(
                    "the person has no region and no default region is configured", code="no_region"
                )
            known = self._resolved.get((wanted, year, sector))
            if known is not None:
                return self.policy(known)
            best: tuple[int, int, str] | None = None
            for layer_id in self.layer_ids():
                regions, years, layer_sector = self.coverage(layer_id)
                if year not in years or layer_sector not in (None, sector):
                    continue
                for candidate in regions:
                    if wanted == candidate or wanted.startswith(candidate + "."):
                        rank = (int(layer_sector is not None), len(candidate), layer_id)
                        if best is None or rank[:2] > best[:2]:
                            best = rank
            if best is None:
                details = {"region": wanted, "year": year}
                raise PolicyNotFoundError(
                    f"no policy covers region {wanted!r} in {year}", code="no_policy_for_region", details=details
                )
            policy = self.policy(best[2])
            self._resolved[(wanted, year, sector)] = best[2]
            return policy


_default: PolicyRegistry | None = None
_default_lock = threading.Lock()


def default_registry() -> PolicyRegistry:
    """The process-wide registry, holding the shipped policies and any added with `load_policies`."""
    global _default  # noqa: PLW0603 - one registry per process, built on first use
    with _default_lock:
        if _default is None:
            _default = PolicyRegistry([shipped_policy_root()])
        return _default


def load_policies(path: str | Path, *, set_default_region: bool = False) -> list[str]:
    """Make the policy layers in the folder ``path`` available next to the shipped ones.

    Args:
        path: the folder; it must hold at least one layer.
        set_default_region: let the folder's ``registry.yaml`` replace the process-wide default region (the
            region of people whose record names none). Without it, a folder setting another one is refused.

    Returns:
        The ids of the layers added.

    Raises:
        PolicyFileError: the folder holds no layer (``no_layers``), would change the default region
            (``default_region_change``), or a layer in it is invalid, reuses a known id, or covers the same
            region, year and sector as a known layer; nothing is added then.
    """
    return default_registry().add_root(Path(path), strict=True, set_default_region=set_default_region)


def registry_with(extra: tuple[Path, ...]) -> PolicyRegistry:
    """The process-wide registry, or, with extra folders, the shipped policies plus those (loaded strictly).

    Raises:
        PolicyFileError: as `PolicyRegistry.add_root` (``strict=True``); an extra folder may not change the
            shipped default region.
    """
    if not extra:
        return default_registry()
    registry = PolicyRegistry([shipped_policy_root()])
    for folder in extra:
        registry.add_root(folder, strict=True)
    return registry
