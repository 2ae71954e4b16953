"""The population path: many records decided at once, their results as columns, no `Decision` per person.

What the rules make of an activity depends on nothing but its *situation*: the answers its facts give to every
test of the rules of their stage (``engine.memo``). The activity stage decides the activity fact; from what
fired there, the standard hours follow (claimed, fixed or at most so many: Aksu 2025 §二, the hours of each
way) and the recognition fact is made, whose situation settles the rest. So a chunk of records is read into
columns (`RecordTable.from_records`) and checked column by column (``model.record_table``); the array lane
(``bulk_lane``) keys every activity by its situations and looks the outcome up in a table of situations
already decided, kept per engine (``bulk_keys``), sums hours per person and category with numpy (whole
hundredths, exact), and settles compliance, shortfalls and consequences by the year's situation (its totals
against every floor the rules test, §一) the same way. A situation not in the tables yet is decided by the
engine's rules firing: a probe record of the activities concerned goes through `evaluate` and fills the
tables (``bulk_chunk``); a record whose year is in a new situation is decided by `evaluate`.

Only what is the same for every record in one situation is kept: the category, registration, route and
reasons of an activity, and for a year the floors found short, the required hours, the consequences. Each
number (standard hours, totals, shortfalls) is computed from the record itself. A table entry that two
records would fill differently is never used (the records concerned go through `evaluate`).

A record goes through `evaluate` as a whole, and its row is filled from that `Decision` (``decided_by``
``"evaluate"``), when the bulk path cannot decide it: a policy with share floors or declared words, an
activity in a pool or earning credits (their caps are decided per person, §二 (五)), a year in a multi-year
cycle, an incomplete year when ``to_complete`` is asked for, a decision log in effect, ``cache=False``, or
a situation not yet in the table. The columns carry no trace and no provisional values: `decision` gives the
full `Decision` of a row (by `evaluate`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from ce_policy.decide.bulk_chunk import population_options
from ce_policy.decide.bulk_columns import PopulationColumns
from ce_policy.decide.bulk_table import decide_records
from ce_policy.model.record import Record
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry

__all__ = ["PopulationColumns", "evaluate_population"]

_DEFAULT_CHUNK = 2000


def evaluate_population(
    records: Iterable[Record | dict[str, Any]],
    *,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
    to_complete: bool = False,
    cache: bool = True,
    chunk_size: int = _DEFAULT_CHUNK,
) -> Iterator[PopulationColumns]:
    """Decide many records at once, in this process, chunk by chunk; each chunk's results as columns.

    Every row equals what `evaluate` decides for its record with the same arguments (its compliance, hours,
    required hours, shortfalls, consequences and each activity's outcome); `PopulationColumns.decision`
    gives a row's full `Decision`. What the bulk path cannot decide goes through `evaluate` (see the module).

    Args:
        records: records (`Record` or JSON data), read lazily, ``chunk_size`` at a time.
        policy: as for `evaluate`.
        as_of: as for `evaluate`.
        registry: as for `evaluate`.
        to_complete: as for `evaluate`, off by default as for `evaluate_many`; when on, an incomplete year is
            decided by `evaluate`.
        cache: as for `evaluate`; ``False`` decides every record by `evaluate`.
        chunk_size: records decided together.

    Yields:
        One `PopulationColumns` per chunk, in input order.

    Raises:
        ValueError: ``chunk_size`` is below 1.
    """
    options = population_options(policy, as_of, registry, to_complete, cache, chunk_size)
    raws: list[Any] = []
    first = 0
    for index, record in enumerate(records):
        raws.append(record)
        if len(raws) == chunk_size:
            yield decide_records(raws, first, options)
            raws, first = [], index + 1
    if raws:
        yield decide_records(raws, first, options)
