"""The verdict rules of DESIGN.md, as pure functions over counts.

Per metric (and per tag with its own bar): with the Wilson interval [lo, hi] of the case
failure rate, **pass** if hi ≤ tolerable, **stop-level** if lo > stop, otherwise **miss**.
Per PoC: `stop` if any metric is stop-level, or a critical case failed in a suite that
says `critical_failure: stop`; `continue` only if every judged metric passes, no critical
case failed or errored, client errors are within the error budget, and at least one metric
was judged; otherwise `redesign`. "Not enough evidence" (point estimate within the bar,
interval not) is a miss, and its reason says how many cases would be needed.

Where reviewers labelled a sample of a metric's cases (`evalkit review`), the metric is
judged on its corrected failure rate and interval (`Reviewed`) instead of the scorer's own,
by the same rule; the reason says so, and how many more reviews would settle a straddled bar.
The metrics only reviewers measure (`values.REVIEW_METRICS`: unusable, major_correction,
high_risk) are judged like any other on their counts over the reviewed cases; with none they
are not measured, which rules out `continue` as an unscored metric does.

Two more things keep a PoC from `continue` (never a stop): a monthly cost projection
(`evalkit.verdict.projection`) that is over its `budget_per_month` or not confirmed within it, and
evidence its phase requires that the suites never asked for (`evalkit.verdict.requirements`).
Their reasons are codes like the others (`evalkit._i18n._reasons`).

Size (over 400 lines): each rule sits beside the reason it gives, so that a reason can only
say what its rule decided.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from evalkit._i18n import Reason, money
from evalkit.common.text import percent
from evalkit.values import REVIEW_METRICS, Bar, Phase, Status, Suite, Threshold, Verdict
from evalkit.verdict.aggregate import PocTally, Tally
from evalkit.verdict.projection import CostSums, Projection, project
from evalkit.verdict.requirements import (
    BUDGET,
    CORRECTION_METRIC,
    REVIEW,
    missing_evidence,
    required,
)
from evalkit.verdict.stats import cases_needed, wilson

__all__ = [
    "PocPolicy",
    "Reviewed",
    "Assessment",
    "PocVerdict",
    "policies",
    "cost_projection",
    "policy_document",
    "policies_from_documents",
    "assess",
    "judge",
]


@dataclass(frozen=True, slots=True)
class PocPolicy:
    """The bars a PoC is judged by, merged from its suites (the loader refuses suites of
    one PoC that disagree on a metric's threshold). `error_budget` is the strictest of the
    suites'; `critical_stop_suites` are suites whose `critical_failure` is `stop`; `phase`
    the step the PoC is in (the loader refuses suites that disagree), which words the verdict."""

    thresholds: Mapping[str, Threshold]
    confidence: float = 0.95
    error_budget: float = 0.05
    critical_stop_suites: frozenset[str] = frozenset()
    phase: Phase = "poc"
    # The PoC-level keys (None: not set): answers a month and the budget for them (in
    # `currency`, the suites' pricing currency), and `requires` (None: the phase's list).
    volume_per_month: float | None = None
    budget_per_month: float | None = None
    currency: str | None = None
    requires: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Reviewed:
    """A metric's failure rate corrected by human review (`evalkit.review.correct`): what
    its status is judged on instead of the scorer's rate. `evidence` says where it comes
    from: the values of the `review_evidence` reason (`evalkit.review.apply`), which reads
    e.g. "scorer flags 31.0% (62/200); reviewers confirmed 14 of 30 flagged and found 1 of
    30 unflagged failing"; `more_reviews` is how many more reviews would settle an
    interval that straddles a bar (None: none would, or not computed)."""

    rate: float
    ci: tuple[float, float]
    evidence: Mapping[str, str]
    more_reviews: int | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """One metric (or one tag of a metric) against its bar. `bar` None: not judged.
    `needed` is the number of cases that would confirm the bar at the observed rate, set
    only when the point estimate is within the bar but the interval is not."""

    metric: str
    tag: str | None
    failures: int
    total: int
    rate: float
    ci: tuple[float, float]
    confidence: float
    bar: Bar | None
    status: Status
    needed: int | None = None
    reviewed: Reviewed | None = None  # set: the status is judged on the corrected rate

    @property
    def label(self) -> str:
        return self.metric if self.tag is None else f"{self.metric}[{self.tag}]"


@dataclass(frozen=True, slots=True)
class PocVerdict:
    """A PoC's verdict: `reasons` say why (worded per language by `evalkit._i18n`; their
    English wording, `texts`, is what summary.json stores)."""

    poc: str
    verdict: Verdict
    reasons: tuple[Reason, ...]
    metrics: Mapping[str, Assessment]
    by_tag: Mapping[str, Mapping[str, Assessment]]  # metric → tag → assessment
    projection: Projection | None = None  # set when the PoC has a volume
    requires: tuple[str, ...] = ()  # the evidence its phase requires
    missing: tuple[str, ...] = ()  # …of which the suites never asked for

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(r.text("en") for r in self.reasons)


def policies(suites: Sequence[Suite]) -> dict[str, PocPolicy]:
    """Merge the suites of each PoC into its policy."""
    return policies_from_documents(
        {s.name: {"poc": s.poc, "policy": policy_document(s)} for s in suites}
    )


def policy_document(suite: Suite) -> dict[str, Any]:
    """A suite's judging settings as JSON (recorded in provenance, so that `merge` can
    re-judge shard results without the suite files)."""
    return {
        "thresholds": {
            m: {
                "tolerable": t.bar.tolerable,
                "stop": t.bar.stop,
                "by_tag": {
                    tag: {"tolerable": b.tolerable, "stop": b.stop}
                    for tag, b in sorted(t.by_tag.items())
                },
            }
            for m, t in sorted(suite.thresholds.items())
        },
        "confidence": suite.confidence,
        "error_budget": suite.error_budget,
        "critical_failure": suite.critical_failure,
        "phase": suite.phase,
        **({"currency": suite.pricing.currency} if suite.pricing is not None else {}),
        **_poc_keys(suite),
    }


def _poc_keys(suite: Suite) -> dict[str, Any]:
    """The PoC-level keys the suite sets (absent when unset, as in older results)."""
    keys = {
        "volume_per_month": suite.volume_per_month,
        "budget_per_month": suite.budget_per_month,
        "requires": list(suite.requires) if suite.requires is not None else None,
    }
    return {k: v for k, v in keys.items() if v is not None}


def _first(members: Sequence[tuple[str, Mapping[str, Any]]], key: str) -> Any:
    """The value of a PoC-level key from the suites that set it (the loader makes them agree)."""
    return next((doc[key] for _, doc in members if doc.get(key) is not None), None)


def policies_from_documents(suites: Mapping[str, Mapping[str, Any]]) -> dict[str, PocPolicy]:
    """Inverse of `policy_document` over provenance's `suites` block (name → entry with
    `poc` and `policy`)."""
    grouped: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for name, entry in sorted(suites.items()):
        grouped.setdefault(entry["poc"], []).append((name, entry["policy"]))
    out = {}
    for poc, members in grouped.items():
        thresholds: dict[str, Threshold] = {}
        for _, doc in members:
            for metric, t in doc["thresholds"].items():
                thresholds.setdefault(
                    metric,
                    Threshold(
                        Bar(t["tolerable"], t["stop"]),
                        {
                            tag: Bar(b["tolerable"], b["stop"])
                            for tag, b in t.get("by_tag", {}).items()
                        },
                    ),
                )
        out[poc] = PocPolicy(
            thresholds=thresholds,
            confidence=members[0][1]["confidence"],
            error_budget=min(doc["error_budget"] for _, doc in members),
            critical_stop_suites=frozenset(
                n for n, doc in members if doc["critical_failure"] == "stop"
            ),
            # Results written before phases existed were PoC runs.
            phase=cast(Phase, members[0][1].get("phase", "poc")),
            volume_per_month=_first(members, "volume_per_month"),
            budget_per_month=_first(members, "budget_per_month"),
            currency=_first(members, "currency"),
            requires=(
                tuple(_first(members, "requires"))
                if _first(members, "requires") is not None
                else None
            ),
        )
    return out


def assess(
    metric: str,
    tally: Tally,
    bar: Bar | None,
    confidence: float,
    tag: str | None = None,
    reviewed: Reviewed | None = None,
) -> Assessment:
    """Apply the pass / miss / stop rule to one tally (to its corrected rate and interval
    when `reviewed`; `rate` and `ci` stay the scorer's)."""
    if tally.total == 0:
        return Assessment(metric, tag, 0, 0, 0.0, (0.0, 1.0), confidence, bar, Status.UNJUDGED)
    rate = tally.failures / tally.total
    lo, hi = wilson(tally.failures, tally.total, confidence)
    needed = None
    if reviewed is not None:
        status = _status(bar, *reviewed.ci)
        return Assessment(
            metric,
            tag,
            tally.failures,
            tally.total,
            rate,
            (lo, hi),
            confidence,
            bar,
            status,
            None,
            reviewed,
        )
    status = _status(bar, lo, hi)
    if status is Status.MISS and bar is not None and rate <= bar.tolerable:
        needed = cases_needed(rate, bar.tolerable, confidence)
    return Assessment(
        metric, tag, tally.failures, tally.total, rate, (lo, hi), confidence, bar, status, needed
    )


def _status(bar: Bar | None, lo: float, hi: float) -> Status:
    """The pass / miss / stop rule on an interval: pass when it lies within the tolerable
    rate, stop when it lies beyond the stop limit, else miss (no bar: unjudged)."""
    if bar is None:
        return Status.UNJUDGED
    if hi <= bar.tolerable:
        return Status.PASS
    if lo > bar.stop:
        return Status.STOP
    return Status.MISS


def _observed(a: Assessment, rate: float, ci: tuple[float, float]) -> dict[str, str]:
    """The values every metric reason shares (formatted: one number reads the same in
    every language)."""
    bar = a.bar
    assert bar is not None
    return {
        "label": a.label,
        "rate": percent(rate),
        "failures": str(a.failures),
        "total": str(a.total),
        "level": f"{a.confidence * 100:g}%",
        "lo": percent(ci[0]),
        "hi": percent(ci[1]),
        "tolerable": percent(bar.tolerable),
        "stop": percent(bar.stop),
    }


def _reviewed_reason(a: Assessment, r: Reviewed) -> Reason:
    bar = a.bar
    assert bar is not None
    values = {**_observed(a, r.rate, r.ci), **r.evidence}
    if a.status is Status.PASS:
        return Reason("reviewed_pass", values)
    if a.status is Status.STOP:
        return Reason("reviewed_stop", values)
    values["side"] = "above" if r.rate > bar.tolerable else "within"
    lo, hi = r.ci
    if not (lo <= bar.tolerable < hi or lo <= bar.stop < hi):
        values["settle"] = "none"  # between the bars: more reviews would not change the status
    elif r.more_reviews is not None:
        values.update(settle="reviews", more=str(r.more_reviews))
    else:
        values["settle"] = "cases"
    return Reason("reviewed_miss", values)


def _review_metric_reason(a: Assessment) -> Reason:
    """The reason for a metric the reviewers measure (unusable, major_correction,
    high_risk): its rate is over the reviewed cases, so with none it is not measured."""
    if a.total == 0:
        return Reason(
            "review_metric_unmeasured", {"label": a.label, "column": REVIEW_METRICS[a.metric][0]}
        )
    bar = a.bar
    assert bar is not None
    values = {**_observed(a, a.rate, a.ci), "metric": a.metric}
    if a.status is Status.PASS:
        return Reason("review_metric_pass", values)
    if a.status is Status.STOP:
        return Reason("review_metric_stop", values)
    if a.rate <= bar.tolerable:
        if a.needed is not None:
            return Reason("review_metric_short_needed", {**values, "needed": str(a.needed)})
        return Reason("review_metric_short_on_bar", values)
    return Reason("review_metric_miss", values)


def _reason(a: Assessment) -> Reason:
    if a.metric in REVIEW_METRICS:
        return _review_metric_reason(a)
    if a.reviewed is not None:
        return _reviewed_reason(a, a.reviewed)
    bar = a.bar
    assert bar is not None
    values = _observed(a, a.rate, a.ci)
    if a.status is Status.PASS:
        return Reason("metric_pass", values)
    if a.status is Status.STOP:
        return Reason("metric_stop", values)
    if a.rate <= bar.tolerable:
        if a.needed is not None:
            return Reason("metric_short_needed", {**values, "needed": str(a.needed)})
        return Reason("metric_short_zero" if bar.tolerable <= 0 else "metric_short_on_bar", values)
    return Reason("metric_miss", values)


_ORDER = {Status.STOP: 0, Status.UNJUDGED: 1, Status.MISS: 2, Status.PASS: 3}


def cost_projection(tally: PocTally, policy: PocPolicy) -> Projection | None:
    """The PoC's monthly cost projection (None: no volume set)."""
    if policy.volume_per_month is None:
        return None
    currency = policy.currency or next(iter(sorted(tally.costs)), "USD")
    sums = tally.costs.get(currency, CostSums())
    unpriced = max(0, tally.cases - tally.errors - sums.n)
    return project(
        sums,
        unpriced,
        policy.volume_per_month,
        currency,
        policy.budget_per_month,
        policy.confidence,
    )


def _projection_reason(p: Projection) -> Reason:
    """The reason a budget gives (the projection has one)."""
    assert p.budget is not None
    values = {
        "per_month": f"{p.per_month:,g}",
        "budget": money(p.budget, p.currency),
        "cases": str(p.unpriced),
        "priced": str(p.priced),
        "level": f"{p.confidence * 100:g}%",
    }
    if p.monthly is not None:
        values["monthly"] = money(p.monthly, p.currency)
    if p.ci is not None:
        values.update(lo=money(p.ci[0], p.currency), hi=money(p.ci[1], p.currency))
    if p.needed is not None:
        values["needed"] = f"{p.needed:,}"
    if p.monthly is None:
        code = "projection_unmeasured"
    elif p.ci is None:
        code = "projection_single"
    elif p.status == "pass":
        code = "projection_pass"
    elif p.over:
        code = "projection_over"
    else:
        code = "projection_straddles" if p.needed is not None else "projection_unsettleable"
    return Reason(code, values)


def _required_reason(name: str, phase: str, by_suite: bool, with_source: bool) -> Reason:
    """What the phase requires and no suite asked for; `with_source`: say where the list
    comes from (the phase's default, or the suites' `requires:`)."""
    code = {REVIEW: "required_review", BUDGET: "required_budget"}.get(name)
    if code is None:
        code = f"required_{name}" if name in ("latency", "cost") else "required_metric"
    source = ("suite" if by_suite else "phase") if with_source else ""
    return Reason(code, {"phase": phase, "metric": name, "source": source})


def judge(
    poc: str,
    tally: PocTally,
    policy: PocPolicy,
    reviewed: Mapping[str, Reviewed] | None = None,
) -> PocVerdict:
    """The verdict for one PoC, with one reason per judged metric/tag (worst first) and
    reasons for the monthly budget, the phase's required evidence, critical cases and
    client errors. A metric in `reviewed` is judged on its corrected rate (per-tag bars
    stay on the scorer's counts)."""
    conf = policy.confidence
    metrics: dict[str, Assessment] = {}
    by_tag: dict[str, dict[str, Assessment]] = {}
    judged: list[Assessment] = []
    for metric in sorted(set(tally.metrics) | set(policy.thresholds)):
        threshold = policy.thresholds.get(metric)
        a = assess(
            metric,
            tally.metrics.get(metric, Tally()),
            threshold.bar if threshold else None,
            conf,
            reviewed=(reviewed or {}).get(metric),
        )
        metrics[metric] = a
        if threshold is not None:
            judged.append(a)
            for tag, bar in sorted(threshold.by_tag.items()):
                t = tally.tags.get(tag, {}).get(metric, Tally())
                ta = assess(metric, t, bar, conf, tag=tag)
                by_tag.setdefault(metric, {})[tag] = ta
                judged.append(ta)

    reasons: list[Reason] = []
    stop = False
    blocked = False  # anything that rules out `continue`
    for a in sorted(judged, key=lambda a: (_ORDER[a.status], a.label)):
        if a.status is Status.UNJUDGED:
            reasons.append(
                _review_metric_reason(a)
                if a.metric in REVIEW_METRICS
                else Reason("metric_unscored", {"label": a.label})
            )
            blocked = True
            continue
        reasons.append(_reason(a))
        stop |= a.status is Status.STOP
        blocked |= a.status is not Status.PASS
    if not judged:
        reasons.append(Reason("no_thresholds"))
        blocked = True
    projection = cost_projection(tally, policy)
    if projection is not None and projection.budget is not None:
        reasons.append(_projection_reason(projection))
        blocked |= projection.status != "pass"
    requires = required(policy.phase, policy.requires)
    # The human correction rate is measured once reviewers answered the correction column.
    corrected = tally.metrics.get(CORRECTION_METRIC, Tally()).total
    missing = missing_evidence(requires, policy.thresholds, policy.budget_per_month, corrected)
    for i, name in enumerate(missing):  # where the list comes from: said once
        reasons.append(_required_reason(name, policy.phase, policy.requires is not None, i == 0))
        blocked = True

    if tally.critical_failed_count:
        extra = tally.critical_failed_count - 5
        stops = bool(tally.critical_failed_suites & policy.critical_stop_suites)
        reasons.insert(
            0,
            Reason(
                "critical_failed",
                {
                    "count": str(tally.critical_failed_count),
                    "listed": ", ".join(sorted(tally.critical_failed)[:5]),
                    "extra": str(extra) if extra > 0 else "",
                    "stops": "yes" if stops else "no",
                },
            ),
        )
        stop |= stops
        blocked = True
    if tally.critical_errored_count:
        listed = ", ".join(sorted(tally.critical_errored)[:5])
        reasons.insert(0, Reason("critical_errored", {"listed": listed}))
        blocked = True
    if tally.errors:
        rate = tally.errors / tally.cases
        values = {
            "errors": str(tally.errors),
            "cases": str(tally.cases),
            "rate": percent(rate),
            "budget": percent(policy.error_budget),
        }
        if rate > policy.error_budget:
            reasons.insert(0, Reason("errors_over_budget", values))
            blocked = True
        else:
            reasons.append(Reason("errors_within_budget", values))

    verdict = Verdict.STOP if stop else Verdict.REDESIGN if blocked else Verdict.CONTINUE
    return PocVerdict(
        poc, verdict, tuple(reasons), metrics, by_tag, projection, requires, tuple(missing)
    )
