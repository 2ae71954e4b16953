"""Errors on the wire: RFC 9457 problem details (``application/problem+json``) carrying ce_policy's codes.

Every error response of the service is a `Problem`: ``type`` (``urn:ce-policy:problem:<code>``), ``title``
(in Chinese or English), ``status``, ``detail``, ``code`` (ce_policy's code: ``invalid_record``,
``policy_not_found``, …) and, for invalid input or policies, ``problems``: each with its JSON path (a record)
or file and line (a policy folder) and its own code, as `ce_policy.RecordError` and
`ce_policy.PolicyFileError` list them (docs/errors.md). The language is the request's ``lang`` query
parameter, else the first of ``zh``/``en`` in ``Accept-Language``, else the service's default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ce_policy.model.errors import CePolicyError, PolicyFileError, PolicyNotFoundError, RecordError, RecordProblem

__all__ = ["PROBLEM_JSON", "Lang", "Problem", "ProblemError", "ProblemItem", "from_library_error", "pick_lang"]

PROBLEM_JSON = "application/problem+json"

Lang = Literal["zh", "en"]

# code → (HTTP status, 中文 title, English title)
_TITLES: dict[str, tuple[int, str, str]] = {
    "invalid_record": (422, "记录无效", "Invalid record"),
    "invalid_parameter": (400, "请求参数无效", "Invalid request parameter"),
    "policy_not_found": (404, "未找到适用的政策", "No such policy"),
    "not_found": (404, "未找到", "Not found"),
    "method_not_allowed": (405, "不允许的请求方法", "Method not allowed"),
    "request_timeout": (408, "请求发送超时", "Request too slow"),
    "reload_failed": (409, "政策重新加载失败，仍使用原政策", "Reload failed; the previous policies stay in force"),
    "body_too_large": (413, "请求体过大", "Request body too large"),
    "unsupported_media_type": (415, "不支持的内容类型", "Unsupported media type"),
    "unauthorized": (401, "需要 API 密钥", "API key required"),
    "forbidden": (403, "API 密钥无效", "API key not accepted"),
    "admin_disabled": (403, "未配置 API 密钥，管理接口已关闭", "Admin endpoints are off: no API key is configured"),
    "not_ready": (503, "政策尚未加载", "Policies not loaded yet"),
    "policy_invalid": (500, "政策文件无效", "A policy file is invalid"),
    "engine_error": (500, "规则引擎出错，未作出决定", "The rules engine failed; no decision was made"),
    "log_write_failed": (
        503,
        "决定已作出但无法写入决定日志，故不返回",
        "Decided, but the decision log could not be written",
    ),
    "internal_error": (500, "服务内部错误", "Internal error"),
}


class ProblemItem(BaseModel):
    """One problem of a refused input: its place (a JSON path, or a policy file and line), code and message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str | None = None
    file: str | None = None
    line: int | None = None
    code: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem detail, with ce_policy's error ``code`` and every ``problems`` item."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    problems: tuple[ProblemItem, ...] = ()
    error_id: str | None = None
    lang: Lang = "en"


class ProblemError(Exception):
    """Raised inside the service to answer with a problem; the handler renders it in the request's language."""

    def __init__(
        self,
        code: str,
        detail: tuple[str, str],
        problems: tuple[ProblemItem, ...] = (),
        *,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        """``detail`` is ``(中文, English)``; the status is the code's unless ``status`` is given."""
        super().__init__(detail[1])
        self.code = code
        self.detail = detail
        self.problems = problems
        self.headers = headers or {}
        self.status = status if status is not None else _TITLES[code][0]

    def problem(self, lang: Lang, instance: str | None = None, error_id: str | None = None) -> Problem:
        """The problem detail in ``lang``."""
        _, zh, en = _TITLES[self.code]
        return Problem(
            type=f"urn:ce-policy:problem:{self.code}",
            title=zh if lang == "zh" else en,
            status=self.status,
            detail=self.detail[0] if lang == "zh" else self.detail[1],
            code=self.code,
            instance=instance,
            problems=self.problems,
            error_id=error_id,
            lang=lang,
        )


def pick_lang(query: str | None, accept_language: str | None, default: Lang) -> Lang:
    """``lang`` if it is ``zh`` or ``en``; else the first of them ``Accept-Language`` names (q-values ignored)."""
    if query in ("zh", "en"):
        return query  # type: ignore[return-value]
    for part in (accept_language or "").split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return default


def record_items(problems: tuple[RecordProblem, ...] | list[RecordProblem]) -> tuple[ProblemItem, ...]:
    """The problems of a `RecordError` as items, each at its JSON path."""
    return tuple(ProblemItem(code=p.code, message=p.message, path=p.path) for p in problems)


def from_library_error(exc: CePolicyError) -> ProblemError:
    """The problem a ce_policy error answers with: 422, 404, 500 or 503 (a decision that could not be logged)."""
    if isinstance(exc, RecordError):
        count = len(exc.problems)
        items = record_items(exc.problems)
        return ProblemError("invalid_record", (f"记录有 {count} 处问题", f"the record has {count} problem(s)"), items)
    if isinstance(exc, PolicyNotFoundError):
        return ProblemError("policy_not_found", (str(exc), str(exc)))
    if isinstance(exc, PolicyFileError):
        located = tuple(ProblemItem(code=p.code, message=p.message, file=p.file, line=p.line) for p in exc.problems)
        return ProblemError("policy_invalid", ("政策文件有问题", "a policy file has problems"), located)
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code.startswith("log_"):  # a DecisionLogError: decided, not logged
        items = (ProblemItem(code=code, message=str(exc)),)
        return ProblemError(
            "log_write_failed", ("决定未记录，不予返回", "the decision was not logged, so it is not given"), items
        )
    return ProblemError("engine_error", ("规则引擎出错", "the rules engine failed"))
