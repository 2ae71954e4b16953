"""The wording of the errors a command stops on, and of the problems of an invalid record, in zh and en.

An error (`ce_policy.model.errors`) is worded by its ``code`` and the ``details`` its raise site gives
(`ERROR_WORDS`: a Chinese template with the names of the details). A record problem is worded as a policy
problem is (`ce_policy.text.problem_text`): by the forms of the English messages its code takes
(`RECORD_WORDS`); pydantic's own messages for the common types (a field missing, unknown, of the wrong type,
out of range, a bad date, a value not among the choices) are forms here too.
"""

from __future__ import annotations

from ce_policy.text.wording import Words

__all__ = ["ERROR_WORDS", "RECORD_HEADING", "RECORD_WORDS", "USAGE_WORDS"]

ERROR_WORDS: dict[str, tuple[str, str]] = {
    "no_policy": ("没有 id 为 '{id}' 的政策；已知：{known}", "no policy with id '{id}'"),
    "no_layer": ("没有 id 为 '{id}' 的政策层", "no layer with id '{id}'"),
    "no_region": ("人员未填地区，也未配置默认地区", "the person has no region and no default region is set"),
    "no_policy_for_region": ("没有政策适用于地区 '{region}' 的 {year} 年度", "no policy covers '{region}' in {year}"),
    "base_layer": ("政策 '{id}' 是基础层，没有规定适用的地区和年度", "policy '{id}' is a base layer"),
    "not_in_force": (
        "政策 '{id}' 自 {from} 起施行{until}；截至 {as_of}，它不认定 {year} 年度的记录",
        "policy '{id}' is not in force on {as_of}",
    ),
    "no_shipped_policies": ("本次安装缺少随附的政策", "the shipped policies are missing"),
    "no_common_year": ("两个版本没有共同能认定的年度，无从抽取记录", "no year both versions can decide"),
    "policy_not_found": ("找不到适用的政策", "no policy found"),
    "engine_failed": ("规则引擎出错，未作出决定", "the rules engine failed"),
    "ambiguous_message": (
        "代码 '{code}' 在政策 {policies} 中的措辞不同；请指明给出该代码的政策",
        "code '{code}' is worded differently by {policies}",
    ),
    "log_open_failed": ("无法打开决定日志", "the decision log cannot be opened"),
    "log_write_failed": ("无法写入决定日志；决定已作出，但未记入日志", "the decision log cannot be written"),
    "log_sync_failed": ("决定日志未能写入磁盘；决定已作出，但未确认记入日志", "the decision log cannot be synced"),
    "log_closed": ("决定日志已关闭", "the decision log is closed"),
    "log_other_process": ("决定日志属于另一个进程", "the decision log belongs to another process"),
    "log_entry_unwritable": ("该决定无法写成日志条目", "the decision cannot be written as a log entry"),
    "record_file": ("记录文件 {where} 无法使用", "the records file {where} cannot be used"),
    "ce_policy_error": ("无法完成", "could not be done"),
}
"""Each error code: its Chinese template (fields from the error's ``details``), and a short English name."""

RECORD_HEADING = ("记录无效：{n} 个问题", "invalid record: {n} problem(s)")

