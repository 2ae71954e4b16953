"""uvicorn's HTTP/1.1 protocol with a deadline on the request's head: a slow client gets 408, then the door.

uvicorn (on h11) waits for a request's headers without limit: a client that opens connections and sends its
headers a byte at a time holds each one as long as it likes (the "slowloris" attack), and the application,
which only sees complete heads, cannot time it out. `HeaderDeadline` arms a timer whenever a connection waits
for a request's head (when it opens, and after each response) and disarms it once a head is complete; if it
fires, the connection gets ``408 Request Timeout`` as a problem (``request_timeout``) and is closed. The body
has its own deadline (`ce_policy.serve.body`); uvicorn's keep-alive timeout still closes idle connections first.
"""

from __future__ import annotations

import asyncio
import json

from uvicorn.protocols.http.h11_impl import H11Protocol

from ce_policy.serve.settings import ServeSettings

__all__ = ["HeaderDeadline", "configure"]

_TITLES = {
    "zh": ("请求发送超时", "请求头未在 {} 秒内收齐"),
    "en": ("Request too slow", "the request head was not received within {} s"),
}


class HeaderDeadline(H11Protocol):
    """`H11Protocol` that answers 408 and closes a connection whose request head takes longer than ``timeout``."""

    timeout = 10.0
    lang = "zh"
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Open the connection and start waiting for a head."""
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the deadline."""
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        """Read what came; once a request's head is complete, its deadline is over."""
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm()

    def on_response_complete(self) -> None:
        """After a response, wait for the next head (unless one already came, pipelined)."""
        super().on_response_complete()
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete):
            return
        title, detail = _TITLES["zh" if self.lang == "zh" else "en"]
        problem = {
            "type": "urn:ce-policy:problem:request_timeout",
            "title": title,
            "status": 408,
            "detail": detail.format(f"{self.timeout:g}"),
            "code": "request_timeout",
            "lang": self.lang,
        }
        body = json.dumps(problem, ensure_ascii=False).encode("utf-8")
        head = (
            "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\nconnection: close\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        self.transport.close()


def configure(settings: ServeSettings) -> None:
    """Give `HeaderDeadline` this process's deadline (the body's, `ServeSettings.body_timeout`) and language."""
    HeaderDeadline.timeout = settings.body_timeout
    HeaderDeadline.lang = settings.lang
