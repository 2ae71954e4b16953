"""The application factory of ``ce-policy serve``: a FastAPI app on the library, its errors as problems.

`create_app` builds one application from `ServeSettings`: the routes (decisions, policies, operations), the
metrics middleware, and handlers that turn every error into an RFC 9457 problem — ce_policy's own errors with
their codes and JSON paths, invalid query parameters (400), unknown routes (404), and anything unexpected
(500, with an error id that the server's log carries beside the traceback: no stack trace reaches a client).
Starting the app loads and compiles the policies and opens the decision log; SIGHUP reloads the policies.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ce_policy._version import __version__
from ce_policy.serve import decisions, operations, policies
from ce_policy.serve.metrics import MetricsMiddleware
from ce_policy.serve.openapi import install_openapi
from ce_policy.serve.problems import PROBLEM_JSON, ProblemError, ProblemItem
from ce_policy.serve.protocol import configure
from ce_policy.serve.service import Service, lang_of, service_of
from ce_policy.serve.settings import SETTINGS_ENV, ServeSettings
from ce_policy.serve.state import Generation

__all__ = ["create_app", "create_app_from_env"]

_log = logging.getLogger("ce_policy.serve")

_DESCRIPTION = (
    "Continuing-education decisions (专业技术人员继续教育) under versioned, declarative policies. "
    "Every body is the library's JSON; every error is an RFC 9457 problem with ce_policy's codes."
)


def _respond(request: Request, error: ProblemError, error_id: str | None = None) -> JSONResponse:
    service = service_of(request)
    service.metrics.errors.labels(code=error.code).inc()
    problem = error.problem(lang_of(request), instance=request.url.path, error_id=error_id)
    body = problem.model_dump(mode="json", exclude_none=True)
    return JSONResponse(body, status_code=error.status, media_type=PROBLEM_JSON, headers=error.headers)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)  # noqa: S101 - registered for this class only
    return _respond(request, exc)


async def _on_invalid_parameter(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this class only
    items = tuple(
        ProblemItem(
            code="invalid_parameter",
            message=str(error.get("msg", ""))[:300],
            path=".".join(map(str, error.get("loc", ()))),
        )
        for error in list(exc.errors())[:20]
    )
    shown = ", ".join(item.path or "" for item in items)
    error = ProblemError(
        "invalid_parameter", (f"请求参数无效：{shown}", f"invalid request parameter(s): {shown}"), items
    )
    return _respond(request, error)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for this class only
    path = request.url.path[:200]
    if exc.status_code == 405:
        error = ProblemError(
            "method_not_allowed", (f"{path} 不接受 {request.method}", f"{path} does not take {request.method}")
        )
        error.headers = dict(exc.headers or {})
    elif exc.status_code == 404:
        error = ProblemError("not_found", (f"没有 {path} 这一接口", f"no route {path}"))
    else:
        error = ProblemError("invalid_parameter", (str(exc.detail), str(exc.detail)), status=exc.status_code)
    return _respond(request, error)


async def _on_anything(request: Request, exc: Exception) -> JSONResponse:
    error_id = uuid.uuid4().hex
    _log.error("internal error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
    error = ProblemError("internal_error", (f"内部错误，编号 {error_id}", f"internal error, id {error_id}"))
    return _respond(request, error, error_id)


def _on_hangup(service: Service) -> None:
    """SIGHUP: reload in a thread; a failure is logged and the old policies stay."""

    def reload() -> None:
        try:
            operations.reload_now(service)
        except ProblemError as exc:
            _log.error(
                "SIGHUP reload failed: %s",
                "; ".join(f"{p.file}:{p.line}: {p.message} [{p.code}]" for p in exc.problems),
            )

    asyncio.get_running_loop().run_in_executor(None, reload)


def create_app(settings: ServeSettings, *, generation: Generation | None = None) -> FastAPI:
    """The service's application for ``settings``.

    Args:
        settings: policy folders, log, limits and keys.
        generation: policies already loaded and compiled (by ``ce-policy serve`` before it starts); by default
            they are loaded when the application starts.

    Raises:
        ValueError: an API key cannot be read or is too short.
    """
    service = Service.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if generation is not None:
            service.state.install(generation)
        else:
            await run_in_threadpool(operations.reload_now, service)
        service.metrics.generation.set(service.state.current().number)
        service.open_log()
        loop = asyncio.get_running_loop()
        with suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, _on_hangup, service)
        try:
            yield
        finally:
            with suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
                loop.remove_signal_handler(signal.SIGHUP)
            service.close_log()

    app = FastAPI(
        title="ce-policy",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.service = service
    app.include_router(decisions.router)
    app.include_router(policies.router)
    app.include_router(operations.router)
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_invalid_parameter)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(Exception, _on_anything)
    app.add_middleware(MetricsMiddleware, metrics=service.metrics)
    install_openapi(app)
    return app


def create_app_from_env() -> FastAPI:
    """The application of a worker process: the settings from `SETTINGS_ENV` (set by ``ce-policy serve``)."""
    import os  # noqa: PLC0415 - only worker processes read it

    data: dict[str, Any] = json.loads(os.environ[SETTINGS_ENV])
    settings = ServeSettings.model_validate(data)
    configure(settings)  # this worker's connections: the head's deadline
    return create_app(settings)
