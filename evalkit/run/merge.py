"""Merge shard result folders into one, re-judged from the rows (issue: scale).

Why from rows: a summary's counts cannot be added up naively across shards (intervals,
per-tag bars, critical cases), but `cases.jsonl` rows plus the judging policy recorded in
provenance rebuild the exact counts, so the merged `summary.json` equals an unsharded
run's apart from `run` and `provenance`.
"""

from __future__ import annotations

import heapq
import io
import itertools
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import replace
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

from evalkit.common.jsonio import dumps_line, loads
from evalkit.errors import ResultError
from evalkit.results.documents import CaseRow, Summary
from evalkit.results.reader import iter_case_rows, load_summary, resolve
from evalkit.results.summary import build_summary, judge_all
from evalkit.results.writer import (
    CASES_NAME,
    clear_temps,
    commit_result,
    new_temp,
    peak_rss_mb,
    unwritable,
)
from evalkit.run.shards import Coverage, check_row_counts, check_set
from evalkit.verdict.aggregate import Aggregator, aggregator_add_json
from evalkit.verdict.rules import PocVerdict, policies_from_documents

__all__ = ["merge"]


def _without_shard(provenance: dict[str, Any]) -> dict[str, Any]:
    """The provenance of the whole run the shards belong to (as an unsharded run records it)."""
    copy = json.loads(json.dumps(provenance))
    copy.pop("merged_from", None)
    if "shard" in copy.get("options", {}):
        copy["options"]["shard"] = None
    return copy


def _ordered_rows(
    path: Path, seen: dict[Path, int]
) -> Iterator[tuple[tuple[str, str], CaseRow, Path]]:
    """(key, row, source) of one source's `cases.jsonl`, checking the (suite, case id)
    order every evalkit result file has: that order lets shards merge as sorted streams,
    in memory independent of their size. `seen[path]` counts the rows read."""
    cases = resolve(path).cases
    if cases is None:
        raise ResultError(f"{path} has no {CASES_NAME}; merge needs the per-case rows")
    previous: tuple[str, str] | None = None
    seen[path] = 0
    for row in iter_case_rows(cases):
        seen[path] += 1
        key = (row["suite"], row["case"])
        if previous is not None and key <= previous:
            what = "twice" if key == previous else "out of order"
            raise ResultError(
                f"{cases}: case {key[0]}/{key[1]} appears {what}; a result file lists each "
                "case once, ordered by suite then case id (re-run or re-merge it with evalkit)"
            )
        previous = key
        yield key, row, path


def _append_file(path: Path, out: BinaryIO) -> None:
    """Append a whole file to `out`, copied by the kernel where it can (a million-case
    run's rows are a gigabyte: a Python read/write loop spent ~3 s of CPU on them)."""
    with path.open("rb") as handle:
        try:
            out.flush()
            size, src, dst = os.fstat(handle.fileno()).st_size, handle.fileno(), out.fileno()
            while size > 0:
                sent = os.copy_file_range(src, dst, min(size, 1 << 30))
                if sent == 0:
                    break
                size -= sent
            out.seek(0, os.SEEK_END)
            if size == 0:
                return
        except (AttributeError, OSError, io.UnsupportedOperation):  # not Linux, or no fd
            pass
        shutil.copyfileobj(handle, out, 1 << 20)


