"""Build the `summary.json` document from counts and verdicts (README "Result files").

Shared by `run` and `merge`: both end with an `Aggregator` full of counts and the suites'
policies, and must produce the same document from the same counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit.results.documents import Assessment as AssessmentDoc
from evalkit.results.documents import Counts, PocSummary, Summary
from evalkit.values import REVIEW_METRICS, Verdict
from evalkit.verdict.aggregate import Aggregator, PocTally, Tally
from evalkit.verdict.projection import projection_document
from evalkit.verdict.rules import Assessment, PocPolicy, PocVerdict, judge
from evalkit.verdict.stats import wilson
from evalkit.verdict.unsettled import unsettled_texts

__all__ = ["SCHEMA_VERSION", "judge_all", "build_summary", "settle", "broken_suites"]

SCHEMA_VERSION = 1


def judge_all(agg: Aggregator, policies: Mapping[str, PocPolicy]) -> dict[str, PocVerdict]:
    """A verdict for every PoC that has a policy (a PoC with no finished case is judged on
    empty counts, which can never be `continue`)."""
    out = {}
    for poc in sorted(policies):
        out[poc] = judge(poc, agg.pocs.get(poc, PocTally()), policies[poc])
    return out


def _counts(t: Tally, confidence: float) -> Counts:
    ci = list(wilson(t.failures, t.total, confidence)) if t.total else None
    return {
        "failures": t.failures,
        "total": t.total,
        "rate": (t.failures / t.total) if t.total else None,
        "ci": ci,
    }


def _assessment(a: Assessment) -> AssessmentDoc:
    out: AssessmentDoc = {
        "failures": a.failures,
        "total": a.total,
        "rate": a.rate if a.total else None,
        "ci": list(a.ci) if a.total else None,
        "confidence": a.confidence,
        "tolerable": a.bar.tolerable if a.bar else None,
        "stop": a.bar.stop if a.bar else None,
        "status": a.status.value,
    }
    if a.needed is not None:
        out["needed"] = a.needed
    return out


def build_summary(
    agg: Aggregator,
    policies: Mapping[str, PocPolicy],
    verdicts: Mapping[str, PocVerdict],
    provenance: Mapping[str, Any],
    run: Mapping[str, Any],
) -> Summary:
    """The whole summary document; `run` holds the volatile values."""
    pocs: dict[str, PocSummary] = {}
    for poc, v in verdicts.items():
        tally = agg.pocs.get(poc, PocTally())
        policy = policies[poc]
        conf = policy.confidence
        metrics = {}
        for metric, a in v.metrics.items():
            entry = _assessment(a)
            if metric in REVIEW_METRICS:  # measured by reviewers, over the reviewed cases
                entry["layer"] = "review"
            tags = v.by_tag.get(metric)
            if tags:
                entry["by_tag"] = {tag: _assessment(ta) for tag, ta in tags.items()}
            metrics[metric] = entry
        pocs[poc] = {
            "verdict": v.verdict.value,
            "phase": policy.phase,
            "reasons": list(v.texts),
            "reason_codes": [r.document() for r in v.reasons],
            "cases": tally.cases,
            "errors": {
                "count": tally.errors,
                "rate": (tally.errors / tally.cases) if tally.cases else 0.0,
                "budget": policy.error_budget,
                "within": (tally.errors / tally.cases if tally.cases else 0.0)
                <= policy.error_budget,
            },
            "critical": {
                "total": tally.critical_total,
                "failed": sorted(tally.critical_failed),
                "failed_count": tally.critical_failed_count,
                "errored": sorted(tally.critical_errored),
                "errored_count": tally.critical_errored_count,
            },
            "metrics": metrics,
            "evidence": {"requires": list(v.requires), "missing": list(v.missing)},
            "suites": {
                name: {
                    "cases": s.cases,
                    "errors": s.errors,
                    "metrics": {m: _counts(t, conf) for m, t in sorted(s.metrics.items())},
                }
                for name, s in sorted(tally.suites.items())
            },
            "tags": {
                tag: {m: _counts(t, conf) for m, t in sorted(ms.items())}
                for tag, ms in sorted(tally.tags.items())
            },
        }
        if v.projection is not None:
            pocs[poc]["cost_projection"] = projection_document(v.projection)
    worst = Verdict.worst(v.verdict for v in verdicts.values())
    doc: Summary = {
        "schema_version": SCHEMA_VERSION,
        "verdict": worst.value,
        "pocs": pocs,
        "provenance": dict(provenance),
        "run": dict(run),
    }
    settle(doc)
    return doc


def settle(summary: Summary) -> None:
    """(Re)write every PoC's `unsettled` list from the facts `summary` holds (call again
    after adding facts, e.g. review blocks)."""
    for poc in summary.get("pocs", {}).values():
        poc["unsettled"] = unsettled_texts(poc, summary)


def broken_suites(summary: Summary) -> list[tuple[str, int]]:
    """(suite, cases) for every suite all of whose cases (at least one) ended in a client
    error: such a run says nothing about the model, whatever its verdict reads, so the CLI
    reports it as broken (exit 4) rather than as a verdict."""
    out = []
    for p in summary.get("pocs", {}).values():
        for name, s in p.get("suites", {}).items():
            cases = int(s.get("cases", 0) or 0)
            if cases and int(s.get("errors", 0) or 0) >= cases:
                out.append((name, cases))
    return sorted(out)
