"""Writing result files: `cases.jsonl` rows, the resume journal, and `summary.json`.

Why this shape: results must be diff-friendly and deterministic (sorted keys, fixed float
precision, stable order), written atomically (temp file + rename, so a crash never leaves
a half-written file that looks complete), and streamed (a case is on disk in the journal
as soon as it is finished, so an interrupted run loses nothing and can resume).

Files in a result folder:
- `cases.partial.jsonl` — the journal: one row per finished case, in finishing order,
  flushed per line; present only while a run is unfinished.
- `cases.jsonl` — the final rows, ordered by suite then case id (see README).
- `summary.json` — see README; volatile values only under `run`.
"""

from __future__ import annotations

import heapq
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from evalkit.filemode import match_umask
from evalkit.jsonio import dumps_line, loads
from evalkit.values import PLAIN_LABELS, Case, CaseResult, Score

__all__ = [
    "FLOAT_DIGITS",
    "rounded",
    "dumps_row",
    "case_row",
    "Journal",
    "read_journal",
    "repair_journal",
    "atomic_write_text",
    "write_summary",
    "finalize_cases",
    "JOURNAL_NAME",
    "CASES_NAME",
    "SUMMARY_NAME",
    "COUNTS_NAME",
    "peak_rss_mb",
]

FLOAT_DIGITS = 6
JOURNAL_NAME = "cases.partial.jsonl"
CASES_NAME = "cases.jsonl"
SUMMARY_NAME = "summary.json"
COUNTS_NAME = "counts.json"  # a `run --workers` worker's counts, for its parent (internal)
_SORT_CHUNK = 50_000  # rows per in-memory run of the external sort


