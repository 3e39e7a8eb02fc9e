"""Evidence a phase needs before its verdict can be `continue` (issue 17).

A PoC asks "is it feasible and worth it" and needs nothing beyond its bars. An MVP decides
whether the feature holds up in real operation, and the criterion teams name first is how
often a person must correct the answers: it requires the human correction rate from
reviews. Production decides on a wider rollout: it keeps that requirement (what had to be
shown to leave the MVP still has to hold) and adds bars on latency and cost, the
operational criteria of running it for everyone.

A suite's `requires: [...]` replaces the phase's list (every suite of a PoC that sets it
names the same list; `[]` requires nothing). A name is one of:

- `review` — the human correction rate is measured: at least one case of the PoC has a
  current review that answers the review sheet's `correction` column (the review metric
  `major_correction` has a count; a bar on it is set like any other);
- `budget` — `budget_per_month` is set, so the monthly cost projection is judged;
- a metric name — the PoC has a bar (`thresholds:`) on that metric.

Evidence that is asked for but not settled — a bar with no scored case, a projection with
no priced case — is already kept from `continue` by its own rule; this module only finds
evidence that was never asked for.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

__all__ = [
    "REVIEW",
    "BUDGET",
    "CORRECTION_METRIC",
    "DEFAULT_REQUIRES",
    "required",
    "missing_evidence",
]

REVIEW = "review"
BUDGET = "budget"
# The review metric whose count says the correction rate was measured (`values.REVIEW_METRICS`).
CORRECTION_METRIC = "major_correction"

DEFAULT_REQUIRES: Mapping[str, tuple[str, ...]] = {  # phase → what it requires
    "poc": (),
    "mvp": (REVIEW,),
    "production": (REVIEW, "latency", "cost"),
}


def required(phase: str, requires: Sequence[str] | None) -> tuple[str, ...]:
    """What the PoC requires: the suites' `requires` when set, else its phase's default."""
    if requires is not None:
        return tuple(requires)
    return DEFAULT_REQUIRES.get(phase, ())


def missing_evidence(
    requires: Sequence[str],
    bars: Collection[str],
    budget: float | None,
    reviewed_cases: int,
) -> list[str]:
    """The names of `requires` that this PoC lacks, in order: `bars` are the metrics with
    a threshold, `reviewed_cases` the cases whose reviews answered the correction column."""
    out = []
    for name in requires:
        if name == REVIEW:
            ok = reviewed_cases > 0
        elif name == BUDGET:
            ok = budget is not None
        else:
            ok = name in bars
        if not ok:
            out.append(name)
    return out
