"""The population path (``decide/bulk``) gives, for every record, what `evaluate` decides (issue 19, 3 and 6).

Each row of its columns is compared with the `Decision` of `evaluate` for the same record: compliance, hours,
required hours, shortfalls, the projection, consequences and every activity's outcome. Populations are drawn
for every shipped policy (``ce_policy.testing.population``) and by the hypothesis strategies; each is decided
twice, so that the second pass looks most records up by situation, and once more with every activity's hours
changed, so that a situation is reused with other numbers.
"""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ce_policy import evaluate, strategies
from ce_policy.decide import bulk_lane
from ce_policy.decide.bulk import PopulationColumns, evaluate_population
from ce_policy.decide.facts import activity_fact, person_fields
from ce_policy.engine.memo import ABSENT
from ce_policy.model.errors import CePolicyError
from ce_policy.model.fast_record import table_schemas, valid_record
from ce_policy.model.record_table import RecordTable, check_table
from ce_policy.policy.registry import default_registry
from ce_policy.testing.population import generate_records
from tests.bulk_rows import expected_row

_SUMS = ("public", "professional", "total")


def _compare(records: list[dict[str, Any]], **options: Any) -> dict[str, int]:
    """Decide ``records`` on the population path and by `evaluate`; every row must equal; how each row went."""
    ways: dict[str, int] = {}
    chunks: list[PopulationColumns] = list(evaluate_population(records, chunk_size=37, **options))
    assert [i for chunk in chunks for i in chunk.index] == list(range(len(records)))
    for chunk in chunks:
        for row in range(len(chunk)):
            record = records[chunk.index[row]]
            error = chunk.error[row]
            if error is not None:
                with pytest.raises(CePolicyError) as refused:
                    evaluate(record, to_complete=options.get("to_complete", False))
                assert error.message == str(refused.value)
                ways["error"] = ways.get("error", 0) + 1
                continue
            decision = evaluate(record, to_complete=options.get("to_complete", False))
            assert chunk.error[row] is None
            assert chunk.row(row) == expected_row(decision), (chunk.decided_by[row], record)
            ways[chunk.decided_by[row]] = ways.get(chunk.decided_by[row], 0) + 1
    return ways


def _other_hours(records: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """The same records with each activity's hours changed (a quarter hour to 80 hours)."""
    rng = random.Random(seed)
    changed = copy.deepcopy(records)
    for record in changed:
        for activity in record.get("activities", []):
            if "hours" in activity:
                activity["hours"] = str(Decimal(rng.randrange(1, 321)) / 4)
    return changed


_POLICIES = [p for p in default_registry().policies() if p.evaluable]


@pytest.mark.parametrize("policy", _POLICIES, ids=lambda p: p.id)
def test_every_row_equals_evaluate_on_a_generated_population(policy: Any) -> None:
    records = list(generate_records(150, 11, [policy]).records)
    _compare(records)
    again = _compare(records)  # the tables now know these situations
    changed = _compare(_other_hours(records, 3))
    if policy.id in _BULK:
        assert again.get("bulk", 0) > 0  # the path under test was taken
        assert changed.get("bulk", 0) > 0
    else:  # shares, declared words (accounting); credits (health); a teacher's cycle (education): by evaluate
        assert "bulk" not in again


_BULK = {"xj.aksu.2025"}
"""The shipped policies whose records the population path decides by situation (some of them, once seen)."""


def test_to_complete_and_no_cache_give_what_evaluate_gives() -> None:
    records = list(generate_records(120, 5, _POLICIES).records)
    _compare(records)
    with_needs = _compare(records, to_complete=True)
    assert with_needs.get("evaluate", 0) > 0
    uncached = _compare(records, cache=False)
    assert "bulk" not in uncached


def test_a_row_gives_its_full_decision() -> None:
    records = list(generate_records(40, 2, _POLICIES).records)
    for chunk in evaluate_population(records):
        for row in range(len(chunk)):
            if chunk.error[row] is None:
                assert chunk.decision(row) == evaluate(records[chunk.index[row]], to_complete=False)


def test_the_lanes_columns_key_each_activity_as_its_fact() -> None:
    """The columns the lane keys activities by give the situations `activity_fact`'s facts give."""
    registry = default_registry()
    records = list(generate_records(200, 8, _POLICIES).records)
    table = RecordTable.from_records(records)
    owners = np.asarray(table.owner).tolist()
    checked_facts = 0
    for policy in _POLICIES:
        schemas = table_schemas(policy.vocabulary)
        assert schemas is not None
        members = [
            r
            for r, record in enumerate(records)
            if record["person"].get("sector", "general") == policy.sector
            or (policy.sector is None and record["person"].get("sector", "general") == "general")
        ]
        checked = check_table(table, members, schemas)
        region = registry.default_region or ""
        for group in bulk_lane._groups(table, checked, policy, None, region):
            columns = bulk_lane._LaneColumns(table, checked, group, policy)
            coded = group.memo.situation_codes("activity", columns.count, columns.column)
            assert coded is not None
            codes, distinct = coded
            assert len(distinct) == len(set(distinct))
            expected, facts = [], []
            for place in group.places.tolist():
                row = owners[place]
                record = valid_record(records[row], policy.vocabulary)
                assert record is not None
                index = place - owners.index(row)
                day = group.days[int(np.flatnonzero(group.rows == row)[0])]
                common = person_fields(record.person, record.year, record.person.region or region, policy.attributes)
                dates = policy.calendar(record.year)
                fact = activity_fact(index, record.activities[index], common, day, dates, policy.vocabulary.attributes)
                expected.append(group.memo.situation(fact))
                facts.append(fact)
            assert [distinct[c] for c in codes.tolist()] == expected
            for name in {*(name for fact in facts for name in fact), *policy.vocabulary.attributes, "credits"}:
                if name == "stage":
                    continue  # not a column: the stage is the first part of a situation
                given = columns.column(name)
                values = given.tolist() if hasattr(given, "tolist") else list(given)
                assert values == [fact.get(name, ABSENT) for fact in facts], name
            checked_facts += len(expected)
    assert checked_facts > 100


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(population=st.lists(st.one_of(strategies.records(max_activities=6), strategies.invalid_records()), max_size=10))
def test_any_population_is_decided_as_evaluate_decides_it(population: list[Any]) -> None:
    records = [r.model_dump(mode="json") if hasattr(r, "model_dump") else r for r in population]
    _compare(records)
    _compare(records)


def test_a_chunk_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        next(evaluate_population([], chunk_size=0))
