"""Read result files (`summary.json` + `cases.jsonl`, see the README's "Result files").

Everything that *reads* results (diff, report, JUnit, merge) goes through here, so a missing,
corrupt or too-new file gives the same clear message everywhere. Nothing here holds a whole
`cases.jsonl` in memory: rows are streamed one line at a time.

A result can be named by its folder (`results/pr`) or by its `summary.json`; the per-case
file is `cases.jsonl` beside the summary. The per-case file is optional (teams commit
summaries and ignore per-case payloads), so `ResultPaths.cases` is None when it is absent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from evalkit.common.jsonio import loads
from evalkit.errors import ResultError
from evalkit.results.check import row_is_valid, row_problems, summary_problems
from evalkit.results.documents import CaseRow, Summary
from evalkit.results.writer import cases_file_mismatch
from evalkit.suite.json_lines import parse_json

__all__ = [
    "SCHEMA_VERSION",
    "SUMMARY_NAME",
    "CASES_NAME",
    "ResultPaths",
    "resolve",
    "load_summary",
    "iter_case_rows",
    "check_cases_file",
]

SCHEMA_VERSION = 1
SUMMARY_NAME = "summary.json"
CASES_NAME = "cases.jsonl"


@dataclass(frozen=True, slots=True)
class ResultPaths:
    """Where one result's files are. `cases` is None when there is no `cases.jsonl`."""

    summary: Path
    cases: Path | None


def resolve(path: Path | str) -> ResultPaths:
    """Find the files of a result named by its folder, its `summary.json` or its `cases.jsonl`.

    Raises `ResultError` (a `UsageError`: exit 2 at the CLI) when there is no summary.
    """
    p = Path(path)
    if p.is_dir():
        summary = p / SUMMARY_NAME
        if not summary.is_file():
            raise ResultError(
                f"{p}: not a result folder: it has no {SUMMARY_NAME} "
                f"(expected the --out folder of 'evalkit run')"
            )
    elif p.is_file():
        summary = p.parent / SUMMARY_NAME if p.name == CASES_NAME else p
        if not summary.is_file():
            raise ResultError(f"{p}: there is no {SUMMARY_NAME} beside it")
    else:
        raise ResultError(
            f"{p}: no such result folder or file "
            f"(give the --out folder of 'evalkit run' or its {SUMMARY_NAME})"
        )
    cases = summary.parent / CASES_NAME
    return ResultPaths(summary=summary, cases=cases if cases.is_file() else None)


