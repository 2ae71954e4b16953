"""The summary of a batch, aggregated as decisions stream past, and its text table and HTML report.

Memory does not grow with the population: counts, fixed-bin histograms of hours, the floors seen and the
reason codes are added up one decision at a time; only the groups (sector and label values) are kept, one
counter each. The summary so far can be kept as JSON (`BatchSummary.to_json`), so that a batch resumed after
an interruption goes on counting where it stopped.

Values from the data (sectors, label values, file names) reach a terminal through `printable`: a control
character in a label is shown as an escape, never obeyed. The HTML report escapes every value.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from typing import Any

from ce_policy.model.errors import CePolicyError
from ce_policy.policy.registry import PolicyRegistry
from ce_policy.text.glossary import sector_term
from ce_policy.text.html_charts import bar_chart, histogram, page
from ce_policy.text.messages import Language, message
from ce_policy.text.terminal import printable

__all__ = ["BINS", "BIN_WIDTH", "BatchSummary", "GroupCount", "render_html", "render_text", "resumed_line"]

BIN_WIDTH = 5
"""Hours per bin of the hour histograms."""
BINS = 30
"""Closed bins of the hour histograms (0 to 150 hours); one more holds everything above."""
TOP_GROUPS = 20
TOP_REASONS = 10

_WORDS: dict[str, dict[Language, str]] = {
    "title": {"zh": "批量评估报告", "en": "Batch evaluation report"},
    "read": {"zh": "读取", "en": "read"},
    "decided": {"zh": "已评估", "en": "decided"},
    "errors": {"zh": "错误", "en": "errors"},
    "complete": {"zh": "已完成", "en": "complete"},
    "incomplete": {"zh": "未完成", "en": "incomplete"},
    "records": {"zh": "记录", "en": "records"},
    "rate": {"zh": "完成率", "en": "rate"},
    "by": {"zh": "按", "en": "by"},
    "sector": {"zh": "行业", "en": "sector"},
    "counts": {"zh": "计数", "en": "Counts"},
    "rate_by": {"zh": "完成率：按", "en": "Completion rate by"},
    "hours": {"zh": "学时分布", "en": "Hours"},
    "public": {"zh": "公需科目学时", "en": "public hours"},
    "professional": {"zh": "专业科目学时", "en": "professional hours"},
    "floor": {"zh": "下限", "en": "floor"},
    "people": {"zh": "人数", "en": "people"},
    "reasons": {"zh": "最常见的不计入原因", "en": "Most common reasons an activity does not count"},
    "code": {"zh": "代码", "en": "code"},
    "activities": {"zh": "项学习活动", "en": "activities"},
    "message": {"zh": "说明", "en": "message"},
    "no_reasons": {"zh": "所有学习活动均已计入。", "en": "Every activity counts."},
    "shown": {"zh": "显示前", "en": "showing the largest"},
    "of": {"zh": "组，共", "en": "groups of"},
    "kind_record": {"zh": "记录无效", "en": "record"},
    "kind_policy": {"zh": "政策无效", "en": "policy"},
    "kind_policy_not_found": {"zh": "无适用政策", "en": "policy_not_found"},
    "kind_engine": {"zh": "规则引擎", "en": "engine"},
    "kind_log": {"zh": "日志", "en": "log"},
    "resumed": {
        "zh": "续跑：前 {n} 条记录已在中断的运行中完成",
        "en": "resumed: the first {n} records were done by the interrupted run",
    },
}


@dataclass
class GroupCount:
    """The records of one group: complete, incomplete, and with an error."""

    complete: int = 0
    incomplete: int = 0
    errors: int = 0

    @property
    def records(self) -> int:
        """Every record of the group."""
        return self.complete + self.incomplete + self.errors

    @property
    def rate(self) -> float | None:
        """The share of the decided records that are complete (``None`` when none was decided)."""
        decided = self.complete + self.incomplete
        return self.complete / decided if decided else None


def _bin(hours: float) -> int:
    return min(BINS, max(0, int(hours // BIN_WIDTH)))


@dataclass
class BatchSummary:
    """What a batch found, added up record by record.

    Attributes:
        total: complete, incomplete and error counts of the whole batch.
        errors: error records by kind (``read``, ``record``, ``policy_not_found``, ``policy``, ``engine``).
        groups: per dimension (``sector``, then each label name in order of appearance), a count per value.
        public: the histogram of public hours (`BINS` bins of `BIN_WIDTH` hours, then one open bin).
        professional: the same for professional hours.
        floors: the floors of the decisions, per category, with how many decisions had each.
        reasons: every reason code given to an activity, with how many activities got it.
        reason_policies: for each reason code, the ids of the policies that gave it (its message is worded by
            each of them, `message` under the policy that decided).
    """

    total: GroupCount = field(default_factory=GroupCount)
    errors: Counter[str] = field(default_factory=Counter)
    groups: dict[str, dict[str, GroupCount]] = field(default_factory=lambda: {"sector": {}})
    public: list[int] = field(default_factory=lambda: [0] * (BINS + 1))
    professional: list[int] = field(default_factory=lambda: [0] * (BINS + 1))
    floors: dict[str, Counter[float]] = field(default_factory=lambda: {"public": Counter(), "professional": Counter()})
    reasons: Counter[str] = field(default_factory=Counter)
    reason_policies: dict[str, set[str]] = field(default_factory=dict)

    @property
    def read(self) -> int:
        """Every record read: decided and errors."""
        return self.total.records

    @property
    def decided(self) -> int:
        """The records decided."""
        return self.total.complete + self.total.incomplete

    def _counts(self, sector: str | None, labels: dict[str, str]) -> list[GroupCount]:
        found = [self.total]
        for dimension, value in ([("sector", sector)] if sector else []) + list(labels.items()):
            found.append(self.groups.setdefault(dimension, {}).setdefault(value, GroupCount()))
        return found

    def add(self, decision: dict[str, Any], sector: str, labels: dict[str, str]) -> None:
        """Count one decision (as JSON data, see `decision_data`) of a person of ``sector`` with ``labels``."""
        compliant = decision["compliant"]
        for count in self._counts(sector, labels):
            if compliant:
                count.complete += 1
            else:
                count.incomplete += 1
        hours, required = decision["hours"], decision["required"]
        self.public[_bin(hours["public"])] += 1
        self.professional[_bin(hours["professional"])] += 1
        for category in ("public", "professional"):
            floor = required[category]
            if floor:
                self.floors[category][floor] += 1
        policy = decision["policy"]["id"]
        for activity in decision["activities"]:
            self.reasons.update(activity["reasons"])
            for code in activity["reasons"]:
                self.reason_policies.setdefault(code, set()).add(policy)

    def add_error(self, kind: str, sector: str | None, labels: dict[str, str]) -> None:
        """Count one record with an error of ``kind``, in its groups when they could be read."""
        self.errors[kind] += 1
        for count in self._counts(sector, labels):
            count.errors += 1

    def to_json(self) -> dict[str, Any]:
        """The summary so far as JSON data (`from_json` reads it back)."""

        def counts(count: GroupCount) -> list[int]:
            return [count.complete, count.incomplete, count.errors]

        return {
            "total": counts(self.total),
            "errors": dict(self.errors),
            "groups": [
                [name, [[value, counts(c)] for value, c in values.items()]] for name, values in self.groups.items()
            ],
            "public": self.public,
            "professional": self.professional,
            "floors": {category: [[floor, n] for floor, n in seen.items()] for category, seen in self.floors.items()},
            "reasons": dict(self.reasons),
            "reason_policies": {code: sorted(ids) for code, ids in self.reason_policies.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BatchSummary:
        """The summary `to_json` gave.

        Raises:
            ValueError: the data is not a summary's.
        """
        try:
            return cls(
                total=GroupCount(*data["total"]),
                errors=Counter(data["errors"]),
                groups={name: {value: GroupCount(*c) for value, c in values} for name, values in data["groups"]},
                public=list(data["public"]),
                professional=list(data["professional"]),
                floors={category: Counter(dict(map(tuple, seen))) for category, seen in data["floors"].items()},
                reasons=Counter(data["reasons"]),
                reason_policies={code: set(ids) for code, ids in data["reason_policies"].items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a batch summary: {exc}") from exc


def _rate(count: GroupCount) -> str:
    return "—" if count.rate is None else f"{100 * count.rate:.1f}%"


def _top(values: dict[str, GroupCount]) -> list[tuple[str, GroupCount]]:
    return sorted(values.items(), key=lambda item: (-item[1].records, item[0]))[:TOP_GROUPS]


def _dimension(name: str, lang: Language) -> str:
    return _WORDS["sector"][lang] if name == "sector" else name


def _value(dimension: str, value: str, lang: Language) -> str:
    """A group's value as shown: a sector by its glossary name in ``lang`` (`sector_term`), a label's as given."""
    return sector_term(value, lang) if dimension == "sector" else value


def _kind(kind: str, lang: Language) -> str:
    """A kind of batch error (``record``, ``policy``, …) in ``lang``; its code if it has no words."""
    words = _WORDS.get(f"kind_{kind}")
    return kind if words is None else words[lang]


def resumed_line(done: int, lang: Language = "en") -> str:
    """The line that says a batch was resumed after ``done`` records."""
    return _WORDS["resumed"][lang].format(n=done)


def render_text(summary: BatchSummary, lang: Language = "en") -> str:
    """The summary as plain-text tables: the counts, then a table per dimension (its largest groups).

    Group values and label names come from the data: each is passed through `printable`, so that a control
    character in one (``ESC [31m``, a carriage return, a bidirectional override) is shown, not obeyed.
    """

    def w(key: str) -> str:
        return _WORDS[key][lang]

    total = summary.total
    kinds = ("、" if lang == "zh" else ", ").join(
        f"{_kind(kind, lang)} {n}" for kind, n in sorted(summary.errors.items())
    )
    lines = [
        f"{w('read')} {summary.read} = {w('decided')} {summary.decided} + {w('errors')} {total.errors}"
        + (f" ({kinds})" if kinds else ""),
        f"{w('complete')} {total.complete} · {w('incomplete')} {total.incomplete} · {w('rate')} {_rate(total)}",
    ]
    heads = (w("records"), w("complete"), w("incomplete"), w("errors"), w("rate"))
    for dimension, values in summary.groups.items():
        if not values:
            continue
        rows = [(printable(_value(dimension, value, lang)), c) for value, c in _top(values)]
        title = f"{w('by')} {printable(_dimension(dimension, lang))}"
        width = max(_width(title), *(_width(value) for value, _ in rows))
        lines += ["", _pad(title, width) + _cells(heads)]
        lines += [
            _pad(value, width) + _cells((c.records, c.complete, c.incomplete, c.errors, _rate(c))) for value, c in rows
        ]
        if len(values) > len(rows):
            lines.append(f"({w('shown')} {len(rows)} {w('of')} {len(values)})")
    return "\n".join(lines)


def _cells(values: tuple[object, ...]) -> str:
    return "".join(" " * max(0, 12 - _width(str(value))) + str(value) for value in values)


def _width(text: str) -> int:
    """Columns the text takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _message_cell(summary: BatchSummary, code: str, lang: Language, registry: PolicyRegistry | None) -> str:
    """The code's message (HTML) as the policies that gave it word it: one line, or one per wording and policies."""
    wordings: dict[str, list[str]] = {}
    for policy in sorted(summary.reason_policies.get(code, ())):
        try:
            wording = message(code, lang=lang, policy=policy, registry=registry)
        except (KeyError, CePolicyError):
            continue
        wordings.setdefault(wording, []).append(policy)
    if len(wordings) == 1:
        return escape(next(iter(wordings)))
    return "<br>".join(escape(f"{', '.join(ids)}: {wording}") for wording, ids in wordings.items())


def _counts_table(summary: BatchSummary, lang: Language) -> list[str]:
    def w(key: str) -> str:
        return escape(_WORDS[key][lang])

    rows = [(w("read"), summary.read), (w("decided"), summary.decided), (w("complete"), summary.total.complete)]
    rows += [(w("incomplete"), summary.total.incomplete), (w("errors"), summary.total.errors)]
    rows += [(f"{w('errors')}: {escape(_kind(kind, lang))}", n) for kind, n in sorted(summary.errors.items())]
    out = [f"<h2>{w('counts')}</h2><table>"]
    out += [f"<tr><th>{name}</th><td class='num'>{n}</td></tr>" for name, n in rows]
    out.append(f"<tr><th>{w('rate')}</th><td class='num'>{_rate(summary.total)}</td></tr></table>")
    return out


def _group_section(dimension: str, values: dict[str, GroupCount], lang: Language) -> list[str]:
    def w(key: str) -> str:
        return escape(_WORDS[key][lang])

    rows = _top(values)
    bars = [(f"{_value(dimension, value, lang)} (n={c.records})", 100 * (c.rate or 0), _rate(c)) for value, c in rows]
    name = _dimension(dimension, lang)
    out = [f"<h2>{w('rate_by')} {escape(name)}</h2>", bar_chart(bars, f"{_WORDS['rate_by'][lang]} {name}", maximum=100)]
    heads = "".join(f"<th>{w(k)}</th>" for k in ("records", "complete", "incomplete", "errors", "rate"))
    out.append(f"<table><tr><th>{escape(name)}</th>{heads}</tr>")
    for value, c in rows:
        cells = "".join(f"<td class='num'>{v}</td>" for v in (c.records, c.complete, c.incomplete, c.errors, _rate(c)))
        out.append(f"<tr><td>{escape(_value(dimension, value, lang))}</td>{cells}</tr>")
    out.append("</table>")
    if len(values) > len(rows):
        out.append(f"<p class='muted'>{w('shown')} {len(rows)} {w('of')} {len(values)}</p>")
    return out


def _hours_section(summary: BatchSummary, lang: Language) -> list[str]:
    edges = [float(BIN_WIDTH * i) for i in range(BINS + 1)]
    out = [f"<h2>{escape(_WORDS['hours'][lang])}</h2>"]
    for category in ("public", "professional"):
        floors = summary.floors[category].most_common(3)
        lines = [(float(floor), f"{_WORDS['floor'][lang]} {floor:g} (n={n})") for floor, n in floors]
        counts = summary.public if category == "public" else summary.professional
        title = f"{_WORDS[category][lang]} ({_WORDS['people'][lang]})"
        out += [f"<h3>{escape(title)}</h3>", histogram(counts, edges, title, lines=lines)]
    return out


def _reasons_section(summary: BatchSummary, lang: Language, registry: PolicyRegistry | None) -> list[str]:
    def w(key: str) -> str:
        return escape(_WORDS[key][lang])

    out = [f"<h2>{w('reasons')}</h2>"]
    top = summary.reasons.most_common(TOP_REASONS)
    if not top:
        return [*out, f"<p>{w('no_reasons')}</p>"]
    out.append(bar_chart([(code, n, str(n)) for code, n in top], _WORDS["reasons"][lang]))
    out.append(f"<table><tr><th>{w('code')}</th><th>{w('activities')}</th><th>{w('message')}</th></tr>")
    out += [
        f"<tr><td><code>{escape(code)}</code></td><td class='num'>{n}</td>"
        f"<td>{_message_cell(summary, code, lang, registry)}</td></tr>"
        for code, n in top
    ]
    out.append("</table>")
    return out


def render_html(
    summary: BatchSummary, lang: Language = "en", *, source: str = "", registry: PolicyRegistry | None = None
) -> str:
    """The summary as one self-contained HTML page: inline CSS and SVG charts, every text escaped.

    Args:
        summary: the batch's summary.
        lang: ``zh`` or ``en``.
        source: what was evaluated (e.g. the input file), shown under the title.
        registry: where the reason codes' messages are looked up, each under the policy that gave the code
            (default: the process-wide registry).
    """
    body = [f"<h1>{escape(_WORDS['title'][lang])}</h1>"]
    if source:
        body.append(f"<p class='muted'>{escape(source)}</p>")
    body += _counts_table(summary, lang)
    for dimension, values in summary.groups.items():
        if values:
            body += _group_section(dimension, values, lang)
    body += _hours_section(summary, lang)
    body += _reasons_section(summary, lang, registry)
    return page(_WORDS["title"][lang], body, lang)
