"""The HTTP service of ``ce-policy serve``: the rule sets behind a versioned JSON API (docs/service.md).

Here are the application factory, its routes (decisions, title reviews, policies, schemas, health, metrics,
reload), bounded body reading, RFC 9457 problems, the reloadable policy state and the uvicorn runner. May
import every package but ``cli/``, which imports it only when ``ce-policy serve`` runs. The only package that
imports ``fastapi``, ``starlette``, ``uvicorn`` and ``prometheus_client`` (the ``server`` extra); internal,
with no public name in ``ce_policy``.
"""
