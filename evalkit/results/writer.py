"""Writing result files: `cases.jsonl` rows, the resume journal, and `summary.json`.

Why this shape: results must be diff-friendly and deterministic (sorted keys, fixed float
precision, stable order), written atomically (temp file + rename, so a crash never leaves
a half-written file that looks complete), and streamed (a case is on disk in the journal
as soon as it is finished, so an interrupted run loses nothing and can resume).

Files in a result folder:
- `cases.partial.jsonl` — the journal: one row per finished case, in finishing order,
  flushed per line; present only while a run is unfinished.
- `cases.jsonl` — the final rows, ordered by suite then case id (see README).
- `summary.json` — see README; volatile values only under `run`, which also describes the
  `cases.jsonl` it was written with (`run.cases_file`: rows, bytes, sha256).

The final write (`commit_result`) keeps the folder holding one whole result at every
instant, whatever kills the process or fills the disk, and loses no finished case:
1. the new `cases.jsonl` and `summary.json` are written to temp names and fsynced, the
   journal left as it is (an error here leaves the previous result untouched);
2. the old `summary.json` is removed — from here until step 4 the folder holds no result
   (readers say there is no summary), never new rows beside an old summary;
3. the new rows are renamed into place;
4. the new summary is renamed into place: the result is committed;
5. the journal is removed.
A crash before step 5 leaves the journal, so the rerun resumes every finished case from it
and calls no model for them. Readers can also check a `cases.jsonl` against the summary
that describes it (`cases_file_mismatch`).

Size (over 400 lines): the journal, the sorted rows, the temp files and the commit share
one protocol (temp names, fsync order, the journal's hand-over to `cases.jsonl`); kept in
one module so that the order that makes a killed run recoverable reads in one place.
"""

from __future__ import annotations

import errno
import hashlib
import heapq
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, NoReturn

from evalkit.common.filemode import match_umask
from evalkit.common.jsonio import dumps_line, escape_surrogates, loads
from evalkit.errors import ResultWriteError
from evalkit.results.documents import CaseRow, ScoreEntry, Summary
from evalkit.values import PLAIN_LABELS, Case, CaseResult, Score

