"""A `run --workers` worker loads the suite files its parent has just validated: the JSON
Schema check is skipped only for a file with the very bytes the parent vouched for."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.errors import SuiteError
from evalkit.suite.loader import SCHEMA_CHECKED_ENV, load_suites

# `descripton` is a typo only the schema catches (unknown key, with a did-you-mean).
TEXT = (
    "suite: s\npoc: p\ndescripton: typo\nprompt: {template: '{{q}}'}\n"
    "cases:\n  - id: a\n    vars: {q: x}\n    reference: y\n"
)


@pytest.fixture
def suite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "s.yaml"
    path.write_text(TEXT, encoding="utf-8")
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_worker_checks_the_schema_of_a_file_the_parent_did_not_vouch_for(
    suite_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SCHEMA_CHECKED_ENV, "0" * 64)
    with pytest.raises(SuiteError) as info:
        load_suites([suite_file.name], worker=(1, 2))
    assert "descripton" in str(info.value)


def test_a_worker_skips_the_schema_check_of_the_bytes_its_parent_validated(
    suite_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SCHEMA_CHECKED_ENV, _digest(suite_file))
    (suite,) = load_suites([suite_file.name], worker=(1, 2)).suites
    assert suite.sha256 == _digest(suite_file)


def test_only_a_worker_reads_what_the_parent_vouched_for(
    suite_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SCHEMA_CHECKED_ENV, _digest(suite_file))
    with pytest.raises(SuiteError):
        load_suites([suite_file.name])


def test_loading_and_running_modules_do_not_import_jsonschema() -> None:
    # A worker imports these; jsonschema (~6 MB a process) only comes with a schema check.
    code = (
        "import sys, evalkit.suite.loader, evalkit.results.reader, evalkit.run.workers; "
        "print('jsonschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
