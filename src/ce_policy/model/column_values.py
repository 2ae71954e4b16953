"""The values of a column as numbers: each value numbered among the distinct ones, day numbers, hours.

Helpers of the columns' checks (``model.record_table``) and of the population path's lane (``decide.bulk_lane``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["NUMBER_TYPES", "date_numbers", "hour_numbers", "numbered"]

_EPOCH = dt.date(1970, 1, 1).toordinal()
NUMBER_TYPES = frozenset({int, float})
"""The types an activity's hours are read from as numbers (a decimal is read exactly, apart)."""
_HUGE = 10**300


def numbered(values: Sequence[Any]) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Each value's number among the distinct values (in order of first sight), and those values."""
    distinct = list(dict.fromkeys(values))
    number = {value: i for i, value in enumerate(distinct)}
    return np.fromiter(map(number.__getitem__, values), dtype=np.int64, count=len(values)), distinct


def hour_numbers(hours: list[Any], given_types: set[type]) -> npt.NDArray[np.float64]:
    """Each activity's hours as a float (NaN for what is not a number, or a whole number too large for one)."""
    if given_types <= NUMBER_TYPES:
        try:
            return np.asarray(hours, dtype=np.float64)
        except OverflowError:  # a whole number beyond any float: refused by the schema
            pass
    return np.asarray([_hour_number(value) for value in hours], dtype=np.float64)


def _hour_number(value: Any) -> float:
    if value.__class__ is float:
        return float(value)
    return float(value) if value.__class__ is int and -_HUGE < value < _HUGE else math.nan


def date_numbers(days: Any) -> Any:
    """Day numbers (`date.toordinal`) as ``yyyymmdd`` whole numbers (as `date_number` makes them)."""
    moments = (days - _EPOCH).astype("datetime64[D]")
    years = moments.astype("datetime64[Y]").astype(np.int64) + 1970
    months = moments.astype("datetime64[M]").astype(np.int64) % 12 + 1
    first = moments.astype("datetime64[M]").astype("datetime64[D]")
    return years * 10_000 + months * 100 + (moments - first).astype(np.int64) + 1
