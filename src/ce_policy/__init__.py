"""ce_policy: continuing-education rules for professional technical personnel, decided by durable-rules.

The rules of China's continuing education (继续教育) live as versioned, declarative policies.

The front door::

    import ce_policy

    decision = ce_policy.evaluate({"person": {...}, "year": 2025, "activities": [...]})
    decision.compliant, decision.shortfall, decision.activities, decision.trace

Everything public is importable from here; modules whose names start with ``_`` are private.
"""

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
from ce_policy._messages import message
from ce_policy._policy import Policy
from ce_policy._record import Activity, Certificate, CycleYear, History, IntegrityFlag, Person, Record
from ce_policy._registry import PolicyRegistry, default_registry, load_policies
from ce_policy._title_review import evaluate_title_review
from ce_policy._version import __version__

__all__ = [
    "Activity",
    "ActivityOutcome",
    "CePolicyError",
    "Certificate",
    "CompiledPolicy",
    "CreditTotals",
    "CycleProgress",
    "CycleYear",
    "Decision",
    "EngineError",
    "History",
    "HourTotals",
    "IntegrityFlag",
    "Person",
    "Policy",
    "PolicyFileError",
    "PolicyInfo",
    "PolicyNotFoundError",
    "PolicyProblem",
    "PolicyRegistry",
    "Projection",
    "Record",
    "RecordError",
    "RecordProblem",
    "ReviewYear",
    "RouteStep",
    "TitleReviewDecision",
    "ToComplete",
    "TraceEntry",
    "WayToComplete",
    "__version__",
    "compile_policy",
    "default_registry",
    "evaluate",
    "evaluate_title_review",
    "load_policies",
    "message",
]
