"""Reading result folders: clear errors for missing, corrupt and too-new files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.errors import ResultError
from evalkit.results.reader import iter_case_rows, load_summary, resolve


def _folder(tmp_path: Path, summary: object, cases: str | None = None) -> Path:
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    if cases is not None:
        (tmp_path / "cases.jsonl").write_text(cases, encoding="utf-8")
    return tmp_path


def test_resolve_accepts_folder_summary_or_cases_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"schema_version": 1, "pocs": {}}, "")
    for given in (folder, folder / "summary.json", folder / "cases.jsonl"):
        paths = resolve(given)
        assert paths.summary == folder / "summary.json"
        assert paths.cases == folder / "cases.jsonl"


def test_resolve_reports_no_cases_file_as_none(tmp_path: Path) -> None:
    assert resolve(_folder(tmp_path, {"schema_version": 1, "pocs": {}})).cases is None


def test_folder_without_summary_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(ResultError, match="not a result folder: it has no summary.json"):
        resolve(tmp_path)


def test_newer_schema_version_says_to_upgrade(tmp_path: Path) -> None:
    with pytest.raises(ResultError, match="schema_version is 2.*upgrade evalkit"):
        load_summary(_folder(tmp_path, {"schema_version": 2, "pocs": {}}))


def test_summary_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ResultError, match="expected a JSON object, found list"):
        load_summary(_folder(tmp_path, [1, 2]))


def test_case_rows_stream_skipping_blank_lines(tmp_path: Path) -> None:
    rows = '{"suite": "s", "poc": "p", "case": "a"}\n\n{"suite": "s", "poc": "p", "case": "日本"}\n'
    folder = _folder(tmp_path, {"schema_version": 1, "pocs": {}}, rows)
    assert [r["case"] for r in iter_case_rows(folder)] == ["a", "日本"]


def test_bad_case_row_error_names_file_and_line(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {"schema_version": 1, "pocs": {}},
        '{"suite": "s", "poc": "p", "case": "a"}\n{"suite": 1, "poc": "p", "case": "b"}\n',
    )
    with pytest.raises(ResultError, match=r"cases.jsonl:2: suite: expected a string, got 1"):
        list(iter_case_rows(folder))


def test_case_rows_of_a_result_without_cases_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ResultError, match="has no cases.jsonl"):
        list(iter_case_rows(_folder(tmp_path, {"schema_version": 1, "pocs": {}})))
