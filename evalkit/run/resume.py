"""Picking up an interrupted run: the cases its journal already holds (`resume_journal`),
or a `run --workers` worker's whole result when it had finished (`finished_worker`).

A journal is resumed only when it was written under the same fingerprint (see
`provenance.fingerprint`); otherwise it is discarded and the meta file records the new
fingerprint before the first case is written."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from evalkit.results.summary import judge_all
from evalkit.results.writer import (
    CASES_NAME,
    COUNTS_NAME,
    JOURNAL_NAME,
    SUMMARY_NAME,
    atomic_write_text,
    cases_file_mismatch,
    read_journal,
    repair_journal,
    unshare_journal,
)
from evalkit.run.options import RunOutcome
from evalkit.run.selection import case_hash
from evalkit.values import Suite
from evalkit.verdict.aggregate import Aggregator, aggregator_add_json
from evalkit.verdict.rules import policies

__all__ = ["META_NAME", "Costs", "finished_worker", "resume_journal"]

META_NAME = "cases.partial.meta.json"

# Per currency: [total cost, cases priced].
Costs = dict[str, list[float]]


def finished_worker(out_dir: Path, fingerprint: str, suites: Sequence[Suite]) -> RunOutcome | None:
    """A `run --workers` worker that already finished this very run (its parent was
    interrupted before merging): its result, so the rerun calls no model for its cases."""
    try:
        counts = json.loads((out_dir / COUNTS_NAME).read_text(encoding="utf-8"))
        if counts.get("fingerprint") != fingerprint or not (out_dir / CASES_NAME).exists():
            return None
        summary = json.loads((out_dir / SUMMARY_NAME).read_text(encoding="utf-8"))
        if cases_file_mismatch(summary, out_dir / CASES_NAME) is not None:
            return None  # not the rows this summary was written with: resume instead
    except (OSError, ValueError, AttributeError):
        return None
    agg = Aggregator()
    aggregator_add_json(agg, counts["counts"])
    cases = sum(p.cases for p in agg.pocs.values())
    return RunOutcome(out_dir, summary, judge_all(agg, policies(suites)), cases, cases, (), 0)


def resume_journal(
    out_dir: Path, fingerprint: str, resume: bool, agg: Aggregator, costs: Costs
) -> set[int]:
    """The `case_hash`es of the finished cases of a journal left by an interrupted
    identical run, added to `agg` and `costs`. Cases that ended in a client error are not
    "done": they are tried again. `resume` False discards the journal."""
    journal, meta = out_dir / JOURNAL_NAME, out_dir / META_NAME
    same = False
    if resume and journal.exists() and meta.exists():
        try:
            same = json.loads(meta.read_text(encoding="utf-8")).get("fingerprint") == fingerprint
        except ValueError:
            same = False
    if not same:
        journal.unlink(missing_ok=True)
        atomic_write_text(meta, json.dumps({"fingerprint": fingerprint}) + "\n")
        return set()
    unshare_journal(journal, out_dir / CASES_NAME)  # killed between commit and cleanup
    repair_journal(journal)
    done: set[int] = set()
    for row in read_journal(journal):
        if "error" in row:
            continue
        key = case_hash(row["suite"], row["case"])
        if key in done:
            continue
        done.add(key)
        if "cost" in row:
            acc = costs.setdefault(row["cost"]["currency"], [0.0, 0])
            acc[0] += row["cost"]["amount"]
            acc[1] += 1
        agg.add_row(row)
    return done
