"""Streaming `cases_from` sources: JSONL, CSV and Hugging Face `datasets`.

Why streaming: suites may point at files of a million cases, and a run must stay within a
small, constant memory budget. `FileCases` is a re-iterable `CaseSource`: each iteration
opens the source again and yields one `Case` at a time; nothing ever holds all rows.

`FileCases.check()` is the validation pass the loader runs once before any run: it reads
every row, converts it with the cheap hand-written checks of `evalkit.suite.case_rows`
(same rules as inline cases), and reports each bad row by file line (JSONL: the line;
CSV: the line where the row starts; datasets: the row index, as `rows[i]`). Duplicate ids
are found without keeping the ids: one 8-byte hash per row goes into an `array`, which is
sorted at the end (Python's own `hash` of the id: salted per process, which is fine because
both passes run in one process); only when hashes repeat does a second pass collect the lines of those
ids (and compare the real strings, so a hash collision is never reported).

Formats and how their cells are read: see `evalkit.suite.case_readers`.
"""

from __future__ import annotations

import json
import os
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from evalkit.common.repeats import FILTER_BITS, repeated, repeated_in
from evalkit.errors import Problem, SuiteError
from evalkit.suite.case_readers import (
    RawRow,
    Window,
    csv_rows,
    dataset_rows,
    jsonl_rows,
    jsonl_window,
)
from evalkit.suite.case_rows import RowIssue, RowSpec, row_parts, row_to_case
from evalkit.values import Case

__all__ = [
    "Format",
    "FileCases",
    "FileCheck",
    "guess_format",
    "CHECKED_ENV",
    "checked_stamps",
    "checked_elsewhere",
    "IdFilter",
    "worker_slice",
]

Format = Literal["jsonl", "csv", "datasets"]

_EXTENSIONS: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "datasets",
    ".arrow": "datasets",
    ".json": "datasets",
}


def guess_format(path: Path) -> Format | None:
    """The format a path implies: a folder is a datasets source; else by extension."""
    if path.is_dir():
        return "datasets"
    return _EXTENSIONS.get(path.suffix.lower())


@dataclass(frozen=True, slots=True)
class FileCheck:
    """Result of the validation pass: problems (capped), row count, whether any case has variants."""

    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    has_variants: bool = False
    ids: array[int] | None = None  # a window's `stable_hash` of each case id


