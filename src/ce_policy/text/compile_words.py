"""The wording of the policy problems found once layers are read: overrides, compiling, case files.

Part of the table of `ce_policy.text.problem_words` (which merges it), kept apart for its length: the problems
of sector layers and their overrides (``docs/guardrails.md``), of compiling a policy for a date and the
engine's limits, and of case files.
"""

from __future__ import annotations

from ce_policy.text.wording import Words

__all__ = ["COMPILE_WORDS"]

_LIMIT_ZH = "超出规则引擎能安全运行的上限"

COMPILE_WORDS: dict[str, Words] = {
    # --- sector layers and overrides ---
    "override_not_granted": Words(
        "下层没有授权覆盖此项",
        "no layer below grants overriding it",
        (("no layer below allows overriding {kind} {target}", "下层没有授权覆盖{kind} {target}"),),
    ),
    "sector_not_granted": Words(
        "授权只给了其他行业",
        "the grant names other sectors",
        (
            (
                "{kind} {target} may be overridden only by sectors {sectors}, not {sector}",
                "{kind} {target} 只允许行业 {sectors} 覆盖，不包括 {sector}",
            ),
        ),
    ),
    "unknown_override_target": Words(
        "要覆盖的参数或规则不存在",
        "the parameter or rule to override does not exist",
        (
            ("no parameter {pid} to override", "没有可覆盖的参数 {pid}"),
            ("no rule {rule} to except", "没有可作例外的规则 {rule}"),
            (
                "grants parameter {pid}, which neither this layer nor one below defines",
                "授权了参数 {pid}，但本层及下层都没有定义它",
            ),
            (
                "grants rule {rule}, which matches no rule of this layer or one below",
                "授权了规则 {rule}，但它不匹配本层及下层的任何规则",
            ),
        ),
    ),
    "override_without_basis": Words(
        "覆盖未写明法律依据",
        "an override names no basis",
        (
            (
                "an override of {kind} {target} must name its legal basis (basis: {wanted})",
                "覆盖{kind} {target} 必须写明法律依据（basis：{wanted}）",
            ),
        ),
    ),
    "wrong_basis": Words(
        "依据不是授权所依的条款",
        "the basis is not the one the grant rests on",
        (
            (
                "basis {basis} does not empower overriding {kind} {target} (granted on {wanted})",
                "依据 {basis} 不授权覆盖{kind} {target}（授权依据：{wanted}）",
            ),
        ),
    ),
    "override_outside_base_dates": Words(
        "覆盖的施行日期超出被覆盖政策层的施行日期",
        "in force outside the dates of the layer it overrides",
        (
            (
                "in force outside the dates of {layer}, whose rules it overrides",
                "施行日期超出其所覆盖规则所在政策层 {layer} 的施行日期",
            ),
            ("a sector layer must be in force within the dates of {layer}", "行业政策层必须在 {layer} 的施行期内施行"),
        ),
    ),
    "coverage_outside_base": Words(
        "行业政策层的适用范围超出其基础层",
        "a sector layer applies outside its base",
        (
            (
                "a sector layer may apply only where and when {layer} applies",
                "行业政策层只能在 {layer} 适用的地区和年度内适用",
            ),
        ),
    ),
    "overrides_need_sector": Words(
        "只有行业政策层可以覆盖",
        "only a sector layer may override",
        (
            (
                "only a sector layer (with sector: in layer.yaml) may override",
                "只有行业政策层（layer.yaml 中写有 sector:）可以覆盖",
            ),
        ),
    ),
    "sector_layer_without_base": Words(
        "行业政策层必须扩展一个政策层",
        "a sector layer must extend a layer",
        (("a sector layer must extend a layer", "行业政策层必须扩展一个政策层"),),
    ),
    # --- compiling, and what the engine can run (engine_limits, compiler) ---
    "parameter_without_value": Words(
        "规则读取的参数在该日尚无取值",
        "a rule reads a parameter without a value on the date",
        (("rule {rule} reads {pid}, which has no value on {day}", "规则 {rule} 读取的参数 {pid} 在 {day} 没有取值"),),
    ),
    "tests_at_once_limit": Words(
        _LIMIT_ZH + "：一个事实同时满足的检验过多",
        "too many tests of one fact at once",
        (
            (
                "{subject} can meet more than {limit} tests of one fact at once ({reached}; {why}",
                "{subject} 可能让一个事实同时满足超过 {limit} 项检验（{reached} 项）；" + _LIMIT_ZH,
            ),
        ),
    ),
    "match_ways_limit": Words(
        _LIMIT_ZH + "：匹配一个事实的方式过多",
        "too many ways to match one fact",
        (
            (
                "{subject} can match one fact in more than {limit} ways ({reached}; {why}",
                "{subject} 可能以超过 {limit} 种方式匹配一个事实（{reached} 种）；" + _LIMIT_ZH,
            ),
        ),
    ),
    "condition_group_limit": Words(
        _LIMIT_ZH + "：一条规则编译后的条件组过多",
        "too many condition groups in one rule",
        (
            (
                "rule {rule} has more than {limit} groups once compiled ({reached}; {why}",
                "规则 {rule} 编译后超过 {limit} 个条件组（{reached} 个）；" + _LIMIT_ZH,
            ),
        ),
    ),
    "stage_test_limit": Words(
        _LIMIT_ZH + "：一个阶段编译后的检验过多",
        "too many tests in one stage once compiled",
        (
            (
                "stage {stage} makes more than {limit} tests once compiled (rule {rule} reaches {reached}; {why}",
                "阶段 {stage} 编译后的检验超过 {limit} 项（规则 {rule} 达到 {reached} 项）；" + _LIMIT_ZH,
            ),
        ),
    ),
    # --- case files (testing) ---
    "invalid_case_file": Words(
        "用例文件的 cases 下必须是列表",
        "a case file holds a list under cases",
        (("a case file holds a list under `cases`", "用例文件的 `cases` 下必须是列表"),),
    ),
    "invalid_case": Words(
        "用例的形式不对",
        "a case of the wrong shape",
        (
            ("a case needs a name and an expect", "用例需要 name 和 expect"),
            ("a title-review case takes a history, not {stray}", "职称评审用例应给出 history，不能给出 {stray}"),
            (
                "a case with title_review needs a history, and a history needs title_review",
                "含 title_review 的用例需要 history，含 history 的用例也需要 title_review",
            ),
        ),
    ),
}
"""The wording of the codes of overrides, compiling and case files."""
