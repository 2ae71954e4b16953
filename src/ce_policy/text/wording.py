"""A code's wording in Chinese and English: in general, and by the forms its English message takes."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Words"]


class Words(NamedTuple):
    """A code's wording: in general (``zh``, ``en``), and the forms of its message (English, Chinese template).

    A form's English template has named fields (``{name}``) that `ce_policy.text.problem_text` reads back out
    of a message; its Chinese template says the same with those fields. ``{param: name}``, with a colon, is
    text, not a field.
    """

    zh: str
    en: str
    forms: tuple[tuple[str, str], ...] = ()
