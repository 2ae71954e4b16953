"""Reading one policy layer folder strictly: its files found, parsed safely and checked for shape.

A layer is a folder holding ``layer.yaml`` and, optionally, ``clauses.yaml``, ``codes.yaml``,
``parameters.yaml`` and ``rules.yaml`` (the format is described in ``docs/policy-format.md``). Reading
collects every problem it can find, each with file and line, before raising one `PolicyFileError`; merging a
layer with those it extends is ``loader``'s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from pydantic import BaseModel, ValidationError

from ce_policy.model.errors import PolicyFileError, PolicyProblem
from ce_policy.policy.safe_yaml import SourceMap, YamlDocument, read_yaml
from ce_policy.policy.shapes import FILE_MODELS, LAYER_FILES, LayerFile

__all__ = ["RawLayer", "discover_layers", "escaping_links", "read_layer"]

_T = TypeVar("_T", bound=BaseModel)


@dataclass(frozen=True)
class RawLayer:
    """One layer folder, read and shape-checked but not yet merged with the layers it extends."""

    folder: Path
    display: str
    files: dict[str, tuple[BaseModel, SourceMap]]
    digests: tuple[tuple[str, str], ...]

    @property
    def meta(self) -> LayerFile:
        """The contents of ``layer.yaml``."""
        model = self.files["layer.yaml"][0]
        return cast(LayerFile, model)

    def get(self, name: str, kind: type[_T]) -> tuple[_T, SourceMap] | None:
        """A file's model and source map, if the layer has that file."""
        found = self.files.get(name)
        if found is None:
            return None
        model, source = found
        return cast(_T, model), source


def _validation_problems(exc: ValidationError, source: SourceMap) -> list[PolicyProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        loc = tuple("from" if p == "from_" else p for p in loc)
        where = ".".join(str(p) for p in loc) or "(file)"
        kind = error["type"]
        code = {
            "extra_forbidden": "unknown_key",
            "missing": "missing_key",
        }.get(kind, "invalid_value")
        message = f"{where}: {error['msg']}"
        if kind == "extra_forbidden" and loc:
            message = f"unknown key {loc[-1]!r}"
        problems.append(PolicyProblem(source.file, source.line_of(loc), code, message))
    return problems


def discover_layers(root: Path) -> dict[str, Path]:
    """Find every layer folder under ``root``, keyed by folder path.

    A folder holding any of the layer files is a layer folder; one without ``layer.yaml`` is reported as such
    by `read_layer`, rather than skipped in silence.
    """
    found = {p.parent for name in LAYER_FILES for p in root.rglob(name) if p.is_file()}
    return {str(folder): folder for folder in sorted(found)}


def escaping_links(root: Path) -> list[PolicyProblem]:
    """A `path_escape` problem for each link under ``root`` to a folder outside it.

    `discover_layers` does not follow such links, so the layers they lead to would be left out in silence.
    """
    problems = []
    inside = root.resolve()
    for path in sorted(root.rglob("*")):
        if not path.is_symlink() or not path.is_dir():
            continue
        if not path.resolve().is_relative_to(inside):
            shown = str(path.relative_to(root.parent)) if root.parent != root else str(path)
            problems.append(PolicyProblem(shown, None, "path_escape", "folder resolves outside the policy folder"))
    return problems


def read_layer(folder: Path, display_root: Path) -> RawLayer:
    """Read and shape-check one layer folder.

    Raises:
        PolicyFileError: listing every problem found in the folder's files.
    """
    problems: list[PolicyProblem] = []
    files: dict[str, tuple[BaseModel, SourceMap]] = {}
    digests: list[tuple[str, str]] = []
    try:
        base = folder.relative_to(display_root.parent)
    except ValueError:
        base = folder
    display = str(base)
    for name in LAYER_FILES:
        path = folder / name
        shown = f"{display}/{name}"
        if not path.exists():
            if name == "layer.yaml":
                problems.append(PolicyProblem(shown, None, "missing_file", "a layer needs layer.yaml"))
            continue
        try:
            resolved = path.resolve(strict=True)
            resolved.relative_to(folder.resolve(strict=True))
        except (OSError, ValueError):
            problems.append(PolicyProblem(shown, None, "path_escape", "file resolves outside its layer folder"))
            continue
        try:
            doc: YamlDocument = read_yaml(path, display=shown)
        except PolicyFileError as exc:
            problems.extend(exc.problems)
            continue
        digests.append((name, hashlib.sha256(path.read_bytes()).hexdigest()))
        if not isinstance(doc.data, Mapping):
            problems.append(PolicyProblem(shown, 1, "not_a_mapping", "the file must hold a YAML mapping"))
            continue
        try:
            files[name] = (FILE_MODELS[name].model_validate(doc.data), doc.source)
        except ValidationError as exc:
            problems.extend(_validation_problems(exc, doc.source))
    if problems:
        raise PolicyFileError(problems)
    return RawLayer(folder, display, files, tuple(digests))
