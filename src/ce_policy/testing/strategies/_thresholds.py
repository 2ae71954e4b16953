"""What a policy tests: the activity kinds its rules name, and the hours and dates it compares against."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ce_policy.policy.edges import policy_edges
from ce_policy.policy.loaded import Policy
from ce_policy.testing.strategies._args import _DEFAULT_YEAR, _resolve, _year_of


def known_kinds(policy: Policy | str | None, year: int = _DEFAULT_YEAR) -> tuple[str, ...]:
    """The activity kinds the policy's activity rules in force in ``year`` name (every kind without one).

    A kind counts as named when a rule tests ``kind`` for it (``is``, ``in``) or for other kinds
    (``is_not``, ``not_in``). A policy whose rules name no kind treats every kind alike: all are returned.

    Raises:
        InvalidArgument: an unknown policy, or a year it does not cover.
    """
    chosen = _resolve(policy, year, "known_kinds")
    return policy_edges(chosen, _year_of(chosen, year, "known_kinds")).kinds


def hour_thresholds(policy: Policy | str | None, year: int = _DEFAULT_YEAR) -> tuple[Decimal, ...]:
    """Hours just under (``v - 0.5``, ``v - 0.01``), on and just over (``v + 0.01``) each hours value ``v``.

    The values are those the policy's hours parameters take in ``year`` and the hours its rules in force
    write as numbers (in conditions, floors, caps, fixed hours and credit conversions), ascending and within
    0 to 10,000. Without a policy: the ends of that range.

    Raises:
        InvalidArgument: an unknown policy, or a year it does not cover.
    """
    chosen = _resolve(policy, year, "hour_thresholds")
    return policy_edges(chosen, _year_of(chosen, year, "hour_thresholds")).hours


def date_thresholds(policy: Policy | str | None, year: int = _DEFAULT_YEAR) -> tuple[dt.date, ...]:
    """The day before, of and after each date the policy tests in ``year``, and of the year's first and last day.

    The dates are those the policy's date parameters take in ``year`` and the dates its rules write.

    Raises:
        InvalidArgument: an unknown policy, or a year it does not cover.
    """
    chosen = _resolve(policy, year, "date_thresholds")
    return policy_edges(chosen, _year_of(chosen, year, "date_thresholds")).dates
