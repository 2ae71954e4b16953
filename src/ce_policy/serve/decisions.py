"""``POST /v1/decisions``, ``/v1/decisions/batch`` and ``/v1/title-reviews``: records in, the library's decisions out.

The body of a decision is exactly ``Decision.model_dump_json()`` (what ``ce-policy evaluate --format json``
prints, without its indentation); with ``?lang=zh|en`` the decision's explanation in words follows as one more
member, ``explanation``. The policy that decided is named in the body (``policy``) and in the headers
``CE-Policy-Id``, ``CE-Policy-Version`` and ``CE-Policy-Digest``; each request decides under the generation
of policies it took when it started (``CE-Policies-Generation``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.title_review import evaluate_title_review
from ce_policy.model.decision import Decision, PolicyInfo, TitleReviewDecision
from ce_policy.model.errors import CePolicyError
from ce_policy.model.json_text import JsonTextError, parse_json
from ce_policy.model.record_files import MAX_LINE_CHARS
from ce_policy.serve.body import JSONL_TYPES, bounded_lines, check_type, read_json, spool_body
from ce_policy.serve.models import ExplainedDecision
from ce_policy.serve.openapi import PROBLEM_RESPONSES, body_of, jsonl_body
from ce_policy.serve.problems import Lang, ProblemError, from_library_error
from ce_policy.serve.service import Service, require_key, service_of
from ce_policy.serve.state import Generation

__all__ = ["DAY", "AsOf", "LangParam", "PolicyId", "day_of", "policy_headers", "router"]

router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)], responses=PROBLEM_RESPONSES, tags=["decisions"])

_DATE = r"^\d{4}-\d{2}-\d{2}$"
_POLICY_ID = r"^[a-z0-9][a-z0-9._-]{0,127}$"
_HEADERS_DOC = {
    name: {"description": text, "schema": {"type": "string"}}
    for name, text in (
        ("CE-Policy-Id", "the id of the policy that decided"),
        ("CE-Policy-Version", "its version"),
        ("CE-Policy-Digest", "its digest (sha256: of every file of every layer in its chain)"),
        ("CE-Policies-Generation", "the generation of policies the request was decided under"),
    )
}


DAY = {"format": "date"}
AsOf = Annotated[
    str | None, Query(max_length=10, description="the date the decision speaks for", json_schema_extra=DAY)
]
PolicyId = Annotated[str | None, Query(pattern=_POLICY_ID, description="decide under this policy id")]
LangParam = Annotated[Lang | None, Query(description="the language of the problems (and of an explanation)")]


def day_of(name: str, text: str | None) -> dt.date | None:
    """A query parameter's date, ``YYYY-MM-DD``; 400 for one that is no calendar day."""
    if text is None:
        return None
    try:
        if not re.fullmatch(_DATE, text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ProblemError(
            "invalid_parameter", (f"{name} 须为 YYYY-MM-DD 形式的日期", f"{name} must be a date written YYYY-MM-DD")
        ) from None


def policy_headers(info: PolicyInfo, generation: Generation) -> dict[str, str]:
    """The headers naming the policy that decided, and the generation it belongs to."""
    return {
        "CE-Policy-Id": info.id,
        "CE-Policy-Version": info.version,
        "CE-Policy-Digest": info.digest,
        "CE-Policies-Generation": str(generation.number),
    }


def _decide(service: Service, generation: Generation, data: Any, options: dict[str, Any]) -> Decision:
    try:
        decision = evaluate(data, registry=generation.registry, log=service.log, **options)
    except CePolicyError as exc:
        raise from_library_error(exc) from None
    service.metrics.decided(decision.policy.id, decision.compliant)
    return decision


@router.post(
    "/decisions",
    summary="Decide one person's year",
    response_model=ExplainedDecision,
    responses={200: {"headers": _HEADERS_DOC, "description": "the decision (with `explanation` when `lang` is given)"}},
    openapi_extra=body_of("Record"),
)
async def decide(
    request: Request,
    as_of: AsOf = None,
    policy: PolicyId = None,
    to_complete: Annotated[bool, Query(description="work out what would complete an incomplete year")] = True,
    lang: Annotated[Lang | None, Query(description="add the explanation in this language; also the problems'")] = None,
) -> Response:
    """One record (JSON) in, its decision out, exactly as ``ce_policy.evaluate`` gives it."""
    service = service_of(request)
    generation = service.state.current()
    settings = service.settings
    data = await read_json(request, settings.max_body_bytes, settings.body_timeout)
    options = {"as_of": day_of("as_of", as_of), "policy": policy, "to_complete": to_complete}
    decision = await run_in_threadpool(_decide, service, generation, data, options)
    body = decision.model_dump_json()
    if lang is not None:
        text = await run_in_threadpool(decision.explain, lang, registry=generation.registry)
        body = f'{body[:-1]},"explanation":{json.dumps(text, ensure_ascii=False)}}}'
    return Response(body, media_type="application/json", headers=policy_headers(decision.policy, generation))


def _error_line(number: int, person: Any, kind: str, message: str, problems: list[dict[str, Any]]) -> bytes:
    shown = person if isinstance(person, str) else None
    line = {"source": {"line": number}, "person": shown, "kind": kind, "message": message, "problems": problems}
    return json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n"


_KINDS = {"invalid_record": "record", "policy_not_found": "policy_not_found", "policy_invalid": "policy"}
"""The ``kind`` of a batch error line (as in ``ce-policy batch``'s error file) for each problem code."""


def _batch_line(
    service: Service, generation: Generation, number: int, raw: bytes | int, options: dict[str, Any]
) -> bytes:
    if isinstance(raw, int):
        message = f"a line of {raw:,} bytes; lines of records are limited to {MAX_LINE_CHARS:,}"
        return _error_line(number, None, "read", message, [{"path": "$", "code": "line_too_long", "message": message}])
    try:
        data = parse_json(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start + 1})"
        return _error_line(number, None, "read", message, [{"path": "$", "code": "invalid_json", "message": message}])
    except JsonTextError as exc:
        return _error_line(
            number, None, "read", exc.message, [{"path": exc.path, "code": exc.code, "message": exc.message}]
        )
    person = (
        data.get("person", {}).get("id") if isinstance(data, dict) and isinstance(data.get("person"), dict) else None
    )
    try:
        decision = evaluate(data, registry=generation.registry, log=service.log, **options)
    except CePolicyError as exc:
        code = getattr(exc, "code", None)
        if isinstance(code, str) and code.startswith("log_"):
            return _error_line(number, person, "log", str(exc), [{"path": "$", "code": code, "message": str(exc)}])
        error = from_library_error(exc)
        service.metrics.errors.labels(code=error.code).inc()
        problems = [item.model_dump(exclude_none=True) for item in error.problems]
        return _error_line(number, person, _KINDS.get(error.code, "engine"), str(exc), problems)
    service.metrics.decided(decision.policy.id, decision.compliant)
    return decision.model_dump_json().encode("utf-8") + b"\n"


