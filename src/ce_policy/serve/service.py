"""What every route of the service shares: its settings, policies, decision log, metrics and API keys.

One `Service` per application (per worker process), kept in ``app.state.service``. API keys are compared with
`hmac.compare_digest` against every configured key, so the time taken says nothing about how much of a key
was right; a key is never logged, never echoed in a problem and never kept anywhere but here.
"""

from __future__ import annotations

import hmac
import logging
import os
from dataclasses import dataclass, field

from starlette.requests import Request

from ce_policy.audit.log import DecisionLog
from ce_policy.serve.metrics import Metrics
from ce_policy.serve.problems import Lang, ProblemError, pick_lang
from ce_policy.serve.settings import ServeSettings, read_api_keys
from ce_policy.serve.state import PolicyState

__all__ = ["Service", "lang_of", "require_admin", "require_key", "service_of"]

_log = logging.getLogger("ce_policy.serve")


@dataclass
class Service:
    """The shared parts of one application."""

    settings: ServeSettings
    state: PolicyState
    metrics: Metrics = field(default_factory=Metrics)
    keys: tuple[bytes, ...] = ()
    log: DecisionLog | None = None

    @classmethod
    def build(cls, settings: ServeSettings) -> Service:
        """A service for ``settings``: its keys read, its policies not yet loaded, its log not yet open."""
        return cls(settings=settings, state=PolicyState(settings.policy_dirs), keys=read_api_keys(settings))

    def open_log(self) -> None:
        """Open this process's decision log (one writer per process: `ServeSettings.log_path_for`)."""
        path = self.settings.log_path_for(os.getpid())
        if path is not None and self.log is None:
            self.log = DecisionLog(path)
            _log.info("decision log: %s", path)

    def close_log(self) -> None:
        """Close the decision log, if open."""
        if self.log is not None:
            self.log.close()
            self.log = None

    def key_matches(self, given: bytes) -> bool:
        """Whether ``given`` is one of the keys, compared in constant time with each of them."""
        matched = False
        for key in self.keys:
            matched |= hmac.compare_digest(given, key)
        return matched


def service_of(request: Request) -> Service:
    """The `Service` of the application answering ``request``."""
    service: Service = request.app.state.service
    return service


def lang_of(request: Request) -> Lang:
    """The language of the request's problems: ``?lang=``, else ``Accept-Language``, else the service's."""
    return pick_lang(
        request.query_params.get("lang"), request.headers.get("accept-language"), service_of(request).settings.lang
    )


def _given_key(request: Request) -> bytes | None:
    header = request.headers.get("authorization")
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip().encode("utf-8", "surrogateescape")
    key = request.headers.get("x-api-key")
    return key.strip().encode("utf-8", "surrogateescape") if key else None


def _check(service: Service, request: Request) -> None:
    given = _given_key(request)
    if given is None:
        raise ProblemError(
            "unauthorized",
            (
                "请在 Authorization: Bearer 或 X-API-Key 中提供 API 密钥",
                "send an API key as Authorization: Bearer or X-API-Key",
            ),
            headers={"WWW-Authenticate": 'Bearer realm="ce-policy"'},
        )
    if not service.key_matches(given):
        raise ProblemError("forbidden", ("该 API 密钥不被接受", "the API key given is not accepted"))


async def require_key(request: Request) -> None:
    """A dependency: when API keys are configured, the request must carry one of them (401 none, 403 wrong)."""
    service = service_of(request)
    if service.keys:
        _check(service, request)


async def require_admin(request: Request) -> None:
    """A dependency of admin routes: always a key; with no key configured they are off (403 ``admin_disabled``)."""
    service = service_of(request)
    if not service.keys:
        raise ProblemError(
            "admin_disabled",
            (
                "未配置 API 密钥；可向进程发送 SIGHUP 重新加载",
                "no API key is configured; send the process SIGHUP to reload",
            ),
        )
    _check(service, request)
