"""Interval statistics for failure rates (and the t quantile for a mean). Stdlib only, pure functions.

Why Wilson: failure rates in a PoC are small proportions over tens to hundreds of cases,
where the normal ("Wald") interval collapses to zero width at 0 failures and overshoots
[0, 1]; Wilson's score interval stays inside [0, 1] and has near-nominal coverage there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from statistics import NormalDist

__all__ = ["z_value", "t_value", "wilson", "cases_needed", "smallest"]


@lru_cache(maxsize=64)
def z_value(confidence: float) -> float:
    """Two-sided standard-normal quantile: 0.95 → 1.959964."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)


# Up to this many degrees of freedom `t_value` inverts the exact distribution function;
# beyond it the Cornish-Fisher series in 1/df is exact to far below the printed digits.
_T_EXACT_DF = 300


def _t_two_sided(t: float, df: int) -> float:
    """P(|T| ≤ t) for Student's t with `df` degrees of freedom, in closed form for an
    integer df (Abramowitz & Stegun 26.7.3–4): a finite sum of powers of cos θ,
    θ = atan(t / √df)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    term = total = 1.0
    if df % 2:  # odd: (2/π)(θ + sin θ cos θ (1 + 2/3 cos²θ + 2·4/(3·5) cos⁴θ + …))
        if df == 1:
            return 2.0 * theta / math.pi
        for j in range(1, (df - 1) // 2):
            term *= c2 * (2 * j) / (2 * j + 1)
            total += term
        return 2.0 / math.pi * (theta + math.sin(theta) * math.cos(theta) * total)
    for j in range(1, df // 2):  # even: sin θ (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + …)
        term *= c2 * (2 * j - 1) / (2 * j)
        total += term
    return math.sin(theta) * total


@lru_cache(maxsize=256)
def t_value(confidence: float, df: int) -> float:
    """Two-sided Student-t quantile: the t with P(|T| ≤ t) = `confidence` for `df` ≥ 1
    degrees of freedom (0.95, 9 → 2.262157). Why not the normal z: a mean over a few tens
    of cases has an estimated spread, and z would make its interval too narrow."""
    z = z_value(confidence)
    if df < 1:
        raise ValueError(f"df must be at least 1, got {df}")
    if df > _T_EXACT_DF:  # Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5)
        g1 = (z**3 + z) / 4
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
        g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
        g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
        return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    lo, hi = z, 2.0 * z
    while _t_two_sided(hi, df) < confidence:
        lo, hi = hi, 2.0 * hi
    for _ in range(200):  # bisection to the float's resolution
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if _t_two_sided(mid, df) < confidence:
            lo = mid
        else:
            hi = mid
    return hi


def wilson(failures: float, total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval [lo, hi] for `failures` out of `total` (total ≥ 1).

    `failures` may be fractional (used by `cases_needed` to project a rate). The bounds
    are exactly 0 when failures == 0 and exactly 1 when failures == total.
    """
    if total <= 0:
        raise ValueError("wilson needs total >= 1")
    if not 0 <= failures <= total:
        raise ValueError(f"failures must be in [0, {total}], got {failures}")
    z = z_value(confidence)
    p = failures / total
    z2 = z * z
    denom = 1.0 + z2 / total
    centre = (p + z2 / (2 * total)) / denom
    half = (z / denom) * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    lo = 0.0 if failures == 0 else max(0.0, centre - half)
    hi = 1.0 if failures == total else min(1.0, centre + half)
    return lo, hi


def cases_needed(
    rate: float, tolerable: float, confidence: float = 0.95, limit: int = 10_000_000
) -> int | None:
    """Smallest number of cases whose Wilson upper bound at failure rate `rate` is within
    `tolerable`; None when no number of cases can confirm it (rate ≥ tolerable, or
    tolerable 0, which no finite run confirms)."""
    if rate >= tolerable or tolerable <= 0:
        return None

    def ok(n: int) -> bool:
        return wilson(rate * n, n, confidence)[1] <= tolerable

    return smallest(ok, limit)


def smallest(ok: Callable[[int], bool], limit: int) -> int | None:
    """The smallest n in 1..`limit` for which `ok(n)` holds, for an `ok` that stays true
    once it is (binary search); None when `ok(limit)` is false."""
    if not ok(limit):
        return None
    lo, hi = 1, limit
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo
