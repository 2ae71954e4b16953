"""A strict YAML reader for policy files, which remembers where every value came from.

PyYAML only *composes* the document into nodes here; turning nodes into Python values is ours, so that:

* no tag can construct an object (explicit tags are refused);
* anchors and aliases are refused, and so is nesting deeper than 32 levels, before any node is built (no
  alias bombs, no hidden sharing, no stack exhaustion);
* duplicate mapping keys are refused;
* scalars follow a small, predictable typing: ``true``/``false``, ``null``, integers without leading zeros,
  decimals (as `decimal.Decimal`), and everything else a string, so ``NO`` stays ``"NO"`` and ``0123``
  stays ``"0123"`` (YAML 1.1 would give ``False`` and ``83``), and dates stay ISO strings for pydantic;
* every value's position is kept in a `SourceMap`, to report errors with file and line.

A file is read once, and what is parsed is what its digest (`YamlDocument.sha256`) describes. Only a regular
file is read: a link to nothing, a link that loops, a folder, a named pipe, a socket or a device is refused
(``not_a_file``) before it is opened, and it is opened without waiting (``O_NONBLOCK``) and checked again once
open, so that a pipe put in its place meanwhile cannot block the reader (nor the registry it holds).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ce_policy.model.errors import PolicyFileError, PolicyProblem

__all__ = ["MAX_POLICY_FILE_BYTES", "SourceMap", "YamlDocument", "read_policy_bytes", "read_yaml"]

MAX_POLICY_FILE_BYTES = 2 * 1024 * 1024
_MAX_DEPTH = 32

_AUTO_TAG = "tag:ce-policy,2025:auto"
_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)\.[0-9]+")
_NULL = {"null", "~", ""}
_BOOL = {"true": True, "false": False}

PathKey = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """Composes nodes only, marking implicitly-typed nodes so explicit tags can be told apart."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return _AUTO_TAG


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """`_Loader` on libyaml's parser when PyYAML has it: the same events and nodes, twenty times faster.

    A file it finds any problem in is read again by `_Loader`, whose messages the errors quote.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return _AUTO_TAG


@dataclass(frozen=True)
class SourceMap:
    """Where each value of a YAML document sits: JSON-style path -> 1-based line."""

    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)


@dataclass(frozen=True)
class YamlDocument:
    """A parsed policy file: its data, where each value came from, and the SHA-256 of the bytes parsed."""

    data: Any
    source: SourceMap
    sha256: str = ""


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[PathKey, int] = {}
        self.problems: list[PolicyProblem] = []

    def problem(self, node: yaml.Node, code: str, message: str) -> None:
        self.problems.append(PolicyProblem(self.file, node.start_mark.line + 1, code, message))

    def convert(self, node: yaml.Node, path: PathKey) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if node.tag != _AUTO_TAG:
            self.problem(node, "yaml_tag", f"explicit YAML tags are not allowed: {node.tag}")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)  # type: ignore[arg-type]

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _AUTO_TAG:
                self.problem(key_node, "yaml_key", "mapping keys must be plain scalars")
                continue
            key = key_node.value
            if key == "<<":
                self.problem(key_node, "yaml_merge_key", "merge keys (<<) are not allowed in policy files")
                continue
            if key in result:
                first = self.lines.get((*path, key))
                self.problem(key_node, "duplicate_key", f"duplicate key {key!r} (first on line {first})")
                continue
            result[key] = self.convert(value_node, (*path, key))
            self.lines[(*path, key)] = key_node.start_mark.line + 1  # a block value starts a line later
        return result

    @staticmethod
    def _scalar(node: yaml.ScalarNode) -> Any:
        text: str = node.value
        if node.style:  # quoted or block scalar: always a string (a plain one's style is None, or "" from libyaml)
            return text
        if text in _NULL:
            return None
        if text in _BOOL:
            return _BOOL[text]
        if _INT.fullmatch(text):
            return int(text)
        if _DECIMAL.fullmatch(text):
            return Decimal(text)
        return text


def _check_events(text: str, name: str, loader: type[yaml.SafeLoader] = _Loader) -> None:
    """Refuse anchors, aliases and deep nesting from the event stream, before anything is built.

    Parsing events is iterative, so even a hostile file cannot exhaust the stack here; composing it into nodes
    (which recurses per level) only happens once the depth is known to be small.
    """
    problems: list[PolicyProblem] = []
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.AliasEvent):
            problems.append(PolicyProblem(name, line, "yaml_alias", "aliases are not allowed in policy files"))
        elif getattr(event, "anchor", None) is not None:
            problems.append(PolicyProblem(name, line, "yaml_alias", "anchors are not allowed in policy files"))
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _MAX_DEPTH:
                problems.append(PolicyProblem(name, line, "yaml_too_deep", f"nesting deeper than {_MAX_DEPTH} levels"))
                break
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    if problems:
        raise PolicyFileError(problems)


_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_ATTEMPTS = 3
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_a_file(name: str, what: str) -> PolicyFileError:
    return PolicyFileError.single(name, None, "not_a_file", f"not a file: {what}")


def _unreadable(name: str, why: object) -> PolicyFileError:
    return PolicyFileError.single(name, None, "file_unreadable", f"cannot read file: {why}")


def _kind(mode: int) -> str:
    return next((kind for test, kind in _KINDS if test(mode)), "a special file")


def _regular_file(path: Path, name: str) -> os.stat_result:
    """``path``'s status, following links; refuse anything but a regular file (without opening it)."""
    try:
        found = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _not_a_file(name, "a link that loops") from None
        if isinstance(exc, FileNotFoundError) and path.is_symlink():
            raise _not_a_file(name, f"a link to {str(path.readlink())!r}, which does not exist") from None
        raise _unreadable(name, exc) from None
    if not stat.S_ISREG(found.st_mode):
        raise _not_a_file(name, _kind(found.st_mode))
    return found


