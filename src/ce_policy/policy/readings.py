"""The readings a layer declares (``readings:`` of ``layer.yaml``), checked against the merged policy.

A reading is a choice made where the text does not settle it (brief: provenance ``P``). Declaring it names what
carries it in the data, so that an officer can confirm or correct it: ``ce-policy lint`` lists each one
(``reading``), and ``docs/readings.md`` tables them. Every parameter a reading names must be provisional, so
that each decision that depends on the reading says so (its ``provisional``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ce_policy.policy.checker import Registers
from ce_policy.policy.layer_files import RawLayer
from ce_policy.policy.loaded import LayerReading, Rule
from ce_policy.policy.overrides import Merge
from ce_policy.policy.safe_yaml import SourceMap
from ce_policy.policy.shapes import did_you_mean

__all__ = ["check_readings"]


def check_readings(builder: Merge, chain: Sequence[RawLayer], rules: Sequence[Rule]) -> list[LayerReading]:
    """Each layer's readings, most general layer first; what they name is checked (problems recorded).

    A name in ``where`` must be a parameter or a rule of the chain (``unknown_reading_target``), and a parameter
    must be provisional (``reading_not_provisional``).
    """
    rule_ids = {rule.id for rule in rules}
    found: list[LayerReading] = []
    for raw in chain:
        meta = raw.meta
        if not meta.readings:
            continue
        source = raw.files["layer.yaml"][1]
        seen: set[str] = set()
        for i, entry in enumerate(meta.readings):
            path: tuple[str | int, ...] = ("readings", i)
            if entry.id in seen:
                builder.problem(source, (*path, "id"), "duplicate_reading", f"reading {entry.id!r} is declared twice")
            seen.add(entry.id)
            for j, name in enumerate(entry.where):
                _check_target(builder, name, rule_ids, source, (*path, "where", j))
            found.append(
                LayerReading(
                    id=entry.id,
                    layer=meta.id,
                    cite=builder.cite(meta.id, entry.cite, source, (*path, "cite")),
                    text=entry.text,
                    where=entry.where,
                    if_corrected=entry.if_corrected,
                    file=source.file,
                    line=source.line_of(path),
                )
            )
    return found


def _check_target(
    builder: Registers, name: str, rule_ids: set[str], source: SourceMap, path: tuple[str | int, ...]
) -> None:
    parameter = builder.parameters.get(name)
    if parameter is not None:
        if not parameter.provisional:
            message = f"reading names parameter {name!r}, whose provenance is {parameter.provenance}, not P"
            builder.problem(source, path, "reading_not_provisional", message)
        return
    if name not in rule_ids:
        hint = did_you_mean(name, [*builder.parameters, *rule_ids])
        message = f"reading names {name!r}, which is no parameter or rule of the policy{hint}"
        builder.problem(source, path, "unknown_reading_target", message)
