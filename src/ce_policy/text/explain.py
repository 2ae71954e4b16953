"""A readable account of a decision, step by step, each step with the text of the clause that decided it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ce_policy.model.decision import Decision, TraceEntry
from ce_policy.model.hours import hours_to_json
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry
from ce_policy.text.glossary import clause_text, in_language, policy_sector
from ce_policy.text.messages import Language, message
from ce_policy.text.render import provisional_description, render_to_complete, share_line, task_key, word
from ce_policy.text.terminal import printable

__all__ = ["explain", "explain_data", "explain_decision"]

_WORDS: dict[str, dict[Language, str]] = {
    "title": {"zh": "决定说明", "en": "How this decision was made"},
    "under": {"zh": "依据政策", "en": "Under policy"},
    "activity": {"zh": "学习活动", "en": "Activity"},
    "counts": {"zh": "计入 {hours} 学时（{category}）", "en": "counts {hours} h ({category})"},
    "counts_credits": {
        "zh": "计入 {hours} 学时、{credits} 学分（{category}）",
        "en": "counts {hours} h and {credits} credits ({category})",
    },
    "overridden": {
        "zh": "{parameter} 为 {value}，由 {layer} 依 {clause} 规定",
        "en": "{parameter} is {value}, as {layer} sets it under {clause}",
    },
    "not_counted": {"zh": "不计入", "en": "does not count"},
    "year": {"zh": "年度", "en": "The year"},
    "complete": {"zh": "已完成年度{task}任务", "en": "complete"},
    "incomplete": {"zh": "未完成年度{task}任务", "en": "not complete"},
    "consequence": {"zh": "结果运用", "en": "Consequence"},
    "provisional": {"zh": "所用暂定值", "en": "Provisional values used"},
    "provisional_why": {
        "zh": "出处标为 P：工程默认值或对不明确条文的理解，尚待主管部门确认",
        "en": "provenance P: an engineering default or a reading of unclear text, still to be confirmed",
    },
    "public": {"zh": "公需科目", "en": "public"},
    "professional": {"zh": "专业科目", "en": "professional"},
    "total": {"zh": "合计", "en": "in all"},
    "counted_hours": {
        "zh": "{what}：计入 {counted} 学时，要求 {required} 学时",
        "en": "{what}: {counted} h counted of {required} h required",
    },
    "counted_credits": {
        "zh": "学分：计入 {counted}，要求 {required}",
        "en": "credits: {counted} counted of {required} required",
    },
    "sector": {"zh": "行业", "en": "sector"},
}


def _clause(policy: Policy, entry: TraceEntry, lang: Language) -> str:
    clause = policy.clauses.get(entry.cite)
    if clause is None:
        return entry.cite
    return f"{clause.document} {clause.section}{'：' if lang == 'zh' else ': '}{clause_text(clause.text, lang)}"


def _steps(policy: Policy, entries: list[TraceEntry], lang: Language, day: dt.date) -> list[str]:
    """Each rule that fired, with its clause's text; and each value a sector layer set that it read."""
    rules = {rule.id: rule for rule in policy.rules}
    lines = []
    for entry in entries:
        lines.append(f"    · {entry.rule} — {_clause(policy, entry, lang)}")
        rule = rules.get(entry.rule.split("#", 1)[0])
        for pid in sorted(rule.params if rule is not None else ()):
            parameter = policy.parameters[pid]
            if parameter.overrides is None:
                continue
            clause = policy.clauses.get(parameter.cite)
            where = f"{clause.document} {clause.section}" if clause else parameter.cite
            value = parameter.value_at(day)
            shown = _shown(value, parameter.type)
            text = _WORDS["overridden"][lang].format(parameter=pid, value=shown, layer=parameter.layer, clause=where)
            lines.append(f"        ↳ {text}")
    return lines


def _shown(value: Any, kind: str) -> Any:
    """A parameter's value as a reader writes it: hours as numbers, lists and routes comma-separated."""
    if kind == "hours":
        return hours_to_json(value)
    if isinstance(value, tuple | list):
        return ", ".join(" ".join(map(str, item)) if isinstance(item, tuple | list) else str(item) for item in value)
    return value


