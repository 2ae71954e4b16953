"""For a policy diff: the clause texts of the rules involved in a change, and how the policies themselves differ."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal

from ce_policy.analysis.diff_model import ClauseText, FieldChange, ParameterChange, PolicyChange
from ce_policy.model.decision import Decision, TraceEntry
from ce_policy.model.errors import CePolicyError
from ce_policy.model.hours import hours_to_json
from ce_policy.policy.loaded import Parameter, Policy, Rule
from ce_policy.policy.registry import PolicyRegistry

__all__ = ["clause_texts", "policy_changes"]

Side = Literal["old", "new", "both"]


def _policy(registry: PolicyRegistry, policy_id: str) -> Policy | None:
    try:
        return registry.policy(policy_id)
    except CePolicyError:
        return None


def _activity_of(path: str) -> str | None:
    if not path.startswith("activities[") or "]." not in path:
        return None
    return path[len("activities[") : path.rindex("].")]


def _involved(decision: Decision, changes: Sequence[FieldChange]) -> list[TraceEntry]:
    """When no rule fired on one side only: the rules that fired on what changed (its activities, the year)."""
    activities = {_activity_of(change.path) for change in changes}
    year_level = None in activities
    return [e for e in decision.trace if e.activity in activities or (year_level and e.activity is None)]


def clause_texts(
    only_old: Sequence[str],
    only_new: Sequence[str],
    old: Decision | str,
    new: Decision | str,
    changes: Sequence[FieldChange],
    old_registry: PolicyRegistry,
    new_registry: PolicyRegistry,
) -> tuple[ClauseText, ...]:
    """The clauses cited by the rules that fired on one side only, each with its text from that side.

    When the same rules fired on both sides, the clauses of the rules that fired on the activities (or the
    year) whose outcome changed, marked ``both`` (their texts from the new version), or the side that made a
    decision when the other made none.
    """
    picked: list[tuple[Side, TraceEntry]] = []
    sides: tuple[tuple[Side, Decision | str, Sequence[str]], ...] = (("old", old, only_old), ("new", new, only_new))
    for side, decision, rules in sides:
        if isinstance(decision, Decision):
            picked += [(side, e) for e in decision.trace if e.rule in rules]
    if not only_old and not only_new:
        fallback = new if isinstance(new, Decision) else old
        if isinstance(fallback, Decision):
            marked: Side = "both" if isinstance(old, Decision) and isinstance(new, Decision) else "new"
            marked = marked if fallback is new else "old"
            picked += [(marked, e) for e in _involved(fallback, changes)]
    cited: dict[tuple[Side, str], list[str]] = {}
    for side, entry in picked:
        rules_of = cited.setdefault((side, entry.cite), [])
        if entry.rule not in rules_of:
            rules_of.append(entry.rule)
    found = []
    for (side, cite), rules_of in cited.items():
        decision = old if side == "old" else new
        assert isinstance(decision, Decision)  # noqa: S101 - only decisions' traces were picked
        policy = _policy(old_registry if side == "old" else new_registry, decision.policy.id)
        clause = policy.clauses.get(cite) if policy else None
        found.append(
            ClauseText(
                side=side,
                cite=cite,
                rules=tuple(rules_of),
                document=clause.document if clause else "",
                section=clause.section if clause else "",
                text=clause.text if clause else "",
            )
        )
    return tuple(found)


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return hours_to_json(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _values(parameter: Parameter | None) -> list[dict[str, Any]] | None:
    if parameter is None:
        return None
    return [{"from": start.isoformat(), "value": _json(value)} for start, value in parameter.values]


def _rule_key(rule: Rule) -> tuple[Any, ...]:
    return (rule.cite, rule.stage, rule.when, rule.then, rule.in_force_from, rule.in_force_to, rule.exception_to)


def _parameters(old: Policy | None, new: Policy | None) -> tuple[ParameterChange, ...]:
    old_params = old.parameters if old else {}
    new_params = new.parameters if new else {}
    changes = []
    for pid in sorted({*old_params, *new_params}):
        before, after = old_params.get(pid), new_params.get(pid)
        if _values(before) == _values(after) and (before and before.provenance) == (after and after.provenance):
            continue
        changes.append(
            ParameterChange(
                parameter=pid,
                old=_values(before),
                new=_values(after),
                old_provenance=before.provenance if before else None,
                new_provenance=after.provenance if after else None,
            )
        )
    return tuple(changes)


def policy_changes(ids: Iterable[str], old: PolicyRegistry, new: PolicyRegistry) -> tuple[PolicyChange, ...]:
    """How each policy in ``ids`` differs between the versions: version, parameters, rules (by id)."""
    found = []
    for policy_id in ids:
        before, after = _policy(old, policy_id), _policy(new, policy_id)
        old_rules = {r.id: r for r in before.rules} if before else {}
        new_rules = {r.id: r for r in after.rules} if after else {}
        change = PolicyChange(
            policy=policy_id,
            old_version=before.version if before else None,
            new_version=after.version if after else None,
            parameters=_parameters(before, after),
            rules_added=tuple(sorted(set(new_rules) - set(old_rules))),
            rules_removed=tuple(sorted(set(old_rules) - set(new_rules))),
            rules_changed=tuple(
                sorted(
                    rid
                    for rid in set(old_rules) & set(new_rules)
                    if _rule_key(old_rules[rid]) != _rule_key(new_rules[rid])
                )
            ),
        )
        differs = change.old_version != change.new_version or change.parameters or change.rules_added
        if differs or change.rules_removed or change.rules_changed:
            found.append(change)
    return tuple(found)
