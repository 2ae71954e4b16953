"""A pytest plugin that runs the YAML cases beside policy layers as test items.

Installed with ce_policy (entry point ``pytest11``, name ``ce_policy``; ``-p no:ce_policy`` turns it off), it
collects every ``*.yaml`` in a ``cases`` folder of a layer folder (one holding ``layer.yaml``), shipped or the
user's. A user's layers are evaluated with the shipped policies next to them: their root is the nearest folder,
from the layer folder's parent up, holding ``registry.yaml``, else the layer folder's parent; each root is
loaded once per test run, strictly. A failure shows the record (or history), what the case expected next to
what the decision said, path by path, the mismatches, and the rules that fired with the clauses they cite.
"""

# The implementation lives in ce_policy.testing.pytest_plugin; this module is its public path.
from ce_policy.testing.pytest_plugin import *  # noqa: F403
from ce_policy.testing.pytest_plugin import __all__  # noqa: F401 - this module's own list of names
