"""Operational bars: latency and cost per case, scored as pass/fail like any metric so
that `thresholds:` judge them with the same failure rates, intervals and verdict rules.

- `latency: {max_s: 5}` — a case fails when one of its responses took longer than
  `max_s` seconds (`samples_rule`, default `all`: every response must be in time). Only
  live calls carry a latency: a replayed or cached output has none, and the case is left
  out of the metric (None) rather than given an invented time; the summary's count says
  how many cases were measured.
- `cost: {max_usd: 0.01}` — a case fails when its calls cost more than `max_usd`, from the
  suite's `pricing` and the tokens the client reported (all samples and variants of the
  case together: what the case costs). A case whose client reported no tokens is left out.
  The currency is `pricing.currency`; `max_usd` is in that currency.
- `tokens: {max: 2000}` — a case fails when its calls used more than `max` tokens (input +
  output, all samples together); left out when no tokens were reported.

The engine passes each output's latency and token counts (`ScoringInput.latencies`,
`ScoringInput.tokens`).
"""

from __future__ import annotations

from evalkit._i18n import Said
from evalkit.errors import ConfigProblem
from evalkit.scorers.base import Params, apply_samples_rule, check_samples_rule
from evalkit.values import Score, ScorerConfig, ScoringInput

__all__ = ["make_cost", "make_latency", "make_tokens"]


def _required(p: Params, key: str, example: str) -> float:
    if p.get(key) is None:
        raise ConfigProblem(key, "required", f"e.g. {example}")
    return p.number(key, 0.0, lo=0.0)


class LatencyScorer:
    metric = "latency"

    def __init__(self, max_s: float, rule: str | float) -> None:
        self.max_s, self.rule = max_s, rule

    def score(self, item: ScoringInput) -> Score | None:
        timed = [
            (i, t)
            for i, (t, source) in enumerate(zip(item.latencies, item.sources, strict=False))
            if t is not None and source == "live"
        ]
        if not timed or len(timed) < len(item.outputs):
            return None  # replayed or cached outputs carry no latency: not measured
        passes = [t <= self.max_s for _, t in timed]
        passed = apply_samples_rule(passes, self.rule)
        slowest = max(t for _, t in timed)
        over = [
            Said("ops.late", {"label": item.labels[i], "took": f"{t:.2f}"})
            for i, t in timed
            if t > self.max_s
        ]
        said = (
            Said("ops.latency_within", {"slowest": f"{slowest:.2f}", "max": f"{self.max_s:g}"})
            if not over
            else Said(
                "ops.latency_over",
                {
                    "over": str(len(over)),
                    "n": str(len(timed)),
                    "max": f"{self.max_s:g}",
                    "rule": str(self.rule),
                    "late": tuple(over[:3]),
                },
            )
        )
        return Score(
            passed,
            sum(passes) / len(passes),
            said.text(),
            {"latency_s": [round(t, 6) for _, t in timed], "max_s": self.max_s},
            said,
        )


def _tokens(item: ScoringInput) -> tuple[int, int] | None:
    """(input, output) tokens of the whole case; None when any call reported none."""
    if not item.tokens or len(item.tokens) < len(item.outputs):
        return None
    ins = outs = 0
    for i, o in item.tokens:
        if i is None and o is None:
            return None
        ins += i or 0
        outs += o or 0
    return ins, outs


class CostScorer:
    metric = "cost"

    def __init__(self, max_cost: float) -> None:
        self.max_cost = max_cost

    def score(self, item: ScoringInput) -> Score | None:
        pricing = item.suite.pricing
        used = _tokens(item)
        if pricing is None or used is None:
            return None
        cost = pricing.cost(*used)
        passed = cost <= self.max_cost
        unit = pricing.currency
        said = Said(
            "ops.cost_within" if passed else "ops.cost_over",
            {
                "cost": f"{cost:.6g}",
                "unit": unit,
                "ins": str(used[0]),
                "outs": str(used[1]),
                "max": f"{self.max_cost:g}",
            },
        )
        return Score(
            passed,
            1.0 if passed else 0.0,
            said.text(),
            {"cost": round(cost, 8), "currency": unit, "max": self.max_cost},
            said,
        )


class TokensScorer:
    metric = "tokens"

    def __init__(self, max_tokens: float) -> None:
        self.max_tokens = max_tokens

    def score(self, item: ScoringInput) -> Score | None:
        used = _tokens(item)
        if used is None:
            return None
        total = used[0] + used[1]
        passed = total <= self.max_tokens
        said = Said(
            "ops.tokens_within" if passed else "ops.tokens_over",
            {
                "total": str(total),
                "ins": str(used[0]),
                "outs": str(used[1]),
                "max": f"{self.max_tokens:g}",
            },
        )
        return Score(
            passed,
            1.0 if passed else 0.0,
            said.text(),
            {"tokens": total, "max": self.max_tokens},
            said,
        )


def _settings(config: ScorerConfig, key: str, example: str) -> tuple[float, Params]:
    """The bar (`key`, required) and the rest of the settings; no methods."""
    if config.method is not None:
        raise ConfigProblem("method", f"{config.metric} has no methods, got {config.method!r}")
    p = Params(config.params)
    return _required(p, key, example), p


def make_latency(config: ScorerConfig) -> LatencyScorer:
    max_s, p = _settings(config, "max_s", "latency: {max_s: 5}")
    rule = check_samples_rule(p.get("samples_rule", "all"))
    p.done()
    return LatencyScorer(max_s, rule)


def make_cost(config: ScorerConfig) -> CostScorer:
    max_cost, p = _settings(config, "max_usd", "cost: {max_usd: 0.01}")
    p.done()
    return CostScorer(max_cost)


def make_tokens(config: ScorerConfig) -> TokensScorer:
    max_tokens, p = _settings(config, "max", "tokens: {max: 2000}")
    p.done()
    return TokensScorer(max_tokens)
