"""The files of ``ce-policy batch``, written safely: checked apart, written beside, committed, then renamed.

Nothing a batch writes touches a file of the user's before the batch is done:

* **Checked apart.** The decisions, the error file and the report must be three files, none of them the input,
  and neither must the files written on the way (`Outputs`): compared by their real paths (symbolic links
  followed) and, for files that exist, by device and inode (hard links). A clash is refused before any file is
  opened (`SamePathError`).
* **Written beside.** Each output is written to ``<name>.part`` in its own folder (`PartFile`); Parquet output
  as rows in JSON Lines (``<name>.rows.part``), made into Parquet at the end. An output that is a symbolic
  link is written through: its target is replaced.
* **Committed.** Every chunk of records, the parts are flushed to disk and the progress file
  (``<decisions>.progress.json``, `Progress`) records how many input records are done and the length of each
  part, replaced atomically. After a crash, ``--resume`` cuts each part back to its committed length and goes
  on from the next record: no record is lost or written twice.
* **Renamed.** When every record is done, the progress file says so, each part is renamed over its output
  (``os.replace``) and the progress file is removed.

Every write error names its file (`OutputWriteError`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ce_policy.text.batch_report import BatchSummary
from ce_policy.text.batch_words import FILE_NAMES
from ce_policy.text.terminal import printable

__all__ = [
    "PROGRESS_VERSION",
    "BatchFileError",
    "OutputWriteError",
    "Outputs",
    "PartFile",
    "Progress",
    "ResumeError",
    "SamePathError",
    "fingerprint",
    "plan_outputs",
    "write_error",
]

PROGRESS_VERSION = 1
"""The version of the progress file's format; a progress file of another version is not resumed."""


class BatchFileError(Exception):
    """A file of a batch cannot be used; the message names it.

    Attributes:
        path: the file concerned.
        code: what went wrong, for a view to word it in another language (``text/batch_words``).
        details: the named values the message speaks of.
    """

    def __init__(
        self, message: str, path: Path, *, code: str = "batch_file", details: Mapping[str, object] | None = None
    ) -> None:
        """Keep the message, the file, the code and the details."""
        super().__init__(message)
        self.path, self.code = path, code
        self.details = {"path": _shown(path), **{name: str(value) for name, value in (details or {}).items()}}


class SamePathError(BatchFileError):
    """Two of a batch's files are one file (an output is the input, or two outputs are the same file)."""


class OutputWriteError(BatchFileError):
    """An output (or its part, or the progress file) cannot be created or written."""


class ResumeError(BatchFileError):
    """``--resume`` cannot continue: no progress file, a damaged one, or one of another run."""


def _shown(path: Path) -> str:
    return printable(str(path))


def write_error(path: Path, exc: OSError) -> OutputWriteError:
    """Why ``path`` cannot be written, naming it (code ``write_failed``, with the system's reason)."""
    reason = exc.strerror or str(exc)
    details = {"reason": reason, "errno": exc.errno or ""}
    return OutputWriteError(f"cannot write {_shown(path)}: {reason}", path, code="write_failed", details=details)


def _named(name: str, **paths: Path) -> tuple[str, str]:
    """What a file of a batch is called in a message, in en and zh (`FILE_NAMES`)."""
    shown = {key: _shown(value) for key, value in paths.items()}
    en, zh = FILE_NAMES[name]
    return en.format(**shown), zh.format(**shown)


