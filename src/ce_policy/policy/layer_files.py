"""Reading one policy layer folder strictly: its files found, parsed safely and checked for shape.

A layer is a folder holding ``layer.yaml`` and, optionally, ``clauses.yaml``, ``codes.yaml``,
``parameters.yaml`` and ``rules.yaml`` (the format is described in ``docs/policy-format.md``). Reading
collects every problem it can find, each with file and line, before raising one `PolicyFileError`; merging a
layer with those it extends is ``loader``'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from pydantic import BaseModel, ValidationError

from ce_policy.model.errors import PolicyFileError, PolicyProblem
from ce_policy.policy.safe_yaml import SourceMap, YamlDocument, read_yaml
from ce_policy.policy.shapes import FILE_MODELS, LAYER_FILES, LayerFile

__all__ = ["RawLayer", "listed", "read_layer", "scan_root", "shown_here", "shown_path"]

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


def shown_path(path: Path | str) -> str:
    """A path as problems show it, its characters that are not printable written as escapes.

    A line break, a terminal escape or a direction override in a file's name would otherwise forge or hide a line
    of a report.
    """
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(path))


def shown_here(file: str, roots: Sequence[Path], *, as_named: Sequence[Path] = ()) -> str:
    """A problem's file as the command line shows it: relative to the current directory when under it, else absolute.

    Problems name a file relative to its policy root's parent (``edu-policies/kuqa-2025/overrides.yaml``);
    ``roots`` are the roots the problems may come from, the first that holds the file (or its folder) wins. A
    file that none of them holds, and that is not absolute, is shown as it is: the user gave it so. So is a
    file of a root in ``as_named`` that is not under the current directory: the shipped policies, which the
    user did not name, are called ``policies/…`` wherever they are installed.
    """
    path = Path(file)
    if not path.is_absolute():
        candidates = [root.parent / path for root in roots if root.parent != root and path.parts[:1] == (root.name,)]
        found = [c for c in candidates if os.path.lexists(c)] or [c for c in candidates if c.parent.is_dir()]
        if not found:
            return file
        path = found[0]
    full = Path(os.path.normpath(path.absolute()))
    here = Path.cwd()
    if full.is_relative_to(here) and full != here:
        return shown_path(full.relative_to(here))
    named = any(full.is_relative_to(root) for root in as_named)
    return file if named and not Path(file).is_absolute() else shown_path(full)


def listed(folder: Path, shown: str) -> list[os.DirEntry[str]] | PolicyProblem:
    """The entries of ``folder`` sorted by name, or the problem (``folder_unreadable``) that it cannot be listed."""
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        return PolicyProblem(shown, None, "folder_unreadable", f"cannot list folder: {why}")


def scan_root(root: Path) -> tuple[dict[str, Path], list[PolicyProblem]]:
    """Every layer folder under ``root``, keyed by folder path, and what keeps the walk from seeing all of them.

    A folder holding an entry named as a layer file, whatever the entry is (a link to nothing, a pipe, a
    folder), is a layer folder: `read_layer` then refuses what is not a file, and one without ``layer.yaml``,
    rather than the folder being left out in silence. Links to folders are not followed: one to a folder
    outside ``root`` is a ``path_escape`` problem (the layers it leads to would be left out), and a folder
    that cannot be listed is a ``folder_unreadable`` one.
    """
    found: set[Path] = set()
    problems: list[PolicyProblem] = []
    inside = root.resolve()

    def shown(path: Path) -> str:
        return shown_path(path.relative_to(root.parent) if root.parent != root else path)

    pending = [root]
    while pending:
        folder = pending.pop()
        entries = listed(folder, shown(folder))
        if isinstance(entries, PolicyProblem):
            problems.append(entries)
            continue
        for entry in entries:
            path = folder / entry.name
            if entry.name in LAYER_FILES:
                found.add(folder)
            if entry.is_symlink():
                if path.is_dir() and not path.resolve().is_relative_to(inside):
                    message = "folder resolves outside the policy folder"
                    problems.append(PolicyProblem(shown(path), None, "path_escape", message))
            elif entry.is_dir(follow_symlinks=False):
                pending.append(path)
    problems.sort(key=lambda problem: problem.file)
    return {str(folder): folder for folder in sorted(found)}, problems


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
    display = shown_path(base)
    for name in LAYER_FILES:
        path = folder / name
        shown = f"{display}/{name}"
        if not os.path.lexists(path):  # a link to nothing is there, and refused as not a file
            if name == "layer.yaml":
                problems.append(PolicyProblem(shown, None, "missing_file", "a layer needs layer.yaml"))
            continue
        try:
            doc: YamlDocument = read_yaml(path, display=shown, within=folder)
        except PolicyFileError as exc:
            problems.extend(exc.problems)
            continue
        digests.append((name, doc.sha256))
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
