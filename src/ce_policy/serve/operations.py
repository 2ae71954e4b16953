"""``/healthz``, ``/readyz``, ``/metrics`` and ``POST /v1/admin/reload``: running the service.

``/healthz`` answers while the process does; ``/readyz`` only once policies are loaded and compiled (503
before), naming the generation in force. A reload (this route, behind an API key, or SIGHUP) loads the policy
folders anew and swaps them in only if everything loads and compiles; otherwise it answers 409 with every
problem, and the previous policies stay in force. With several workers, SIGHUP goes to the supervisor
(uvicorn's), which replaces the workers one at a time, each new one loading the policies before it takes the
old one's place (a new one that cannot load them is stopped, and the old ones stay); the admin route checks
the folders in the worker that answers, then asks the supervisor to do the same.
"""

from __future__ import annotations

import os
import signal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from ce_policy.serve.decisions import LangParam
from ce_policy.serve.models import Health, Readiness, ReloadResult
from ce_policy.serve.openapi import PROBLEM_RESPONSES
from ce_policy.serve.problems import ProblemError
from ce_policy.serve.service import Service, require_admin, service_of
from ce_policy.serve.state import Generation

__all__ = ["reload_now", "router"]

router = APIRouter(tags=["operations"])


def _readiness(generation: Generation) -> Readiness:
    count = sum(p.evaluable for p in generation.registry.policies())
    return Readiness(
        status="ready",
        generation=generation.number,
        policies_digest=generation.digest,
        loaded_at=generation.loaded_at,
        policies=count,
    )


def reload_now(service: Service) -> Generation:
    """Reload the policies (raises `ProblemError` ``reload_failed`` and keeps the old ones if they fail)."""
    try:
        generation = service.state.reload()
    except ProblemError:
        service.metrics.reloads.labels(result="failed").inc()
        raise
    service.metrics.reloads.labels(result="ok").inc()
    service.metrics.generation.set(generation.number)
    return generation


@router.get("/healthz", summary="The process answers", response_model=Health)
async def healthz() -> Health:
    """Always ``{"status": "ok"}`` while the process runs."""
    return Health(status="ok")


@router.get(
    "/readyz", summary="Policies loaded and compiled", response_model=Readiness, responses={503: PROBLEM_RESPONSES[503]}
)
async def readyz(request: Request) -> Readiness:
    """The generation of policies in force; 503 until the first is loaded."""
    return _readiness(service_of(request).state.current())


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}, "description": "metrics"}},
)
async def metrics(request: Request) -> Response:
    """Requests by route and status, latency histograms, decisions by policy and outcome, errors by code."""
    return Response(service_of(request).metrics.text(), media_type=CONTENT_TYPE_LATEST)


@router.post(
    "/v1/admin/reload",
    summary="Load the policy folders anew and swap them in",
    response_model=ReloadResult,
    dependencies=[Depends(require_admin)],
    responses=PROBLEM_RESPONSES,
)
async def reload(request: Request, lang: LangParam = None) -> ReloadResult:
    """Reload; 409 with every problem (and the old policies kept) when a folder does not load or compile."""
    service = service_of(request)
    generation = await run_in_threadpool(reload_now, service)
    replaced = service.settings.workers > 1
    if replaced:  # the others follow: uvicorn's supervisor replaces each worker once its successor is ready
        os.kill(os.getppid(), signal.SIGHUP)
    return ReloadResult(**_readiness(generation).model_dump(), workers_replaced=replaced)
