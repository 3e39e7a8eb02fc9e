"""`_bounds`: which way a number is bounded, and when two statements of it clash."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evalkit.scorers._bounds import LOWER, UPPER, bound_clash, bounds


def _directions(text: str) -> list[tuple[float, str, str | None]]:
    return [(b.value, b.unit, b.direction) for b in bounds(text)]


def test_english_bound_words_before_and_after_the_number() -> None:
    assert _directions("Refunds are accepted within 30 days.") == [(30, "day", UPPER)]
    assert _directions("Refunds only after 30 days.") == [(30, "day", LOWER)]
    assert _directions("Orders of $50 or more ship free.") == [(50, "$", LOWER)]
    assert _directions("It costs at least 5,000 yen.") == [(5000, "yen", LOWER)]
    assert _directions("Orders placed before 3 pm ship today.") == [(900, "time", UPPER)]


def test_numbers_without_a_bound_word_have_no_direction() -> None:
    assert _directions("We open at 9 am.") == [(540, "time", None)]
    assert _directions("A 30-day window, counted from purchase.") == [(30, "day", None)]
    assert _directions("30 days from purchase") == [(30, "day", None)]  # "from" counts


def test_japanese_bound_words_follow_the_counter() -> None:
    assert _directions("返金は購入後30日以内に受け付けます。") == [(30, "日", UPPER)]
    assert _directions("5万円以上のご注文") == [(50000, "円", LOWER)]
    assert _directions("30日以上経過した場合") == [(30, "日", LOWER)]
    assert _directions("１０時まで") == [(600, "time", UPPER)]


def test_a_clash_needs_the_knowledge_to_state_the_number_only_the_other_way() -> None:
    knowledge = ("Refunds are accepted within 30 days of purchase.",)
    assert bound_clash("Refunds are accepted only after 30 days.", knowledge) == (
        "after 30 days",
        "within 30 days",
    )
    assert bound_clash("Refunds are accepted within 30 days.", knowledge) is None
    # Another mention of the number, unbounded, and the claim may be right.
    both = (*knowledge, "Items kept for 30 days are inspected.")
    assert bound_clash("Refunds are accepted only after 30 days.", both) is None
    # A different thing: 30 minutes is not 30 days.
    assert bound_clash("Call back after 30 minutes.", knowledge) is None
    assert bound_clash("返金は30日以上経ってからです。", ("返金は30日以内です。",)) == (
        "30日以上",
        "30日以内",
    )


@given(
    st.integers(min_value=2, max_value=10_000),
    st.sampled_from(["days", "weeks", "items", "people"]),
    st.sampled_from(["within", "under", "less than", "up to", "before"]),
    st.sampled_from(["after", "over", "more than", "at least", "beyond"]),
)
def test_opposite_bound_words_clash_and_same_ones_do_not(
    n: int, unit: str, upper: str, lower: str
) -> None:
    knowledge = (f"It applies {upper} {n} {unit}.",)
    assert bound_clash(f"It applies {lower} {n} {unit}.", knowledge) is not None
    assert bound_clash(f"It applies {upper} {n} {unit} only.", knowledge) is None
    assert bound_clash(f"It applies {lower} {n + 1} {unit}.", knowledge) is None
