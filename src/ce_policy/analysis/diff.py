"""``diff_policies``: evaluate the same records under two versions of the policies, and group what changed.

A decision *changed* when its outcome for the person did: whether the year is complete, which floors are met,
the hours, credits or cycle counted, an activity's outcome or route, the consequences, the projection, or the
policy that decided. The floors themselves (``required``, and so the shortfall amounts), the rules that fired,
the provisional values and the policy's version are not outcomes: when only they differ, the decision is
unchanged, and `PolicyDiff.same_outcome` counts it. So raising a floor from 30 to 32 changes the decisions of
the people with 30 to 32 hours, and of nobody else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ce_policy.analysis.diff_compare import decision_changes, summary
from ce_policy.analysis.diff_model import (
    CHANGE_KINDS,
    ChangedRecord,
    ChangeGroup,
    Example,
    FieldChange,
    InvalidRecord,
    PolicyDiff,
)
from ce_policy.analysis.diff_policies import clause_texts, policy_changes
from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.sink import UNLOGGED
from ce_policy.model.decision import Decision
from ce_policy.model.errors import PolicyNotFoundError, RecordError, RecordProblem
from ce_policy.model.record import DEFERRED, Record, parse_model
from ce_policy.model.record_files import RecordInput
from ce_policy.policy.folders import layers_in, policy_root, registry_for
from ce_policy.policy.registry import PolicyRegistry, default_registry, not_a_folder

__all__ = ["SHIPPED", "diff_policies", "load_version"]

SHIPPED = "shipped"
"""The name of the shipped policies as a version to compare."""

GroupKey = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str | None, str | None]


def load_version(version: str | Path | PolicyRegistry) -> tuple[PolicyRegistry, str]:
    """The registry of one version of the policies, and its label.

    A folder is loaded by the rule ``ce-policy check`` follows (`policy_root`, `registry_for`), and must hold a
    layer: a version that is an empty folder would otherwise compare as the shipped policies.

    Args:
        version: a registry; ``shipped``; a complete policy folder (its root holds ``registry.yaml``, such as a
            copy of ``policies/``), loaded on its own; or a folder of layers, loaded next to the shipped ones.

    Raises:
        PolicyFileError: the folder does not exist (``not_a_folder``) or holds no layer (``no_layers``), or a
            layer in it is invalid.
    """
    if isinstance(version, PolicyRegistry):
        return version, ", ".join(str(root) for root in version.roots)
    if str(version) == SHIPPED:
        return default_registry(), SHIPPED
    folder = Path(version)
    if not folder.is_dir():
        raise not_a_folder(folder)
    registry = registry_for(policy_root(folder))
    layers_in(registry, folder)
    return registry, str(version)


def _decide(record: Record, registry: PolicyRegistry, policy: str | None, as_of: dt.date | None) -> Decision | str:
    """One side's decision. What would complete the year is advice, not an outcome (`diff_compare`): not worked out."""
    try:
        # A what-if: not logged; and without to_complete, which costs most of a decision and is never compared.
        return evaluate(record, policy=policy, as_of=as_of, registry=registry, log=UNLOGGED, to_complete=False)
    except PolicyNotFoundError as exc:
        return str(exc)


@dataclass
class _Group:
    count: int
    size: tuple[int, Decimal, int]
    example: Example
    old: Decision | str
    new: Decision | str


@dataclass
class _Tally:
    old: PolicyRegistry
    new: PolicyRegistry
    records: int = 0
    unchanged: int = 0
    neither: int = 0
    groups: dict[GroupKey, _Group] = field(default_factory=dict)
    changed: list[tuple[str, int, str | None, tuple[str, ...], GroupKey]] = field(default_factory=list)
    invalid: list[InvalidRecord] = field(default_factory=list)
    same_outcome: dict[str, int] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def add_invalid(self, data: Any, item: RecordInput | None, problems: Iterable[RecordProblem]) -> None:
        person = data.get("person") if isinstance(data, dict) else None
        person_id = person.get("id") if isinstance(person, dict) else None
        rows = tuple(
            {"path": p.path, "code": p.code, "message": p.message, "where": item.where(p.path) if item else ""}
            for p in problems
        )
        source = item.source if item else None
        self.invalid.append(
            InvalidRecord(source=source, person=person_id if isinstance(person_id, str) else None, problems=rows)
        )

    def add(self, record: Record, source: str | None, old: Decision | str, new: Decision | str) -> None:
        self.used.update(d.policy.id for d in (old, new) if isinstance(d, Decision))
        changes: list[FieldChange] = []
        only_old: tuple[str, ...] = ()
        only_new: tuple[str, ...] = ()
        if isinstance(old, Decision) and isinstance(new, Decision):
            changes, kinds = decision_changes(old, new)
            old_rules, new_rules = {e.rule for e in old.trace}, {e.rule for e in new.trace}
            only_old, only_new = tuple(sorted(old_rules - new_rules)), tuple(sorted(new_rules - old_rules))
            if not kinds:
                self._same_outcome(old, new, changes, old_rules != new_rules)
                return
        elif isinstance(old, str) and isinstance(new, str):
            if old == new:
                self.neither += 1
                return
            kinds = {"error_changed"}
        else:
            kinds = {"not_evaluable_in_old" if isinstance(old, str) else "not_evaluable_in_new"}
        ordered = tuple(k for k in CHANGE_KINDS if k in kinds)
        key: GroupKey = (
            ordered,
            only_old,
            only_new,
            old if isinstance(old, str) else None,
            new if isinstance(new, str) else None,
        )
        self.changed.append((record.person.id, record.year, source, ordered, key))
        size = (len(record.activities), sum((a.hours for a in record.activities), Decimal(0)), self.records)
        group = self.groups.get(key)
        if group is None or size < group.size:
            example = Example(
                person=record.person.id,
                year=record.year,
                source=source,
                record=record.model_dump(mode="json", exclude_none=True),
                old=summary(old),
                new=summary(new),
                changes=tuple(changes),
            )
            count = group.count if group else 0
            self.groups[key] = group = _Group(count, size, example, old, new)
        group.count += 1

    def _same_outcome(self, old: Decision, new: Decision, changes: list[FieldChange], rules: bool) -> None:
        self.unchanged += 1
        found = {
            "floors": bool(changes),
            "rules": rules,
            "provisional": old.provisional != new.provisional,
            "version": (old.policy.version, old.policy.digest) != (new.policy.version, new.policy.digest),
        }
        for name, differs in found.items():
            if differs:
                self.same_outcome[name] = self.same_outcome.get(name, 0) + 1


