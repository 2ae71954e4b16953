"""The population path on records given as columns (``decide.bulk_table``, ``model.record_table``).

Every row must equal what `evaluate` decides for the record (the same errors too), and the columns must
never vouch for a record that `valid_fields` refuses, nor read a value otherwise than it does (issue 19: "the
same validation as a single record").
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ce_policy
from ce_policy import strategies
from ce_policy.decide.bulk_columns import SUMMED
from ce_policy.decide.bulk_table import evaluate_table
from ce_policy.decide.engines import decision_date, engine_for
from ce_policy.model.errors import CePolicyError
from ce_policy.model.fast_record import table_schemas, valid_fields
from ce_policy.model.hours import to_centi
from ce_policy.model.record_table import MISSING, NO_DAY, RecordTable, check_table
from ce_policy.policy.registry import default_registry
from ce_policy.testing.population import generate_records
from tests.bulk_rows import expected_row
from tests.layers import MAKE_UP_FILES, MAKE_UP_LAYER, registry_with

_POLICIES = [p for p in default_registry().policies() if p.evaluable]
_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def _rows_alike(records: list[Any], **options: Any) -> dict[str, int]:
    """The table path on ``records``: every row and error what `evaluate` gives; how the table path decided each."""
    table = RecordTable.from_records(records)
    ways: dict[str, int] = {}
    by_table = list(evaluate_table(table, chunk_size=23, **options))
    assert [i for chunk in by_table for i in chunk.index] == list(range(len(records)))
    alone = {"to_complete": False, **options}
    for mine in by_table:
        for row in range(len(mine)):
            record = records[mine.index[row]]
            error = mine.error[row]
            if error is not None:
                with pytest.raises(CePolicyError) as refused:
                    ce_policy.evaluate(record, **alone)
                assert error.message == str(refused.value)
            else:
                assert mine.row(row) == expected_row(ce_policy.evaluate(record, **alone)), (
                    mine.decided_by[row],
                    record,
                )
            ways[mine.decided_by[row] or "error"] = ways.get(mine.decided_by[row] or "error", 0) + 1
    return ways


@pytest.mark.parametrize("policy", _POLICIES, ids=lambda p: p.id)
def test_every_row_equals_evaluate_on_a_generated_population(policy: Any) -> None:
    records = list(generate_records(150, 17, [policy]).records)
    _rows_alike(records)
    again = _rows_alike(records)
    if policy.id == "xj.aksu.2025":
        assert again.get("bulk", 0) > 0  # the path under test was taken


def test_to_complete_no_cache_as_of_and_a_named_policy_are_honoured() -> None:
    records = list(generate_records(80, 5, _POLICIES).records)
    _rows_alike(records)
    assert "bulk" not in _rows_alike(records, cache=False)
    _rows_alike(records, to_complete=True)
    aksu = [r for r in records if r["person"].get("sector", "general") == "general"]
    _rows_alike(aksu, policy="xj.aksu.2025", as_of=dt.date(2025, 12, 31))


@_SETTINGS
@given(population=st.lists(st.one_of(strategies.records(max_activities=6), strategies.invalid_records()), max_size=8))
def test_any_population_is_decided_as_evaluate_decides_it(population: list[Any]) -> None:
    records = [r[0] if isinstance(r, tuple) else r for r in population]
    _rows_alike(records)
    _rows_alike(records)


@pytest.mark.parametrize("policy", _POLICIES, ids=lambda p: p.id)
def test_the_columns_vouch_only_for_what_valid_fields_vouches_for_and_read_it_alike(policy: Any) -> None:
    schemas = table_schemas(policy.vocabulary)
    assert schemas is not None

    @_SETTINGS
    @given(
        st.lists(st.one_of(strategies.records(policy=policy), strategies.invalid_records(policy=policy)), max_size=6)
    )
    def check(population: list[Any]) -> None:
        records = [r[0] if isinstance(r, tuple) else r for r in population]
        table = RecordTable.from_records(records)
        checked = check_table(table, list(range(len(records))), schemas)
        owner = list(table.owner)
        for row, valid in zip(checked.rows.tolist(), checked.valid.tolist(), strict=True):
            if not valid:
                continue
            fields = valid_fields(records[row], policy.vocabulary)
            assert fields is not None, records[row]
            mine = [i for i, p in enumerate(checked.places.tolist()) if owner[p] == row]
            assert [checked.centi[i] for i in mine] == [to_centi(a["hours"]) for a in fields.activities]
            days = [checked.dates["completed_on"][i] for i in mine]
            assert days == [a["completed_on"].toordinal() for a in fields.activities]
            granted = [checked.dates["granted_on"][i] for i in mine]
            assert granted == [
                NO_DAY if a["granted_on"] is None else a["granted_on"].toordinal() for a in fields.activities
            ]

    check()


_DATE_TEXTS = st.one_of(
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.sampled_from(
        [
            *("2024-02-29", "2025-02-29", "2025-04-31", "2025-12-31", "0000-01-01", "0001-01-01", "9999-12-31"),
            *("2025-00-10", "2025-13-01", "2025-01-00", "2025/01/01", " 2025-1-01", "2025-01-1 ", "２０２５-01-01"),
        ]
    ),
    st.text(min_size=10, max_size=10),
)
"""Texts of ten characters, near and on the edges of a real day."""


@settings(_SETTINGS, max_examples=150)
@given(
    st.one_of(
        st.lists(st.lists(_DATE_TEXTS, min_size=1, max_size=4), min_size=1, max_size=6),
        st.lists(st.lists(_DATE_TEXTS | st.text(max_size=12), min_size=1, max_size=4), min_size=1, max_size=6),
    )
)
def test_dates_read_once_per_distinct_text_are_read_as_the_records_schema_reads_them(dates: list[list[str]]) -> None:
    policy = next(p for p in _POLICIES if p.id == "xj.aksu.2025")
    schemas = table_schemas(policy.vocabulary)
    assert schemas is not None
    records = [
        {
            "person": {"id": f"p{r}", "title_level": "junior"},
            "year": 2025,
            "activities": [
                {"id": f"a{i}", "kind": "public_course", "hours": 2, "on_platform": True, "passed": True}
                | {"completed_on": day}
                for i, day in enumerate(days)
            ],
        }
        for r, days in enumerate(dates)
    ]
    checked = check_table(RecordTable.from_records(records), list(range(len(records))), schemas)
    days = checked.dates["completed_on"].tolist()  # every activity, in order
    for row, valid in enumerate(checked.valid.tolist()):
        fields = valid_fields(records[row], policy.vocabulary)
        assert valid == (fields is not None), records[row]
        if fields is not None:
            start = sum(len(d) for d in dates[:row])
            mine = days[start : start + len(dates[row])]
            assert mine == [a["completed_on"].toordinal() for a in fields.activities]


def test_generated_records_are_vouched_for_by_the_columns() -> None:
    policy = next(p for p in _POLICIES if p.id == "xj.aksu.2025")
    records = [r for r in generate_records(200, 3, [policy]).records if not r["person"].get("attributes")]
    schemas = table_schemas(policy.vocabulary)
    assert schemas is not None
    checked = check_table(RecordTable.from_records(records), list(range(len(records))), schemas)
    credited = {
        i
        for i, r in enumerate(records)
        if any(a.get("credits") is not None or a.get("attributes") for a in r["activities"])
    }
    assert all(valid or row in credited for row, valid in enumerate(checked.valid.tolist()))


def test_a_table_gives_back_each_record_as_read() -> None:
    records: list[Any] = [
        {
            "person": {"id": "p1", "title_level": "senior"},
            "year": 2025,
            "activities": [{"id": "a", "kind": "training"}],
        },
        {"person": {"id": "p2", "title_level": "junior", "region": None}, "year": 2025},
        {"person": "nobody", "year": 2025, "activities": []},
        {"person": {"id": "p3", "title_level": "junior"}, "year": 2025, "labels": {"county": "库车市"}},
        ["not", "a", "record"],
        {"person": {"id": "p4", "title_level": "junior"}, "year": 2025, "activities": [{"id": "a", "odd": 1}]},
    ]
    table = RecordTable.from_records(records)
    expected = [*records]
    expected[1] = {**records[1], "activities": []}  # left out and empty read alike
    expected[3] = {**records[3], "activities": []}
    assert [table.record(row) for row in range(len(records))] == expected
    assert table.rows(1, 4).record(2) == expected[3]
    assert table.labels is not None and table.labels[3] == records[3]["labels"]  # a column, not kept apart
    assert 3 not in table.extra


def test_columns_given_directly_are_checked_like_records() -> None:
    table = RecordTable(
        people={
            "id": ["p1", "p2", "p3"],
            "title_level": ["senior", "junior", "senior"],
            "nickname": [MISSING, "x", MISSING],
        },
        year=[2025, 2025, "2025"],
        activities={
            "id": ["a", "b", "a"],
            "kind": ["public_course", "training", "public_course"],
            "hours": [30, 60.5, 1],
            "on_platform": [True, True, True],
            "passed": [True, True, True],
            "completed_on": ["2025-03-01", "2025-04-01", "2025-05-01"],
        },
        owner=[0, 0, 2],
    )
    policy = next(p for p in _POLICIES if p.id == "xj.aksu.2025")
    schemas = table_schemas(policy.vocabulary)
    assert schemas is not None
    checked = check_table(table, [0, 1, 2], schemas)
    assert checked.valid.tolist() == [True, False, False]  # p2: an unknown field; p3: a year given as text
    (chunk,) = evaluate_table(table)
    assert chunk.row(0)["hours"]["total"] == Decimal("90.5")
    assert chunk.decided_by[0] in ("bulk", "evaluate")
    assert chunk.error[0] is None
    for row in (1, 2):
        error = chunk.error[row]
        assert error is not None
        assert error.kind == "record"


def test_a_chunk_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        next(evaluate_table(RecordTable.from_records([]), chunk_size=0))


def _mu_records(
    days: list[str],
    count: int,
    *,
    years: tuple[int, ...] = (2025,),
    titles: tuple[str, ...] = ("intermediate",),
    hours: tuple[int, int],
    activities: tuple[int, int],
) -> list[dict[str, Any]]:
    """``count`` records of the test layers' region ``t.mu``, their courses public and professional in turn.

    Record ``i`` takes its year and title from ``years`` and ``titles`` in turn and has ``least + i % spread``
    courses (``activities``); course ``j`` has ``first + step * j`` hours (``hours``) and was completed on
    ``days[(i + j) % len(days)]``.
    """
    (first, step), (least, spread) = hours, activities
    return [
        {
            "person": {"id": f"p{i}", "title_level": titles[i % len(titles)], "region": "t.mu"},
            "year": years[i % len(years)],
            "activities": [
                {
                    "id": f"a{j}",
                    "kind": ("public_course", "training")[j % 2],
                    "hours": first + step * j,
                    "on_platform": True,
                    "passed": True,
                    "completed_on": days[(i + j) % len(days)],
                }
                for j in range(least + i % spread)
            ],
        }
        for i in range(count)
    ]


_MAKE_UP_FLOOR = """\
  - id: t.mu.make_up_floor
    cite: s5.make_up
    stage: year
    when: {year: {in: [2022, 2023]}}
    then: {require: {category: professional, at_least: 70}}
