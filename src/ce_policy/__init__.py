"""ce_policy: continuing-education rules for professional technical personnel, decided by durable-rules.

The rules of China's continuing education (继续教育) live as versioned, declarative policies.

The front door::

    import ce_policy

    decision = ce_policy.evaluate({"person": {...}, "year": 2025, "activities": [...]})
    decision.compliant, decision.shortfall, decision.activities, decision.trace

Everything public is importable from here; modules whose names start with ``_`` are private.
"""

from ce_policy._batch import BatchError, BatchResult, evaluate_many
from ce_policy._compiler import CompiledPolicy, compile_policy
from ce_policy._decision import (
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
from ce_policy._decision_log import (
    DecisionLog,
    DecisionLogError,
    LogEntry,
    LoggedPolicy,
    record_digest,
    set_decision_log,
)
from ce_policy._diff import diff_policies
from ce_policy._diff_model import ChangeGroup, PolicyDiff
from ce_policy._errors import (
    CePolicyError,
    EngineError,
    PolicyFileError,
    PolicyNotFoundError,
    PolicyProblem,
    RecordError,
    RecordProblem,
)
from ce_policy._evaluate import evaluate
from ce_policy._lint import LintFinding, LintReport, lint_policies
from ce_policy._messages import message
from ce_policy._policy import Policy
from ce_policy._record import Activity, Certificate, CycleYear, History, IntegrityFlag, Person, Record
from ce_policy._records_io import RecordFileError, RecordInput, iter_records, write_jsonl
from ce_policy._registry import PolicyRegistry, default_registry, load_policies
from ce_policy._replay import CurrentComparison, ReplayEntry, ReplayReport, replay
from ce_policy._title_review import evaluate_title_review
from ce_policy._version import __version__

__all__ = [
    "Activity",
    "ActivityOutcome",
    "BatchError",
    "BatchResult",
    "CePolicyError",
    "Certificate",
    "ChangeGroup",
    "CompiledPolicy",
    "CreditTotals",
    "CurrentComparison",
    "CycleProgress",
    "CycleYear",
    "Decision",
    "DecisionLog",
    "DecisionLogError",
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
    "Projection",
    "Record",
    "RecordError",
    "RecordFileError",
    "RecordInput",
    "RecordProblem",
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
    "evaluate_title_review",
    "iter_records",
    "lint_policies",
    "load_policies",
    "message",
    "record_digest",
    "replay",
    "set_decision_log",
    "write_jsonl",
]
