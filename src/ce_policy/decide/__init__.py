"""Evaluation: one person's year, each activity's result, what would complete a year, title review, batches.

May import ``engine/``, ``policy/`` and ``model/``, and nothing above. A decision log is reached through the
``DecisionSink`` protocol (``sink``), so evaluating never loads ``audit/``. Internal: import the public names
from ``ce_policy``.
"""
