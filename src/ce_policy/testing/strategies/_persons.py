"""Persons: an id, a title level, and a sector and region fitting the policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from hypothesis import strategies as st

from ce_policy.model.record import GENERAL_SECTOR, Person
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import default_registry
from ce_policy.testing.strategies._args import _DEFAULT_YEAR, Json, _overrides, _resolve
from ce_policy.testing.strategies._values import _identifiers

_CODES = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
_TITLE_LEVELS: tuple[str, ...] = get_args(Person.model_fields["title_level"].annotation)


def _regions(policy: Policy | None) -> st.SearchStrategy[str | None]:
    if policy is None:
        dotted = st.lists(_CODES, min_size=1, max_size=3).map(".".join)
        return st.one_of(st.none(), dotted)
    options: list[str | None] = list(policy.regions)
    default = default_registry().default_region
    if default is not None and any(default == r or default.startswith(r + ".") for r in policy.regions):
        options.append(None)  # a person without a region is evaluated in the default one
    return st.sampled_from(options)


def _sectors(policy: Policy | None) -> st.SearchStrategy[str | None]:
    if policy is None:
        return st.one_of(st.none(), st.just(GENERAL_SECTOR), _CODES)
    if policy.sector is None:
        return st.sampled_from((None, GENERAL_SECTOR))  # left out, the sector is the general one
    return st.just(policy.sector)


def _persons(policy: Policy | None, fields: Mapping[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Json]:
    defaults: dict[str, st.SearchStrategy[Any]] = {
        "id": _identifiers(),
        "title_level": st.sampled_from(_TITLE_LEVELS),
        "sector": _sectors(policy),
        "region": _regions(policy),
    }
    chosen = {**defaults, **fields}
    return st.fixed_dictionaries(chosen).map(lambda data: {k: v for k, v in data.items() if v is not None})


def persons(*, policy: Policy | str | None = None, **overrides: Any) -> st.SearchStrategy[Json]:
    """Persons, as JSON objects: ``{"id", "title_level", "sector"?, "region"?}``.

    With a policy, the sector is the policy's (for a general policy: ``general`` or left out) and the region
    one the policy covers (or left out, when the default region is one of them). Without one, sectors and
    regions are any codes. Ids are short and shrink towards ``"a"``; title levels towards ``junior``.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name.
        **overrides: a value or a strategy for any field of `ce_policy.Person`.

    Raises:
        InvalidArgument: an unknown policy or field, or a value `ce_policy.Person` refuses.
    """
    chosen = _resolve(policy, _DEFAULT_YEAR, "persons")
    fields, _ = _overrides(Person, overrides, "persons")
    return _persons(chosen, fields)
