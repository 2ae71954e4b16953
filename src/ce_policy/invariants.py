"""Properties every policy must keep, as reusable checks for property-based tests.

Each check evaluates the record (and variants of it) and raises `InvariantError`, an `AssertionError`,
with an explanation when the property does not hold. They are meant to be called from a test body, typically
with records drawn from `ce_policy.strategies`::

    from hypothesis import given
    from ce_policy import invariants, strategies

    @given(strategies.records(policy="xj.aksu.2025"))
    def test_order_does_not_matter(record):
        invariants.check_order_does_not_matter(record)

Every check takes the same keyword arguments as `ce_policy.evaluate` (``policy``, ``as_of``, ``registry``).
"""

# The implementation lives in ce_policy.testing.invariants; this module is its public path.
from ce_policy.testing.invariants import *  # noqa: F403
from ce_policy.testing.invariants import __all__  # noqa: F401 - this module's own list of names
