"""Shared text helpers: refusal detection (recall and precision), English and Japanese."""

from __future__ import annotations

import pytest

from evalkit.text import is_refusal, normalize, numbers


@pytest.mark.parametrize(
    "text",
    [
        "I don't know.",
        "I do not have that information.",
        "Sorry, I can't help with that.",
        "The policy doesn't say.",
        "There is no mention of this in the context.",
        "I couldn't find that in the documents.",
        "I'm not able to answer.",
        "It is unclear from the provided information.",
        "Not mentioned.",
        "Unknown",
        "わかりません。",
        "分かりかねます。",
        "お答えしかねます。",
        "申し訳ございませんが、その情報はございません。",
        "資料に記載がないため回答できません。",
        "確認できませんでした",
    ],
)
def test_is_refusal_recognises_declining_in_english_and_japanese(text: str) -> None:
    assert is_refusal(text)


@pytest.mark.parametrize(
    "text",
    [
        "No, shipping fees are not refunded.",
        "Unknown fees are not charged.",
        "The warranty does not cover water damage.",
        "You cannot return opened items.",
        "We do not provide refunds after 30 days.",
        "The CEO is unknown to most staff but is named Ken Mori.",
        "返品できません。",
        "送料は返金されません。",
        "問題ございません。",
    ],
)
def test_is_refusal_does_not_mistake_a_negative_answer_for_declining(text: str) -> None:
    assert not is_refusal(text)


def test_normalize_and_numbers_treat_full_width_digits_as_ascii() -> None:
    assert normalize("３０日") == normalize("30日")
    assert numbers("３０日") == [30.0]
