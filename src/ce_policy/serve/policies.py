"""``GET /v1/policies``, ``/v1/policies/{id}`` and ``/v1/schema/{which}``: what the service decides under.

A policy is listed as ``ce-policy policies --format json`` lists it; one policy in detail gives its layers
(each with its own version and digest), its clauses with their text, and each parameter with the value it has
``on`` a date (default: the decision date of the policy's last year, so that no clock decides the answer).
The schemas are those ``ce-policy schema`` prints.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import TypeAdapter

from ce_policy.model.decision import Decision, TitleReviewDecision
from ce_policy.model.errors import CePolicyError
from ce_policy.policy.loaded import Policy
from ce_policy.policy.schema import record_schema
from ce_policy.serve.decisions import DAY, LangParam, PolicyId, day_of
from ce_policy.serve.models import PolicyDetail, PolicySummary, policy_detail, policy_summary
from ce_policy.serve.openapi import PROBLEM_RESPONSES
from ce_policy.serve.problems import ProblemError, from_library_error
from ce_policy.serve.service import require_key, service_of

__all__ = ["router"]

router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)], responses=PROBLEM_RESPONSES, tags=["policies"])


def _policy(request: Request, policy_id: str) -> Policy:
    registry = service_of(request).state.current().registry
    try:
        policy = registry.policy(policy_id)
    except CePolicyError as exc:
        raise from_library_error(exc) from None
    if not policy.evaluable:
        message = f"policy {policy_id!r} is a base layer; it does not say where and when it applies"
        raise ProblemError("policy_not_found", (message, message))
    return policy


@router.get("/policies", summary="The policies that can decide records", response_model=list[PolicySummary])
def policies(request: Request, lang: LangParam = None) -> list[PolicySummary]:
    """Every evaluable policy: id, version, digest, regions, years, sector and chain of layers."""
    registry = service_of(request).state.current().registry
    return [policy_summary(p) for p in registry.policies() if p.evaluable]


@router.get("/policies/{policy_id}", summary="One policy as in force on a date", response_model=PolicyDetail)
def policy(
    request: Request,
    policy_id: str,
    on: Annotated[
        str | None,
        Query(max_length=10, description="the date (default: its last decision date)", json_schema_extra=DAY),
    ] = None,
    lang: LangParam = None,
) -> PolicyDetail:
    """The policy's layers (versions, digests), clauses, and parameters with their values ``on`` the date."""
    chosen = _policy(request, policy_id)
    day = day_of("on", on)
    if day is None:
        day = chosen.calendar(max(chosen.years)).decide_on
    return policy_detail(chosen, day)


@router.get("/schema/{which}", summary="The JSON Schema of a record, decision, history or title review")
def schema(
    request: Request,
    which: Literal["record", "decision", "history", "title-review"],
    policy: PolicyId = None,
    lang: LangParam = None,
) -> dict[str, Any]:
    """As ``ce-policy schema WHICH [--policy ID]`` prints it."""
    if which in ("record", "history"):
        chosen = _policy(request, policy) if policy else None
        return record_schema("record" if which == "record" else "history", chosen)
    if policy:
        message = "policy= applies to the schema of a record or a history"
        raise ProblemError("invalid_parameter", ("policy= 仅适用于记录或履历的模式", message))
    model = Decision if which == "decision" else TitleReviewDecision
    result: dict[str, Any] = TypeAdapter(model).json_schema(mode="serialization")
    return result
