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
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ce_policy.text.batch_report import BatchSummary
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
    "plan_outputs",
]

PROGRESS_VERSION = 1
"""The version of the progress file's format; a progress file of another version is not resumed."""


class BatchFileError(Exception):
    """A file of a batch cannot be used; the message names it.

    Attributes:
        path: the file concerned.
    """

    def __init__(self, message: str, path: Path) -> None:
        """Keep the message and the file."""
        super().__init__(message)
        self.path = path


class SamePathError(BatchFileError):
    """Two of a batch's files are one file (an output is the input, or two outputs are the same file)."""


class OutputWriteError(BatchFileError):
    """An output (or its part, or the progress file) cannot be created or written."""


class ResumeError(BatchFileError):
    """``--resume`` cannot continue: no progress file, a damaged one, or one of another run."""


def _shown(path: Path) -> str:
    return printable(str(path))


def _write_error(path: Path, exc: OSError) -> OutputWriteError:
    return OutputWriteError(f"cannot write {_shown(path)}: {exc.strerror or exc}", path)


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

    def written(self) -> list[tuple[str, Path]]:
        """Every file written on the way, each with what it is, for messages."""
        found = [(f"the part file of {_shown(t.given)}", t.part) for t in self.targets]
        if self.rows is not None:
            found.append((f"the rows file of {_shown(self.decisions.given)}", self.rows))
        found.append(("the progress file", self.progress))
        found.append(("the progress file's next version", self.progress_next))
        return found

    def remove_parts(self) -> None:
        """Remove every part and the progress file (a batch refused or started afresh)."""
        for _, path in self.written():
            with contextlib.suppress(FileNotFoundError):
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
                raise _write_error(target.given, exc) from exc
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
    errors_name = f"the error file {_shown(errors)}"
    if default_errors:
        errors_name += f" (the default for -o {_shown(decisions)}; choose another with --errors)"
    named: list[tuple[str, Path]] = [
        (f"the decisions file {_shown(decisions)}", decisions),
        (errors_name, errors),
    ]
    if report is not None:
        named.append((f"the report {_shown(report)}", report))
    outputs = Outputs(
        Target("decisions", decisions, _real(decisions)),
        Target("errors", errors, _real(errors)),
        Target("report", report, _real(report)) if report is not None else None,
        parquet,
    )
    every = [*named, *outputs.written()]
    for what, path in every:
        if _same(path, source):
            raise SamePathError(f"{what} is the input {_shown(source)}: it would be overwritten", path)
    for i, (what, path) in enumerate(every):
        for other, other_path in every[i + 1 :]:
            if _same(path, other_path):
                raise SamePathError(f"{what} and {other} are the same file", path)
    for _, path in outputs.written():
        if path.is_dir():
            raise SamePathError(f"{_shown(path)} is a folder, where the batch would write a file", path)
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
            raise _write_error(shown, exc) from exc

    def write(self, text: str) -> int:
        """Append ``text``.

        Raises:
            OutputWriteError: naming the output.
        """
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise _write_error(self.shown, exc) from exc

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
            raise _write_error(self.shown, exc) from exc
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
                raise _write_error(self.shown, exc) from exc


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
            raise _write_error(self.path, exc) from exc
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
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ResumeError(f"cannot read the progress file {shown}: {exc}", self.path) from exc
        try:
            state = json.loads(text)
            if state.get("version") != PROGRESS_VERSION:
                raise ResumeError(f"{shown} is a progress file of another version of ce-policy", self.path)
            lengths = (_committed_length(state["parts"]["decisions"]), _committed_length(state["parts"]["errors"]))
            _committed_length(state["done"])
            _committed_length(state["decided"])
            BatchSummary.from_json(state["summary"])
            run, finished = state["run"], state["finished"]
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ResumeError(f"{shown} is not a progress file of ce-policy batch (damaged?)", self.path) from exc
        if run != self.run:
            changed = sorted(k for k in {*run, *self.run} if run.get(k) != self.run.get(k))
            raise ResumeError(
                f"cannot resume: the progress file {shown} is of another run: {', '.join(changed)} differ "
                "(resume with the same input, unchanged, and the same options)",
                self.path,
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
                    )
        return dict(state)
