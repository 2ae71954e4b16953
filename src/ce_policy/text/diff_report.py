"""A policy diff as text, or as a self-contained HTML page with a bar chart (no scripts, no external files)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from ce_policy.analysis.diff_model import CHANGE_KINDS, ChangeGroup, ClauseText, PolicyChange, PolicyDiff
from ce_policy.text.html_charts import bar_chart, page
from ce_policy.text.messages import Language
from ce_policy.text.terminal import printable

__all__ = ["render_html", "render_text"]

_KINDS: dict[str, dict[Language, str]] = {
    "became_complete": {"zh": "变为已完成", "en": "became complete"},
    "became_incomplete": {"zh": "变为未完成", "en": "became incomplete"},
    "floors_met_changed": {"zh": "达标的科目变化", "en": "floors met changed"},
    "hours_changed": {"zh": "计入学时变化", "en": "hours changed"},
    "projection_changed": {"zh": "预计结果变化", "en": "projection changed"},
    "credits_changed": {"zh": "学分变化", "en": "credits changed"},
    "cycle_changed": {"zh": "周期进度变化", "en": "cycle changed"},
    "activities_changed": {"zh": "学习活动结果变化", "en": "activities changed"},
    "route_changed": {"zh": "认定程序变化", "en": "route changed"},
    "consequences_changed": {"zh": "结果运用变化", "en": "consequences changed"},
    "policy_changed": {"zh": "适用政策变化", "en": "policy changed"},
    "not_evaluable_in_old": {"zh": "旧版本无法评估", "en": "not evaluable in OLD"},
    "not_evaluable_in_new": {"zh": "新版本无法评估", "en": "not evaluable in NEW"},
    "error_changed": {"zh": "无法评估的原因变化", "en": "error changed"},
}
_SAME: dict[str, dict[Language, str]] = {
    "floors": {"zh": "学时要求", "en": "floors"},
    "rules": {"zh": "触发的规则", "en": "rules fired"},
    "provisional": {"zh": "暂定值", "en": "provisional values"},
    "version": {"zh": "政策版本或摘要", "en": "policy version or digest"},
}
_WORDS: dict[str, dict[Language, str]] = {
    "title": {"zh": "政策差异", "en": "Policy diff"},
    "records": {"zh": "记录", "en": "Records"},
    "changed": {"zh": "决定变化", "en": "Changed"},
    "unchanged": {"zh": "未变化", "en": "Unchanged"},
    "invalid": {"zh": "无效记录", "en": "Invalid"},
    "neither": {"zh": "两版均无法评估", "en": "Not evaluable in either"},
    "same": {"zh": "结果相同、其他细节不同", "en": "Same outcome, differing only in"},
    "by_kind": {"zh": "按变化类型", "en": "Changes by kind"},
    "policies": {"zh": "政策本身的变化", "en": "What changed in the policies"},
    "group": {"zh": "组", "en": "Group"},
    "decisions": {"zh": "个决定", "en": "decision(s)"},
    "only_old": {"zh": "仅旧版本触发", "en": "fired in OLD only"},
    "only_new": {"zh": "仅新版本触发", "en": "fired in NEW only"},
    "no_text": {"zh": "（条款库中无原文）", "en": "(no text in the register)"},
    "error_old": {"zh": "旧版本", "en": "OLD"},
    "error_new": {"zh": "新版本", "en": "NEW"},
    "example": {"zh": "最小示例", "en": "smallest example"},
    "activities": {"zh": "项学习活动", "en": "activities"},
    "clauses": {"zh": "所涉条款", "en": "clauses involved"},
    "no_change": {"zh": "没有决定发生变化。", "en": "No decision changed."},
    "parameter": {"zh": "参数", "en": "parameter"},
    "rules_added": {"zh": "新增规则", "en": "rules added"},
    "rules_removed": {"zh": "删除规则", "en": "rules removed"},
    "rules_changed": {"zh": "修改规则", "en": "rules changed"},
    "kind": {"zh": "变化类型", "en": "kind of change"},
    "complete": {"zh": "已完成", "en": "complete"},
    "incomplete": {"zh": "未完成", "en": "not complete"},
    "hours": {"zh": "学时（公需 / 专业 / 合计）", "en": "hours (public / professional / total)"},
    "count": {"zh": "数量", "en": "count"},
    "left_out": {
        "zh": "生成的记录中剔除的部分（两个版本中有一个没有在决定日生效的政策）",
        "en": "Left out of the generated records (one version has no policy in force for them on the decision date)",
    },
    "default_region": {"zh": "默认地区", "en": "the default region"},
}


def _value(value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(v, dict) and "actor" in v for v in value):
        return " → ".join(f"{v['actor']} {v['action']}" for v in value)
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _population(diff: PolicyDiff, lang: Language) -> str:
    population = diff.population
    if "seed" in population:
        drawn, seed, distinct = population.get("drawn"), population["seed"], population.get("distinct")
        if lang == "zh":
            text = f"生成：以种子 {seed} 抽取 {drawn} 条，其中 {distinct} 条不重复"
            return text + (f"，剔除 {population['left_out']} 条" if population.get("left_out") else "")
        text = f"generated: {drawn} drawn with seed {seed}, {distinct} distinct"
        return text + (f", {population['left_out']} left out" if population.get("left_out") else "")
    names = {"file": "文件"} if lang == "zh" else {}
    return ", ".join(f"{names.get(k, k)}: {v}" for k, v in population.items())


_SIDES: dict[str, dict[Language, str]] = {
    "old": {"zh": "旧版本", "en": "OLD"},
    "new": {"zh": "新版本", "en": "NEW"},
    "both": {"zh": "两版本", "en": "BOTH"},
}


def _left_out(diff: PolicyDiff, lang: Language) -> list[str]:
    """Why generated records were left out, or years not drawn: one version has no policy in force for them."""
    rows: list[dict[str, Any]] = diff.population.get("left_out_why") or []
    if not rows:
        return []
    lines = [_WORDS["left_out"][lang] + ":"]
    for row in rows:
        side = _SIDES[row["side"]][lang]
        region = row["region"] or _WORDS["default_region"][lang]
        where = f"{region} {row['year']}, {row['sector']}"
        if row["reason"] == "no_policy":
            why = f"{side}没有适用的政策" if lang == "zh" else f"no policy of {side} covers it"
        elif lang == "zh":
            why = f"{side}的政策 {row['decider']} 在 {row['day']} 未生效"
        else:
            why = f"{side}'s policy {row['decider']} is not in force on {row['day']}"
        if row["drawn_for"]:
            what = f"{row['drawn_for']}（{where}）未抽取" if lang == "zh" else f"{row['drawn_for']} ({where}) not drawn"
        else:
            what = f"{row['records']} 条记录（{where}）" if lang == "zh" else f"{row['records']} record(s) of {where}"
        lines.append(f"  {what}{'：' if lang == 'zh' else ': '}{why}")
    return lines


def _parameter_values(values: list[dict[str, Any]] | None) -> str:
    if values is None:
        return "—"
    return ", ".join(f"{_value(v['value'])} (from {v['from']})" for v in values)


def _policy_lines(change: PolicyChange, lang: Language) -> list[str]:
    lines = [f"  {change.policy} {change.old_version or '—'} → {change.new_version or '—'}"]
    for p in change.parameters:
        old, new = _parameter_values(p.old), _parameter_values(p.new)
        provenance = f" [{p.old_provenance} → {p.new_provenance}]" if p.old_provenance != p.new_provenance else ""
        lines.append(f"    {_WORDS['parameter'][lang]} {p.parameter}: {old} → {new}{provenance}")
    for key in ("rules_added", "rules_removed", "rules_changed"):
        rules = getattr(change, key)
        if rules:
            lines.append(f"    {_WORDS[key][lang]}: {', '.join(rules)}")
    return lines


def _clause(clause: ClauseText, lang: Language) -> str:
    text = f"{clause.document} {clause.section}: {clause.text}" if clause.text else _WORDS["no_text"][lang]
    return f"[{_SIDES[clause.side][lang]}] {clause.cite} ({', '.join(clause.rules)}) — {text}"


def _group_lines(number: int, group: ChangeGroup, lang: Language) -> list[str]:
    def w(key: str) -> str:
        return _WORDS[key][lang]

    kinds = ", ".join(_KINDS[k][lang] for k in group.kinds)
    lines = [f"{w('group')} {number}: {group.count} {w('decisions')} — {kinds}"]
    if group.only_old:
        lines.append(f"  {w('only_old')}: {', '.join(group.only_old)}")
    if group.only_new:
        lines.append(f"  {w('only_new')}: {', '.join(group.only_new)}")
    for key, error in (("error_old", group.old_error), ("error_new", group.new_error)):
        if error:
            lines.append(f"  {w(key)}: {error}")
    example = group.example
    where = f", {example.source}" if example.source else ""
    count = len(example.record.get("activities", ()))
    lines.append(f"  {w('example')}: {printable(example.person)} {example.year} ({count} {w('activities')}{where})")
    for key, side in (("error_old", example.old), ("error_new", example.new)):
        if side.error is None and side.hours is not None:
            verdict = w("complete") if side.compliant else w("incomplete")
            hours = " / ".join(_value(side.hours[c]) for c in ("public", "professional", "total"))
            lines.append(f"    {w(key)} {side.policy}: {verdict}; {w('hours')} {hours}")
    lines += [f"    {c.path}: {_value(c.old)} → {_value(c.new)}" for c in example.changes]
    if group.clauses:
        lines.append(f"  {w('clauses')}:")
        lines += [f"    {_clause(c, lang)}" for c in group.clauses]
    return lines


def _header(diff: PolicyDiff, lang: Language) -> list[str]:
    def w(key: str) -> str:
        return _WORDS[key][lang]

    lines = [f"{w('title')}: {diff.old} → {diff.new}"]
    extra = [f"policy {diff.policy}"] if diff.policy else []
    extra += [f"as of {diff.as_of}"] if diff.as_of else []
    population = _population(diff, lang)
    lines.append(
        f"{w('records')}: {diff.records}"
        + (f" ({population})" if population else "")
        + "".join(f"; {e}" for e in extra)
    )
    lines.append(
        f"{w('changed')}: {diff.changed}   {w('unchanged')}: {diff.unchanged}   {w('invalid')}: {len(diff.invalid)}"
        f"   {w('neither')}: {diff.not_evaluable_in_both}"
    )
    if diff.same_outcome:
        same = ", ".join(f"{_SAME[k][lang] if k in _SAME else k} {n}" for k, n in diff.same_outcome.items())
        lines.append(f"{w('same')}: {same}")
    return lines + _left_out(diff, lang)


def render_text(diff: PolicyDiff, lang: Language = "en") -> str:
    """The diff as plain text: counts, counts by kind, the policies' changes, each group, invalid records."""

    def w(key: str) -> str:
        return _WORDS[key][lang]

    lines = _header(diff, lang)
    if diff.policies:
        lines += ["", f"{w('policies')}:"]
        for change in diff.policies:
            lines += _policy_lines(change, lang)
    if diff.kinds:
        width = max(len(_KINDS[k][lang]) for k in diff.kinds)
        lines += ["", f"{w('by_kind')}:"]
        lines += [f"  {_KINDS[k][lang]:<{width}}  {n}" for k, n in diff.kinds.items()]
    for number, group in enumerate(diff.groups, start=1):
        lines += ["", *_group_lines(number, group, lang)]
    if diff.invalid:
        lines += ["", f"{w('invalid')}:"]
        for row in diff.invalid:
            for problem in row.problems:
                where = problem["where"] or row.person or "?"
                lines.append(f"  {where}: {problem['path']}: {problem['message']} [{problem['code']}]")
    if not diff.changed:
        lines += ["", w("no_change")]
    return "\n".join(lines)


