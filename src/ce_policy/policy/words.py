"""What a layer adds to the record's vocabulary, checked when the layer loads, and the policy's vocabulary.

The layer says it under ``activity_values:`` and ``activity_attributes:`` in ``layer.yaml``. A sector names
its own ways without a release of ce_policy: more values of a choice field of an activity (``role:
[leader, participant]``), more kinds that carry a choice field (``role`` on a research project), and activity
attributes of its own (``subject`` of an exam), each under the clause that gives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ce_policy.model.ways import ACTIVITY_KINDS, BUILT_IN, CHOICES, ActivityAttribute, Vocabulary
from ce_policy.policy.layer_files import RawLayer
from ce_policy.policy.loaded import DeclaredWords, PersonAttribute
from ce_policy.policy.safe_yaml import SourceMap
from ce_policy.policy.shapes import did_you_mean
from ce_policy.policy.vocabulary import FACTS

__all__ = ["WordsBuilder", "add_words", "vocabulary_of"]


class WordsBuilder(Protocol):
    """What the checks of a layer's words read and write: the declarations so far, where problems go."""

    declared_words: list[DeclaredWords]
    attributes: dict[str, PersonAttribute]

    def problem(self, source: SourceMap, path: tuple[str | int, ...], code: str, message: str) -> None:
        """Record a problem at ``path`` of ``source``."""

    def cite(self, layer: str, cite: str, source: SourceMap, path: tuple[str | int, ...]) -> str:
        """The qualified clause id ``cite`` names, checked to exist."""


def vocabulary_of(declared: Sequence[DeclaredWords]) -> Vocabulary:
    """ce_policy's vocabulary with what the layers declare."""
    if not declared:
        return BUILT_IN
    values = [(w.name, w.values, w.kinds) for w in declared if w.section == "activity_values"]
    attributes = {
        w.name: ActivityAttribute(frozenset(w.kinds), w.values, w.description, w.layer, w.cite)
        for w in declared
        if w.section == "activity_attributes"
    }
    return BUILT_IN.extended(values, attributes)


def add_words(builder: WordsBuilder, raw: RawLayer) -> None:
    """What the layer adds to the record's vocabulary, each with its clause.

    Values and kinds of choice fields of an activity, and activity attributes: no name taken, no kind
    unknown, no value said twice.
    """
    meta = raw.meta
    source = raw.files["layer.yaml"][1]
    known = {name: set(values) for name, values in CHOICES.items()}
    for words in builder.declared_words:
        if words.section == "activity_values":
            known[words.name].update(words.values)
    for name, entry in meta.activity_values.items():
        path: tuple[str | int, ...] = ("activity_values", name)
        if name not in CHOICES:
            hint = did_you_mean(name, CHOICES)
            message = f"{name!r} is not a choice field of an activity{hint} (they are: {', '.join(CHOICES)})"
            builder.problem(source, path, "unknown_field", message)
            continue
        said = [value for value in entry.values if value in known[name]]
        if said:
            builder.problem(source, (*path, "values"), "duplicate_value", f"{name} already has the values {said}")
        if _kinds_known(builder, entry.kinds, source, path):
            cite = builder.cite(meta.id, entry.cite, source, (*path, "cite"))
            known[name].update(entry.values)
            builder.declared_words.append(
                DeclaredWords(
                    "activity_values",
                    name,
                    meta.id,
                    entry.values,
                    entry.kinds,
                    cite,
                    entry.provenance == "P",
                    source.file,
                    source.line_of(path),
                )
            )
    taken = {name for fields in FACTS.values() for name in fields} | set(builder.attributes)
    declared = {w.name: w.layer for w in builder.declared_words if w.section == "activity_attributes"}
    for name, attribute in meta.activity_attributes.items():
        path = ("activity_attributes", name)
        if name in declared:
            builder.problem(source, path, "duplicate_attribute", f"{name!r} is already declared by {declared[name]!r}")
        elif name in taken:
            message = f"{name!r} is already a field of the facts or a person attribute"
            builder.problem(source, path, "attribute_name_taken", message)
        elif _kinds_known(builder, attribute.kinds, source, path):
            cite = builder.cite(meta.id, attribute.cite, source, (*path, "cite"))
            builder.declared_words.append(
                DeclaredWords(
                    "activity_attributes",
                    name,
                    meta.id,
                    attribute.choices,
                    attribute.kinds,
                    cite,
                    attribute.provenance == "P",
                    source.file,
                    source.line_of(path),
                    attribute.description,
                )
            )


def _kinds_known(builder: WordsBuilder, kinds: Sequence[str], source: SourceMap, path: tuple[str | int, ...]) -> bool:
    unknown = [kind for kind in kinds if kind not in ACTIVITY_KINDS]
    if unknown:
        hint = did_you_mean(unknown[0], ACTIVITY_KINDS)
        builder.problem(source, (*path, "kinds"), "unknown_kind", f"no activity kind {unknown[0]!r}{hint}")
    return not unknown
