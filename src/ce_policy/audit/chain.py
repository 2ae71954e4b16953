"""The decision log's hash chain: how a line is sealed when written, and how a log is followed when replayed.

Each entry carries ``prev``, the SHA-256 of the line before it (`GENESIS` for the first), and ends with
``entry_digest``, the SHA-256 of the line without that member; a "link" is a line that begins with ``{`` and
ends with ``}``, so a fragment of a write cut short never breaks the chain. ``docs/audit.md`` documents it.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "GENESIS",
    "MAX_LINE_BYTES",
    "ChainBreak",
    "ChainBreakCode",
    "ChainCheck",
    "ChainState",
    "is_link",
    "line_digest",
    "seal_matches",
    "sealed",
]

GENESIS = "sha256:" + "0" * 64
"""The ``prev`` of the first entry of a log: there is no line before it."""

MAX_LINE_BYTES = 16 * 1024 * 1024
"""The longest line written or read as an entry; a record of 1,000 activities makes a line of well under 1 MB."""

_SEAL_HEAD = b',"entry_digest":"sha256:'
_SEAL_LENGTH = len(_SEAL_HEAD) + 64 + 2  # the hex digest, then '"}'
ChainBreakCode = Literal["entry_edited", "prev_mismatch", "not_genesis", "chain_dropped"]
ChainState = Literal["intact", "partly_chained", "unchained", "broken", "empty"]


def is_link(line: bytes) -> bool:
    """Whether a line is a link of the chain: it begins with ``{`` and ends with ``}``, and is not too long.

    A fragment of a write cut short is none: the entry after it is chained to the last link before it.
    """
    return len(line) <= MAX_LINE_BYTES and line[:1] == b"{" and line[-1:] == b"}"


def line_digest(line: bytes) -> str:
    """``sha256:`` of a line's bytes as written, without its newline: the ``prev`` of the entry after it."""
    return "sha256:" + hashlib.sha256(line).hexdigest()


def sealed(body: bytes, prev: str) -> bytes:
    """The line of an entry: its JSON ``body`` with ``prev`` added, then ``entry_digest`` of all that."""
    head = body[:-1] + b',"prev":"' + prev.encode("ascii") + b'"'
    return head + _SEAL_HEAD + hashlib.sha256(head + b"}").hexdigest().encode("ascii") + b'"}'


def seal_matches(line: bytes) -> bool:
    """Whether a line ends with its ``entry_digest``: SHA-256 of the line with that last member removed.

    The line must end with ``,"entry_digest":"sha256:<64 hex digits>"}`` exactly as ce_policy writes it;
    the digest covers every byte before that member, and the closing brace.
    """
    tail = line[-_SEAL_LENGTH:]
    if len(line) <= _SEAL_LENGTH or not tail.startswith(_SEAL_HEAD) or not tail.endswith(b'"}'):
        return False
    return hashlib.sha256(line[:-_SEAL_LENGTH] + b"}").hexdigest().encode() == tail[len(_SEAL_HEAD) : -2]


class ChainBreak(BaseModel):
    """A break of the log's hash chain.

    Attributes:
        where: ``file:line`` of the entry where the break shows.
        code: ``entry_edited``, ``prev_mismatch``, ``not_genesis`` or ``chain_dropped`` (``docs/audit.md``).
        previous: ``file:line`` of the line it is chained to, if any.
        message: what the break means.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    where: str
    code: ChainBreakCode
    previous: str | None = None
    message: str


_BREAKS: dict[str, str] = {
    "entry_edited": "the entry was changed after it was written: its entry_digest does not match it",
    "prev_mismatch": "its prev is not the digest of {previous}: that line was edited, or lines inserted, deleted "
    "or reordered",
    "not_genesis": "the first entry does not start the chain: entries before it were deleted, or the log was cut",
    "chain_dropped": "an entry without prev or entry_digest after chained ones: its chain was removed, or it was "
    "inserted",
}


class ChainCheck:
    """The hash chain, followed link by link (`is_link`).

    A chained entry's ``prev`` is the digest of the link before it (`GENESIS` for the first), and its
    ``entry_digest`` matches it.
    """

    def __init__(self) -> None:
        self.previous: tuple[str, str] | None = None
        self.chained = self.unchained = 0
        self.breaks: list[ChainBreak] = []

    def see(self, where: str, raw: bytes, data: dict[str, Any] | None) -> None:
        """Follow one line (``data``: its JSON object if it is one), noting any break it shows."""
        before = self.previous[0] if self.previous else None
        if data is not None and ("prev" in data or "entry_digest" in data):
            self.chained += 1
            if not seal_matches(raw):
                self._break(where, "entry_edited", before)
            if data.get("prev") != (self.previous[1] if self.previous else GENESIS):
                self._break(where, "prev_mismatch" if self.previous else "not_genesis", before)
        elif data is not None and self.chained:
            self._break(where, "chain_dropped", before)
        elif data is not None:
            self.unchained += 1
        if is_link(raw):
            self.previous = (where, line_digest(raw))

    def _break(self, where: str, code: ChainBreakCode, previous: str | None) -> None:
        message = _BREAKS[code].format(previous=previous)
        self.breaks.append(ChainBreak(where=where, code=code, previous=previous, message=message))

    @property
    def state(self) -> ChainState:
        """What the lines seen make of the chain: intact, broken, partly chained, unchained or empty."""
        if self.breaks:
            return "broken"
        if not self.chained:
            return "unchained" if self.unchained else "empty"
        return "partly_chained" if self.unchained else "intact"
