"""Reviews beside a result (`RESULT/reviews.jsonl`) and the summary they correct.

`reviews.jsonl` is append-only, an audit trail: one line per reviewed sheet row as
imported, with its reviewer, the time of import and the sheet's file:line. Nothing is ever
rewritten in it; what counts is derived on every import:

- a review of outputs that have changed since (its `outputs_sha256` differs from the
  case's outputs now) is **stale**: reported, never used;
- a reviewer's later review of a case replaces their earlier one;
- a case's human label for a metric is the majority of its reviewers' labels (a tie counts
  as a failure: for a failure rate, the cautious side).

Per PoC and metric with reviews, the failure rate is corrected (`evalkit.review.correct`)
over strata of the scorer's outcome: first by the joint outcome of all metrics and
`critical` (how `review sample` draws, so each stratum's reviews are a random sample of it);
where some stratum then has no review (sheets made another way), by this metric's outcome
and `critical`, then by this metric's outcome alone; where even that leaves a stratum
without reviews the metric is not corrected and the block says why. The verdict is judged
again with the corrected rates (`evalkit.verdict.rules.judge`), from the rows and the suites'
policies recorded in provenance, exactly as `run` and `merge` judge.

Size (over 400 lines): reading reviews, matching them to the current outputs and the
corrected rates are one pass over the rows and share its index (`case_index`).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from evalkit._i18n import Reason, stored_reasons
from evalkit.common.text import percent
from evalkit.errors import ResultError
from evalkit.results.documents import Assessment, Summary
from evalkit.results.summary import SCHEMA_VERSION, build_summary, settle
from evalkit.review.correct import (
    Stratum,
    agreement,
    corrected_rate,
    reviewer_agreement,
    reviews_to_settle,
    scorer_precision,
    scorer_recall,
    straddles,
)
from evalkit.review.sheet import SheetReview, outputs_sha256
from evalkit.run.shards import PARTIAL
from evalkit.values import REVIEW_METRICS, Verdict
from evalkit.verdict.aggregate import Aggregator, PocTally, Tally
from evalkit.verdict.rules import Reviewed, judge, policies_from_documents
from evalkit.verdict.stats import wilson

__all__ = [
    "REVIEWS_NAME",
    "CaseInfo",
    "Applied",
    "case_index",
    "review_lines",
    "append_reviews",
    "read_reviews",
    "read_review_file",
    "apply_reviews",
    "current_reviews",
    "majority",
    "STALE_CHANGED",
    "STALE_GONE",
    "STALE_ERRORED",
]

REVIEWS_NAME = "reviews.jsonl"


@dataclass(frozen=True, slots=True)
class CaseInfo:
    """What the correction needs of one scored case: its PoC, `critical`, the hash of its
    outputs and, per metric it was scored on, whether the scorer flagged it (failed);
    `judged`: the metrics whose outcome on this case a judge model had a say in."""

    poc: str
    critical: bool
    outputs_sha256: str
    flagged: Mapping[str, bool]
    judged: frozenset[str] = frozenset()


def _judged(score: Mapping[str, Any]) -> bool:
    """Whether a judge model gave a verdict on the case for this score: its details carry
    the judge's replies (`details.judge`: a list per output — a verdict, grade or rubric
    verdict, None where the judge was not asked — or one object for the case)."""
    details = score.get("details")
    judge = details.get("judge") if isinstance(details, Mapping) else None
    if isinstance(judge, Mapping):
        return True
    if isinstance(judge, list):
        return any(isinstance(v, Mapping) and (v.get("verdict") or v.get("grade")) for v in judge)
    return False


def case_index(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], CaseInfo]:
    """(suite, case) → `CaseInfo` for every case with an output (errored ones are not
    scored, so there is nothing to review)."""
    out = {}
    for row in rows:
        if "error" in row:
            continue
        out[(row["suite"], row["case"])] = CaseInfo(
            poc=row["poc"],
            critical=bool(row.get("critical")),
            outputs_sha256=outputs_sha256(row.get("outputs", [])),
            flagged={m: not s["passed"] for m, s in row.get("scores", {}).items()},
            judged=frozenset(m for m, s in row.get("scores", {}).items() if _judged(s)),
        )
    return out


def review_lines(
    reviews: Sequence[SheetReview], at: datetime | None = None
) -> list[dict[str, Any]]:
    """The `reviews.jsonl` lines of imported sheet rows, stamped with the import time."""
    stamp = (at or datetime.now(UTC)).isoformat(timespec="seconds")
    return [
        {
            "suite": r.suite,
            "case": r.case,
            "outputs_sha256": r.outputs_sha256,
            "reviewer": r.reviewer,
            "imported_at": stamp,
            "source": r.source,
            "labels": {m: "fail" if failed else "pass" for m, failed in sorted(r.labels.items())},
            "usable": r.usable,
            "correction": r.correction,
            "risk": r.risk,
            "comment": r.comment,
        }
        for r in reviews
    ]


def append_reviews(folder: Path, lines: Sequence[Mapping[str, Any]]) -> None:
    """Append to `folder/reviews.jsonl` and fsync (call it holding the folder). A torn last
    line left by a crash is cut first, so appending never glues onto it."""
    path = folder / REVIEWS_NAME
    from evalkit.results.writer import repair_journal

    repair_journal(path)
    data = "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines)
    with path.open("a", encoding="utf-8", newline="\n") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


_FIELDS: Mapping[str, Callable[[Any], bool]] = {
    "suite": lambda v: isinstance(v, str),
    "case": lambda v: isinstance(v, str),
    "outputs_sha256": lambda v: isinstance(v, str),
    "reviewer": lambda v: isinstance(v, str),
    "labels": lambda v: isinstance(v, dict) and all(x in ("pass", "fail") for x in v.values()),
}


def read_reviews(folder: Path) -> list[dict[str, Any]]:
    """The lines of `folder/reviews.jsonl` (none when absent); a torn last line is
    ignored, any other bad line raises `ResultError` with its file:line."""
    path = folder / REVIEWS_NAME
    if not path.exists():
        return []
    return read_review_file(path)


def read_review_file(path: Path) -> list[dict[str, Any]]:
    """The lines of a `reviews.jsonl` file (see `read_reviews`)."""
    out = []
    with path.open("rb") as fh:
        lines = fh.readlines()
    if lines and not lines[-1].endswith(b"\n"):
        lines.pop()  # torn by a crash mid-append: the next append cuts it
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ResultError(
                f"{path}:{lineno}: not a JSON line ({exc}); the file was edited"
            ) from exc
        bad = [k for k, ok in _FIELDS.items() if not (isinstance(line, dict) and ok(line.get(k)))]
        if bad:
            raise ResultError(
                f"{path}:{lineno}: {', '.join(bad)} missing or of the wrong type; the file "
                "was edited by hand: restore it from the sheets with 'evalkit review import'"
            )
        out.append(line)
    return out


@dataclass(slots=True)
class Applied:
    """What an import did to a summary: the new summary, the reviews that counted, the
    stale ones ("suite/case (reviewer: why)") and how many were stale for each reason."""

    summary: Summary
    used: int = 0
    stale: list[str] = field(default_factory=list)
    stale_why: dict[str, int] = field(default_factory=dict)


# Why a review is stale (not used): its outputs changed, or its case has none to compare.
STALE_CHANGED = "outputs changed since review"
STALE_GONE = "case not in this result"
STALE_ERRORED = "case got no output in this run"

Latest = dict[tuple[str, str], dict[str, Mapping[str, Any]]]


def current_reviews(
    index: Mapping[tuple[str, str], CaseInfo],
    reviews: Iterable[Mapping[str, Any]],
    errored: frozenset[tuple[str, str]] = frozenset(),
) -> tuple[Latest, dict[str, list[tuple[str, str, str]]]]:
    """Each reviewed case's latest review per reviewer, of its current outputs only
    ((suite, case) → reviewer → line); and the stale ones, (suite, case, reviewer) listed
    under why they are stale. `errored`: cases of the result that ended in a client error."""
    latest: Latest = defaultdict(dict)
    stale: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for line in reviews:
        key = (line["suite"], line["case"])
        info = index.get(key)
        if info is None or info.outputs_sha256 != line["outputs_sha256"]:
            why = (
                STALE_CHANGED
                if info is not None
                else STALE_ERRORED
                if key in errored
                else STALE_GONE
            )
            stale[why].add((key[0], key[1], line["reviewer"]))
            continue
        latest[key][line["reviewer"]] = line
    return latest, {why: sorted(keys) for why, keys in sorted(stale.items())}


def majority(labels: Sequence[bool]) -> bool:
    """Whether reviewers' judgements (True: failed) fail by majority; a tie fails (module
    docstring)."""
    return sum(labels) * 2 >= len(labels)


_Level = Callable[[bool, CaseInfo], tuple[Any, ...]]
_LEVELS: tuple[tuple[str, _Level], ...] = (
    (
        "joint outcome of all metrics and critical",
        lambda f, c: (f, c.critical, tuple(sorted(c.flagged.items()))),
    ),
    ("this metric's outcome and critical", lambda f, c: (f, c.critical)),
    ("this metric's outcome", lambda f, c: (f,)),
)


def _strata(
    cases: Sequence[tuple[CaseInfo, bool, bool | None]],
) -> tuple[list[Stratum], str] | None:
    """Strata of (case, flagged, human label or None) at the finest level where every
    stratum has a review; None when none is."""
    for name, key in _LEVELS:
        counts: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
        flags: dict[tuple[Any, ...], bool] = {}
        for info, flagged, human in cases:
            k = key(flagged, info)
            flags[k] = flagged
            c = counts[k]
            c[0] += 1
            if human is not None:
                c[1] += 1
                c[2] += human
        if all(c[1] for c in counts.values()):
            return [Stratum(flags[k], *c) for k, c in sorted(counts.items(), key=repr)], name
    return None


def _share(n: int, total: int, confidence: float) -> dict[str, Any]:
    return {
        "failures": n,
        "total": total,
        "rate": n / total if total else None,
        "ci": list(wilson(n, total, confidence)) if total else None,
    }


def apply_reviews(
    summary: Mapping[str, Any],
    rows: Iterable[Mapping[str, Any]],
    reviews: Sequence[Mapping[str, Any]],
) -> Applied:
    """`summary` judged again with `reviews` (lines of `reviews.jsonl`) over `rows`, the
    result's `cases.jsonl` rows. Pure: writes nothing."""
    agg = Aggregator()
    row_list = []
    errored = set()
    for row in rows:
        agg.add_row(row)
        row_list.append(row)
        if "error" in row:
            errored.add((row["suite"], row["case"]))
    index = case_index(row_list)
    provenance = dict(summary.get("provenance", {}))
    policies = policies_from_documents(provenance.get("suites", {}))
    applied = Applied(summary={"schema_version": SCHEMA_VERSION, "pocs": {}})  # set below

    latest, stale = current_reviews(index, reviews, frozenset(errored))
    applied.stale = sorted(
        f"{suite}/{case} ({reviewer}: {why})"
        for why, keys in stale.items()
        for suite, case, reviewer in keys
    )
    applied.stale_why = {why: len(keys) for why, keys in stale.items()}
    applied.used = sum(len(v) for v in latest.values())

    blocks: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    qualitative: dict[str, dict[str, Any]] = {}
    corrections: dict[str, dict[str, Reviewed]] = defaultdict(dict)
    for poc in sorted(policies):
        policy = policies[poc]
        conf = policy.confidence
        members = [(k, i) for k, i in index.items() if i.poc == poc]
        reviewed_keys = [k for k, _ in members if k in latest]
        if not reviewed_keys:
            continue
        qualitative[poc] = {"cases": len(reviewed_keys)}
        tally = agg.pocs.setdefault(poc, PocTally())
        for name, (column, failing) in REVIEW_METRICS.items():
            # Per case, the majority of the reviewers who answered the column (a tie
            # fails, as for the labels); cases nobody answered it for are not counted.
            counted = Tally()
            for k in reviewed_keys:
                answers = [x.get(column) == failing for x in latest[k].values() if x.get(column)]
                if answers:
                    counted.add(not majority(answers))
            qualitative[poc][name] = _share(counted.failures, counted.total, conf)
            if counted.total:  # judged like any metric from here on (`verdict.judge`)
                tally.metrics[name] = counted
        metrics = sorted({m for _, i in members for m in i.flagged} - set(REVIEW_METRICS))
        for metric in metrics:
            cases: list[tuple[CaseInfo, bool, bool | None]] = []
            pairs: list[tuple[bool, bool]] = []
            judged_pairs: list[tuple[bool, bool]] = []
            per_case: list[list[bool]] = []
            for k, info in members:
                if metric not in info.flagged:
                    continue
                labels = [
                    x["labels"][metric] == "fail"
                    for _, x in sorted(latest.get(k, {}).items())
                    if metric in x["labels"]
                ]
                human = majority(labels) if labels else None
                cases.append((info, info.flagged[metric], human))
                if human is not None:
                    pairs.append((info.flagged[metric], human))
                    per_case.append(labels)
                    if metric in info.judged:
                        judged_pairs.append((info.flagged[metric], human))
            if not pairs:
                continue
            entry, reviewed = _block(cases, pairs, per_case, policy.thresholds.get(metric), conf)
            entry.update(_judge_calibration(metric, cases, judged_pairs))
            blocks[poc][metric] = entry
            if reviewed is not None:
                corrections[poc][metric] = reviewed

    out = _rejudged(summary, agg, policies, corrections, provenance)
    for poc, metrics_blocks in blocks.items():
        for metric, entry in metrics_blocks.items():
            # A metric the summary has no block for gets one holding its review alone.
            out["pocs"][poc]["metrics"].setdefault(metric, cast(Assessment, {}))["review"] = entry
    for poc, q in qualitative.items():
        out["pocs"][poc]["review"] = q
    settle(out)  # reviews now exist: the unsettled list says so
    out["review"] = {
        "file": REVIEWS_NAME,
        "entries": len(reviews),
        "used": applied.used,
        "stale": applied.stale,
        "stale_why": applied.stale_why,
    }
    applied.summary = out
    return applied