"""
"""A floor of the make-up years only: the year facts test a person field (``year``)."""


def test_windows_and_make_up_years_are_decided_by_the_columns_as_by_evaluate(tmp_path: Any) -> None:
    rules = textwrap.dedent(MAKE_UP_FILES["mu/rules.yaml"]) + _MAKE_UP_FLOOR
    registry = registry_with(tmp_path, {**MAKE_UP_FILES, "mu/rules.yaml": rules})
    days = ["2021-12-31", "2022-06-01", "2023-03-03", "2025-01-04", "2025-01-05", "2025-11-30", "2025-12-01"]
    records = _mu_records(days, 60, years=(2022, 2023, 2025), hours=(10, 5), activities=(0, 5))
    _rows_alike(records, registry=registry)
    again = _rows_alike(records, registry=registry)
    assert again.get("bulk", 0) > 0  # the path under test was taken


def test_records_of_two_years_under_one_engine_are_each_decided_as_of_their_own_year(tmp_path: Any) -> None:
    layer = MAKE_UP_LAYER.split("calendar:")[0].replace("[2022, 2023, 2025]", "[2025, 2026]")
    registry = registry_with(tmp_path, {**MAKE_UP_FILES, "mu/layer.yaml": layer})
    policy = registry.policy("t.mu.2025")
    days = [decision_date(policy, year, None) for year in (2025, 2026)]
    assert days[0] != days[1] and engine_for(policy, days[0]) is engine_for(policy, days[1])  # one engine, two days
    dates = ["2024-12-31", "2025-06-01", "2025-12-31", "2026-01-01", "2026-12-31", "2027-01-01"]
    records = _mu_records(dates, 60, years=(2025, 2026), hours=(15, 15), activities=(1, 4))
    _rows_alike(records, registry=registry)
    again = _rows_alike(records, registry=registry)
    assert again.get("bulk", 0) > 0  # the path under test was taken


def test_a_kind_whose_required_field_no_activity_gives_is_not_vouched_for() -> None:
    # Found by the hypothesis test above: the column exists (every activity field does) but holds no value.
    policy = next(p for p in _POLICIES if p.id == "xj.aksu.2025.health")
    schemas = table_schemas(policy.vocabulary)
    assert schemas is not None
    activity = {"hours": 0, "on_platform": True, "passed": True, "completed_on": "2025-01-01"}
    record = {
        "person": {"id": "0", "title_level": "junior", "sector": "health"},
        "year": 2025,
        "activities": [
            {"id": "w0", "kind": "self_study", **activity},
            {"id": "a1", "kind": "public_course", **activity},
        ],
    }
    assert valid_fields(record, policy.vocabulary) is None  # self_study requires its credits
    checked = check_table(RecordTable.from_records([record]), [0], schemas)
    assert checked.valid.tolist() == [False]


def test_situations_the_tables_miss_are_taught_by_probes_and_the_records_then_decided_by_the_columns(
    tmp_path: Any,
) -> None:
    registry = registry_with(tmp_path, MAKE_UP_FILES)  # a policy no record was decided under: empty tables
    days = ["2025-01-05", "2025-03-01", "2025-06-30", "2025-11-30"]
    records = _mu_records(days, 40, titles=("junior", "senior"), hours=(20, 10), activities=(2, 4))
    (columns,) = evaluate_table(RecordTable.from_records(records), registry=registry, chunk_size=40)
    # Empty tables: without the probes no record of the first chunk could be decided by the columns. A record
    # whose year the tables miss still goes through `evaluate` (years are learnt from whole records only).
    assert Counter(columns.decided_by)["bulk"] > 0
    for row, record in enumerate(records):
        decision = ce_policy.evaluate(record, registry=registry, to_complete=False)
        assert columns.compliant[row] == decision.compliant
        assert columns.row(row)["hours"] == {c: getattr(decision.hours, c) for c in SUMMED}
        mine = [(a["id"], a["counted"], a["category"], a["reasons"]) for a in columns.row(row)["activities"]]
        assert mine == [(a.id, a.counted, a.category, tuple(a.reasons)) for a in decision.activities]


@pytest.mark.parametrize(
    "hours",
    [[10**400], [10**20, 2], [10_000, 9_999.75], [10_000.25], [-0.0, 0], [1e308], [True, 1], [2, 2.5], ["2"]],
    ids=str,
)
def test_hours_at_and_beyond_the_schemas_bounds_are_decided_as_evaluate_decides_them(hours: list[Any]) -> None:
    activity = {"kind": "public_course", "on_platform": True, "passed": True, "completed_on": "2025-03-01"}
    records = [
        {
            "person": {"id": f"p{i}", "title_level": "junior"},
            "year": 2025,
            "activities": [{**activity, "id": f"a{j}", "hours": given} for j, given in enumerate(hours)],
        }
        for i in range(2)
    ]
    warm = {**records[0], "activities": [{**activity, "id": "a0", "hours": 2}]}
    _rows_alike([warm, warm])  # the tables know the situation: a value the columns misread would be decided
    assert _rows_alike([warm]) == {"bulk": 1}
    _rows_alike(records)


@pytest.mark.parametrize(
    "labels",
    [
        {"county": "库车市", "employer": "水利局"},
        None,
        {},
        {"County": "x"},
        {"county": ""},
        {"county": "x" * 101},
        {f"l{i}": "x" for i in range(17)},
        {"county": 3},
        ["county"],
    ],
    ids=str,
)
def test_labels_are_read_as_a_column_and_checked_as_evaluate_checks_them(labels: Any) -> None:
    activity = {"id": "a0", "kind": "public_course", "hours": 2, "on_platform": True, "passed": True}
    record = {
        "person": {"id": "p0", "title_level": "junior"},
        "year": 2025,
        "activities": [{**activity, "completed_on": "2025-03-01"}],
    }
    _rows_alike([record, record])  # the tables know the situation: a label the columns misread would be decided
    assert _rows_alike([{**record, "labels": labels}, {**record, "labels": labels}]) in (
        {"bulk": 2},
        {"error": 2},
    )
