"""decision.explain() and ce-policy explain: each step with the text of the clause that decided it."""

from click.testing import CliRunner

import ce_policy
from ce_policy.cli.main import main
from ce_policy.policy.registry import shipped_policy_root
from tests.records import activity, record

EXAMPLE = shipped_policy_root() / "xj" / "aksu-2025-12" / "examples" / "incomplete.json"


def test_each_activity_is_explained_with_its_clause_text_and_reason() -> None:
    decision = ce_policy.evaluate(
        record(
            activity("pub", "public_course", 30),
            activity("off", "training", 8, on_platform=False),
            activity("talk", "lecture", 40, organiser_level="region", role="lecturer", approval="approved"),
        )
    )
    text = decision.explain()
    off = text.split("学习活动 off:")[1].split("学习活动")[0]
    assert "未在“平台”内报名学习，不予认可 [not_on_platform]" in off
    assert "凡未在“平台”内进行报名学习的，一律不予认可" in off  # the text of 三
    assert "学习活动 pub: 计入 30 学时（公需科目）" in text
    assert "lecture_lecturer_max_hours = 30 — " in text  # the provisional value
    assert "出处标为 P：工程默认值或对不明确条文的理解" in text  # and what provisional means
    assert "年度: 未完成年度学时任务" in text
    english = decision.explain("en")
    assert "Activity talk: counts 30 h (professional)" in english
    assert "Consequence: cannot be rated excellent in the annual assessment [no_excellent_rating]" in english


def test_the_command_explains_a_record_file() -> None:
    result = CliRunner().invoke(main, ["explain", str(EXAMPLE), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "How this decision was made: p-0001" in result.output
    assert "aksu.quota.public#short.public" in result.output


def test_explain_as_json_gives_each_step_with_its_clause_in_every_language() -> None:
    import json  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from click.testing import CliRunner  # noqa: PLC0415

    from ce_policy.cli.main import main  # noqa: PLC0415

    example = Path(__file__).resolve().parents[1] / "policies/xj/aksu-2025-12/examples/complete.json"
    outputs = [
        CliRunner().invoke(main, ["explain", str(example), "--format", "json", "--lang", lang]) for lang in ("zh", "en")
    ]
    assert [o.exit_code for o in outputs] == [0, 0]
    assert outputs[0].output == outputs[1].output  # codes and the register's texts, not words of a language
    data = json.loads(outputs[0].output)
    first = data["activities"][0]
    assert first["id"] == "pub-1" and first["counted"] is True
    assert first["steps"][0] == {
        "rule": "aksu.public_course",
        "cite": "xj.aksu.2025:s2.content",
        "document": "阿地人社传〔2025〕12号",
        "section": "二",
        "text": first["steps"][0]["text"],
    }
    assert first["steps"][0]["text"].startswith("继续教育培训内容包括公需科目和专业科目")
    assert any(step["rule"] == "aksu.quota.public" for step in data["year_steps"])
