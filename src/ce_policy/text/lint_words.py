"""The wording of lint findings, of failed policy cases, and of the lines ``check``, ``lint`` and ``test`` print.

Lint findings (``docs/lint.md``) are worded as policy problems are (`ce_policy.text.problem_words`): a general
wording per code in both languages, and the forms of its English message with named fields beside the Chinese
that says the same. Failed cases are worded by the forms of their mismatch lines (``testing/cases.py``).
"""

from __future__ import annotations

from ce_policy.text.wording import Words

__all__ = ["CLI_LINES", "LINT_WORDS", "MISMATCH_WORDS", "SEVERITY_WORDS"]

LINT_WORDS: dict[str, Words] = {
    "dangling_citation": Words(
        "用例所述的条款不存在",
        "a case's clause names no clause",
        (
            (
                "case {name} is about clause {clause}, which no layer of its policy has",
                "用例 {name} 所述的条款 {clause} 不在其政策的任何一层中",
            ),
        ),
    ),
    "unused_clause": Words(
        "条款未被任何内容引用",
        "a clause nothing cites",
        (
            (
                "clause {clause} is cited by no rule, exception, parameter, code, text, calendar entry, person "
                "attribute, grant or case",
                "条款 {clause} 未被任何规则、例外、参数、代码、文字、日历条目、人员属性、授权或用例引用",
            ),
        ),
    ),
    "unused_parameter": Words(
        "参数未被任何规则读取，也未被覆盖",
        "a parameter no rule reads",
        (
            (
                "parameter {pid} is read by no rule and overridden by no sector layer",
                "参数 {pid} 没有规则读取，也没有行业政策层覆盖",
            ),
        ),
    ),
    "rule_never_fires": Words(
        "规则永远不会触发",
        "a rule that can never fire",
        (
            (
                "{rule} can never fire: its tests of {fields} can never all hold",
                "{rule} 永远不会触发：它对 {fields} 的检验不可能同时成立",
            ),
            (
                "{rule} can never fire: it is in force {when}, when {other}, the rule it is an exception to, is not",
                "{rule} 永远不会触发：它施行于 {when}，而它作为例外所针对的规则 {other} 那时并未施行",
            ),
            (
                "{rule} can never fire: an exception without conditions sets it aside wherever it is",
                "{rule} 永远不会触发：一条无条件的例外在其适用之处都把它搁置",
            ),
        ),
    ),
    "conflicting_rules": Words(
        "两条规则可能匹配同一事实却给出不同的值",
        "two rules can match one fact and give different values",
        (
            (
                "{first} ({first_at}) and {second} ({second_at}) can both match one {stage} fact and give it "
                "different {name} ({first_value} and {second_value}): the first rule to fire wins, so where both "
                "match {second_again}'s {name_again} is ignored",
                "{first}（{first_at}）与 {second}（{second_at}）可能匹配同一个 {stage} 事实，却给出不同的 {name}"
                "（{first_value} 与 {second_value}）：先触发的规则生效，"
                "两者都匹配时 {second_again} 的 {name_again} 被忽略",
            ),
        ),
    ),
    "parameter_gap": Words(
        "规则施行期间所读参数没有取值",
        "a rule in force when a parameter it reads has no value",
        (
            (
                "{rule} is in force {when} and reads {pid}, which has no value {gap}: no decision can be made then",
                "{rule} 的施行期为 {when}，它读取的参数 {pid} 在 {gap} 没有取值：届时无法作出认定",
            ),
        ),
    ),
    "provisional_value": Words(
        "暂定值",
        "a provisional value",
        (
            ("{pid} is provisional ({values}); no rule reads it", "{pid} 是暂定值（{values}）；没有规则读取它"),
            (
                "{pid} is provisional ({values}); read by {rules}; can affect {fields}",
                "{pid} 是暂定值（{values}）；由 {rules} 读取；可能影响 {fields}",
            ),
            (
                "{label} is provisional: the dates it gives ({years}) decide which study counts for those years and "
                "when they are decided; can affect {fields}",
                "{label} 是暂定的：它给出的日期（{years}）决定这些年度哪些学习计入以及何时认定；可能影响 {fields}",
            ),
            (
                "{label} is provisional: records may say {name} {said} only because of it, and the rules that test "
                "them decide; can affect {fields}",
                "{label} 是暂定的：记录中的 {name} 能取 {said} 全因为它，检验这些值的规则作出认定；可能影响 {fields}",
            ),
        ),
    ),
    "dominated_floor": Words(
        "学时下限被另一条不更低的下限完全覆盖",
        "a floor another floor covers wherever it applies",
        (
            (
                "{rule} requires {floor}, but {other} ({other_at}) requires {other_floor} wherever it applies: the "
                "floor of {rule_again} can never be the binding one",
                "{rule} 要求 {floor}，但 {other}（{other_at}）在其适用之处都要求 {other_floor}："
                "{rule_again} 的下限永远不会起作用",
            ),
        ),
    ),
    "unused_grant": Words(
        "授权未被任何行业政策层使用",
        "a grant no sector layer uses",
        (
            (
                "grant {n} (basis {basis}, for {sectors}) is used by no sector layer: none overrides what it names "
                "({named})",
                "第 {n} 项授权（依据 {basis}，适用于 {sectors}）未被任何行业政策层使用："
                "没有一层覆盖它所列的内容（{named}）",
            ),
        ),
    ),
    "shadowed_exception": Words(
        "例外从不搁置其规则，或不改变任何结果",
        "an exception that sets its rule aside nowhere, or changes nothing",
        (
            (
                "{exception} never sets {rule} ({at}) aside: its tests of {fields} never hold where {rule_again}'s "
                "do, so it only adds its own outcomes, as a rule of its own would",
                "{exception} 从不搁置 {rule}（{at}）：它对 {fields} 的检验在 {rule_again} 适用之处从不成立，"
                "因此只是像一条独立规则那样添加自己的结果",
            ),
            (
                "{exception} changes no outcome: {first} ({at}), an earlier exception to {rule}, fires wherever it "
                "does and gives the same outcomes",
                "{exception} 不改变任何结果：{rule} 的较早例外 {first}（{at}）在其触发之处都会触发并给出相同结果",
            ),
            (
                "{exception} changes no outcome: it gives exactly the outcomes of {rule} ({at}), only where "
                "{rule_again} applies",
                "{exception} 不改变任何结果：它只在 {rule_again} 适用之处给出与 {rule}（{at}）完全相同的结果",
            ),
        ),
    ),
    "reading": Words(
        "对不明确条文的解读，待主管部门确认",
        "a reading of unclear text, to be confirmed",
        (
            (
                "reading {id} of {cite}: {text}; carried by {where}; if corrected: {if_corrected}",
                "解读 {id}（{cite}）：{text}；体现在 {where}；若更正：{if_corrected}",
            ),
        ),
    ),
}
"""Every lint finding code's wording (the codes of `ce_policy.analysis.lint.SEVERITIES`)."""