def _block(
    cases: Sequence[tuple[CaseInfo, bool, bool | None]],
    pairs: Sequence[tuple[bool, bool]],
    per_case: Sequence[Sequence[bool]],
    threshold: Any,
    conf: float,
) -> tuple[dict[str, Any], Reviewed | None]:
    """A metric's `review` block, and its correction for the verdict (None: not corrected)."""
    flagged_all = sum(1 for _, f, _ in cases if f)
    total = len(cases)
    rf = [h for _, f, h in cases if f and h is not None]
    ru = [h for _, f, h in cases if not f and h is not None]
    scorer = agreement(pairs)
    among = reviewer_agreement(x for x in per_case if len(x) > 1)
    entry: dict[str, Any] = {
        "cases": len(pairs),
        "flagged": {"cases": flagged_all, "reviewed": len(rf), "failed": sum(rf)},
        "unflagged": {"cases": total - flagged_all, "reviewed": len(ru), "failed": sum(ru)},
        "agreement": scorer.agreement if scorer else None,
        "kappa": scorer.kappa if scorer else None,
        "reviewers": {
            "pairs": among.pairs if among else 0,
            "agreement": among.agreement if among else None,
            "kappa": among.kappa if among else None,
        },
    }
    evidence = {
        "flag_rate": percent(flagged_all / total),
        "flagged": str(flagged_all),
        "scored": str(total),
        "confirmed": str(sum(rf)),
        "flagged_reviewed": str(len(rf)),
        "found": str(sum(ru)),
        "unflagged_reviewed": str(len(ru)),
    }
    found = _strata(cases)
    reviewed = None
    if found is None:
        entry.update(
            rate=None,
            ci=None,
            scorer_precision=None,
            scorer_recall=None,
            note=(
                f"not corrected: {'flagged' if not rf else 'unflagged'} cases have no review, so "
                "their true failure rate is unknown; review some of them "
                "('evalkit review sample' draws from both)"
            ),
        )
    else:
        strata, level = found
        c = corrected_rate(strata, conf)
        more = None
        bar = threshold.bar if threshold is not None else None
        if bar is not None and straddles(c.ci, bar.tolerable, bar.stop):
            more = reviews_to_settle(strata, bar.tolerable, bar.stop, conf)
        entry.update(
            rate=c.rate,
            ci=list(c.ci),
            scorer_precision=scorer_precision(strata),
            scorer_recall=scorer_recall(strata),
            strata=level,
            method="two-phase stratified estimate, Jeffreys-posterior interval",
        )
        if more is not None:
            entry["more_reviews"] = more
        reviewed = Reviewed(c.rate, c.ci, evidence, more)
    entry["evidence"] = Reason("review_evidence", evidence).text("en")
    return entry, reviewed


