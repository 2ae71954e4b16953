"""The errors ``ce-policy batch`` and ``ce-policy diff`` stop on, as printed after ``错误：`` / ``error:``.

An error of a batch's files (``cli/batch_files``), of its formats (``cli/batch_io``) or of a run stopped half
way carries a ``code`` and the ``details`` its raise site gives; in Chinese it is worded here by its code
(`BATCH_WORDS`), in English it is its own message, unchanged. An error of ce_policy (`CePolicyError`) is
worded by `ce_policy.text.error_text.error_text`. Why the system refused a write is said in Chinese for the
common causes, otherwise as the system says it.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Mapping
from typing import Literal

from ce_policy.model.errors import CePolicyError
from ce_policy.text.error_text import error_text
from ce_policy.text.terminal import printable

__all__ = ["BATCH_WORDS", "FILE_NAMES", "batch_error_text", "batch_words"]

Language = Literal["zh", "en"]

BATCH_WORDS: dict[str, str] = {
    "same_as_input": "{what}就是输入文件{source}：会被覆盖",
    "same_file": "{what}与{other}是同一个文件",
    "is_folder": "{path} 是一个文件夹，而批处理要在这里写一个文件",
    "write_failed": "无法写入 {path}：{reason}",
    "nothing_to_resume": "没有可以续跑的运行：没有进度文件 {path}（运行已经完成，或者从未开始）",
    "progress_unreadable": "无法读取进度文件 {path}：{reason}",
    "progress_not_text": "无法读取进度文件 {path}：不是 UTF-8 文本",
    "progress_version": "{path} 是另一版本的 ce-policy 的进度文件",
    "progress_damaged": "{path} 不是 ce-policy batch 的进度文件（已损坏？）",
    "other_run": "无法续跑：进度文件 {path} 属于另一次运行：{changed} 不同（请用同一个未改动的输入和相同的选项续跑）",
    "part_short": "无法续跑：{output} 的部分文件（{path}）缺失，或短于已提交的 {length} 字节",
    "empty_input": "{source} 中没有一条记录，无可认定",
    "unknown_format": "{path}：无法判断输出格式：请给出 --format-out，或用以 {endings} 结尾的文件名",
    "parquet_unavailable": "输出 Parquet 需要 pyarrow：pip install 'ce-policy[parquet]'",
    "interrupted": "处理 {n} 条记录后被中断",
    "worker_stopped": "一个工作进程停止了：{reason}",
    "finish_with_resume": "{message}；请加 --resume 再运行同一命令以完成",
    "folder_needs_dask": "{path} 是文件夹：文件夹（Parquet 数据集）须加 --dask 处理",
    "dask_needs_parquet": "--dask 处理 Parquet 数据集：输入须是 .parquet 文件或其文件夹，输出须是文件夹",
    "dask_no_resume": "--dask 不支持 --resume",
    "dask_unavailable": "--dask 需要 dask[distributed] 与 pyarrow：pip install 'ce-policy[dask]'",
    "dask_done": (
        "数据集：{parts} 个分区，{records} 条记录，{compliant} 条合规，{errors} 条错误；"
        "决定：{output}；错误：{errors_path}"
    ),
    "kept": "{message}；输出文件未被改动，已完成的记录已保留：请加 --resume 再运行同一命令以继续",
    "one_population": "--records FILE 与 --generate N 须给出且只给出其中一个",
    "batch_file": "批处理的文件 {path} 无法使用",
}
"""Each code: its Chinese template (fields from the error's ``details``)."""

FILE_NAMES: dict[str, tuple[str, str]] = {
    "decisions": ("the decisions file {path}", "决定文件 {path}"),
    "errors": ("the error file {path}", "错误文件 {path}"),
    "errors_default": (
        "the error file {path} (the default for -o {decisions}; choose another with --errors)",
        "错误文件 {path}（-o {decisions} 的默认错误文件；可用 --errors 另选）",
    ),
    "report": ("the report {path}", "报告 {path}"),
    "part": ("the part file of {path}", "{path} 的部分文件"),
    "rows": ("the rows file of {path}", "{path} 的行文件"),
    "progress": ("the progress file", "进度文件"),
    "progress_next": ("the progress file's next version", "进度文件的下一版本"),
}
"""What each file of a batch is called in a message, in en and zh."""

_FIELD = re.compile(r"\{([a-z_]+)\}")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SYSTEM_REASONS = {
    errno.ENOENT: "文件夹不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统是只读的",
    errno.EIO: "输入输出错误",
}


def _reason(details: Mapping[str, str]) -> str:
    """Why the system refused, in Chinese for the common causes (by errno), otherwise as the system says it."""
    number = details.get("errno", "")
    known = _SYSTEM_REASONS.get(int(number)) if number.isdigit() else None
    return known or details.get("reason", "")


def batch_words(code: str, details: Mapping[str, str]) -> str:
    """The Chinese of a batch or diff error by its code; the general wording when a detail is missing."""
    fields = {**details, "reason": _reason(details)}
    template = BATCH_WORDS.get(code, BATCH_WORDS["batch_file"])
    if not set(_FIELD.findall(template)) <= fields.keys():
        template = BATCH_WORDS["batch_file"] if "path" in fields else "批处理无法完成"
    return _filled(template, fields)


def _filled(template: str, fields: Mapping[str, str]) -> str:
    """``template`` with its fields filled, a space between a Chinese character and a field's ASCII edge."""
    parts: list[str] = []
    end = 0
    for match in _FIELD.finditer(template):
        before, after = template[end : match.start()], template[match.end() : match.end() + 1]
        value = fields[match.group(1)]
        if _CJK.match(before[-1:] or (parts[-1][-1:] if parts else "")) and value[:1].isascii() and value[:1].strip():
            value = " " + value
        if _CJK.match(after) and value[-1:].isascii() and value[-1:].strip():
            value += " "
        parts += [before, value]
        end = match.end()
    return "".join([*parts, template[end:]])


def batch_error_text(error: Exception, lang: Language, *, escape: bool = True) -> str:
    """``error`` as ``batch`` or ``diff`` prints it in ``lang`` (without the ``错误：`` / ``error:`` before it).

    With ``escape``, a control character in it is shown as an escape (`printable`): in English the whole
    message, as the commands always did; in Chinese line by line, the lines kept.
    """
    code, details = getattr(error, "code", None), getattr(error, "details", None)
    if lang == "en":
        text = str(error)
        return printable(text) if escape else text
    if isinstance(error, CePolicyError):
        text = error_text(error, lang)
    elif isinstance(code, str) and isinstance(details, Mapping):
        text = batch_words(code, details)
    else:
        text = str(error)
    return "\n".join(printable(line) for line in text.split("\n")) if escape else text
