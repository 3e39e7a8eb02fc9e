"""Shared text helpers: refusal detection (recall and precision), English and Japanese."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.text import (
    _LATIN,
    _REFUSAL_EN,
    _REFUSAL_JA,
    is_cjk,
    is_refusal,
    nfkc,
    normalize,
    numbers,
)


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


_REFUSAL_PIECES = [
    "I don't know",
    "i do not have any information",
    "I'm not sure",
    "I am unable to",
    "there's no record",
    "is not mentioned",
    "the text doesn't say",
    "cannot be determined",
    "unclear from the context",
    "N/A",
    "Unknown",
    "not known",
    "no information",
    "the answer is 30 days",
    "Not",
    "わかりません",
    "記載がありません",
    "ＩＤＯＮ'Ｔ ＫＮＯＷ",
    "İ",
    "  ",
    ".",
    "\n",
]


@given(st.lists(st.sampled_from(_REFUSAL_PIECES) | st.text(max_size=8), max_size=5))
def test_is_refusal_word_prefilter_changes_no_answer(parts: list[str]) -> None:
    """The substring pre-check only skips texts the full patterns could never match."""
    text = " ".join(parts)
    t = nfkc(text)
    reference = bool(_LATIN.search(t) and _REFUSAL_EN.search(t.lower())) or bool(
        is_cjk(t) and _REFUSAL_JA.search(t)
    )
    assert is_refusal(text) == reference


def _normalize_by_definition(text: str) -> str:
    """`normalize` as its docstring defines it, one character at a time."""
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(" " if unicodedata.category(c)[0] in ("P", "S") else c for c in text)
    text = re.sub(r"\b(?:a|an|the)\b", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if re.search(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]", text):
        text = re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)
    return text


@given(
    st.text(max_size=30)
    | st.sampled_from(["The  ＡＢＣ Co.", "30-day", "「返品」は３０日。", "İstanbul ß"])
)
def test_normalize_fast_paths_change_nothing(text: str) -> None:
    """ASCII skips NFKC and the punctuation table is cached: same result as the definition."""
    assert normalize.__wrapped__(text) == _normalize_by_definition(text)
