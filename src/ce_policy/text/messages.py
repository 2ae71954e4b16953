"""Messages for codes, in Chinese and English.

Reason and consequence codes are declared, with their messages and the clause they rest on, by the policy
layers (``codes.yaml``). The only code ce_policy itself gives is `NO_APPLICABLE_RULE`. A code's wording belongs
to the policy that declares it: two policies may word one code differently, so a message is looked up under
the policy that gave the code, and a lookup without one answers only when every policy words it alike.
"""

from __future__ import annotations

from typing import Literal

from ce_policy.model.errors import AmbiguousMessageError
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
    """The message for a reason or consequence code, as the policy that gave it words it.

    Args:
        code: the code, e.g. ``not_on_platform``.
        lang: ``zh`` (default) or ``en``.
        policy: the policy (or its id) that gave the code, e.g. a decision's ``policy.id``. Without it, every
            policy of the registry that declares the code is asked, and their wording (in ``lang``) is given
            only if they all agree.
        registry: where to look policies up (default: the process-wide registry).

    Raises:
        KeyError: the policy given (or, without one, no policy) declares the code.
        AmbiguousMessageError: without ``policy``, the policies that declare the code word it differently.
        PolicyNotFoundError: ``policy`` is an id the registry does not know.
    """
    if code in _BUILT_IN:
        return _BUILT_IN[code][lang]
    reg = registry or default_registry()
    candidates = [policy] if isinstance(policy, Policy) else [reg.policy(policy)] if policy else reg.policies()
    wordings: dict[str, list[str]] = {}
    for candidate in candidates:
        found = candidate.codes.get(code)
        if found is not None:
            wordings.setdefault(found.zh if lang == "zh" else found.en, []).append(candidate.id)
    if not wordings:
        raise KeyError(code)
    if len(wordings) > 1:
        raise AmbiguousMessageError(code, [i for ids in wordings.values() for i in ids])
    return next(iter(wordings))
