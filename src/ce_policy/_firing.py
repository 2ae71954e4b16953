"""Which rule fired on which fact in one session, so that exceptions set their base rules aside."""

from __future__ import annotations

from typing import Any

from ce_policy._compiler import Action

__all__ = ["Firings"]


class Firings:
    """Records where exceptions fired and filters the facts a rule may act on.

    An exception is compiled to fire before the rule it excepts; on every fact where it fired, the base rule
    (and its ``#short`` companion) then does nothing.
    """

    def __init__(self) -> None:
        """Start with nothing fired."""
        self._fired: set[tuple[str, str]] = set()

    def applicable(self, action: Action, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The facts ``action`` applies to; remembers the facts an exception fired on."""
        rule = action.rule
        if rule is None:
            return []
        if action.excepted_by:
            facts = [f for f in facts if not any((e, f["id"]) in self._fired for e in action.excepted_by)]
        if rule.exception_to is not None:
            self._fired.update((rule.id, f["id"]) for f in facts)
        return facts