RECORD_WORDS: dict[str, Words] = {
    "missing_field": Words("缺少必填字段", "a field is missing", (("Field required", "缺少必填字段"),)),
    "unknown_field": Words(
        "不认识的字段", "a field not known", (("Extra inputs are not permitted", "不认识的字段（不允许多余的字段）"),)
    ),
    "wrong_type": Words(
        "类型不对",
        "a value of the wrong type",
        (
            ("Input should be a valid integer", "应为整数"),
            ("Input should be a valid integer, unable to parse string as an integer", "应为整数"),
            ("Input should be a valid integer, got a number with a fractional part", "应为整数，不能带小数"),
            ("Input should be a valid string", "应为字符串"),
            ("Input should be a valid boolean", "应为布尔值（true 或 false）"),
            ("Input should be a valid tuple", "应为数组"),
            ("Input should be a valid list", "应为数组"),
            ("Input should be a valid array", "应为数组"),
            ("Input should be a valid dictionary", "应为 JSON 对象"),
            ("Input should be a valid dictionary or instance of {name}", "应为 JSON 对象"),
            ("Input should be a valid date", "应为日期"),
            ("Input should be a valid number", "应为数字"),
            ("hours must be a number, not {kind}", "学时应为数字，不能是 {kind}"),
            ("hours must be a number", "学时应为数字"),
            ("expected a JSON object, got {kind}", "应为 JSON 对象，实际为 {kind}"),
        ),
    ),
    "out_of_range": Words(
        "超出范围",
        "a value out of range",
        (
            ("Input should be greater than or equal to {n}", "应不小于 {n}"),
            ("Input should be less than or equal to {n}", "应不大于 {n}"),
            ("Input should be greater than {n}", "应大于 {n}"),
            ("Input should be less than {n}", "应小于 {n}"),
        ),
    ),
    "invalid_date": Words(
        "日期无效",
        "an invalid date",
        (
            ("expected a date written YYYY-MM-DD, got {value}", "应为 YYYY-MM-DD 格式的日期，实际为 {value}"),
            ("expected a date (YYYY-MM-DD), not a date and time", "应为日期（YYYY-MM-DD），不能带时间"),
        ),
    ),
    "invalid_choice": Words(
        "不是可选的值",
        "a value not among the choices",
        (
            ("Input should be {choices}", "应为以下之一：{choices}"),
            ("{value} is not one of {choices}", "{value} 不是可选的值；可选：{choices}"),
        ),
    ),
    "too_short": Words(
        "太短",
        "too short",
        (
            ("String should have at least {n} character", "至少应有 {n} 个字符"),
            ("String should have at least {n} characters", "至少应有 {n} 个字符"),
        ),
    ),
    "too_long": Words(
        "太长",
        "too long",
        (
            ("String should have at most {n} character", "至多 {n} 个字符"),
            ("String should have at most {n} characters", "至多 {n} 个字符"),
        ),
    ),
    "too_many_items": Words(
        "项数太多",
        "too many items",
        (
            (
                "{name} should have at most {limit} items, not {n} (none of them was checked)",
                "{name} 至多应有 {limit} 项，实际为 {n}（均未检查）",
            ),
            ("Tuple should have at most {limit} items after validation, not {n}", "至多应有 {limit} 项，实际为 {n}"),
        ),
    ),
    "invalid_format": Words(
        "格式不对",
        "a value of the wrong form",
        (("String should match pattern {pattern}", "格式不对：应符合 {pattern}"),),
    ),
    "hours_invalid": Words(
        "学时无效",
        "invalid hours",
        (
            ("hours must not be negative", "学时不能为负数"),
            ("hours must be a finite number", "学时应为有限的数"),
            ("hours must not exceed {limit}", "学时不能超过 {limit}"),
        ),
    ),
    "hours_precision": Words(
        "学时至多保留两位小数",
        "hours with more than two decimals",
        (("hours may have at most two decimal places", "学时至多保留两位小数"),),
    ),
    "way_fields": Words(
        "字段与学习方式不符",
        "fields that do not suit the kind",
        (
            ("{name} is required for kind {kind}", "学习方式 {kind} 须填写 {name}"),
            ("{name} does not apply to kind {kind}", "{name} 不适用于学习方式 {kind}"),
        ),
    ),
    "duplicate_activity_id": Words(
        "学习活动编号重复",
        "an activity id given twice",
        (("activity id {id} appears more than once", "学习活动编号 {id} 出现了不止一次"),),
    ),
    "unknown_attribute": Words(
        "政策未声明的属性",
        "an attribute the policy does not declare",
        (
            (
                "the policy declares no activity attribute {name} (declared: {known})",
                "政策未声明学习活动属性 {name}（已声明：{known}）",
            ),
            (
                "policy {pid} declares no person attribute {name} (did you mean {hint}?) (declared: {known})",
                "政策 {pid} 未声明人员属性 {name}（是否想写 {hint}？）（已声明：{known}）",
            ),
            (
                "policy {pid} declares no person attribute {name} (declared: {known})",
                "政策 {pid} 未声明人员属性 {name}（已声明：{known}）",
            ),
        ),
    ),
    "activity_claimed_twice": Words(
        "同一学习活动计入了两个年度",
        "an activity claimed for two years",
        (
            (
                "activity {id} is claimed for {year} and for {other_year} ({other_at}); an activity counts for one "
                "year only",
                "学习活动 {id} 同时计入 {year} 年度和 {other_year} 年度（{other_at}）；一项学习活动只能计入一个年度",
            ),
        ),
    ),
    "invalid_prior_year": Words(
        "以往年度无效",
        "an invalid prior year",
        (
            ("{year} is not an earlier year of its own", "{year} 年度重复给出"),
            ("{year} is not before {other}", "{year} 不早于 {other}"),
        ),
    ),
    "invalid_value": Words(
        "值无效",
        "an invalid value",
        (
            ("applied_on falls before the review year", "申报日期早于职称评审年度"),
            ("record for {year} belongs to {person}, not {other}", "{year} 年度的记录属于 {person}，不属于 {other}"),
            ("more than one record for {year}", "{year} 年度的记录不止一条"),
        ),
    ),
    "invalid_json": Words(
        "不是有效的 JSON",
        "not valid JSON",
        (
            (
                "not valid JSON (line {line}, column {column}): {reason}",
                "不是有效的 JSON（第 {line} 行第 {column} 列）",
            ),
            ("not valid JSON (column {column}): {reason}", "不是有效的 JSON（第 {column} 列）"),
            ("not valid JSON: a number has more than {n} digits", "不是有效的 JSON：有数字超过 {n} 位"),
            ("standard input is empty: expected a JSON object", "标准输入为空：应为 JSON 对象"),
            ("{name} is empty: expected a JSON object", "{name} 为空：应为 JSON 对象"),
        ),
    ),
    "duplicate_key": Words(
        "同一对象中的键重复",
        "a key given twice",
        (("the key {key} appears twice in one object", "同一对象中键 {key} 出现了两次"),),
    ),
    "json_too_deep": Words(
        "嵌套太深",
        "nested too deep",
        (
            (
                "arrays and objects nested more than {n} levels deep, far deeper than any record, history or "
                "decision-log entry",
                "数组和对象嵌套超过 {n} 层，远深于任何记录、履历或决定日志条目",
            ),
        ),
    ),
    "too_large": Words(
        "输入太大",
        "too large",
        (
            (
                "standard input holds more than {n} characters, far more than any record or history",
                "标准输入超过 {n} 个字符，远多于任何记录或履历",
            ),
            (
                "{name} holds more than {n} characters, far more than any record or history",
                "{name} 超过 {n} 个字符，远多于任何记录或履历",
            ),
        ),
    ),
    "too_many_problems": Words(
        "问题太多", "too many problems", (("{n} more problem(s) not listed", "另有 {n} 个问题未列出"),)
    ),
}
"""Each record problem code: its general wording, and the forms of its English messages in Chinese."""

