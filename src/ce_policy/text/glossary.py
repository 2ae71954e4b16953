"""One glossary of the terms the views show: activity kinds and the values of their fields, in zh and en.

The Chinese terms are the notice's own where it names the thing (阿地人社传〔2025〕12号 二（1）–（10）) and those of
新人社规〔2022〕9号 otherwise. A value a policy layer adds (``activity_values:``) that is not here is shown as its
code: a layer's words are its own.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["kind_term", "value_term"]

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


def kind_term(kind: str, lang: Language) -> str:
    """The name of an activity kind in ``lang``; its code if the glossary has none."""
    names = _KINDS.get(kind)
    return kind if names is None else names[0 if lang == "zh" else 1]


def value_term(field: str, value: str, lang: Language) -> str:
    """The name of a field's value in ``lang`` (``organiser_level: national`` → 国家级); its code if none."""
    names = _VALUES.get(field, {}).get(value)
    return value if names is None else names[0 if lang == "zh" else 1]