def load_summary(path: Path | str) -> Summary:
    """Read and check a `summary.json` (or the summary of a result folder).

    Checks it is a JSON object with a supported `schema_version`, then against the summary
    schema (`evalkit.results.check`): every key a reader uses has its type. Raises
    `ResultError` listing what is wrong, each with file, line and field path, and how to fix
    it; a suite file given by mistake is named as such.
    """
    summary = resolve(path).summary
    try:
        text = summary.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultError(f"{summary}: cannot be read ({exc})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        _not_a_summary(summary, text, None)
        raise ResultError(
            f"{summary}:{exc.lineno}: not valid JSON ({exc.msg}); "
            "the file is corrupt or was cut short: re-run 'evalkit run' to rewrite it"
        ) from exc
    if not isinstance(data, dict):
        raise ResultError(f"{summary}: expected a JSON object, found {type(data).__name__}")
    _not_a_summary(summary, text, data)
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        if isinstance(version, int) and version > SCHEMA_VERSION:
            hint = "it was written by a newer evalkit: upgrade evalkit to read it"
        else:
            hint = "it is not an evalkit summary, or a very old one: re-run 'evalkit run'"
        raise ResultError(
            f"{summary}: schema_version is {version!r}, this evalkit reads "
            f"{SCHEMA_VERSION} ({hint})"
        )
    problems = summary_problems(str(summary), data, lambda: parse_json(text))
    if problems:
        raise ResultError("\n".join([*problems, _DAMAGED]))
    return cast(Summary, data)  # checked against the schema the type describes


_DAMAGED = (
    "the result file was edited or damaged: re-run 'evalkit run' (or 'evalkit merge') "
    "to write it again"
)
_SUITE_KEYS = frozenset({"suite", "prompt", "cases", "cases_from", "thresholds", "scorers"})
_SUITE_LINE = re.compile(r"^(suite|poc|prompt|cases|cases_from|thresholds|scorers)\s*:", re.M)


def _not_a_summary(summary: Path, text: str, data: dict[str, Any] | None) -> None:
    """Raise a `ResultError` that says what `summary` is when it is a suite file or a
    JSON-lines file rather than a result (a common mix-up of arguments)."""
    suffix = summary.suffix.lower()
    if data is not None:
        is_suite = "schema_version" not in data and len(_SUITE_KEYS & data.keys()) >= 2
    else:
        is_suite = suffix in (".yaml", ".yml") or len(_SUITE_LINE.findall(text)) >= 2
    if is_suite:
        raise ResultError(
            f"{summary}: this is a suite file, not a result folder or {SUMMARY_NAME}; run it "
            f"first ('evalkit run {summary} --out DIR') and give DIR"
        )
    if data is None and suffix in (".jsonl", ".ndjson"):
        raise ResultError(
            f"{summary}: this is a JSON-lines file, not a result folder or {SUMMARY_NAME} "
            f"(give the --out folder of 'evalkit run', or its {SUMMARY_NAME})"
        )


def iter_case_rows(path: Path | str) -> Iterator[CaseRow]:
    """Stream the rows of a `cases.jsonl` (or of the result folder/summary it belongs to).

    Each row must be a JSON object valid under the row schema (`evalkit.results.check`);
    blank lines are skipped. Raises `ResultError` naming the file, line and field path of
    the first bad row's problems, or when the result has no `cases.jsonl`, or before the
    first row when the `summary.json` beside it was written with another `cases.jsonl`
    (`run.cases_file`: its size is compared, a `stat`).
    """
    p = Path(path)
    if p.is_file() and p.suffix == ".jsonl":
        cases = p
    else:
        found = resolve(p).cases
        if found is None:
            raise ResultError(
                f"{p}: has no {CASES_NAME} (per-case results); re-run 'evalkit run' "
                f"with --out to get them"
            )
        cases = found
    _check_pair(cases)
    yield from _rows(cases)


def check_cases_file(path: Path | str) -> None:
    """Raise `ResultError` when the result's `cases.jsonl` is not the file its summary was
    written with (`run.cases_file`; a `stat`, so cheap enough for readers that use only the
    summary). Nothing to check when there is no `cases.jsonl` or no such record."""
    cases = resolve(path).cases
    if cases is not None:
        _check_pair(cases)


def _check_pair(cases: Path) -> None:
    mismatch = _not_its_summary(cases)
    if mismatch is not None:
        for _ in _rows(cases):  # a row that is itself bad says more: its line and field
            pass
        raise ResultError(
            f"{mismatch}: the folder holds files of two different runs (a run stopped while "
            "writing its result, or a file was replaced by hand); run the same 'evalkit run' "
            "again to finish or rewrite it"
        )


def _rows(cases: Path) -> Iterator[CaseRow]:
    try:
        handle = cases.open("rb")
    except OSError as exc:
        raise ResultError(f"{cases}: cannot be read ({exc})") from exc
    with handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            yield _parse_row(cases, lineno, line)


def _not_its_summary(cases: Path) -> str | None:
    """Why `cases` is not the file the `summary.json` beside it was written with (None when
    it is, or there is no summary to tell: the summary's own problems are `load_summary`'s)."""
    try:
        summary = json.loads((cases.parent / SUMMARY_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(summary, dict):
        return None
    return cases_file_mismatch(summary, cases)


def _parse_row(cases: Path, lineno: int, line: bytes) -> CaseRow:
    try:
        row = loads(line)
    except UnicodeDecodeError as exc:
        raise ResultError(f"{cases}:{lineno}: not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise ResultError(
            f"{cases}:{lineno}: not valid JSON ({exc.msg}); the file is corrupt or was "
            "cut short: re-run 'evalkit run' to rewrite it"
        ) from exc
    if not isinstance(row, dict):
        raise ResultError(f"{cases}:{lineno}: expected a JSON object, found {type(row).__name__}")
    if not row_is_valid(row):
        problems = row_problems(str(cases), lineno, row)
        if problems:  # jsonschema has the last word (see evalkit.results.check)
            raise ResultError("\n".join([*problems, _DAMAGED]))
    return cast(CaseRow, row)  # checked against the schema the type describes
