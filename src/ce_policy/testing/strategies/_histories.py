"""Earlier years of a training cycle (`cycle_years`) and title applicants' histories (`histories`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, get_args

from hypothesis import strategies as st

from ce_policy.decide.title_review import REVIEW_WINDOW_YEARS
from ce_policy.model.hours import MAX_HOURS, hours_to_json
from ce_policy.model.record import History, IntegrityFlag
from ce_policy.policy.edges import PolicyEdges, policy_edges
from ce_policy.policy.loaded import Policy
from ce_policy.testing.strategies._args import (
    _DEFAULT_YEAR,
    _MIN_YEAR,
    Json,
    _check_int,
    _overrides,
    _resolve,
    _valid,
    _year_of,
)
from ce_policy.testing.strategies._persons import _TITLE_LEVELS, _persons
from ce_policy.testing.strategies._records import _records, _targets
from ce_policy.testing.strategies._values import _days, _hours, _split

_FLAG_KINDS: tuple[str, ...] = get_args(IntegrityFlag.model_fields["kind"].annotation)
_NO_CYCLE_YEARS = 4
"""Without a training cycle, `cycle_years` draws from this many years before the record's."""


def cycle_years(
    *, policy: Policy | str | None = None, year: int = _DEFAULT_YEAR, min_size: int = 0, max_size: int | None = None
) -> st.SearchStrategy[list[Json]]:
    """Earlier years of a training cycle, as a list of ``{"year", "hours"}`` (the ``prior`` of `evaluate`).

    With a policy whose person rules put ``year`` in a multi-year cycle, the years are the cycle's years
    before ``year``; their hours often add up to just under, on or just over a cycle floor less the year's
    total floor (so that a year meeting its floor exactly lands on the cycle's), or to the cycle floor itself.
    Otherwise the years are the few before ``year`` and the hours generic. Years are distinct and in order;
    shrinks towards fewer years and smaller hours.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name.
        year: the year of the record the earlier years lead up to.
        min_size: the fewest years.
        max_size: the most years (default: every year available).

    Raises:
        InvalidArgument: an unknown policy, a year it does not cover, or bad sizes.
    """
    chosen = _resolve(policy, year, "cycle_years")
    checked = _year_of(chosen, year, "cycle_years")
    edges = policy_edges(chosen, checked)
    if edges.cycle is not None:
        available = tuple(range(max(edges.cycle[0], _MIN_YEAR), checked))
    else:
        available = tuple(range(max(checked - _NO_CYCLE_YEARS, _MIN_YEAR), checked))
    most = len(available) if max_size is None else _check_int("max_size", max_size, 0, len(available))
    least = _check_int("min_size", min_size, 0, most)
    year_floors = edges.floors.get("total", ())
    targets = sorted(
        {c - t for c in edges.floors.get("cycle", ()) for t in (*year_floors, Decimal(0)) if c - t > 0}
        if edges.cycle is not None
        else set()
    )

    @st.composite
    def draw_years(draw: st.DrawFn) -> list[Json]:
        years = sorted(draw(st.lists(st.sampled_from(available), min_size=least, max_size=most, unique=True)))
        if years and targets and draw(st.booleans()):
            amounts = _split(draw, draw(_targets(targets)), len(years))
            if all(amount <= MAX_HOURS for amount in amounts):
                return [{"year": y, "hours": hours_to_json(h)} for y, h in zip(years, amounts, strict=True)]
        return [{"year": y, "hours": hours_to_json(draw(_hours(edges)))} for y in years]

    if not available:
        return st.just([])
    return draw_years()


def _years_back(edges: PolicyEdges, field: str) -> int:
    """How many years back the review rules look for ``field`` (offsets, ages), with one to spare."""
    return max(edges.integers.get(field, ()), default=_NO_CYCLE_YEARS) + 1


