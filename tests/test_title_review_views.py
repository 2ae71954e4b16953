"""A title-review year that nothing shows is named so, in the decision and in both languages (issue 17)."""

from __future__ import annotations

import datetime as dt

import ce_policy
from ce_policy.policy.registry import default_registry
from ce_policy.text.render import render_title_review


def _review() -> ce_policy.TitleReviewDecision:
    certificates = [{"year": y, "public": True, "professional": True} for y in (2021, 2022, 2023, 2025)]
    history = {"person": {"id": "p1", "title_level": "intermediate"}, "certificates": certificates}
    return ce_policy.evaluate_title_review(history, review_year=2025, applied_on=dt.date(2025, 9, 30))


def test_a_year_with_no_record_and_no_certificate_is_not_shown_rather_than_not_complete() -> None:
    review = _review()
    year = next(y for y in review.years if y.year == 2024)
    assert (year.shown_by, year.complete, year.reasons) == ("none", False, ("year_not_shown",))
    assert review.missing_years == (2024,)


def test_the_views_say_what_shows_the_year_in_both_languages() -> None:
    review = _review()
    policy = default_registry().policy(review.policy.id)
    en, zh = render_title_review(review, policy, "en"), render_title_review(review, policy, "zh")
    assert "✗ 2024: shown by nothing (no record, no certificate)" in en
    assert "[year_not_shown]" in en
    assert "✗ 2024: 证明方式 无（既无记录也无证书）" in zh
    assert "该年度既无继续教育记录，也无合格证书或证明材料" in zh
    assert "—" not in en.split("2024:")[1].split("\n")[0]
