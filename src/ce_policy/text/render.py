"""Readable text views of decisions, in Chinese (default) or English."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from itertools import groupby

from ce_policy.model.decision import Decision, ShareResult, TitleReviewDecision, ToComplete, WayToComplete
from ce_policy.model.hours import hours_to_json
from ce_policy.model.record import WAY_FIELDS, Activity
from ce_policy.policy.loaded import Policy
from ce_policy.text.glossary import calendar_term, in_language, kind_term, policy_sector, value_term
from ce_policy.text.messages import Language, message
from ce_policy.text.terminal import printable

__all__ = [
    "provisional_description",
    "render_decision",
    "render_title_review",
    "render_to_complete",
    "share_line",
    "task_key",
    "word",
]

_LABELS: dict[str, dict[Language, str]] = {
    "header": {"zh": "继续教育学时认定结果", "en": "Continuing-education decision"},
    "person": {"zh": "人员", "en": "Person"},
    "year": {"zh": "年度", "en": "Year"},
    "as_of": {"zh": "截至", "en": "As of"},
    "policy": {"zh": "政策", "en": "Policy"},
    "result": {"zh": "结论", "en": "Result"},
    "complete": {"zh": "已完成年度{task}任务", "en": "complete"},
    "incomplete": {"zh": "未完成年度{task}任务", "en": "NOT complete"},
    "task_hours": {"zh": "学时", "en": "hours"},
    "task_credits": {"zh": "学分", "en": "credits"},
    "task_both": {"zh": "学时、学分", "en": "hours and credits"},
    "share": {
        "zh": "{category}{unit}不少于总{unit}的 {share}：{counted} / {whole}（应 {required}）",
        "en": "{category} {unit} at least {share} of the total: {counted} of {whole} ({required} needed)",
    },
    "share_short": {"zh": "，尚差 {shortfall}", "en": "; {shortfall} more"},
    "category": {"zh": "类别", "en": "Category"},
    "counted": {"zh": "已计入", "en": "Counted"},
    "required": {"zh": "要求", "en": "Required"},
    "shortfall": {"zh": "差额", "en": "Shortfall"},
    "public": {"zh": "公需科目", "en": "public"},
    "professional": {"zh": "专业科目", "en": "professional"},
    "total": {"zh": "合计", "en": "total"},
    "projected": {"zh": "若待审核申请全部通过", "en": "If every pending application is approved"},
    "activities": {"zh": "学习活动", "en": "Activities"},
    "yes": {"zh": "计入", "en": "counts"},
    "no": {"zh": "不计入", "en": "does not count"},
    "automatic": {"zh": "自动登记", "en": "registered automatically"},
    "application": {"zh": "申请认定", "en": "registered by application"},
    "route": {"zh": "认定路线", "en": "route"},
    "consequences": {"zh": "结果运用", "en": "Consequences"},
    "none": {"zh": "无", "en": "none"},
    "provisional": {"zh": "所用暂定值", "en": "Provisional values used"},
    "trace": {"zh": "依据（触发的规则 → 条款）", "en": "Basis (rules fired → clauses)"},
    "hours_unit": {"zh": "学时", "en": "h"},
    "individual": {"zh": "个人", "en": "individual"},
    "employer": {"zh": "用人单位", "en": "employer"},
    "prefecture_dept": {"zh": "地区行业主管部门", "en": "prefecture sector dept"},
    "region_dept": {"zh": "自治区行业主管部门", "en": "region sector dept"},
    "apply": {"zh": "申请", "en": "applies"},
    "review": {"zh": "审核", "en": "reviews"},
    "re_review": {"zh": "复核", "en": "re-reviews"},
    "recognise": {"zh": "认定", "en": "recognises"},
    "eligible": {"zh": "可以申报", "en": "eligible"},
    "not_eligible": {"zh": "不可申报", "en": "NOT eligible"},
    "review_year": {"zh": "职称评审年度", "en": "Review year"},
    "applied_on": {"zh": "申报日期", "en": "Applied on"},
    "missing_years": {"zh": "未完成年度", "en": "Years missing"},
    "shown_by": {"zh": "证明方式", "en": "shown by"},
    "record": {"zh": "学时记录", "en": "record"},
    "certificate": {"zh": "合格证书", "en": "certificate"},
    "shown_by_none": {"zh": "无（既无记录也无证书）", "en": "nothing (no record, no certificate)"},
    "bars": {"zh": "限制", "en": "Bars"},
    "credits": {"zh": "学分", "en": "credits"},
    "cycle": {"zh": "培训周期", "en": "Training cycle"},
    "cycle_hours": {"zh": "周期内已计入", "en": "hours so far"},
    "remaining": {"zh": "尚差", "en": "remaining"},
    "sector": {"zh": "行业规则", "en": "Sector rules"},
    "to_complete": {"zh": "尚需完成（截止 {deadline}）", "en": "To complete (by {deadline})"},
    "still_needed": {"zh": "至少还需", "en": "at least"},
    "plan": {"zh": "例如", "en": "for example"},
    "checked": {"zh": "已按 {day} 核验可完成", "en": "checked: complete as of {day}"},
    "ways": {"zh": "仍可采用的方式", "en": "ways still open"},
    # The generic wording; a policy words its own in codes.yaml (texts: deadline_passed).
    "closed": {
        "zh": "已过截止日期 {deadline}，已没有能计入该年度的学习方式",
        "en": "the deadline {deadline} has passed: no way of study can still count for the year",
    },
    "no_way": {"zh": "无", "en": "none"},
    "fallback": {
        "zh": "该行业在此无专门规定，适用一般规则",
        "en": "this sector has no rules of its own here; the general rules apply",
    },
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _right(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def _t(key: str, lang: Language) -> str:
    return _LABELS[key][lang]


def word(key: str, lang: Language) -> str:
    """One of the text view's words (e.g. ``task_credits``: 学分 / credits), for the other views to share."""
    return _t(key, lang)