def _batch(service: Service, generation: Generation, spool: IO[bytes], options: dict[str, Any]) -> Iterator[bytes]:
    """One output line per record line, in input order; blank lines are skipped."""
    limit = service.settings.max_batch_records
    decided = 0
    try:
        for number, raw in bounded_lines(spool, MAX_LINE_CHARS):
            if isinstance(raw, bytes) and not raw.strip():
                continue
            if decided == limit:
                message = f"a batch holds at most {limit:,} records; line {number} and those after it were not read"
                yield _error_line(
                    number, None, "read", message, [{"path": "$", "code": "too_many_records", "message": message}]
                )
                return
            decided += 1
            yield _batch_line(service, generation, number, raw, options)
    finally:
        spool.close()


@router.post(
    "/decisions/batch",
    summary="Decide many records (JSON Lines in and out, streamed)",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}, "description": "one line per record"}
    },
    openapi_extra=jsonl_body(),
)
async def decide_batch(
    request: Request,
    as_of: AsOf = None,
    policy: PolicyId = None,
    to_complete: Annotated[bool, Query(description="work out what would complete each incomplete year")] = False,
    lang: LangParam = None,
) -> StreamingResponse:
    """JSON Lines of records in; JSON Lines out, in input order: each record's decision, or one error line."""
    service = service_of(request)
    check_type(request, JSONL_TYPES)
    generation = service.state.current()
    options = {"as_of": day_of("as_of", as_of), "policy": policy, "to_complete": to_complete}
    if policy is not None:
        try:
            generation.registry.policy(policy)
        except CePolicyError as exc:
            raise from_library_error(exc) from None
    settings = service.settings
    spool = await spool_body(request, settings.max_batch_bytes, settings.body_timeout)
    lines = _batch(service, generation, spool, options)
    headers = {"CE-Policies-Generation": str(generation.number), "CE-Policies-Digest": generation.digest}
    return StreamingResponse(lines, media_type="application/x-ndjson", headers=headers)


def _review(generation: Generation, data: Any, options: dict[str, Any]) -> TitleReviewDecision:
    try:
        return evaluate_title_review(data, registry=generation.registry, **options)
    except CePolicyError as exc:
        raise from_library_error(exc) from None


@router.post(
    "/title-reviews",
    summary="Decide whether a history allows applying for a title review (六（一）)",
    response_model=TitleReviewDecision,
    responses={200: {"headers": _HEADERS_DOC, "description": "the title-review decision"}},
    openapi_extra=body_of("History"),
)
async def title_review(
    request: Request,
    review_year: Annotated[int, Query(ge=1990, le=2100, description="the year of the title review")],
    applied_on: Annotated[str, Query(max_length=10, description="the application date", json_schema_extra=DAY)],
    policy: PolicyId = None,
    lang: LangParam = None,
) -> Response:
    """A history (JSON) in, the `TitleReviewDecision` out, exactly as ``ce_policy.evaluate_title_review`` gives it."""
    service = service_of(request)
    generation = service.state.current()
    settings = service.settings
    data = await read_json(request, settings.max_body_bytes, settings.body_timeout)
    options = {"review_year": review_year, "applied_on": day_of("applied_on", applied_on), "policy": policy}
    decision = await run_in_threadpool(_review, generation, data, options)
    return Response(
        decision.model_dump_json(), media_type="application/json", headers=policy_headers(decision.policy, generation)
    )
