"""The service's own response models, beside the library's: policies as listed and as in force on a date.

Decisions, title reviews and records travel as the library's own models (`ce_policy.Decision`,
`ce_policy.TitleReviewDecision`, `ce_policy.Record`, `ce_policy.History`), so the OpenAPI document derives
their schemas from the same pydantic models the library returns. What the library has no model for — a policy
summary, the clauses and parameters in force on a date, health and reload answers — is defined here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict

from ce_policy.model.decision import Decision
from ce_policy.model.hours import hours_to_json
from ce_policy.policy.loaded import Policy

__all__ = [
    "ClauseInfo",
    "ExplainedDecision",
    "Health",
    "LayerInfo",
    "ParameterInfo",
    "PolicyDetail",
    "PolicySummary",
    "Readiness",
    "ReloadResult",
    "jsonable",
    "policy_detail",
    "policy_summary",
]

_MODEL = ConfigDict(frozen=True, extra="forbid")


class ExplainedDecision(Decision):
    """A decision with its explanation in words (``?lang=zh|en``): the decision's members, then ``explanation``."""

    explanation: str | None = None


class PolicySummary(BaseModel):
    """A policy as ``GET /v1/policies`` (and ``ce-policy policies --format json``) lists it."""

    model_config = _MODEL

    id: str
    version: str
    digest: str
    regions: tuple[str, ...]
    sector: str | None
    sector_name: dict[str, str] | None
    years: tuple[int, ...]
    chain: tuple[str, ...]


class LayerInfo(BaseModel):
    """One layer of a policy's chain: its own version and digest, and the document it registers."""

    model_config = _MODEL

    id: str
    version: str
    digest: str
    title: str
    document: dict[str, Any]
    sector: str | None
    in_force_from: dt.date
    in_force_to: dt.date | None
    in_force: bool


class ClauseInfo(BaseModel):
    """A clause of the policy's documents, with its text."""

    model_config = _MODEL

    id: str
    layer: str
    section: str
    document: str
    provenance: str
    text: str


class ParameterInfo(BaseModel):
    """A parameter with the value it has on the date asked (``null`` when it has none yet)."""

    model_config = _MODEL

    id: str
    layer: str
    type: str
    description: str
    cite: str
    provenance: str
    value: Any
    since: dt.date | None


class PolicyDetail(PolicySummary):
    """``GET /v1/policies/{id}``: the policy's layers, clauses, and parameters as in force ``on`` a date."""

    on: dt.date
    in_force: bool
    rules_in_force: int
    layers: tuple[LayerInfo, ...]
    clauses: tuple[ClauseInfo, ...]
    parameters: tuple[ParameterInfo, ...]


class Health(BaseModel):
    """``/healthz``: the process answers."""

    model_config = _MODEL

    status: str


class Readiness(BaseModel):
    """``/readyz``: policies are loaded and compiled; which generation, and its digest."""

    model_config = _MODEL

    status: str
    generation: int
    policies_digest: str
    loaded_at: str
    policies: int


class ReloadResult(Readiness):
    """``POST /v1/admin/reload``: the generation now in force in the worker that answered.

    ``workers_replaced``: with several workers, the reloaded policies were checked in this one and the
    supervisor was asked (SIGHUP) to replace every worker, one at a time, each with the policies loaded anew.
    """

    workers_replaced: bool = False


def jsonable(value: Any) -> Any:
    """A parameter's value as JSON data: hours as numbers, dates as text, shares as ``"2/3"``, tuples as lists."""
    if isinstance(value, Decimal):
        return hours_to_json(value)
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    return value


def policy_summary(policy: Policy) -> PolicySummary:
    """How ``GET /v1/policies`` lists ``policy``."""
    names = policy.top.sector_name
    return PolicySummary(
        id=policy.id,
        version=policy.version,
        digest=policy.digest,
        regions=policy.regions,
        sector=policy.sector,
        sector_name=None if names is None else {"zh": names[0], "en": names[1]},
        years=policy.years,
        chain=policy.chain,
    )


def _since(values: tuple[tuple[dt.date, Any], ...], day: dt.date) -> dt.date | None:
    started = [start for start, _ in values if start <= day]
    return max(started) if started else None


def policy_detail(policy: Policy, day: dt.date) -> PolicyDetail:
    """``policy`` as in force on ``day``: every layer, clause and parameter (with its value on ``day``)."""
    layers = tuple(
        LayerInfo(
            id=layer.id,
            version=layer.version,
            digest=layer.digest,
            title=layer.title,
            document=jsonable(layer.document),
            sector=layer.sector,
            in_force_from=layer.in_force_from,
            in_force_to=layer.in_force_to,
            in_force=layer.in_force_from <= day and (layer.in_force_to is None or day <= layer.in_force_to),
        )
        for layer in policy.layers
    )
    clauses = tuple(
        ClauseInfo(id=c.id, layer=c.layer, section=c.section, document=c.document, provenance=c.provenance, text=c.text)
        for c in policy.clauses.values()
    )
    parameters = tuple(
        ParameterInfo(
            id=p.id,
            layer=p.layer,
            type=p.type,
            description=p.description,
            cite=p.cite,
            provenance=p.provenance,
            value=jsonable(p.value_at(day)),
            since=_since(p.values, day),
        )
        for p in policy.parameters.values()
    )
    return PolicyDetail(
        **policy_summary(policy).model_dump(),
        on=day,
        in_force=policy.in_force_on(day),
        rules_in_force=sum(rule.in_force_on(day) for rule in policy.rules),
        layers=layers,
        clauses=clauses,
        parameters=parameters,
    )
