"""The review layer of `evalkit diff`: what changed in the human review between two results.

Two parts, both only where reviews exist:

- per PoC and reviewed metric (a `review` block in either summary), the corrected failure
  rate, the status the verdict read from it, and the scorer against the reviewers
  (precision, recall, Cohen's kappa), old → new (`ReviewChange`); a status that changed is
  a flip of the review layer;
- per case reviewed in both results, each reviewers' judgement that flipped (`ReviewFlip`):
  a metric's human label (the reviewers' majority, a tie failing) or a review metric's
  answer (unusable, major_correction, high_risk), read from each result's `reviews.jsonl`
  as `review import` reads it — a review of outputs that result no longer has is stale
  there and does not count.

Reading a result's reviews needs the rows of the reviewed cases only (for their outputs'
hash): `cases.jsonl` is streamed and only those rows are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ReviewChange", "ReviewFlip", "review_changes", "review_flips", "case_judgements"]


@dataclass(frozen=True, slots=True)
class ReviewChange:
    """One PoC's reviewed metric in both results: the review's figures (None where that
    result has no review of it, or did not correct it) and the metric's status in each (a
    result without reviews is judged on the scorer's rate)."""

    poc: str
    metric: str
    old_cases: int | None
    new_cases: int | None
    old_rate: float | None
    new_rate: float | None
    old_ci: Any
    new_ci: Any
    old_status: str | None
    new_status: str | None
    old_precision: float | None
    new_precision: float | None
    old_recall: float | None
    new_recall: float | None
    old_kappa: float | None
    new_kappa: float | None

    @property
    def flipped(self) -> bool:
        """The status the verdict read changed (e.g. miss → pass)."""
        return self.old_status != self.new_status

    @property
    def changed(self) -> bool:
        return self.flipped or any(
            a != b
            for a, b in (
                (self.old_cases, self.new_cases),
                (self.old_rate, self.new_rate),
                (self.old_precision, self.new_precision),
                (self.old_recall, self.new_recall),
                (self.old_kappa, self.new_kappa),
            )
        )


@dataclass(frozen=True, slots=True)
class ReviewFlip:
    """A case reviewed in both results whose reviewers' judgement on `what` (a metric, or
    a review metric) changed: `old`/`new` True when it failed."""

    suite: str
    case: str
    poc: str
    what: str
    old: bool
    new: bool


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _reviewed(poc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """metric → its block, for the metrics of a PoC block that have a `review` block."""
    metrics = poc.get("metrics") or {}
    return {
        m: b
        for m, b in metrics.items()
        if isinstance(b, Mapping) and isinstance(b.get("review"), Mapping)
    }


def review_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ReviewChange]:
    """The reviewed metrics of two summaries, side by side (by PoC, then metric order)."""
    from evalkit.compare.cases import metric_order

    out = []
    old_pocs, new_pocs = old.get("pocs") or {}, new.get("pocs") or {}
    for poc in sorted(old_pocs.keys() | new_pocs.keys()):
        o_poc, n_poc = old_pocs.get(poc) or {}, new_pocs.get(poc) or {}
        o, n = _reviewed(o_poc), _reviewed(n_poc)
        for metric in metric_order(o.keys() | n.keys()):
            # The status either way (a result without reviews judged on the scorer's rate).
            ob = (o_poc.get("metrics") or {}).get(metric) or {}
            nb = (n_poc.get("metrics") or {}).get(metric) or {}
            orv, nrv = (
                (o.get(metric) or {}).get("review") or {},
                (n.get(metric) or {}).get("review") or {},
            )
            out.append(
                ReviewChange(
                    poc=poc,
                    metric=metric,
                    old_cases=orv.get("cases") if orv else None,
                    new_cases=nrv.get("cases") if nrv else None,
                    old_rate=_num(orv.get("rate")),
                    new_rate=_num(nrv.get("rate")),
                    old_ci=orv.get("ci"),
                    new_ci=nrv.get("ci"),
                    old_status=ob.get("status") if ob else None,
                    new_status=nb.get("status") if nb else None,
                    old_precision=_num(orv.get("scorer_precision")),
                    new_precision=_num(nrv.get("scorer_precision")),
                    old_recall=_num(orv.get("scorer_recall")),
                    new_recall=_num(nrv.get("scorer_recall")),
                    old_kappa=_num(orv.get("kappa")),
                    new_kappa=_num(nrv.get("kappa")),
                )
            )
    return out


def case_judgements(folder: Path) -> dict[tuple[str, str], tuple[str, dict[str, bool]]]:
    """(suite, case) → (PoC, what → failed) for every case of the result at `folder` with
    a current review: per metric the reviewers' label, per review metric their answer
    (each by majority, a tie failing). Empty when the result has no reviews."""
    from evalkit.results.reader import iter_case_rows
    from evalkit.review.apply import case_index, current_reviews, majority, read_reviews
    from evalkit.values import REVIEW_METRICS

    reviews = read_reviews(folder)
    if not reviews:
        return {}
    keys = {(line["suite"], line["case"]) for line in reviews}
    index = case_index(r for r in iter_case_rows(folder) if (r["suite"], r["case"]) in keys)
    latest, _ = current_reviews(index, reviews)
    out = {}
    for key, by_reviewer in latest.items():
        lines = list(by_reviewer.values())
        judged: dict[str, bool] = {}
        for metric in sorted({m for line in lines for m in line["labels"]}):
            judged[metric] = majority(
                [line["labels"][metric] == "fail" for line in lines if metric in line["labels"]]
            )
        for name, (column, failing) in REVIEW_METRICS.items():
            answers = [line.get(column) == failing for line in lines if line.get(column)]
            if answers:
                judged[name] = majority(answers)
        out[key] = (index[key].poc, judged)
    return out


def review_flips(old: Path, new: Path) -> list[ReviewFlip]:
    """The reviewers' judgements that differ between two result folders, on the cases
    reviewed in both (sorted by suite, case, then what)."""
    before = case_judgements(old)
    if not before:
        return []
    after = case_judgements(new)
    out = []
    for key in sorted(before.keys() & after.keys()):
        poc, was = before[key]
        _, now = after[key]
        for what in sorted(was.keys() & now.keys()):
            if was[what] != now[what]:
                out.append(ReviewFlip(key[0], key[1], poc, what, was[what], now[what]))
    return out
