"""Persons: an id, a title level, a sector and region fitting the policy, a degree, declared attributes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from ce_policy.model.record import DEGREE_LEVELS, GENERAL_SECTOR, Person
from ce_policy.policy.loaded import Policy
from ce_policy.testing.sampler import TITLE_LEVELS, region_options, sector_options
from ce_policy.testing.strategies._args import _DEFAULT_YEAR, Json, _overrides, _resolve
from ce_policy.testing.strategies._values import _identifiers

_CODES = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
_TITLE_LEVELS = TITLE_LEVELS


def _regions(policy: Policy | None) -> st.SearchStrategy[str | None]:
    if policy is None:
        dotted = st.lists(_CODES, min_size=1, max_size=3).map(".".join)
        return st.one_of(st.none(), dotted)
    return st.sampled_from(region_options(policy))


def _sectors(policy: Policy | None) -> st.SearchStrategy[str | None]:
    if policy is None:
        return st.one_of(st.none(), st.just(GENERAL_SECTOR), _CODES)
    options = sector_options(policy)  # a general policy's: left out (the general one) or general
    return st.just(options[0]) if len(options) == 1 else st.sampled_from(options)


def _attributes(policy: Policy | None) -> st.SearchStrategy[dict[str, str] | None]:
    """The person attributes the policy declares, each given or left out; none without a policy."""
    if policy is None or not policy.attributes:
        return st.none()
    optional = {name: st.sampled_from(attribute.choices) for name, attribute in policy.attributes.items()}
    return st.fixed_dictionaries({}, optional=optional).map(lambda given: given or None)


def _persons(policy: Policy | None, fields: Mapping[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Json]:
    defaults: dict[str, st.SearchStrategy[Any]] = {
        "id": _identifiers(),
        "title_level": st.sampled_from(_TITLE_LEVELS),
        "sector": _sectors(policy),
        "region": _regions(policy),
        "degree_level": st.one_of(
            st.none(), st.sampled_from(policy.vocabulary.choices["degree_level"] if policy else DEGREE_LEVELS)
        ),
        "attributes": _attributes(policy),
    }
    chosen = {**defaults, **fields}
    return st.fixed_dictionaries(chosen).map(lambda data: {k: v for k, v in data.items() if v is not None})


def persons(*, policy: Policy | str | None = None, **overrides: Any) -> st.SearchStrategy[Json]:
    """Persons, as JSON objects: ``{"id", "title_level", "sector"?, "region"?, "degree_level"?, "attributes"?}``.

    With a policy, the sector is the policy's (for a general policy: ``general`` or left out), the region
    one the policy covers (or left out, when the default region is one of them), and each person attribute
    the policy declares one of its choices or left out. Without one, sectors and regions are any codes and no
    attribute is given. Ids are short and shrink towards ``"a"``; title levels towards ``junior``; the degree
    and the attributes towards being left out.

    Args:
        policy: a `ce_policy.Policy`, a policy id or a sector name.
        **overrides: a value or a strategy for any field of `ce_policy.Person`.

    Raises:
        InvalidArgument: an unknown policy or field, or a value `ce_policy.Person` refuses.
    """
    chosen = _resolve(policy, _DEFAULT_YEAR, "persons")
    fields, _ = _overrides(Person, overrides, "persons")
    return _persons(chosen, fields)
