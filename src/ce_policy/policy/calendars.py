"""The dates of a covered year, from its layers: when study counts for it, and the date it is decided as of.

A layer's ``calendar:`` entries give, for some years or for every year, the *study window* (the days on which
study counts for the year), a *make-up window* (days after the year on which study may still be credited to
it, 补学) and the *decision date* (the ``as_of`` a record of the year is decided on when the caller gives
none). For each year, each of the three comes from the most specific layer that gives it; without any, the
study window is the calendar year and the decision date is the last day of the latest window.
"""

from __future__ import annotations

import calendar as _days_in
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Literal

__all__ = ["CalendarRule", "DayRef", "Window", "WindowName", "YearCalendar", "resolve_day", "year_calendar"]

DayRef = dt.date | tuple[int, int]
"""A day: a date, or ``(month, day)`` of the record's own year."""

WindowName = Literal["study", "make_up", "outside"]


@dataclass(frozen=True, slots=True)
class Window:
    """The days from ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date

    def holds(self, day: dt.date) -> bool:
        """Whether ``day`` falls in the window."""
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class CalendarRule:
    """One ``calendar:`` entry of a layer, as written (days not yet placed in a year)."""

    layer: str
    years: tuple[int, ...]
    """The years it speaks for; empty: every year."""
    study: tuple[DayRef, DayRef] | None
    make_up: tuple[DayRef, DayRef] | None
    decide_on: DayRef | None
    cite: str
    file: str
    line: int | None
    provisional: bool = False
    """The dates are a reading of unclear text or an assumption ([P]): decisions that use them say so."""
    label: str = ""
    """How a decision's ``provisional`` names the entry: ``<layer>.calendar.<n>``, counting entries from 1."""

    def speaks_for(self, year: int) -> bool:
        """Whether the entry gives dates of ``year``."""
        return not self.years or year in self.years


@dataclass(frozen=True, slots=True)
class YearCalendar:
    """The dates of one year under one policy.

    Attributes:
        year: the year.
        study: the days on which study counts for the year.
        make_up: the days after it on which study may still be credited to it (补学), if the policy allows.
        decide_on: the date a record of the year is decided as of when the caller gives none.
        cites: the clauses the dates rest on (empty: the default calendar year).
        provisional: the labels of the provisional entries the dates were taken from.
    """

    year: int
    study: Window
    make_up: Window | None
    decide_on: dt.date
    cites: tuple[str, ...]
    provisional: tuple[str, ...] = ()

    def window_of(self, day: dt.date) -> WindowName:
        """Which window ``day`` falls in: ``study``, else ``make_up``, else ``outside``."""
        if self.study.holds(day):
            return "study"
        if self.make_up is not None and self.make_up.holds(day):
            return "make_up"
        return "outside"

    @property
    def first_day(self) -> dt.date:
        """The first day of any window of the year."""
        return min(self.study.start, self.make_up.start if self.make_up else self.study.start)

    @property
    def last_day(self) -> dt.date:
        """The last day that matters to the year: its latest window's end, or its decision date if later."""
        ends = [self.study.end, self.decide_on, *([self.make_up.end] if self.make_up else [])]
        return max(ends)


def resolve_day(day: DayRef, year: int) -> dt.date:
    """``day`` as a date: itself, or its month and day in ``year``.

    Raises:
        ValueError: the month and day do not exist in ``year`` (29 February of a common year).
    """
    if isinstance(day, dt.date):
        return day
    month, number = day
    if number > _days_in.monthrange(year, month)[1]:
        raise ValueError(f"{month:02d}-{number:02d} does not exist in {year}")
    return dt.date(year, month, number)


@functools.lru_cache(maxsize=1024)
def year_calendar(rules: tuple[CalendarRule, ...], year: int) -> YearCalendar:
    """The calendar of ``year`` from ``rules`` (most general first: a later rule's field wins).

    Raises:
        ValueError: a day does not exist in the year, or a window ends before it starts.
    """
    study: tuple[DayRef, DayRef] = ((1, 1), (12, 31))
    make_up: tuple[DayRef, DayRef] | None = None
    decide_on: DayRef | None = None
    given_by: dict[str, CalendarRule] = {}  # which entry each date was taken from
    for rule in rules:
        if not rule.speaks_for(year):
            continue
        if rule.study is not None:
            study, given_by["study"] = rule.study, rule
        if rule.make_up is not None:
            make_up, given_by["make_up"] = rule.make_up, rule
        if rule.decide_on is not None:
            decide_on, given_by["decide_on"] = rule.decide_on, rule
    used = list(dict.fromkeys(given_by.values()))
    cites = [rule.cite for rule in used]
    provisional = sorted({rule.label for rule in used if rule.provisional})
    study_window = _window(study, year, "study")
    make_up_window = _window(make_up, year, "make-up") if make_up is not None else None
    if decide_on is not None:
        day = resolve_day(decide_on, year)
    else:
        day = max(study_window.end, make_up_window.end if make_up_window else study_window.end)
    return YearCalendar(year, study_window, make_up_window, day, tuple(dict.fromkeys(cites)), tuple(provisional))


def _window(ends: tuple[DayRef, DayRef], year: int, name: str) -> Window:
    window = Window(resolve_day(ends[0], year), resolve_day(ends[1], year))
    if window.end < window.start:
        raise ValueError(f"the {name} window of {year} ends ({window.end}) before it starts ({window.start})")
    return window
