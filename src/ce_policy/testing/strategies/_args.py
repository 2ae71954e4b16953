"""What the strategies share: the JSON type, the default year, and checking their arguments.

The arguments are checked when a strategy is made, not when an example is drawn: the policy meant
(`_resolve`), the year (`_year_of`), overrides of a model's fields (`_overrides`) and, for overrides drawn
from strategies, the data they give (`_valid`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from annotated_types import Ge, Le
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from pydantic import BaseModel, TypeAdapter, ValidationError

from ce_policy.model.errors import CePolicyError
from ce_policy.model.hours import hours_to_json
from ce_policy.model.record import GENERAL_SECTOR, Record
from ce_policy.model.ways import BUILT_IN, VOCABULARY_CONTEXT, Vocabulary
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import default_registry
from ce_policy.policy.shapes import did_you_mean

Json = dict[str, Any]
"""A JSON object, as generated."""

_DEFAULT_YEAR = 2025
_YEAR_FIELD = Record.model_fields["year"].metadata
_MIN_YEAR = cast(int, next(m.ge for m in _YEAR_FIELD if isinstance(m, Ge)))
_MAX_YEAR = cast(int, next(m.le for m in _YEAR_FIELD if isinstance(m, Le)))


def _check_int(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name}={value!r} must be an integer")
    if not low <= value <= high:
        raise InvalidArgument(f"{name}={value!r} must be between {low} and {high}")
    return value


def _resolve(policy: Policy | str | None, year: int, function: str) -> Policy | None:
    """The policy meant by ``policy``: itself, the one with that id, or the one for that sector."""
    if policy is None:
        return None
    if isinstance(policy, Policy):
        chosen = policy
    elif isinstance(policy, str):
        registry = default_registry()
        ids = registry.layer_ids()
        sectors = {registry.coverage(i)[2] for i in ids} - {None} | {GENERAL_SECTOR}
        try:
            if policy in ids:
                chosen = registry.policy(policy)
            elif policy in sectors:
                chosen = registry.resolve(None, year, policy)
            else:
                hint = did_you_mean(policy, [*ids, *sorted(s for s in sectors if s)])
                message = f"{function}(policy={policy!r}): neither a policy id nor a sector{hint}"
                raise InvalidArgument(f"{message}; policies: {', '.join(ids)}")
        except CePolicyError as exc:
            raise InvalidArgument(f"{function}(policy={policy!r}): {exc}") from None
    else:
        raise InvalidArgument(f"{function}(policy=...) takes a Policy, a policy id or a sector, not {policy!r}")
    if not chosen.evaluable:
        raise InvalidArgument(f"{function}(policy={chosen.id!r}): a base layer, which says nowhere and never applies")
    return chosen


def _year_of(policy: Policy | None, year: Any, function: str, name: str = "year") -> int:
    checked = _check_int(name, year, _MIN_YEAR, _MAX_YEAR)
    if policy is not None and checked not in policy.years:
        covered = ", ".join(str(y) for y in policy.years)
        raise InvalidArgument(f"{function}({name}={checked}): policy {policy.id!r} covers only {covered}")
    return checked


def _json(value: Any) -> Any:
    """``value`` as JSON data: models dumped, dates as text, decimals as numbers."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return hours_to_json(value) if value.is_finite() else float(value)
    if isinstance(value, Mapping):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


def _overrides(
    model: type[BaseModel], given: Mapping[str, Any], function: str
) -> tuple[dict[str, st.SearchStrategy[Any]], dict[str, Any]]:
    """Check overrides eagerly: the strategies for every field, and the JSON values of those given as values."""
    names = tuple(model.model_fields)
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name not in names:
            hint = did_you_mean(name, names)
            raise InvalidArgument(f"{function}() has no field {name!r}{hint}; its fields: {', '.join(names)}")
        if isinstance(value, st.SearchStrategy):
            strategies[name] = value.map(_json)
            continue
        data = _json(value)
        try:
            TypeAdapter(model.model_fields[name].rebuild_annotation()).validate_python(data)
        except ValidationError as exc:
            message = exc.errors(include_url=False)[0]["msg"]
            raise InvalidArgument(f"{function}({name}={value!r}): not a valid {name}: {message}") from None
        strategies[name] = st.just(data)
        values[name] = data
    return strategies, values


def _valid(model: type[BaseModel], data: Json, function: str, vocabulary: Vocabulary = BUILT_IN) -> Json:
    """``data``, after checking that it is a valid ``model`` under ``vocabulary``.

    Overrides drawn from strategies may not fit.
    """
    try:
        model.model_validate(data, context={VOCABULARY_CONTEXT: vocabulary})
    except ValidationError as exc:
        raise InvalidArgument(f"{function}(): the overrides gave an invalid {model.__name__}: {exc}") from None
    return data
