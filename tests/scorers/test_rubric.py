"""Rubric metrics: a suite's own criteria graded PASS / FAIL by a judge, one call per output
for all the criteria that share a judge. Offline: replay judge files and the loopback
server."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest
from cli_runner import evalkit

from evalkit.errors import ConfigProblem, ScoringCallFailed
from evalkit.scorers import build_scorer, check_metric
from evalkit.scorers.rubric import SYSTEM_JA, RubricScorer, parse_rubric, rubric_request
from evalkit.testing.testserver import running_server
from evalkit.values import Case, Prompt, ScorerConfig, ScoringInput, Suite

POLITE = "The answer is polite and does not blame the customer."
CITES = "The answer quotes the refund policy."


def _configs(judge: object) -> dict[str, ScorerConfig]:
    return {
        "polite": ScorerConfig("polite", "rubric", {"judge": judge, "criterion": POLITE}),
        "cites_policy": ScorerConfig(
            "cites_policy", "rubric", {"judge": judge, "criterion": CITES}
        ),
    }


def _item(folder: Path, outputs: list[str], configs: dict[str, ScorerConfig]) -> ScoringInput:
    suite = Suite(
        name="s",
        poc="p",
        path=folder / "s.yaml",
        sha256="0",
        prompt=Prompt("{{question}}"),
        cases=(),
        scorers=configs,
    )
    case = Case(id="c1", vars={"question": "Why was my refund refused?"})
    n = len(outputs)
    return ScoringInput(
        suite, case, tuple(outputs), tuple(f"sample {i}" for i in range(n)), (0,) * n
    )


def _scorers(configs: dict[str, ScorerConfig]) -> list[RubricScorer]:
    built = [build_scorer(c) for c in configs.values()]
    assert all(isinstance(s, RubricScorer) for s in built)
    return built  # type: ignore[return-value]


def _score_all(scorers: list[RubricScorer], item: ScoringInput) -> dict[str, object]:
    async def go() -> dict[str, object]:
        try:
            return {s.metric: await s.ascore(item) for s in scorers}
        finally:
            for s in scorers:
                await s.aclose()

    return asyncio.run(go())


def test_criteria_sharing_a_judge_are_graded_in_one_call_per_output(tmp_path: Path) -> None:
    reply = json.dumps(
        {
            "polite": {"verdict": "PASS", "reasoning": "Courteous."},
            "cites_policy": {"verdict": "FAIL", "reasoning": "No policy quoted."},
        }
    )
    with running_server(echo_prefix=reply + "\n") as url:
        configs = _configs({"client": "openai:judge", "options": {"base_url": str(url)}})
        outputs = ["Sorry, refunds close after 30 days.", "Refunds close after 30 days, sorry."]
        scores = _score_all(_scorers(configs), _item(tmp_path, outputs, configs))
        log = url.log()
    assert len(log) == 2  # one call per output, not one per criterion and output
    assert all(POLITE in entry["prompt"] and CITES in entry["prompt"] for entry in log)
    polite, cites = scores["polite"], scores["cites_policy"]
    assert polite.passed and polite.score == 1.0  # type: ignore[attr-defined]
    assert not cites.passed and cites.score == 0.0  # type: ignore[attr-defined]
    assert cites.details["judge"][0]["reasoning"] == "No policy quoted."  # type: ignore[attr-defined]
    assert "No policy quoted." in cites.reason  # type: ignore[attr-defined]
    assert polite.details["graded_with"] == ["cites_policy", "polite"]  # type: ignore[attr-defined]


def test_a_reply_missing_a_criterion_is_an_error_never_a_pass(tmp_path: Path) -> None:
    with running_server(echo_prefix='{"polite": "PASS"}\n') as url:
        configs = _configs({"client": "openai:judge", "options": {"base_url": str(url)}})
        with pytest.raises(ScoringCallFailed, match="cites_policy") as raised:
            _score_all(_scorers(configs), _item(tmp_path, ["Sorry."], configs))
    assert raised.value.kind == "judge-unreadable"


def test_a_failed_judge_call_is_an_error(tmp_path: Path) -> None:
    with running_server(faults=[{"kind": "error", "status": 400}]) as url:
        configs = _configs({"client": "openai:judge", "options": {"base_url": str(url)}})
        with pytest.raises(ScoringCallFailed) as raised:
            _score_all(_scorers(configs), _item(tmp_path, ["Sorry."], configs))
    assert raised.value.kind == "judge-error"


def test_a_japanese_case_is_graded_in_japanese(tmp_path: Path) -> None:
    configs = _configs("replay:j.jsonl")
    item = _item(tmp_path, ["申し訳ございません。返金期間は30日です。"], configs)
    request = rubric_request(item, 0, [("polite", "丁寧である")], "返金は？", "")
    assert request.messages[0].content == SYSTEM_JA
    assert "polite: 丁寧である" in request.messages[1].content


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            '{"polite": {"verdict": "PASS", "reasoning": "ok"}, "cites": {"verdict": "FAIL"}}',
            (True, False),
        ),
        ('```json\n{"Polite": "pass", "cites": false}\n```', (True, False)),
        (
            'Here you go: {"polite": {"result": "FAIL", "reason": "rude"}, "cites": {"pass": true}}',
            (False, True),
        ),
        ("**polite**: PASS — courteous\ncites: FAIL (no quote)", (True, False)),
        (
            '{"polite": {"verdict": "合格", "reasoning": "丁寧"}, "cites": {"verdict": "不合格"}}',
            (True, False),
        ),
        ("polite: 不合格\ncites: 合格", (False, True)),
        ("polite: PASS", (True, None)),
        ("Looks fine to me", (None, None)),
    ],
)
def test_rubric_replies_are_read_robustly(reply: str, expected: tuple[bool | None, ...]) -> None:
    found = parse_rubric(reply, ["polite", "cites"])
    assert tuple(None if v is None else v[0] for v in found.values()) == expected


def test_a_lone_criterion_may_be_answered_on_the_first_line() -> None:
    assert parse_rubric("FAIL\nIt blames the customer.", ["polite"]) == {
        "polite": (False, "It blames the customer.")
    }
    assert parse_rubric('{"verdict": "PASS", "reasoning": "fine"}', ["polite"])["polite"] == (
        True,
        "fine",
    )


@pytest.mark.parametrize(
    "params",
    [
        {"judge": "replay:j.jsonl"},  # no criterion
        {"criterion": POLITE},  # no judge
        {"judge": {"client": "replay:j.jsonl", "mode": "verify"}, "criterion": POLITE},
        {"judge": "replay:j.jsonl", "criterion": POLITE, "treshold": 1},
    ],
)
def test_bad_rubric_settings_are_config_problems(params: dict[str, object]) -> None:
    with pytest.raises(ConfigProblem):
        build_scorer(ScorerConfig("polite", "rubric", params))


def test_an_unknown_metric_name_is_an_error_that_suggests_a_rubric() -> None:
    assert check_metric("polite", {"method": "rubric"}) is None
    problem = check_metric("polite", {})
    assert problem is not None and "unknown scorer 'polite'" in problem and "rubric" in problem


def _run(folder: Path, judged: list[str]) -> subprocess.CompletedProcess[str]:
    (folder / "pyproject.toml").write_text("", encoding="utf-8")
    model = [
        {"case": "late", "sample": 0, "output": "Per policy 4.2, refunds close after 30 days."},
        {"case": "rude", "sample": 0, "output": "You should have read the policy."},
    ]
    replies = [
        {"case": c, "sample": 0, "output": r} for c, r in zip(["late", "rude"], judged, strict=True)
    ]
    for name, rows in (("model.jsonl", model), ("judge.jsonl", replies)):
        text = "".join(json.dumps(r) + "\n" for r in rows)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: '{{question}}'}\nclient: replay:model.jsonl\n"
        "scorers:\n"
        f"  polite: {{method: rubric, judge: 'replay:judge.jsonl', criterion: '{POLITE}'}}\n"
        f"  cites_policy: {{method: rubric, judge: 'replay:judge.jsonl', criterion: '{CITES}'}}\n"
        "thresholds:\n"
        "  polite: {tolerable: 0.1, stop: 0.5}\n"
        "  cites_policy: {tolerable: 0.1, stop: 0.5}\n"
        "cases:\n"
        "  - {id: late, vars: {question: Can I get a refund after 40 days?}}\n"
        "  - {id: rude, vars: {question: Why was my refund refused?}}\n",
        encoding="utf-8",
    )
    return evalkit("run", "s.yaml", "--out", "out", cwd=folder)


def test_a_run_thresholds_rubric_metrics_like_any_other(tmp_path: Path) -> None:
    done = _run(
        tmp_path,
        [
            '{"polite": {"verdict": "PASS", "reasoning": "calm"}, "cites_policy": "PASS"}',
            '{"polite": {"verdict": "FAIL", "reasoning": "blames the customer"}, '
            '"cites_policy": "FAIL"}',
        ],
    )
    assert done.returncode in (10, 20), done.stdout + done.stderr
    rows = {
        r["case"]: r
        for r in map(json.loads, (tmp_path / "out" / "cases.jsonl").read_text().splitlines())
    }
    assert rows["late"]["scores"]["polite"]["passed"] is True
    assert rows["rude"]["scores"]["polite"]["passed"] is False
    assert "blames the customer" in rows["rude"]["scores"]["polite"]["reason"]
    assert rows["late"]["scores"]["cites_policy"]["passed"] is True
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    metrics = summary["pocs"]["p"]["metrics"]
    assert metrics["polite"]["failures"] == 1 and metrics["polite"]["total"] == 2
    assert metrics["polite"]["tolerable"] == 0.1


def test_a_run_counts_an_unreadable_rubric_reply_as_an_error(tmp_path: Path) -> None:
    done = _run(tmp_path, ['{"polite": "PASS", "cites_policy": "PASS"}', "no idea"])
    assert done.returncode in (10, 20), done.stdout + done.stderr
    rows = {
        r["case"]: r
        for r in map(json.loads, (tmp_path / "out" / "cases.jsonl").read_text().splitlines())
    }
    assert rows["rude"]["error_kind"] == "judge-unreadable"
    assert rows["late"]["scores"]["polite"]["passed"] is True
