"""Which rule fired on which fact in one session, so that exceptions set their base rules aside."""

from __future__ import annotations

from typing import Any

from ce_policy.engine.compiler import Action

__all__ = ["Firings"]


class Firings:
    """Records where exceptions fired and filters the facts a rule may act on.

    An exception is compiled to fire before the rule it excepts; on every fact where it fired, the base rule
    (and its ``#short`` companion) then does nothing.
    """

    def __init__(self) -> None:
        """Start with nothing fired."""
        self._fired: set[tuple[str, str]] = set()

    def applies(self, action: Action, fact: dict[str, Any]) -> bool:
        """Whether ``action`` acts on ``fact``: not when an exception to its rule fired there.

        Remembers the facts an exception acted on.
        """
        rule = action.rule
        if rule is None:
            return False
        fired = self._fired
        fact_id = fact["id"]
        if action.excepted_by and any((e, fact_id) in fired for e in action.excepted_by):
            return False
        if rule.exception_to is not None:
            fired.add((rule.id, fact_id))
        return True
