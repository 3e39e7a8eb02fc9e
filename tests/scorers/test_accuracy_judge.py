"""Accuracy `method: judge`: a model grades free-text answers against the references.
Offline: the judge is the replay client (recordings keyed by case and output index) or
the loopback test server; through `evalkit run` the run counts a failed grade as an error."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from cli_runner import evalkit

from evalkit.errors import ConfigProblem, ScoringCallFailed
from evalkit.scorers._judge_prompts import GRADE_SYSTEM_JA, parse_grade
from evalkit.scorers.accuracy import JudgedAccuracyScorer, make
from evalkit.values import Case, Prompt, ScorerConfig, ScoringInput, Suite


def _suite(folder: Path) -> Suite:
    return Suite(
        name="s",
        poc="p",
        path=folder / "s.yaml",
        sha256="0",
        prompt=Prompt("{{question}}"),
        cases=(),
    )


def _item(folder: Path, outputs: list[str], **case: object) -> ScoringInput:
    c = Case(id="c1", vars={"question": "How long do I have to ask for a refund?"}, **case)  # type: ignore[arg-type]
    n = len(outputs)
    return ScoringInput(
        _suite(folder), c, tuple(outputs), tuple(f"sample {i}" for i in range(n)), (0,) * n
    )


def _grades(folder: Path, replies: list[str]) -> None:
    lines = [json.dumps({"case": "c1", "sample": i, "output": r}) for i, r in enumerate(replies)]
    (folder / "grades.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _scorer() -> JudgedAccuracyScorer:
    scorer = make(ScorerConfig("accuracy", "judge", {"judge": "replay:grades.jsonl"}))
    assert isinstance(scorer, JudgedAccuracyScorer)
    return scorer


def test_the_judge_grades_paraphrases_that_string_methods_fail(tmp_path: Path) -> None:
    outputs = [
        "You have a month to request your money back.",  # right, in other words
        "You can ask within two weeks.",  # wrong
        "About a month, though I'm not sure of the exact policy.",  # partial
    ]
    refs = ("within 30 days of purchase",)
    assert (
        not make(ScorerConfig("accuracy", "auto", {}))
        .score(_item(tmp_path, outputs[:1], references=refs))
        .passed
    )  # type: ignore[union-attr]
    _grades(tmp_path, ["CORRECT\nA month is 30 days.", "INCORRECT\n14 days.", "PARTIAL\nHedged."])
    result = asyncio.run(_scorer().ascore(_item(tmp_path, outputs, references=refs)))
    assert result is not None
    assert result.details["method"] == "judge"
    assert result.details["samples"] == [1.0, 0.0, 0.5]
    assert result.details["passed"] == [True, False, False]
    assert not result.passed  # 1 of 3 correct: no majority
    assert [g["grade"] for g in result.details["judge"]] == ["correct", "incorrect", "partial"]
    assert "30 days" in result.details["judge"][0]["reasoning"]


def test_a_declining_answer_is_incorrect_without_a_call(tmp_path: Path) -> None:
    _grades(tmp_path, [])  # no recording: a call would fail
    item = _item(tmp_path, ["I don't know."], references=("30 days",))
    result = asyncio.run(_scorer().ascore(item))
    assert result is not None and not result.passed
    assert result.details["judge"][0]["reasoning"] == "declines to answer"


def test_unanswerable_cases_keep_the_refusal_rule(tmp_path: Path) -> None:
    item = _item(tmp_path, ["I don't know."], answerable=False)
    result = asyncio.run(_scorer().ascore(item))
    assert result is not None and result.passed


def test_an_unreadable_grade_is_an_error_never_a_pass(tmp_path: Path) -> None:
    _grades(tmp_path, ["Looks fine to me!"])
    with pytest.raises(ScoringCallFailed, match="cannot be read") as raised:
        asyncio.run(_scorer().ascore(_item(tmp_path, ["30 days."], references=("30 days",))))
    assert raised.value.kind == "judge-unreadable"


def test_a_japanese_case_is_graded_in_japanese(tmp_path: Path) -> None:
    from evalkit.scorers._judge_prompts import grade_request

    item = _item(tmp_path, ["購入日から1か月以内です。"], references=("30日以内",))
    request = grade_request(item, 0, "返金はいつまで？", ["30日以内"], "")
    assert request.messages[0].content == GRADE_SYSTEM_JA


@pytest.mark.parametrize(
    ("reply", "grade"),
    [
        ("CORRECT", "correct"),
        ("**Incorrect** — it says 14 days", "incorrect"),
        ("Grade: partial\nmissing the deadline", "partial"),
        ("Not correct.", "incorrect"),
        ("正解\n同じ内容です。", "correct"),
        ("不正解", "incorrect"),
        ("部分的に正しい", "partial"),
        ("I think so", None),
    ],
)
def test_grade_replies_are_read_robustly(reply: str, grade: str | None) -> None:
    assert parse_grade(reply)[0] == grade


@pytest.mark.parametrize(
    "params", [{}, {"judge": {"client": "replay:x.jsonl", "mode": "verify"}}, {"judge": 3}]
)
def test_bad_judge_settings_are_config_problems(params: dict[str, object]) -> None:
    with pytest.raises(ConfigProblem):
        make(ScorerConfig("accuracy", "judge", params))


def test_a_run_with_a_judged_accuracy_records_grades_and_counts_failures(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")  # the suite's project
    (tmp_path / "model.jsonl").write_text(
        json.dumps({"case": "refund", "sample": 0, "output": "You get a month."})
        + "\n"
        + json.dumps({"case": "ship", "sample": 0, "output": "Two days."})
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "grades.jsonl").write_text(
        json.dumps({"case": "refund", "sample": 0, "output": "CORRECT\nA month is 30 days."})
        + "\n"
        + json.dumps({"case": "ship", "sample": 0, "output": "no idea"})
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: '{{question}}'}\nclient: replay:model.jsonl\n"
        "scorers:\n  accuracy: {method: judge, judge: 'replay:grades.jsonl'}\n"
        "thresholds:\n  accuracy: {tolerable: 0.1, stop: 0.5}\n"
        "cases:\n"
        "  - {id: refund, vars: {question: How long for a refund?}, reference: 30 days}\n"
        "  - {id: ship, vars: {question: How fast is shipping?}, reference: 5 days}\n",
        encoding="utf-8",
    )
    done = evalkit("run", "s.yaml", "--out", "out", cwd=tmp_path)
    assert done.returncode in (10, 20), done.stdout + done.stderr
    rows = {
        r["case"]: r
        for r in map(json.loads, (tmp_path / "out" / "cases.jsonl").read_text().splitlines())
    }
    assert rows["refund"]["scores"]["accuracy"]["passed"] is True
    assert rows["refund"]["scores"]["accuracy"]["details"]["judge"][0]["grade"] == "correct"
    assert rows["ship"]["error_kind"] == "judge-unreadable"  # counted, never a pass
