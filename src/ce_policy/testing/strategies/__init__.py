"""Hypothesis strategies for what goes into ce_policy: persons, activities, records, histories, broken records.

The public path is ``ce_policy.strategies``, whose docstring says what is generated and how; this package is
its implementation:

* ``_thresholds``: what a policy tests (`known_kinds`, `hour_thresholds`, `date_thresholds`);
* ``_persons``: `persons`;
* ``_activities``: `activities`;
* ``_records``: `records`;
* ``_histories``: earlier years of a training cycle (`cycle_years`) and title-review histories (`histories`);
* ``_invalid``: records that must be refused (`invalid_records`, `INVALID_RECORD_CODES`);
* ``_args`` and ``_values``: what they share (checking arguments; hours, dates and identifiers).
"""

from ce_policy.testing.strategies._activities import activities
from ce_policy.testing.strategies._histories import cycle_years, histories
from ce_policy.testing.strategies._invalid import INVALID_RECORD_CODES, invalid_records
from ce_policy.testing.strategies._persons import persons
from ce_policy.testing.strategies._records import records
from ce_policy.testing.strategies._thresholds import date_thresholds, hour_thresholds, known_kinds

__all__ = [
    "INVALID_RECORD_CODES",
    "activities",
    "cycle_years",
    "date_thresholds",
    "histories",
    "hour_thresholds",
    "invalid_records",
    "known_kinds",
    "persons",
    "records",
]
