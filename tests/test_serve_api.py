"""The whole API, driven by schemathesis from the OpenAPI document the running server publishes.

Every operation gets generated requests (query parameters, bodies from ``RecordIn`` and ``HistoryIn``, the
schema of `ce-policy schema record|history`); no response may be a 5xx, and every response must match its
documented status, content type and schema. Bounded: at most 25 cases an operation, about 300 in all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from ce_policy.serve.app import create_app
from ce_policy.serve.settings import ServeSettings
from tests.serve_support import Server


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("serve-api")
    running = Server(["--log", str(work / "decisions.jsonl"), "--body-timeout", "5"], work)
    yield running
    running.stop()


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
"""What the issue asks of every response; a request the schema allows may still be refused (422: a record's
rules go beyond any JSON Schema, e.g. two activities with one id), so ``positive_data_acceptance`` is not run."""


@schemathesis.serializer("application/x-ndjson")
def _json_lines(context: object, value: object) -> bytes:
    return str(value).encode("utf-8")


DOCUMENT = create_app(ServeSettings()).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_server_publishes_this_document(api_server: Server) -> None:
    assert httpx.get(f"{api_server.url}/openapi.json").json() == DOCUMENT


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_off_its_schema(case: schemathesis.Case[Any], api_server: Server) -> None:
    case.call_and_validate(base_url=api_server.url, checks=CHECKS)
