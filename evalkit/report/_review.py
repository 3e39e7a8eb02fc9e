"""The review layer of a result, as the renderers show it (terminal, Markdown, HTML).

Read from the summary document only: per metric with a `review` block, how the scorer
fared against the reviewers (precision, recall, Cohen's kappa, agreement; the reviewers'
agreement among themselves) and the corrected failure rate the verdict used; and the
result's stale reviews. One reading, so the three renderers say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalkit._i18n import say
from evalkit.common.text import percent
from evalkit.compare.cases import metric_order
from evalkit.report._format import ci_text
from evalkit.results.documents import PocSummary, Summary

__all__ = [
    "ReviewRow",
    "review_rows",
    "review_head",
    "row_cells",
    "review_line",
    "stale_text",
    "stale_reasons",
    "kappa_text",
]


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One reviewed metric of a PoC. Rates in [0, 1] or None (not defined, e.g. no flagged
    case reviewed); `rate`/`ci` None: not corrected, `note` says why."""

    metric: str
    cases: int
    precision: float | None
    recall: float | None
    kappa: float | None
    agreement: float | None
    reviewers_kappa: float | None
    reviewer_pairs: int
    rate: float | None
    ci: Any
    more_reviews: int | None
    note: str | None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def review_rows(poc: PocSummary) -> list[ReviewRow]:
    """The reviewed metrics of one PoC block of a summary, in the usual metric order."""
    metrics = poc.get("metrics") or {}
    out = []
    for metric in metric_order(metrics):
        block = metrics[metric]
        review = block.get("review") if isinstance(block, Mapping) else None
        if not isinstance(review, Mapping):
            continue
        raw = review.get("reviewers")
        among: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        more = review.get("more_reviews")
        out.append(
            ReviewRow(
                metric=metric,
                cases=int(review.get("cases") or 0),
                precision=_num(review.get("scorer_precision")),
                recall=_num(review.get("scorer_recall")),
                kappa=_num(review.get("kappa")),
                agreement=_num(review.get("agreement")),
                reviewers_kappa=_num(among.get("kappa")),
                reviewer_pairs=int(among.get("pairs") or 0),
                rate=_num(review.get("rate")),
                ci=review.get("ci"),
                more_reviews=more if isinstance(more, int) else None,
                note=str(review["note"]) if review.get("note") else None,
            )
        )
    return out


def kappa_text(kappa: float | None) -> str:
    return "–" if kappa is None else f"{kappa:.2f}"


_HEAD_KEYS = (
    "rev_col_metric",
    "rev_col_reviewed",
    "rev_col_precision",
    "rev_col_recall",
    "rev_col_kappa",
    "rev_col_among",
    "rev_col_rate",
    "rev_col_ci",
)


def review_head(lang: str = "en") -> list[str]:
    """The column headings of the review table, in `lang`."""
    return [say(k, lang) for k in _HEAD_KEYS]


def row_cells(row: ReviewRow, lang: str = "en") -> list[str]:
    """The row's cells under `review_head` (the CI column is the summary's confidence)."""
    among = kappa_text(row.reviewers_kappa) if row.reviewer_pairs else "–"
    corrected = percent(row.rate) if row.rate is not None else say("rev_not_corrected", lang)
    if row.more_reviews is not None:
        corrected += say("rev_more", lang, n=row.more_reviews)
    return [
        row.metric,
        str(row.cases),
        percent(row.precision),
        percent(row.recall),
        kappa_text(row.kappa),
        among,
        corrected,
        ci_text(row.ci),
    ]


def review_line(row: ReviewRow, lang: str = "en") -> str:
    """The row as one line for the terminal."""
    corrected = (
        say("rev_corrected", lang, rate=percent(row.rate), ci=ci_text(row.ci))
        if row.rate is not None
        else say("rev_not_corrected", lang)
    )
    among = (
        say("rev_among", lang, kappa=kappa_text(row.reviewers_kappa)) if row.reviewer_pairs else ""
    )
    return say(
        "rev_line",
        lang,
        metric=row.metric,
        cases=row.cases,
        precision=percent(row.precision),
        recall=percent(row.recall),
        kappa=kappa_text(row.kappa),
        among=among,
        corrected=corrected,
    )


# `review.stale_why` reasons (`evalkit.review.apply`) → their words.
_STALE_KEYS = {
    "outputs changed since review": "rev_stale_changed",
    "case not in this result": "rev_stale_gone",
    "case got no output in this run": "rev_stale_errored",
}


def stale_text(summary: Summary, lang: str = "en") -> str:
    """ "3 reviews stale, not used: 2 outputs changed since review, 1 case not in this
    result" — empty when none is."""
    review = summary.get("review")
    if not isinstance(review, Mapping) or not review.get("stale"):
        return ""
    why = review.get("stale_why")
    text = stale_reasons(why if isinstance(why, Mapping) else {}, lang)
    return say("rev_stale", lang, n=len(review["stale"]), why=text)


def stale_reasons(why: Mapping[str, Any], lang: str = "en") -> str:
    """ "2 outputs changed since review, 1 case not in this result" from `stale_why`."""
    parts = [
        say(_STALE_KEYS[reason], lang, n=n) if reason in _STALE_KEYS else f"{n} {reason}"
        for reason, n in sorted(why.items())
    ]
    return say("rev_stale_sep", lang).join(parts)