USAGE_WORDS: dict[str, tuple[str, str]] = {
    "usage": ("用法：", "Usage:"),
    "try_help": ("运行 '{command} --help' 查看帮助。", "Try '{command} --help' for help."),
    "missing_argument": ("缺少参数 {hint}", "Missing argument {hint}."),
    "missing_option": ("缺少选项 {hint}", "Missing option {hint}."),
    "no_such_option": ("没有选项 {name}", "No such option: {name}"),
    "did_you_mean": ("（是否想写 {names}？）", " (Possible options: {names})"),
    "needs_value": ("选项 {name} 需要一个值", "Option {name} requires an argument."),
    "bad_option": ("选项 {name} 的用法不对", "Option {name} is used wrongly."),
    "bad_choice": ("{hint} 的值 {value} 无效：应为以下之一：{choices}", "Invalid value for {hint}: {value}"),
    "bad_date": ("{hint} 的值 {value} 不是 YYYY-MM-DD 格式的日期", "Invalid value for {hint}: {value}"),
    "bad_integer": ("{hint} 的值 {value} 不是整数", "Invalid value for {hint}: {value}"),
    "bad_number": ("{hint} 的值 {value} 不是数字", "Invalid value for {hint}: {value}"),
    "no_path": ("{hint} 的路径 {value} 不存在", "Invalid value for {hint}: {value}"),
    "bad_path": ("{hint} 的路径 {value} 不可用", "Invalid value for {hint}: {value}"),
    "bad_value": ("{hint} 的值无效", "Invalid value for {hint}"),
    "no_such_command": ("没有命令 {name}", "No such command {name}."),
    "extra_arguments": ("多余的参数：{names}", "Got unexpected extra arguments ({names})"),
    "missing_command": ("缺少命令", "Missing command."),
    "schema_policy": ("--policy 只用于记录或履历的 schema", "--policy applies to the schema of a record or a history"),
    "usage_error": ("命令用法不对", "the command is used wrongly"),
}
"""The words of a usage error (click's own: an argument missing, an option unknown, a value not accepted)."""
