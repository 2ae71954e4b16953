"""Which policy decides a record, and its engine: policy resolution, the compiled engines and their memos.

An engine is compiled once per policy and period in which its rules are in force, and kept (LRU-bounded), each
with the memo of what its rules fired (``engine.memo``).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from ce_policy.decide.activity_result import ActivityResult
from ce_policy.decide.facts import check_attributes
from ce_policy.engine.compiler import compile_policy
from ce_policy.engine.memo import FiringMemo
from ce_policy.engine.rules_engine import RulesEngine
from ce_policy.model.decision import PolicyInfo
from ce_policy.model.errors import CePolicyError, PolicyFileError, PolicyNotFoundError, RecordError
from ce_policy.model.fast_record import RecordFields, valid_fields, valid_record
from ce_policy.model.record import DEFERRED, GENERAL_SECTOR, Person, Record, parse_model
from ce_policy.model.ways import ANY_POLICY, Vocabulary
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry

__all__ = [
    "decision_date",
    "engine_for",
    "memo_of",
    "parse_for_policy",
    "policy_info",
    "resolve_policy",
    "valid_fields_and_policy",
    "valid_record_and_policy",
]

M = TypeVar("M", bound=BaseModel)

_ENGINE_CACHE_SIZE = 64
_engines: OrderedDict[tuple[str, str, int, int], RulesEngine] = OrderedDict()
_engines_lock = threading.Lock()
_memos: weakref.WeakKeyDictionary[RulesEngine, FiringMemo[ActivityResult]] = weakref.WeakKeyDictionary()


def engine_for(policy: Policy, day: dt.date) -> RulesEngine:
    """The engine for ``policy`` as in force on ``day``: compiled once per period and reused (LRU-bounded)."""
    # The object itself is part of the key: an in-memory copy with other values keeps the files' digest.
    key = (policy.id, policy.digest, policy.epoch(day), id(policy))
    with _engines_lock:
        engine = _engines.get(key)
        if engine is not None:
            _engines.move_to_end(key)
            return engine
        engine = RulesEngine(compile_policy(policy, day))
        _engines[key] = engine
        _memos[engine] = FiringMemo(engine.compiled)
        if len(_engines) > _ENGINE_CACHE_SIZE:
            _, evicted = _engines.popitem(last=False)
            evicted.close()
        return engine


def resolve_policy(policy: str | Policy | None, person: Person, year: int, registry: PolicyRegistry | None) -> Policy:
    """The policy to use: the one given (by id or object), or the one for the person's region and the year."""
    if isinstance(policy, Policy):
        return policy
    reg = registry or default_registry()
    if policy is not None:
        return reg.policy(policy)
    return reg.resolve(person.region, year, person.sector)


def parse_for_policy(
    model: type[M], data: Any, policy: str | Policy | None, registry: PolicyRegistry | None, year: int | None = None
) -> M:
    """Validate ``data`` as ``model`` (a `Record` or `History`), its vocabulary left for its policy to check.

    When the data is invalid, its vocabulary is checked too, against the policy given, or else the one its
    person and year resolve to if they can be read; when no policy can be told, only what every policy
    requires (the way fields a kind needs): a value a sector's layer declares is not refused for want of
    knowing the sector.

    Raises:
        RecordError: listing every problem with its JSON path.
    """
    try:
        return parse_model(model, data, DEFERRED)
    except RecordError:
        vocabulary = _vocabulary_for(data, policy, registry, year)
    return parse_model(model, data, vocabulary)  # raises, with the vocabulary's problems too


def valid_record_and_policy(
    data: Any, policy: str | Policy | None, registry: PolicyRegistry | None
) -> tuple[Record, Policy] | None:
    """A valid record (plain JSON data) and the policy that decides it, checked by pydantic-core alone.

    The fast path of `evaluate` (``model.fast_record``): the policy is found from the data's own person and
    year, and the record checked against its vocabulary (`valid_record`) and the person's attributes against
    those the policy declares. ``None`` when the data is not a plain dict, the
    policy cannot be told from it, or any check fails: `parse_for_policy` and `check_vocabulary` then decide
    and name every problem, in the same order as ever.
    """
    chosen = _policy_of_data(data, policy, registry)
    if chosen is None:
        return None
    record = valid_record(data, chosen.vocabulary)
    if record is None:
        return None
    if record.person.attributes:
        try:
            check_attributes(record.person, chosen)
        except RecordError:
            return None
    return record, chosen


