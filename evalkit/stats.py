"""Interval statistics for failure rates. Stdlib only, pure functions.

Why Wilson: failure rates in a PoC are small proportions over tens to hundreds of cases,
where the normal ("Wald") interval collapses to zero width at 0 failures and overshoots
[0, 1]; Wilson's score interval stays inside [0, 1] and has near-nominal coverage there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from statistics import NormalDist

__all__ = ["z_value", "wilson", "cases_needed"]


@lru_cache(maxsize=64)
def z_value(confidence: float) -> float:
    """Two-sided standard-normal quantile: 0.95 → 1.959964."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)


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
