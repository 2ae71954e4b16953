"""Exact hours: 学时 as `decimal.Decimal` with at most two decimal places.

The rules engine compares numbers as C doubles, where ten times 0.1 is not 1. ce_policy therefore keeps hours
as decimals in Python, sums them exactly, and hands the engine whole *centi-hours* (hundredths of a 学时) as
integers, which it compares exactly.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = ["MAX_HOURS", "HourSum", "Hours", "from_centi", "hours_to_json", "parse_hours", "plain_hours", "to_centi"]

MAX_HOURS = Decimal(10_000)
_MAX_WHOLE = int(MAX_HOURS)
_CENT = Decimal("0.01")
_ONE = Decimal(1)


def parse_hours(value: Any) -> Decimal:
    """Turn a JSON number into exact hours, refusing anything that is not a finite, non-negative number.

    Raises:
        PydanticCustomError: a ``ValueError`` coded ``wrong_type``, ``hours_invalid`` or
            ``hours_precision``.
    """
    if type(value) is int and 0 <= value <= _MAX_WHOLE:  # whole hours, the common case: already exact and plain
        return Decimal(value)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("wrong_type", "hours must be a number, not {kind}", {"kind": type(value).__name__})
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError("hours_invalid", "hours must be a finite number")
        value = Decimal(repr(value))
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise PydanticCustomError("wrong_type", "hours must be a number") from None
    if not result.is_finite():
        raise PydanticCustomError("hours_invalid", "hours must be a finite number")
    if result < 0:
        raise PydanticCustomError("hours_invalid", "hours must not be negative")
    if result > MAX_HOURS:
        raise PydanticCustomError("hours_invalid", "hours must not exceed {limit}", {"limit": str(MAX_HOURS)})
    if result != result.quantize(_CENT):
        raise PydanticCustomError("hours_precision", "hours may have at most two decimal places")
    return _plain(result)


def _plain(value: Decimal) -> Decimal:
    """The value with no trailing zeros and no exponent: ``10``, ``29.5``, ``0.01``."""
    if value == value.to_integral_value():
        return value.quantize(_ONE)
    return value.normalize()


def hours_to_json(value: Decimal) -> int | float:
    """Render hours as a JSON number: an integer when whole, otherwise the shortest float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def to_centi(value: Decimal) -> int:
    """Hours as an integer count of hundredths, which the engine compares exactly."""
    return int(value * 100)


def from_centi(value: int) -> Decimal:
    """The inverse of `to_centi`."""
    return _plain(Decimal(value) / 100)


def plain_hours(value: Decimal) -> Decimal:
    """Hours written without trailing zeros or exponent (``1.0`` → ``1``), as decisions report them."""
    return _plain(value)


HourSum = Annotated[
    Decimal,
    Field(ge=0, allow_inf_nan=False),
    PlainSerializer(hours_to_json, return_type=int | float, when_used="json"),
    WithJsonSchema({"type": "number", "minimum": 0, "multipleOf": 0.01}),
]
"""Hours as reported in decisions (sums have no upper limit): a finite, non-negative decimal.

Checked by pydantic itself, with no Python call per value, as decisions are made by the thousand; the code
that makes a decision gives these values already exact and written plainly (`plain_hours`).
"""

Hours = Annotated[
    Decimal,
    BeforeValidator(parse_hours),
    PlainSerializer(hours_to_json, return_type=int | float, when_used="json"),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": int(MAX_HOURS), "multipleOf": 0.01}),
]
"""Hours (学时): a finite number ≥ 0 with at most two decimal places, held as `decimal.Decimal`."""
