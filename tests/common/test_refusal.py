"""Refusal detection (recall and precision), English and Japanese."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.common.refusal import _declines_as_whole, _may_decline, _prepared, is_refusal


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
        # A decline with courtesy around it: apology, explanation, pointer.
        "I'm sorry, I don't know — the policy doesn't mention it. Please contact support.",
        "I can't confirm that. The support team at help@example.com can help.",
        "I can't share that — it isn't covered in our policy. You can reach support by email.",
        "For questions like this, please reach out to HR. I don't have that information.",
        "Unknown. Please ask your manager.",
        "Unable to answer based on given passages. The passages primarily focus on peeling "
        "eggs. Therefore, I cannot provide a solution using the given passages.",
        "That information is not available in the documents I have.",
        "規程に記載がないためお答えできません。人事部（jinji@example.com）にお問い合わせください。",
        "申し訳ありませんが、賞与に関する情報は記載されていません。人事部にご確認ください。",
        "不明です。",
        "規程からは不明です。",
        "わかりません。規程には書かれていません。",
        "就業規則に明記されていません。",
        "資料には載っていません。",
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
        # A missing thing stated about the world or a product is content, not a decline.
        "Parking is not available.",
        "Phone support is not included in the Free plan.",
        "Meals are not provided.",
        "原因は不明です。",
        "行方不明の男性が見つかりました。",
        "送料は料金に含まれていません。",
        "申込書に名前は書かれていません。",  # a fact about a form, not the source
        "規程には書かれていませんが、おそらく3日です。",  # a guess after the hedge
    ],
)
def test_is_refusal_does_not_mistake_a_negative_answer_for_declining(text: str) -> None:
    assert not is_refusal(text)


@pytest.mark.parametrize(
    "text",
    [
        # Issue 12: a declining clause inside an answer that asserts something else.
        "The add-on is not included in the Free plan; add it for $45 per month.",
        "It is not specified in the policy, but the fee is usually $45.",
        "I'm not sure, but it is probably 30 days.",
        "I don't know exactly, it might be 30 days.",
        "The hours are not provided in the given data. The shop opens at 9 AM on weekdays.",
        "The policy doesn't mention pickup. Orders ship within 2 business days.",
        "規程には記載がありませんが、一般的には3日程度です。",
        "はっきりとはわかりません。ただし、医療機関を受診する必要があります。",
        "申し訳ありませんが、返品はお受けできません。",
        "記載はありません。料金は月額4,500円です。",
    ],
)
def test_is_refusal_needs_the_whole_answer_to_decline(text: str) -> None:
    assert not is_refusal(text)


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


_PIECES = st.lists(st.sampled_from(_REFUSAL_PIECES) | st.text(max_size=8), max_size=5)
_JOINERS = st.sampled_from([" ", ". ", "; ", "。", "、", "\n", ", but "])


@given(_PIECES, _JOINERS)
def test_is_refusal_pre_check_changes_no_answer(parts: list[str], joiner: str) -> None:
    """The substring and whole-text pre-check only turns away texts that the rule,
    applied segment by segment, would never call a refusal."""
    text = joiner.join(parts)
    assert is_refusal(text) == _declines_as_whole(_prepared(text))
    if _declines_as_whole(_prepared(text)):
        t = _prepared(text)
        assert _may_decline(t, t.lower())


_DECLINES = st.sampled_from(
    [
        "I don't know.",
        "The policy doesn't say.",
        "Not mentioned.",
        "わかりません。",
        "資料には記載がありません。",
        "お答えできません。",
    ]
)
_COURTESY = st.sampled_from(
    [
        "Sorry.",
        "Please contact support.",
        "申し訳ありません。",
        "人事部にお問い合わせください。",
        "",
    ]
)
_CONTENT = st.sampled_from(
    [
        "The fee is $45 per month.",
        "Refunds take 5 days.",
        "料金は月額5,000円です。",
        "30日以内です。",
    ]
)


@given(st.lists(_DECLINES, min_size=1, max_size=3), _COURTESY, _CONTENT, st.booleans())
def test_a_content_sentence_turns_any_refusal_into_an_answer(
    declines: list[str], courtesy: str, content: str, content_first: bool
) -> None:
    """Declining sentences plus courtesy stay a refusal; add one sentence that asserts
    something and, wherever it goes, the output answers."""
    refusal = " ".join([*declines, courtesy])
    assert is_refusal(refusal)
    answered = f"{content} {refusal}" if content_first else f"{refusal} {content}"
    assert not is_refusal(answered)


@pytest.mark.parametrize(
    "text", ["I don’t know.", "I can’t answer that.", "Sorry, I don’t have that information."]
)
def test_a_typographic_apostrophe_declines_like_a_straight_one(text: str) -> None:
    assert is_refusal(text)
    assert is_refusal(text.replace("’", "'"))