def _h(value: Decimal) -> str:
    return str(hours_to_json(value))


def _msg(code: str, lang: Language, policy: Policy) -> str:
    try:
        return message(code, lang=lang, policy=policy)
    except KeyError:
        return code


def render_decision(decision: Decision, policy: Policy, lang: Language = "zh") -> str:
    """A readable account of ``decision`` made under ``policy``."""

    def t(key: str) -> str:
        return _t(key, lang)

    task = t(task_key(decision))
    lines = [
        f"{t('header')}",
        f"{t('person')}: {printable(decision.person)}   {t('year')}: {decision.year}   {t('as_of')}: {decision.as_of}",
        f"{t('policy')}: {decision.policy.id} {decision.policy.version} ({decision.policy.digest[:19]}…)",
        f"{t('result')}: {(t('complete') if decision.compliant else t('incomplete')).format(task=task)}",
        "",
        _left(t("category"), 14) + "".join(_right(t(k), 10) for k in ("counted", "required", "shortfall")),
    ]
    for category in ("public", "professional", "total"):
        values = (
            getattr(decision.hours, category),
            getattr(decision.required, category),
            getattr(decision.shortfall, category),
        )
        lines.append(_left(t(category), 14) + "".join(_right(_h(v), 10) for v in values))
    if decision.credits is not None:
        values = (decision.credits.counted, decision.credits.required, decision.credits.shortfall)
        lines.append(_left(t("credits"), 14) + "".join(_right(_h(v), 10) for v in values))
    lines += [share_line(share, lang) for share in decision.shares]
    if decision.policy.sector is not None:
        lines.insert(3, f"{t('sector')}: {policy_sector(policy, lang) or decision.policy.sector}")
    elif decision.policy.fallback:
        lines.insert(3, f"{t('sector')}: {t('fallback')}")
    cycle = decision.cycle
    if cycle is not None:
        lines.append(
            f"{t('cycle')} {cycle.first_year}–{cycle.last_year}: {t('cycle_hours')} {_h(cycle.hours)} / "
            f"{_h(cycle.required)} · {t('remaining')} {_h(cycle.remaining)}"
        )
    projected = decision.projected
    lines += [
        "",
        f"{t('projected')}: {t('public')} {_h(projected.hours.public)} · {t('professional')} "
        f"{_h(projected.hours.professional)} · {t('total')} {_h(projected.hours.total)}"
        + (f" · {t('credits')} {_h(projected.credits)}" if projected.credits is not None else "")
        + f" → {(t('complete') if projected.compliant else t('incomplete')).format(task=task)}",
        "",
        f"{t('activities')}:",
    ]
    for activity in decision.activities:
        category = t(activity.category) if activity.category else "—"
        status = t("yes") if activity.counted else t("no")
        registration = f" · {t(activity.registration)}" if activity.registration else ""
        credits = f" · {_h(activity.credits)} {t('credits')}" if activity.credits is not None else ""
        shown = f"{category} · {_h(activity.hours)} {t('hours_unit')}{credits} · {status}{registration}"
        lines.append(f"  {printable(activity.id)}: {shown}")
        for code in activity.reasons:
            lines.append(f"      - {_msg(code, lang, policy)} [{code}]")
        if activity.route:
            steps = " → ".join(
                f"{t(step.actor)}{t(step.action)}" if lang == "zh" else f"{t(step.actor)} {t(step.action)}"
                for step in activity.route
            )
            lines.append(f"      {t('route')}: {steps}")
    lines += ["", f"{t('consequences')}:"]
    lines += [f"  - {_msg(code, lang, policy)} [{code}]" for code in decision.consequences] or [f"  {t('none')}"]
    if decision.to_complete is not None:
        lines += ["", *render_to_complete(decision.to_complete, lang, policy)]
    if decision.provisional:
        lines += ["", f"{t('provisional')}:"]
        lines += [f"  - {pid}: {provisional_description(policy, pid, lang)}" for pid in decision.provisional]
    lines += ["", f"{t('trace')}:"]
    seen: set[str] = set()
    for entry in decision.trace:
        if entry.rule in seen:
            continue
        seen.add(entry.rule)
        clause = policy.clauses.get(entry.cite)
        where = f"{clause.document} {clause.section}" if clause else entry.cite
        lines.append(f"  {entry.rule} → {where}")
    return "\n".join(lines)


