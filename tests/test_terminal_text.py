"""Text views never pass a control character from the data to the terminal (issue 16, item 14)."""

from __future__ import annotations

from typing import Literal

import pytest

import ce_policy
from ce_policy.policy.registry import default_registry
from ce_policy.text.render import render_decision
from ce_policy.text.terminal import printable

from .records import activity, record

HOSTILE = [
    "\x1b[31mred",  # SGR: recolours the terminal
    "\x1b]0;owned\x07",  # OSC: sets the window title
    "a\rb",  # carriage return: overwrites the line
    "a\nb",  # a new line inside one value
    "\u202eevil",  # right-to-left override
    "x\u200by",  # zero-width space
    "\x9b31m",  # C1 CSI
]


@pytest.mark.parametrize("text", HOSTILE)
def test_printable_escapes_every_control_and_reordering_character(text: str) -> None:
    shown = printable(text)
    assert shown.isprintable()
    assert "\\" in shown


@pytest.mark.parametrize("text", ["p-0001", "张三 老师", "Ünïcödé 𝔘", ""])
def test_printable_leaves_plain_text_alone(text: str) -> None:
    assert printable(text) == text


@pytest.mark.parametrize("text", [text for text in HOSTILE if not any(c.isspace() for c in text)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_text_view_and_the_explanation_escape_ids(text: str, lang: Literal["zh", "en"]) -> None:
    data = record(activity(f"a{text}", "public_course", 30), activity("pro", "training", 60), pid=f"p{text}")
    decision = ce_policy.evaluate(data)
    policy = default_registry().policy(decision.policy.id)
    for view in (render_decision(decision, policy, lang), decision.explain(lang)):
        assert all(line.isprintable() for line in view.split("\n")), view
        assert printable(f"p{text}") in view or printable(f"a{text}") in view


@pytest.mark.parametrize("text", ["a\rb", "a\nb"])
def test_an_id_holding_a_line_break_is_refused(text: str) -> None:
    with pytest.raises(ce_policy.RecordError) as caught:
        ce_policy.evaluate(record(activity("pub", "public_course", 30), pid=f"p{text}"))
    assert [p.path for p in caught.value.problems] == ["$.person.id"]
