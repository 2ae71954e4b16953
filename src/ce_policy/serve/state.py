"""The policies a service decides under, loaded and compiled whole, and swapped in one step on a reload.

A `Generation` is one registry of policies (the shipped ones and the ``--policies`` folders, loaded strictly),
every evaluable policy compiled for the decision date of each of its years before it is used. `PolicyState`
holds the current generation; a request takes it once (`PolicyState.current`) and decides under it to the end,
however many reloads happen meanwhile. A reload builds a new generation beside the old one and replaces the
reference only when everything loaded and compiled: a folder that fails leaves the old generation in place,
and the reload answers with every problem.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from ce_policy.decide.engines import decision_date, engine_for
from ce_policy.model.errors import CePolicyError, PolicyFileError, PolicyNotFoundError
from ce_policy.policy.registry import PolicyRegistry, shipped_policy_root
from ce_policy.serve.problems import ProblemError, ProblemItem

__all__ = ["Generation", "PolicyState", "load_generation"]

_log = logging.getLogger("ce_policy.serve")


@dataclass(frozen=True)
class Generation:
    """One loaded and compiled set of policies.

    Attributes:
        number: 1 for the policies loaded at start, then one more per successful reload.
        registry: the policies.
        digest: ``sha256:`` of every evaluable policy's id and digest: it changes with any byte of any policy.
        loaded_at: when it was loaded (UTC, ISO 8601).
    """

    number: int
    registry: PolicyRegistry
    digest: str
    loaded_at: str


def _problems_of(exc: CePolicyError) -> tuple[ProblemItem, ...]:
    if isinstance(exc, PolicyFileError):
        return tuple(ProblemItem(code=p.code, message=p.message, file=p.file, line=p.line) for p in exc.problems)
    return (
        ProblemItem(
            code="policy_not_found" if isinstance(exc, PolicyNotFoundError) else "engine_error", message=str(exc)
        ),
    )


def load_generation(folders: tuple[Path, ...], number: int) -> Generation:
    """Load the shipped policies and ``folders`` (strictly) and compile every evaluable policy for each year.

    Raises:
        CePolicyError: a folder is invalid, or a policy does not compile (`ce_policy.PolicyFileError`, …).
    """
    registry = PolicyRegistry([shipped_policy_root()])
    for folder in folders:
        registry.add_root(folder, strict=True)
    lines = []
    for policy in registry.policies():
        if not policy.evaluable:
            continue
        for year in policy.years:
            engine_for(policy, decision_date(policy, year, None))
        lines.append(f"{policy.id} {policy.digest}")
    digest = "sha256:" + hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Generation(number=number, registry=registry, digest=digest, loaded_at=now)


class PolicyState:
    """The current `Generation` of a service, and its reloads (one at a time)."""

    def __init__(self, folders: tuple[Path, ...]) -> None:
        """Hold nothing yet: `reload` (or `install`) loads the first generation."""
        self.folders = folders
        self._current: Generation | None = None
        self._reloading = threading.Lock()
        self.last_error: tuple[ProblemItem, ...] = ()

    @property
    def ready(self) -> bool:
        """Whether policies are loaded and compiled."""
        return self._current is not None

    def current(self) -> Generation:
        """The generation to decide under; take it once per request."""
        current = self._current
        if current is None:
            raise ProblemError("not_ready", ("政策仍在加载", "the policies are still being loaded"))
        return current

    def install(self, generation: Generation) -> None:
        """Make ``generation`` current (one reference assignment: requests see the old one or the new one)."""
        self._current = generation

    def reload(self) -> Generation:
        """Load the folders anew and swap them in if they load and compile; otherwise keep the old ones.

        Raises:
            ProblemError: ``reload_failed`` (409), listing every problem; the current generation is unchanged.
        """
        with self._reloading:
            number = (self._current.number + 1) if self._current else 1
            try:
                generation = load_generation(self.folders, number)
            except CePolicyError as exc:
                self.last_error = _problems_of(exc)
                _log.error("policy reload failed; keeping generation %s: %s", number - 1, exc)
                kept = f"仍使用第 {number - 1} 代政策" if number > 1 else "没有可用的政策"
                kept_en = f"generation {number - 1} stays in force" if number > 1 else "no policies are loaded"
                raise ProblemError(
                    "reload_failed", (f"重新加载失败，{kept}", f"the reload failed; {kept_en}"), self.last_error
                ) from None
            self._current = generation
            self.last_error = ()
            _log.info("policies reloaded: generation %s, %s", generation.number, generation.digest)
            return generation