def _real(path: Path) -> Path:
    """The path with every symbolic link followed (the file need not exist)."""
    return Path(os.path.realpath(path))


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same real path, or (both existing) the same device and inode."""
    if _real(a) == _real(b):
        return True
    try:
        return a.samefile(b)
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class Target:
    """One output: the path given, where it lands (links followed) and its part file beside it."""

    role: str
    given: Path
    final: Path

    @property
    def part(self) -> Path:
        """Where the output is written until the batch is done."""
        return self.final.with_name(self.final.name + ".part")


@dataclass(frozen=True, slots=True)
class Outputs:
    """Every file a batch writes: its outputs, their parts, Parquet's rows and the progress file."""

    decisions: Target
    errors: Target
    report: Target | None
    parquet: bool

    @property
    def targets(self) -> tuple[Target, ...]:
        """The outputs, in the order they are renamed into place."""
        return (self.errors, *((self.report,) if self.report else ()), self.decisions)

    @property
    def rows(self) -> Path | None:
        """Parquet's rows as JSON Lines, made into the Parquet part at the end (``None`` for other formats)."""
        final = self.decisions.final
        return final.with_name(final.name + ".rows.part") if self.parquet else None

    @property
    def progress(self) -> Path:
        """The progress file, beside the decisions."""
        final = self.decisions.final
        return final.with_name(final.name + ".progress.json")

    @property
    def progress_next(self) -> Path:
        """Where the progress file's next version is written before it replaces the progress file."""
        return self.progress.with_name(self.progress.name + ".new")

    @property
    def streamed(self) -> Path:
        """The part the decisions are streamed to: the rows for Parquet, otherwise the decisions' part."""
        return self.rows or self.decisions.part

    def written(self) -> list[tuple[tuple[str, str], Path]]:
        """Every file written on the way, each with what it is (en, zh), for messages."""
        found = [(_named("part", path=t.given), t.part) for t in self.targets]
        if self.rows is not None:
            found.append((_named("rows", path=self.decisions.given), self.rows))
        found.append((_named("progress"), self.progress))
        found.append((_named("progress_next"), self.progress_next))
        return found

    def remove_parts(self) -> None:
        """Remove every part and the progress file (a batch refused or started afresh)."""
        for _, path in self.written():
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # nothing there to remove
                path.unlink()

    def finish(self) -> None:
        """Rename each part that is still there over its output, then remove the rows and the progress file.

        Run once the progress file says the parts are complete, so that a crash in between is finished by
        ``--resume``.

        Raises:
            OutputWriteError: a part cannot be renamed; the message names the output.
        """
        for target in self.targets:
            if not target.part.exists():
                continue  # renamed before an interruption
            try:
                target.part.replace(target.final)
                _sync_folder(target.final.parent)
            except OSError as exc:
                raise write_error(target.given, exc) from exc
        for path in (self.rows, self.progress, self.progress_next):
            if path is not None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()


def plan_outputs(
    source: Path, decisions: Path, errors: Path, report: Path | None, *, parquet: bool, default_errors: bool
) -> Outputs:
    """The files of a batch, checked: none is the input, and no two are one file.

    Args:
        source: the input.
        decisions: ``-o``.
        errors: ``--errors``, or its default.
        report: ``--report``, if given.
        parquet: whether the decisions are Parquet (written as rows first).
        default_errors: whether ``errors`` is the default derived from ``decisions`` (said in the message).

    Raises:
        SamePathError: two of them are one file; nothing has been opened.
    """
    errors_name = _named("errors_default", path=errors, decisions=decisions) if default_errors else None
    named: list[tuple[tuple[str, str], Path]] = [
        (_named("decisions", path=decisions), decisions),
        (errors_name or _named("errors", path=errors), errors),
    ]
    if report is not None:
        named.append((_named("report", path=report), report))
    outputs = Outputs(
        Target("decisions", decisions, _real(decisions)),
        Target("errors", errors, _real(errors)),
        Target("report", report, _real(report)) if report is not None else None,
        parquet,
    )
    every = [*named, *outputs.written()]
    for what, path in every:
        if _same(path, source):
            message = f"{what[0]} is the input {_shown(source)}: it would be overwritten"
            details = {"what": what[1], "source": _shown(source)}
            raise SamePathError(message, path, code="same_as_input", details=details)
    for i, (what, path) in enumerate(every):
        for other, other_path in every[i + 1 :]:
            if _same(path, other_path):
                details = {"what": what[1], "other": other[1]}
                raise SamePathError(
                    f"{what[0]} and {other[0]} are the same file", path, code="same_file", details=details
                )
    for _, path in outputs.written():
        if path.is_dir():
            message = f"{_shown(path)} is a folder, where the batch would write a file"
            raise SamePathError(message, path, code="is_folder")
    return outputs


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename) to disk; where folders cannot be opened, nothing to do."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the rename stands all the same
    finally:
        os.close(fd)


class PartFile:
    """A part file written in text, appended to only; every error names the output it is for."""

    def __init__(self, path: Path, shown: Path, *, resume_at: int | None = None) -> None:
        """Create ``path`` (never an existing file), or with ``resume_at``, cut it back to that many bytes.

        Raises:
            OutputWriteError: naming ``shown``.
        """
        self.path, self.shown = path, shown
        self.length = resume_at or 0
        try:
            if resume_at is None:
                self._stream = path.open("x", encoding="utf-8", newline="")
            else:
                os.truncate(path, resume_at)
                self._stream = path.open("a", encoding="utf-8", newline="")
        except OSError as exc:
            raise write_error(shown, exc) from exc

    def write(self, text: str) -> int:
        """Append ``text``.

        Raises:
            OutputWriteError: naming the output.
        """
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise write_error(self.shown, exc) from exc

    def sync(self) -> int:
        """Flush to disk; returns the file's length in bytes (once closed, its length then).

        Raises:
            OutputWriteError: naming the output.
        """
        if self._stream.closed:
            return self.length
        try:
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self.length = os.fstat(self._stream.fileno()).st_size
        except OSError as exc:
            raise write_error(self.shown, exc) from exc
        return self.length

    def close(self) -> None:
        """Flush to disk and close the file.

        Raises:
            OutputWriteError: naming the output.
        """
        if self._stream.closed:
            return
        try:
            self.sync()
        finally:
            try:
                self._stream.close()
            except OSError as exc:
                raise write_error(self.shown, exc) from exc


