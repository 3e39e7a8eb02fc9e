"""The corrected failure rate and the scorer-vs-reviewer statistics (evalkit.review.correct)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from evalkit.review.correct import (
    Stratum,
    agreement,
    corrected_rate,
    reviewer_agreement,
    reviews_to_settle,
    scorer_precision,
    scorer_recall,
    straddles,
)
from evalkit.verdict.stats import wilson

# Issue 15's shape: the scorer flags 62 of 200; reviewers confirm 14 of 30 flagged and find
# 1 of 30 unflagged failing.
ISSUE = [Stratum(True, 62, 30, 14), Stratum(False, 138, 30, 1)]


def test_corrected_rate_is_the_stratum_weighted_human_failure_share() -> None:
    c = corrected_rate(ISSUE)
    assert c.rate == pytest.approx(62 / 200 * 14 / 30 + 138 / 200 * 1 / 30)
    assert c.rate == pytest.approx(0.167667, abs=1e-6)
    assert (c.cases, c.reviewed) == (200, 60)
    assert c.ci[0] < c.rate < c.ci[1]


def test_corrected_rate_counts_reviewed_cases_with_their_human_label() -> None:
    # Every case reviewed: the estimate is the plain human failure share.
    c = corrected_rate([Stratum(True, 20, 20, 5), Stratum(False, 80, 80, 3)])
    assert c.rate == pytest.approx(8 / 100)


def test_interval_with_every_case_reviewed_is_close_to_wilson() -> None:
    c = corrected_rate([Stratum(True, 40, 40, 12), Stratum(False, 160, 160, 8)])
    lo, hi = wilson(20, 200)
    assert c.ci[0] == pytest.approx(lo, abs=0.01)
    assert c.ci[1] == pytest.approx(hi, abs=0.01)


def test_interval_spread_matches_cochrans_double_sampling_variance() -> None:
    # Large counts, so the normal approximation of Cochran (1977) §12.2 is accurate:
    # V = Σ W_h² p_h(1−p_h)/n_h + Σ W_h (p_h − p)² / N.
    strata = [Stratum(True, 3000, 400, 200), Stratum(False, 7000, 400, 40)]
    big_n = 10_000
    w = [s.cases / big_n for s in strata]
    p = [s.failed / s.reviewed for s in strata]
    rate = sum(wi * pi for wi, pi in zip(w, p, strict=True))
    var = (
        sum(wi * wi * pi * (1 - pi) / s.reviewed for wi, pi, s in zip(w, p, strata, strict=True))
        + sum(wi * (pi - rate) ** 2 for wi, pi in zip(w, p, strict=True)) / big_n
    )
    c = corrected_rate(strata)
    half = 1.959964 * math.sqrt(var)
    assert (c.ci[1] - c.ci[0]) / 2 == pytest.approx(half, rel=0.05)


def test_unflagged_stratum_with_no_reviewed_failure_still_widens_the_interval() -> None:
    c = corrected_rate([Stratum(True, 20, 20, 10), Stratum(False, 180, 20, 0)])
    assert c.rate == pytest.approx(0.05)
    assert c.ci[1] > 0.09  # 180 unflagged cases with 0 of 20 failing could hide many


def test_corrected_rate_refuses_a_stratum_without_reviews() -> None:
    with pytest.raises(ValueError, match="138 unflagged cases has no review"):
        corrected_rate([Stratum(True, 62, 30, 14), Stratum(False, 138, 0, 0)])


def test_corrected_rate_is_deterministic() -> None:
    assert corrected_rate(ISSUE) == corrected_rate(ISSUE)


def test_stratum_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        Stratum(True, 10, 11, 0)


def test_precision_and_recall_are_weighted_by_stratum_size() -> None:
    assert scorer_precision(ISSUE) == pytest.approx(14 / 30)
    flagged_fails = 62 * 14 / 30
    missed = 138 * 1 / 30
    assert scorer_recall(ISSUE) == pytest.approx(flagged_fails / (flagged_fails + missed))
    assert scorer_recall([Stratum(True, 5, 5, 0), Stratum(False, 5, 5, 0)]) is None
    assert scorer_precision([Stratum(False, 5, 5, 1)]) is None


def test_cohens_kappa_of_a_known_table() -> None:
    # 20 both fail, 5 only a, 10 only b, 15 neither: po 0.7, pe 0.5, kappa 0.4.
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10
    pairs += [(False, False)] * 15
    a = agreement(pairs)
    assert a is not None
    assert (a.pairs, a.agreement) == (50, pytest.approx(0.7))
    assert a.kappa == pytest.approx(0.4)
    one_label = agreement([(False, False)] * 3)
    assert one_label is not None and one_label.kappa is None and one_label.agreement == 1.0
    assert agreement([]) is None


def test_reviewer_agreement_counts_pairs_within_cases() -> None:
    # Case 1: three agree (3 agreeing pairs); case 2: split 1-1 (0 of 1); case 3: one label.
    a = reviewer_agreement([[True, True, True], [True, False], [False]])
    assert a is not None
    assert a.pairs == 4 and a.agreement == pytest.approx(3 / 4)
    share = 4 / 5
    chance = share**2 + (1 - share) ** 2
    assert a.kappa == pytest.approx((0.75 - chance) / (1 - chance))
    assert reviewer_agreement([[True], [False]]) is None


def test_reviews_to_settle_is_zero_when_settled_and_none_when_no_review_could() -> None:
    assert reviews_to_settle([Stratum(True, 10, 10, 0), Stratum(False, 990, 100, 0)], 0.1, 0.4) == 0
    # Rate ~0.10 right on a 0.10 bar: no number of reviews of these 200 cases settles it.
    assert (
        reviews_to_settle([Stratum(True, 40, 20, 10), Stratum(False, 160, 20, 0)], 0.1, 0.4) is None
    )


def test_straddles_follows_the_verdict_rule_comparisons() -> None:
    assert straddles((0.05, 0.12), 0.10, 0.40)
    assert not straddles((0.05, 0.10), 0.10, 0.40)  # hi ≤ tolerable: a pass
    assert not straddles((0.11, 0.30), 0.10, 0.40)  # between the bars: a miss either way
    assert straddles((0.35, 0.45), 0.10, 0.40)


def test_reviews_to_settle_finds_a_count_that_settles() -> None:
    strata = [Stratum(True, 100, 10, 1), Stratum(False, 900, 10, 0)]
    more = reviews_to_settle(strata, 0.10, 0.40)
    assert more is not None and 0 < more < 990
    assert corrected_rate(strata).ci[1] > 0.10


def _benchmark() -> object:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "review_coverage.py"
    spec = importlib.util.spec_from_file_location("review_coverage", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("review_coverage", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_corrected_interval_covers_the_true_rate_and_the_raw_one_does_not() -> None:
    # 150 fixed-seed trials of issue 15's shape (true 15%, the scorer flags 29%): the
    # corrected 95% interval should cover about 95% of the time (binomial sd ≈ 1.8 points).
    c = _benchmark().simulate(150, draws=1500, seed=7)  # type: ignore[attr-defined]
    assert 0.89 <= c.corrected <= 0.995
    assert c.raw < 0.05
