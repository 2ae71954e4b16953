"""Where policies come from, and which policy applies to a region and year.

Policies come from the shipped ``policies/`` folder and from folders users add.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ce_policy._errors import PolicyFileError, PolicyNotFoundError, PolicyProblem
from ce_policy._loader import RawLayer, build_policy, discover_layers, read_layer
from ce_policy._policy import Policy
from ce_policy._policy_files import did_you_mean
from ce_policy._yaml import read_yaml

__all__ = ["PolicyRegistry", "default_registry", "load_policies", "shipped_policy_root"]

_SETTINGS_FILE = "registry.yaml"


def shipped_policy_root() -> Path:
    """The folder of the shipped policies (inside the installed package, or in the source tree)."""
    here = Path(__file__).resolve().parent
    installed = here / "_policies"
    if installed.is_dir():
        return installed
    source_tree = here.parents[1] / "policies"
    if (source_tree / _SETTINGS_FILE).is_file():
        return source_tree
    raise PolicyNotFoundError("the shipped policies are missing from this installation")


class PolicyRegistry:
    """An index of policy layers found under one or more root folders; builds policies on demand.

    Thread-safe. A root's ``registry.yaml`` may name the ``default_region`` used for people without one.
    """

    def __init__(self, roots: Iterable[Path] = ()) -> None:
        """Index the layers under ``roots`` (read lazily)."""
        self._lock = threading.RLock()
        self._folders: dict[str, Path] = {}
        self._roots: list[Path] = []
        self._raw: dict[Path, RawLayer] = {}
        self._ids: dict[str, Path] = {}
        self._policies: dict[str, Policy] = {}
        self.default_region: str | None = None
        for root in roots:
            self.add_root(root)

    def add_root(self, root: Path) -> list[str]:
        """Add a folder of layers; returns the ids of the layers found in it.

        Raises:
            PolicyFileError: a layer in the folder is invalid, or reuses the id of a layer already known.
        """
        root = Path(root)
        if not root.is_dir():
            raise PolicyFileError.single(str(root), None, "not_a_folder", "policy folder does not exist")
        with self._lock:
            default_region = self._read_settings(root)
            found: dict[str, Path] = {}
            problems: list[PolicyProblem] = []
            known = self._index()
            for folder in discover_layers(root).values():
                try:
                    raw = read_layer(folder, root)
                except PolicyFileError as exc:
                    problems.extend(exc.problems)
                    continue
                layer_id = raw.meta.id
                if layer_id in known or layer_id in found:
                    line = raw.files["layer.yaml"][1].line_of(("id",))
                    message = f"layer id {layer_id!r} is already known"
                    problems.append(
                        PolicyProblem(f"{raw.display}/layer.yaml", line, "duplicate_layer", message)
                    )
                    continue
                found[layer_id] = folder
                self._raw[folder] = raw
            if problems:
                raise PolicyFileError(problems)
            self._roots.append(root)
            known.update(found)
            if default_region is not None:
                self.default_region = default_region
            return sorted(found)

    @staticmethod
    def _read_settings(root: Path) -> str | None:
        settings = root / _SETTINGS_FILE
        if not settings.is_file():
            return None
        display = f"{root.name}/{_SETTINGS_FILE}"
        doc = read_yaml(settings, display=display)
        data: Any = doc.data
        if not isinstance(data, dict) or set(data) - {"default_region"}:
            raise PolicyFileError.single(
                display, 1, "unknown_key", "registry.yaml may only set default_region"
            )
        region = data.get("default_region")
        if region is not None and not isinstance(region, str):
            raise PolicyFileError.single(
                display,
                doc.source.line_of(("default_region",)),
                "invalid_value",
                "default_region must be a region code",
            )
        return region

    def _index(self) -> dict[str, Path]:
        return self._ids

    def folder(self, layer_id: str) -> Path:
        """The folder of the layer ``layer_id``.

        Raises:
            PolicyNotFoundError: no layer has that id.
        """
        with self._lock:
            if layer_id not in self._ids:
                raise PolicyNotFoundError(f"no layer with id {layer_id!r}")
            return self._ids[layer_id]

    @property
    def roots(self) -> tuple[Path, ...]:
        """The folders indexed, in the order they were added."""
        return tuple(self._roots)

    def layer_ids(self) -> list[str]:
        """Every layer id known."""
        with self._lock:
            return sorted(self._index())

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
            index = self._index()
            if policy_id not in index:
                raise PolicyNotFoundError(
                    f"no policy with id {policy_id!r}; known: {', '.join(sorted(index))}"
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
                chain.append(raw)
                current = raw.meta.extends
            policy = build_policy(list(reversed(chain)))
            self._policies[policy_id] = policy
            return policy

    def policies(self) -> list[Policy]:
        """Every policy that says where and when it applies (an evaluable top layer)."""
        with self._lock:
            result = []
            for layer_id in self.layer_ids():
                raw = self._raw[self._index()[layer_id]]
                if raw.meta.applies_to is not None:
                    result.append(self.policy(layer_id))
            return result

    def resolve(self, region: str | None, year: int) -> Policy:
        """The policy for ``region`` (or the default region) and ``year``; the longest matching region wins.

        Raises:
            PolicyNotFoundError: no policy covers the region and year.
        """
        wanted = region or self.default_region
        if wanted is None:
            raise PolicyNotFoundError("the person has no region and no default region is configured")
        best: tuple[int, Policy] | None = None
        for policy in self.policies():
            top = policy.top
            if year not in top.years:
                continue
            for candidate in top.regions:
                if (wanted == candidate or wanted.startswith(candidate + ".")) and (
                    best is None or len(candidate) > best[0]
                ):
                    best = (len(candidate), policy)
        if best is None:
            raise PolicyNotFoundError(f"no policy covers region {wanted!r} in {year}")
        return best[1]


_default: PolicyRegistry | None = None
_default_lock = threading.Lock()


def default_registry() -> PolicyRegistry:
    """The process-wide registry, holding the shipped policies and any added with `load_policies`."""
    global _default  # noqa: PLW0603 - one registry per process, built on first use
    with _default_lock:
        if _default is None:
            _default = PolicyRegistry([shipped_policy_root()])
        return _default


def load_policies(path: str | Path) -> list[str]:
    """Make the policy layers in the folder ``path`` available next to the shipped ones.

    Returns:
        The ids of the layers added.

    Raises:
        PolicyFileError: a layer in the folder is invalid or reuses a known id; nothing is added then.
    """
    return default_registry().add_root(Path(path))
