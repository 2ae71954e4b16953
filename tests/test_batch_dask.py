"""The distributed path: ``evaluate_many`` on a Dask ``LocalCluster`` gives the decisions of a local loop."""

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ce_policy
from ce_policy.cli.main import main
from tests.batch_population import population
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


def _dataset_rows(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Records in the CSV layout as typed columns (one row per activity; a person without any, one empty row)."""
    names = [
        "person_id", "title_level", "sector", "region", "year", "label_county", "label_employer",
        "activity_id", "kind", "hours", "on_platform", "passed", "completed_on",
        "credits", "project_level", "approval", "organiser_level",
    ]  # fmt: skip
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for data in records:
        person = data["person"]
        head = {
            "person_id": person["id"],
            "title_level": person.get("title_level"),
            "sector": person.get("sector"),
            "region": person.get("region"),
            "year": data.get("year"),
            "label_county": data.get("labels", {}).get("county"),
            "label_employer": data.get("labels", {}).get("employer"),
        }
        for given in data.get("activities") or [{}]:
            row = {**head, "activity_id": given.get("id")}
            for name in names[8:]:
                value = given.get(name)
                row[name] = float(value) if name in ("hours", "credits") and value is not None else value
            for name in names:
                columns[name].append(row.get(name))
    return columns


def test_a_parquet_dataset_on_a_dask_cluster_gives_the_one_process_batch(client: Any, tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    records = population(90, seed=7)
    records[5] = {**records[5], "year": 1900}  # refused: an error row
    dataset = tmp_path / "people"
    dataset.mkdir()
    parts = [records[:30], records[30:60], records[60:]]
    for i, part in enumerate(parts):
        pq.write_table(pa.table(_dataset_rows(part)), str(dataset / f"part-{i}.parquet"))
    out = tmp_path / "decided"
    ran = CliRunner().invoke(
        main, ["batch", str(dataset), "-o", str(out), "--dask", client.scheduler.address, "--lang", "en"]
    )
    assert ran.exit_code == 1, ran.output  # the refused record
    assert "3 partitions, 90 records" in ran.output
    one = tmp_path / "one.jsonl"
    one.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    alone = tmp_path / "alone.parquet"
    done = CliRunner().invoke(main, ["batch", str(one), "-o", str(alone), "--workers", "1", "--lang", "en"])
    assert done.exit_code == 1, done.output
    mine = [row for i in range(3) for row in pq.read_table(str(out / f"part-{i}.parquet")).to_pylist()]
    theirs = pq.read_table(str(alone)).to_pylist()
    assert [{k: v for k, v in row.items() if k != "source"} for row in mine] == [
        {k: v for k, v in row.items() if k != "source"} for row in theirs
    ]
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["person"], e["kind"], e["source"]["file"]) for e in errors] == [
        (records[5]["person"]["id"], "record", "part-0.parquet")
    ]


def test_a_folder_needs_dask(tmp_path: Path) -> None:
    ran = CliRunner().invoke(main, ["batch", str(tmp_path), "-o", str(tmp_path / "out.csv"), "--lang", "en"])
    assert ran.exit_code == 2
    assert "needs --dask" in ran.output
