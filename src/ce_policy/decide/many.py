"""``evaluate_many()``: a population in, one result per record out, in order, on local processes or a cluster.

Records are read from the iterable lazily and sent out in chunks; at most a few chunks per worker are in
flight, so memory stays bounded however long the input is (a generator over a file larger than RAM is fine).
Results come back in input order. A record that cannot be decided (invalid, or no policy for it) gives an
error entry in its place and the batch goes on; a failure of the machinery itself (a bug, a dead worker)
is raised.

Work is done by any `concurrent.futures.Executor`: a local process pool by default, or the one passed, e.g. a
Dask cluster's (``distributed.Client(...).get_executor()``). What crosses to a worker is plain data: the
records, the options, and the policy folders of the registry, which each worker loads once.

The local pool's processes are started with ``forkserver`` (``spawn`` where there is none), never ``fork``: a
forked child inherits every lock of the parent in the state it was in, and a lock another thread of the parent
held at that moment (a registry loading policies, an engine deciding) stays held in the child for ever. Each
worker watches its parent and exits as soon as the parent is gone (`_start_worker`).

Decisions are logged by the calling process, as results are yielded (`_log_result`), when it has a log; the
workers then log nothing. Only when it has none does a worker log to a log of its own process, if one was set
there (by an executor's initializer: the local pool's workers start with none).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from multiprocessing.connection import wait
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.sink import UNLOGGED, DecisionSink, Unlogged, active_decision_log
from ce_policy.model.decision import Decision
from ce_policy.model.errors import CePolicyError, PolicyFileError, PolicyNotFoundError, RecordError
from ce_policy.model.record import DEFERRED, Record, parse_model
from ce_policy.model.ways import VOCABULARY_CONTEXT
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry, shipped_policy_root

__all__ = ["BatchError", "BatchResult", "batch_error", "evaluate_many"]

_DEFAULT_CHUNK = 100
_IN_FLIGHT_PER_WORKER = 3
_START_METHODS = ("forkserver", "spawn")
"""How the local pool starts its processes, the first available: never ``fork`` (see the module's docstring)."""
_ORPHAN_EXIT = 70
"""The status a worker exits with when its parent is gone."""


class BatchError(BaseModel):
    """Why one record of a batch has no decision.

    Attributes:
        kind: ``record`` (the record is invalid), ``policy_not_found``, ``policy`` (a policy file is
            invalid) or ``engine``; ``log`` only in `BatchResult.log_error` (decided, but not logged).
        message: the error's message.
        problems: for an invalid record, each problem as ``{"path", "code", "message"}``; for an invalid
            policy, ``{"file", "line", "code", "message"}``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["record", "policy_not_found", "policy", "engine", "log"]
    message: str
    problems: tuple[dict[str, Any], ...] = ()


class BatchResult:
    """The result for one record of a batch: its decision, or why there is none.

    A result computed in another process arrives as the decision's JSON, which is read into a `Decision`
    only when ``decision`` is first asked for; ``decision_json`` gives the JSON without reading it (what a
    batch writing files needs), so moving results between processes costs a string, not a pickled model.

    Attributes:
        index: the record's position in the input (0-based).
        error: why no decision was made, otherwise ``None``.
        log_error: the decision was made but could not be written to the decision log (kind ``log``, the
            message of the `DecisionLogError`), otherwise ``None``. The decision is kept all the same.
    """

    __slots__ = ("_decision", "_json", "_logged", "error", "index", "log_error")

    def __init__(
        self,
        index: int,
        decision: Decision | None = None,
        error: BatchError | None = None,
        *,
        decision_json: str | None = None,
        log_error: BatchError | None = None,
    ) -> None:
        """Hold a decision (as a model or as its JSON) or the error that stopped it."""
        self.index = index
        self.error = error
        self.log_error = log_error
        self._decision = decision
        self._json = decision_json
        self._logged: tuple[str, dict[int, Decimal]] | None = None

    @property
    def decision(self) -> Decision | None:
        """The decision, when one was made."""
        if self._decision is None and self._json is not None:
            # ce_policy's own output, read back: a plan may carry the deciding policy's attributes (an
            # accountant's `subject`), which only that policy's vocabulary knows.
            self._decision = Decision.model_validate_json(self._json, context={VOCABULARY_CONTEXT: DEFERRED})
        return self._decision

    @property
    def decision_json(self) -> str | None:
        """The decision as JSON (the documented shape), when one was made."""
        if self._json is None and self._decision is not None:
            self._json = self._decision.model_dump_json()
        return self._json

    @property
    def ok(self) -> bool:
        """Whether a decision was made."""
        return self._decision is not None or self._json is not None

    def __eq__(self, other: object) -> bool:
        """Results are equal when index, decision, error and log error are."""
        if not isinstance(other, BatchResult):
            return NotImplemented
        mine = (self.index, self.decision, self.error, self.log_error)
        return mine == (other.index, other.decision, other.error, other.log_error)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        """Show the index and the outcome."""
        what = f"error={self.error.kind!r}" if self.error is not None else "decision"
        if self.log_error is not None:
            what += ", log_error"
        return f"BatchResult(index={self.index}, {what})"

    def _keep_json_only(self) -> None:
        """Keep the decision as its JSON only (what crosses to another process), letting the model go."""
        if self._decision is not None:
            self._json = self._decision.model_dump_json()
            self._decision = None

    def __getstate__(self) -> tuple[Any, ...]:
        """Pickle as JSON: cheap to send between processes."""
        return self.index, self.error, self.decision_json, self.log_error, self._logged

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        """Restore from `__getstate__`; the decision is read lazily."""
        self.index, self.error, self._json, self.log_error, self._logged = state
        self._decision = None


@dataclass(frozen=True)
class _Options:
    """What every worker needs besides the records: plain, picklable data."""

    roots: tuple[str, ...] | None
    policy: str | Policy | None
    as_of: dt.date | None
    to_complete: bool
    cache: bool
    capture: bool = False
    """Send back the record as evaluated with each decision, for the calling process to log."""
    unlogged: bool = False
    """Log nothing, not even to a worker's own process-wide log (``log=UNLOGGED`` was given)."""


class _Captured:
    """A sink that keeps what `evaluate` would log (the record as evaluated, the prior hours) to send it back."""

    def __init__(self) -> None:
        self.entry: tuple[str, dict[int, Decimal]] | None = None

    def write(self, record: Record, decision: Decision, *, prior: Mapping[int, Decimal] | None = None) -> str:
        """Keep the record as JSON and the prior hours."""
        self.entry = (record.model_dump_json(), dict(prior or {}))
        return ""


_registries: dict[tuple[str, ...], PolicyRegistry] = {}


def _registry(roots: tuple[str, ...] | None) -> PolicyRegistry:
    """The registry of a worker: the process-wide one, or one per set of folders, loaded once per process."""
    if roots is None:
        return default_registry()
    registry = _registries.get(roots)
    if registry is None:
        # The roots of a registry that accepted them: each may set the default region as it did there.
        registry = PolicyRegistry([Path(root) for root in roots], set_default_region=True)
        _registries[roots] = registry
    return registry


def batch_error(exc: CePolicyError) -> BatchError:
    """The `BatchError` entry for a record that ``exc`` stopped."""
    if isinstance(exc, RecordError):
        problems = tuple({"path": p.path, "code": p.code, "message": p.message} for p in exc.problems)
        return BatchError(kind="record", message=str(exc), problems=problems)
    if isinstance(exc, PolicyFileError):
        located: tuple[dict[str, Any], ...] = tuple(
            {"file": p.file, "line": p.line, "code": p.code, "message": p.message} for p in exc.problems
        )
        return BatchError(kind="policy", message=str(exc), problems=located)
    if isinstance(exc, PolicyNotFoundError):
        return BatchError(kind="policy_not_found", message=str(exc))
    return BatchError(kind="engine", message=str(exc))


def _evaluate_one(
    index: int, record: Any, options: _Options, registry: PolicyRegistry, log: DecisionSink | None
) -> BatchResult:
    """Evaluate one record in this process; a record that cannot be decided gives an error entry.

    A decision that was made but could not be logged (`DecisionLogError`, which carries it) is kept, with the
    log's error beside it: a failing log never costs a decision.
    """
    try:
        decision = evaluate(
            record,
            policy=options.policy,
            as_of=options.as_of,
            registry=registry,
            to_complete=options.to_complete,
            cache=options.cache,
            log=log,
        )
    except CePolicyError as exc:
        made = getattr(exc, "decision", None)  # a DecisionLogError (audit/, which this package may not import)
        if isinstance(made, Decision):
            return BatchResult(index=index, decision=made, log_error=BatchError(kind="log", message=str(exc)))
        return BatchResult(index=index, error=batch_error(exc))
    return BatchResult(index=index, decision=decision)


def _evaluate_chunk(chunk: Sequence[tuple[int, Any]], options: _Options) -> list[BatchResult]:
    """Evaluate one chunk of ``(index, record)`` in a worker (the function sent to workers).

    With ``options.capture`` (the calling process logs), nothing is logged here: each result carries the
    record as evaluated, for the calling process to log. With ``options.unlogged``, nothing is logged at all.
    Otherwise the worker's own process-wide log, if one was set in it, logs each decision, as `evaluate` does.
    """
    registry = _registry(options.roots)
    results = []
    for index, record in chunk:
        captured = _Captured() if options.capture else None
        log: DecisionSink | None = captured if captured is not None else UNLOGGED if options.unlogged else None
        result = _evaluate_one(index, record, options, registry, log)
        if captured is not None and result.ok:
            result._logged = captured.entry
        result._keep_json_only()  # what is sent back; the model is let go at once rather than held with the chunk
        results.append(result)
    return results


def _log_result(result: BatchResult, log: DecisionSink) -> BatchResult:
    """Log the decision a worker made (in the calling process); a log that fails leaves ``log_error``."""
    decision, entry = result.decision, result._logged
    result._logged = None
    if decision is None or entry is None:
        return result
    record = parse_model(Record, json.loads(entry[0]), DEFERRED)  # the worker's record as evaluated: valid
    try:
        log.write(record, decision, prior=entry[1])
    except CePolicyError as exc:
        result.log_error = BatchError(kind="log", message=str(exc))
    return result


def _start_worker() -> None:
    """Prepare a pool's worker: Ctrl-C is for the calling process, and the worker dies with its parent.

    A worker blocked on its task queue would otherwise outlive a parent killed with ``SIGKILL`` for ever (its
    queue never closes: each worker holds both ends). The parent's sentinel becomes readable when the parent
    is gone, however it ended.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        wait([sentinel])
        os._exit(_ORPHAN_EXIT)

    threading.Thread(target=watch, name="ce-policy-parent-watch", daemon=True).start()


def _context() -> BaseContext:
    """The start method of the local pool: the first of `_START_METHODS` the platform has."""
    available = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context(next(m for m in _START_METHODS if m in available))


def _chunks(records: Iterable[Any], size: int) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for index, record in enumerate(records):
        chunk.append((index, record.model_dump(mode="json") if isinstance(record, Record) else record))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _roots(registry: PolicyRegistry) -> tuple[str, ...] | None:
    """The folders a worker loads to have the same policies (``None``: just the shipped ones)."""
    roots = tuple(str(root.resolve()) for root in registry.roots)
    if roots == (str(shipped_policy_root().resolve()),):
        return None
    return roots


def _portable(policy: str | Policy | None, registry: PolicyRegistry) -> str | Policy | None:
    """A policy as workers can find it: by id when their registry holds the very same policy."""
    if isinstance(policy, Policy):
        try:
            if registry.policy(policy.id) is policy:
                return policy.id
        except CePolicyError:
            return policy
    return policy


def evaluate_many(
    records: Iterable[Record | dict[str, Any]],
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    chunk_size: int = _DEFAULT_CHUNK,
    policy: str | Policy | None = None,
    as_of: dt.date | None = None,
    registry: PolicyRegistry | None = None,
    to_complete: bool = False,
    cache: bool = True,
    log: DecisionSink | None = None,
) -> Iterator[BatchResult]:
    """Evaluate many records; yield one `BatchResult` per record, in input order.

    Args:
        records: records (`Record` or JSON data); read lazily, so a generator over a huge file is fine.
        workers: local worker processes (default: one per CPU), started with ``forkserver`` (``spawn`` where
            there is none), so a script that calls this must guard its top level with
            ``if __name__ == "__main__":``; ``1`` evaluates in this process, with no pool. Ignored when
            ``executor`` is given.
        executor: run chunks on this executor instead, e.g. a Dask cluster's
            (``distributed.Client(...).get_executor()``); it must run functions in other processes or
            machines that can import ce_policy.
        chunk_size: records sent to a worker at a time.
        policy: as for `evaluate`: a policy id (or a loaded policy) for every record.
        as_of: as for `evaluate`.
        registry: where to look policies up; workers load the same folders (default: the shipped
            policies and those added with `load_policies`).
        to_complete: as for `evaluate`; off by default here, since a batch usually wants the decisions only.
        cache: as for `evaluate`.
        log: log each decision to this `DecisionLog` (or any `DecisionSink`; default: the process-wide log of
            `set_decision_log` in effect when the batch starts, if any). This process writes every entry, in
            input order, as results are yielded, whatever the workers, and the workers log nothing. With no
            log here, a worker logs to its own process-wide log if one was set in it (e.g. by the initializer
            of the ``executor`` given; the local pool's workers have none); with ``UNLOGGED``
            (``ce_policy.decide.sink``), nothing is logged anywhere. Each decision is logged once at most. A
            decision that cannot be logged is yielded all the same, with ``log_error`` set.

    Yields:
        One `BatchResult` per record, in input order: its decision, or the error that stopped it.

    Raises:
        ValueError: ``workers`` or ``chunk_size`` is below 1.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if workers is not None and workers < 1:
        raise ValueError("workers must be at least 1")
    chosen = registry or default_registry()
    sink = active_decision_log(log)
    if executor is None and workers == 1:
        # In this process, one record at a time: nothing is held but the result being yielded.
        local = _Options(None, policy, as_of, to_complete, cache)
        for index, record in enumerate(records):
            yield _evaluate_one(index, record, local, chosen, sink or UNLOGGED)
        return
    unlogged = isinstance(log, Unlogged)
    options = _Options(_roots(chosen), _portable(policy, chosen), as_of, to_complete, cache, sink is not None, unlogged)
    if executor is not None:
        in_flight = _IN_FLIGHT_PER_WORKER * (os.cpu_count() or 1)
        yield from _run(executor, records, chunk_size, options, in_flight, sink)
        return
    count = workers or os.cpu_count() or 1
    with ProcessPoolExecutor(max_workers=count, mp_context=_context(), initializer=_start_worker) as pool:
        yield from _run(pool, records, chunk_size, options, _IN_FLIGHT_PER_WORKER * count, sink)


def _unsendable(exc: BaseException) -> bool:
    """Whether ``exc`` says a chunk could not be pickled for a worker (rather than that the worker failed)."""
    return isinstance(exc, RecursionError) or type(exc).__name__ == "PicklingError"


def _run(
    executor: Executor,
    records: Iterable[Any],
    chunk_size: int,
    options: _Options,
    in_flight: int,
    log: DecisionSink | None,
) -> Iterator[BatchResult]:
    pending: deque[tuple[list[tuple[int, Any]], Future[list[BatchResult]]]] = deque()

    def done(chunk: list[tuple[int, Any]], future: Future[list[BatchResult]]) -> Iterator[BatchResult]:
        try:
            results = future.result()
        except Exception as exc:
            if not _unsendable(exc):
                raise
            # The chunk could not be sent to a worker (a record nested too deep to pickle): decide it here,
            # where each record is refused or decided on its own. This process logs only what it captures.
            here = options if options.capture else dataclasses.replace(options, unlogged=True)
            results = _evaluate_chunk(chunk, here)
        for result in results:
            yield result if log is None else _log_result(result, log)

    try:
        for chunk in _chunks(records, chunk_size):
            pending.append((chunk, executor.submit(_evaluate_chunk, chunk, options)))
            if len(pending) >= in_flight:
                yield from done(*pending.popleft())
        while pending:
            yield from done(*pending.popleft())
    finally:
        for _, future in pending:
            future.cancel()