def explain(decision: Decision, policy: Policy, lang: Language = "zh") -> str:
    """Explain ``decision``, made under ``policy``, activity by activity, citing each clause's text."""

    def w(key: str) -> str:
        return _WORDS[key][lang]

    lines = [
        f"{w('title')}: {printable(decision.person)} · {decision.year} · {decision.as_of}",
        f"{w('under')}: {decision.policy.id} {decision.policy.version} ({' → '.join(decision.policy.chain)})",
    ]
    sector = policy_sector(policy, lang)
    if sector is not None:
        lines.append(f"{w('sector')}: {sector}")
    lines.append("")
    day = decision.as_of
    for outcome in decision.activities:
        if outcome.counted and outcome.category is not None and outcome.credits is not None:
            status = w("counts_credits").format(
                hours=hours_to_json(outcome.hours), credits=hours_to_json(outcome.credits), category=w(outcome.category)
            )
        elif outcome.counted and outcome.category is not None:
            status = w("counts").format(hours=hours_to_json(outcome.hours), category=w(outcome.category))
        else:
            status = w("not_counted")
        lines.append(f"{w('activity')} {printable(outcome.id)}: {status}")
        for code in outcome.reasons:
            lines.append(f"    ✗ {_message(code, lang, policy)} [{code}]")
        lines += _steps(policy, [e for e in decision.trace if e.activity == outcome.id], lang, day)
    task = word(task_key(decision), lang)
    verdict = (w("complete") if decision.compliant else w("incomplete")).format(task=task)
    lines += ["", f"{w('year')}: {verdict}"]
    for category in ("public", "professional", "total"):
        required = getattr(decision.required, category)
        if required > 0:
            counted = hours_to_json(getattr(decision.hours, category))
            text = w("counted_hours").format(what=w(category), counted=counted, required=hours_to_json(required))
            lines.append(f"    {text}")
    if decision.credits is not None and decision.credits.required > 0:
        counted, required = hours_to_json(decision.credits.counted), hours_to_json(decision.credits.required)
        lines.append(f"    {w('counted_credits').format(counted=counted, required=required)}")
    lines += [f"    {share_line(share, lang)}" for share in decision.shares]
    lines += _steps(policy, [e for e in decision.trace if e.activity is None], lang, day)
    for code in decision.consequences:
        lines.append(f"{w('consequence')}: {_message(code, lang, policy)} [{code}]")
    if decision.to_complete is not None:
        lines += ["", *render_to_complete(decision.to_complete, lang, policy)]
    if decision.provisional:
        lines += ["", f"{w('provisional')} ({w('provisional_why')}):"]
        for pid in decision.provisional:
            parameter = policy.parameters.get(pid)
            if parameter is None:  # a provisional calendar entry or declared word
                lines.append(f"    · {pid} — {provisional_description(policy, pid, lang)}")
                continue
            value = parameter.value_at(decision.as_of)
            shown = _shown(value, parameter.type)
            lines.append(f"    · {pid} = {shown} — {in_language(parameter.description, lang)}")
    return "\n".join(lines)


def _message(code: str, lang: Language, policy: Policy) -> str:
    try:
        return message(code, lang=lang, policy=policy)
    except KeyError:
        return code


def explain_decision(decision: Decision, lang: Language = "zh", *, registry: PolicyRegistry | None = None) -> str:
    """`Decision.explain`: the account of ``decision`` under the policy that made it, found in ``registry``."""
    return explain(decision, (registry or default_registry()).policy(decision.policy.id), lang)


def _step_data(policy: Policy, entry: TraceEntry) -> dict[str, Any]:
    clause = policy.clauses.get(entry.cite)
    return {
        "rule": entry.rule,
        "cite": entry.cite,
        "document": clause.document if clause else None,
        "section": clause.section if clause else None,
        "text": clause.text if clause else None,
    }


def explain_data(decision: Decision, policy: Policy) -> dict[str, Any]:
    """The explanation as data, the same in every language.

    For each activity and for the year, the rules that fired in order, each with its clause (document, section
    and the register's text); the consequences and the provisional values.
    """
    return {
        "person": decision.person,
        "year": decision.year,
        "as_of": decision.as_of.isoformat(),
        "policy": decision.policy.model_dump(mode="json"),
        "activities": [
            {
                "id": outcome.id,
                "counted": outcome.counted,
                "reasons": list(outcome.reasons),
                "steps": [_step_data(policy, e) for e in decision.trace if e.activity == outcome.id],
            }
            for outcome in decision.activities
        ],
        "year_steps": [_step_data(policy, e) for e in decision.trace if e.activity is None],
        "consequences": list(decision.consequences),
        "provisional": list(decision.provisional),
    }
