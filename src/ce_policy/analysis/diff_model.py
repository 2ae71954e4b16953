"""What `ce_policy.diff_policies` returns: the decisions that change between two versions of the policies.

Every model is frozen and JSON-serialisable (``model_dump(mode="json")``); ``docs/diff.md`` documents the
fields and the kinds of change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "CHANGE_KINDS",
    "ChangeGroup",
    "ChangedRecord",
    "ClauseText",
    "DecisionSummary",
    "Example",
    "FieldChange",
    "InvalidRecord",
    "ParameterChange",
    "PolicyChange",
    "PolicyDiff",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")

CHANGE_KINDS: tuple[str, ...] = (
    "became_complete",
    "became_incomplete",
    "floors_met_changed",
    "hours_changed",
    "projection_changed",
    "credits_changed",
    "cycle_changed",
    "activities_changed",
    "route_changed",
    "consequences_changed",
    "policy_changed",
    "not_evaluable_in_old",
    "not_evaluable_in_new",
    "error_changed",
)
"""The kinds of change, in the order reports list them. A decision can change in several ways at once."""


class FieldChange(BaseModel):
    """One field of a decision that differs: its path (e.g. ``activities[pro-3].route``), old and new value."""

    model_config = _FROZEN

    path: str
    old: Any
    new: Any


class DecisionSummary(BaseModel):
    """One side's decision on an example, in brief; or why there is none (``error``)."""

    model_config = _FROZEN

    policy: str | None = None
    compliant: bool | None = None
    hours: dict[str, Any] | None = None
    shortfall: dict[str, Any] | None = None
    consequences: tuple[str, ...] = ()
    error: str | None = None


class Example(BaseModel):
    """The smallest record of a group (fewest activities, then fewest hours), with both decisions."""

    model_config = _FROZEN

    person: str
    year: int
    source: str | None
    record: dict[str, Any]
    old: DecisionSummary
    new: DecisionSummary
    changes: tuple[FieldChange, ...]


class ClauseText(BaseModel):
    """A clause cited by rules involved in a group's change, with its text from that side's clause register."""

    model_config = _FROZEN

    side: Literal["old", "new", "both"]
    """``old`` or ``new``: cited by a rule that fired in that version only; ``both``: by a rule that fired in
    both, on what changed (the text is the new version's)."""
    cite: str
    rules: tuple[str, ...]
    document: str
    section: str
    text: str


class ChangeGroup(BaseModel):
    """Decisions that changed the same way and were decided by the same rules' differences.

    Attributes:
        kinds: the kinds of change (see `CHANGE_KINDS`).
        only_old: rules (trace ids, ``#short.<category>`` included) that fired in the old version only.
        only_new: rules that fired in the new version only.
        old_error: why the old version could not decide them (``not_evaluable_in_old``, ``error_changed``).
        new_error: why the new version could not decide them.
        count: how many decisions are in the group.
        example: the smallest of them.
        clauses: the clauses the rules involved cite, with their texts.
    """

    model_config = _FROZEN

    kinds: tuple[str, ...]
    only_old: tuple[str, ...]
    only_new: tuple[str, ...]
    old_error: str | None = None
    new_error: str | None = None
    count: int
    example: Example
    clauses: tuple[ClauseText, ...]


class ChangedRecord(BaseModel):
    """A record whose decision changed, and the (0-based) index of its group in `PolicyDiff.groups`."""

    model_config = _FROZEN

    person: str
    year: int
    source: str | None
    kinds: tuple[str, ...]
    group: int


class InvalidRecord(BaseModel):
    """A record that could not be evaluated by either version because it is invalid."""

    model_config = _FROZEN

    source: str | None
    person: str | None
    problems: tuple[dict[str, str], ...]
    """Each with ``path`` (JSON path), ``code``, ``message`` and ``where`` (``file:line`` when read from one)."""


class ParameterChange(BaseModel):
    """A parameter whose values (``[{from, value}]``) or provenance differ; ``None`` where a side lacks it."""

    model_config = _FROZEN

    parameter: str
    old: list[dict[str, Any]] | None
    new: list[dict[str, Any]] | None
    old_provenance: str | None
    new_provenance: str | None


class PolicyChange(BaseModel):
    """How one policy that decided records differs between the versions."""

    model_config = _FROZEN

    policy: str
    old_version: str | None
    new_version: str | None
    parameters: tuple[ParameterChange, ...] = ()
    rules_added: tuple[str, ...] = ()
    rules_removed: tuple[str, ...] = ()
    rules_changed: tuple[str, ...] = ()


class PolicyDiff(BaseModel):
    """The decisions that change between two versions of the policies, over the same records.

    Attributes:
        old: the old version (a folder, or ``shipped``).
        new: the new version.
        policy: the policy id forced on both sides, if any.
        as_of: the date the decisions speak for, if given.
        population: where the records came from (set by the caller, e.g. the file or the seed).
        records: records read, invalid ones included.
        unchanged: valid records decided the same way by both versions.
        changed: valid records whose decision changed.
        not_evaluable_in_both: valid records neither version could decide, for the same reason.
        kinds: how many changed decisions changed in each way.
        groups: the changed decisions grouped, largest group first.
        invalid: the invalid records, with their problems.
        same_outcome: among unchanged decisions, how many differ only in what is not an outcome: the floors
            (``required`` and shortfall amounts), the rules that fired (``rules``), the provisional values
            used (``provisional``), the policy's version or digest (``version``).
        policies: how the policies that decided differ (parameters and rules).
        changes: every changed record, with its kinds and group.
    """

    model_config = _FROZEN

    old: str
    new: str
    policy: str | None = None
    as_of: dt.date | None = None
    population: dict[str, Any] = {}
    records: int
    unchanged: int
    changed: int
    not_evaluable_in_both: int
    kinds: dict[str, int]
    groups: tuple[ChangeGroup, ...]
    invalid: tuple[InvalidRecord, ...]
    same_outcome: dict[str, int]
    policies: tuple[PolicyChange, ...]
    changes: tuple[ChangedRecord, ...]
