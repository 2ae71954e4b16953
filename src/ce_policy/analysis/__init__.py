"""Analysis of policies: lint (findings on policy files and their cases) and diff (what changes between versions).

May import ``decide/`` and below. Independent of ``testing/`` (neither imports the other); must not import
``audit/``, ``text/`` or ``cli/``. Internal: import the public names from ``ce_policy``.
"""
