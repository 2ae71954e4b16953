"""An error a command stops on, as it prints it after ``错误：`` / ``error:``, in zh or en.

A `PolicyFileError` is shown problem by problem (`ce_policy.text.problem_text.policy_error_text`); a
`RecordError` problem by problem, each with its JSON path and its message worded by `RECORD_WORDS`; any other
error by its ``code`` and ``details`` (`ERROR_WORDS`), in Chinese, or by its English message. An error without
the details its Chinese wording names is shown by its code's general wording.
"""

from __future__ import annotations

import errno
import re
from typing import Literal

from ce_policy.model.errors import (
    AmbiguousMessageError,
    CePolicyError,
    PolicyFileError,
    RecordError,
    RecordProblem,
)
from ce_policy.model.record_files import RecordFileError
from ce_policy.text.error_words import ERROR_WORDS, RECORD_HEADING, RECORD_WORDS
from ce_policy.text.problem_text import Place, policy_error_text, worded

__all__ = ["error_text", "not_a_log", "read_failure", "record_problem_text"]

Language = Literal["zh", "en"]

_FIELD = re.compile(r"\{([a-z_]+)\}")
_READ_FAILURES = {
    errno.ENOENT: "文件不存在",
    errno.EACCES: "没有读取权限",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
}


def record_problem_text(problem: RecordProblem, lang: Language) -> str:
    """One problem of a record: ``path: message [code]``, its message in ``lang``."""
    message = worded(RECORD_WORDS.get(problem.code), problem.message, lang)
    return f"{problem.path}{'：' if lang == 'zh' else ': '}{message} [{problem.code}]"


def _record_error_text(error: RecordError, lang: Language) -> str:
    if lang == "en":
        return str(error)
    count = len(error.problems) - (1 if error.omitted else 0) + error.omitted
    lines = [RECORD_HEADING[0].format(n=f"{count:,}")]
    lines += [f"  {record_problem_text(problem, lang)}" for problem in error.problems]
    return "\n".join(lines)


def _details_zh(error: CePolicyError) -> str:
    """The Chinese of an error by its code and details; its class's general wording when a detail is missing."""
    details = dict(error.details)
    if error.code == "not_in_force":
        details["until"] = f"，至 {details['to']} 止" if details.get("to") else ""
    words = ERROR_WORDS.get(error.code)
    if words is not None and set(_FIELD.findall(words[0])) <= details.keys():
        return _FIELD.sub(lambda match: details[match.group(1)], words[0])
    general = type(error).code if type(error).code in ERROR_WORDS else "ce_policy_error"
    return ERROR_WORDS[general][0]


def error_text(error: CePolicyError, lang: Language, place: Place = str) -> str:
    """``error`` as a command prints it in ``lang`` (without the ``错误：`` / ``error:`` before it)."""
    if isinstance(error, PolicyFileError):
        return policy_error_text(error, lang, place)
    if isinstance(error, RecordError):
        return _record_error_text(error, lang)
    if lang == "en":
        return str(error)
    if isinstance(error, RecordFileError):
        where = error.file if error.line is None else f"{error.file}:{error.line}"
        return ERROR_WORDS["record_file"][0].format(where=where)
    if isinstance(error, AmbiguousMessageError):
        details = {"code": error.code, "policies": ", ".join(error.policies)}
        return ERROR_WORDS["ambiguous_message"][0].format(**details)
    return _details_zh(error)


def read_failure(source: str, exc: OSError | UnicodeDecodeError, lang: Language) -> str:
    """Why a file (``-``: standard input) could not be read, in ``lang``."""
    if isinstance(exc, UnicodeDecodeError):
        return f"无法读取 {source}：不是 UTF-8 文本" if lang == "zh" else f"cannot read {source}: not UTF-8 text"
    if lang == "en":
        return f"cannot read {source}: {exc.strerror or exc}"
    reason = _READ_FAILURES.get(exc.errno or 0, f"系统错误 {exc.errno}" if exc.errno else "读取失败")
    return f"无法读取 {source}：{reason}"


def not_a_log(source: str, read: int, lang: Language) -> str:
    """Why ``replay`` refuses a file no line of which is a decision-log entry, in ``lang``."""
    if lang == "zh":
        return f"{source} 不是决定日志：读取的 {read:,} 行中没有一行是日志条目"
    return f"{source} is not a decision log: no line of it is a log entry ({read:,} read)"
