"""Values the other strategies build on: hours and dates biased towards a policy's edges, identifiers."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import strategies as st

from ce_policy.model.hours import MAX_HOURS
from ce_policy.policy.edges import PolicyEdges
from ce_policy.testing.sampler import QUARTER as _QUARTER
from ce_policy.testing.sampler import SMALL_CENTI as _SMALL_CENTI
from ce_policy.testing.sampler import centi as _centi

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_."


def _hours(edges: PolicyEdges) -> st.SearchStrategy[Decimal]:
    """Hours with at most two decimals: half of them at the edges, shrinking towards 0."""
    small = st.integers(0, _SMALL_CENTI).map(_centi)
    at_edges = st.sampled_from(edges.hours)
    anywhere = st.integers(0, int(MAX_HOURS * 100)).map(_centi)
    return st.one_of(small, at_edges, at_edges, anywhere)


def _days(first: dt.date, last: dt.date) -> st.SearchStrategy[dt.date]:
    """Days from ``first`` to ``last``, shrinking towards ``first``."""
    return st.integers(0, (last - first).days).map(lambda n: first + dt.timedelta(days=n))


def _dates(edges: PolicyEdges) -> st.SearchStrategy[dt.date]:
    """Days of the year, at the policy's dates or up to a quarter either side; shrinking towards 1 January."""
    quarter = dt.timedelta(days=_QUARTER)
    in_year = _days(edges.first_day, edges.last_day)
    around = st.integers(-quarter.days, (edges.last_day - edges.first_day + quarter).days).map(
        lambda n: edges.first_day + dt.timedelta(days=n)
    )
    return st.one_of(in_year, st.sampled_from(edges.dates), around)


def _split(draw: st.DrawFn, total: Decimal, parts: int) -> list[Decimal]:
    """``total`` split into ``parts`` amounts of whole hundredths that add up to it exactly."""
    centi = int(total * 100)
    cuts = sorted(draw(st.lists(st.integers(0, centi), min_size=parts - 1, max_size=parts - 1)))
    return [_centi(b - a) for a, b in itertools.pairwise([0, *cuts, centi])]


def _identifiers() -> st.SearchStrategy[str]:
    return st.text(alphabet=_ID_ALPHABET, min_size=1, max_size=12)