def task_key(decision: Decision) -> str:
    """Which of the year's tasks decide it: ``task_hours``, ``task_credits`` or ``task_both`` (for the headline)."""
    hours = any(getattr(decision.required, c) > 0 for c in ("public", "professional", "total")) or any(
        share.unit == "hours" for share in decision.shares
    )
    credits = (decision.credits is not None and decision.credits.required > 0) or any(
        share.unit == "credits" for share in decision.shares
    )
    if credits:
        return "task_both" if hours else "task_credits"
    return "task_hours"


def share_line(share: ShareResult, lang: Language) -> str:
    """A share floor, as the views show it: the category against its share of the total, and what is missing."""
    unit = _t("credits" if share.unit == "credits" else "hours_unit", lang)
    line = _t("share", lang).format(
        category=_t(share.category, lang),
        unit=unit if lang == "zh" or share.unit == "credits" else "hours",
        share=share.share,
        counted=_h(share.counted),
        whole=_h(share.of_counted),
        required=_h(share.required),
    )
    return line + ("" if share.met else _t("share_short", lang).format(shortfall=_h(share.shortfall)))


def provisional_description(policy: Policy, pid: str, lang: Language = "zh") -> str:
    """What a provisional value of a decision is, in ``lang``.

    A parameter's description (its half in ``lang``, `in_language`), which dates a calendar entry sets, or what
    a layer's declaration adds to the record's vocabulary.
    """
    parameter = policy.parameters.get(pid)
    if parameter is not None:
        return in_language(parameter.description, lang)
    words = next((w for w in policy.declared_words if w.label == pid), None)
    if words is not None:
        said = ", ".join(words.values) or "—"
        kinds = f" ({', '.join(words.kinds)})" if words.kinds else ""
        text = in_language(words.description, lang) if words.description else f"{words.name}: {said}"
        return f"{text}{kinds} [{words.cite}]"
    entry = next((rule for rule in policy.calendar_rules if rule.label == pid), None)
    if entry is None:
        return pid
    given = [name for name in ("study", "make_up", "decide_on") if getattr(entry, name) is not None]
    return calendar_term(tuple(entry.years), given, entry.cite, lang)


