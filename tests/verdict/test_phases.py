"""`phase: poc | mvp | production`: one phase per PoC, recorded in summary.json, and the
verdict worded for the step the team is in (the verdict value itself never changes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import evalkit

from evalkit.cli._table import render_summary
from evalkit.errors import SuiteError
from evalkit.report.markdown import render_summary as markdown
from evalkit.suite.loader import load_suites
from evalkit.verdict.rules import policies, policies_from_documents


def _suite(name: str, poc: str = "p", extra: str = "") -> str:
    return f"suite: {name}\npoc: {poc}\nprompt: {{template: x}}\ncases: [{{id: a}}]\n{extra}"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_phase_defaults_to_poc_and_is_read_from_the_suite(here: Path) -> None:
    Path("a.yaml").write_text(_suite("a", "p1"))
    Path("b.yaml").write_text(_suite("b", "p2", "phase: mvp\n"))
    suites = load_suites(["a.yaml", "b.yaml"]).suites
    assert [s.phase for s in suites] == ["poc", "mvp"]
    assert {poc: p.phase for poc, p in policies(suites).items()} == {"p1": "poc", "p2": "mvp"}


def test_suites_of_one_poc_disagreeing_on_phase_is_a_located_error(here: Path) -> None:
    Path("a.yaml").write_text(_suite("a", extra="phase: mvp\n"))
    Path("b.yaml").write_text(_suite("b", extra="phase: production\n"))
    with pytest.raises(SuiteError) as info:
        load_suites(["a.yaml", "b.yaml"])
    (p,) = info.value.problems
    assert (p.file, p.line, p.field) == ("b.yaml", 5, "phase")
    assert "production" in p.message and "a.yaml:5" in p.message and "mvp" in p.message
    assert "phase: mvp" in p.hint


def test_a_suite_without_phase_disagrees_with_one_that_sets_another(here: Path) -> None:
    Path("a.yaml").write_text(_suite("a", extra="phase: mvp\n"))
    Path("b.yaml").write_text(_suite("b"))
    with pytest.raises(SuiteError) as info:
        load_suites(["a.yaml", "b.yaml"])
    (p,) = info.value.problems
    assert (p.file, p.line, p.field) == ("b.yaml", 2, "phase")  # the poc line: no phase key
    assert "default" in p.message


def test_an_unknown_phase_is_a_schema_error_not_a_cross_file_one(here: Path) -> None:
    Path("a.yaml").write_text(_suite("a", extra="phase: pilot\n"))
    Path("b.yaml").write_text(_suite("b", extra="phase: mvp\n"))
    with pytest.raises(SuiteError) as info:
        load_suites(["a.yaml", "b.yaml"])
    (p,) = info.value.problems
    assert (p.file, p.field) == ("a.yaml", "phase")


def test_results_written_before_phases_are_read_as_poc() -> None:
    doc = {"thresholds": {}, "confidence": 0.95, "error_budget": 0.05, "critical_failure": "stop"}
    assert policies_from_documents({"s": {"poc": "p", "policy": doc}})["p"].phase == "poc"


def _summary(phase: str | None, verdict: str) -> dict:
    poc = {"verdict": verdict, "reasons": ["r"], "cases": 1, "metrics": {}}
    if phase is not None:
        poc["phase"] = phase
    return {"schema_version": 1, "verdict": verdict, "pocs": {"p": poc}}


@pytest.mark.parametrize(
    ("phase", "verdict", "words"),
    [
        ("poc", "continue", "CONTINUE — go on to the MVP"),
        ("mvp", "continue", "CONTINUE — go to production"),
        ("mvp", "redesign", "REDESIGN — redesign before production"),
        ("production", "redesign", "REDESIGN — keep it in limited operation"),
        ("production", "continue", "CONTINUE — roll it out wider"),
        (None, "stop", "STOP — stop the PoC"),
    ],
)
def test_the_headline_follows_the_phase(phase: str | None, verdict: str, words: str) -> None:
    text = render_summary(_summary(phase, verdict), colour=False)
    assert f"PoC p: {words}" in text
    assert f"p: **{words.split(' — ')[0]}** — {words.split(' — ')[1]}" in markdown(
        _summary(phase, verdict)
    )


def test_the_what_next_line_follows_the_phase() -> None:
    assert "plan the production rollout" in render_summary(_summary("mvp", "continue"), False)
    assert "keep it in limited operation while you fix it" in render_summary(
        _summary("production", "redesign"), False
    )
    assert "> Keep it in limited operation" in markdown(_summary("production", "redesign"))


def test_run_records_the_phase_in_summary_json(here: Path) -> None:
    Path("out.jsonl").write_text('{"case": "a", "output": "x"}\n')
    Path("s.yaml").write_text(
        "suite: s\npoc: p\nphase: production\nprompt: {template: x}\n"
        "cases: [{id: a, reference: x}]\nclient: replay:out.jsonl\n"
        "thresholds:\n  accuracy: {tolerable: 0.5, stop: 0.9}\n"
    )
    r = evalkit("run", "s.yaml", "--out", "res", "--exit-zero", "--no-progress", cwd=here)
    assert r.returncode == 0, r.stderr
    summary = json.loads(Path("res/summary.json").read_text())
    assert summary["pocs"]["p"]["phase"] == "production"
    assert summary["provenance"]["suites"]["s"]["policy"]["phase"] == "production"
    assert "PoC p: REDESIGN — keep it in limited operation" in r.stdout
