"""Scorers, one per metric, resolved by metric name through one registry.

A scorer factory has the signature `def make(config: ScorerConfig) -> Scorer` and raises
`evalkit.errors.ConfigProblem` for bad settings (the loader locates it in the suite
file). Third parties register factories under the `evalkit.scorers` entry-point group;
the metric name is the entry-point name. Nothing is imported until a metric is used.

A metric name of the suite's own (not registered) with `method: rubric` is a rubric metric
(`evalkit.scorers.rubric`): a criterion a judge model grades, thresholded like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit.common.registry import Registry
from evalkit.values import Scorer, ScorerConfig

__all__ = ["REGISTRY", "build_scorer", "check_metric", "SCORING_ORDER"]


REGISTRY = Registry(
    "scorer",
    "evalkit.scorers",
    {
        "accuracy": "evalkit.scorers.accuracy:make",
        "consistency": "evalkit.scorers.consistency:make",
        "hallucination": "evalkit.scorers.hallucination:make",
        "latency": "evalkit.scorers.operational:make_latency",
        "cost": "evalkit.scorers.operational:make_cost",
        "tokens": "evalkit.scorers.operational:make_tokens",
    },
)

# Accuracy is scored before the others so that consistency can use its outcomes
# (the k-of-n method); any other metric follows in name order.
SCORING_ORDER = ("accuracy", "hallucination", "consistency")


def build_scorer(config: ScorerConfig) -> Scorer:
    """Import the metric's factory and build its scorer (validating `config`)."""
    if config.method == "rubric" and config.metric not in REGISTRY:
        from evalkit.scorers.rubric import make

        return make(config)
    factory = REGISTRY.load(config.metric)
    scorer: Scorer = factory(config)
    return scorer


def check_metric(metric: str, settings: Any) -> str | None:
    """None when `metric` names a scorer: a registered one, or a rubric (`settings`, the
    suite's raw settings for it, say `method: rubric`); else the error message."""
    if isinstance(settings, Mapping) and settings.get("method") == "rubric":
        return None
    unknown = REGISTRY.check(metric)
    if unknown is None:
        return None
    return f"{unknown}; or make it a rubric metric: {{method: rubric, judge: SPEC, criterion: ...}}"


def scoring_order(metrics: list[str]) -> list[str]:
    """Metrics in the order they must be scored (built-ins first, then by name)."""
    rank = {m: i for i, m in enumerate(SCORING_ORDER)}
    return sorted(metrics, key=lambda m: (rank.get(m, len(rank)), m))
