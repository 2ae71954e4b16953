"""``evaluate_many``: ordered results equal to a loop of ``evaluate``, bad records in place, any executor."""

import itertools
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ce_policy
from ce_policy import strategies
from ce_policy.policy.registry import shipped_policy_root
from tests.records import activity, complete_record, record

BAD = [
    {"person": {"id": "x", "title_level": "junior"}, "year": 2025, "activities": [{"id": "a"}]},
    {"person": {"id": "y", "title_level": "junior", "region": "nowhere"}, "year": 2025},
    "not a record",
]


def _population() -> list[Any]:
    good = [
        complete_record(pid=f"p{i}") if i % 3 else record(activity("a", "training", 8), pid=f"p{i}") for i in range(40)
    ]
    return [*good[:10], BAD[0], *good[10:25], BAD[1], *good[25:], BAD[2]]


def _expected(records: list[Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for data in records:
        try:
            out.append(("ok", ce_policy.evaluate(data, to_complete=False)))
        except ce_policy.RecordError as exc:
            out.append(("record", exc.codes))
        except ce_policy.PolicyNotFoundError:
            out.append(("policy_not_found", None))
    return out


def _got(results: list[ce_policy.BatchResult]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for result in results:
        if result.decision is not None:
            out.append(("ok", result.decision))
        else:
            assert result.error is not None
            codes = [p["code"] for p in result.error.problems] if result.error.kind == "record" else None
            out.append((result.error.kind, codes))
    return out


def test_in_process_results_equal_a_loop_of_evaluate_in_order() -> None:
    population = _population()
    results = list(ce_policy.evaluate_many(population, workers=1, chunk_size=7))
    assert [r.index for r in results] == list(range(len(population)))
    assert _got(results) == _expected(population)
    bad = [r for r in results if not r.ok]
    assert [r.index for r in bad] == [10, 26, len(population) - 1]
    assert bad[0].error is not None and bad[0].error.problems[0]["path"].startswith("$.activities[0]")


def test_local_processes_give_the_same_results() -> None:
    population = _population()
    results = list(ce_policy.evaluate_many(population, workers=2, chunk_size=5))
    assert _got(results) == _expected(population)


def test_any_executor_can_run_the_chunks() -> None:
    population = _population()
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(ce_policy.evaluate_many(population, executor=pool, chunk_size=4))
    assert _got(results) == _expected(population)


def test_input_is_read_lazily() -> None:
    drawn = 0

    def endless() -> Iterator[dict[str, Any]]:
        nonlocal drawn
        for i in itertools.count():
            drawn += 1
            yield complete_record(pid=f"p{i}")

    results = ce_policy.evaluate_many(endless(), workers=1, chunk_size=10)
    first = list(itertools.islice(results, 25))
    assert [r.decision.person for r in first if r.decision] == [f"p{i}" for i in range(25)]
    assert drawn <= 30


def test_the_workers_use_the_callers_registry(tmp_path: Path) -> None:
    root = tmp_path / "policies"
    shutil.copytree(shipped_policy_root(), root)
    parameters = root / "xj" / "aksu-2025-12" / "parameters.yaml"
    text = parameters.read_text(encoding="utf-8")
    parameters.write_text(text.replace("value: 30\n", "value: 32\n", 1), encoding="utf-8")
    registry = ce_policy.PolicyRegistry([root])
    results = list(ce_policy.evaluate_many([complete_record()], workers=2, registry=registry))
    assert results[0].decision is not None and results[0].decision.required.public == 32
    assert results[0].decision == ce_policy.evaluate(complete_record(), registry=registry, to_complete=False)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        list(ce_policy.evaluate_many([], chunk_size=0))
    with pytest.raises(ValueError, match="workers"):
        list(ce_policy.evaluate_many([], workers=0))


@settings(max_examples=10, suppress_health_check=[HealthCheck.too_slow])
@given(population=st.lists(st.one_of(strategies.records(max_activities=6), strategies.invalid_records()), max_size=12))
def test_generated_populations_match_a_loop(population: list[Any]) -> None:
    results = list(ce_policy.evaluate_many(population, workers=1, chunk_size=3))
    assert _got(results) == _expected(population)
