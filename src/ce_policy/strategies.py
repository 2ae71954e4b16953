"""Hypothesis strategies for what goes into ce_policy: persons, activities, records, histories, broken records.

::

    from hypothesis import given
    import ce_policy
    from ce_policy import strategies

    @given(strategies.records(policy="xj.aksu.2025"))
    def test_every_record_is_decided(record):
        ce_policy.evaluate(record, policy="xj.aksu.2025")

This is the one module of ce_policy that imports hypothesis, a test dependency: ``import ce_policy`` does not
import it, ``import ce_policy.strategies`` does.

**What is generated.** Plain JSON data (dicts, lists, strings, ints, floats and booleans), exactly what a
caller of `ce_policy.evaluate` sends: hours are JSON numbers with at most two decimals, dates are
``YYYY-MM-DD`` text, an optional field that is not given is left out. ``ce_policy.Record.model_validate``
(and the like) turns an example into the model; every valid example validates.

**Policy-aware.** ``policy`` may be a `ce_policy.Policy`, a policy id (``"xj.aksu.2025"``) or a sector name
(``"health"``, resolved for the default region and the year through `ce_policy.default_registry`). With a
policy, only the activity kinds its activity rules name are generated, persons only of the sector and regions
it covers, records only of the years it covers; numbers are biased towards the policy's *own* thresholds, read
from its parameters and rules in force in the year (never written here): hours just under, on and just over
each hours value (``v - 0.5``, ``v - 0.01``, ``v``, ``v + 0.01``), the day before, of and after each date it
tests, and activities whose hours add up to just under, on or just over each floor its ``require`` rules
set. A record drawn for a policy evaluates under it without error. Without a policy: every kind, and
generic values (person regions and sectors then resolve to no particular policy: pass ``policy=`` to
`ce_policy.evaluate`).

**Overrides.** Each function takes keyword overrides, one per field of its model: a value (used as is) or a
strategy (drawn from), e.g. ``records(person=persons(title_level="senior"))`` or
``activities(kind="training", hours=st.just(30))``. ``None`` for an optional field leaves it out. Unknown
field names, values the model refuses and arguments out of range raise
`hypothesis.errors.InvalidArgument` when the function is called, not when an example is drawn.

**Shrinking.** Towards fewer activities (lists shrink; a group of activities added to reach a floor goes away,
or shrinks to one activity at the floor's lowest target, ``v - 0.5``), smaller hours (towards 0) and earlier
dates (towards 1 January of the year), with the activity registered on the platform, passed and approved, and
optional fields left out; a minimal failing example shows only what matters.
"""

# The implementation lives in ce_policy.testing.strategies; this module is its public path.
from ce_policy.testing.strategies import *  # noqa: F403
from ce_policy.testing.strategies import __all__  # noqa: F401 - this module's own list of names
