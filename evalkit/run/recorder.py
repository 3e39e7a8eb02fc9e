"""What happens to each finished case, in this process, whichever executor answered it:
its row goes to the journal (with its cost, from the suite's `pricing`), its scores to the
aggregate, a stale recording to the list the CLI reports, and a tick to the progress bar."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from evalkit.results.writer import Journal, case_row
from evalkit.run.options import Progress
from evalkit.run.resume import Costs
from evalkit.values import Case, CaseResult, Pricing
from evalkit.verdict.aggregate import Aggregator

__all__ = ["CaseRecorder"]

_STALE_LISTED = 20


@dataclass(slots=True)
class CaseRecorder:
    """Called with each finished case (`on_done` of the engine and the Ray executor).
    `finished` counts the cases of the run, resumed ones included."""

    journal: Journal
    agg: Aggregator
    costs: Costs
    pricing: Mapping[str, Pricing]
    progress: Progress | None = None
    finished: int = 0
    stale: list[str] = field(default_factory=list)
    stale_count: int = 0

    def __call__(self, result: CaseResult, case: Case) -> None:
        row = case_row(result, case)
        price = self.pricing.get(result.suite)
        if price is not None and (
            result.input_tokens is not None or result.output_tokens is not None
        ):
            cost = price.cost(result.input_tokens, result.output_tokens)
            row["cost"] = {"amount": round(cost, 8), "currency": price.currency}
            acc = self.costs.setdefault(price.currency, [0.0, 0])
            acc[0] += cost
            acc[1] += 1
        self.journal.write(row, urgent="live" in result.sources)
        self.agg.add_result(result)
        priced = row.get("cost")
        if priced is not None and result.error is None:  # as `Aggregator.add_row` counts it,
            # from the rounded amount the row keeps, so that `merge` projects the same
            self.agg.add_cost(result.poc, priced["currency"], priced["amount"], len(result.outputs))
        self.finished += 1
        if result.error_kind == "stale-recording":
            self.stale_count += 1
            if len(self.stale) < _STALE_LISTED:
                self.stale.append(f"{result.suite}/{result.case_id}")
        if self.progress is not None:
            self.progress(result)
