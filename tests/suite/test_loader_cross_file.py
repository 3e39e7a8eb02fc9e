"""Checks across suite files: unique suite names, one set of bars per PoC and metric."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import SuiteError
from evalkit.suite.loader import load_suites


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def suite(name: str, poc: str = "p", extra: str = "") -> str:
    return f"suite: {name}\npoc: {poc}\nprompt: {{template: x}}\ncases: [{{id: a}}]\n{extra}"


def test_duplicate_suite_names_name_both_files() -> None:
    Path("a.yaml").write_text(suite("same"))
    Path("b.yaml").write_text(suite("same"))
    with pytest.raises(SuiteError) as info:
        load_suites(["a.yaml", "b.yaml"])
    (p,) = info.value.problems
    assert (p.file, p.line, p.field) == ("b.yaml", 1, "suite")
    assert p.message == "suite name 'same' is also used by a.yaml:1"


def test_suites_of_one_poc_must_agree_on_thresholds() -> None:
    Path("a.yaml").write_text(
        suite("a", extra="thresholds:\n  accuracy: {tolerable: 0.1, stop: 0.4}\n")
    )
    Path("b.yaml").write_text(
        suite("b", extra="thresholds:\n  accuracy: {tolerable: 0.2, stop: 0.4}\n")
    )
    with pytest.raises(SuiteError) as info:
        load_suites(["a.yaml", "b.yaml"])
    (p,) = info.value.problems
    assert (p.file, p.line, p.field) == ("b.yaml", 6, "thresholds.accuracy")
    assert "a.yaml:6" in p.message and "tolerable 0.2" in p.message and "tolerable 0.1" in p.message


def test_suites_of_one_poc_must_agree_on_confidence() -> None:
    Path("a.yaml").write_text(suite("a", extra="confidence: 0.9\n"))
    Path("b.yaml").write_text(suite("b"))
    with pytest.raises(SuiteError) as info:
        load_suites(["a.yaml", "b.yaml"])
    (p,) = info.value.problems
    assert p.file == "b.yaml" and p.field == "confidence" and "a.yaml" in p.message


def test_different_pocs_may_set_different_thresholds() -> None:
    Path("a.yaml").write_text(
        suite("a", "p1", "thresholds:\n  accuracy: {tolerable: 0.1, stop: 0.4}\n")
    )
    Path("b.yaml").write_text(
        suite("b", "p2", "thresholds:\n  accuracy: {tolerable: 0.2, stop: 0.4}\n")
    )
    assert [s.poc for s in load_suites(["a.yaml", "b.yaml"]).suites] == ["p1", "p2"]


def test_same_thresholds_in_one_poc_are_fine() -> None:
    bars = "thresholds:\n  accuracy: {tolerable: 0.1, stop: 0.4, by_tag: {x: {tolerable: 0.0, stop: 0.1}}}\n"
    Path("a.yaml").write_text(suite("a", extra=bars))
    Path("b.yaml").write_text(suite("b", extra=bars))
    result = load_suites(["a.yaml", "b.yaml"])
    assert len(result.suites) == 2
    assert len(result.warnings) == 2  # by_tag tolerable 0 warns, once per file