@dataclass(frozen=True, slots=True)
class FileCases:
    """A `cases_from` source as a re-iterable stream of `Case`s (see the module docstring).

    `path` is where to open it; `display` is how problems name it (relative as written).
    Iterating re-reads the source; a row that no longer converts (the file changed after
    validation) raises `SuiteError` for that row.
    """

    path: Path
    display: str
    format: Format
    spec: RowSpec = RowSpec()
    split: str | None = None
    count: int | None = field(default=None, compare=False)  # rows seen by the validation pass
    has_variants: bool = field(default=False, compare=False)  # ... and whether any had variants
    window: Window | None = None  # JSONL only: the part of the file this process owns
    window_ids: array[int] | None = field(default=None, compare=False, repr=False)

    def __iter__(self) -> Iterator[Case]:
        return self.select(None)

    def select(self, keep: Callable[[str], bool] | None) -> Iterator[Case]:
        """The cases whose id passes `keep` (all when None). The id is read from the raw
        row, so a shard of a million-row file builds only its own cases."""
        spec = self.spec
        id_column = dict(spec.fields).get("id", "id")
        for rowno, line, row in self.rows():
            if isinstance(row, RowIssue):
                raise SuiteError([self.problem(rowno, line, row)])
            if keep is not None and not keep(_row_id(row, rowno, id_column)):
                continue
            case = row_to_case(row, rowno, line, spec)
            if isinstance(case, list):
                raise SuiteError([self.problem(rowno, line, issue) for issue in case])
            yield case

    def problem(self, rowno: int, line: int | None, issue: RowIssue) -> Problem:
        where = (
            issue.field if line is not None or rowno == 0 else f"rows[{rowno - 1}].{issue.field}"
        )
        return Problem(self.display, line, where or "row", issue.message, issue.hint)

    def rows(self) -> Iterator[RawRow]:
        """Raw rows, lazily. Read errors come back as a `RowIssue` row (and end the stream
        when reading cannot go on)."""
        if self.format == "jsonl":
            return jsonl_rows(self.path, self.window)
        if self.format == "csv":
            return csv_rows(self.path, self.spec)
        return dataset_rows(self.path, self.split)

    def check(self, max_problems: int = 50) -> FileCheck:
        """Read every row once; report bad rows and duplicate ids (at most `max_problems`,
        then one line saying how many more). Memory: 8 bytes per row."""
        problems: list[Problem] = []
        extra = 0
        hashes = array("q")
        has_variants = False
        rows = 0
        spec = self.spec
        id_column = dict(spec.fields).get("id", "id")
        # A worker's window is checked against the others' by the parent process, which
        # needs a hash that is the same in every process (`hash` is salted per process).
        hash_ = hash if self.window is None else stable_hash
        append = hashes.append
        for rowno, line, row in self.rows():
            rows += 1
            if isinstance(row, RowIssue):
                issues: list[RowIssue] = [row]
            else:
                parts = row_parts(row, rowno, spec)
                if isinstance(parts, tuple):
                    append(hash_(parts[0]))
                    if parts[8]:
                        has_variants = True
                    continue
                append(hash_(_row_id(row, rowno, id_column)))
                issues = parts
            for issue in issues:
                if len(problems) < max_problems:
                    problems.append(self.problem(rowno, line, issue))
                else:
                    extra += 1
        if rows == 0 and not problems and self.window is None:
            problems.append(
                Problem(
                    self.display, None, "cases_from", "expected at least one case, found no rows"
                )
            )
        # A window's ids are checked by the parent, with every other window's.
        repeats = repeated(hashes) if self.window is None else set()
        for problem in self._duplicates(repeats, id_column, hash_):
            if len(problems) < max_problems:
                problems.append(problem)
            else:
                extra += 1
        if extra:
            problems.append(
                Problem(
                    self.display, None, "cases_from", f"... and {extra} more problems in this file"
                )
            )
        return FileCheck(problems, rows, has_variants, hashes if self.window is not None else None)

    def _duplicates(
        self, repeated: set[int], id_column: str, hash_: Callable[[str], int] = hash
    ) -> list[Problem]:
        if not repeated:
            return []
        seen: dict[str, tuple[int, int | None]] = {}
        out: list[Problem] = []
        for rowno, line, row in self.rows():
            if isinstance(row, RowIssue):
                continue
            case_id = _row_id(row, rowno, id_column)
            if hash_(case_id) not in repeated:
                continue
            if case_id in seen:
                first_row, first_line = seen[case_id]
                where = f"line {first_line}" if first_line is not None else f"rows[{first_row - 1}]"
                out.append(
                    self.problem(
                        rowno,
                        line,
                        RowIssue(
                            "id",
                            f"duplicate case id '{case_id}' (first at {where})",
                            "case ids must be unique within a suite",
                        ),
                    )
                )
            else:
                seen[case_id] = (rowno, line)
        return out


# Set by `evalkit run --workers` for its worker processes: the files the parent process has
# just validated, so each worker does not read a million rows again to learn the same thing.
CHECKED_ENV = "EVALKIT_CHECKED_CASE_FILES"


def _stamp_key(source: FileCases) -> str:
    return f"{source.path}\x00{source.format}\x00{source.split}\x00{source.spec!r}"


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def checked_stamps(sources: Iterable[FileCases]) -> str:
    """What `CHECKED_ENV` holds: for each validated source, its file's size and mtime at
    validation, its row count and whether it has variants (JSON)."""
    return json.dumps(
        {
            _stamp_key(s): [*_stamp(s.path), s.count or 0, s.has_variants]
            for s in sources
            if s.format != "datasets" and s.count is not None
        }
    )


def checked_elsewhere(source: FileCases) -> FileCheck | None:
    """The validation result recorded in `CHECKED_ENV` for `source`, if its file has not
    changed since (same size and modification time); else None (validate it here). Rows
    are still converted one by one while running, so a bad row can never pass silently."""
    raw = os.environ.get(CHECKED_ENV)
    if not raw:
        return None
    try:
        entry = json.loads(raw).get(_stamp_key(source))
        if entry is None or entry[:2] != _stamp(source.path):
            return None
        return FileCheck([], int(entry[2]), bool(entry[3]))
    except (ValueError, TypeError, AttributeError, OSError):
        return None


# Set by `evalkit run --workers` for worker K of N ("K/N"): each worker reads, validates
# and runs only its own contiguous part of every JSONL `cases_from` file.
SLICE_ENV = "EVALKIT_SLICE"
_defer_jsonl: ContextVar[bool] = ContextVar("defer_jsonl", default=False)


@contextmanager
def jsonl_rows_checked_by_workers() -> Iterator[None]:
    """Within this block, loading a suite does not read its JSONL `cases_from` rows: the
    `run --workers` parent validates the suite files, and its workers the rows."""
    token = _defer_jsonl.set(True)
    try:
        yield
    finally:
        _defer_jsonl.reset(token)


