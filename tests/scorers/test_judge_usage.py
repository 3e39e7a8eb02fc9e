"""Judge tokens are reported apart from the model's: `run.judge_tokens` in summary.json
counts the judge's calls and the tokens its replies reported (the loopback server reports
usage; a replay file does not)."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import evalkit

from evalkit.testing.testserver import running_server


def _suite(folder: Path, judge: str) -> None:
    (folder / "pyproject.toml").write_text("", encoding="utf-8")
    model = [
        {"case": "a", "sample": 0, "output": "Sorry, refunds close after 30 days."},
        {"case": "b", "sample": 0, "output": "Read the policy yourself."},
    ]
    (folder / "model.jsonl").write_text("".join(json.dumps(r) + "\n" for r in model), "utf-8")
    (folder / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: '{{question}}'}\nclient: replay:model.jsonl\n"
        "scorers:\n"
        f"  polite: {{method: rubric, judge: '{judge}', criterion: The answer is polite.}}\n"
        f"  calm: {{method: rubric, judge: '{judge}', criterion: The answer is calm.}}\n"
        "thresholds:\n  polite: {tolerable: 0.1, stop: 0.5}\n"
        "cases:\n"
        "  - {id: a, vars: {question: Can I get a refund?}}\n"
        "  - {id: b, vars: {question: Why was I refused?}}\n",
        encoding="utf-8",
    )


def _run(folder: Path, *extra: str) -> dict[str, object]:
    done = evalkit("run", "s.yaml", "--out", "out", *extra, cwd=folder)
    assert done.returncode in (0, 10, 20), done.stdout + done.stderr
    run: dict[str, object] = json.loads((folder / "out" / "summary.json").read_text())["run"]
    return run


def test_judge_calls_and_tokens_are_counted_apart_from_the_models(tmp_path: Path) -> None:
    _suite(tmp_path, "openai:judge")
    reply = '{"polite": "PASS", "calm": "PASS"}'
    with running_server(echo_prefix=reply + "\n") as url:
        run = _run(tmp_path, "--judge-base-url", str(url))
        log = url.log()
    assert len(log) == 2  # two outputs, both criteria in one call each
    judge = run["judge_tokens"]
    assert isinstance(judge, dict) and judge["calls"] == 2
    # The server counts whitespace-separated words of the prompt and of the reply.
    assert judge["input"] > 0 and judge["output"] > 0
    assert run["tokens"] == {"input": None, "output": None}  # the model was replayed


def test_a_replayed_judge_counts_calls_without_tokens_and_no_judge_reports_none(
    tmp_path: Path,
) -> None:
    _suite(tmp_path, "replay:judge.jsonl")
    replies = [
        {"case": c, "sample": 0, "output": '{"polite": "PASS", "calm": "FAIL"}'} for c in "ab"
    ]
    (tmp_path / "judge.jsonl").write_text("".join(json.dumps(r) + "\n" for r in replies), "utf-8")
    run = _run(tmp_path)
    assert run["judge_tokens"] == {"calls": 2, "input": None, "output": None, "cost": {}}
    (tmp_path / "s.yaml").write_text(
        (tmp_path / "s.yaml").read_text().split("scorers:")[0]
        + "scorers:\n  accuracy: {}\n"
        + "cases:\n  - {id: a, vars: {question: Can I get a refund?}, reference: 30 days}\n",
        encoding="utf-8",
    )
    assert _run(tmp_path)["judge_tokens"] is None
