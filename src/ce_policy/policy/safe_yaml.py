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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ce_policy.model.errors import PolicyFileError, PolicyProblem

__all__ = ["MAX_POLICY_FILE_BYTES", "SourceMap", "YamlDocument", "read_yaml"]

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
    """A parsed policy file: its data and where each value came from."""

    data: Any
    source: SourceMap


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
        if node.style is not None:  # quoted or block scalar: always a string
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


def _check_events(text: str, name: str) -> None:
    """Refuse anchors, aliases and deep nesting from the event stream, before anything is built.

    Parsing events is iterative, so even a hostile file cannot exhaust the stack here; composing it into nodes
    (which recurses per level) only happens once the depth is known to be small.
    """
    problems: list[PolicyProblem] = []
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
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


def read_yaml(path: Path, *, display: str | None = None) -> YamlDocument:
    """Read one policy file strictly.

    Args:
        path: the file to read.
        display: how to name the file in errors (defaults to ``str(path)``).

    Returns:
        The data (dicts, lists, str, int, Decimal, bool, None) and its source map.

    Raises:
        PolicyFileError: the file is too large, not UTF-8, not YAML, or uses a forbidden construct.
    """
    name = display or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PolicyFileError.single(name, None, "file_unreadable", f"cannot read file: {exc}") from None
    if size > MAX_POLICY_FILE_BYTES:
        raise PolicyFileError.single(
            name, None, "file_too_large", f"{size} bytes; policy files are limited to {MAX_POLICY_FILE_BYTES}"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PolicyFileError.single(name, line, "not_utf8", "file is not valid UTF-8") from None
    try:
        _check_events(text, name)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = mark.line + 1 if mark is not None else None
        raise PolicyFileError.single(name, where, "yaml_syntax", f"YAML syntax error: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise PolicyFileError.single(name, None, "yaml_syntax", f"YAML error: {exc}") from None
    if node is None:
        return YamlDocument(None, SourceMap(name, {}))
    converter = _Converter(name)
    data = converter.convert(node, ())
    if converter.problems:
        raise PolicyFileError(converter.problems)
    return YamlDocument(data, SourceMap(name, converter.lines))
