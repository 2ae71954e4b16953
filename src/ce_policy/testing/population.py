"""A reproducible population of records drawn from the shipped hypothesis strategies (`ce_policy.strategies`).

Hypothesis has no public "draw N examples with this seed" call, so the strategy is drawn the documented way:
a function decorated with ``@given``, run once under ``@seed(seed)`` and ``settings(database=None,
phases=[Phase.generate], max_examples=N)``, collects the examples it is called with. With the seed fixed, no
example database and no shrinking, the same seed gives the same records (for a given version of hypothesis
and of the policies). Hypothesis may call the function with the same record more than once, and may stop
before N when it finds no new examples: the records are de-duplicated, and the counts are reported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ce_policy.policy.loaded import Policy

__all__ = ["GeneratedPopulation", "generate_records"]

MAX_GENERATED = 100_000


@dataclass(frozen=True)
class GeneratedPopulation:
    """Records drawn from the strategies.

    Attributes:
        records: the distinct records, persons renamed ``gen-00001``, ``gen-00002`` … in drawing order.
        drawn: how many records hypothesis drew (duplicates included).
        seed: the seed used.
        policies: the ids of the policies the records were drawn for.
    """

    records: tuple[dict[str, Any], ...]
    drawn: int
    seed: int
    policies: tuple[str, ...]


def generate_records(count: int, seed: int, policies: Sequence[Policy]) -> GeneratedPopulation:
    """Draw up to ``count`` distinct records for ``policies`` with `ce_policy.strategies.records`.

    Each record is drawn for one of the policies (`hypothesis.strategies.one_of`), so it evaluates under it.

    Args:
        count: how many records to draw (1 to 100,000).
        seed: the seed; the same seed gives the same records.
        policies: the evaluable policies to draw records for.

    Raises:
        ValueError: ``count`` is out of range, or no policy is given.
        ImportError: hypothesis, a test dependency, is not installed.
    """
    if not 1 <= count <= MAX_GENERATED:
        raise ValueError(f"the number of records to generate must be between 1 and {MAX_GENERATED}")
    if not policies:
        raise ValueError("no policy to generate records for")
    from hypothesis import HealthCheck, Phase, given, settings  # noqa: PLC0415 - a test dependency
    from hypothesis import seed as hypothesis_seed  # noqa: PLC0415
    from hypothesis import strategies as st  # noqa: PLC0415

    from ce_policy.testing import strategies  # noqa: PLC0415 - imports hypothesis

    drawn: list[dict[str, Any]] = []
    strategy = st.one_of(*(strategies.records(policy=policy) for policy in policies))

    @hypothesis_seed(seed)
    @settings(
        database=None,
        max_examples=count,
        phases=[Phase.generate],
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(strategy)
    def collect(record: dict[str, Any]) -> None:
        drawn.append(record)

    collect()
    seen: set[str] = set()
    distinct: list[dict[str, Any]] = []
    for record in drawn:
        person = {k: v for k, v in record["person"].items() if k != "id"}
        key = json.dumps({**record, "person": person}, sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        distinct.append({**record, "person": {"id": f"gen-{len(distinct) + 1:05d}", **person}})
    return GeneratedPopulation(tuple(distinct[:count]), len(drawn), seed, tuple(p.id for p in policies))
