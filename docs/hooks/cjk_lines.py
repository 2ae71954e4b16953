"""A mkdocs hook: in the Chinese pages, a line break between two Chinese characters is no space.

Markdown turns the line break inside a paragraph into a space, and some browsers (Chrome among them) show it
between two Chinese characters, where Chinese has none. The Chinese pages are written in source lines of at
most 120 characters, so before they are rendered each such break is joined: a line ending in a Chinese
character or punctuation mark, followed by a line of the same paragraph starting with one. Fenced code
blocks, tables, headings, list items and HTML comments are left as they are.
"""

from __future__ import annotations

import re
from typing import Any

CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
ENDS_CJK = re.compile(f"[{CJK}]$")
STARTS_CJK = re.compile(f"^\\s*[{CJK}]")
BLOCK_START = re.compile(r"^\s*(#|\||[-*+] |\d+\. |>|<!--|```|!!!|\?\?\?)")
FENCE = re.compile(r"^\s*```")


def join_cjk_lines(markdown: str) -> str:
    """The markdown with each line break between two Chinese characters of one paragraph removed."""
    out: list[str] = []
    in_fence = False
    for line in markdown.split("\n"):
        if FENCE.match(line):
            in_fence = not in_fence
            out.append(line)
            continue
        previous = out[-1] if out else ""
        joinable = (
            not in_fence
            and out
            and ENDS_CJK.search(previous)
            and STARTS_CJK.match(line)
            and not BLOCK_START.match(line)
            and not previous.lstrip().startswith(("|", "#", "<!--"))
        )
        if joinable:
            out[-1] = previous + line.lstrip()
        else:
            out.append(line)
    return "\n".join(out)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Join the Chinese line breaks of a Chinese page (``*.zh.md``); other pages pass through."""
    return join_cjk_lines(markdown) if str(page.file.src_uri).endswith(".zh.md") else markdown
