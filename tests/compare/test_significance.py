"""Exact McNemar test and the plain-language sentences built on it."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.compare.significance import can_reach, describe, format_p, mcnemar_p, min_p


def _reference_p(b: int, c: int) -> float:
    n, k = b + c, min(b, c)
    if n == 0:
        return 1.0
    tail = Fraction(sum(math.comb(n, i) for i in range(k + 1)), 2**n)
    return float(min(Fraction(1), 2 * tail))


def test_mcnemar_ten_against_two_is_about_0_0386() -> None:
    assert mcnemar_p(10, 2) == pytest.approx(0.038574, abs=1e-6)


def test_mcnemar_is_symmetric_in_direction() -> None:
    assert mcnemar_p(2, 10) == mcnemar_p(10, 2)


@pytest.mark.parametrize("b, c", [(0, 0), (1, 1), (7, 7), (300, 300)])
def test_mcnemar_is_one_when_nothing_or_balanced_flips(b: int, c: int) -> None:
    assert mcnemar_p(b, c) == 1.0


def test_mcnemar_five_to_zero_is_0_0625() -> None:
    assert mcnemar_p(5, 0) == pytest.approx(0.0625)


def test_mcnemar_large_counts_use_a_stable_sum_that_matches_exact_fractions() -> None:
    # 2500 discordant pairs is beyond the integer-sum limit: the log-space path answers.
    assert mcnemar_p(1300, 1200) == pytest.approx(_reference_p(1300, 1200), rel=1e-9)
    assert mcnemar_p(100_000, 0) == 0.0 or mcnemar_p(100_000, 0) < 1e-300


def test_mcnemar_rejects_negative_counts() -> None:
    with pytest.raises(ValueError):
        mcnemar_p(-1, 2)


@given(st.integers(0, 60), st.integers(0, 60))
def test_mcnemar_matches_exact_rational_arithmetic(b: int, c: int) -> None:
    p = mcnemar_p(b, c)
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(_reference_p(b, c), rel=1e-12)


def test_min_p_and_reachability_at_alpha_0_05() -> None:
    assert min_p(5) == pytest.approx(0.0625)
    assert not can_reach(5, 0.05)
    assert can_reach(6, 0.05)  # 6-to-0 gives p = 0.03125


@pytest.mark.parametrize(
    "p, text",
    [
        (0.031, "p = 0.031"),
        (0.0386, "p = 0.039"),
        (0.02, "p = 0.02"),
        (1.0, "p = 1"),
        (0.5, "p = 0.5"),
        (0.0004, "p < 0.001"),
        (3.1e-2, "p = 0.031"),
    ],
)
def test_p_values_print_as_plain_decimals(p: float, text: str) -> None:
    assert format_p(p) == text
    assert "e" not in format_p(p)


def test_p_value_that_would_round_to_alpha_gets_one_more_decimal() -> None:
    assert format_p(0.0496, alpha=0.05) == "p = 0.0496"
    assert format_p(0.0504, alpha=0.05) == "p = 0.0504"


def test_sentence_names_counts_and_significance() -> None:
    assert describe("accuracy", 10, 2) == (
        "10 cases newly fail accuracy, 2 newly pass; significant (p = 0.039)"
    )


def test_sentence_says_not_significant_with_its_p_value() -> None:
    assert describe("accuracy", 6, 4) == (
        "6 cases newly fail accuracy, 4 newly pass; not significant (p = 0.754)"
    )


def test_sentence_says_not_enough_cases_when_no_split_could_be_significant() -> None:
    assert describe("hallucination", 1, 1) == (
        "1 case newly fails hallucination, 1 newly passes; not enough cases to tell"
    )
    assert describe("accuracy", 5, 0).endswith("not enough cases to tell")


def test_sentence_when_nothing_flipped() -> None:
    assert describe("consistency", 0, 0) == "no case changed on consistency"