def _merge_counted(
    sources: Sequence[Path], counts: Sequence[Path], agg: Aggregator, tmp: Path
) -> None:
    """The `run --workers` merge into the file `tmp`: counts add up from the workers' count
    files, and rows are not parsed — when each file ends before the next begins
    (contiguous windows of a sorted cases file) the files are copied one after the other
    by the kernel; else they are interleaved by key. The workers wrote their rows sorted,
    each case once, moments ago: nothing to re-check.

    The workers' files are only read, never moved: a parent killed mid-merge leaves every
    worker's finished result in place, so the rerun takes them as they are and calls no
    model (the first worker's file used to be renamed into place and appended to, which
    lost its rows to a kill). What that costs, measured on 2 × 50,000 rows of
    `tests/benchmarks/scale.py` (110 MB, ext4, warm cache): copying the first worker's
    rows too takes this step from 0.03 to 0.04 s (a 550 MB half of a million-case run:
    +0.14 s warm, +0.7 s cold); the merge's crash-consistent write (`commit_result`:
    SHA-256 and fsync of the merged rows) adds 0.11 s."""
    for path in counts:
        aggregator_add_json(agg, loads(path.read_bytes())["counts"])
    files = [resolve(path).cases for path in sources]
    present = [f for f in files if f is not None and f.stat().st_size > 0]
    ends = [(_key(_first_line(f)), _key(_last_line(f))) for f in present]
    with tmp.open("wb") as out:  # not "ab": the kernel's copy refuses append mode
        if all(a[1] < b[0] for a, b in itertools.pairwise(ends)):
            for f in present:
                _append_file(f, out)
            return
        handles = [f.open("rb") for f in present]
        try:
            keyed = ((((_key(line), line) for line in h)) for h in handles)
            for _, line in heapq.merge(*keyed, key=itemgetter(0)):
                out.write(line)
        finally:
            for h in handles:
                h.close()


def _key(line: bytes) -> tuple[str, str]:
    row = loads(line)
    return (row["suite"], row["case"])


def _first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.readline()


def _last_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        step = 4096
        while True:
            start = max(0, size - step)
            handle.seek(start)
            tail = handle.read(size - start)
            cut = tail.rstrip(b"\n").rfind(b"\n")
            if cut >= 0 or start == 0:
                return tail[cut + 1 :]
            step *= 4


def merge(
    sources: Sequence[Path],
    out_dir: Path,
    counts: Sequence[Path] | None = None,
    partial: bool = False,
) -> tuple[Summary, dict[str, PocVerdict]]:
    """Combine result folders `sources` into `out_dir`; returns (summary, verdicts).

    The sources must be one complete run (see `evalkit.run.shards.check_set`): the shards
    1/N … N/N of one run, each once, with the same suites and settings. With `partial`
    some shards may be missing: the merged summary then records which it holds
    (`provenance.options.shard` "I,J/N") and every PoC's reasons start by saying that the
    verdict covers only those shards. Rows must not overlap and each source's rows must
    match its summary's case count. `counts`: the sources' count files (`COUNTS_NAME`),
    written by `run --workers` workers of this very run; then the rows are not re-counted
    (see `_merge_counted`).

    The result is written as a run's is (`results.commit_result`): at every instant
    `out_dir` holds its previous complete result, no summary, or the merged one. The
    sources are only read, so a merge that fails or is killed is redone from them. Call it
    holding `out_dir` (`folderlock.hold_folder`): it removes what a killed merge left
    there. A full disk or a lost permission raises `ResultWriteError`."""
    if not sources:
        raise ResultError("merge needs at least one result folder")
    summaries = [load_summary(resolve(p).summary) for p in sources]
    coverage = check_set(sources, summaries, partial)
    base = _without_shard(summaries[0]["provenance"])
    agg = Aggregator()
    rows_seen: dict[Path, int] = {}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        clear_temps(out_dir)  # a killed merge's; the folder is ours
        tmp = new_temp(out_dir, CASES_NAME)
    except OSError as exc:
        _unwritable(exc, out_dir)
    try:
        if counts is not None:
            _merge_counted(sources, counts, agg, tmp)
        else:
            with tmp.open("wb") as out:
                previous: tuple[str, str] | None = None
                streams = [_ordered_rows(path, rows_seen) for path in sources]
                for key, row, path in heapq.merge(*streams, key=itemgetter(0)):
                    if key == previous:
                        raise ResultError(
                            f"case {key[0]}/{key[1]} appears in more than one source ({path}); shards overlap"
                        )
                    previous = key
                    agg.add_row(row)
                    out.write(dumps_line(row))
            check_row_counts(sources, summaries, rows_seen)
        summary, verdicts = _judged(agg, base, coverage, sources, summaries)
        commit_result(out_dir, tmp, summary)  # adds run.cases_file
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _unwritable(exc, out_dir)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary, verdicts


