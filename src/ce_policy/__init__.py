"""ce_policy: continuing-education rules for professional technical personnel, decided by durable-rules.

The rules of China's continuing education (继续教育) live as versioned, declarative policies.

The front door::

    import ce_policy

    decision = ce_policy.evaluate({"person": {...}, "year": 2025, "activities": [...]})
    decision.compliant, decision.shortfall, decision.activities, decision.trace

Everything public is importable from here (and listed in ``__all__``); the subpackages are internal, and
``ce_policy.strategies``, ``ce_policy.invariants`` and ``ce_policy.pytest_plugin`` are the public submodules.
``import ce_policy`` loads only what `evaluate` and `evaluate_title_review` need; the other names (batches,
the decision log, diff, lint, replay, record files, messages) load on first use.
"""

from __future__ import annotations

import typing as _typing
from importlib import import_module as _import_module

from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.sink import DecisionSink, set_decision_log
from ce_policy.decide.title_review import evaluate_title_review
from ce_policy.engine.compiler import CompiledPolicy, compile_policy
from ce_policy.model.decision import (
    ActivityOutcome,
    CreditTotals,
    CycleProgress,
    Decision,
    HourTotals,
    PolicyInfo,
    Projection,
    ReviewYear,
    RouteStep,
    TitleReviewDecision,
    ToComplete,
    TraceEntry,
    WayToComplete,
)
from ce_policy.model.errors import (
    AmbiguousMessageError,
    CePolicyError,
    EngineError,
    PolicyFileError,
    PolicyNotFoundError,
    PolicyProblem,
    RecordError,
    RecordProblem,
)
from ce_policy.model.record import Activity, Certificate, CycleYear, History, IntegrityFlag, Person, Record
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry, load_policies

if _typing.TYPE_CHECKING:
    from ce_policy._version import __version__
    from ce_policy.analysis.diff import diff_policies
    from ce_policy.analysis.diff_model import ChangeGroup, PolicyDiff
    from ce_policy.analysis.lint import LintFinding, LintReport, lint_policies
    from ce_policy.audit.chain import ChainBreak
    from ce_policy.audit.log import DecisionLog, DecisionLogError, LogEntry, LoggedPolicy, record_digest
    from ce_policy.audit.replay import CurrentComparison, ReplayEntry, ReplayReport, replay
    from ce_policy.decide.bulk import PopulationColumns, evaluate_population
    from ce_policy.decide.bulk_table import evaluate_table
    from ce_policy.decide.many import BatchError, BatchResult, evaluate_many
    from ce_policy.model.record_files import RecordFileError, RecordInput, iter_records, write_jsonl
    from ce_policy.model.record_table import RecordTable
    from ce_policy.policy.schema import record_schema
    from ce_policy.text.messages import message

# Loaded on first use (PEP 562): each name, and the module that defines it. The block above names the same
# (for type checkers and the API reference); tests/test_front_door.py keeps the two equal.
_LAZY: dict[str, str] = {
    "__version__": "ce_policy._version",
    "diff_policies": "ce_policy.analysis.diff",
    "ChangeGroup": "ce_policy.analysis.diff_model",
    "PolicyDiff": "ce_policy.analysis.diff_model",
    "LintFinding": "ce_policy.analysis.lint",
    "LintReport": "ce_policy.analysis.lint",
    "lint_policies": "ce_policy.analysis.lint",
    "DecisionLog": "ce_policy.audit.log",
    "DecisionLogError": "ce_policy.audit.log",
    "LogEntry": "ce_policy.audit.log",
    "LoggedPolicy": "ce_policy.audit.log",
    "record_digest": "ce_policy.audit.log",
    "ChainBreak": "ce_policy.audit.chain",
    "CurrentComparison": "ce_policy.audit.replay",
    "ReplayEntry": "ce_policy.audit.replay",
    "ReplayReport": "ce_policy.audit.replay",
    "replay": "ce_policy.audit.replay",
    "PopulationColumns": "ce_policy.decide.bulk",
    "evaluate_population": "ce_policy.decide.bulk",
    "evaluate_table": "ce_policy.decide.bulk_table",
    "RecordTable": "ce_policy.model.record_table",
    "BatchError": "ce_policy.decide.many",
    "BatchResult": "ce_policy.decide.many",
    "evaluate_many": "ce_policy.decide.many",
    "RecordFileError": "ce_policy.model.record_files",
    "RecordInput": "ce_policy.model.record_files",
    "iter_records": "ce_policy.model.record_files",
    "write_jsonl": "ce_policy.model.record_files",
    "message": "ce_policy.text.messages",
    "record_schema": "ce_policy.policy.schema",
}


if not _typing.TYPE_CHECKING:
    # Hidden from type checkers, which would otherwise accept any name of ce_policy (a misspelt one too).

    def __getattr__(name: str) -> _typing.Any:
        """Load a public name that ``import ce_policy`` leaves unloaded, the first time it is asked for."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'ce_policy' has no attribute {name!r}")
        value = getattr(_import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    """The public names, loaded or not, with the module's own attributes."""
    return sorted({*globals(), *__all__})


__all__ = [
    "Activity",
    "ActivityOutcome",
    "AmbiguousMessageError",
    "BatchError",
    "BatchResult",
    "CePolicyError",
    "Certificate",
    "ChainBreak",
    "ChangeGroup",
    "CompiledPolicy",
    "CreditTotals",
    "CurrentComparison",
    "CycleProgress",
    "CycleYear",
    "Decision",
    "DecisionLog",
    "DecisionLogError",
    "DecisionSink",
    "EngineError",
    "History",
    "HourTotals",
    "IntegrityFlag",
    "LintFinding",
    "LintReport",
    "LogEntry",
    "LoggedPolicy",
    "Person",
    "Policy",
    "PolicyDiff",
    "PolicyFileError",
    "PolicyInfo",
    "PolicyNotFoundError",
    "PolicyProblem",
    "PolicyRegistry",
    "PopulationColumns",
    "Projection",
    "Record",
    "RecordError",
    "RecordFileError",
    "RecordInput",
    "RecordProblem",
    "RecordTable",
    "ReplayEntry",
    "ReplayReport",
    "ReviewYear",
    "RouteStep",
    "TitleReviewDecision",
    "ToComplete",
    "TraceEntry",
    "WayToComplete",
    "__version__",
    "compile_policy",
    "default_registry",
    "diff_policies",
    "evaluate",
    "evaluate_many",
    "evaluate_population",
    "evaluate_table",
    "evaluate_title_review",
    "iter_records",
    "lint_policies",
    "load_policies",
    "message",
    "record_digest",
    "record_schema",
    "replay",
    "set_decision_log",
    "write_jsonl",
]