def diff_policies(
    old: str | Path | PolicyRegistry,
    new: str | Path | PolicyRegistry,
    records: Iterable[RecordInput | Record | dict[str, Any]],
    *,
    policy: str | None = None,
    as_of: dt.date | None = None,
) -> PolicyDiff:
    """Evaluate every record under the old and the new version of the policies, and group what changed.

    Each record is decided under the policy each version resolves for its region, year and sector (or under
    ``policy`` on both sides). A record one version cannot decide (no policy covers it) changes as
    ``not_evaluable_in_old`` or ``not_evaluable_in_new``; an invalid record is listed in ``invalid``.

    Args:
        old: the old version: a `PolicyRegistry`, ``"shipped"``, a complete policy root (a folder holding
            ``registry.yaml``) or a folder of layers extending the shipped ones.
        new: the new version, likewise.
        records: records as read by `iter_records`, `Record` models or plain JSON data.
        policy: a policy id to decide every record under, on both sides.
        as_of: the date the decisions speak for (default: 31 December of each record's year).

    Raises:
        PolicyFileError: a version's folder or policy is invalid.
        PolicyNotFoundError: ``policy`` is not known to one of the versions.
    """
    old_registry, old_label = load_version(old)
    new_registry, new_label = load_version(new)
    if policy is not None:
        old_registry.policy(policy)
        new_registry.policy(policy)
    tally = _Tally(old_registry, new_registry)
    for item in records:
        tally.records += 1
        given = item if isinstance(item, RecordInput) else None
        data: Any = item.data if isinstance(item, RecordInput) else item
        if given is not None and given.problems:
            tally.add_invalid(data, given, given.problems)
            continue
        try:
            record = parse_model(Record, data, DEFERRED)
        except RecordError as exc:
            tally.add_invalid(data, given, exc.problems)
            continue
        old_side = _decide(record, old_registry, policy, as_of)
        new_side = _decide(record, new_registry, policy, as_of)
        tally.add(record, given.source if given else None, old_side, new_side)
    return _finish(tally, old_label, new_label, policy, as_of)


def _finish(tally: _Tally, old: str, new: str, policy: str | None, as_of: dt.date | None) -> PolicyDiff:
    order = sorted(tally.groups, key=lambda k: (-tally.groups[k].count, k[0], k[1], k[2], k[3] or "", k[4] or ""))
    index = {key: i for i, key in enumerate(order)}
    groups = []
    for key in order:
        group = tally.groups[key]
        clauses = clause_texts(key[1], key[2], group.old, group.new, group.example.changes, tally.old, tally.new)
        groups.append(
            ChangeGroup(
                kinds=key[0],
                only_old=key[1],
                only_new=key[2],
                old_error=key[3],
                new_error=key[4],
                count=group.count,
                example=group.example,
                clauses=clauses,
            )
        )
    kinds = {k: sum(1 for row in tally.changed if k in row[3]) for k in CHANGE_KINDS}
    return PolicyDiff(
        old=old,
        new=new,
        policy=policy,
        as_of=as_of,
        records=tally.records,
        unchanged=tally.unchanged,
        changed=len(tally.changed),
        not_evaluable_in_both=tally.neither,
        kinds={k: n for k, n in kinds.items() if n},
        groups=tuple(groups),
        invalid=tuple(tally.invalid),
        same_outcome=dict(sorted(tally.same_outcome.items())),
        policies=policy_changes(sorted(tally.used), tally.old, tally.new),
        changes=tuple(
            ChangedRecord(person=p, year=y, source=s, kinds=k, group=index[key]) for p, y, s, k, key in tally.changed
        ),
    )