__all__ = [
    "FLOAT_DIGITS",
    "rounded",
    "case_row",
    "Journal",
    "read_journal",
    "repair_journal",
    "atomic_write_text",
    "write_summary",
    "summary_text",
    "sorted_cases",
    "commit_result",
    "write_result",
    "describe_cases",
    "cases_file_mismatch",
    "clear_temps",
    "new_temp",
    "unshare_journal",
    "unwritable",
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


def _score_entry(s: Score, codes: bool = False) -> ScoreEntry:
    entry: ScoreEntry = {"passed": s.passed, "score": s.score, "reason": s.reason}
    if s.details:
        entry["details"] = s.details if s.details.__class__ is dict else dict(s.details)
    if codes and s.said is not None:
        entry["reason_code"] = s.said.document()
    return entry


# Kana: what tells Japanese text from Chinese (`_i18n.text_language` counts letters too,
# a per-character loop: too slow to run on every case's prompt).
_KANA = re.compile("[\u3041-\u309f\u30a0-\u30ff]")


def _japanese(result: CaseResult) -> bool:
    """Whether the case's prompt is Japanese (it has kana): its reasons' codes are stored
    (`reason_code`), from which a report words them in Japanese. Decided per case, from
    the case's own text, so a `--workers` run (each worker sees a window of the cases)
    writes the same rows as one process; not for every case: storing the codes cost
    ~3.5 µs a case (the accuracy and hallucination entries of the scale load written as
    JSON, in one process), and they add ~440 bytes to a row of the demo's Japanese cases."""
    if not result.prompt:
        return False
    prompt = result.prompt[-1].content
    return not prompt.isascii() and _KANA.search(prompt) is not None


def case_row(result: CaseResult, case: Case) -> CaseRow:
    """The `cases.jsonl` row of a finished case (README "Result files")."""
    codes = _japanese(result)
    row: CaseRow = {
        "suite": result.suite,
        "poc": result.poc,
        "case": result.case_id,
        "outputs": list(result.outputs),
        "sources": list(result.sources),
        "scores": {m: _score_entry(s, codes) for m, s in result.scores.items()},
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
        self.failed: Exception | None = None

    def write(self, row: CaseRow, urgent: bool = True) -> None:
        """Append a row; a full disk or a lost permission raises `ResultWriteError` (the
        rows already written stay: a torn last line is cut off on resume)."""
        if self.failed is not None:
            raise self.failed
        key = (row["suite"], row["case"])
        if self.in_order and self._last_key is not None and key <= self._last_key:
            self.in_order = False
        self._last_key = key
        try:
            self._fh.write(dumps_line(row))
            self.rows += 1
            now = time.monotonic()
            if urgent or now - self._last_flush >= self._FLUSH_S:
                self._fh.flush()
                self._last_flush = now
        except OSError as exc:
            self.failed = unwritable(exc, self.path, _KEPT.format(journal=self.path))
            _reraise(self.failed, exc)

    def close(self) -> None:
        try:
            self._fh.close()
        except OSError as exc:
            if self.failed is None:  # else the first failure is the one reported
                self.failed = unwritable(exc, self.path, _KEPT.format(journal=self.path))
                _reraise(self.failed, exc)


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


def summary_text(summary: Summary) -> str:
    """Pretty-printed, sorted keys, rounded floats, trailing newline; a lone surrogate (a
    case id can hold one) as its JSON escape, so the text always encodes as UTF-8."""
    text = json.dumps(rounded(summary), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    return escape_surrogates(text)


def write_summary(path: Path, summary: Summary) -> None:
    """`summary_text`, written atomically (without the ordering of `commit_result`)."""
    atomic_write_text(path, summary_text(summary))


def _row_key(line: bytes) -> tuple[str, str]:
    row = loads(line)
    return (row["suite"], row["case"])


def sorted_cases(journal: Path, folder: Path, in_order: bool = False) -> Path:
    """A temp file in `folder` holding the journal's rows sorted by (suite, case id); the
    journal is left as it is (it is what a crash resumes from until the commit).

    `in_order`: the journal was written whole by this process with strictly increasing
    keys, so it already is the file: it is hard-linked, not copied (copied where the file
    system has no hard links). Else the sort is external (chunks of `_SORT_CHUNK` rows
    merged from temp files), so memory stays bounded however many cases there are.
    Duplicate rows for one case (a case finished twice across a resume) keep the last one
    written."""
    folder.mkdir(parents=True, exist_ok=True)
    if in_order:
        tmp = _temp_name(folder, CASES_NAME)
        try:
            os.link(journal, tmp)
        except OSError:  # no hard links here (some network and FAT file systems)
            shutil.copyfile(journal, tmp)
        return tmp
    lines: list[bytes] = []
    runs: list[Path] = []
    tmpdir = Path(tempfile.mkdtemp(prefix=f"{_TEMP_PREFIX}sort.", dir=folder))
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

        fd, tmp_name = tempfile.mkstemp(prefix=f"{_TEMP_PREFIX}{CASES_NAME}.", dir=folder)
        match_umask(fd)  # not mkstemp's 0600: the mode the umask allows
        try:
            with os.fdopen(fd, "wb") as out:
                previous: tuple[tuple[str, str], bytes] | None = None
                for key, line in heapq.merge(*(stream(r) for r in runs), key=lambda kv: kv[0]):
                    # Equal keys arrive in journal order within and across runs: keep the last.
                    if previous is not None and previous[0] != key:
                        out.write(previous[1])
                    previous = (key, line)
                if previous is not None:
                    out.write(previous[1])
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return Path(tmp_name)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def describe_cases(path: Path) -> dict[str, Any]:
    """What a summary records of the `cases.jsonl` it is written with: `rows`, `bytes` and
    `sha256`. Reads the file once (~0.6 s a gigabyte) and fsyncs it, so the rows are on
    disk before a summary that describes them can be."""
    digest = hashlib.sha256()
    rows = size = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            rows += block.count(b"\n")
            size += len(block)
        os.fsync(fh.fileno())
    return {"rows": rows, "bytes": size, "sha256": digest.hexdigest()}


def cases_file_mismatch(
    summary: Mapping[str, Any], cases: Path, digest: bool = False
) -> str | None:
    """Why `cases` is not the file `summary` was written with (None: it is, as far as
    checked, or the summary predates `run.cases_file`). Rows and size always (a `stat`);
    the SHA-256 of the whole file when `digest`."""
    run = summary.get("run")
    expected = run.get("cases_file") if isinstance(run, Mapping) else None
    if not isinstance(expected, Mapping):
        return None
    try:
        size = cases.stat().st_size
    except OSError as exc:
        return f"{cases} cannot be read ({exc.strerror})"
    if size != expected.get("bytes"):
        return (
            f"{cases} holds {size} bytes but its summary was written with "
            f"{expected.get('bytes')} ({expected.get('rows')} rows)"
        )
    if digest:
        found = describe_cases(cases)
        if (found["sha256"], found["rows"]) != (expected.get("sha256"), expected.get("rows")):
            return f"{cases} is not the file its summary was written with (its SHA-256 differs)"
    return None


def _temp_text(folder: Path, name: str, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f"{_TEMP_PREFIX}{name}.", dir=folder)
    match_umask(fd)  # not mkstemp's 0600: the mode the umask allows
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _fsync_dir(folder: Path) -> None:
    """Make the renames in `folder` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit_result(
    folder: Path,
    cases_tmp: Path,
    summary: Summary,
    extra: Mapping[str, str] | None = None,
) -> None:
    """Put a new result in place of the old one in the order of the module docstring:
    temp files written and fsynced; the old summary removed; `cases_tmp` and the `extra`
    files (name → text) renamed in; the new summary renamed in last. Adds
    `run.cases_file` to `summary`. An error before the old summary is removed leaves the
    folder as it was (temp files deleted); raises `OSError` as it comes."""
    temps = [cases_tmp]
    try:
        summary.setdefault("run", {})["cases_file"] = describe_cases(cases_tmp)
        summary_tmp = _temp_text(folder, SUMMARY_NAME, summary_text(summary))
        temps.append(summary_tmp)
        extra_tmps = {}
        for name, text in (extra or {}).items():
            extra_tmps[name] = _temp_text(folder, name, text)
            temps.append(extra_tmps[name])
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        raise
    (folder / SUMMARY_NAME).unlink(missing_ok=True)  # the old result is withdrawn first
    _fsync_dir(folder)
    for name, tmp in extra_tmps.items():
        os.replace(tmp, folder / name)
    os.replace(cases_tmp, folder / CASES_NAME)
    _fsync_dir(folder)
    os.replace(summary_tmp, folder / SUMMARY_NAME)  # the new result is committed
    _fsync_dir(folder)


def write_result(
    folder: Path,
    summary: Summary,
    in_order: bool = False,
    extra: Mapping[str, str] | None = None,
) -> int:
    """A run's final write: its journal's rows sorted into `cases.jsonl` and `summary`
    committed (`commit_result`), then the journal removed. Returns the row count. A full
    disk or a lost permission raises `ResultWriteError`; the journal is kept, and so is
    the previous result unless the failure came after it was withdrawn."""
    journal = folder / JOURNAL_NAME
    try:
        commit_result(folder, sorted_cases(journal, folder, in_order), summary, extra)
    except OSError as exc:
        _reraise(unwritable(exc, folder, _KEPT.format(journal=journal)), exc)
    try:
        journal.unlink(missing_ok=True)
    except OSError:  # committed all the same; a rerun would resume from it, calling nothing
        pass
    return int(summary["run"]["cases_file"]["rows"])


def new_temp(folder: Path, name: str) -> Path:
    """A new empty temp file for `name` in `folder`, with the mode the umask allows and a
    name `clear_temps` removes (for a final write that `commit_result` then puts in place)."""
    fd, tmp = tempfile.mkstemp(prefix=f"{_TEMP_PREFIX}{name}.", dir=folder)
    try:
        match_umask(fd)  # not mkstemp's 0600
    finally:
        os.close(fd)
    return Path(tmp)


def clear_temps(folder: Path) -> None:
    """Remove the temp files a killed final write left (call it holding the folder)."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name.startswith(_TEMP_PREFIX):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def unshare_journal(journal: Path, cases: Path) -> None:
    """Give the journal a file of its own when it is still the committed `cases.jsonl`
    (a run killed between its commit and removing its journal: they are one hard-linked
    file), so that appending to the journal can never change a committed result."""
    try:
        shared = cases.exists() and os.path.samefile(journal, cases)
    except OSError:
        return
    if shared:
        tmp = _temp_name(journal.parent, JOURNAL_NAME)
        shutil.copyfile(journal, tmp)
        os.replace(tmp, journal)


# Errors of the machine, not of evalkit: a full disk, a quota, no permission, a read-only
# or failing disk. They are usage errors (exit 2) that say what to do.
_ENVIRONMENT = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EFBIG,
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.EIO,
}
_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space, or give --out a folder on a disk with room",
    errno.EDQUOT: "the disk quota is used up: free some space, or give --out another folder",
    errno.EFBIG: "the file is too large for this file system: give --out another folder",
    errno.EACCES: "permission denied: make the folder writable, or give --out another folder",
    errno.EPERM: "not permitted: make the folder writable, or give --out another folder",
    errno.EROFS: "the file system is read-only: give --out a folder on a writable disk",
    errno.EIO: "the disk reported an I/O error: check it, or give --out another folder",
}
_KEPT = (
    "finished cases are kept in {journal}: run the same command again to finish "
    "without calling the model for them"
)
_TEMP_PREFIX = ".tmp-"


def _temp_name(folder: Path, name: str) -> Path:
    """A fresh temp name for `name` in `folder` (the file is created by the caller)."""
    return folder / f"{_TEMP_PREFIX}{name}.{os.getpid()}.{secrets.token_hex(4)}"


def _reraise(error: Exception, cause: OSError) -> NoReturn:
    if error is cause:
        raise cause
    raise error from cause


def unwritable(exc: OSError, path: Path, kept: str) -> Exception:
    """The exception to raise for `exc`, met writing `path`: a `ResultWriteError` naming
    the path, the cause, what to do and what is `kept`, when the machine is the cause
    (disk full, permissions); `exc` itself otherwise (a bug, with its traceback)."""
    if exc.errno not in _ENVIRONMENT:
        return exc
    where = exc.filename if isinstance(exc.filename, str) else str(path)
    message = f"cannot write {where}: {exc.strerror or exc} — {_ADVICE[exc.errno]}"
    return ResultWriteError(message + (f"; {kept}" if kept else ""))
