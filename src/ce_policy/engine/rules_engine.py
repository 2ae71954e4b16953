"""The one module that imports durable-rules.

It turns a `ce_policy.engine.compiler.CompiledPolicy` into a running ruleset and runs sessions on it. The
guards below come from measurements of durable-rules 2.0.28 (``shared/engine/DURABLE_RULES.md``):

* ``Host._run`` is overridden, so the background dispatcher threads, which race with foreground calls, never
  start; one lock per engine serialises the calls, so threads may share an engine.
* Actions are one-argument closures resolved by name (two-argument ones would be treated as asynchronous);
  every action is wrapped, because the engine swallows exceptions raised inside actions.
* Each session gets a fresh ``sid`` and is deleted in ``finally``. ``delete_state`` crashes the process if no
  action ran in the session, so before deleting a session in which nothing fired, an opening fact that always
  fires is asserted.
* Engine failures are translated into `ce_policy.EngineError` at this boundary.
* durable-rules expands an ``$or`` (a policy's ``any:``) into one path per alternative and runs the rule's
  action once per path a fact matches, so a fact that meets two alternatives reaches the action twice. A
  session hands each engine rule each fact once (`Session.first_firings`): a rule fires once per fact.
* From Python 3.12 the engine's Python half calls ``datetime.utcfromtimestamp`` (deprecated) once per action:
  that one warning, from that one module, is filtered here, so a caller running with ``-W error`` still gets
  decisions. On 3.13 the C module must be built with ``CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject``.
"""

from __future__ import annotations

import copy
import itertools
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import durable_rules_engine
from durable import engine as _durable

from ce_policy.engine.compiler import OPEN_RULE, SEEN_PREFIX, CompiledPolicy
from ce_policy.model.errors import EngineError

__all__ = ["FireHandler", "RulesEngine", "Session"]

FireHandler = Callable[[str, list[dict[str, Any]]], None]
"""Called for every firing with the engine rule's name and the facts it matched (each fact once per rule)."""

_sids = itertools.count(1)

warnings.filterwarnings(
    "ignore", message=r"datetime\.datetime\.utcfromtimestamp", category=DeprecationWarning, module=r"durable\.engine"
)


class _QuietHost(_durable.Host):  # type: ignore[misc]
    """A durable-rules host whose actions come from one engine and which starts no threads."""

    def __init__(self, owner: RulesEngine) -> None:
        self._owner = owner
        super().__init__()

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        owner = self._owner

        def act(c: Any) -> None:
            owner._fire(action_name, c)

        return act

    def load_ruleset(self, ruleset_name: str) -> Any:
        raise EngineError(f"ruleset {ruleset_name!r} is not loaded")

    def _run(self) -> None:
        """Start no dispatcher threads: every action runs inside the call that caused it."""


class Session:
    """One evaluation's session on an engine; facts are asserted stage by stage."""

    def __init__(self, engine: RulesEngine, sid: str, handler: FireHandler) -> None:
        self.sid = sid
        self._engine = engine
        self.handler = handler
        self.fired = False
        self.errors: list[BaseException] = []
        self._handed: set[tuple[str, str]] = set()

    def first_firings(self, name: str, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The facts of ``facts`` that engine rule ``name`` has not yet been handed in this session.

        Fact ids are unique in a session (the engine refuses a second fact with the same id), so
        ``(rule, fact id)`` names one firing; what the engine delivers again, for another alternative of an
        ``$or`` the fact also meets, is left out.
        """
        handed = self._handed
        first = []
        for fact in facts:
            key = (name, fact["id"])
            if key not in handed:
                handed.add(key)
                first.append(fact)
        return first

    def assert_facts(self, facts: list[dict[str, Any]]) -> None:
        """Assert facts (each with its own short ``id``) and run every action they cause.

        Raises:
            EngineError: the engine refused the facts, or an action failed.
        """
        if not facts:
            return
        for fact in facts:
            fact["sid"] = self.sid
        try:
            self._engine._host.assert_facts(self._engine.ruleset_name, facts)
        except Exception as exc:
            raise EngineError(f"the rules engine failed: {exc}") from exc
        if self.errors:
            raise EngineError(f"a rule action failed: {self.errors[0]!r}") from self.errors[0]


class RulesEngine:
    """A compiled policy loaded into durable-rules, ready to run sessions (thread-safe)."""

    def __init__(self, compiled: CompiledPolicy) -> None:
        """Load ``compiled`` into a new, quiet durable-rules host.

        Raises:
            EngineError: the engine refused the ruleset.
        """
        self.compiled = compiled
        self.ruleset_name = compiled.ruleset_name
        self._lock = threading.Lock()
        self._current: Session | None = None
        self.live_sessions = 0
        self._closed = False
        self._host = _QuietHost(self)
        try:
            self._host.register_rulesets(copy.deepcopy(compiled.ruleset))
        except Exception as exc:
            raise EngineError(f"the rules engine refused the compiled policy: {exc}") from exc

    def _fire(self, name: str, closure: Any) -> None:
        session = self._current
        if session is None:  # pragma: no cover - only the dispatcher threads we never start could get here
            return
        session.fired = True
        if name == OPEN_RULE or name.startswith(SEEN_PREFIX):
            return
        try:
            matched = closure.m
            facts = [m._d for m in matched] if isinstance(matched, list) else [closure._m]
            facts = session.first_firings(name, facts)
            if facts:
                session.handler(name, facts)
        except BaseException as exc:
            session.errors.append(exc)

    @contextmanager
    def session(self, handler: FireHandler) -> Iterator[Session]:
        """Open a session, yield it, and always delete it afterwards.

        Raises:
            EngineError: the engine failed, or the session could not be deleted.
        """
        with self._lock:
            if self._closed:
                raise EngineError("this engine has been closed")
            session = Session(self, f"s{next(_sids)}", handler)
            self._current = session
            self.live_sessions += 1
            try:
                yield session
            finally:
                self._end(session)

    def _end(self, session: Session) -> None:
        try:
            if not session.fired:
                self._host.assert_fact(self.ruleset_name, {"sid": session.sid, "id": "open", "stage": OPEN_RULE})
            self._host.delete_state(self.ruleset_name, session.sid)
        except Exception as exc:
            raise EngineError(f"the rules engine could not close session {session.sid}: {exc}") from exc
        finally:
            self._current = None
            self.live_sessions -= 1

    def close(self) -> None:
        """Free the engine's native ruleset; later sessions raise `EngineError`."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            ruleset = self._host.get_ruleset(self.ruleset_name)
            durable_rules_engine.delete_ruleset(ruleset._handle)
