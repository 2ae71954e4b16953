"""Hostile records (issue 7, item 4): arbitrary JSON only ever gives the documented validation error.

Hypothesis draws arbitrary JSON (wrong types, NaN and infinities, negative and huge numbers, very long and
non-BMP strings, nesting) as whole records, and valid records with one to three mutations (a value replaced by
arbitrary JSON, a field removed or added, duplicate ids, far dates, extreme hours). ``evaluate`` must return a
decision or raise `ce_policy.RecordError` whose every problem has a documented code (or, for a valid record
that no shipped policy covers, `ce_policy.PolicyNotFoundError`); nothing else. Inputs are bounded so each
example is quick; the largest inputs (100,000 activities, a megabyte id, nesting 100,000 deep) are single
examples, refused by their documented limits.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ce_policy
from ce_policy.model.hours import MAX_HOURS
from ce_policy.model.record import MAX_ACTIVITIES, MAX_ID_LENGTH
from tests.mixed_population import calls
from tests.records import activity, record

ERRORS_MD = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
# The codes of the "Record problems" table of docs/errors.md (`invalid_json` comes from the command line only).
DOCUMENTED = frozenset(
    re.findall(
        r"^\| `([a-z_]+)` \|",
        ERRORS_MD.read_text(encoding="utf-8").split("### Record problems")[1].split("The fields each kind")[0],
        flags=re.MULTILINE,
    )
)

_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 1, 2**53 + 1, 2**63, -(2**63) - 1, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, 5e-324, 0.1 + 0.2]),
)
_text = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF), min_size=1, max_size=70),
    st.sampled_from(["", " ", "\x00", "2025-02-30", "0001-01-01", "9999-12-31", "+002025-01-01", "NaN", "1e999"]),
    st.integers(min_value=MAX_ID_LENGTH - 1, max_value=5_000).map(lambda n: "x" * n),
    st.sampled_from(["public_course", "training", "patent", "junior", "approved", "xj.aksu", "health"]),
)
_scalars = st.one_of(st.none(), st.booleans(), _numbers, _text)
json_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(
            st.one_of(_text, st.sampled_from(["id", "kind", "hours", "person", "activities"])), inner, max_size=6
        ),
    ),
    max_leaves=30,
)


def _check(data: Any) -> None:
    refused: ce_policy.RecordError | None = None
    try:
        decision = ce_policy.evaluate(data, to_complete=False)
    except ce_policy.RecordError as error:
        refused = error
    except ce_policy.PolicyNotFoundError:
        ce_policy.Record.model_validate(data)  # only a valid record may get as far as looking up a policy
        return
    if refused is None:
        assert isinstance(decision, ce_policy.Decision)
        return
    assert refused.problems, "a RecordError lists its problems"
    assert set(refused.codes) <= DOCUMENTED, refused.codes
    assert all(problem.path.startswith("$") for problem in refused.problems), refused.problems


def test_the_documented_codes_are_read_from_the_docs() -> None:
    assert {"wrong_type", "too_long", "too_many_items", "hours_invalid", "duplicate_activity_id"} <= DOCUMENTED
    assert len(DOCUMENTED) >= 15


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json_gives_only_the_documented_error(data: Any) -> None:
    _check(data)


# --- valid records, mutated ------------------------------------------------------------------------------

_BASES = [call.record for call in calls(60, seed=11, invalid=0.0) if call.record["activities"]]
_FIELDS = ["id", "kind", "hours", "on_platform", "passed", "completed_on", "credits", "granted_on", "approval"]


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _paths(value, (*prefix, i))
    return found


@st.composite
def mutated_records(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(draw(st.sampled_from(_BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths[1:])) if len(paths) > 1 else ()
        parent: Any = data
        for step in path[:-1]:
            parent = parent[step]
        how = draw(st.sampled_from(["replace", "remove", "add", "duplicate_id", "far_date", "hours"]))
        if how == "replace" and path:
            parent[path[-1]] = draw(json_values)
        elif how == "remove" and path:
            del parent[path[-1]]
        elif how == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from([*_FIELDS, "extra", "sector", "region"]))] = draw(json_values)
        elif how == "duplicate_id" and isinstance(data.get("activities"), list) and data["activities"]:
            data["activities"].append(copy.deepcopy(data["activities"][0]))
        elif how == "far_date" and isinstance(parent, dict):
            parent["completed_on"] = draw(st.sampled_from(["0001-01-01", "9999-12-31", "1899-12-31", "2100-01-01"]))
        elif how == "hours" and isinstance(parent, dict):
            parent["hours"] = draw(
                st.sampled_from([MAX_HOURS, MAX_HOURS + 1, float(MAX_HOURS) + 0.01, -0.01, 0, 10**18, 1e-9, 0.001])
            )
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_records())
def test_mutated_records_give_a_decision_or_the_documented_error(data: Any) -> None:
    _check(data)


# --- documented limits, each with its own code -----------------------------------------------------------


def _codes(data: Any) -> list[str]:
    with pytest.raises(ce_policy.RecordError) as info:
        ce_policy.evaluate(data)
    return info.value.codes


def test_a_hundred_thousand_activities_are_refused_by_the_activity_limit() -> None:
    data = record(*[activity(f"a{i}", "training", 1) for i in range(100_000)])
    assert MAX_ACTIVITIES < 100_000
    assert _codes(data) == ["too_many_items"]


def test_a_hundred_thousand_activities_with_one_id_are_refused_by_their_number_alone() -> None:
    data = record(*[activity("a", "training", 1) for _ in range(100_000)])
    assert _codes(data) == ["too_many_items"]


@pytest.mark.parametrize("where", ["person", "activity"])
def test_a_megabyte_id_is_refused_by_the_id_length_limit(where: str) -> None:
    long_id = "𝔘" * 1_000_000  # non-BMP, 4 bytes each in UTF-8
    data = record(activity(long_id if where == "activity" else "a", "training", 1), pid="p")
    if where == "person":
        data["person"]["id"] = long_id
    with pytest.raises(ce_policy.RecordError) as info:
        ce_policy.evaluate(data)
    assert info.value.codes == ["too_long"]
    assert len(str(info.value)) < 1_000  # the message does not echo the value


def test_ids_at_the_length_limit_with_non_bmp_characters_are_valid() -> None:
    data = record(activity("𝔘" * MAX_ID_LENGTH, "training", 1), pid="😀" * MAX_ID_LENGTH)
    assert ce_policy.evaluate(data, to_complete=False).hours.professional == 1


@pytest.mark.parametrize(
    ("hours", "code"),
    [(MAX_HOURS + 1, "hours_invalid"), (10**400, "hours_invalid"), (-0.01, "hours_invalid"), (1e-9, "hours_precision")],
)
def test_hours_outside_their_range_have_their_own_code(hours: Any, code: str) -> None:
    assert _codes(record(activity("a", "training", hours))) == [code]


@pytest.mark.parametrize("year", [1989, 2101, 10**30, -(10**30)])
def test_years_outside_their_range_have_their_own_code(year: int) -> None:
    assert _codes(record(year=year)) == ["out_of_range"]


@pytest.mark.parametrize("where", ["activities", "unknown"])
def test_nesting_a_hundred_thousand_deep_is_refused(where: str) -> None:
    deep: list[Any] = []
    inner = deep
    for _ in range(100_000):
        inner.append([])
        inner = inner[0]
    data = record()
    data[where] = deep
    assert _codes(data) == (["wrong_type"] if where == "activities" else ["unknown_field"])
