"""Testing: hypothesis strategies, invariants, YAML cases and their pytest plugin, generated populations.

The only package that imports ``hypothesis`` and ``pytest``. May import ``decide/`` and below; independent of
``analysis/``; must not import ``audit/``, ``text/`` or ``cli/``. Public through ``ce_policy.strategies``,
``ce_policy.invariants`` and ``ce_policy.pytest_plugin``.
"""