def _chart(diff: PolicyDiff, lang: Language) -> str:
    """An inline SVG bar chart of the changed decisions per kind of change."""
    bars = [(_KINDS[kind][lang], diff.kinds.get(kind, 0), str(diff.kinds.get(kind, 0))) for kind in CHANGE_KINDS]
    return bar_chart(bars, _WORDS["by_kind"][lang])


def _group_html(number: int, group: ChangeGroup, lang: Language) -> str:
    def w(key: str) -> str:
        return escape(_WORDS[key][lang])

    kinds = ", ".join(_KINDS[k][lang] for k in group.kinds)
    out = [f"<h2>{w('group')} {number}: {group.count} {w('decisions')} — {escape(kinds)}</h2>"]
    for key, rules in (("only_old", group.only_old), ("only_new", group.only_new)):
        if rules:
            out.append(f"<p>{w(key)}: <code>{escape(', '.join(rules))}</code></p>")
    for key, error in (("error_old", group.old_error), ("error_new", group.new_error)):
        if error:
            out.append(f"<p>{w(key)}: {escape(error)}</p>")
    example = group.example
    source = f" <span class='muted'>{escape(example.source)}</span>" if example.source else ""
    out.append(f"<p>{w('example')}: <b>{escape(example.person)}</b> {example.year}{source}</p><table>")
    out += [
        f"<tr><td><code>{escape(c.path)}</code></td><td>{escape(_value(c.old))}</td><td>{escape(_value(c.new))}</td></tr>"
        for c in example.changes
    ]
    out.append("</table>")
    out.append(f"<pre>{escape(json.dumps(example.record, ensure_ascii=False, indent=1))}</pre>")
    if group.clauses:
        out.append(f"<p>{w('clauses')}:</p><ul>")
        out += [f"<li class='clause'>{escape(_clause(c, lang))}</li>" for c in group.clauses]
        out.append("</ul>")
    return "\n".join(out)


