"""Raw rows of `cases_from` sources, read lazily, one at a time.

Each reader yields `(row number, line, row)` where the row is a mapping of column → value,
or a `RowIssue` saying why it could not be read (a broken line does not stop a JSONL file;
an undecodable CSV does). Turning rows into cases is `case_rows`' job.

Formats (`format:` in the suite, else from the extension):

- `jsonl` (`.jsonl`, `.ndjson`): one JSON object per line, UTF-8; blank lines are skipped.
- `csv` (`.csv`): UTF-8 with a header row. Empty cells are "not set". List fields
  (`references`, `tags`, `forbidden`) are a JSON array (`["a", "b"]`) or `|`-separated
  text (`a|b`); `answerable`/`critical` are true/false/yes/no/1/0; a `vars` or `variants`
  column holds JSON.
- `datasets`: a folder written by `Dataset.save_to_disk` (`datasets.load_from_disk`), or a
  `.parquet` / `.arrow` / `.json` file (`datasets.load_dataset(<builder>, data_files=...,
  streaming=True)`). `datasets` is imported only here, only when such a source is read.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from evalkit.common.jsonio import loads
from evalkit.errors import MissingDependency
from evalkit.suite.case_rows import CASE_FIELDS, RowIssue, RowSpec

__all__ = ["RawRow", "Window", "jsonl_rows", "jsonl_window", "csv_rows", "dataset_rows"]

# (1-based row number, 1-based line or None, the row or why it could not be read)
RawRow = tuple[int, int | None, "Mapping[str, Any] | RowIssue"]

_BUILDERS = {
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".json": "json",
    ".jsonl": "json",
    ".csv": "csv",
}
_CELL_LIMIT = 64 * 1024 * 1024
_LIST_FIELDS = frozenset({"references", "tags", "forbidden"})
_TRUE = frozenset({"true", "yes", "1", "y"})
_FALSE = frozenset({"false", "no", "0", "n"})


# JSONL lines come from 64 KB reads, not the default 8 KB: ~0.3 instead of ~0.6 µs of CPU a
# ~600-byte line of the scale load (`tests/benchmarks/scale.py`), whose every row is read
# twice (the validation pass, then the run).
_READ_BUFFER = 64 * 1024

# A contiguous part of a JSONL file: (first byte, end byte, lines before it, rows before it).
Window = tuple[int, int, int, int]


def jsonl_rows(path: Path, window: Window | None = None) -> Iterator[RawRow]:
    """Rows of a JSONL file, or of the `window` of it (line and row numbers stay those of
    the whole file)."""
    start, end, lines_before, rowno = window or (0, -1, 0, 0)
    with path.open("rb", buffering=_READ_BUFFER) as handle:
        if start:
            handle.seek(start)
        position = start
        for lineno, raw in enumerate(handle, lines_before + 1):
            if end >= 0:
                if position >= end:
                    return
                position += len(raw)
            if raw.isspace():
                continue
            rowno += 1
            try:
                if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark
                    raw = raw[3:]
                row = loads(raw)
            except UnicodeDecodeError:
                yield (
                    rowno,
                    lineno,
                    RowIssue("row", "this line is not UTF-8 text", "save the file as UTF-8"),
                )
                continue
            except ValueError as exc:
                message = getattr(exc, "msg", str(exc))
                yield (
                    rowno,
                    lineno,
                    RowIssue("row", f"invalid JSON: {message}", "one JSON object per line"),
                )
                continue
            except RecursionError:
                yield rowno, lineno, RowIssue("row", "the JSON on this line is nested too deeply")
                continue
            if row.__class__ is dict:
                yield rowno, lineno, row
            else:
                kind = "a list" if isinstance(row, list) else "a single value"
                yield rowno, lineno, RowIssue("row", f"expected a JSON object per line, got {kind}")


def jsonl_window(path: Path, index: int, count: int) -> Window:
    """Part `index` (1-based) of `count` contiguous, line-aligned parts of a JSONL file of
    about equal size: how `run --workers` gives each worker its own rows to read, with
    nobody parsing anybody else's. Reads the bytes before the part once (to number lines
    and rows as in the whole file), which is fast next to parsing them."""
    size = path.stat().st_size

    def boundary(k: int) -> int:
        cut = size * k // count
        if cut <= 0:
            return 0
        if k >= count:
            return size
        with path.open("rb") as handle:
            handle.seek(cut - 1)
            handle.readline()  # to the end of the line the cut falls in
            return handle.tell()

    start, end = boundary(index - 1), boundary(index)
    lines = rows = 0
    with path.open("rb", buffering=_READ_BUFFER) as handle:
        position = 0
        for raw in handle:
            if position >= start:
                break
            position += len(raw)
            lines += 1
            if not raw.isspace():
                rows += 1
    return (start, end, lines, rows)


def csv_rows(path: Path, spec: RowSpec) -> Iterator[RawRow]:
    mapped = {column: target for target, column in spec.fields}
    # The csv module refuses cells over 128 KiB by default; grounding texts can be longer.
    # The limit is process-wide, so it is only ever raised, never lowered.
    if csv.field_size_limit() < _CELL_LIMIT:
        csv.field_size_limit(_CELL_LIMIT)
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        # strict: a quote in the wrong place, or a quoted cell still open at the end of the
        # file, is an error instead of one cell that silently swallows the rows after it.
        reader = csv.reader(handle, strict=True)
        rowno = 0
        last_line = 0
        try:
            header = next(reader, None)
            if header is None:
                return
            last_line = reader.line_num
            missing = [col for col in mapped if col not in header]
            if missing:
                yield (
                    0,
                    1,
                    RowIssue(
                        "fields",
                        f"the header has no column '{missing[0]}'",
                        f"columns: {', '.join(header)}",
                    ),
                )
                return
            kinds = [mapped.get(col, col if col in CASE_FIELDS else "vars.") for col in header]
            for cells in reader:
                line = last_line + 1
                last_line = reader.line_num
                if not cells:
                    continue
                rowno += 1
                if len(cells) != len(header):  # fewer: a missing comma shifted the cells
                    yield (
                        rowno,
                        line,
                        RowIssue(
                            "row",
                            f"expected {len(header)} cells (the header's columns), got {len(cells)}",
                        ),
                    )
                    continue
                row: dict[str, Any] = {}
                issue: RowIssue | None = None
                for col, kind, text in zip(header, kinds, cells, strict=False):
                    value, problem = _csv_value(kind, text)
                    if problem:
                        issue = issue or RowIssue(kind, problem)
                    row[col] = value
                yield rowno, line, issue or row
        except UnicodeDecodeError:
            # The text layer decodes ahead in blocks, so where it failed says nothing about
            # which line is bad: find it in the bytes (only on this error path).
            bad_line, where = _first_undecodable_line(path)
            yield (
                rowno + 1,
                bad_line or last_line + 1,
                RowIssue("row", f"this line is not UTF-8 text{where}", "save the file as UTF-8"),
            )
        except csv.Error as exc:
            yield rowno + 1, last_line + 1, _csv_error(exc, last_line + 1, reader.line_num)


def _csv_error(exc: csv.Error, start: int, reached: int) -> RowIssue:
    """The csv module's error for the row that starts on line `start`, read up to line
    `reached`, said in terms of what went wrong in the file."""
    text = str(exc)
    if text == "unexpected end of data":
        spans = f"lines {start}–{reached}" if reached > start else f"line {start}"
        return RowIssue(
            "row",
            f"a quote opened in this row is never closed: {spans}, to the end of the file, "
            "would be read as one cell",
            'close the quote; inside a quoted cell, a quote is written twice: ""',
        )
    at = (
        f" (found at line {reached}, in a quoted cell that starts in this row)"
        if (reached > start)
        else ""
    )
    return RowIssue(
        "row",
        f"unreadable CSV: {text}{at}",
        'a cell that holds a quote must be quoted, and the quote inside it written twice: ""',
    )


def _first_undecodable_line(path: Path) -> tuple[int | None, str]:
    """(1-based line, ", column C (byte 0xNN)") of the first line of `path` that is not
    UTF-8, counting lines as editors do (by newline); (None, "") if every line decodes."""
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                column = len(raw[: exc.start].decode("utf-8", "replace")) + 1
                return lineno, f", column {column} (byte 0x{raw[exc.start]:02x})"
    return None, ""


def _csv_value(kind: str, text: str) -> tuple[Any, str]:
    if text == "":
        # An empty cell leaves a case field unset, but is an empty string as a variable.
        return ("" if kind.startswith("vars.") else None), ""
    if kind in _LIST_FIELDS:
        if text.lstrip().startswith("["):
            try:
                return json.loads(text), ""
            except ValueError as exc:
                return None, f"expected a JSON list or a|b|c text, got invalid JSON ({exc})"
        return [part.strip() for part in text.split("|") if part.strip()], ""
    if kind in ("answerable", "critical"):
        low = text.strip().lower()
        if low in _TRUE:
            return True, ""
        if low in _FALSE:
            return False, ""
        return text, ""  # row_to_case reports "expected true or false"
    if kind in ("vars", "variants"):
        try:
            return json.loads(text), ""
        except ValueError as exc:
            return None, f"expected JSON in the {kind} column, got invalid JSON ({exc})"
    return text, ""


def dataset_rows(path: Path, split: str | None) -> Iterator[RawRow]:
    try:
        import datasets
    except ImportError as exc:
        raise MissingDependency(
            "datasets", "datasets", "cases_from with a datasets source"
        ) from exc
    try:
        if path.is_dir():
            loaded: Any = datasets.load_from_disk(str(path))
            if isinstance(loaded, datasets.DatasetDict):
                names = list(loaded)
                chosen = split or (
                    "train" if "train" in names else names[0] if len(names) == 1 else None
                )
                if chosen not in loaded:
                    yield (
                        0,
                        None,
                        RowIssue(
                            "split",
                            f"expected a split of {', '.join(names)}, got {chosen!r}",
                            "set cases_from.split",
                        ),
                    )
                    return
                loaded = loaded[chosen]
            elif split is not None and split != str(loaded.split or split):
                yield (
                    0,
                    None,
                    RowIssue(
                        "split", f"this dataset has one split ({loaded.split}), not {split!r}"
                    ),
                )
                return
        else:
            builder = _BUILDERS.get(path.suffix.lower())
            if builder is None:
                yield (
                    0,
                    None,
                    RowIssue(
                        "format",
                        f"cannot read '{path.suffix}' files as a dataset",
                        "use .parquet, .arrow, .json or a save_to_disk folder",
                    ),
                )
                return
            loaded = datasets.load_dataset(
                builder, data_files=str(path), split=split or "train", streaming=True
            )
        rows = iter(loaded)
    except Exception as exc:  # third-party loader on user data: any failure is the file's problem
        yield (
            0,
            None,
            RowIssue("path", f"cannot read the dataset: {' '.join(str(exc).split())[:300]}"),
        )
        return
    rowno = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # a corrupt file fails mid-stream
            yield (
                rowno + 1,
                None,
                RowIssue("row", f"cannot read the dataset: {' '.join(str(exc).split())[:300]}"),
            )
            return
        rowno += 1
        yield rowno, None, row
