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
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

from evalkit.aggregate import Aggregator, aggregator_add_json
from evalkit.errors import ResultError
from evalkit.filemode import match_umask
from evalkit.jsonio import dumps_line, loads
from evalkit.resultfiles import iter_case_rows, load_summary, resolve
from evalkit.results import CASES_NAME, SUMMARY_NAME, peak_rss_mb, write_summary
from evalkit.shards import check_row_counts, check_set
from evalkit.summary import build_summary, judge_all
from evalkit.verdict import PocVerdict, policies_from_documents

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
) -> Iterator[tuple[tuple[str, str], dict[str, Any], Path]]:
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
    (contiguous windows of a sorted cases file) the first worker's file becomes the merged
    one and the others are appended to it (a million-case run's rows are a gigabyte:
    copying it all took ~3 s); else they are interleaved by key. The workers wrote their
    rows sorted, each case once, moments ago: nothing to re-check."""
    for path in counts:
        aggregator_add_json(agg, loads(path.read_bytes())["counts"])
    files = [resolve(path).cases for path in sources]
    present = [f for f in files if f is not None and f.stat().st_size > 0]
    ends = [(_key(_first_line(f)), _key(_last_line(f))) for f in present]
    if present and all(a[1] < b[0] for a, b in itertools.pairwise(ends)):
        first, size = present[0], present[0].stat().st_size
        os.replace(first, tmp)
        try:
            with tmp.open("r+b") as out:  # not "ab": the kernel's copy refuses append mode
                out.seek(0, os.SEEK_END)
                for f in present[1:]:
                    _append_file(f, out)
        except BaseException:  # give the worker its rows back, as they were: resumable
            os.truncate(tmp, size)
            os.replace(tmp, first)
            raise
        return
    with tmp.open("wb") as out:
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
) -> tuple[dict[str, Any], dict[str, PocVerdict]]:
    """Combine result folders `sources` into `out_dir`; returns (summary, verdicts).

    The sources must be one complete run (see `evalkit.shards.check_set`): the shards
    1/N … N/N of one run, each once, with the same suites and settings. With `partial`
    some shards may be missing: the merged summary then records which it holds
    (`provenance.options.shard` "I,J/N") and every PoC's reasons start by saying that the
    verdict covers only those shards. Rows must not overlap and each source's rows must
    match its summary's case count. `counts`: the sources' count files (`COUNTS_NAME`),
    written by `run --workers` workers of this very run; then the rows are not re-counted
    (see `_merge_counted`)."""
    if not sources:
        raise ResultError("merge needs at least one result folder")
    summaries = [load_summary(resolve(p).summary) for p in sources]
    coverage = check_set(sources, summaries, partial)
    base = _without_shard(summaries[0]["provenance"])
    agg = Aggregator()
    rows_seen: dict[Path, int] = {}
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / CASES_NAME
    fd, tmp = tempfile.mkstemp(prefix=f".{CASES_NAME}.", dir=out_dir)
    match_umask(fd)  # not mkstemp's 0600: the mode the umask allows
    try:
        if counts is not None:
            os.close(fd)
            _merge_counted(sources, counts, agg, Path(tmp))
        else:
            with os.fdopen(fd, "wb") as out:
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
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
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
    }
    summary = build_summary(agg, policy, verdicts, provenance, run)
    write_summary(out_dir / SUMMARY_NAME, summary)
    return summary, verdicts


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
