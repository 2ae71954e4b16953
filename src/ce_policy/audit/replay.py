"""Replay a decision log: decide every entry again under its recorded policy, and under the current one.

``ce-policy replay LOG`` and `replay` report each entry whose decision would now differ, and why: the outcome
fields that differ and the rules that fired in one decision and not the other. They follow the log's hash
chain too, and report each break: an entry edited, inserted, deleted or reordered. A damaged line is one
invalid entry, named by its line, and every other entry is replayed all the same. ``docs/audit.md`` documents
it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ce_policy.analysis.diff_compare import field_changes
from ce_policy.analysis.diff_model import FieldChange
from ce_policy.audit.chain import MAX_LINE_BYTES, ChainBreak, ChainCheck, ChainState, is_link
from ce_policy.audit.log import LogEntry, LoggedPolicy, decision_outcome, record_digest
from ce_policy.decide.evaluate import evaluate
from ce_policy.decide.sink import UNLOGGED
from ce_policy.model.decision import Decision
from ce_policy.model.errors import CePolicyError, PolicyFileError, PolicyNotFoundError
from ce_policy.model.hours import hours_to_json
from ce_policy.model.json_text import JsonTextError, parse_json
from ce_policy.model.record import DEFERRED, CycleYear, Record, parse_model
from ce_policy.model.record_files import iter_records
from ce_policy.policy.loaded import Policy
from ce_policy.policy.registry import PolicyRegistry, default_registry

__all__ = ["ChainBreak", "CurrentComparison", "ReplayEntry", "ReplayReport", "ReplayStatus", "replay"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")

ReplayStatus = Literal["same", "differs", "policy_unavailable", "record_missing", "invalid_entry"]
STATUSES: tuple[str, ...] = ("same", "differs", "policy_unavailable", "record_missing", "invalid_entry")


class CurrentComparison(BaseModel):
    """The decision the policy that applies now would make, compared with the logged one.

    Attributes:
        policy: the current policy (``None`` when no policy applies now).
        status: ``same``, ``differs``, or ``unavailable`` (no policy applies now, or it cannot decide).
        changes: the outcome fields that differ: logged value (``old``) and current value (``new``).
        rules_only_logged: rules (``rule@activity`` when on an activity) that fired in the logged decision only.
        rules_only_now: rules that fire in the current decision only.
        message: why the current policy could not decide, when ``unavailable``.
    """

    model_config = _FROZEN

    policy: LoggedPolicy | None
    status: Literal["same", "differs", "unavailable"]
    changes: tuple[FieldChange, ...] = ()
    rules_only_logged: tuple[str, ...] = ()
    rules_only_now: tuple[str, ...] = ()
    message: str | None = None


class ReplayEntry(BaseModel):
    """What replaying one log entry found.

    Attributes:
        where: ``file:line`` of the entry.
        status: under the recorded policy: ``same``, ``differs``, ``policy_unavailable`` (no policy with its id
            and digest), ``record_missing`` (no record with its digest) or ``invalid_entry`` (see ``code``).
        decision_id: the entry's decision id.
        person: the person's id, when the record is known.
        year: the record's year, when known.
        policy: the recorded policy.
        changes: the outcome fields that differ from the logged ones (``old``: logged, ``new``: replayed).
        rules_only_logged: rules that fired in the logged decision only.
        rules_only_now: rules that fired in the replayed decision only.
        message: what is wrong with an entry that could not be replayed.
        code: why an entry is an ``invalid_entry`` (``docs/audit.md`` lists them).
        current: when the recorded policy is no longer the one that applies, what the current one decides.
    """

    model_config = _FROZEN

    where: str
    status: ReplayStatus
    code: str | None = None
    decision_id: str | None = None
    person: str | None = None
    year: int | None = None
    policy: LoggedPolicy | None = None
    changes: tuple[FieldChange, ...] = ()
    rules_only_logged: tuple[str, ...] = ()
    rules_only_now: tuple[str, ...] = ()
    message: str | None = None
    current: CurrentComparison | None = None


class ReplayReport(BaseModel):
    """The replay of a decision log (`replay`).

    Attributes:
        log: the log file.
        entries: one per non-blank line, in order.
        counts: entries by ``status``, and ``current_differs``: entries the current policy decides otherwise.
        chain: the hash chain: ``intact``, ``partly_chained`` (older unchained entries before it),
            ``unchained`` (an older log), ``broken`` (see ``chain_breaks``) or ``empty``.
        chain_breaks: every break of the hash chain, in order.
        unchained: how many entries carry no chain (written before entries were chained).
        head: ``sha256:`` of the last entry's line, the ``prev`` of the next; compared with a head kept
            elsewhere, it shows that the log was not cut short or its last entry edited.
    """

    model_config = _FROZEN

    log: str
    entries: tuple[ReplayEntry, ...]
    counts: dict[str, int]
    chain: ChainState = "empty"
    chain_breaks: tuple[ChainBreak, ...] = ()
    unchained: int = 0
    head: str | None = None

    @property
    def confirmed(self) -> bool:
        """Every entry replays the same under its recorded policy, and the hash chain is not broken."""
        return not self.chain_breaks and all(entry.status == "same" for entry in self.entries)

    @property
    def current_differs(self) -> tuple[ReplayEntry, ...]:
        """The entries the policy that applies now decides otherwise."""
        return tuple(e for e in self.entries if e.current is not None and e.current.status == "differs")


def _decimals(value: Any) -> Any:
    """JSON data with every fraction a decimal (read from a log, or made now), so that equal numbers compare equal."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_decimals(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    """Decimals back to JSON numbers (integers when whole); a number far out of range, as text (``1e999999999``)."""
    if isinstance(value, Decimal):
        if not value.is_finite() or (not value.is_zero() and not -30 <= value.adjusted() < 15):
            return str(value)
        return hours_to_json(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _comparable(outcome: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """An outcome as JSON data with decimal numbers, activities keyed ``[id]``; and its rules apart."""
    data = _decimals(dict(outcome))
    rules = [str(rule) for rule in data.pop("rules", [])]
    data["activities"] = {f"[{a.get('id')}]": a for a in data.get("activities", []) if isinstance(a, dict)}
    for activity in data["activities"].values():
        activity.pop("id", None)
    return data, rules


def _compare(logged: Mapping[str, Any], now: Decision) -> tuple[list[FieldChange], list[str], list[str]]:
    old, old_rules = _comparable(logged)
    new, new_rules = _comparable(decision_outcome(now))
    changes = [FieldChange(path=c.path, old=_jsonable(c.old), new=_jsonable(c.new)) for c in field_changes(old, new)]
    only_old = list(dict.fromkeys(r for r in old_rules if r not in set(new_rules)))
    only_new = list(dict.fromkeys(r for r in new_rules if r not in set(old_rules)))
    return changes, only_old, only_new


def _said(exc: CePolicyError) -> str:
    """An error's message on one line: a record's problems joined with ``;``."""
    return "; ".join(line.strip() for line in str(exc).splitlines())


def _logged(policy: Policy) -> LoggedPolicy:
    return LoggedPolicy(id=policy.id, version=policy.version, digest=policy.digest, chain=policy.chain)


def _find_policy(policy: LoggedPolicy, registries: Iterable[PolicyRegistry]) -> Policy | None:
    for registry in registries:
        try:
            found = registry.policy(policy.id)
        except (PolicyNotFoundError, PolicyFileError):
            continue
        if found.digest == policy.digest:
            return found
    return None


@dataclass(frozen=True)
class _Line:
    where: str
    raw: bytes
    data: dict[str, Any] | None
    entry: LogEntry | None
    code: str | None = None
    problem: str | None = None


def _raw_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """Each line's number, bytes (without the newline) and whether it ends with one; one too long, cut short."""
    limit, number = MAX_LINE_BYTES, 0
    while chunk := stream.readline(limit + 1):
        number += 1
        ended = chunk.endswith(b"\n")
        if not ended and len(chunk) > limit:
            while not ended and (rest := stream.readline(limit + 1)):
                ended = rest.endswith(b"\n")
            yield number, chunk, ended
        else:
            yield number, chunk[:-1] if ended else chunk, ended