SEVERITY_WORDS: dict[str, tuple[str, str]] = {
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "info": ("提示", "info"),
}
"""A finding's severity, in zh and en."""

MISMATCH_WORDS: tuple[tuple[str, str], ...] = (
    ("{path}: expected a mapping, got {actual}", "{path}：应为映射，实际为 {actual}"),
    ("{path}: not in the decision", "{path}：认定结果中没有此项"),
    ("{path}: expected {n} items, got {m}", "{path}：应有 {n} 项，实际有 {m} 项"),
    ("fired: rule {rule} did not fire (fired: {fired})", "fired：规则 {rule} 未触发（已触发：{fired}）"),
    ("not_fired: rule {rule} fired", "not_fired：规则 {rule} 触发了"),
    ("cites: clause {clause} was not cited", "cites：条款 {clause} 未被引用"),
    ("{path}: no such activity in the decision", "{path}：认定结果中没有此学习活动"),
    ("raises: expected {wanted}, got {codes}", "raises：应引发 {wanted}，实际为 {codes}"),
    ("raised {error}: {text}", "评估引发了 {error}"),
    ("expected an error {wanted}, got a decision", "应引发错误 {wanted}，实际作出了认定"),
    ("{path}: expected {expected}, got {actual}", "{path}：应为 {expected}，实际为 {actual}"),
)
"""The forms of a failed case's mismatch lines (English, Chinese), tried in order."""

CLI_LINES: dict[str, tuple[str, str]] = {
    "invalid_policy": ("政策无效：{n} 个问题", "invalid policy: {n} problem(s)"),
    "check_ok": ("通过：{n} 个政策层有效：{ids}", "ok: {n} layer(s) valid: {ids}"),
    "lint_summary": (
        "错误 {error} 个，警告 {warning} 个，提示 {info} 个",
        "{error} error(s), {warning} warning(s), {info} info",
    ),
    "case_failed": ("未通过 {where}：{name}", "FAILED {where}: {name}"),
    "coverage_head": ("覆盖率（用例触发的规则）：", "coverage (rules fired by the cases):"),
    "coverage_layer": (
        "{layer}：规则 {fired}/{rules}（{percent}%），条款 {cited}/{clauses}",
        "{layer}: {fired}/{rules} rules ({percent}%), {cited}/{clauses} clauses",
    ),
    "never_fired": ("从未触发：{rule}", "never fired: {rule}"),
    "coverage_total": ("合计：规则的 {percent}%", "total: {percent}% of rules"),
    "test_summary": ("通过 {passed} 个，未通过 {failed} 个", "{passed} passed, {failed} failed"),
    "below_coverage": ("规则覆盖率 {percent}% 低于 {wanted}%", "rule coverage {percent}% is below {wanted}%"),
    "error": ("错误：{message}", "error: {message}"),
    "policy_row": (
        "    地区：{regions}  年度：{years}  行业：{sector}\n    层级链：{chain}",
        "    regions: {regions}  years: {years}  sector: {sector}\n    chain: {chain}",
    ),
}
"""The lines of ``check``, ``lint`` and ``test`` that are not findings: (zh, en) templates."""
