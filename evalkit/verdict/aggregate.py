"""Incremental failure counts per PoC, metric, suite and tag.

Why incremental: a million-case run must not keep its cases in memory; the aggregator
holds only counters, and the same counters can be rebuilt from `cases.jsonl` rows (that is
how shards merge). The unit is the case: one case adds at most one failure per metric.
Cases that ended in a client error are counted in `errors` and in no metric.
Counting is order-independent (a property test checks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from evalkit.values import CaseResult
from evalkit.verdict.projection import CostSums

__all__ = ["Tally", "PocTally", "Aggregator", "aggregator_to_json", "aggregator_add_json"]

# At most this many critical case ids are kept per PoC for reasons; counts stay exact.
_MAX_LISTED = 50


@dataclass(slots=True)
class Tally:
    """Failures out of scored cases for one metric in one slice."""

    failures: int = 0
    total: int = 0

    def add(self, passed: bool) -> None:
        self.total += 1
        if not passed:
            self.failures += 1


@dataclass(slots=True)
class SliceTally:
    """Counts for a slice of a PoC's cases (one suite)."""

    cases: int = 0
    errors: int = 0
    metrics: dict[str, Tally] = field(default_factory=dict)


@dataclass(slots=True)
class PocTally:
    """Everything the verdict needs about one PoC's cases."""

    cases: int = 0
    errors: int = 0
    metrics: dict[str, Tally] = field(default_factory=dict)
    suites: dict[str, SliceTally] = field(default_factory=dict)
    tags: dict[str, dict[str, Tally]] = field(default_factory=dict)
    critical_total: int = 0
    critical_failed: list[str] = field(default_factory=list)  # "suite/case: metric, metric"
    critical_failed_count: int = 0
    critical_failed_suites: set[str] = field(default_factory=set)
    critical_errored: list[str] = field(default_factory=list)
    critical_errored_count: int = 0
    # currency → cost per answer of the cases with a known cost (`evalkit.verdict.projection`)
    costs: dict[str, CostSums] = field(default_factory=dict)


class Aggregator:
    """Feed it finished cases (`add_result` or `add`); read `pocs` at the end."""

    def __init__(self) -> None:
        self.pocs: dict[str, PocTally] = {}

    def add_result(self, result: CaseResult) -> None:
        p = self.pocs.get(result.poc)
        s = p.suites.get(result.suite) if p is not None else None
        if p is None or s is None or result.tags or result.critical or result.error is not None:
            self.add(
                poc=result.poc,
                suite=result.suite,
                case_id=result.case_id,
                tags=result.tags,
                critical=result.critical,
                errored=result.error is not None,
                passed={m: sc.passed for m, sc in result.scores.items()},
            )
            return
        # The usual case of a long run (PoC and suite seen, no tags, not critical, no
        # error): `add` without building its arguments, for every case of a million.
        p.cases += 1
        s.cases += 1
        for metric, score in result.scores.items():
            ok = score.passed
            _tally(p.metrics, metric).add(ok)
            _tally(s.metrics, metric).add(ok)

    def add_row(self, row: Mapping[str, Any]) -> None:
        """Count one `cases.jsonl` row (how resumed runs and merged shards rebuild counts)."""
        self.add(
            poc=row["poc"],
            suite=row["suite"],
            case_id=row["case"],
            tags=row.get("tags", ()),
            critical=bool(row.get("critical", False)),
            errored="error" in row,
            passed={m: bool(s["passed"]) for m, s in row.get("scores", {}).items()},
        )
        cost = row.get("cost")
        if cost is not None and "error" not in row:
            self.add_cost(
                row["poc"], cost["currency"], cost["amount"], len(row.get("outputs") or ())
            )

    def add_cost(self, poc: str, currency: str, amount: float, calls: int) -> None:
        """Count a scored case's known cost (`amount` for its `calls` model calls) for the
        monthly projection, as a cost per answer. Call it after the case was added."""
        p = self.pocs.get(poc)
        if p is None:
            p = self.pocs[poc] = PocTally()
        sums = p.costs.get(currency)
        if sums is None:
            sums = p.costs[currency] = CostSums()
        sums.add(amount / max(1, calls))

    def add(
        self,
        *,
        poc: str,
        suite: str,
        case_id: str,
        tags: Iterable[str],
        critical: bool,
        errored: bool,
        passed: Mapping[str, bool],
    ) -> None:
        """Count one finished case. `passed` maps each scored metric to its pass/fail."""
        p = self.pocs.get(poc)
        if p is None:
            p = self.pocs[poc] = PocTally()
        s = p.suites.get(suite)
        if s is None:
            s = p.suites[suite] = SliceTally()
        p.cases += 1
        s.cases += 1
        if critical:
            p.critical_total += 1
        if errored:
            p.errors += 1
            s.errors += 1
            if critical:
                p.critical_errored_count += 1
                if len(p.critical_errored) < _MAX_LISTED:
                    p.critical_errored.append(f"{suite}/{case_id}")
            return
        tag_list = list(dict.fromkeys(tags)) if tags else ()
        for metric, ok in passed.items():
            _tally(p.metrics, metric).add(ok)
            _tally(s.metrics, metric).add(ok)
            for tag in tag_list:
                _tally(p.tags.setdefault(tag, {}), metric).add(ok)
        if not critical:
            return
        failed = sorted(m for m, ok in passed.items() if not ok)
        if failed:
            p.critical_failed_count += 1
            p.critical_failed_suites.add(suite)
            if len(p.critical_failed) < _MAX_LISTED:
                p.critical_failed.append(f"{suite}/{case_id}: {', '.join(failed)}")


