"""The `run` block of `summary.json`: the one place for a run's volatile values (times,
host, requests, latency and token statistics, memory, the judges' usage, the estimated
cost), so that two runs of the same thing differ only there."""

from __future__ import annotations

import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from evalkit.results.writer import peak_rss_mb
from evalkit.run.engine import EngineStats
from evalkit.run.options import RunOptions
from evalkit.run.resume import Costs
from evalkit.values import Scorer

__all__ = ["Clock", "run_block", "judge_usage"]


@dataclass(frozen=True, slots=True)
class Clock:
    """When the run started: wall clock for the record, monotonic for its duration."""

    started: datetime
    t0: float

    @classmethod
    def start(cls) -> Clock:
        return cls(datetime.now(UTC), time.perf_counter())


def run_block(
    clock: Clock,
    options: RunOptions,
    executor: tuple[str, str | None],
    stats: EngineStats,
    resumed: int,
    judges: dict[str, Any] | None,
    costs: Costs,
) -> dict[str, Any]:
    """`executor`: its name ("local", "ray") and the Ray cluster's address (None: none);
    `judges`: `judge_usage` of this run's scorers."""
    name, address = executor
    finished_at = datetime.now(UTC)
    lat = list(stats.latencies)
    return {
        "started_at": clock.started.isoformat(timespec="seconds"),
        "finished_at": finished_at.isoformat(timespec="seconds"),
        "duration_s": time.perf_counter() - clock.t0,
        "host": platform.node(),
        "python": platform.python_version(),
        "concurrency": options.concurrency,  # None: each suite's own (default 8)
        "executor": name,
        **({"ray_address": address} if address is not None else {}),
        "requests": stats.requests,
        "request_phase_s": stats.request_phase_s,
        # Wall-clock ends of that phase (epoch s): `merge` takes the phase of shards from them.
        "request_phase_at": list(stats.phase_wall()) if stats.first_sent is not None else None,
        "peak_rss_mb": peak_rss_mb(),
        "resumed_cases": resumed,
        "sources": dict(sorted(stats.sources.items())),
        "errors": dict(sorted(stats.errors.items())),
        "latency_s": {
            "p50": _percentile(lat, 0.5),
            "p95": _percentile(lat, 0.95),
            "max": max(lat) if lat else None,
        },
        "tokens": {
            "input": stats.input_tokens if stats.token_reports else None,
            "output": stats.output_tokens if stats.token_reports else None,
        },
        # A judge's calls and tokens (scorers with `judge:`), apart from the model's.
        "judge_tokens": judges,
        # Estimated from the suites' `pricing` (per million tokens) and the reported usage.
        "cost": {
            currency: {"total": total, "cases": n, "per_case": total / n}
            for currency, (total, n) in sorted(costs.items())
        },
    }


def judge_usage(scorers: Sequence[Scorer], cases: int) -> dict[str, Any] | None:
    """`run.judge_tokens`: the judges' calls, tokens and estimated cost (`judge_usage`),
    with the cost per case over the `cases` this run scored (resumed ones were judged
    before)."""
    if not any(hasattr(s, "judge") for s in scorers):
        return None  # no judge: its module is not imported
    from evalkit.scorers._judge import judge_usage as usage_of

    usage = usage_of(scorers)
    if usage is not None:
        for entry in usage["cost"].values():
            entry["cases"] = cases
            entry["per_case"] = entry["total"] / cases if cases else None
    return usage


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]