def _judge_calibration(
    metric: str,
    cases: Sequence[tuple[CaseInfo, bool, bool | None]],
    judged_pairs: Sequence[tuple[bool, bool]],
) -> dict[str, Any]:
    """Who decided the metric's outcomes (`decided_by`) and, where a judge model had a say,
    its agreement with the reviewers (`judge`): the scorer's own measure (share agreeing,
    Cohen's kappa; flagged vs failed by the reviewers' majority) over the reviewed cases
    the judge gave a verdict on. When the judge decided every case (accuracy or
    consistency `method: judge`, a rubric) it equals the scorer's `agreement` / `kappa`,
    which are then the judge's; when it decided some (hallucination's judge: `verify`
    asks only about flagged outputs, `add` about the others) it measures the judge on
    those cases alone."""
    judged = sum(1 for info, _, _ in cases if metric in info.judged)
    if judged == 0:
        return {"decided_by": "scorer"}
    who = "judge" if judged == len(cases) else "scorer and judge"
    measured = agreement(judged_pairs)
    return {
        "decided_by": who,
        "judge": {
            "judged_cases": judged,
            "cases": measured.pairs if measured else 0,
            "agreement": measured.agreement if measured else None,
            "kappa": measured.kappa if measured else None,
        },
    }


def _rejudged(
    summary: Mapping[str, Any],
    agg: Aggregator,
    policies: Mapping[str, Any],
    corrections: Mapping[str, Mapping[str, Reviewed]],
    provenance: Mapping[str, Any],
) -> Summary:
    verdicts = {}
    for poc in sorted(policies):
        tally = agg.pocs.get(poc, PocTally())
        v = judge(poc, tally, policies[poc], corrections.get(poc))
        # The reason `judge` does not write (a merge of some shards says so) is kept; the
        # others are judge's own, of the summary as it was, and are written anew.
        old = stored_reasons(summary.get("pocs", {}).get(poc, {}))
        extra = tuple(r for r in old if r.text().startswith(PARTIAL))
        if extra:
            v = replace(v, reasons=(*extra, *v.reasons))
        verdicts[poc] = v
    out = build_summary(agg, policies, verdicts, provenance, dict(summary.get("run", {})))
    out["verdict"] = Verdict.worst(v.verdict for v in verdicts.values()).value
    return out
