"""A rule whose condition is ``any:`` fires once per fact, however many of its alternatives the fact meets.

The compiler writes ``any:`` as the engine's ``$or``, which durable-rules expands into one network path per
alternative: a fact that meets two alternatives is delivered to the rule's action twice. The engine boundary
(`RulesEngine`) hands each rule each fact once, so the trace names the rule once, in the engine and from the memo.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

import ce_policy
from ce_policy.decide.engines import engine_for
from tests.layers import MAKE_UP_FILES, registry_with
from tests.records import activity

ANY_RULES = """\
    rules:
      - id: t.mu.public
        cite: s3.courses
        stage: activity
        when: {kind: public_course}
        then: {category: public, registration: automatic}
      - id: t.mu.training.any
        cite: s3.courses
        stage: activity
        when:
          any:
            - kind: training
            - hours: {at_least: 8}
        then: {category: professional, registration: automatic}
      - id: t.mu.quota.public
        cite: s2.quota
        stage: year
        then: {require: {category: public, at_least: 30}}
      - id: t.mu.quota.professional.any
        cite: s2.quota
        stage: year
        when:
          any:
            - title_level: intermediate
            - professional: {below: 60}
        then: {require: {category: professional, at_least: 60}}
    """


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ce_policy.PolicyRegistry:
    files = {**MAKE_UP_FILES, "mu/rules.yaml": ANY_RULES}
    return registry_with(tmp_path_factory.mktemp("any"), files)


def _record() -> dict[str, Any]:
    # The training meets both alternatives of t.mu.training.any (a training, of 8 hours or more), and the
    # year both of t.mu.quota.professional.any (an intermediate title, under 60 professional hours).
    return {
        "person": {"id": "p1", "title_level": "intermediate", "region": "t.mu"},
        "year": 2025,
        "activities": [
            activity("pub", "public_course", 30, completed_on="2025-03-01"),
            activity("t", "training", 10, completed_on="2025-06-01"),
        ],
    }


def _rules(decision: ce_policy.Decision) -> Counter[tuple[str, str | None]]:
    return Counter((entry.rule, entry.activity) for entry in decision.trace)


@pytest.mark.parametrize("cache", [False, True])
def test_an_any_rule_met_by_two_alternatives_fires_once(registry: ce_policy.PolicyRegistry, cache: bool) -> None:
    # With the cache, the second evaluation recalls the firings the first one put in the memo.
    for _ in range(2 if cache else 1):
        decision = ce_policy.evaluate(_record(), registry=registry, cache=cache, to_complete=False)
        fired = _rules(decision)
        assert fired[("t.mu.training.any", "t")] == 1
        assert fired[("t.mu.quota.professional.any", None)] == 1
        assert fired[("t.mu.quota.professional.any#short.professional", None)] == 1
        assert max(fired.values()) == 1, fired
        training = next(a for a in decision.activities if a.id == "t")
        assert (training.counted, training.category, training.hours) == (True, "professional", Decimal(10))
        hours, short = decision.hours.professional, decision.shortfall.professional
        assert (hours, short, decision.compliant) == (Decimal(10), Decimal(50), False)


def test_the_engine_hands_a_rule_each_fact_once() -> None:
    # aksu.way6.patent.not_eligible: a patent that is not an invention, granted before the year, meets two of
    # the rule's four alternatives; the engine itself delivers it twice in one action.
    engine = engine_for(ce_policy.default_registry().policy("xj.aksu.2025"), dt.date(2025, 12, 31))
    fact = {
        "id": "a0",
        "stage": "activity",
        "kind": "patent",
        "patent_type": "utility_model",
        "granted_on": 20240301,
    }
    delivered: list[tuple[str, str]] = []
    with engine.session(lambda name, facts: delivered.extend((name, f["id"]) for f in facts)) as session:
        session.assert_facts([fact])
    assert Counter(delivered)[("aksu.way6.patent.not_eligible", "a0")] == 1
    assert max(Counter(delivered).values()) == 1, delivered


def test_the_shipped_patent_rule_is_traced_once() -> None:
    record = {
        "person": {"id": "p1", "title_level": "intermediate"},
        "year": 2025,
        "activities": [
            activity("pat", "patent", 20, patent_type="utility_model", granted_on="2024-03-01", approval="approved"),
            activity("pub", "public_course", 30),
        ],
    }
    decision = ce_policy.evaluate(record, cache=False, to_complete=False)
    assert _rules(decision)[("aksu.way6.patent.not_eligible", "pat")] == 1
    patent = next(a for a in decision.activities if a.id == "pat")
    assert (patent.counted, patent.reasons) == (False, ("patent_not_eligible",))