def histories(
    *, policy: Policy | str | None = None, review_year: int = _DEFAULT_YEAR, **overrides: Any
) -> st.SearchStrategy[Json]:
    """Title applicants' histories, as JSON objects ``{"person", "records", "certificates", "flags"}``.

    Records are for distinct years the policy covers up to ``review_year`` (drawn as by `records`, with at
    most 5 activities each); certificates for the years the review rules look back (``offset`` thresholds,
    one more to spare); false-material findings on days around the anniversaries the review rules count
    (``flag_age_years`` thresholds). Every record belongs to the history's person, and no two records claim
    one activity (each year's activity ids start with the year); the level sought is given or left out.
    Shrinks towards no records, certificates or findings.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name.
        review_year: the year of the title review.
        **overrides: a value or a strategy for any field of `ce_policy.History`.

    Raises:
        InvalidArgument: an unknown policy or field, a review year the policy does not cover, or a value
            `ce_policy.History` refuses.
    """
    chosen = _resolve(policy, review_year, "histories")
    checked = _year_of(chosen, review_year, "histories", "review_year")
    fields, _ = _overrides(History, overrides, "histories")
    edges = policy_edges(chosen, checked)
    window = range(checked - REVIEW_WINDOW_YEARS + 1, checked + 1)
    covered = (
        chosen.years if chosen is not None else tuple(range(checked - _years_back(edges, "offset") + 1, checked + 1))
    )
    record_years = tuple(y for y in covered if y in window and y >= _MIN_YEAR)
    back = _years_back(edges, "offset")
    certificate_years = tuple(range(max(checked - back, _MIN_YEAR), checked + 1))
    ages = edges.integers.get("flag_age_years", ())
    flag_days = sorted(
        {
            day
            for age in ages
            if checked - age - 1 >= _MIN_YEAR
            for day in (
                dt.date(checked - age, 1, 1),
                dt.date(checked - age, 12, 31),
                dt.date(checked - age - 1, 12, 31),
            )
        }
    )
    earliest = dt.date(max(checked - _years_back(edges, "flag_age_years") - 1, _MIN_YEAR), 1, 1)
    flag_on = st.one_of(_days(earliest, dt.date(checked, 12, 31)), *([st.sampled_from(flag_days)] if flag_days else []))
    person_strategy = fields.get("person", _persons(chosen, {}))

    record_by_year = {y: _records(chosen, (y,), {}, 0, 5, "histories") for y in record_years}

    def certificate(year: int) -> st.SearchStrategy[Json]:
        issued = _days(dt.date(year, 1, 1), dt.date(checked + 1, 12, 31)).map(dt.date.isoformat)
        return st.fixed_dictionaries(
            {
                "year": st.just(year),
                "public": st.sampled_from((True, False)),
                "professional": st.sampled_from((True, False)),
            },
            optional={"issued_on": issued},
        )

    @st.composite
    def draw_history(draw: st.DrawFn) -> Json:
        person = draw(person_strategy)
        if "records" in fields:
            shown = draw(fields["records"])
        else:
            years = (
                sorted(draw(st.lists(st.sampled_from(record_years), unique=True, max_size=3))) if record_years else []
            )
            # An activity counts for one year only: the years' activity ids are kept apart.
            shown = [_own_ids({**draw(record_by_year[y]), "person": person}, y) for y in years]
        certificates = draw(
            fields.get("certificates", st.lists(st.sampled_from(certificate_years).flatmap(certificate), max_size=6))
        )
        flags = draw(
            fields.get(
                "flags",
                st.lists(
                    st.fixed_dictionaries({"kind": st.sampled_from(_FLAG_KINDS), "on": flag_on.map(dt.date.isoformat)}),
                    max_size=2,
                ),
            )
        )
        data = {"person": person, "records": shown, "certificates": certificates, "flags": flags}
        sought = draw(fields.get("title_level_sought", st.one_of(st.none(), st.sampled_from(_TITLE_LEVELS))))
        if sought is not None:
            data["title_level_sought"] = sought
        return _valid(History, data, "histories", edges.vocabulary) if fields else data

    return draw_history()


def _own_ids(record: Json, year: int) -> Json:
    """``record`` with its activity ids prefixed by its year, so that no two years claim one activity."""
    activities = [{**activity, "id": f"{year}.{activity['id']}"} for activity in record["activities"]]
    return {**record, "activities": activities}
