"""Request bodies read within bounds: the content type checked first, the size counted while reading, a deadline.

A body over the limit is refused (413) as soon as its ``Content-Length`` says so, or, sent in chunks, as soon
as the bytes read pass the limit: it is never read whole first. A client that sends its body too slowly gets
408 when `ServeSettings.body_timeout` runs out. JSON is read by ce_policy's strict reader (duplicate keys and
nesting deeper than 32 levels refused, numbers read exactly), so the record a service decides is the one
``ce_policy.evaluate`` would read from the same text.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from starlette.requests import Request

from ce_policy.model.errors import RecordProblem
from ce_policy.model.json_text import JsonTextError, parse_json
from ce_policy.serve.problems import ProblemError, record_items

__all__ = ["JSONL_TYPES", "JSON_TYPES", "bounded_lines", "check_type", "read_body", "read_json", "spool_body"]

JSON_TYPES = ("application/json",)
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")
_SPOOL_IN_MEMORY = 2**20


def check_type(request: Request, accepted: tuple[str, ...]) -> None:
    """Refuse (415) a body whose ``Content-Type`` is none of ``accepted`` (a ``charset`` other than UTF-8 too)."""
    given = request.headers.get("content-type", "")
    media, _, params = given.partition(";")
    charset = params.strip().lower().removeprefix("charset=").strip('"') if "charset=" in params.lower() else "utf-8"
    if media.strip().lower() not in accepted or charset not in ("utf-8", "utf8"):
        wanted = " or ".join(accepted)
        shown = given[:100] or "none"
        raise ProblemError(
            "unsupported_media_type",
            (f"请求体须为 {wanted}（UTF-8），而不是 {shown}", f"the body must be {wanted} (UTF-8), not {shown}"),
            headers={"Accept-Post": ", ".join(accepted)},
        )


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        "body_too_large", (f"请求体超过 {limit:,} 字节的上限", f"the body is over the limit of {limit:,} bytes")
    )


def _declared_length(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise _too_large(limit)


async def _chunks(request: Request, timeout: float) -> Any:
    """The body's chunks, as they come, refused with 408 once ``timeout`` seconds have passed in all."""
    stream = request.stream().__aiter__()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        left = deadline - loop.time()
        try:
            if left <= 0:
                raise TimeoutError
            chunk = await asyncio.wait_for(stream.__anext__(), left)
        except StopAsyncIteration:
            return
        except TimeoutError:
            message = f"the body was not received within {timeout:g} s"
            raise ProblemError("request_timeout", (f"请求体未在 {timeout:g} 秒内收齐", message)) from None
        yield chunk


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The whole body, at most ``limit`` bytes (413 beyond, counted while reading), within ``timeout`` (408)."""
    _declared_length(request, limit)
    parts: list[bytes] = []
    size = 0
    async for chunk in _chunks(request, timeout):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


async def spool_body(request: Request, limit: int, timeout: float) -> IO[bytes]:
    """The body in a temporary file (in memory up to 1 MiB, then on disk), rewound; 413 beyond ``limit``."""
    _declared_length(request, limit)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115 - handed to the caller
    size = 0
    try:
        async for chunk in _chunks(request, timeout):
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def _invalid(code: str, message: str, path: str = "$") -> ProblemError:
    items = record_items([RecordProblem(path, code, message)])
    return ProblemError("invalid_record", ("请求体不是有效的 JSON 记录", "the body is not a valid JSON record"), items)


def decode_json(data: bytes) -> Any:
    """The JSON value of ``data`` (UTF-8, a BOM allowed), read strictly; 422 with the problem's code otherwise."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _invalid("invalid_json", f"not UTF-8 text (byte {exc.start + 1}); JSON is exchanged as UTF-8") from None
    if not text.strip():
        raise _invalid("invalid_json", "the body is empty: expected a JSON object")
    try:
        return parse_json(text)
    except JsonTextError as exc:
        raise _invalid(exc.code, exc.message, exc.path) from None


async def read_json(request: Request, limit: int, timeout: float) -> Any:
    """The request's JSON body: content type (415), size (413), time (408) and JSON (422) checked in that order."""
    check_type(request, JSON_TYPES)
    return decode_json(await read_body(request, limit, timeout))


def bounded_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | int]]:
    """Each line of ``stream`` with its 1-based number: its bytes, or for a line over ``limit``, its length (unread)."""
    number = 0
    while True:
        piece = stream.readline(limit + 1)
        if not piece:
            return
        number += 1
        if len(piece) <= limit or piece.endswith(b"\n"):
            yield number, piece
            continue
        length = len(piece)
        while piece and not piece.endswith(b"\n"):
            piece = stream.readline(2**16)
            length += len(piece)
        yield number, length
