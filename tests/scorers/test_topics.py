"""`_topics.topic_swap`: a Japanese claim that says of one entity what the knowledge says
of a sibling (same head: ベーシックプラン / プレミアムプラン)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evalkit.scorers._topics import topic_swap

PLANS = (
    "ベーシックプランはメールサポートのみです。プレミアムプランには電話サポートと専任担当者が含まれます。",
)


def test_a_claim_about_one_plan_with_the_other_plans_feature_is_a_swap() -> None:
    assert topic_swap("ベーシックプランには電話サポートが含まれます。", PLANS) == (
        "ベーシックプラン",
        "電話",
        "プレミアムプラン",
    )
    assert topic_swap("ベーシックプランには専任担当者が付きます。", PLANS) is not None


def test_what_is_not_a_swap() -> None:
    for claim in (
        "プレミアムプランには電話サポートが含まれます。",  # said of its own topic
        "ベーシックプランはメールサポートのみです。",
        "ベーシックプランには電話サポートは含まれません。",  # negated: right here
        "ベーシックプランはメールサポートのみで、電話サポートはプレミアムプランに含まれます。",
        "電話サポートはプレミアムプランに含まれます。",  # topic not a plan the knowledge names
        "スタンダードプランには電話サポートが含まれます。",  # topic never named: other layers
    ):
        assert topic_swap(claim, PLANS) is None, claim


def test_only_a_sibling_with_the_same_head_counts() -> None:
    """The word's sentence is about another kind of thing (no shared head): not a swap."""
    knowledge = (
        "ベーシックプランはメールサポートのみです。サポートセンターには電話窓口があります。",
    )
    assert topic_swap("ベーシックプランには電話窓口があります。", knowledge) is None
    # A labelled line names its topic too ("プレミアムプラン：…").
    labelled = ("ベーシックプラン：メールサポートのみ\nプレミアムプラン：電話サポートあり",)
    assert topic_swap("ベーシックプランには電話サポートがあります。", labelled) is not None


@given(
    st.text(
        alphabet="ベーシックプレミアムプラン電話サポート正社員はにでのが含まれませんず。、：\n ",
        max_size=40,
    ),
    st.lists(
        st.text(
            alphabet="ベーシックプレミアムプラン電話サポート正社員はにでのが含まれませんず。、：\n ",
            max_size=60,
        ),
        max_size=2,
    ),
)
def test_topic_swap_reads_any_text_and_names_what_it_found(claim: str, texts: list[str]) -> None:
    found = topic_swap(claim, tuple(texts))
    if found is not None:
        topic, word, other = found
        assert claim.lstrip(" \t　「」『』・-*•").startswith(topic)
        assert word in claim and other not in claim
        assert any(word in t and other in t for t in texts)
