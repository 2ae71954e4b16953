"""The distributed path: ``evaluate_many`` on a Dask ``LocalCluster`` gives the decisions of a local loop."""

from typing import Any

import pytest

import ce_policy
from tests.records import activity, complete_record, record

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Any:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


def test_a_dask_cluster_gives_the_same_decisions(client: Any) -> None:
    population: list[Any] = [
        complete_record(pid=f"p{i}") if i % 2 else record(activity("a", "training", i), pid=f"p{i}") for i in range(60)
    ]
    population.insert(17, {"person": {"id": "bad"}, "year": 2025})
    results = list(ce_policy.evaluate_many(population, executor=client.get_executor(), chunk_size=8))
    assert [r.index for r in results] == list(range(len(population)))
    for data, result in zip(population, results, strict=True):
        if result.decision is None:
            assert result.error is not None and result.error.kind == "record"
            with pytest.raises(ce_policy.RecordError):
                ce_policy.evaluate(data)
        else:
            assert result.decision == ce_policy.evaluate(data, to_complete=False)
