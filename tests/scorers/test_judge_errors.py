"""A judge that cannot be read is an error, counted against the error budget — never a pass."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from evalkit.errors import ScoringCallFailed
from evalkit.run.pipeline import RunOptions, run
from evalkit.scorers._judge import Judge, JudgeConfig
from evalkit.values import Case, ScorerConfig

POLICY = "Refunds are accepted within 30 days of purchase."


def _judged_suite(suite_factory: Any, tmp_path: Path, replies: list[str]) -> Any:
    (tmp_path / "judge.jsonl").write_text(
        "".join(
            json.dumps({"case": f"c{i}", "sample": 0, "output": r}) + "\n"
            for i, r in enumerate(replies)
        ),
        encoding="utf-8",
    )
    cases = [
        Case(id=f"c{i}", vars={"q": "How long?"}, references=("30 days",), context=POLICY)
        for i in range(len(replies))
    ]
    suite = suite_factory(cases, {f"c{i}": ["Within 30 days."] for i in range(len(replies))})
    return replace(
        suite,
        scorers={
            **suite.scorers,
            "hallucination": ScorerConfig(
                "hallucination", None, {"judge": {"client": "replay:judge.jsonl", "mode": "decide"}}
            ),
        },
    )


def test_an_unreadable_judge_reply_makes_the_case_an_error_not_a_pass(
    suite_factory: Any, tmp_path: Path
) -> None:
    suite = _judged_suite(
        suite_factory, tmp_path, ["SUPPORTED\nAs the policy says.", "I think it is fine?"]
    )
    out = run([suite], RunOptions(out_dir=tmp_path / "out"))
    rows = [json.loads(x) for x in (tmp_path / "out" / "cases.jsonl").read_text().splitlines()]
    assert "error" not in rows[0] and rows[0]["scores"]["hallucination"]["passed"] is True
    assert rows[1]["error_kind"] == "judge-unreadable" and rows[1]["scores"] == {}
    assert "cannot be read" in rows[1]["error"] and "I think it is fine?" in rows[1]["error"]
    poc = out.summary["pocs"]["p"]
    assert poc["errors"]["count"] == 1
    assert poc["metrics"]["hallucination"]["total"] == 1  # the unread case is not scored
    assert any("client errors: 1 of 2" in r for r in poc["reasons"])


def test_judge_verdict_raises_on_an_unreadable_reply(tmp_path: Path) -> None:
    from evalkit.values import Prompt, ScoringInput, Suite

    (tmp_path / "judge.jsonl").write_text(
        json.dumps({"case": "a", "sample": 0, "output": "hmm, hard to say"}) + "\n"
    )
    suite = Suite(
        name="s",
        poc="p",
        path=tmp_path / "s.yaml",
        sha256="0" * 64,
        prompt=Prompt("{{q}}"),
        cases=(),
    )
    item = ScoringInput(suite, Case(id="a", vars={"q": "x"}), ("out",), ("sample 0",), (0,))
    judge = Judge(JudgeConfig(client="replay:judge.jsonl"))
    with pytest.raises(ScoringCallFailed) as raised:
        asyncio.run(judge.verdict(item, 0, POLICY, "x"))
    assert raised.value.kind == "judge-unreadable"
    assert "expected SUPPORTED or UNSUPPORTED" in str(raised.value)