def _committed_length(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError("not a length")
    return value


class Progress:
    """The progress file of a batch: the run it belongs to, and what is committed.

    Its content is one JSON object: ``version``, ``run`` (the input's real path, size and modification time,
    the options that change the outputs, and the outputs' real paths), ``done`` (input records written, read
    errors included), ``parts`` (the committed length in bytes of the decisions' and the errors' part),
    ``decided`` (decisions written), ``summary`` (the summary so far) and ``finished`` (every part complete).
    """

    def __init__(self, outputs: Outputs, run: dict[str, Any]) -> None:
        """The progress file of ``outputs``, for the run described by ``run``."""
        self.outputs, self.run = outputs, run
        self.path = outputs.progress

    def commit(self, done: int, parts: tuple[int, int], decided: int, summary: Any, *, finished: bool = False) -> None:
        """Record the state atomically (written beside, flushed, renamed over the old one).

        Raises:
            OutputWriteError: naming the progress file.
        """
        state = {
            "version": PROGRESS_VERSION,
            "run": self.run,
            "done": done,
            "parts": {"decisions": parts[0], "errors": parts[1]},
            "decided": decided,
            "summary": summary,
            "finished": finished,
        }
        temporary = self.outputs.progress_next
        try:
            with temporary.open("w", encoding="utf-8") as stream:
                stream.write(json.dumps(state, ensure_ascii=False, separators=(",", ":")))
                stream.flush()
                os.fsync(stream.fileno())
            temporary.replace(self.path)
        except OSError as exc:
            raise write_error(self.path, exc) from exc
        _sync_folder(self.path.parent)

    def load(self) -> dict[str, Any]:
        """The committed state of an interrupted run of this very batch.

        Raises:
            ResumeError: there is no progress file, it cannot be read, it is of another version, or it belongs
                to another run (another input, a changed input, other options or outputs); or a part is
                missing or shorter than committed.
        """
        shown = _shown(self.path)
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ResumeError(
                f"nothing to resume: there is no progress file {shown} (the run finished, or never started)",
                self.path,
                code="nothing_to_resume",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            why = {"reason": getattr(exc, "strerror", None) or str(exc), "errno": getattr(exc, "errno", None) or ""}
            code = "progress_not_text" if isinstance(exc, UnicodeDecodeError) else "progress_unreadable"
            message = f"cannot read the progress file {shown}: {exc}"
            raise ResumeError(message, self.path, code=code, details=why) from exc
        try:
            state = json.loads(text)
            if state.get("version") != PROGRESS_VERSION:
                message = f"{shown} is a progress file of another version of ce-policy"
                raise ResumeError(message, self.path, code="progress_version")
            lengths = (_committed_length(state["parts"]["decisions"]), _committed_length(state["parts"]["errors"]))
            _committed_length(state["done"])
            _committed_length(state["decided"])
            BatchSummary.from_json(state["summary"])
            run, finished = state["run"], state["finished"]
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            message = f"{shown} is not a progress file of ce-policy batch (damaged?)"
            raise ResumeError(message, self.path, code="progress_damaged") from exc
        if run != self.run:
            changed = sorted(k for k in {*run, *self.run} if run.get(k) != self.run.get(k))
            raise ResumeError(
                f"cannot resume: the progress file {shown} is of another run: {', '.join(changed)} differ "
                "(resume with the same input, unchanged, and the same options)",
                self.path,
                code="other_run",
                details={"changed": ", ".join(changed)},
            )
        if finished is not True:
            streamed = self.outputs.streamed
            for (what, path), length in zip(
                ((self.outputs.decisions.given, streamed), (self.outputs.errors.given, self.outputs.errors.part)),
                lengths,
                strict=True,
            ):
                try:
                    size = path.stat().st_size
                except OSError:
                    size = -1
                if size < length:
                    raise ResumeError(
                        f"cannot resume: the part file of {_shown(what)} ({_shown(path)}) is missing or shorter "
                        f"than the {length} bytes committed",
                        path,
                        code="part_short",
                        details={"output": _shown(what), "length": length},
                    )
        return dict(state)


def fingerprint(roots: tuple[Path, ...]) -> str:
    """A digest of the name, size and modification time of every file under the policy folders.

    A run is resumed only under the very policy files it started with: no population is decided half under
    one version of a policy and half under another.
    """
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
            info = path.stat()
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return "sha256:" + digest.hexdigest()
