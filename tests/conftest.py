"""Hypothesis profiles: ``ci`` (the default, bounded) and ``slow`` (``HYPOTHESIS_PROFILE=slow``, many more).

Test data (``tests/data``: broken, hostile and lint-example policy folders, some with YAML cases) is read by the
tests that use it and never collected as tests itself.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("slow", max_examples=1_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

collect_ignore_glob = ["data/*"]
