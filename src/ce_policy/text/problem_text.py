"""Policy problems, lint findings and failed cases as ``check``, ``lint`` and ``test`` print them, in zh or en.

A problem's or finding's message is matched against the English forms of its code
(`ce_policy.text.problem_words`, `ce_policy.text.lint_words`); the fields read out of it fill the form in the
language asked for. English output is the message as built (with its locations placed, see below); Chinese
output is the Chinese form, or, for a message that matches no form, the code's general wording and the names
the message quotes. A location (``file:line``) inside a message is placed, like the problem's own file, by the
``place`` function the command gives (paths relative to the current directory; `ce_policy.policy.layer_files`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal

from ce_policy.text.lint_words import CLI_LINES, LINT_WORDS, MISMATCH_WORDS, SEVERITY_WORDS
from ce_policy.text.problem_words import PROBLEM_WORDS
from ce_policy.text.wording import Words

if TYPE_CHECKING:
    from ce_policy.analysis.lint import LintFinding, LintReport
    from ce_policy.model.errors import PolicyFileError, PolicyProblem

__all__ = [
    "Place",
    "cli_line",
    "finding_text",
    "form_of",
    "lint_summary",
    "mismatch_text",
    "policy_error_text",
    "problem_text",
    "worded",
]

Language = Literal["zh", "en"]
Place = Callable[[str], str]
"""How a command shows a file of a problem: the file as a problem gives it → the path to print."""

_FIELD = re.compile(r"\{([a-z_]+)\}")
_HINT = re.compile(r" \(did you mean (?P<name>.+?)(?P<own>, a clause of this layer)?\?\)$", re.DOTALL)
_QUOTED = re.compile(r"'[^'\n]{0,80}'")
_LOCATION = re.compile(r"^(?P<file>.+?)(?P<line>:\d+)?$", re.DOTALL)
_FRAGMENTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"\bfrom (\S+) to (\S+)", r"自 \1 至 \2"),
        (r"\bfrom (\S+)", r"自 \1 起"),
        (r"\bevery year\b", "每年"),
        (r" at least ", " 至少 "),
        (r" of (\S+) in (\S+)", r"（占 \1，以 \2 计）"),
        (r"\bany sector\b", "任何行业"),
        (r"(?:^|(?<=; ))parameters ", "参数 "),
        (r"(?:^|(?<=; ))rules ", "规则 "),
        (r"^parameter(?=$| ')", "参数"),
        (r"^rule(?=$| ')", "规则"),
        (r"^stage(?= ')", "阶段"),
        (r"' or '", "' 或 '"),
        (r"\bits values\b", "其取值"),
        (r"\bon (\S)", r"（用于 \1"),
    )
)
"""English joining words that a message's fields may hold (dates, floors, kinds), and their Chinese."""


@functools.cache
def _pattern(template: str) -> re.Pattern[str]:
    """A regular expression of an English form: its fields as named groups, a field named again as a backreference."""
    parts: list[str] = []
    seen: set[str] = set()
    at = 0
    for match in _FIELD.finditer(template):
        name = match.group(1)
        parts += [re.escape(template[at : match.start()]), f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"]
        seen.add(name)
        at = match.end()
    parts.append(re.escape(template[at:]))
    return re.compile("".join(parts), re.DOTALL)


def _fill(template: str, fields: Mapping[str, str]) -> str:
    return _FIELD.sub(lambda match: fields.get(match.group(1), match.group(0)), template)


def _in_zh(text: str) -> str:
    for pattern, zh in _FRAGMENTS:
        text = pattern.sub(zh, text)
    if "（用于 " in text and not text.endswith("）"):
        text += "）"
    return text


def _placed(name: str, value: str, place: Place) -> str:
    """A field as shown: a location (a field named ``at`` or ``…_at``) with its file placed."""
    if name != "at" and not name.endswith("_at"):
        return value
    match = _LOCATION.fullmatch(value)
    return value if match is None else place(match["file"]) + (match["line"] or "")


def form_of(words: Words | None, message: str) -> tuple[str, str, dict[str, str]] | None:
    """The form of ``words`` that ``message`` takes (English, Chinese, the fields read), or ``None``.

    A hint `` (did you mean 'x'?)`` at the end of the message is not part of the form.
    """
    hint = _HINT.search(message)
    body = message[: hint.start()] if hint else message
    for en, zh in words.forms if words else ():
        match = _pattern(en).fullmatch(body)
        if match is not None:
            return en, zh, match.groupdict()
    return None


def worded(words: Words | None, message: str, lang: Language, place: Place = str) -> str:
    """A message of a code worded by ``words`` in ``lang``, its fields read from the English ``message``."""
    hint = _HINT.search(message)
    body = message[: hint.start()] if hint else message
    text = None
    form = form_of(words, message)
    if form is not None:
        en, zh, found = form
        fields = {name: _placed(name, value, place) for name, value in found.items()}
        if lang == "zh":
            fields = {name: _in_zh(value) for name, value in fields.items()}
        text = _fill(zh if lang == "zh" else en, fields)
    if text is None:
        if lang == "en":
            text = body
        else:
            names = "、".join(dict.fromkeys(_QUOTED.findall(body)))
            text = (words.zh if words else "问题") + (f"（{names}）" if names else "")
    if hint is None:
        return text
    if lang == "en":
        return text + message[hint.start() :]
    own = "本层的条款 " if hint["own"] else ""
    return f"{text}（是否想写 {own}{_in_zh(hint['name'])}？）"


def _where(file: str, line: int | None, lang: Language) -> str:
    where = f"{file}:{line}" if line is not None else file
    return where + ("：" if lang == "zh" else ": ")


def problem_text(problem: PolicyProblem, lang: Language, place: Place = str) -> str:
    """One policy problem: ``file:line: message [code]``, its file placed and its message in ``lang``."""
    message = worded(PROBLEM_WORDS.get(problem.code), problem.message, lang, place)
    return f"{_where(place(problem.file), problem.line, lang)}{message} [{problem.code}]"


def policy_error_text(error: PolicyFileError, lang: Language, place: Place = str) -> str:
    """A `PolicyFileError` as a command prints it: a heading line, then each problem indented."""
    lines = [cli_line("invalid_policy", lang, n=str(len(error.problems)))]
    lines += [f"  {problem_text(problem, lang, place)}" for problem in error.problems]
    return "\n".join(lines)


def finding_text(finding: LintFinding, lang: Language, place: Place = str) -> str:
    """One lint finding: ``file:line: severity code: message``, in ``lang``."""
    severity = SEVERITY_WORDS[finding.severity][0 if lang == "zh" else 1]
    message = worded(LINT_WORDS.get(finding.code), finding.message, lang, place)
    separator = "：" if lang == "zh" else ": "
    return f"{_where(place(finding.file), finding.line, lang)}{severity} {finding.code}{separator}{message}"


def lint_summary(report: LintReport, lang: Language) -> str:
    """The counts of a lint report by severity."""
    counts = {severity: str(len(report.of(severity))) for severity in ("error", "warning", "info")}
    return cli_line("lint_summary", lang, **counts)


def mismatch_text(line: str, lang: Language) -> str:
    """One mismatch of a failed case (``testing/cases.py``) in ``lang``."""
    if lang == "en":
        return line
    return worded(Words("与预期不符", "not as expected", MISMATCH_WORDS), line, lang)


def cli_line(key: str, lang: Language, **fields: str) -> str:
    """A line of ``check``, ``lint`` or ``test`` that is not a finding (`ce_policy.text.lint_words.CLI_LINES`)."""
    zh, en = CLI_LINES[key]
    return _fill(zh if lang == "zh" else en, fields)
