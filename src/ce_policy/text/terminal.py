r"""Text from records made safe to print on a terminal.

Identifiers, labels and file names come from the caller's data. Printed as they are, a control character in
them reaches the terminal: ``ESC [31m`` recolours it, an OSC sequence retitles the window, a carriage return
overwrites the line before it, a bidirectional override reorders what the reader sees. :func:`printable`
writes every such character as an escape (``\x1b``, ``\r``, ``\u202e``), so a view shows what the data holds
and the terminal obeys none of it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["printable"]

# C0 and C1 controls, DEL, and the format characters that reorder or hide text (bidirectional embeddings,
# overrides and isolates, zero-width joiners and marks, the byte-order mark, line and paragraph separators).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


@lru_cache(maxsize=256)
def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def _replace(match: re.Match[str]) -> str:
    return _escape(match.group(0))


def printable(text: str) -> str:
    """``text`` with every control and reordering character written as a visible escape.

    Plain text, Chinese included, is returned unchanged; other format characters (category ``Cf``) are
    escaped too.
    """
    if _UNSAFE.search(text) is None and text.isprintable():
        return text
    escaped = _UNSAFE.sub(_replace, text)
    if escaped.isprintable():
        return escaped
    return "".join(
        _escape(char) if unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"} else char
        for char in escaped
    )
