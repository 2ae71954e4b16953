"""Messages for codes, in Chinese and English.

Reason and consequence codes are declared, with their messages and the clause they rest on, by the policy
layers (``codes.yaml``). The only code ce_policy itself gives is `NO_APPLICABLE_RULE`.
"""

from __future__ import annotations

from typing import Literal

from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry
from ce_policy.policy.vocabulary import NO_APPLICABLE_RULE

__all__ = ["Language", "message"]

Language = Literal["zh", "en"]

_BUILT_IN: dict[str, dict[str, str]] = {
    NO_APPLICABLE_RULE: {
        "zh": "适用的政策中没有规则认定这种学习方式",
        "en": "no rule of the applicable policy recognises this way of study",
    },
}


def message(
    code: str,
    *,
    lang: Language = "zh",
    policy: str | Policy | None = None,
    registry: PolicyRegistry | None = None,
) -> str:
    """The message for a reason or consequence code.

    Args:
        code: the code, e.g. ``not_on_platform``.
        lang: ``zh`` (default) or ``en``.
        policy: the policy (or its id) that gave the code; by default every known policy is searched.
        registry: where to look policies up.

    Raises:
        KeyError: no policy declares the code.
    """
    if code in _BUILT_IN:
        return _BUILT_IN[code][lang]
    reg = registry or default_registry()
    candidates = [policy] if isinstance(policy, Policy) else [reg.policy(policy)] if policy else reg.policies()
    for candidate in candidates:
        found = candidate.codes.get(code)
        if found is not None:
            return found.zh if lang == "zh" else found.en
    raise KeyError(code)