def prepare(source: FileCases, worker: tuple[int, int] | None = None) -> FileCases | FileCheck:
    """What the loader does with a `cases_from` source before its validation pass: in a
    `run --workers` worker (`worker`: K of N), narrow a JSONL source to the worker's
    window; in the parent,
    skip the pass: a `FileCheck` with no problems, no row count, and `has_variants` from a
    byte search for the variants column (a false "yes" only skips the loader's check that
    consistency has something to compare; a "no" is certain)."""
    if source.format != "jsonl":
        return source
    if _defer_jsonl.get() and _has_a_row(source.path):  # (an empty file: reported here)
        column = dict(source.spec.fields).get("variants", "variants")
        return FileCheck([], 0, _mentions(source.path, json.dumps(column).encode()))
    if worker is not None:
        return replace(source, window=jsonl_window(source.path, *worker))
    return source


def worker_slice() -> tuple[int, int] | None:
    """(K, N) when this process is worker K of N of `run --workers` (`SLICE_ENV`), else None.
    Read once, by the CLI, and passed down (to the loader and `RunOptions.worker`)."""
    k, _, n = os.environ.get(SLICE_ENV, "").partition("/")
    if k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n):
        return int(k), int(n)
    return None


def stable_hash(case_id: str) -> int:
    """A 63-bit hash of a case id that every process computes alike (collisions are
    harmless: repeated hashes are confirmed by comparing the ids themselves)."""
    data = case_id.encode("utf-8", "surrogatepass")
    return ((zlib.adler32(data) & 0x7FFFFFFF) << 32) | zlib.crc32(data)


def duplicates_across_windows(
    source: FileCases, ids: Callable[[], Iterable[array[int]]]
) -> list[Problem]:
    """Duplicate ids in `source`, given the `stable_hash` of every row's id (all windows',
    in blocks; read twice): one more pass over the whole file, only when some repeat."""
    repeats = repeated_in(ids)
    if not repeats:
        return []
    whole = replace(source, window=None)
    return whole._duplicates(repeats, dict(source.spec.fields).get("id", "id"), stable_hash)


def _has_a_row(path: Path) -> bool:
    with path.open("rb") as handle:
        return any(not line.isspace() for line in handle)


def _mentions(path: Path, needle: bytes, chunk: int = 1 << 20) -> bool:
    """Whether `needle` occurs in the file (read in chunks: bounded memory). The
    `run --workers` parent runs this, and its peak memory counts in the run's: each read
    allocates the next block while the last is still held, so the peak is two blocks.
    8 MB blocks added 16 MB to the parent's peak (45 MB on the 100,000-case scale load;
    with 1 MB blocks its peak is 40 MB, reached later) and search no faster."""
    with path.open("rb") as handle:
        tail = b""
        while block := handle.read(chunk):
            if needle in tail + block[: len(needle)] or needle in block:
                return True
            tail = block[-len(needle) :]
    return False


def _row_id(row: Mapping[str, Any], rowno: int, id_column: str) -> str:
    value = row.get(id_column)
    if value is None or value == "":
        return f"row-{rowno}"
    return str(value)


class IdFilter:
    """A set of case ids kept as a `FILTER_BITS` bit array of their `stable_hash`es:
    `may_hold` never misses an id of the set and wrongly admits ~1.5% of others at half a
    million ids. How a `run --workers` worker keeps only its own windows' recordings when
    it indexes a replay file (4 MB instead of the ids themselves)."""

    __slots__ = ("_bits",)

    def __init__(self, blocks: Iterable[array[int]]) -> None:
        self._bits = bytearray(FILTER_BITS >> 3)
        bits, mask = self._bits, FILTER_BITS - 1
        for block in blocks:
            for h in block:
                bit = h & mask
                bits[bit >> 3] |= 1 << (bit & 7)

    def may_hold(self, case_id: str) -> bool:
        # The low 32 bits of `stable_hash` are the id's CRC-32: the only bits used here.
        bit = zlib.crc32(case_id.encode("utf-8", "surrogatepass")) & (FILTER_BITS - 1)
        bits = self._bits
        return len(bits) < FILTER_BITS >> 3 or bool(bits[bit >> 3] & (1 << (bit & 7)))

    def release(self) -> None:
        """Give the 4 MB back once every user is done (it would count in the run's peak
        memory otherwise); `may_hold` then admits every id."""
        self._bits = bytearray()
