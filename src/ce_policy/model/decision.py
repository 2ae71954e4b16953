"""What comes out: the decision on one person's year, and on a title applicant's history.

The field names are a contract that other systems depend on (``docs/decision.md``). Hours serialise as JSON
numbers (integers when whole); ``model_dump(mode="json")`` gives the documented shape.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, field_serializer

from ce_policy.model.hours import HourSum
from ce_policy.model.record import Activity

if TYPE_CHECKING:
    from ce_policy.policy.registry import PolicyRegistry

__all__ = [
    "ActivityOutcome",
    "CreditTotals",
    "CycleProgress",
    "Decision",
    "HourTotals",
    "PolicyInfo",
    "Projection",
    "ReviewYear",
    "RouteStep",
    "ShareResult",
    "TitleReviewDecision",
    "ToComplete",
    "TraceEntry",
    "WayToComplete",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")

Category = Literal["public", "professional"]


class HourTotals(BaseModel):
    """Hours by category: public subjects (公需科目), professional subjects (专业科目) and in all."""

    model_config = _FROZEN

    public: HourSum
    professional: HourSum
    total: HourSum


class CreditTotals(BaseModel):
    """Credits (学分), for sectors that count them: counted (pool caps applied), required and missing."""

    model_config = _FROZEN

    counted: HourSum
    required: HourSum
    shortfall: HourSum


class ShareResult(BaseModel):
    """A share floor of the year: one category at least a share of the total (e.g. professional ≥ 2/3).

    Attributes:
        category: ``public`` or ``professional``.
        of: what the share is of: ``total``.
        unit: ``hours`` or ``credits``.
        share: the share, as a fraction (``2/3``).
        counted: the category's counted hours (or credits).
        of_counted: the total's.
        required: the share of the total, rounded up to hundredths.
        shortfall: how much more of the category would meet the floor, rounded up to hundredths (what is
            added to the category adds to the total too); 0 once met.
        met: the floor is met.
    """

    model_config = _FROZEN

    category: str
    of: str
    unit: Literal["hours", "credits"]
    share: str
    counted: HourSum
    of_counted: HourSum
    required: HourSum
    shortfall: HourSum
    met: bool


class CycleProgress(BaseModel):
    """Progress in a multi-year training cycle (e.g. teachers' five-year cycle), this year included.

    Attributes:
        first_year: the cycle's first year.
        last_year: its last year.
        hours: hours counted in the cycle so far: the earlier years shown and this year's.
        required: the cycle's floor.
        remaining: what is still missing of it (0 once met).
        final_year: this is the cycle's last year.
        years_shown: the earlier years of the cycle whose hours were given.
    """

    model_config = _FROZEN

    first_year: int
    last_year: int
    hours: HourSum
    required: HourSum
    remaining: HourSum
    final_year: bool
    years_shown: tuple[int, ...]


class Projection(BaseModel):
    """The year as it would stand if every pending application were approved."""

    model_config = _FROZEN

    hours: HourTotals
    compliant: bool
    credits: HourSum | None = None


class RouteStep(BaseModel):
    """One step of an application's approval route (五)."""

    model_config = _FROZEN

    actor: Literal["individual", "employer", "prefecture_dept", "region_dept"]
    action: Literal["apply", "review", "re_review", "recognise"]


class ActivityOutcome(BaseModel):
    """What the policy made of one input activity.

    Attributes:
        id: the activity's id, as given.
        counted: whether its hours count towards the year now.
        category: ``public`` or ``professional``; ``None`` when no rule classified it.
        hours: the hours counted (0 when not counted).
        registration: ``automatic`` or ``application``; ``None`` when no rule said.
        route: the approval route of an application; empty for automatic registration.
        reasons: codes of every reason it does not count (yet).
        credits: the credits (学分) it earns, for ways that earn credits; ``None`` otherwise.
    """

    model_config = _FROZEN

    id: str
    counted: bool
    category: Category | None
    hours: HourSum
    registration: Literal["automatic", "application"] | None
    route: tuple[RouteStep, ...]
    reasons: tuple[str, ...]
    credits: HourSum | None = None


class TraceEntry(BaseModel):
    """A rule that fired: its id, the clause it cites, and the activity it fired on (if any).

    A floor (``require``) that is not met fires a second time as ``<rule id>#short.<category>``.
    """

    model_config = _FROZEN

    rule: str
    cite: str
    activity: str | None


class WayToComplete(BaseModel):
    """A way of study that can still supply hours (or credits) of a category, as the policy's rules decide it.

    Attributes:
        category: the category its hours count in.
        kind: the activity kind.
        fields: the way fields an activity of it carries (e.g. ``organiser_level``; ``approval: approved``
            for a way registered by application, whose hours count once approved); an activity attribute the
            policy declares as ``attributes.<name>`` (e.g. ``attributes.subject: accounting``).
        registration: ``automatic`` or ``application``.
        route: the approval route of an application; empty for automatic registration.
        hours_per_activity: the most hours one activity counts (``None``: the hours it claims).
        hours_fixed: one activity counts exactly ``hours_per_activity``, whatever it claims.
        earns_credits: its activities earn credits (学分).
        hours_per_credit: for a way that earns credits by hours, the hours one credit takes.
        credits_per_activity: the most credits one activity earns, if capped.
        pool: the pool its credits are summed (and capped) in, if any.
        start: the first day, from the decision's ``as_of``, on which an activity of it completed counts.
        by: the last day on which an activity of it completed counts (四: no making up later).
        provisional: ids of the provisional parameters the rules that decided it read.
        dated: date fields an activity of it carries besides ``completed_on``, each the day the activity is
            done, from ``start`` to ``by`` (a patent's ``granted_on``: 二（6） counts a patent granted in the year).
    """

    model_config = _FROZEN

    category: Category
    kind: str
    fields: dict[str, str]
    registration: Literal["automatic", "application"] | None
    route: tuple[RouteStep, ...]
    hours_per_activity: HourSum | None
    hours_fixed: bool
    earns_credits: bool
    hours_per_credit: HourSum | None = None
    credits_per_activity: HourSum | None = None
    pool: str | None
    start: dt.date
    by: dt.date
    provisional: tuple[str, ...] = ()
    dated: tuple[str, ...] = ()


class ToComplete(BaseModel):
    """What would make an incomplete year complete.

    Attributes:
        hours: the least hours still needed: in each category, and in all (``total`` may exceed the sum of
            the two when only the total floor is short).
        credits: the least credits still needed, for sectors that count credits.
        deadline: the last day on which any way counts for the year; ``None`` if no way of the policy counts.
        ways: the ways that can still supply them from the decision's ``as_of`` (none after the deadline).
        plan: activities which, added to the record, make the year complete: checked by evaluating the
            completed record as of ``plan_as_of``; empty when no way can still do it.
        plan_as_of: the day the completed record was evaluated as of.
        provisional: ids of the provisional parameters read by the rules that decided the completed record.
    """

    model_config = _FROZEN

    hours: HourTotals
    credits: HourSum | None
    deadline: dt.date | None
    ways: tuple[WayToComplete, ...]
    plan: tuple[Activity, ...]
    plan_as_of: dt.date | None
    provisional: tuple[str, ...] = ()

    @field_serializer("plan")
    def _plan_as_records_have_it(self, plan: tuple[Activity, ...]) -> list[dict[str, Any]]:
        """Each planned activity as a record carries it: only the fields its way has."""
        return [activity.model_dump(mode="json", exclude_none=True) for activity in plan]


class PolicyInfo(BaseModel):
    """The policy that made a decision.

    Attributes:
        id: the policy's id (its most specific layer's).
        version: that layer's version.
        digest: ``sha256:`` of every file of every layer in the chain.
        chain: the layers used, most general first.
        sector: the sector whose own rules were used, or ``None`` for the general rules.
        fallback: the person's sector has no rules of its own here, so the general rules were used.
    """

    model_config = _FROZEN

    id: str
    version: str
    digest: str
    chain: tuple[str, ...]
    sector: str | None = None
    fallback: bool = False


class Decision(BaseModel):
    """The decision on one person's year (the output of `ce_policy.evaluate`).

    Attributes:
        person: the person's id.
        year: the year decided.
        as_of: the date the decision speaks for.
        compliant: every floor of the year is met (二).
        hours: the hours counted, by category.
        required: the floors the policy sets, by category.
        shortfall: what is missing of each floor (0 where it is met).
        projected: the year if every pending application were approved.
        credits: credits (学分) counted, required and missing, for sectors that count credits.
        cycle: progress in the person's multi-year training cycle, for sectors that have one.
        shares: the share floors of the year (e.g. professional at least 2/3 of the total), each met or not;
            a share floor in hours that is short also shows in ``shortfall``.
        activities: one outcome per input activity, in input order.
        consequences: codes of the consequences of the year's result (六).
        policy: the policy that decided.
        trace: the rules that fired, in firing order.
        provisional: ids of the provisional parameters read by the rules that fired.
        to_complete: for an incomplete year, what would make it complete (``None`` when complete, or when
            ``evaluate`` was asked not to work it out).
    """

    model_config = _FROZEN

    person: str
    year: int
    as_of: dt.date
    compliant: bool
    hours: HourTotals
    required: HourTotals
    shortfall: HourTotals
    projected: Projection
    credits: CreditTotals | None = None
    cycle: CycleProgress | None = None
    shares: tuple[ShareResult, ...] = ()

    def explain(self, lang: Literal["zh", "en"] = "zh", *, registry: PolicyRegistry | None = None) -> str:
        """A readable account of the decision, activity by activity, each step with its clause's text.

        Args:
            lang: ``zh`` (default) or ``en``.
            registry: where to find the policy that decided (default: the process-wide registry).
        """
        # model/ is the bottom layer: the text layer is loaded when an explanation is asked for, not before.
        from ce_policy.text.explain import explain_decision  # noqa: PLC0415

        return explain_decision(self, lang, registry=registry)

    activities: tuple[ActivityOutcome, ...]
    consequences: tuple[str, ...]
    policy: PolicyInfo
    trace: tuple[TraceEntry, ...]
    provisional: tuple[str, ...]
    to_complete: ToComplete | None = None


class ReviewYear(BaseModel):
    """How one year of a title review's span is shown.

    Attributes:
        year: the year.
        shown_by: ``record`` (evaluated), ``certificate`` or ``none``.
        public: public subjects shown complete as of the application date.
        professional: professional subjects shown complete as of the application date.
        complete: the year counts for the review.
        reasons: codes of why it does not count.
        decision: the decision on the year's record, when it was shown by one.
    """

    model_config = _FROZEN

    year: int
    shown_by: Literal["record", "certificate", "none"]
    public: bool
    professional: bool
    complete: bool
    reasons: tuple[str, ...]
    decision: Decision | None = None


class TitleReviewDecision(BaseModel):
    """Whether a person may apply for a title review (六(一)), and why.

    Attributes:
        person: the person's id.
        review_year: the year of the review.
        applied_on: the application date; everything is judged as of this date.
        eligible: every required year is shown complete and no bar applies.
        missing_years: the required years not shown complete.
        years: the per-year account, oldest first.
        bars: codes of what bars the application (e.g. a false-material finding).
        policy: the policy whose title-review rules decided.
        trace: the review rules that fired.
        provisional: ids of provisional parameters the review rules read.
    """

    model_config = _FROZEN

    person: str
    review_year: int
    applied_on: dt.date
    eligible: bool
    missing_years: tuple[int, ...]
    years: tuple[ReviewYear, ...]
    bars: tuple[str, ...]
    policy: PolicyInfo
    trace: tuple[TraceEntry, ...]
    provisional: tuple[str, ...]