def render_html(diff: PolicyDiff, lang: Language = "en") -> str:
    """The diff as one self-contained HTML page: inline CSS, an inline SVG chart, every text escaped."""

    def w(key: str) -> str:
        return escape(_WORDS[key][lang])

    body = [f"<h1>{w('title')}: {escape(diff.old)} → {escape(diff.new)}</h1>"]
    body += [f"<p>{escape(line)}</p>" for line in _header(diff, lang)[1:]]
    body += [f"<h2>{w('by_kind')}</h2>", _chart(diff, lang)]
    if diff.kinds:
        body.append(f"<table><tr><th>{w('kind')}</th><th>{w('count')}</th></tr>")
        body += [f"<tr><td>{escape(_KINDS[k][lang])}</td><td class='num'>{n}</td></tr>" for k, n in diff.kinds.items()]
        body.append("</table>")
    else:
        body.append(f"<p>{w('no_change')}</p>")
    if diff.policies:
        body.append(f"<h2>{w('policies')}</h2><pre>")
        body += [escape(line) for change in diff.policies for line in _policy_lines(change, lang)]
        body.append("</pre>")
    body += [_group_html(n, g, lang) for n, g in enumerate(diff.groups, start=1)]
    if diff.invalid:
        body.append(f"<h2>{w('invalid')}</h2><ul>")
        for row in diff.invalid:
            body += [
                f"<li>{escape(p['where'] or row.person or '?')}: <code>{escape(p['path'])}</code> "
                f"{escape(p['message'])} [{escape(p['code'])}]</li>"
                for p in row.problems
            ]
        body.append("</ul>")
    return page(_WORDS["title"][lang], body, lang)
