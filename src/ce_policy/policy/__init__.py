"""The law as data: reading, checking, merging and registering policy layers, and reading their thresholds.

Here are the safe YAML reader, the shapes of policy files, the layer reader and the merge with its overrides
and guardrails, the vocabulary and rule checker, the limits of the rules engine a rule must fit in
(``engine_limits``), the registry and policy folders, and the reading of a policy's thresholds and dates
(``edges``). May import ``model/`` only: loading a policy never runs a rule. Internal: import the public names
from ``ce_policy``.
"""
