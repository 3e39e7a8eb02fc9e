"""The long-answer risk model: how likely an answer is to hallucinate, from five general
features of its support (`_evidence.Support`), combined by a logistic regression.

Why learned: a long answer's unstated content comes in kinds that do not weigh the same —
an unstated number or name is stronger evidence than a few unstated ordinary words, and
the same share of unstated weight means less in a long answer than in a short one. One
hand-set bar on the support share (`min_support`) could not serve both RAGTruth's English
answers and JHARS's Japanese ones (0.640 F1 / 11.4% false alarms); the combination below,
fitted on one half and tested on the other, gave 0.665 / 6.8% (see the README).

Features (all language-independent; the units come from `_language`):
1. unsupported numbers, capped at 3;
2. unsupported names, capped at 3;
3. log(1 + the specificity weight of unsupported words);
4. the unsupported share of the answer's weight (`Support.share`);
5. log(1 + the answer's total weight).

Fitted by `python tests/benchmarks/fit_support.py` (L2-regularised logistic regression,
C = 1, by iteratively reweighted least squares) on the long answers (more than two
sentences or 40 words) of RAGTruth dev and JHARS in `../shared/data`, both halves; the
threshold is the one that maximises RAGTruth's response-level F1 while JHARS's false
alarms stay at or under 10% (short answers scored by the claim checks, as the scorer
does). Refit with the same command when the features change; paste its output here.
"""

from __future__ import annotations

import math

from evalkit.scorers._evidence import Support
from evalkit.scorers._language import NAME, NUMBER, WORD

__all__ = ["MAX_RISK", "features", "risk"]

# -- fitted by tests/benchmarks/fit_support.py ------------------------------------------------
WEIGHTS = (1.0011, 1.1167, 0.9494, 1.6313, -0.0077)
INTERCEPT = -3.5151
MAX_RISK = 0.33
# ---------------------------------------------------------------------------------------------


def features(support: Support) -> tuple[float, float, float, float, float]:
    """The model's inputs for one answer (see the module docstring)."""
    numbers = sum(1 for u in support.missing if u.kind == NUMBER)
    names = sum(1 for u in support.missing if u.kind == NAME)
    words = sum(u.weight for u in support.missing if u.kind == WORD)
    return (
        float(min(numbers, 3)),
        float(min(names, 3)),
        math.log1p(words),
        support.share,
        math.log1p(support.total),
    )


def risk(support: Support) -> float:
    """The estimated probability that the answer hallucinates."""
    z = INTERCEPT + sum(w * x for w, x in zip(WEIGHTS, features(support), strict=True))
    return 1.0 / (1.0 + math.exp(-z))
