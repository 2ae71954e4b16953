"""Small policy folders written in the tests, next to the shipped policies (they extend `cn.mohrss-25`)."""

import textwrap
from pathlib import Path

import ce_policy
from ce_policy.policy.registry import shipped_policy_root

MAKE_UP_LAYER = """\
id: t.mu.2025
version: 1.0.0
title: A league's 2025 notice with make-up study
extends: cn.mohrss-25
document: {number: T-MU, title: Make-up test notice, issuer: ce_policy tests}
in_force: {from: 2025-01-05}
applies_to: {regions: [t.mu], years: [2022, 2023, 2025]}
calendar:
  - years: [2025]
    study: {from: 2025-01-05, to: 2025-11-30}
    cite: s4.window
  - years: [2022, 2023]
    make_up: {from: 2025-01-05, to: 2025-11-30}
    cite: s5.make_up
"""

MAKE_UP_FILES = {
    "mu/layer.yaml": MAKE_UP_LAYER,
    "mu/clauses.yaml": """\
        clauses:
          s2.quota: {section: 二, text: 每年不少于90学时，其中公需科目不少于30学时、专业科目不少于60学时。}
          s4.window: {section: 四, text: 2025 年度学习时间为 2025 年 1 月 5 日至 11 月 30 日。}
          s5.make_up: {section: 五, text: 2022、2023 年度未完成学时的，可在 2025 年度学习时间内补学。}
          s3.courses: {section: 三, text: 公需科目与专业科目在平台学习。}
        """,
    "mu/codes.yaml": """\
        reasons:
          outside_window:
            zh: 不在该年度学习时间（或补学时间）内完成
            en: not completed within the year's study window or its make-up window
            cite: s4.window
          not_yet_completed:
            zh: 在决定所依据的日期之后完成
            en: completed after the date the decision speaks for
            cite: s4.window
        texts:
          deadline_passed:
            zh: 已过 {deadline}，该年度学时不能再补
            en: "{deadline} has passed: the year can no longer be made up"
            cite: s5.make_up
        """,
    "mu/rules.yaml": """\
        rules:
          - id: t.mu.window
            cite: s4.window
            stage: activity
            when: {completed_in: outside}
            then: {reject: outside_window}
          - id: t.mu.not_yet
            cite: s4.window
            stage: activity
            when: {completed_on: {after: as_of}}
            then: {reject: not_yet_completed}
          - id: t.mu.public
            cite: s3.courses
            stage: activity
            when: {kind: public_course}
            then: {category: public, registration: automatic}
          - id: t.mu.training
            cite: s3.courses
            stage: activity
            when: {kind: training}
            then: {category: professional, registration: automatic}
          - id: t.mu.quota.public
            cite: s2.quota
            stage: year
            then: {require: {category: public, at_least: 30}}
          - id: t.mu.quota.professional
            cite: s2.quota
            stage: year
            then: {require: {category: professional, at_least: 60}}
        """,
}


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (path under ``root`` → text, dedented) and return ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def registry_with(root: Path, files: dict[str, str]) -> ce_policy.PolicyRegistry:
    """A registry of the shipped policies and ``files`` written under ``root`` (loaded strictly)."""
    registry = ce_policy.PolicyRegistry([shipped_policy_root()])
    registry.add_root(write(root, files), strict=True)
    return registry
