"""Failure rates corrected for a fallible scorer, from a two-phase (double) sample.

The setting (Tenenbein 1970, "A double sampling scheme for estimating from binomial data
with misclassifications"; Cochran 1977, *Sampling Techniques* §12.2, double sampling for
stratification): the automatic outcome (flagged / not flagged) is known for every case, the
true one (a reviewer's label) only for a subsample drawn at random *within* each stratum of
automatic outcome. Then the true failure rate is

    p = Σ_h W_h · p_h,    W_h = N_h / N,    p̂_h = f_h / n_h

with N_h the cases of stratum h, n_h of them reviewed and f_h of those failed by the
reviewers. A reviewed case therefore counts with its human label: the estimate equals
(Σ_h f_h + (N_h − n_h)·p̂_h) / N. Strata may be finer than flagged / not flagged (e.g. split
by `critical`, which the sampler reviews in full), as long as every non-empty stratum has at
least one review; the estimator is unchanged.

The interval. The target is the rate of the population the cases stand for (the rate the
raw Wilson interval is about too), so two uncertainties add up: which cases were drawn
(phase 1, the weights W_h) and which of them were reviewed (phase 2, the shares p_h). Under
the model "each case falls in stratum h with probability W_h and fails with probability
p_h there", with Jeffreys priors, the posterior factorises exactly:

    (W_h) ~ Dirichlet(N_h + ½),    p_h ~ Beta(f_h + ½, n_h − f_h + ½)

and the interval is the equal-tailed posterior interval of Σ_h W_h p_h, computed from
`draws` simulated values with a fixed seed (deterministic). Per stratum this is the Jeffreys
interval of Brown, Cai & DasGupta (2001), which has near-nominal frequentist coverage for
small proportions; it needs no normal approximation, so a stratum with no reviewed failure
still carries its uncertainty (a plug-in variance would call it zero). Its spread matches
Cochran's double-sampling variance Σ W_h² p_h(1−p_h)/n_h + Σ W_h (p_h − p)²/N (a test
checks it), and with every case reviewed it is the Jeffreys interval of the plain rate.
`tests/benchmarks/review_coverage.py` measures the coverage by simulation.

Stdlib only, pure functions.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from evalkit.verdict.stats import smallest

__all__ = [
    "Stratum",
    "Corrected",
    "Agreement",
    "corrected_rate",
    "scorer_precision",
    "scorer_recall",
    "agreement",
    "reviewer_agreement",
    "reviews_to_settle",
    "straddles",
]

DRAWS = 20_000  # posterior draws: Monte Carlo error of a 95% bound ≈ 0.1 percentage point


@dataclass(frozen=True, slots=True)
class Stratum:
    """One stratum of cases: `cases` (N_h ≥ 0) share the automatic outcome `flagged`;
    `reviewed` (0 ≤ n_h ≤ N_h) of them have a human label, `failed` (≤ n_h) of those fail."""

    flagged: bool
    cases: int
    reviewed: int
    failed: int

    def __post_init__(self) -> None:
        if not 0 <= self.failed <= self.reviewed <= self.cases:
            raise ValueError(
                f"need 0 ≤ failed ≤ reviewed ≤ cases, got {self.failed}, {self.reviewed}, "
                f"{self.cases}"
            )


@dataclass(frozen=True, slots=True)
class Corrected:
    """The corrected failure rate in [0, 1] and its `confidence` interval [lo, hi]."""

    rate: float
    ci: tuple[float, float]
    confidence: float
    cases: int
    reviewed: int


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement between two raters over `pairs` judgements: the share that agree, and
    Cohen's kappa (None when chance agreement is 1, i.e. both raters used one label only,
    where kappa is undefined)."""

    pairs: int
    agreement: float
    kappa: float | None


def _usable(strata: Sequence[Stratum]) -> list[Stratum]:
    used = [s for s in strata if s.cases > 0]
    if not used:
        raise ValueError("no cases: nothing to correct")
    for s in used:
        if s.reviewed == 0:
            kind = "flagged" if s.flagged else "unflagged"
            raise ValueError(
                f"a stratum of {s.cases} {kind} cases has no review, so its failure rate is "
                f"unknown: review some of its cases"
            )
    return used


