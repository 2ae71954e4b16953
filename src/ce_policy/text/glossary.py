"""One glossary of the terms the views show: activity kinds and the values of their fields, in zh and en.

The Chinese terms are the notice's own where it names the thing (阿地人社传〔2025〕12号 二（1）–（10）) and those of
新人社规〔2022〕9号 otherwise. A value a policy layer adds (``activity_values:``) that is not here is shown as its
code: a layer's words are its own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ce_policy.policy.loaded import Policy

__all__ = ["calendar_term", "clause_text", "in_language", "kind_term", "policy_sector", "sector_term", "value_term"]

Language = Literal["zh", "en"]

_KINDS: dict[str, tuple[str, str]] = {
    "public_course": ("公需科目课程", "public-subject course"),
    "training": ("继续教育培训", "training"),
    "advanced_seminar": ("高级研修、进修项目", "advanced seminar"),
    "practice": ("继续教育实践活动", "practice"),
    "lecture": ("宣讲、授课或参加讲座", "lecture"),
    "degree_study": ("学历（学位）教育", "degree study"),
    "patent": ("发明专利", "patent"),
    "research_project": ("研究课题、科研项目", "research project"),
    "publication": ("学术论文、著作", "publication"),
    "qualification_exam": ("职业资格考试", "qualification exam"),
    "other_recognised": ("认可的其他继续教育形式", "other recognised study"),
    "cme_project": ("继续医学教育项目", "CME project"),
    "self_study": ("自学", "self-study"),
}

_VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "organiser_level": {
        "national": ("国家级", "national"),
        "region": ("自治区级", "region"),
        "prefecture": ("地区级", "prefecture"),
        "county": ("县级", "county"),
        "unit": ("单位", "unit"),
    },
    "project_level": {"national": ("国家级", "national"), "region": ("自治区级", "region")},
    "role": {"lecturer": ("授课人", "lecturer"), "attendee": ("参加者", "attendee")},
    "degree_level": {
        "associate": ("专科", "associate"),
        "bachelor": ("本科", "bachelor"),
        "master": ("硕士", "master"),
        "doctor": ("博士", "doctor"),
        "party_school_associate": ("党校专科", "party school associate"),
        "party_school_bachelor": ("党校本科", "party school bachelor"),
        "party_school_postgraduate": ("党校研究生", "party school postgraduate"),
    },
    "patent_type": {
        "invention": ("发明专利", "invention"),
        "utility_model": ("实用新型", "utility model"),
        "design": ("外观设计", "design"),
    },
    "publication_type": {"paper": ("论文", "paper"), "book": ("著作", "book"), "translation": ("译著", "translation")},
    "journal": {
        "cn": ("有国内统一连续出版物号的期刊", "CN journal"),
        "sector_recognised": ("行业主管部门认定的期刊", "sector-recognised journal"),
        "other": ("其他期刊", "other journal"),
    },
    "approval": {
        "pending": ("待认定", "pending"),
        "approved": ("已认定", "approved"),
        "rejected": ("未认定", "rejected"),
    },
}


_SECTORS: dict[str, tuple[str, str]] = {
    "general": ("一般（不分行业）", "general"),
    "education": ("教育", "education"),
    "health": ("卫生健康", "health"),
    "accounting": ("会计", "accounting"),
}
"""The sectors of the shipped layers (新人社规〔2022〕9号 names them by their competent departments)."""

_CALENDAR: dict[str, tuple[str, str]] = {
    "entry": ("日历条目", "calendar"),
    "years": ("{years} 年度", "{years}"),
    "study": ("学习期", "study"),
    "make_up": ("补学期", "make_up"),
    "decide_on": ("认定日", "decide_on"),
}
"""The words of a calendar entry (``calendar:`` of a layer): the periods it sets for the years it names."""

_CJK = re.compile(r"[\u3400-\u9fff\uff08-\uff1f]")
_ENGLISH_NOTE = re.compile(r"(?<=[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e])\s*(?=[A-Z][a-z]+(?:[ ,:;]+[A-Za-z]+){2})")
_BOTH = re.compile(r"（(?P<zh>[^（）/]*[\u3400-\u9fff][^（）/]*) / (?P<en>[^（）\u3400-\u9fff]+)）")


def kind_term(kind: str, lang: Language) -> str:
    """The name of an activity kind in ``lang``; its code if the glossary has none."""
    names = _KINDS.get(kind)
    return kind if names is None else names[0 if lang == "zh" else 1]


def value_term(field: str, value: str, lang: Language) -> str:
    """The name of a field's value in ``lang`` (``organiser_level: national`` → 国家级); its code if none."""
    names = _VALUES.get(field, {}).get(value)
    return value if names is None else names[0 if lang == "zh" else 1]


def sector_term(sector: str, lang: Language, names: tuple[str, str] | None = None) -> str:
    """The name of a sector in ``lang``: the layer's own ``sector_name`` (``names``), the glossary's, or its code."""
    found = names or _SECTORS.get(sector)
    return sector if found is None else found[0 if lang == "zh" else 1]


def policy_sector(policy: Policy, lang: Language) -> str | None:
    """The sector of ``policy`` as the views name it in ``lang`` (`sector_term`); ``None`` for a general policy."""
    top = policy.top
    return None if top.sector is None else sector_term(top.sector, lang, top.sector_name)


def calendar_term(years: tuple[int, ...], given: list[str], cite: str, lang: Language) -> str:
    """A calendar entry as a view shows it: its years (``*``: every year), the periods it sets, and its clause."""
    i = 0 if lang == "zh" else 1
    joiner = "、" if lang == "zh" else ", "
    shown_years = _CALENDAR["years"][i].format(years=joiner.join(map(str, years))) if years else "*"
    periods = joiner.join(_CALENDAR.get(name, (name, name))[i] for name in given)
    return f"{_CALENDAR['entry'][i]} {shown_years}{'：' if lang == 'zh' else ': '}{periods} ({cite})"


def in_language(text: str, lang: Language) -> str:
    """Data written in both languages, ``中文 / English``, as one of them: the half in ``lang``.

    A description (``学历（学位）教育每年认定学时 / hours a year for degree study``) is split at the first `` / ``
    with Chinese before it and an English word right after it (the English may quote a Chinese term); a note
    in brackets, ``（中文 / English）``, keeps its half in the brackets. Text in one language is kept as it is.
    """
    text = _BOTH.sub(lambda m: f"（{m['zh'].strip()}）" if lang == "zh" else f" ({m['en'].strip()})", text)
    at = text.find(" / ")
    while at != -1:
        before, after = text[:at], text[at + 3 :]
        if _CJK.search(before) and after[:1].isascii() and after[:1].isalpha():
            return before.strip() if lang == "zh" else after.strip()
        at = text.find(" / ", at + 3)
    return text


def clause_text(text: str, lang: Language) -> str:
    """A clause's text as a view quotes it in ``lang``: the law's Chinese, with the register's notes in ``lang``.

    A note in both languages in brackets keeps its half in ``lang`` (`in_language`); an English summary the
    register adds after the Chinese (``…细则》。 Summary from secondary sources: …``) is left out in Chinese.
    """
    text = _BOTH.sub(lambda m: f"（{m['zh'].strip()}）" if lang == "zh" else f" ({m['en'].strip()})", text)
    if lang == "zh":
        note = _ENGLISH_NOTE.search(text)
        if note is not None:
            return text[: note.start()].rstrip()
    return text
