"""Consistency `method: judge`: a model groups a case's outputs into equivalent answers,
one call per case. Offline: replay judge files and the loopback server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from cli_runner import evalkit

from evalkit.errors import ConfigProblem, ScoringCallFailed
from evalkit.scorers._judge_prompts import EQUIV_SYSTEM_JA, equivalence_request, parse_equivalence
from evalkit.scorers.consistency import JudgedConsistencyScorer, make
from evalkit.testing.testserver import running_server
from evalkit.values import Case, Prompt, ScorerConfig, ScoringInput, Suite


def _item(folder: Path, outputs: list[str]) -> ScoringInput:
    suite = Suite(
        name="s",
        poc="p",
        path=folder / "s.yaml",
        sha256="0",
        prompt=Prompt("{{question}}"),
        cases=(),
    )
    case = Case(id="c1", vars={"question": "Can I return a used item?"})
    n = len(outputs)
    return ScoringInput(
        suite, case, tuple(outputs), tuple(f"sample {i}" for i in range(n)), (0,) * n
    )


def _scorer(judge: object) -> JudgedConsistencyScorer:
    scorer = make(ScorerConfig("consistency", "judge", {"judge": judge}))
    assert isinstance(scorer, JudgedConsistencyScorer)
    return scorer


def _score(scorer: JudgedConsistencyScorer, item: ScoringInput) -> object:
    async def go() -> object:
        try:
            return await scorer.ascore(item)
        finally:
            await scorer.aclose()

    return asyncio.run(go())


OUTPUTS = [
    "Yes, used items can be returned within 30 days.",
    "No, only unused items are accepted.",
    "Returns of used goods are fine if you ask within a month.",
]


def test_the_judge_groups_paraphrases_and_names_the_odd_one_out(tmp_path: Path) -> None:
    reply = '{"groups": [[1, 3], [2]], "reasoning": "Answer 2 says no."}'
    with running_server(echo_prefix=reply + "\n") as url:
        score = _score(
            _scorer({"client": "openai:judge", "options": {"base_url": str(url)}}),
            _item(tmp_path, OUTPUTS),
        )
        log = url.log()
    assert len(log) == 1  # one call per case, all outputs in it
    assert all(o in log[0]["prompt"] for o in OUTPUTS)
    assert not score.passed and abs(score.score - 2 / 3) < 1e-9  # type: ignore[attr-defined]
    assert score.details["groups"] == [["sample 0", "sample 2"], ["sample 1"]]  # type: ignore[attr-defined]
    assert "sample 1 says 'No, only unused" in score.reason  # type: ignore[attr-defined]
    assert "Answer 2 says no." in score.reason  # type: ignore[attr-defined]


def test_equivalent_answers_pass_with_a_replayed_judge(tmp_path: Path) -> None:
    line = {"case": "c1", "sample": 0, "output": "EQUIVALENT\nBoth allow returns for 30 days."}
    (tmp_path / "j.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    score = _score(_scorer("replay:j.jsonl"), _item(tmp_path, [OUTPUTS[0], OUTPUTS[2]]))
    assert score.passed and score.score == 1.0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "reply", ["Hard to say.", '{"groups": [[1, 7]]}', "NOT EQUIVALENT", '{"groups": "1,2"}']
)
def test_an_unreadable_reply_is_an_error_never_a_pass(tmp_path: Path, reply: str) -> None:
    line = {"case": "c1", "sample": 0, "output": reply}
    (tmp_path / "j.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(ScoringCallFailed) as raised:
        _score(_scorer("replay:j.jsonl"), _item(tmp_path, OUTPUTS))
    assert raised.value.kind == "judge-unreadable"


def test_a_failed_judge_call_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScoringCallFailed) as raised:  # no recording for the case
        (tmp_path / "j.jsonl").write_text("", encoding="utf-8")
        _score(_scorer("replay:j.jsonl"), _item(tmp_path, OUTPUTS))
    assert raised.value.kind == "judge-error"


@pytest.mark.parametrize(
    ("reply", "groups"),
    [
        ('```json\n{"groups": [[1, 2, 3]], "reasoning": "same"}\n```', [[0, 1, 2]]),
        ('{"groups": [[2], [1, 3]]}', [[1], [0, 2]]),
        ('{"groups": [[1, 2]]}', [[0, 1], [2]]),  # an answer left out stands alone
        ('{"equivalent": true}', [[0, 1, 2]]),
        ("同等です。\nいずれも30日以内の返品を認めています。", [[0, 1, 2]]),
        ("同等ではない", None),
    ],
)
def test_equivalence_replies_are_read_robustly(reply: str, groups: list[list[int]] | None) -> None:
    assert parse_equivalence(reply, 3)[0] == groups


def test_a_japanese_case_is_asked_in_japanese(tmp_path: Path) -> None:
    item = _item(tmp_path, ["はい、30日以内なら返品できます。", "使用済みでも返品可能です。"])
    request = equivalence_request(item, list(item.outputs), "返品できますか？")
    assert request.messages[0].content == EQUIV_SYSTEM_JA
    assert request.sample == 0


@pytest.mark.parametrize(
    "params",
    [{}, {"judge": "replay:j.jsonl", "agree": 0.5}, {"judge": {"client": "x", "mode": "add"}}],
)
def test_bad_judge_settings_are_config_problems(params: dict[str, object]) -> None:
    with pytest.raises(ConfigProblem):
        make(ScorerConfig("consistency", "judge", params))


def test_a_run_scores_consistency_with_a_judge_and_counts_unreadable_replies(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    model = [
        {"case": c, "sample": i, "output": o}
        for c in ("a", "b")
        for i, o in enumerate([OUTPUTS[0], OUTPUTS[2]])
    ]
    judged = [
        {"case": "a", "sample": 0, "output": '{"groups": [[1, 2]], "reasoning": "same"}'},
        {"case": "b", "sample": 0, "output": "???"},
    ]
    for name, rows in (("model.jsonl", model), ("judge.jsonl", judged)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    (tmp_path / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: '{{question}}'}\nclient: replay:model.jsonl\n"
        "samples: 2\n"
        "scorers:\n  consistency: {method: judge, judge: 'replay:judge.jsonl'}\n"
        "thresholds:\n  consistency: {tolerable: 0.1, stop: 0.5}\n"
        "cases:\n"
        "  - {id: a, vars: {question: Can I return a used item?}}\n"
        "  - {id: b, vars: {question: Can I return it?}}\n",
        encoding="utf-8",
    )
    done = evalkit("run", "s.yaml", "--out", "out", cwd=tmp_path)
    assert done.returncode in (10, 20), done.stdout + done.stderr
    rows = {
        r["case"]: r
        for r in map(json.loads, (tmp_path / "out" / "cases.jsonl").read_text().splitlines())
    }
    assert rows["a"]["scores"]["consistency"]["passed"] is True
    assert rows["b"]["error_kind"] == "judge-unreadable"