def read_policy_bytes(path: Path, *, display: str | None = None, within: Path | None = None) -> bytes:
    """The bytes of one policy file, read once, from a regular file only.

    The file is checked before it is opened (a link to nothing, a link that loops, a folder, a pipe, a socket or
    a device is never opened), opened without waiting, and checked again once open. If what was opened is not
    the file checked (it was replaced meanwhile), nothing of it is read and the file is checked again, up to
    three times.

    Args:
        path: the file.
        display: how to name the file in errors (defaults to ``str(path)``).
        within: a folder the file must be in, links resolved (``path_escape`` otherwise).

    Raises:
        PolicyFileError: ``not_a_file``, ``path_escape``, ``file_too_large`` or ``file_unreadable``.
    """
    name = display or str(path)
    for _ in range(_ATTEMPTS):
        found = _checked(path, name, within)
        try:
            handle = os.open(path, _OPEN_FLAGS)
        except OSError as exc:
            raise _unreadable(name, exc) from None
        try:
            opened = os.fstat(handle)
            if not stat.S_ISREG(opened.st_mode):
                raise _not_a_file(name, _kind(opened.st_mode))
            if (opened.st_dev, opened.st_ino) != (found.st_dev, found.st_ino):
                continue  # replaced between the check and the opening: check what is there now
            return _read_all(handle, name, opened.st_size)
        except OSError as exc:
            raise _unreadable(name, exc) from None
        finally:
            os.close(handle)
    raise _unreadable(name, f"it was replaced while being read, {_ATTEMPTS} times in a row")


def _checked(path: Path, name: str, within: Path | None) -> os.stat_result:
    """The status of the regular file ``path`` (in ``within``, if given), not too large to read."""
    found = _regular_file(path, name)
    if within is not None:
        try:
            resolved = path.resolve(strict=True)
            inside = resolved.is_relative_to(within.resolve(strict=True))
        except OSError:
            inside = False
        if not inside:
            raise PolicyFileError.single(name, None, "path_escape", "file resolves outside its layer folder")
        found = _regular_file(resolved, name)
    if found.st_size > MAX_POLICY_FILE_BYTES:
        raise _too_large(name, found.st_size)
    return found


def _read_all(handle: int, name: str, size_seen: int) -> bytes:
    """Every byte of an open file, refusing one that grows past the limit while it is read."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_POLICY_FILE_BYTES:
        chunk = os.read(handle, MAX_POLICY_FILE_BYTES + 1 - size)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise _too_large(name, max(size, size_seen))


def _too_large(name: str, size: int) -> PolicyFileError:
    message = f"{size} bytes; policy files are limited to {MAX_POLICY_FILE_BYTES}"
    return PolicyFileError.single(name, None, "file_too_large", message)


def read_yaml(path: Path, *, display: str | None = None, within: Path | None = None) -> YamlDocument:
    """Read one policy file strictly.

    Args:
        path: the file to read (read once, with `read_policy_bytes`).
        display: how to name the file in errors (defaults to ``str(path)``).
        within: a folder the file must be in, links resolved.

    Returns:
        The data (dicts, lists, str, int, Decimal, bool, None), its source map, and the SHA-256 of the bytes
        parsed.

    Raises:
        PolicyFileError: the file is not a regular file (or not in ``within``), is too large, not UTF-8, not
            YAML, or uses a forbidden construct.
    """
    name = display or str(path)
    raw = read_policy_bytes(path, display=name, within=within)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PolicyFileError.single(name, line, "not_utf8", "file is not valid UTF-8") from None
    try:
        _check_events(text, name, _FastLoader)
        node = yaml.compose(text, Loader=_FastLoader)
    except (yaml.YAMLError, PolicyFileError):
        node = _composed_slowly(text, name)  # the problems as `_Loader` words them
    if node is None:
        return YamlDocument(None, SourceMap(name, {}), digest)
    converter = _Converter(name)
    data = converter.convert(node, ())
    if converter.problems:
        raise PolicyFileError(converter.problems)
    return YamlDocument(data, SourceMap(name, converter.lines), digest)


def _composed_slowly(text: str, name: str) -> yaml.Node | None:
    try:
        _check_events(text, name)
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = mark.line + 1 if mark is not None else None
        raise PolicyFileError.single(name, where, "yaml_syntax", f"YAML syntax error: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise PolicyFileError.single(name, None, "yaml_syntax", f"YAML error: {exc}") from None