def render_to_complete(needs: ToComplete, lang: Language = "zh", policy: Policy | None = None) -> list[str]:
    """The lines that say what would make an incomplete year complete, in ``policy``'s words where it has them."""

    def t(key: str) -> str:
        return _t(key, lang)

    unit = t("hours_unit")
    deadline = str(needs.deadline) if needs.deadline else "—"
    wanted = [
        f"{t(c)} {_h(getattr(needs.hours, c))} {unit}"
        for c in ("public", "professional", "total")
        if getattr(needs.hours, c) > 0
    ]
    if needs.credits:
        wanted.append(f"{t('credits')} {_h(needs.credits)}")
    lines = [f"{t('to_complete').format(deadline=deadline)}:", f"  {t('still_needed')}: {' · '.join(wanted)}"]
    if not needs.ways:
        worded = policy.texts.get("deadline_passed") if policy is not None else None
        closed = (worded.zh if lang == "zh" else worded.en) if worded is not None else t("closed")
        lines.append(f"  {closed.format(deadline=deadline) if needs.deadline else t('no_way')}")
        return lines
    if needs.plan:
        steps = [
            f"{kind_term(a.kind, lang)} {_h(a.hours)} {unit}"
            + (f" ({', '.join(value_term(k, v, lang) for k, v in _fields(a))})" if _fields(a) else "")
            for a in needs.plan
        ]
        runs = [(step, len(list(same))) for step, same in groupby(steps)]  # 206 alike: shown once, "× 206"
        steps = [f"{step} × {count}" if count > 1 else step for step, count in runs]
        lines.append(f"  {t('plan')}: {'; '.join(steps)} ({t('checked').format(day=needs.plan_as_of)})")
    for category in ("public", "professional"):
        names = [_way_name(w, lang) for w in needs.ways if w.category == category]
        if names:
            lines.append(f"  {t('ways')} · {t(category)}: {('；' if lang == 'zh' else ', ').join(names)}")
    return lines


def _fields(activity: Activity) -> list[tuple[str, str]]:
    data = activity.model_dump(mode="json", exclude_none=True)
    return [(k, str(data[k])) for k in sorted(WAY_FIELDS[activity.kind]) if k in data]


def _way_name(way: WayToComplete, lang: Language) -> str:
    shown = [
        value_term(k.removeprefix("attributes."), v, lang) for k, v in sorted(way.fields.items()) if k != "approval"
    ]
    if not shown:
        return kind_term(way.kind, lang)
    return kind_term(way.kind, lang) + (f"（{'/'.join(shown)}）" if lang == "zh" else f" ({'/'.join(shown)})")


def render_title_review(decision: TitleReviewDecision, policy: Policy, lang: Language = "zh") -> str:
    """A readable account of a title-review decision."""

    def t(key: str) -> str:
        return _t(key, lang)

    lines = [
        f"{t('person')}: {printable(decision.person)}   {t('review_year')}: {decision.review_year}   "
        f"{t('applied_on')}: {decision.applied_on}",
        f"{t('policy')}: {decision.policy.id} {decision.policy.version}",
        f"{t('result')}: {t('eligible') if decision.eligible else t('not_eligible')}",
        "",
    ]
    for year in decision.years:
        mark = "✓" if year.complete else "✗"
        shown = t("shown_by_none") if year.shown_by == "none" else t(year.shown_by)
        lines.append(f"  {mark} {year.year}: {t('shown_by')} {shown}")
        lines += [f"      - {_msg(code, lang, policy)} [{code}]" for code in year.reasons]
    if decision.bars:
        lines += ["", f"{t('bars')}:"]
        lines += [f"  - {_msg(code, lang, policy)} [{code}]" for code in decision.bars]
    return "\n".join(lines)
