"""The OpenAPI 3.1 document, derived from the models: FastAPI's, plus the request bodies and the problem schema.

The decision routes read their bodies themselves (to bound them while reading), so FastAPI does not see the
record and the history as body parameters; their schemas are added here from `ce_policy.record_schema`, the
same schema ``ce-policy schema record|history`` prints (each kind of activity with the fields it needs), under
``RecordIn`` and ``HistoryIn`` (their parts as ``RecordIn.Activity``, …). Every error response is documented as
``application/problem+json`` with the `Problem` schema.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ce_policy.policy.schema import record_schema
from ce_policy.serve.problems import PROBLEM_JSON, Problem

__all__ = ["PROBLEM_RESPONSES", "body_of", "install_openapi", "jsonl_body"]

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_STATUSES = {
    400: "a query parameter is invalid",
    401: "API keys are configured and none was sent",
    403: "the API key is not accepted",
    404: "no such policy (or no policy covers the record's region and year)",
    408: "the request (its head or its body) was not sent within the time allowed",
    409: "a reload failed; the previous policies stay in force",
    413: "the body is over the limit (refused while reading)",
    415: "the body is not of the content type the route reads",
    422: "the record is invalid: every problem with its JSON path",
    500: "an internal error: a problem with an error id, never a stack trace",
    503: "the policies are not loaded yet, or the decision could not be logged",
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}}}
    for status, text in _STATUSES.items()
}


def body_of(name: str) -> dict[str, Any]:
    """The ``openapi_extra`` of a route whose JSON body is the library's ``Record`` or ``History``."""
    ref = {"$ref": f"#/components/schemas/{name}In"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def jsonl_body() -> dict[str, Any]:
    """The ``openapi_extra`` of the batch route: JSON Lines, one ``RecordIn`` a line."""
    schema = {"type": "string", "description": "JSON Lines: one record (RecordIn) a line"}
    return {"requestBody": {"required": True, "content": {"application/x-ndjson": {"schema": schema}}}}


def _components(which: str, prefix: str) -> dict[str, Any]:
    """The schema of ``which`` with its ``$defs`` as components named ``<prefix>.<name>``."""
    text = json.dumps(record_schema(which))  # type: ignore[arg-type]
    text = text.replace('"#/$defs/', f'"#/components/schemas/{prefix}.')
    schema = json.loads(text)
    parts = {f"{prefix}.{name}": part for name, part in schema.pop("$defs", {}).items()}
    return {prefix: schema, **parts}


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` give FastAPI's document with the bodies' and the problem's schemas added."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            openapi_version="3.1.0",
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(_components("record", "RecordIn"))
        schemas.update(_components("history", "HistoryIn"))
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