def peak_rss_mb() -> float | None:
    """This process's peak resident memory so far, in MB (None where not measurable)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def rounded(value: Any) -> Any:
    """Round every float in a JSON-like value to FLOAT_DIGITS (fixed precision)."""
    if isinstance(value, float):
        return round(value, FLOAT_DIGITS)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v) for v in value]
    return value


def dumps_row(row: dict[str, Any]) -> bytes:
    """One JSONL line (UTF-8, with its newline): sorted keys, compact, text kept readable
    (Japanese stays Japanese). Floats must already be rounded (`case_row` does it):
    rounding a whole row recursively costs more than the rest of writing it."""
    return dumps_line(row)


def _score_entry(s: Score) -> dict[str, Any]:
    entry: dict[str, Any] = {"passed": s.passed, "score": s.score, "reason": s.reason}
    if s.details:
        entry["details"] = s.details if s.details.__class__ is dict else dict(s.details)
    return entry


def case_row(result: CaseResult, case: Case) -> dict[str, Any]:
    """The `cases.jsonl` row of a finished case (README "Result files")."""
    row: dict[str, Any] = {
        "suite": result.suite,
        "poc": result.poc,
        "case": result.case_id,
        "outputs": list(result.outputs),
        "sources": list(result.sources),
        "scores": {m: _score_entry(s) for m, s in result.scores.items()},
    }
    if case.tags:
        row["tags"] = list(case.tags)
    if case.critical:
        row["critical"] = True
    if not case.answerable:
        row["answerable"] = False
    if case.references:
        row["references"] = list(case.references)
    if case.context is not None:
        row["context"] = case.context
    if case.forbidden:
        row["forbidden"] = list(case.forbidden)
    if result.prompt:
        row["prompt"] = result.prompt[-1].content
    labels = result.labels  # plain labels are left out; the engine hands out the shared tuples
    if not (len(labels) <= 64 and labels is PLAIN_LABELS[len(labels)]) and any(
        label != f"sample {i}" for i, label in enumerate(labels)
    ):
        row["labels"] = list(result.labels)
    if result.error is not None:
        row["error"] = result.error
        row["error_kind"] = result.error_kind
    if result.latency_s is not None:
        row["latency_s"] = round(result.latency_s, FLOAT_DIGITS)
    if result.input_tokens is not None or result.output_tokens is not None:
        row["tokens"] = {"input": result.input_tokens, "output": result.output_tokens}
    return row


class Journal:
    """Append-only JSONL of finished cases.

    Durability vs speed: a row whose outputs came from a live model call is flushed at
    once (losing it to `kill -9` would mean paying for the call again); rows answered from
    replay or cache are flushed at least every `_FLUSH_S` seconds (losing them costs
    nothing but a re-read). The journal also notes whether rows arrived already ordered by
    (suite, case id): then finishing the run is a rename instead of a sort.
    """

    _FLUSH_S = 0.2

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = path.exists() and path.stat().st_size > 0
        # A large buffer: rows (with their context) are ~1 KB and most runs write them
        # faster than they need flushing; the default 8 KB meant a write call every few rows.
        self._fh: IO[bytes] = path.open("ab", buffering=1 << 20)
        self._last_flush = time.monotonic()
        self._last_key: tuple[str, str] | None = None
        # Rows already in the file (a resumed run) have unknown order.
        self.in_order = not existing
        self.rows = 0  # rows written by this process

    def write(self, row: dict[str, Any], urgent: bool = True) -> None:
        key = (row["suite"], row["case"])
        if self.in_order and self._last_key is not None and key <= self._last_key:
            self.in_order = False
        self._last_key = key
        self._fh.write(dumps_line(row))
        self.rows += 1
        now = time.monotonic()
        if urgent or now - self._last_flush >= self._FLUSH_S:
            self._fh.flush()
            self._last_flush = now

    def close(self) -> None:
        self._fh.close()


def read_journal(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a journal; a torn last line (the process died mid-write) is ignored."""
    if not path.exists():
        return
    with path.open("rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                break
            try:
                yield loads(line)
            except ValueError:
                break


def repair_journal(path: Path) -> None:
    """Cut a journal back to its last complete, valid line, so that appending after a
    crash never glues a new row onto a torn one."""
    if not path.exists():
        return
    good = 0
    with path.open("rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                break
            try:
                loads(line)
            except ValueError:
                break
            good += len(line)
    if good != path.stat().st_size:
        with path.open("r+b") as fh:
            fh.truncate(good)


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temp file in the same folder, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    match_umask(fd)  # not mkstemp's 0600: the mode the umask allows
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    """Pretty-printed, sorted keys, rounded floats, trailing newline, atomic."""
    atomic_write_text(
        path, json.dumps(rounded(summary), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    )


def _row_key(line: bytes) -> tuple[str, str]:
    row = loads(line)
    return (row["suite"], row["case"])


def finalize_cases(journal: Path, target: Path, in_order: int | None = None) -> int:
    """Sort the journal's rows by (suite, case id) into `target`, atomically; returns the
    row count. `in_order` is the row count of a journal this process wrote whole, with
    strictly increasing keys: then it is renamed into place, unread. Sorting is external (chunks of `_SORT_CHUNK` rows merged from temp files),
    so memory stays bounded however many cases there are. Duplicate rows for one case
    (a case finished twice across a resume) keep the last one written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if in_order is not None:
        os.replace(journal, target)
        return in_order
    lines: list[bytes] = []
    runs: list[Path] = []
    tmpdir = Path(tempfile.mkdtemp(prefix=".sort.", dir=target.parent))
    try:

        def spill() -> None:
            if not lines:
                return
            run = tmpdir / f"run{len(runs)}.jsonl"
            decorated = sorted((_row_key(line), i, line) for i, line in enumerate(lines))
            with run.open("wb") as fh:
                for key, _, line in decorated:
                    fh.write(dumps_line(list(key))[:-1] + b"\t" + line)
            runs.append(run)
            lines.clear()

        for row in read_journal(journal):
            lines.append(dumps_line(row))  # re-serialised: a journal may predate this version
            if len(lines) >= _SORT_CHUNK:
                spill()
        spill()

        def stream(run: Path) -> Iterator[tuple[tuple[str, str], bytes]]:
            with run.open("rb") as fh:
                for entry in fh:
                    key_text, _, line = entry.partition(b"\t")
                    k = loads(key_text)
                    yield (k[0], k[1]), line

        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        match_umask(fd)  # not mkstemp's 0600: the mode the umask allows
        count = 0
        with os.fdopen(fd, "wb") as out:
            previous: tuple[tuple[str, str], bytes] | None = None
            for key, line in heapq.merge(*(stream(r) for r in runs), key=lambda kv: kv[0]):
                # Equal keys arrive in journal order within and across runs: keep the last.
                if previous is not None and previous[0] != key:
                    out.write(previous[1])
                    count += 1
                previous = (key, line)
            if previous is not None:
                out.write(previous[1])
                count += 1
        os.replace(tmp, target)
        return count
    finally:
        for run in runs:
            run.unlink(missing_ok=True)
        tmpdir.rmdir()