def _problems(exc: ValidationError, shown: int = 5) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    found = [f"{'.'.join(str(part) for part in e['loc']) or '$'}: {e['msg']}" for e in errors[:shown]]
    return "; ".join(found) + (f"; and {len(errors) - shown} more" if len(errors) > shown else "")


def _lone_surrogate(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_lone_surrogate(k) or _lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_lone_surrogate(v) for v in value)
    return isinstance(value, str) and not value.isascii() and any("\ud800" <= c <= "\udfff" for c in value)


def _parse_line(raw: bytes) -> dict[str, Any]:
    """A line's JSON object, read as strictly as records are (`parse_json`), or `JsonTextError` with a code."""
    if len(raw) > MAX_LINE_BYTES:
        raise JsonTextError("line_too_long", "$", f"a line longer than {MAX_LINE_BYTES:,} bytes")
    try:
        data = parse_json(text := raw.decode("utf-8"))
    except JsonTextError:
        raise
    except UnicodeDecodeError as exc:
        raise JsonTextError("invalid_utf8", "$", f"not UTF-8 at byte {exc.start + 1}: {exc.reason}") from None
    except (ValueError, RecursionError) as exc:  # parse_json maps these itself; kept so no traceback escapes
        raise JsonTextError("invalid_json", "$", f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        kind = {type(None): "null", list: "an array", str: "a string", bool: "a boolean"}.get(type(data), "a number")
        raise JsonTextError("not_an_entry", "$", f"{kind}, not a JSON object")
    if "\\u" in text and _lone_surrogate(data):
        raise JsonTextError("invalid_utf8", "$", "a lone surrogate escape (\\ud800-\\udfff) in a string: not text")
    return data


def _read_lines(path: Path) -> Iterator[_Line]:
    """Each non-blank line of the log, read as bytes: a damaged line is one line, and the next is read as ever."""
    with path.open("rb") as stream:
        for number, raw, ended in _raw_lines(stream):
            if not raw.strip():
                continue
            where = f"{path}:{number}"
            try:
                data = _parse_line(raw)
            except JsonTextError as exc:
                torn = "" if ended else "the last line ends without a newline (a write cut short?): "
                message = exc.message if exc.path == "$" else f"{exc.path}: {exc.message}"
                yield _Line(where, raw, None, None, exc.code, torn + message)
                continue
            try:
                entry = LogEntry.model_validate(data)
            except ValidationError as exc:
                yield _Line(where, raw, data, None, "not_an_entry", f"not a decision log entry: {_problems(exc)}")
                continue
            yield _Line(where, raw, data, entry)


def _records_by_digest(files: Iterable[Path], registry: PolicyRegistry) -> dict[str, Record]:
    """The valid records of ``files`` by digest: as given, and with the registry's default region filled in."""
    found: dict[str, Record] = {}
    for file in files:
        for item in iter_records(file):
            if item.data is None:
                continue
            try:
                record = parse_model(Record, item.data, DEFERRED)
            except CePolicyError:
                continue
            found.setdefault(record_digest(record), record)
            if record.person.region is None and registry.default_region is not None:
                person = record.person.model_copy(update={"region": registry.default_region})
                filled = record.model_copy(update={"person": person})
                found.setdefault(record_digest(filled), filled)
    return found


def _current(
    entry: LogEntry, record: Record, prior: list[CycleYear], registry: PolicyRegistry
) -> CurrentComparison | None:
    try:
        policy = registry.resolve(record.person.region, record.year, record.person.sector)
    except CePolicyError as exc:
        return CurrentComparison(policy=None, status="unavailable", message=_said(exc))
    if policy.digest == entry.policy.digest:
        return None
    try:
        now = _decide(entry, record, prior, policy, registry)
    except CePolicyError as exc:
        return CurrentComparison(policy=_logged(policy), status="unavailable", message=_said(exc))
    changes, only_logged, only_now = _compare(entry.outcome, now)
    return CurrentComparison(
        policy=_logged(policy),
        status="differs" if changes or only_logged or only_now else "same",
        changes=tuple(changes),
        rules_only_logged=tuple(only_logged),
        rules_only_now=tuple(only_now),
    )


def _decide(
    entry: LogEntry, record: Record, prior: list[CycleYear], policy: Policy, registry: PolicyRegistry
) -> Decision:
    return evaluate(
        record, policy=policy, as_of=entry.as_of, prior=prior, registry=registry, to_complete=False, log=UNLOGGED
    )


def _replay_entry(
    where: str,
    entry: LogEntry,
    records: dict[str, Record],
    registry: PolicyRegistry,
    archives: list[PolicyRegistry],
) -> ReplayEntry:
    base: dict[str, Any] = {"where": where, "decision_id": entry.decision_id, "policy": entry.policy}
    if entry.record is not None:
        try:
            record = parse_model(Record, entry.record, DEFERRED)
        except CePolicyError as exc:
            message = f"its record is invalid: {_said(exc)}"
            return ReplayEntry(**base, status="invalid_entry", code="record_invalid", message=message)
        if record_digest(record) != entry.record_digest:
            message = f"its record does not match its record_digest {entry.record_digest}"
            return ReplayEntry(**base, status="invalid_entry", code="record_digest_mismatch", message=message)
    elif entry.record_digest in records:
        record = records[entry.record_digest]
    else:
        message = f"no record given has the digest {entry.record_digest}"
        return ReplayEntry(**base, status="record_missing", message=message)
    base.update(person=record.person.id, year=record.year)
    try:
        prior = [parse_model(CycleYear, dict(item)) for item in entry.prior]
    except CePolicyError as exc:
        message = f"its prior is invalid: {_said(exc)}"
        return ReplayEntry(**base, status="invalid_entry", code="prior_invalid", message=message)
    current = _current(entry, record, prior, registry)
    policy = _find_policy(entry.policy, [registry, *archives])
    if policy is None:
        message = f"no policy {entry.policy.id!r} with digest {entry.policy.digest} was given"
        return ReplayEntry(**base, status="policy_unavailable", message=message, current=current)
    try:
        now = _decide(entry, record, prior, policy, registry)
    except CePolicyError as exc:
        message = f"the recorded policy cannot decide the record now: {_said(exc)}"
        return ReplayEntry(**base, status="differs", message=message, current=current)
    changes, only_logged, only_now = _compare(entry.outcome, now)
    return ReplayEntry(
        **base,
        status="differs" if changes or only_logged or only_now else "same",
        changes=tuple(changes),
        rules_only_logged=tuple(only_logged),
        rules_only_now=tuple(only_now),
        current=current,
    )


def replay(
    log: str | Path,
    *,
    registry: PolicyRegistry | None = None,
    policies: Iterable[PolicyRegistry] = (),
    records: Iterable[str | Path] = (),
) -> ReplayReport:
    """Decide every entry of a decision log again, and report the decisions that would now differ, and why.

    Each entry is decided under its recorded policy (found by id and digest), on its ``as_of`` and with its
    earlier cycle years, and compared with the logged outcome: the outcome fields and the rules that fired.
    When the policy that applies to the record now is another, its decision is compared too (``current``).
    The log's hash chain is checked as it is read; a damaged line is an ``invalid_entry`` of its own.

    Args:
        log: the JSON Lines decision log.
        registry: the current policies (default: the process-wide registry); recorded policies are looked up
            here first.
        policies: more registries to find recorded policies in, e.g. archived versions of the policy folder.
        records: JSON Lines or CSV files of records, for entries that keep only a record digest.

    Returns:
        The `ReplayReport`, one entry per non-blank line of the log, with every break of its hash chain.

    Raises:
        OSError: the log cannot be read.
        RecordFileError: a records file cannot be read.
    """
    current = registry or default_registry()
    archives = list(policies)
    by_digest = _records_by_digest([Path(f) for f in records], current)
    path = Path(log)
    entries: list[ReplayEntry] = []
    chain = ChainCheck()
    for line in _read_lines(path):
        if line.data is not None or is_link(line.raw):
            chain.see(line.where, line.raw, line.data)
        if line.entry is None:
            entries.append(ReplayEntry(where=line.where, status="invalid_entry", code=line.code, message=line.problem))
        else:
            entries.append(_replay_entry(line.where, line.entry, by_digest, current, archives))
    counts: Counter[str] = Counter(entry.status for entry in entries)
    totals = {status: counts.get(status, 0) for status in STATUSES}
    totals["current_differs"] = sum(1 for e in entries if e.current is not None and e.current.status == "differs")
    return ReplayReport(
        log=str(path),
        entries=tuple(entries),
        counts=totals,
        chain=chain.state,
        chain_breaks=tuple(chain.breaks),
        unchained=chain.unchained,
        head=chain.previous[1] if chain.previous else None,
    )