def valid_fields_and_policy(
    data: Any, policy: str | Policy | None, registry: PolicyRegistry | None
) -> tuple[RecordFields, Policy] | None:
    """`valid_record_and_policy` with the record's fields as plain dicts (``model.fast_record.valid_fields``).

    For the population path. ``None`` also when the person gives attributes (their check needs the `Person`).
    """
    chosen = _policy_of_data(data, policy, registry)
    if chosen is None:
        return None
    fields = valid_fields(data, chosen.vocabulary)
    if fields is None or fields.person["attributes"]:
        return None
    return fields, chosen


def _policy_of_data(data: Any, policy: str | Policy | None, registry: PolicyRegistry | None) -> Policy | None:
    """The policy that decides plain JSON ``data``, told from its own person and year; ``None`` if not told."""
    if type(data) is not dict:
        return None
    try:
        if isinstance(policy, Policy):
            chosen = policy
        elif policy is not None:
            chosen = (registry or default_registry()).policy(policy)
        else:
            person, year = data.get("person"), data.get("year")
            if type(person) is not dict or type(year) is not int:
                return None
            region, sector = person.get("region"), person.get("sector", GENERAL_SECTOR)
            if not (region is None or type(region) is str) or type(sector) is not str:
                return None
            chosen = (registry or default_registry()).resolve(region, year, sector)
    except CePolicyError:
        return None
    return chosen


def _vocabulary_for(
    data: Any, policy: str | Policy | None, registry: PolicyRegistry | None, year: int | None
) -> Vocabulary:
    """The vocabulary of the policy the invalid record (or history) ``data`` would be decided by, as far as known."""
    if isinstance(policy, Policy):
        return policy.vocabulary
    reg = registry or default_registry()
    try:
        if policy is not None:
            return reg.policy(policy).vocabulary
        given = data.get("year", year) if isinstance(data, Mapping) else year
        if isinstance(given, int) and not isinstance(given, bool):
            person = parse_model(Person, data.get("person"), DEFERRED)
            return reg.resolve(person.region, given, person.sector).vocabulary
    except CePolicyError:
        pass
    return ANY_POLICY


def decision_date(policy: Policy, year: int, as_of: dt.date | None) -> dt.date:
    """The date a record of ``year`` is decided as of: ``as_of``, else the year's decision date under ``policy``.

    The decision date comes from the policy's layers (``calendar:``; by default the last day of the year's
    latest window). Either way the policy must be in force on it: no other policy's rules stand in for it.

    Raises:
        PolicyNotFoundError: the policy is not in force on that date.
        PolicyFileError: a ``MM-DD`` day of the policy's calendar does not exist in ``year``.
    """
    if as_of is None:
        try:
            as_of = policy.calendar(year).decide_on
        except ValueError as exc:
            rule = policy.calendar_rules[-1]
            raise PolicyFileError.single(rule.file, rule.line, "invalid_calendar", str(exc)) from None
    if not policy.in_force_on(as_of):
        top = policy.top
        span = f"from {top.in_force_from}" + (f" to {top.in_force_to}" if top.in_force_to else "")
        details = {
            "id": policy.id,
            "from": top.in_force_from,
            "to": top.in_force_to or "",
            "year": year,
            "as_of": as_of,
        }
        raise PolicyNotFoundError(
            f"policy {policy.id!r} is in force {span}; it does not decide a record of {year} as of {as_of}",
            code="not_in_force",
            details=details,
        )
    return as_of


def policy_info(policy: Policy, person: Person) -> PolicyInfo:
    """How a decision names its policy, and whether the person's sector had to fall back to the general one."""
    fallback = policy.sector is None and person.sector != GENERAL_SECTOR
    return _policy_info(policy.id, policy.version, policy.digest, policy.chain, policy.sector, fallback)


@functools.lru_cache(maxsize=256)
def _policy_info(
    policy_id: str, version: str, digest: str, chain: tuple[str, ...], sector: str | None, fallback: bool
) -> PolicyInfo:
    # Frozen, so one object per policy can be shared by every decision it makes.
    return PolicyInfo(id=policy_id, version=version, digest=digest, chain=chain, sector=sector, fallback=fallback)


def memo_of(engine: RulesEngine) -> FiringMemo[ActivityResult] | None:
    """The memo of what ``engine``'s rules fired, if the engine is still kept."""
    return _memos.get(engine)