def _tally(table: dict[str, Tally], metric: str) -> Tally:
    t = table.get(metric)
    if t is None:
        t = table[metric] = Tally()
    return t


def _tallies_json(table: Mapping[str, Tally]) -> dict[str, list[int]]:
    return {m: [t.failures, t.total] for m, t in table.items()}


def _tallies_add(table: dict[str, Tally], data: Mapping[str, list[int]]) -> None:
    for metric, (failures, total) in data.items():
        t = _tally(table, metric)
        t.failures += failures
        t.total += total


def aggregator_to_json(agg: Aggregator) -> dict[str, Any]:
    """Every count of `agg` as JSON, for `aggregator_add_json` in another process (how
    `run --workers` combines its workers without re-reading a million rows)."""
    return {
        poc: {
            "cases": p.cases,
            "errors": p.errors,
            "metrics": _tallies_json(p.metrics),
            "suites": {
                name: {"cases": s.cases, "errors": s.errors, "metrics": _tallies_json(s.metrics)}
                for name, s in p.suites.items()
            },
            "tags": {tag: _tallies_json(t) for tag, t in p.tags.items()},
            "critical_total": p.critical_total,
            "critical_failed": p.critical_failed,
            "critical_failed_count": p.critical_failed_count,
            "critical_failed_suites": sorted(p.critical_failed_suites),
            "critical_errored": p.critical_errored,
            "critical_errored_count": p.critical_errored_count,
            "costs": {c: [s.n, s.total, s.squares] for c, s in p.costs.items()},
        }
        for poc, p in agg.pocs.items()
    }


def aggregator_add_json(agg: Aggregator, data: Mapping[str, Any]) -> None:
    """Add counts written by `aggregator_to_json` into `agg` (counts add exactly; the
    listed critical cases stay capped at the first `_MAX_LISTED`, as in one process)."""
    for poc, d in data.items():
        p = agg.pocs.get(poc)
        if p is None:
            p = agg.pocs[poc] = PocTally()
        p.cases += d["cases"]
        p.errors += d["errors"]
        _tallies_add(p.metrics, d["metrics"])
        for name, sd in d["suites"].items():
            s = p.suites.get(name)
            if s is None:
                s = p.suites[name] = SliceTally()
            s.cases += sd["cases"]
            s.errors += sd["errors"]
            _tallies_add(s.metrics, sd["metrics"])
        for tag, td in d["tags"].items():
            _tallies_add(p.tags.setdefault(tag, {}), td)
        p.critical_total += d["critical_total"]
        p.critical_failed_count += d["critical_failed_count"]
        p.critical_failed_suites.update(d["critical_failed_suites"])
        p.critical_errored_count += d["critical_errored_count"]
        for currency, (n, total, squares) in d.get("costs", {}).items():
            sums = p.costs.get(currency)
            if sums is None:
                sums = p.costs[currency] = CostSums()
            sums.n += n
            sums.total += total
            sums.squares += squares
        room = _MAX_LISTED - len(p.critical_failed)
        p.critical_failed.extend(d["critical_failed"][: max(0, room)])
        room = _MAX_LISTED - len(p.critical_errored)
        p.critical_errored.extend(d["critical_errored"][: max(0, room)])
