"""The HTML charts of the batch and diff reports: every non-empty bin and bar is drawn, and text is escaped."""

from __future__ import annotations

import re

from ce_policy.text.html_charts import bar_chart, histogram


def _heights(svg: str) -> list[int]:
    return [int(h) for h in re.findall(r'<rect x="[^"]*" y="[^"]*" width="[^"]*" height="(\d+)"', svg)]


def test_a_bin_of_a_few_people_beside_a_large_one_is_still_drawn() -> None:
    svg = histogram([4, 10_000, 0], [0, 10, 20, 30], "hours")
    heights = _heights(svg)
    assert heights[0] > 0  # 200 px * 4 / 10,000 rounds to 0
    assert heights[1] == 200
    assert heights[2] == 0


def test_a_small_bar_beside_a_large_one_is_still_drawn() -> None:
    svg = bar_chart([("a", 1, "1"), ("b", 10_000, "10000"), ("c", 0, "0")], "counts")
    widths = [int(w) for w in re.findall(r'<rect x="[^"]*" y="[^"]*" width="(\d+)"', svg)]
    assert widths == [1, 420, 0]


def test_labels_are_escaped() -> None:
    svg = bar_chart([("<script>alert(1)</script>", 1, "&")], "<b>")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
