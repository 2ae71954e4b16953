"""The clauses a diff group cites are marked by the version whose rules cited them (issue 17: no false [NEW])."""

from __future__ import annotations

import ce_policy
from ce_policy.analysis.diff_model import FieldChange
from ce_policy.analysis.diff_policies import clause_texts
from ce_policy.policy.registry import default_registry

from .records import activity, record


def _decision() -> ce_policy.Decision:
    return ce_policy.evaluate(record(activity("pub", "public_course", 30), activity("pro", "training", 60)))


def test_rules_that_fired_in_both_versions_cite_their_clauses_as_both() -> None:
    old, new = _decision(), _decision()
    change = FieldChange(path="activities[pro].hours", old="60", new="48")
    clauses = clause_texts((), (), old, new, (change,), default_registry(), default_registry())
    assert clauses
    assert {c.side for c in clauses} == {"both"}
    assert all("aksu" in rule or "xj" in rule for c in clauses for rule in c.rules)


def test_when_one_version_made_no_decision_the_other_side_is_named() -> None:
    new = _decision()
    change = FieldChange(path="activities[pro].hours", old=None, new="60")
    clauses = clause_texts((), (), "RecordError: invalid", new, (change,), default_registry(), default_registry())
    assert clauses
    assert {c.side for c in clauses} == {"new"}


def test_rules_that_fired_in_one_version_only_are_marked_with_it() -> None:
    old, new = _decision(), _decision()
    fired = next(e.rule for e in new.trace if e.activity == "pub")
    clauses = clause_texts((), (fired,), old, new, (), default_registry(), default_registry())
    assert [c.side for c in clauses] == ["new"]
    assert clauses[0].rules == (fired,)
