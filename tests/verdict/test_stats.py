"""Wilson intervals against values computed independently (scipy's binomtest, method
'wilson'), and the cases-needed projection."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.verdict.stats import cases_needed, wilson


@pytest.mark.parametrize(
    ("failures", "total", "confidence", "lo", "hi"),
    [
        (0, 10, 0.95, 0.0, 0.277533),
        (5, 10, 0.95, 0.236593, 0.763407),
        (1, 20, 0.95, 0.008881, 0.236131),
        (3, 18, 0.95, 0.058366, 0.392220),
        (10, 30, 0.95, 0.192305, 0.512199),
        (20, 20, 0.95, 0.838875, 1.0),
        (2, 50, 0.90, 0.013326, 0.113900),
    ],
)
def test_wilson_matches_known_values(failures, total, confidence, lo, hi):
    got = wilson(failures, total, confidence)
    assert got == pytest.approx((lo, hi), abs=1e-6)


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_point_estimate_and_stays_in_unit_range(pair):
    failures, total = pair
    lo, hi = wilson(failures, total)
    assert 0.0 <= lo <= failures / total <= hi <= 1.0


def test_wilson_narrows_with_more_cases_at_the_same_rate():
    assert wilson(10, 100)[1] - wilson(10, 100)[0] < wilson(1, 10)[1] - wilson(1, 10)[0]


def test_cases_needed_confirms_the_bar_at_the_observed_rate():
    n = cases_needed(0.05, 0.10)
    assert n is not None
    assert wilson(0.05 * n, n)[1] <= 0.10
    assert wilson(0.05 * (n - 1), n - 1)[1] > 0.10


def test_cases_needed_is_none_when_no_finite_run_can_confirm():
    assert cases_needed(0.10, 0.10) is None
    assert cases_needed(0.2, 0.1) is None
    assert cases_needed(0.0, 0.0) is None


def test_zero_failures_need_about_35_cases_for_a_ten_percent_bar():
    assert cases_needed(0.0, 0.10) == 35
