"""The text report of a replay (``ce-policy replay``), in Chinese or English.

The counts and the state of the hash chain, then every entry that is not simply the same, or where the chain
breaks. Every text taken from the log (ids, versions, rules, field names, paths, messages) reaches the terminal
through `printable`: its control characters, a line break included, are shown as escapes and never obeyed, so
no line of the report can be forged from the log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ce_policy.analysis.diff_model import FieldChange
from ce_policy.audit.log import LoggedPolicy
from ce_policy.audit.replay import STATUSES, ChainBreak, ReplayReport
from ce_policy.text.messages import Language
from ce_policy.text.terminal import printable

__all__ = ["render_replay"]

_COUNTED: dict[str, dict[Language, str]] = {
    "same": {"zh": "相同", "en": "same"},
    "differs": {"zh": "不同", "en": "differs"},
    "policy_unavailable": {"zh": "政策不可用", "en": "policy unavailable"},
    "record_missing": {"zh": "缺少记录", "en": "record missing"},
    "invalid_entry": {"zh": "无效条目", "en": "invalid entry"},
}
_LABELS: dict[str, dict[Language, str]] = {
    "same": {"zh": "按记录的政策决定相同", "en": "the same under its recorded policy"},
    "differs": {"zh": "按记录的政策决定不同", "en": "differs under its recorded policy"},
    "policy_unavailable": {"zh": "记录的政策不可用", "en": "recorded policy unavailable"},
    "record_missing": {"zh": "缺少记录", "en": "record missing"},
    "invalid_entry": {"zh": "无效条目", "en": "invalid entry"},
}
_WORDS: dict[str, dict[Language, str]] = {
    "title": {"zh": "决定日志 {log} 的重放：共 {n} 条", "en": "Replay of {log}: {n} entries"},
    "recorded": {"zh": "  按记录的政策：", "en": "  under the recorded policy: "},
    "current": {"zh": "  现行政策作出不同决定：{n} 条", "en": "  the current policy decides otherwise: {n}"},
    "intact": {"zh": "  哈希链：完整，链头 {head}", "en": "  hash chain: intact, head {head}"},
    "partly_chained": {
        "zh": "  哈希链：自第一个带链的条目起完整，链头 {head}；之前的 {n} 条未带链（在条目带链之前写入）",
        "en": "  hash chain: intact from its first chained entry, head {head}; the {n} entries before it are "
        "unchained (written before entries were chained)",
    },
    "unchained": {
        "zh": "  哈希链：无（在条目带链之前写入的日志，无法发现修改、插入或删除）",
        "en": "  hash chain: none (unchained: written before entries were chained, so edits, insertions and "
        "deletions cannot be found)",
    },
    "broken": {"zh": "  哈希链：断裂 {n} 处", "en": "  hash chain: broken in {n} place(s)"},
    "empty": {"zh": "  哈希链：没有条目", "en": "  hash chain: no entries"},
    "recorded_policy": {"zh": "    记录的政策：{policy}", "en": "    recorded policy: {policy}"},
    "current_differs": {
        "zh": "    现行政策 {policy} 作出不同决定：",
        "en": "    current policy {policy} decides otherwise:",
    },
    "current_cannot": {"zh": "    现行政策 {policy} 无法决定：", "en": "    current policy {policy} cannot decide:"},
    "no_policy": {"zh": "无", "en": "none"},
    "rule_gone": {"zh": "      不再触发的规则：{rule}", "en": "      rule no longer fires: {rule}"},
    "rule_new": {"zh": "      现在触发的规则：{rule}", "en": "      rule now fires: {rule}"},
    "break": {"zh": "    哈希链断裂（{code}）：{message}", "en": "    hash chain broken ({code}): {message}"},
}
_BREAKS: dict[str, dict[Language, str]] = {
    "entry_edited": {"zh": "条目写入后被修改：其 entry_digest 与内容不符"},
    "prev_mismatch": {
        "zh": "其 prev 不是上一条目（{previous}）的摘要：上一条目被修改，或两者之间有条目被插入、删除或调换了顺序"
    },
    "not_genesis": {"zh": "日志的第一个条目不是哈希链的起点：之前的条目被删除，或日志被截断（轮转或拆分）"},
    "chain_dropped": {"zh": "已带链的条目之后出现不带 prev 和 entry_digest 的条目：其链被删去，或它是插入的"},
}


def _value(value: Any) -> str:
    return printable(json.dumps(value, default=str, ensure_ascii=False))


def _policy_label(policy: LoggedPolicy) -> str:
    return printable(f"{policy.id} {policy.version} ({policy.digest[:19]}…)")


def _head(head: str | None) -> str:
    return f"{head[:19]}…" if head else ""


def _why(
    changes: Iterable[FieldChange], only_logged: Iterable[str], only_now: Iterable[str], lang: Language
) -> list[str]:
    lines = [f"      {printable(c.path)}: {_value(c.old)} → {_value(c.new)}" for c in changes]
    lines += [_WORDS["rule_gone"][lang].format(rule=printable(rule)) for rule in only_logged]
    lines += [_WORDS["rule_new"][lang].format(rule=printable(rule)) for rule in only_now]
    return lines


def _break(found: ChainBreak, lang: Language) -> str:
    message = found.message if lang == "en" else _BREAKS[found.code]["zh"].format(previous=found.previous)
    return _WORDS["break"][lang].format(code=found.code, message=printable(message))


def _summary(report: ReplayReport, lang: Language) -> list[str]:
    counts = report.counts
    chain = _WORDS[report.chain][lang].format(
        head=_head(report.head), n=report.unchained if report.chain != "broken" else len(report.chain_breaks)
    )
    return [
        _WORDS["title"][lang].format(log=printable(report.log), n=len(report.entries)),
        _WORDS["recorded"][lang]
        + ("，" if lang == "zh" else ", ").join(f"{_COUNTED[status][lang]} {counts[status]}" for status in STATUSES),
        _WORDS["current"][lang].format(n=counts["current_differs"]),
        chain,
    ]


def render_replay(report: ReplayReport, lang: Language = "en") -> str:
    """The report as text: the counts and the hash chain, then every entry that is not simply the same, with why.

    Args:
        report: the replay.
        lang: ``en`` (the default, as the report always was) or ``zh``.
    """
    lines = _summary(report, lang)
    breaks: dict[str, list[ChainBreak]] = {}
    for found in report.chain_breaks:
        breaks.setdefault(found.where, []).append(found)
    for entry in report.entries:
        current = entry.current
        broken = breaks.get(entry.where, [])
        if entry.status == "same" and (current is None or current.status == "same") and not broken:
            continue
        who = f" {entry.person} {entry.year}" if entry.person is not None else ""
        lines.append("")
        lines.append(f"{printable(entry.where + who)}{'：' if lang == 'zh' else ': '}{_LABELS[entry.status][lang]}")
        lines += [_break(found, lang) for found in broken]
        if entry.policy is not None:
            lines.append(_WORDS["recorded_policy"][lang].format(policy=_policy_label(entry.policy)))
        if entry.message:
            lines.append("    " + printable(entry.message + (f" [{entry.code}]" if entry.code else "")))
        lines += _why(entry.changes, entry.rules_only_logged, entry.rules_only_now, lang)
        if current is not None and current.status != "same":
            label = _policy_label(current.policy) if current.policy is not None else _WORDS["no_policy"][lang]
            state = "current_differs" if current.status == "differs" else "current_cannot"
            lines.append(_WORDS[state][lang].format(policy=label))
            if current.message:
                lines.append("      " + printable(current.message))
            lines += _why(current.changes, current.rules_only_logged, current.rules_only_now, lang)
    return "\n".join(lines)
