"""The projected monthly cost of a PoC, with an interval, against its monthly budget.

What is measured: each case that got an output and whose client reported token usage has a
cost (the suite's `pricing` × its tokens, all its calls together). A case makes one call
per sample and variant, while production answers a question once, so the unit projected
is the case's **cost per answer**: its cost divided by its calls (with `samples: 1` and
no variants, the case's cost). Cases without a known cost are left out and counted —
replayed outputs carry no token usage, cases that ended in a client error are not scored,
a suite without `pricing` prices nothing — never given an invented cost. A judge's tokens
(`run.judge_tokens`) are not included: pricing is the model's, and a judge does not run in
production.

The interval (suite `confidence`, 95% by default) is a Student-t prediction interval for
the total cost of N = `volume.per_month` answers drawn like the priced cases: with n
priced cases, mean cost per answer m and sample standard deviation s,

    monthly = N·m,  half-width = t(n−1) · s · N · √(1/n + 1/N),

so it covers both the uncertainty of the mean (s/√n, which dominates while n ≪ N) and a
month's own variation (√N·s). The lower end is cut at 0. It assumes the cases are
representative of the month's traffic (mix of questions, answer lengths); it knows nothing
of retries, price changes or caching discounts. One priced case gives a point estimate
without an interval (no spread can be measured from one case).

Against `budget_per_month` (same currency as `pricing`): **pass** when the whole interval
is within the budget, **miss** when it is wholly above (`over`) or straddles it (not yet
confirmed: `needed` says how many priced cases would settle it at the observed mean and
spread), **unjudged** when nothing was priced or only one case was. Every status but
pass keeps the verdict from `continue`; none is a stop. Without a budget the status is
unjudged too, and keeps nothing from `continue` (as a metric without a bar).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from evalkit.verdict.stats import smallest, t_value

__all__ = ["CostSums", "Projection", "project", "projection_document"]

ProjectionStatus = Literal["pass", "miss", "unjudged"]


@dataclass(slots=True)
class CostSums:
    """Priced cases of one currency: their number, and the sum and sum of squares of
    their cost per answer (what a t interval needs; adds up across shards and workers)."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    def add(self, per_answer: float) -> None:
        self.n += 1
        self.total += per_answer
        self.squares += per_answer * per_answer


@dataclass(frozen=True, slots=True)
class Projection:
    """A PoC's monthly cost projection. `monthly` and `ci` are None when no case was
    priced, `ci` None too with one priced case. `budget` None: nothing to compare with
    (`status` is then None). `over`: the whole interval is above the budget. `needed`:
    priced cases that would settle an interval straddling the budget (None: not
    straddling, or no number would)."""

    currency: str
    per_month: float
    priced: int
    unpriced: int
    per_answer: float | None
    monthly: float | None
    ci: tuple[float, float] | None
    confidence: float
    budget: float | None
    status: ProjectionStatus
    over: bool = False
    needed: int | None = None


def _half_width(confidence: float, n: int, sd: float, per_month: float) -> float:
    return t_value(confidence, n - 1) * sd * per_month * math.sqrt(1 / n + 1 / per_month)


def project(
    sums: CostSums,
    unpriced: int,
    per_month: float,
    currency: str,
    budget: float | None = None,
    confidence: float = 0.95,
) -> Projection:
    """The projection of `sums` (priced cases) to `per_month` answers (module docstring);
    `unpriced`: cases with an output but no known cost, reported beside it."""
    n = sums.n
    if n == 0:
        return Projection(
            currency, per_month, 0, unpriced, None, None, None, confidence, budget, "unjudged"
        )
    mean = sums.total / n
    monthly = per_month * mean
    if n == 1:
        return Projection(
            currency, per_month, 1, unpriced, mean, monthly, None, confidence, budget, "unjudged"
        )
    # max(0, …): float rounding can leave a hair below zero when every cost is the same.
    sd = math.sqrt(max(0.0, (sums.squares - n * mean * mean) / (n - 1)))
    half = _half_width(confidence, n, sd, per_month)
    lo, hi = max(0.0, monthly - half), monthly + half
    if budget is None:
        return Projection(
            currency, per_month, n, unpriced, mean, monthly, (lo, hi), confidence, None, "unjudged"
        )
    if hi <= budget:
        return Projection(
            currency, per_month, n, unpriced, mean, monthly, (lo, hi), confidence, budget, "pass"
        )
    over = lo > budget
    needed = None
    gap = abs(budget - monthly)
    if not over and gap > 0:
        below = monthly < budget  # settled within: hi ≤ budget; settled over: lo > budget

        def settles(m: int) -> bool:
            half_m = _half_width(confidence, m, sd, per_month) if m >= 2 else math.inf
            return half_m <= gap if below else half_m < gap

        needed = smallest(settles, 10_000_000)
    return Projection(
        currency,
        per_month,
        n,
        unpriced,
        mean,
        monthly,
        (lo, hi),
        confidence,
        budget,
        "miss",
        over,
        needed,
    )


def projection_document(p: Projection) -> dict[str, Any]:
    """`pocs.<poc>.cost_projection` of summary.json (README "Monthly cost projection")."""
    out: dict[str, Any] = {
        "currency": p.currency,
        "per_month": p.per_month,
        "priced_cases": p.priced,
        "unpriced_cases": p.unpriced,
        "per_answer": p.per_answer,
        "monthly": p.monthly,
        "ci": list(p.ci) if p.ci is not None else None,
        "confidence": p.confidence,
        "budget_per_month": p.budget,
        "status": p.status,
        "over_budget": p.over,
        "method": "Student-t prediction interval for the total of per_month answers",
    }
    if p.needed is not None:
        out["needed"] = p.needed
    return out
