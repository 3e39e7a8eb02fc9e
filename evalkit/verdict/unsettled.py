"""What a PoC's next phase needs that this run did not measure or did not settle.

Derived only from facts the summary document already holds (bars, counts, intervals, the
error budget, review blocks, the run's error kinds, a partial merge's reason), so `run`,
`merge`, `review import` and the reports all get the same list from the same summary.
Each item is a key and its (already formatted) values; `evalkit._i18n.unsettled_text`
words it in a language. `summary.json` stores the English words (`pocs.<poc>.unsettled`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evalkit._i18n import unsettled_text
from evalkit.common.text import percent

__all__ = ["Unsettled", "unsettled", "unsettled_texts"]


@dataclass(frozen=True, slots=True)
class Unsettled:
    """One open point: `key` names the template in `evalkit._i18n`; `values` fill it."""

    key: str
    values: Mapping[str, str] = field(default_factory=dict)


def _straddles(block: Mapping[str, Any]) -> tuple[str, float] | None:
    """(which bar, its value) when the interval of a missed metric straddles a bar."""
    ci, tolerable, stop = block.get("ci"), block.get("tolerable"), block.get("stop")
    if block.get("status") != "miss" or not ci or tolerable is None or stop is None:
        return None
    lo, hi = float(ci[0]), float(ci[1])
    if lo <= tolerable < hi:
        return "tolerable", float(tolerable)
    if lo <= stop < hi:
        return "stop", float(stop)
    return None


def _metric_items(label: str, block: Mapping[str, Any]) -> list[Unsettled]:
    if block.get("tolerable") is not None and not block.get("total"):
        if block.get("layer") == "review":  # unusable, major_correction, high_risk
            return [Unsettled("unreviewed", {"label": label})]
        return [Unsettled("unscored", {"label": label})]
    side = _straddles(block)
    if side is None:
        return []
    values = {
        "label": label,
        "lo": percent(float(block["ci"][0])),
        "hi": percent(float(block["ci"][1])),
        "bar": side[0],
        "at": percent(float(side[1])),
    }
    if block.get("needed") is not None:
        return [Unsettled("straddles_needed", {**values, "needed": f"{int(block['needed']):,}"})]
    return [Unsettled("straddles", values)]


# A required name → its unsettled key (any other name is a metric: "required_metric").
_REQUIRED = {
    "review": "required_review",
    "budget": "required_budget",
    "latency": "required_latency",
    "cost": "required_cost",
}


def _money(x: Any, currency: str) -> str:
    from evalkit._i18n import money

    return money(float(x), currency)


def _projection_items(block: Any) -> list[Unsettled]:
    """What the monthly cost projection leaves open (`pocs.<poc>.cost_projection`)."""
    if not isinstance(block, Mapping):
        return [Unsettled("no_volume")]
    currency = str(block.get("currency") or "")
    if block.get("monthly") is None:
        return [Unsettled("projection_unmeasured")]
    if not block.get("ci"):
        return [Unsettled("projection_single")]
    budget = block.get("budget_per_month")
    if budget is None:
        return [Unsettled("no_budget", {"monthly": _money(block["monthly"], currency)})]
    if block.get("status") != "miss" or block.get("over_budget"):
        return []
    values = {
        "lo": _money(block["ci"][0], currency),
        "hi": _money(block["ci"][1], currency),
        "budget": _money(budget, currency),
    }
    if block.get("needed") is not None:
        return [
            Unsettled(
                "projection_straddles_needed", {**values, "needed": f"{int(block['needed']):,}"}
            )
        ]
    return [Unsettled("projection_straddles", values)]


def unsettled(poc: Mapping[str, Any], summary: Mapping[str, Any]) -> list[Unsettled]:
    """The open points of one PoC block of `summary` (a summary document)."""
    out: list[Unsettled] = []
    reasons = [str(r) for r in poc.get("reasons") or []]
    if any(r.startswith("PARTIAL:") for r in reasons):
        out.append(Unsettled("partial_merge"))
    else:
        shard = ((summary.get("provenance") or {}).get("options") or {}).get("shard")
        if isinstance(shard, str) and shard and "merged_from" not in summary.get("provenance", {}):
            out.append(Unsettled("shard", {"shard": shard}))
    errors = poc.get("errors") or {}
    if errors.get("count") and errors.get("within") is False:
        out.append(
            Unsettled(
                "error_budget",
                {
                    "errors": str(errors["count"]),
                    "cases": str(poc.get("cases", "?")),
                    "rate": percent(float(errors.get("rate") or 0)),
                    "budget": percent(float(errors.get("budget") or 0)),
                },
            )
        )
    stale = ((summary.get("run") or {}).get("errors") or {}).get("stale-recording")
    if stale and errors.get("count"):
        out.append(Unsettled("stale", {"count": str(stale)}))
    metrics = poc.get("metrics") or {}
    missing = list((poc.get("evidence") or {}).get("missing") or [])
    phase = str(poc.get("phase") or "poc")  # the key: the wording names it per language
    for name in missing:  # what the phase requires comes first, in its own words
        key = _REQUIRED.get(name, "required_metric")
        out.append(Unsettled(key, {"phase": phase, "metric": name}))
    latency = metrics.get("latency") or {}
    if latency.get("tolerable") is None:
        if "latency" not in missing:
            out.append(Unsettled("no_latency_bar"))
    elif not latency.get("total"):
        out.append(Unsettled("latency_unmeasured"))
    cost = metrics.get("cost") or {}
    if cost.get("tolerable") is None:
        if "cost" not in missing:
            out.append(Unsettled("no_cost_bar"))
    elif not cost.get("total"):
        out.append(Unsettled("cost_unmeasured"))
    out.extend(_projection_items(poc.get("cost_projection")))
    reviewed = "review" in poc or any(
        isinstance(b, Mapping) and "review" in b for b in metrics.values()
    )
    if not reviewed and "review" not in missing:
        out.append(Unsettled("no_reviews"))
    for metric in sorted(metrics):
        block = metrics[metric] or {}
        if metric in ("latency", "cost") and not block.get("total"):
            continue  # said above, in the words that fit
        out.extend(_metric_items(metric, block))
        for tag, tag_block in sorted((block.get("by_tag") or {}).items()):
            out.extend(_metric_items(f"{metric}[{tag}]", tag_block or {}))
    return out


def unsettled_texts(
    poc: Mapping[str, Any], summary: Mapping[str, Any], lang: str = "en"
) -> list[str]:
    """The open points of one PoC block of a summary document, in words."""
    return [unsettled_text(u.key, u.values, lang) for u in unsettled(poc, summary)]
