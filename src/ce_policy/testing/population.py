"""A reproducible population of records, drawn as the shipped hypothesis strategies draw them (`sampler`).

A population is drawn by `ce_policy.testing.sampler.RecordSampler` from one seeded random: each record for one
of the policies (chosen alike), one of its years (alike), and a person, activities and floor groups as
`ce_policy.strategies.records` draws them. Each policy and year is read once, so a record costs a fraction of a
millisecond, not the tens of milliseconds a draw through hypothesis's engine costs (``bench/bench_generate.py``
measures both). The same seed gives the same records for a given version of ce_policy and of the policies.
Two draws may give the same record: the records are de-duplicated, and the counts are reported.

A population for comparing two versions of the policies (`generate_common_records`, ``ce-policy diff
--generate``) holds only records both versions can decide: a record of a year, region or sector one version
has no policy in force for would otherwise be reported as a change that no policy of that version decides.
Each policy's years are restricted before drawing, each drawn record is checked in both versions, and what is
left out is listed (`LeftOut`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from ce_policy.model.errors import PolicyNotFoundError
from ce_policy.model.record import GENERAL_SECTOR
from ce_policy.policy.edges import year_dates
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry
from ce_policy.testing.sampler import RecordSampler, Seeded

__all__ = ["GeneratedPopulation", "LeftOut", "decision_day_in_force", "generate_common_records", "generate_records"]

MAX_GENERATED = 100_000


def decision_day_in_force(policy: Policy, year: int, as_of: dt.date | None = None) -> tuple[dt.date, bool]:
    """The day a record of ``year`` decided by ``policy`` speaks for, and whether the policy is in force on it.

    The day is ``as_of`` when given, else the year's decision date from the policy's calendar, as `evaluate`
    has it (``decide/engines.decision_date``). In force: from the top layer's ``in_force.from`` to its ``to``.
    """
    day = as_of or year_dates(policy, year).decide_on
    return day, policy.in_force_on(day)


@dataclass(frozen=True)
class LeftOut:
    """Part of a population left out because one version of the policies cannot decide it.

    Attributes:
        side: the version that cannot: ``old`` or ``new``.
        reason: ``no_policy``: none of its policies covers the region, year and sector; ``not_in_force``: the
            one that does (``decider``) is not in force on ``day``.
        region: the region (``None``: records naming none, decided in the version's default region).
        year: the year.
        sector: the sector.
        day: the decision date checked, when ``not_in_force``.
        decider: the policy of ``side`` covering the region, year and sector, when ``not_in_force``.
        drawn_for: the policy whose ``year`` was not drawn at all (its first region shown), or ``None`` for
            drawn records left out.
        records: how many drawn records were left out (0 for a year not drawn).
    """

    side: Literal["old", "new"]
    reason: Literal["no_policy", "not_in_force"]
    region: str | None
    year: int
    sector: str
    day: dt.date | None = None
    decider: str | None = None
    drawn_for: str | None = None
    records: int = 0

    def as_json(self) -> dict[str, Any]:
        """As JSON data (the day as ``YYYY-MM-DD``)."""
        return {**asdict(self), "day": self.day.isoformat() if self.day else None}


@dataclass(frozen=True)
class GeneratedPopulation:
    """Records drawn as the strategies draw them.

    Attributes:
        records: the distinct records, persons renamed ``gen-00001``, ``gen-00002`` … in drawing order.
        drawn: how many records were drawn (duplicates included).
        seed: the seed used.
        policies: the ids of the policies the records were drawn for.
        left_out: what was left out because one version cannot decide it (`generate_common_records`).
    """

    records: tuple[dict[str, Any], ...]
    drawn: int
    seed: int
    policies: tuple[str, ...]
    left_out: tuple[LeftOut, ...] = field(default=())

    @property
    def distinct(self) -> int:
        """The distinct records drawn: those kept and those left out."""
        return len(self.records) + sum(item.records for item in self.left_out)


def generate_records(
    count: int,
    seed: int,
    policies: Sequence[Policy],
    *,
    years: Mapping[str, Sequence[int]] | None = None,
    progress: Callable[[int], object] | None = None,
) -> GeneratedPopulation:
    """Draw ``count`` records for ``policies`` as `ce_policy.strategies.records` draws them; keep the distinct ones.

    Each record is drawn for one of the policies (chosen alike) and one of its years (alike), so it evaluates
    under it.

    Args:
        count: how many records to draw (1 to 100,000).
        seed: the seed; the same seed gives the same records.
        policies: the evaluable policies to draw records for.
        years: by policy id, the years to draw its records for (default, and for a policy not named: every
            year it covers).
        progress: called with 1 for each record drawn (e.g. a progress bar's ``update``).

    Raises:
        ValueError: ``count`` is out of range, or no policy is given.
    """
    if not 1 <= count <= MAX_GENERATED:
        raise ValueError(f"the number of records to generate must be between 1 and {MAX_GENERATED}")
    if not policies:
        raise ValueError("no policy to generate records for")
    samplers = [RecordSampler(p, tuple((years or {}).get(p.id, p.years))) for p in policies]
    choose = Seeded(seed)
    seen: set[str] = set()
    distinct: list[dict[str, Any]] = []
    for _ in range(count):
        record = choose.choice(samplers).record(choose)
        person = {k: v for k, v in record["person"].items() if k != "id"}
        key = json.dumps({**record, "person": person}, sort_keys=True)
        if key not in seen:
            seen.add(key)
            distinct.append({**record, "person": {"id": f"gen-{len(distinct) + 1:05d}", **person}})
        if progress is not None:
            progress(1)
    return GeneratedPopulation(tuple(distinct), count, seed, tuple(p.id for p in policies))


def _undecided(
    sides: Sequence[tuple[Literal["old", "new"], PolicyRegistry]],
    region: str | None,
    year: int,
    sector: str,
    policy: str | None,
    as_of: dt.date | None,
) -> LeftOut | None:
    """Why one of the versions cannot decide a record of ``region``, ``year`` and ``sector`` (``None``: both can)."""
    for side, registry in sides:
        if policy is not None:
            decider = registry.policy(policy)
        else:
            try:
                decider = registry.resolve(region, year, sector)
            except PolicyNotFoundError:
                return LeftOut(side, "no_policy", region, year, sector)
        day, in_force = decision_day_in_force(decider, year, as_of)
        if not in_force:
            return LeftOut(side, "not_in_force", region, year, sector, day=day, decider=decider.id)
    return None


def _candidates(old: PolicyRegistry, new: PolicyRegistry, policy: str | None) -> list[Policy]:
    """The policies to draw records for: the one forced, or every evaluable policy of either version."""
    if policy is not None:
        return [old.policy(policy)]
    chosen = {p.id: p for p in old.policies() if p.evaluable}
    chosen.update({p.id: p for p in new.policies() if p.evaluable and p.id not in chosen})
    return [chosen[i] for i in sorted(chosen)]


def generate_common_records(
    count: int,
    seed: int,
    old: PolicyRegistry,
    new: PolicyRegistry,
    *,
    policy: str | None = None,
    as_of: dt.date | None = None,
    progress: Callable[[int], object] | None = None,
) -> GeneratedPopulation:
    """Draw up to ``count`` distinct records that both versions of the policies can decide.

    Records are drawn for every evaluable policy of either version (or for ``policy``, decided under it on both
    sides), but only for the years for which, in one of the policy's regions and its sector, both versions
    have a policy in force on the decision date (``as_of``, or the year's default: `decision_day_in_force`).
    A drawn record one version still cannot decide (another of the policy's regions, or no region at all) is
    left out. Each year not drawn and each kind of record left out is in `GeneratedPopulation.left_out`.

    Raises:
        PolicyNotFoundError: no year of any policy is decided by both versions; or ``policy`` is unknown to one.
        PolicyFileError: a version's policy is invalid.
        ValueError: ``count`` is out of range.
    """
    sides: tuple[tuple[Literal["old", "new"], PolicyRegistry], ...] = (("old", old), ("new", new))
    candidates = _candidates(old, new, policy)
    years: dict[str, tuple[int, ...]] = {}
    left_out: list[LeftOut] = []
    for candidate in candidates:
        sector = candidate.sector or GENERAL_SECTOR
        kept: list[int] = []
        for year in candidate.years:
            reasons = [
                _undecided(sides, region, year, sector, policy, as_of) for region in candidate.regions or (None,)
            ]
            if None in reasons:
                kept.append(year)
            elif reasons[0] is not None:
                left_out.append(replace(reasons[0], drawn_for=candidate.id))
        if kept:
            years[candidate.id] = tuple(kept)
    chosen = [p for p in candidates if p.id in years]
    if not chosen:
        listed = "; ".join(
            f"{i.drawn_for} {i.year}: {i.reason.replace('_', ' ')} in {i.side.upper()}" for i in left_out
        )
        raise PolicyNotFoundError(
            "no policy of either version has a year that both versions can decide (a policy in force on the "
            f"decision date for its region, year and sector), so there is nothing to draw records for: {listed}"
        )
    drawn = generate_records(count, seed, chosen, years=years, progress=progress)
    kept_records: list[dict[str, Any]] = []
    dropped: Counter[LeftOut] = Counter()
    for record in drawn.records:
        person = record["person"]
        sector = person.get("sector", GENERAL_SECTOR)
        undecided = _undecided(sides, person.get("region"), record["year"], sector, policy, as_of)
        if undecided is None:
            kept_records.append(record)
        else:
            dropped[undecided] += 1
    left_out += [replace(why, records=n) for why, n in dropped.items()]
    return replace(drawn, records=tuple(kept_records), left_out=tuple(left_out))