def corrected_rate(
    strata: Sequence[Stratum], confidence: float = 0.95, draws: int = DRAWS, seed: int = 0
) -> Corrected:
    """The two-phase estimate Σ W_h p̂_h and its posterior interval (module docstring).
    Raises ValueError when a non-empty stratum has no review."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    used = _usable(strata)
    total = sum(s.cases for s in used)
    rate = sum(s.cases / total * (s.failed / s.reviewed) for s in used)
    rng = random.Random(seed)
    values = []
    for _ in range(draws):
        weights = [rng.gammavariate(s.cases + 0.5, 1.0) for s in used]
        shares = [rng.betavariate(s.failed + 0.5, s.reviewed - s.failed + 0.5) for s in used]
        values.append(sum(w * p for w, p in zip(weights, shares, strict=True)) / sum(weights))
    values.sort()
    tail = (1.0 - confidence) / 2.0
    lo = values[max(0, math.floor(tail * draws))]
    hi = values[min(draws - 1, math.ceil((1.0 - tail) * draws) - 1)]
    # The point estimate is the plug-in one; keep it inside its own interval.
    lo, hi = min(lo, rate), max(hi, rate)
    return Corrected(
        rate, (max(0.0, lo), min(1.0, hi)), confidence, total, sum(s.reviewed for s in used)
    )


def scorer_precision(strata: Sequence[Stratum]) -> float | None:
    """Estimated share of the scorer's flags that reviewers call failures (None: no flagged
    case reviewed)."""
    flagged = [s for s in strata if s.flagged and s.reviewed > 0]
    weight = sum(s.cases for s in flagged)
    if not weight:
        return None
    return sum(s.cases * s.failed / s.reviewed for s in flagged) / weight


def scorer_recall(strata: Sequence[Stratum]) -> float | None:
    """Estimated share of true failures that the scorer flags, weighted by stratum size
    (the reviewed sample over-represents flagged cases, so its plain share would flatter
    the scorer). None: no reviewed failure, or a non-empty stratum without reviews."""
    try:
        used = _usable(strata)
    except ValueError:
        return None
    fails = [(s.flagged, s.cases * s.failed / s.reviewed) for s in used]
    total = sum(f for _, f in fails)
    if total <= 0:
        return None
    return sum(f for flagged, f in fails if flagged) / total


def agreement(pairs: Iterable[tuple[bool, bool]]) -> Agreement | None:
    """Percent agreement and Cohen's kappa of two raters over (a, b) pairs of `failed`
    judgements (None when there are none)."""
    n = both = neither = a_fail = b_fail = 0
    for a, b in pairs:
        n += 1
        both += a and b
        neither += (not a) and (not b)
        a_fail += a
        b_fail += b
    if n == 0:
        return None
    observed = (both + neither) / n
    chance = (a_fail / n) * (b_fail / n) + (1 - a_fail / n) * (1 - b_fail / n)
    kappa = None if chance >= 1.0 else (observed - chance) / (1.0 - chance)
    return Agreement(n, observed, kappa)


def reviewer_agreement(labels: Iterable[Sequence[bool]]) -> Agreement | None:
    """Agreement among reviewers over cases that several reviewed: the share of agreeing
    pairs of reviewers within a case, and Fleiss' kappa for a varying number of raters
    (chance agreement from the pooled share of `failed` labels). None when no case has two
    labels. `pairs` counts reviewer pairs."""
    pairs = agree = fail_labels = all_labels = 0
    for case in labels:
        k = len(case)
        if k < 2:
            continue
        fails = sum(case)
        pairs += k * (k - 1) // 2
        agree += fails * (fails - 1) // 2 + (k - fails) * (k - fails - 1) // 2
        fail_labels += fails
        all_labels += k
    if pairs == 0:
        return None
    observed = agree / pairs
    share = fail_labels / all_labels
    chance = share * share + (1 - share) * (1 - share)
    kappa = None if chance >= 1.0 else (observed - chance) / (1.0 - chance)
    return Agreement(pairs, observed, kappa)


def straddles(ci: tuple[float, float], tolerable: float, stop: float) -> bool:
    """Whether the interval leaves a bar undecided: it holds `tolerable` (pass or not) or
    `stop` (stop-level or not) with room on both sides, by the verdict rule's comparisons
    (pass: hi ≤ tolerable; stop-level: lo > stop)."""
    lo, hi = ci
    return lo <= tolerable < hi or lo <= stop < hi


def reviews_to_settle(
    strata: Sequence[Stratum],
    tolerable: float,
    stop: float,
    confidence: float = 0.95,
    draws: int = DRAWS,
) -> int | None:
    """How many more reviews (spread over the strata in proportion to their unreviewed
    cases, at the observed shares) would leave the corrected interval straddling neither
    bar (`tolerable`, `stop`), so that the side of each is decided; None when reviewing
    every case would not (then more cases, not more reviews, are needed). 0 when it is
    settled already. Uses the draws and seed of `corrected_rate`, so that "settled" here is
    the same interval the verdict reads."""
    used = _usable(strata)

    def settled(extra: int) -> bool:
        room = sum(s.cases - s.reviewed for s in used)
        grown = []
        for s in used:
            add = extra * (s.cases - s.reviewed) / room if room else 0.0
            n = s.reviewed + add
            # Fractional counts are fine for the posterior; round to keep Stratum integral.
            scale = n / s.reviewed
            reviewed = min(s.cases, round(n))
            grown.append(
                Stratum(s.flagged, s.cases, reviewed, min(reviewed, round(s.failed * scale)))
            )
        lo, hi = corrected_rate(grown, confidence, draws).ci
        return not straddles((lo, hi), tolerable, stop)

    if settled(0):
        return 0
    most = sum(s.cases - s.reviewed for s in used)
    return smallest(settled, most) if most else None
