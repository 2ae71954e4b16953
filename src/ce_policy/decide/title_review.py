"""``evaluate_title_review()``: may a person apply for a title review, given the years they show (六(一)).

Each year is shown by a full record, evaluated under the policy for that year as of the application date (or
the year's decision date, the end of its study or make-up window, if earlier), or by a certificate issued by
the application date (no policy for the year is needed then). Which years must be shown, for the level
sought and the applicant's degree, and what bars an applicant, are decided by the review rules of the policy
for the review year. An activity counts for one year only: two records claiming one activity are refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ce_policy.decide.engines import decision_date, engine_for, parse_for_policy, policy_info, resolve_policy
from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.facts import check_attributes, check_vocabulary, claimed_once
from ce_policy.engine.compiler import Action
from ce_policy.engine.depends import depended_on
from ce_policy.engine.firings import Firings
from ce_policy.engine.rules_engine import RulesEngine
from ce_policy.model.decision import Decision, ReviewYear, TitleReviewDecision, TraceEntry
from ce_policy.model.errors import RecordError, RecordProblem
from ce_policy.model.record import History, IntegrityFlag
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry

__all__ = ["REVIEW_WINDOW_YEARS", "evaluate_title_review"]

REVIEW_WINDOW_YEARS = 20
"""How many years back (review year included) the review rules are shown facts for."""


def _whole_years_between(start: dt.date, end: dt.date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def _flag_age(flags: tuple[IntegrityFlag, ...], applied_on: dt.date) -> int | None:
    ages = [_whole_years_between(flag.on, applied_on) for flag in flags if flag.on <= applied_on]
    return min(ages) if ages else None


def _applicant(history: History, policy: Policy) -> dict[str, Any]:
    """The applicant's fields every review fact carries: levels held and sought, sector, degree, attributes."""
    person = history.person
    given = person.attributes or {}
    return {
        "title_level": person.title_level,
        "title_level_sought": history.level_sought,
        "sector": person.sector,
        "person_degree_level": person.degree_level or "",
        **{name: given.get(name, "") for name in policy.attributes},
    }


class _Review:
    def __init__(self, policy: Policy, actions: dict[str, Action]) -> None:
        self.policy = policy
        self.actions = actions
        self.required: set[int] = set()
        self.missing: dict[int, list[str]] = {}
        self.bars: list[str] = []
        # Each rule that acted, with the year of its fact and whether it only said a year is missing.
        self.acted: list[tuple[TraceEntry, int | None, bool]] = []
        self.provisional: set[str] = set()
        self.firings = Firings()
        self.hits: set[tuple[str, str]] = set()  # (rule, fact id) of every firing

    def run(self, engine: RulesEngine, facts: list[dict[str, Any]]) -> None:
        """Decide ``facts`` in one session, then note what they depended on (docs/decision.md#provisional).

        Besides what the rules that acted read: the provisional values that alone kept a rule from firing.
        """
        with engine.session(self.fire) as session:
            session.assert_facts(facts)
        watches = engine.compiled.watches or {}
        for fact in facts:
            for watch in watches.get(fact["stage"], ()):
                fired = {(name, fact["id"]) for name in (watch.rule, *watch.excepted_by)} & self.hits
                if not fired:
                    self.provisional |= depended_on(watch, fact)

    @property
    def trace(self) -> tuple[TraceEntry, ...]:
        """The rules that decided, in firing order.

        A rule that only says a year is missing counts for the years the review needs, as missing years do.
        """
        return tuple(entry for entry, year, only_missing in self.acted if not only_missing or year in self.required)

    def fire(self, name: str, facts: list[dict[str, Any]]) -> None:
        action = self.actions[name]
        rule = action.rule
        self.hits.update((name, fact["id"]) for fact in facts)
        facts = [fact for fact in facts if self.firings.applies(action, fact)]
        if rule is None or not facts:
            return
        self.provisional.update(action.provisional)
        only_missing = all(outcome == "missing_year" for outcome, _ in action.outcomes)
        for fact in facts:
            self.acted.append((TraceEntry(rule=rule.id, cite=rule.cite, activity=None), fact.get("year"), only_missing))
            for outcome, value in action.outcomes:
                if outcome == "require_year":
                    self.required.add(fact["year"])
                elif outcome == "missing_year":
                    reasons = self.missing.setdefault(fact["year"], [])
                    if value not in reasons:
                        reasons.append(value)
                elif outcome == "bar" and value not in self.bars:
                    self.bars.append(value)


