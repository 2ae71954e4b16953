"""The wording of every policy-problem code, in Chinese and English, with its details as named fields.

A `PolicyProblem` (a policy file that cannot be read, shaped, built or compiled; ``docs/errors.md``) carries a
code and the English message its check built. Here each code has a general wording in both languages, and the
forms its message takes: an English template, whose named fields (``{name}``) `ce_policy.text.problem_text`
reads back out of the message, beside the Chinese template that says the same with those fields. A message
that matches none of its code's forms is shown in Chinese by the code's general wording and the names it
quotes. ``tests/test_cli_lang.py`` collects every code the source can give and requires both wordings.
"""

from __future__ import annotations

from ce_policy.text.compile_words import COMPILE_WORDS
from ce_policy.text.wording import Words

__all__ = ["PROBLEM_WORDS", "Words"]

PROBLEM_WORDS: dict[str, Words] = {
    # --- reading a file (safe_yaml) ---
    "file_unreadable": Words("无法读取文件", "the file cannot be read", (("cannot read file: {why}", "无法读取文件"),)),
    "not_a_file": Words(
        "不是普通文件（链接、文件夹、管道等）", "not a regular file", (("not a file: {what}", "不是普通文件"),)
    ),
    "file_too_large": Words(
        "文件过大",
        "the file is too large",
        (("{size} bytes; policy files are limited to {limit}", "文件有 {size} 字节，政策文件最多 {limit} 字节"),),
    ),
    "not_utf8": Words(
        "文件不是 UTF-8 文本", "the file is not UTF-8 text", (("file is not valid UTF-8", "文件不是有效的 UTF-8 文本"),)
    ),
    "yaml_syntax": Words(
        "YAML 语法错误",
        "YAML syntax error",
        (("YAML syntax error: {what}", "YAML 语法错误"), ("YAML error: {what}", "YAML 错误")),
    ),
    "yaml_tag": Words(
        "不允许显式 YAML 标签",
        "explicit YAML tags are not allowed",
        (("explicit YAML tags are not allowed: {tag}", "不允许显式 YAML 标签：{tag}"),),
    ),
    "yaml_alias": Words(
        "政策文件中不允许锚点或别名",
        "anchors and aliases are not allowed",
        (
            ("aliases are not allowed in policy files", "政策文件中不允许别名"),
            ("anchors are not allowed in policy files", "政策文件中不允许锚点"),
        ),
    ),
    "yaml_merge_key": Words(
        "政策文件中不允许合并键（<<）",
        "merge keys are not allowed",
        (("merge keys (<<) are not allowed in policy files", "政策文件中不允许合并键（<<）"),),
    ),
    "yaml_key": Words(
        "映射的键必须是普通标量",
        "mapping keys must be plain scalars",
        (("mapping keys must be plain scalars", "映射的键必须是普通标量"),),
    ),
    "duplicate_key": Words(
        "同一映射中的键重复",
        "a key appears twice in one mapping",
        (("duplicate key {key} (first on line {first})", "键 {key} 重复（首次出现在第 {first} 行）"),),
    ),
    "yaml_too_deep": Words(
        "嵌套层数过深", "nesting too deep", (("nesting deeper than {limit} levels", "嵌套超过 {limit} 层"),)
    ),
    # --- the shape of a file (layer_files, registry, cases) ---
    "missing_file": Words(
        "政策层缺少 layer.yaml", "a layer needs layer.yaml", (("a layer needs layer.yaml", "政策层需要 layer.yaml"),)
    ),
    "path_escape": Words(
        "路径指向所在文件夹之外",
        "a path resolves outside its folder",
        (
            ("file resolves outside its layer folder", "文件指向所在政策层文件夹之外"),
            ("folder resolves outside the policy folder", "文件夹指向政策文件夹之外"),
        ),
    ),
    "not_a_mapping": Words(
        "文件必须是一个 YAML 映射",
        "the file must hold a YAML mapping",
        (("the file must hold a YAML mapping", "文件必须是一个 YAML 映射"),),
    ),
    "unknown_key": Words(
        "格式中没有这个键",
        "a key the format does not know",
        (
            ("unknown key {key}", "未知的键 {key}"),
            ("unknown keys: {keys}", "未知的键：{keys}"),
            ("unknown case keys: {keys}", "用例中未知的键：{keys}"),
            ("registry.yaml may only set default_region", "registry.yaml 只能设置 default_region"),
        ),
    ),
    "missing_key": Words(
        "缺少必需的键", "a required key is missing", (("{where}: Field required", "{where}：缺少必需的键"),)
    ),
    "invalid_value": Words(
        "值的形式不对",
        "a value of the wrong form",
        (
            ("default_region must be a region code", "default_region 必须是地区代码"),
            ("{where}: {detail}", "{where}：值的形式不对"),
        ),
    ),
    "not_a_folder": Words(
        "不是政策文件夹",
        "not a policy folder",
        (
            ("is a file, not a policy folder", "这是文件，不是政策文件夹"),
            ("policy folder does not exist", "政策文件夹不存在"),
        ),
    ),
    "folder_unreadable": Words(
        "无法列出文件夹内容", "a folder cannot be listed", (("cannot list folder: {why}", "无法列出文件夹内容"),)
    ),
    "no_layers": Words(
        "文件夹中没有政策层（layer.yaml）",
        "the folder holds no policy layer",
        (("no policy layer (layer.yaml) in this folder", "此文件夹中没有政策层（layer.yaml）"),),
    ),
    "default_region_change": Words(
        "registry.yaml 会更改已有的默认地区",
        "default_region would change the default region",
        (
            (
                "default_region {region} would replace the default region {old} of the policies this folder is added "
                "to, and so move every person whose record names no region; remove it from this folder's "
                "registry.yaml, or (from Python) add the folder with set_default_region=True",
                "default_region {region} 会取代已有政策的默认地区 {old}，使记录中未写地区的人员全部改用新地区；"
                "请从此文件夹的 registry.yaml 中删除它，或（在 Python 中）以 set_default_region=True 添加此文件夹",
            ),
        ),
    ),
    "duplicate_layer": Words(
        "政策层 id 重复", "a layer id used twice", (("layer id {layer} is already known", "政策层 id {layer} 已存在"),)
    ),
    "unknown_layer": Words(
        "extends 指向不存在的政策层",
        "extends names no known layer",
        (("extends unknown layer {layer}", "extends 指向不存在的政策层 {layer}"),),
    ),
    "extends_cycle": Words(
        "政策层之间循环扩展",
        "layers extend each other in a cycle",
        (("layers extend each other in a cycle: {cycle}", "政策层之间循环扩展：{cycle}"),),
    ),
    "version_mismatch": Words(
        "extends 限定的版本不含找到的政策层",
        "extends pins versions that do not include the layer found",
        (
            (
                "extends {layer} version {wanted}, but the layer found is version {found}: check this layer against "
                "that version, then pin a range that admits it",
                "extends 限定 {layer} 的版本为 {wanted}，但找到的是 {found} 版；"
                "请对照该版本检查本层，再限定包含它的版本范围",
            ),
        ),
    ),
    "duplicate_coverage": Words(
        "与已知政策层覆盖同一地区、年度和行业",
        "a layer covers what a known layer already covers",
        (
            (
                "layer {layer} covers {region} {year}, sector {sector}, as {other} already does",
                "政策层 {layer} 覆盖地区 {region} 的 {year} 年度（行业 {sector}），与 {other} 重复",
            ),
        ),
    ),
    # --- building a policy (loader, checker, overrides, words) ---
    "dangling_citation": Words(
        "引用了不存在的条款",
        "cites no known clause",
        (("cites unknown clause {clause}", "引用了不存在的条款 {clause}"),),
    ),
    "duplicate_code": Words(
        "代码重复定义", "a code defined twice", (("code {code} is already defined", "代码 {code} 已定义"),)
    ),
    "duplicate_parameter": Words(
        "参数重复定义", "a parameter defined twice", (("parameter {pid} is already defined", "参数 {pid} 已定义"),)
    ),
    "duplicate_text": Words(
        "文字重复定义", "a text defined twice", (("text {name} is already defined", "文字 {name} 已定义"),)
    ),
    "unknown_text": Words(
        "没有这个名称的文字",
        "no text has this name",
        (("no text is called {name}; known: {known}", "没有名为 {name} 的文字；已知：{known}"),),
    ),
    "invalid_text": Words(
        "文字使用了不允许的占位符",
        "a text uses placeholders it may not",
        (
            (
                "text {name} ({lang}) may only use the placeholders {shown}",
                "文字 {name}（{lang}）只能使用占位符 {shown}",
            ),
        ),
    ),
    "values_out_of_order": Words(
        "参数取值未按日期排序",
        "values are not in date order",
        (("values must be in date order", "取值必须按日期先后排列"),),
    ),
    "invalid_parameter_value": Words(
        "参数值不符合其类型",
        "a value does not fit the parameter's type",
        (
            (
                "{pid}: {choice} is no {name} a record can carry (rule {rule} tests it)",
                "参数 {pid} 含有 {choice}，不是记录的 {name} 可取的值（规则 {rule} 以它检验）",
            ),
            ("{pid}: {detail}", "参数 {pid} 的值不符合其类型"),
        ),
    ),
    "unknown_reading_target": Words(
        "解读所指的参数或规则不存在",
        "a reading names no parameter or rule",
        (
            (
                "reading names {name}, which is no parameter or rule of the policy",
                "解读所指的 {name} 不是本政策的参数或规则",
            ),
        ),
    ),
    "reading_not_provisional": Words(
        "解读所指的参数未标为暂定（P）",
        "a reading names a parameter that is not provisional",
        (
            (
                "reading names parameter {name}, whose provenance is {provenance}, not P",
                "解读所指的参数 {name} 的出处为 {provenance}，不是 P",
            ),
        ),
    ),
    "duplicate_reading": Words(
        "解读 id 重复", "a reading id used twice", (("reading {id} is declared twice", "解读 {id} 重复声明"),)
    ),
    "duplicate_rule": Words(
        "规则 id 重复定义",
        "a rule id used twice",
        (("rule {rule} is already defined ({at})", "规则 {rule} 已定义（{at}）"),),
    ),
    "in_force_outside_layer": Words(
        "规则的施行日期超出其政策层的施行日期",
        "a rule in force outside its layer's dates",
        (("rule in-force dates fall outside its layer's", "规则的施行日期超出其政策层的施行日期"),),
    ),
    "stage_rule_limit": Words(
        "同一阶段的规则过多",
        "too many rules in one stage",
        (
            (
                "more than {limit} rules in stage {stage}; the engine cannot match them safely",
                "阶段 {stage} 的规则超过 {limit} 条，规则引擎无法安全匹配",
            ),
        ),
    ),
    "calendar_year_not_covered": Words(
        "日历所说的年度不在政策层覆盖范围内",
        "the calendar speaks for years the layer does not cover",
        (
            (
                "the calendar speaks for {outside}, which the layer does not cover ({covered})",
                "日历涉及 {outside}，但政策层不覆盖这些年度（覆盖：{covered}）",
            ),
        ),
    ),
    "invalid_calendar": Words("日历无效", "the calendar is invalid"),
    "decision_date_out_of_force": Words(
        "年度的认定日期不在政策施行期内", "a year's decision date falls outside the policy's dates"
    ),
    "no_rules_in_force": Words(
        "认定日期上没有施行中的规则",
        "no rule is in force on a decision date",
        (
            (
                "none of the rules of {layers} is in force on {day}, the decision date of {year}",
                "{layers} 的规则在 {year} 年度的认定日期 {day} 均未施行",
            ),
        ),
    ),
    "attribute_name_taken": Words(
        "名称已被事实字段或人员属性占用",
        "the name is already a field or attribute",
        (
            ("{name} is already a field of the facts or a person attribute", "{name} 已是事实字段或人员属性"),
            ("{name} is already a field of the facts", "{name} 已是事实字段"),
        ),
    ),
    "duplicate_attribute": Words(
        "属性重复声明",
        "an attribute declared twice",
        (("{name} is already declared by {owner}", "{name} 已由 {owner} 声明"),),
    ),
    "duplicate_value": Words(
        "字段已有这些取值",
        "the field already has these values",
        (("{name} already has the values {said}", "{name} 已有取值 {said}"),),
    ),
    "unknown_kind": Words(
        "没有这种学习方式", "no such activity kind", (("no activity kind {kind}", "没有学习方式 {kind}"),)
    ),
    "invalid_condition": Words(
        "条件的形式不对",
        "a condition of the wrong shape",
        (
            ("a condition must be a mapping of fields to tests", "条件必须是字段到检验的映射"),
            ("{key} needs a non-empty list of conditions", "{key} 需要非空的条件列表"),
        ),
    ),
    "unknown_field": Words(
        "阶段中没有这个字段",
        "a field the stage does not have",
        (
            ("stage {stage} has no field {field}", "阶段 {stage} 没有字段 {field}"),
            (
                "{name} is not a choice field of an activity (they are: {fields})",
                "{name} 不是学习活动的选项字段（选项字段：{fields}）",
            ),
        ),
    ),
    "unknown_operator": Words(
        "运算符不适用于该字段类型",
        "an operator that does not apply to the field",
        (("{op} cannot test {type} field {field}", "{op} 不能检验 {type} 类型的字段 {field}"),),
    ),
    "invalid_operand": Words(
        "运算对象与字段或运算符不符",
        "an operand that does not fit the field or operator",
        (
            ("a reference must be {param: name}", "引用必须写作 {param: 名称}"),
            ("present takes true or false", "present 只能取 true 或 false"),
            ("parameter {pid} holds {choice}, not a {name}", "参数 {pid} 含有 {choice}，不是 {name} 的取值"),
            ("{op} takes a non-empty list", "{op} 需要非空列表"),
            ("field {field} cannot be compared with a parameter", "字段 {field} 不能与参数比较"),
            ("compare with as_of using before/after", "与 as_of 比较请用 before/after"),
            ("expected an integer or {param: ...}", "应为整数或 {param: ...}"),
            ("{value} is not a {name}", "{value} 不是 {name} 的取值"),
        ),
    ),
    "unknown_parameter": Words(
        "引用了不存在的参数", "names no parameter", (("unknown parameter {pid}", "不存在的参数 {pid}"),)
    ),
    "parameter_type": Words(
        "参数类型不适合此处",
        "a parameter of the wrong type for its use",
        (("parameter {pid} is of type {type}, {want} is needed here", "参数 {pid} 的类型是 {type}，此处需要 {want}"),),
    ),
    "unknown_outcome": Words(
        "词汇表中没有这种结果",
        "an outcome the vocabulary does not have",
        (("unknown outcome {name}", "不存在的结果 {name}"),),
    ),
    "outcome_stage": Words(
        "该阶段不允许这种结果",
        "an outcome not allowed in the stage",
        (("outcome {name} is not allowed in stage {stage}", "阶段 {stage} 不允许结果 {name}"),),
    ),
    "invalid_outcome": Words(
        "结果的值形式不对",
        "an outcome's value of the wrong shape",
        (
            ("{name} must be one of {choices}", "{name} 必须是以下之一：{choices}"),
            ("{name} takes true", "{name} 只能取 true"),
            ("route takes {param: name} of a route parameter", "route 需要 {param: 名称}，指向一个路径参数"),
            (
                "hours takes claimed, {at_most: ...} or {fixed: ...}",
                "hours 只能是 claimed、{at_most: ...} 或 {fixed: ...}",
            ),
            ("cycle takes {first_year: ..., last_year: ...}", "cycle 需要 {first_year: ..., last_year: ...}"),
            ("pool takes a name, e.g. self_study", "pool 需要一个名称，例如 self_study"),
            ("cap takes {credits: ...} or {hours: ...}", "cap 需要 {credits: ...} 或 {hours: ...}"),
            ("require takes {category: ..., at_least: ...}", "require 需要 {category: ..., at_least: ...}"),
            (
                "require_share takes {category: ..., at_least: ..., of?, unit?}",
                "require_share 需要 {category: ..., at_least: ..., of?, unit?}",
            ),
            (
                "credits takes claimed, {per_hours: ..., at_most: ...} or {fixed: ...}",
                "credits 只能是 claimed、{per_hours: ..., at_most: ...} 或 {fixed: ...}",
            ),
        ),
    ),
    "unknown_code": Words(
        "代码未在 codes.yaml 中声明",
        "a code not declared in codes.yaml",
        (("{value} is not a declared {want} code", "{value} 不是已声明的 {want} 代码"),),
    ),
    **COMPILE_WORDS,
}
"""Every policy-problem code's wording, in general and by the forms its message takes."""
