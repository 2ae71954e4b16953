"""``ce-policy batch`` in one process writes CSV and Parquet rows by the population path (issue 19, 3).

The rows, the error file and the summary must be what the same batch gives through `evaluate_many` (two
workers, a `Decision` per record), for a population whose records are decided twice over (the second time
mostly by situation), with broken records in between.
"""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner, Result

from ce_policy.cli.main import main

from .batch_population import population, write_jsonl


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["batch", *args, "--lang", "en"], catch_exceptions=False)


def test_csv_rows_errors_and_summary_are_those_of_evaluate_many(tmp_path: Path) -> None:
    records = population(120, seed=4)
    source = tmp_path / "people.jsonl"
    write_jsonl(source, records + records)  # the second half is looked up by situation
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out-{workers}.csv"
        report = tmp_path / f"report-{workers}.html"
        result = _run(str(source), "-o", str(out), "--workers", workers, "--chunk-size", "50", "--report", str(report))
        assert result.exit_code == 1, result.output  # the broken records
        errors = tmp_path / f"out-{workers}.errors.jsonl"
        page = report.read_text(encoding="utf-8")
        shown = result.output.replace(f"-{workers}.", "-N.")
        outputs[workers] = (out.read_text(encoding="utf-8"), errors.read_text(encoding="utf-8"), shown, page)
    assert outputs["1"][0] == outputs["2"][0]
    assert outputs["1"][1] == outputs["2"][1]
    assert outputs["1"][2] == outputs["2"][2]
    assert _without_dates(outputs["1"][3]) == _without_dates(outputs["2"][3])
    assert outputs["1"][0].count("\n") == 2 * 120 + 1


def _without_dates(page: str) -> str:
    return re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?[^<\s]*", "", page)
