"""What ``/metrics`` reports, in the Prometheus text format, from a registry of the application's own.

Requests by route (the route's template, never the raw path, so ids cannot explode the label set), method and
status; their latency as histograms by route; decisions by policy and outcome; errors by ce_policy code;
reloads by result and the generation of policies in force. Each worker process counts its own.
"""

from __future__ import annotations

import os
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Metrics", "MetricsMiddleware"]

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The service's metrics, in a `CollectorRegistry` of their own (none are added to the global one)."""

    def __init__(self) -> None:
        """Create every metric, at zero."""
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "ce_policy_http_requests", "HTTP requests answered", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "ce_policy_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response",
            ["route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.decisions = Counter("ce_policy_decisions", "Decisions made", ["policy", "outcome"], registry=self.registry)
        self.errors = Counter(
            "ce_policy_errors", "Problems answered, by ce_policy code", ["code"], registry=self.registry
        )
        self.reloads = Counter("ce_policy_reloads", "Policy reloads", ["result"], registry=self.registry)
        self.generation = Gauge(
            "ce_policy_policies_generation", "The generation of policies in force", registry=self.registry
        )
        info = Gauge("ce_policy_worker", "This worker process", ["pid"], registry=self.registry)
        info.labels(pid=str(os.getpid())).set(1)

    def decided(self, policy: str, compliant: bool) -> None:
        """Count one decision."""
        self.decisions.labels(policy=policy, outcome="complete" if compliant else "incomplete").inc()

    def text(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route's template, once the response has started."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        """Wrap ``app``."""
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, noting its status and time."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(route=template, method=scope["method"], status=str(status)).inc()
            self.metrics.latency.labels(route=template).observe(time.perf_counter() - start)
