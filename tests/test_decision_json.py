"""A decision's JSON is its contract: read back, it is the same decision; bad hours in it are refused."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

import ce_policy

EXAMPLES = sorted(Path(__file__).resolve().parents[1].joinpath("policies").rglob("examples/*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_a_decision_read_back_from_json_is_the_same(path: Path) -> None:
    decision = ce_policy.evaluate(json.loads(path.read_text(encoding="utf-8")))
    assert ce_policy.Decision.model_validate_json(decision.model_dump_json()) == decision


def test_hours_in_a_decision_are_written_plainly() -> None:
    record = {
        "person": {"id": "p", "title_level": "junior"},
        "year": 2025,
        "activities": [
            {
                "id": f"a{i}",
                "kind": "public_course",
                "hours": 0.5,
                "on_platform": True,
                "passed": True,
                "completed_on": "2025-03-01",
            }
            for i in range(2)
        ],
    }
    decision = ce_policy.evaluate(record, to_complete=False)
    assert str(decision.hours.public) == "1"
    assert str(decision.shortfall.public) == "29"


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("-1"), "Infinity"])
def test_reported_hours_must_be_finite_and_not_negative(bad: object) -> None:
    with pytest.raises(ValidationError):
        ce_policy.HourTotals(public=bad, professional=1, total=1)
