"""Merge shard result folders into one, re-judged from the rows (issue: scale).

Why from rows: a summary's counts cannot be added up naively across shards (intervals,
per-tag bars, critical cases), but `cases.jsonl` rows plus the judging policy recorded in
provenance rebuild the exact counts, so the merged `summary.json` equals an unsharded
run's apart from `run` and `provenance`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.aggregate import Aggregator
from evalkit.errors import ResultError
from evalkit.resultfiles import iter_case_rows, load_summary, resolve
from evalkit.results import CASES_NAME, SUMMARY_NAME, Journal, finalize_cases, write_summary
from evalkit.summary import build_summary, judge_all
from evalkit.verdict import PocVerdict, policies_from_documents

__all__ = ["merge"]


def _without_shard(provenance: dict[str, Any]) -> dict[str, Any]:
    copy = json.loads(json.dumps(provenance))
    copy.get("options", {}).pop("shard", None)
    return copy


def merge(sources: Sequence[Path], out_dir: Path) -> tuple[dict[str, Any], dict[str, PocVerdict]]:
    """Combine result folders `sources` into `out_dir`; returns (summary, verdicts).

    The sources must come from the same suites and settings (their provenance, shard
    aside, must agree) and must not share a case (overlapping shards are refused)."""
    if not sources:
        raise ResultError("merge needs at least one result folder")
    summaries = [load_summary(resolve(p).summary) for p in sources]
    base = _without_shard(summaries[0]["provenance"])
    for path, summary in zip(sources[1:], summaries[1:], strict=True):
        if _without_shard(summary["provenance"])["suites"] != base["suites"]:
            raise ResultError(
                f"{path} was made from different suites or settings than {sources[0]} "
                "(their provenance differs); merge only shards of one run"
            )
    agg = Aggregator()
    seen: set[tuple[str, str]] = set()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".merge.") as tmp:
        journal_path = Path(tmp) / "rows.jsonl"
        journal = Journal(journal_path)
        try:
            for path in sources:
                cases = resolve(path).cases
                if cases is None:
                    raise ResultError(f"{path} has no {CASES_NAME}; merge needs the per-case rows")
                for row in iter_case_rows(cases):
                    key = (row["suite"], row["case"])
                    if key in seen:
                        raise ResultError(
                            f"case {key[0]}/{key[1]} appears in more than one source ({path}); shards overlap"
                        )
                    seen.add(key)
                    agg.add_row(row)
                    journal.write(row, urgent=False)
        finally:
            journal.close()
        finalize_cases(
            journal_path, out_dir / CASES_NAME, in_order=journal.rows if journal.in_order else None
        )
    policy = policies_from_documents(base["suites"])
    verdicts = judge_all(agg, policy)
    provenance = dict(base)
    provenance["merged_from"] = [str(p) for p in sources]
    run_blocks = [s.get("run", {}) for s in summaries]
    run = {
        "shards": run_blocks,
        "requests": sum(int(r.get("requests", 0) or 0) for r in run_blocks),
        "duration_s": max((float(r.get("duration_s", 0) or 0) for r in run_blocks), default=0.0),
    }
    summary = build_summary(agg, policy, verdicts, provenance, run)
    write_summary(out_dir / SUMMARY_NAME, summary)
    return summary, verdicts