def evaluate_title_review(
    history: History | dict[str, Any],
    *,
    review_year: int,
    applied_on: dt.date,
    policy: str | Policy | None = None,
    registry: PolicyRegistry | None = None,
) -> TitleReviewDecision:
    """Decide whether the person may apply for a title review in ``review_year`` on ``applied_on`` (六(一)).

    Args:
        history: the person, the level sought (default: the level held), the records and certificates of the
            years they can show, and any false-material findings; a `History` or the same as plain JSON data.
        review_year: the year of the title review.
        applied_on: the application date; every year is judged complete or not as of this date.
        policy: the policy whose review rules apply (default: the one for the person's region and
            ``review_year``). Each year's record is evaluated under the policy for that year.
        registry: where to look policies up.

    Returns:
        ``eligible``, ``missing_years`` and a per-year account.

    Raises:
        RecordError: the history is invalid, ``applied_on`` is not in or after the review year, two records
            claim one activity, or the person carries an attribute the policy does not declare.
        PolicyNotFoundError: no policy covers the review year, or a year shown by a record, or that year's
            policy is not in force on the date the year is judged as of.
        EngineError: the rules engine failed.
    """
    parsed = parse_for_policy(History, history, policy, registry, review_year)  # records: checked by their policy
    if applied_on.year < review_year:
        raise RecordError([RecordProblem("$", "invalid_value", "applied_on falls before the review year")])
    chosen = resolve_policy(policy, parsed.person, review_year, registry)
    check_attributes(parsed.person, chosen)
    twice = claimed_once((f"$.records[{i}]", record) for i, record in enumerate(parsed.records))
    if twice:
        raise RecordError(twice)
    records = {record.year: record for record in parsed.records}
    certificates: dict[int, tuple[bool, bool]] = {}
    for certificate in parsed.certificates:
        if certificate.issued_on is not None and certificate.issued_on > applied_on:
            continue  # not yet issued on the application date
        public, professional = certificates.get(certificate.year, (False, False))
        certificates[certificate.year] = (
            public or certificate.public,
            professional or certificate.professional,
        )
    decisions: dict[int, Decision] = {}
    facts: list[dict[str, Any]] = []
    applicant = _applicant(parsed, chosen)
    shown: dict[int, tuple[str, bool, bool]] = {}
    for offset in range(REVIEW_WINDOW_YEARS):
        year = review_year - offset
        public = professional = False
        shown_by = "none"
        if year in records:
            # As of the application date, or the year's own decision date (its make-up window's end) if earlier.
            year_policy = resolve_policy(None, records[year].person, year, registry)
            as_of = min(applied_on, decision_date(year_policy, year, None))
            check_vocabulary(records[year], year_policy, f"$.records[{parsed.records.index(records[year])}]")
            decision = evaluate(records[year], policy=year_policy, as_of=as_of, registry=registry)
            decisions[year] = decision
            public = decision.shortfall.public == 0
            professional = decision.shortfall.professional == 0 and decision.shortfall.total == 0
            shown_by = "record"
        if year in certificates and not (public and professional):
            cert_public, cert_professional = certificates[year]
            public, professional = public or cert_public, professional or cert_professional
            shown_by = "certificate" if shown_by == "none" else shown_by
        shown[year] = (shown_by, public, professional)
        facts.append(
            {
                "id": f"y{offset}",
                "stage": "review_year",
                **applicant,
                "year": year,
                "offset": offset,
                "shown_by": shown_by,
                "public": public,
                "professional": professional,
                "complete": public and professional,
            }
        )
    review_fact: dict[str, Any] = {"id": "review", "stage": "review", **applicant, "review_year": review_year}
    age = _flag_age(parsed.flags, applied_on)
    if age is not None:
        review_fact["flag_age_years"] = age
    engine = engine_for(chosen, applied_on)
    review = _Review(chosen, engine.compiled.actions)
    review.run(engine, [*facts, review_fact])
    years = []
    for year in sorted(review.required):
        shown_by, public, professional = shown[year]
        reasons = tuple(review.missing.get(year, ()))
        years.append(
            ReviewYear(
                year=year,
                shown_by=shown_by,
                public=public,
                professional=professional,
                complete=not reasons,
                reasons=reasons,
                decision=decisions.get(year),
            )
        )
    # A year is missing only if the review needs it: a missing_year rule need not repeat the span.
    missing = tuple(sorted(year for year in review.missing if year in review.required))
    return TitleReviewDecision(
        person=parsed.person.id,
        review_year=review_year,
        applied_on=applied_on,
        eligible=not missing and not review.bars,
        missing_years=missing,
        years=tuple(years),
        bars=tuple(review.bars),
        policy=policy_info(chosen, parsed.person),
        trace=review.trace,
        provisional=tuple(sorted(review.provisional)),
    )
