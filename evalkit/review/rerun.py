"""Reviews that outlive a run: `evalkit run … --reviews FILE` and re-runs into a folder.

A review belongs to a case's *outputs* (suite, case and `outputs_sha256`), not to a run,
so a re-run keeps every review whose outputs it reproduces. `run` and `merge` end by
keeping the result folder's reviews: the reviews given with `--reviews` (filled sheets, a
result's `reviews.jsonl`, or a result folder, meaning its `reviews.jsonl`) are appended to
the folder's own `reviews.jsonl` (a line already there is not added twice), and the summary
is judged again with all of them (`evalkit.review.apply`) — the reviews of outputs the run
changed are reported stale, with why, and not used.

The files are read and checked whole before the run (`read_review_files`), so a typo in
a sheet costs no model calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from evalkit.errors import ResultError, UsageError
from evalkit.review.apply import (
    REVIEWS_NAME,
    Applied,
    append_reviews,
    apply_reviews,
    read_review_file,
    read_reviews,
    review_lines,
)

__all__ = ["read_review_files", "keep_reviews"]


def read_review_files(files: Sequence[Path], at: datetime | None = None) -> list[dict[str, Any]]:
    """The `reviews.jsonl` lines of `--reviews` files: a folder stands for its
    `reviews.jsonl`, a `.jsonl` file is read as one (its lines keep their reviewer, import
    time and source), anything else as a filled review sheet (CSV, stamped with `at`).
    Raises `UsageError` listing every problem (file:line:column and the fix)."""
    lines: list[dict[str, Any]] = []
    sheets: list[Path] = []
    problems: list[str] = []
    for path in files:
        target = path / REVIEWS_NAME if path.is_dir() else path
        if not target.is_file():
            problems.append(
                f"{path}: no such file"
                + (
                    f" (a result folder given to --reviews needs its {REVIEWS_NAME})"
                    if path.is_dir()
                    else ""
                )
            )
        elif target.suffix.lower() == ".jsonl":
            try:
                lines.extend(read_review_file(target))
            except (ResultError, OSError) as exc:
                problems.append(str(exc))
        else:
            sheets.append(target)
    if sheets:
        from evalkit.review.sheet import read_sheets

        reviews, found = read_sheets(sheets, None)
        problems += found
        lines += review_lines(reviews, at)
    if problems:
        raise UsageError(
            "\n".join([*problems, "--reviews: nothing was run; fix the files and run again"])
        )
    return lines


def _identity(line: Mapping[str, Any]) -> str:
    """A review line without its import time: the same review imported twice is one."""
    import json

    return json.dumps(
        {k: v for k, v in line.items() if k != "imported_at"}, sort_keys=True, ensure_ascii=False
    )


def keep_reviews(folder: Path, given: Sequence[Mapping[str, Any]] = ()) -> Applied | None:
    """Append the `given` review lines that `folder/reviews.jsonl` lacks to it, and judge
    the folder's summary again with all its reviews (holding the folder). None, and the
    summary untouched, when the folder has no review at all. Raises `ResultError` on a
    damaged `reviews.jsonl` or result."""
    from evalkit.results.folderlock import hold_folder
    from evalkit.results.reader import iter_case_rows, load_summary
    from evalkit.results.writer import write_summary

    if not given and not (folder / REVIEWS_NAME).exists():
        return None
    with hold_folder(folder):
        have = read_reviews(folder)
        known = {_identity(line) for line in have}
        new = []
        for line in given:
            identity = _identity(line)
            if identity not in known:
                known.add(identity)
                new.append(dict(line))
        if new:
            append_reviews(folder, new)
        reviews = [*have, *new]
        if not reviews:
            return None
        summary = load_summary(folder)
        applied = apply_reviews(summary, iter_case_rows(folder), reviews)
        write_summary(folder / "summary.json", applied.summary)
    return applied