def _unwritable(exc: OSError, out_dir: Path) -> NoReturn:
    """Raise `ResultWriteError` for a full disk or a lost permission, else `exc`."""
    failure = unwritable(exc, out_dir, _KEPT)
    if failure is exc:
        raise exc
    raise failure from exc


_KEPT = "the folders merged from are left as they were: run the same command again"


def _judged(
    agg: Aggregator,
    base: dict[str, Any],
    coverage: Coverage,
    sources: Sequence[Path],
    summaries: Sequence[Summary],
) -> tuple[Summary, dict[str, PocVerdict]]:
    """The merged summary and verdicts, from the merged counts."""
    policy = policies_from_documents(base["suites"])
    verdicts = judge_all(agg, policy)
    if not coverage.complete:
        verdicts = {
            poc: replace(v, reasons=(coverage.reason(_cases(agg, poc)), *v.reasons))
            for poc, v in verdicts.items()
        }
    provenance = dict(base)
    provenance["options"] = {**provenance.get("options", {}), "shard": coverage.label}
    provenance["merged_from"] = [str(p) for p in sources]
    run_blocks = [s.get("run", {}) for s in summaries]
    run = {
        "shards": run_blocks,
        "requests": sum(int(r.get("requests", 0) or 0) for r in run_blocks),
        "duration_s": max((float(r.get("duration_s", 0) or 0) for r in run_blocks), default=0.0),
        "peak_rss_mb": peak_rss_mb(),  # of the merging process; each shard's is in `shards`
        **_request_phase(run_blocks),
        "judge_tokens": _judge_tokens(run_blocks),
    }
    return build_summary(agg, policy, verdicts, provenance, run), verdicts


def _judge_tokens(run_blocks: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The shards' `run.judge_tokens` added up (None when no shard had a judge): calls,
    tokens (None when no shard's judge reported any) and the cost per currency."""
    blocks = [b for r in run_blocks if isinstance(b := r.get("judge_tokens"), dict)]
    if not blocks:
        return None
    out: dict[str, Any] = {"calls": sum(int(b.get("calls") or 0) for b in blocks)}
    for side in ("input", "output"):
        counts = [int(b[side]) for b in blocks if b.get(side) is not None]
        out[side] = sum(counts) if counts else None
    cost: dict[str, dict[str, Any]] = {}
    for b in blocks:
        for currency, c in (b.get("cost") or {}).items():
            acc = cost.setdefault(currency, {"total": 0.0, "calls": 0, "cases": 0})
            acc["total"] += float(c.get("total") or 0.0)
            acc["calls"] += int(c.get("calls") or 0)
            acc["cases"] += int(c.get("cases") or 0)
    for acc in cost.values():
        acc["per_case"] = acc["total"] / acc["cases"] if acc["cases"] else None
    out["cost"] = dict(sorted(cost.items()))
    return out


def _cases(agg: Aggregator, poc: str) -> int:
    tally = agg.pocs.get(poc)
    return tally.cases if tally is not None else 0


def _request_phase(run_blocks: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The merged run's request phase: earliest request of any shard to latest response
    (wall clock; across machines, up to their clock skew). Absent when some shard that
    sent requests did not record its phase's ends (an older evalkit)."""
    ends: list[list[float]] = []
    for r in run_blocks:
        if r.get("request_phase_s") is None:
            continue  # this shard needed no I/O (replay, cache)
        at = r.get("request_phase_at")
        if not isinstance(at, list) or len(at) != 2:
            return {}
        ends.append(at)
    if not ends:
        return {}
    first, last = min(e[0] for e in ends), max(e[1] for e in ends)
    return {"request_phase_s": last - first, "request_phase_at": [first, last]}
