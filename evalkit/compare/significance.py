"""Paired significance for pass/fail changes between two runs: the exact McNemar test.

Why McNemar: both runs score the *same* cases, so the evidence of a change is in the cases
that flipped (discordant pairs): `b` cases newly fail, `c` newly pass. Under "no change" each
flip is equally likely to go either way, so `min(b, c)` follows Bin(b + c, 1/2). The exact
two-sided p-value is `min(1, 2 * P(X <= min(b, c)))`. Cases that passed (or failed) in both
runs carry no information about the change and do not enter the test.

p-values are shown as plain decimals (`p = 0.031`, `p < 0.001`), never in e-notation:
DESIGN.md pins this, and people misread `3.1e-02`.
"""

from __future__ import annotations

import math

from evalkit._i18n import say

__all__ = [
    "mcnemar_p",
    "min_p",
    "can_reach",
    "format_p",
    "describe",
]

# Up to this many discordant pairs the tail is summed with exact integers; beyond it the
# big-integer sums get slow, and a log-space sum is exact to float precision anyway.
_EXACT_LIMIT = 2000


def mcnemar_p(newly_failing: int, newly_passing: int) -> float:
    """Exact two-sided McNemar p-value for `b` newly failing and `c` newly passing cases.

    Returns 1.0 when nothing flipped (`b + c == 0`) and when `b == c`.
    """
    b, c = newly_failing, newly_passing
    if b < 0 or c < 0:
        raise ValueError(f"flip counts must be >= 0, got {b} and {c}")
    n = b + c
    k = min(b, c)
    if n == 0 or 2 * k >= n:
        return 1.0
    if n <= _EXACT_LIMIT:
        tail = sum(math.comb(n, i) for i in range(k + 1))
        return min(1.0, 2 * tail / 2**n)
    return min(1.0, 2.0 * math.exp(_log_tail(n, k)))


def _log_tail(n: int, k: int) -> float:
    """log P(X <= k) for X ~ Bin(n, 1/2), by a log-sum-exp over the tail's terms."""
    log_half_n = -n * math.log(2.0)
    logs = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + log_half_n
        for i in range(k + 1)
    ]
    top = max(logs)
    return top + math.log(sum(math.exp(x - top) for x in logs))


def min_p(discordant: int) -> float:
    """The smallest p-value `discordant` flips can give (all flips in one direction)."""
    return mcnemar_p(discordant, 0)


def can_reach(discordant: int, alpha: float) -> bool:
    """Whether any split of `discordant` flips could be significant at `alpha` (p < alpha).

    With 5 flips even 5-to-0 gives p = 0.0625, so at alpha 0.05 there are "not enough cases
    to tell", whichever way they went.
    """
    return min_p(discordant) < alpha


def format_p(p: float, alpha: float | None = None) -> str:
    """`p = 0.031` style text; `p < 0.001` for very small values; `p = 1` for 1.

    Three decimals, trailing zeros dropped. When rounding would make `p` read as exactly
    `alpha` while it is on either side of it, one more decimal is shown, so a reader never
    sees "significant (p = 0.05)" at alpha 0.05.
    """
    if p < 0.001:
        return "p < 0.001"
    digits = 3
    if alpha is not None and p != alpha and round(p, 3) == round(alpha, 3):
        digits = 4
    text = f"{p:.{digits}f}".rstrip("0").rstrip(".")
    return f"p = {text}"


def describe(
    metric: str, newly_failing: int, newly_passing: int, alpha: float = 0.05, lang: str = "en"
) -> str:
    """One plain-language line about a paired change on one metric, in `lang`.

    E.g. "12 cases newly fail accuracy, 3 newly pass; significant (p = 0.035)", or
    "... ; not enough cases to tell" when no split of that many flips could reach `alpha`.
    """
    b, c = newly_failing, newly_passing
    if b + c == 0:
        return say("diff_no_case_changed", lang, metric=metric)
    head = say("diff_describe_head", lang, failing=b, passing=c, metric=metric)
    if not can_reach(b + c, alpha):
        return say("diff_too_few", lang, head=head)
    p = mcnemar_p(b, c)
    key = "diff_significant" if p < alpha else "diff_not_significant"
    return say(key, lang, head=head, p=format_p(p, alpha))
