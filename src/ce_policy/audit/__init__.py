"""Audit: the JSON Lines decision log, and the replay of a log under its recorded and the current policies.

May import ``analysis/`` (a replay reports differences as diff does), ``decide/`` and below; must not import
``text/`` or ``cli/``. Internal: import the public names from ``ce_policy``.
"""
