"""The text report of a replay (``ce-policy replay``): the counts, then every entry that is not the same."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ce_policy.analysis.diff_model import FieldChange
from ce_policy.audit.log import LoggedPolicy
from ce_policy.audit.replay import STATUSES, ReplayReport

__all__ = ["render_replay"]

_LABELS = {
    "same": "the same under its recorded policy",
    "differs": "differs under its recorded policy",
    "policy_unavailable": "recorded policy unavailable",
    "record_missing": "record missing",
    "invalid_entry": "invalid entry",
}


def _value(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _policy_label(policy: LoggedPolicy) -> str:
    return f"{policy.id} {policy.version} ({policy.digest[:19]}…)"


def _why(changes: Iterable[FieldChange], only_logged: Iterable[str], only_now: Iterable[str]) -> list[str]:
    lines = [f"      {c.path}: {_value(c.old)} → {_value(c.new)}" for c in changes]
    lines += [f"      rule no longer fires: {rule}" for rule in only_logged]
    lines += [f"      rule now fires: {rule}" for rule in only_now]
    return lines


def render_replay(report: ReplayReport) -> str:
    """The report as text: the counts, then every entry that is not simply the same, with why."""
    counts = report.counts
    lines = [
        f"Replay of {report.log}: {len(report.entries)} entries",
        "  under the recorded policy: "
        + ", ".join(f"{status.replace('_', ' ')} {counts[status]}" for status in STATUSES),
        f"  the current policy decides otherwise: {counts['current_differs']}",
    ]
    for entry in report.entries:
        current = entry.current
        if entry.status == "same" and (current is None or current.status == "same"):
            continue
        who = f" {entry.person} {entry.year}" if entry.person is not None else ""
        lines.append("")
        lines.append(f"{entry.where}{who}: {_LABELS[entry.status]}")
        if entry.policy is not None:
            lines.append(f"    recorded policy: {_policy_label(entry.policy)}")
        if entry.message:
            lines.append(f"    {entry.message}")
        lines += _why(entry.changes, entry.rules_only_logged, entry.rules_only_now)
        if current is not None and current.status != "same":
            label = _policy_label(current.policy) if current.policy is not None else "none"
            state = "decides otherwise" if current.status == "differs" else "cannot decide"
            lines.append(f"    current policy {label} {state}:")
            if current.message:
                lines.append(f"      {current.message}")
            lines += _why(current.changes, current.rules_only_logged, current.rules_only_now)
    return "\n".join(lines)
