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
both passes run in one process, and ~10x cheaper than blake2b); only when hashes repeat does a second pass collect the lines of those
ids (and compare the real strings, so a hash collision is never reported).

Formats and how their cells are read: see `evalkit.suite.case_readers`.
"""

from __future__ import annotations

import itertools
import json
import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from evalkit.errors import Problem, SuiteError
from evalkit.suite.case_readers import RawRow, csv_rows, dataset_rows, jsonl_rows
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
            return jsonl_rows(self.path)
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
        hash_ = hash
        append = hashes.append
        for rowno, line, row in self.rows():
            rows = rowno
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
        if rows == 0 and not problems:
            problems.append(
                Problem(
                    self.display, None, "cases_from", "expected at least one case, found no rows"
                )
            )
        for problem in self._duplicates(_repeated(hashes), id_column):
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
        return FileCheck(problems, rows, has_variants)

    def _duplicates(self, repeated: set[int], id_column: str) -> list[Problem]:
        if not repeated:
            return []
        seen: dict[str, tuple[int, int | None]] = {}
        out: list[Problem] = []
        for rowno, line, row in self.rows():
            if isinstance(row, RowIssue):
                continue
            case_id = _row_id(row, rowno, id_column)
            if hash(case_id) not in repeated:
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
            if s.format != "datasets"
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


def _row_id(row: Mapping[str, Any], rowno: int, id_column: str) -> str:
    value = row.get(id_column)
    if value is None or value == "":
        return f"row-{rowno}"
    return str(value)


# Below this many rows a plain sort is cheaper than importing numpy (~75 ms).
_NUMPY_ROWS = 200_000


def _repeated(hashes: array[int]) -> set[int]:
    """Hash values that occur more than once. For large files numpy (when present) sorts
    8 bytes per row in place; otherwise a plain sort of a list (about 40 bytes per row,
    transient)."""
    if len(hashes) < 2:
        return set()
    try:
        if len(hashes) < _NUMPY_ROWS:
            raise ImportError
        import numpy as np
    except ImportError:  # numpy is optional: fall back to a plain sort
        ordered = sorted(hashes)
        return {a for a, b in itertools.pairwise(ordered) if a == b}
    values = np.frombuffer(hashes, dtype=np.int64).copy()
    values.sort()
    same = values[1:] == values[:-1]
    return {int(v) for v in np.unique(values[1:][same])}
