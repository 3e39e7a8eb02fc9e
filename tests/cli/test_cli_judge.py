"""`evalkit run --judge SPEC` and its companions, as a user runs them: the runner chooses
every judge's client (a suite may leave it out), the model's server and key never reach a
judge, judge replies are recorded (`--judge-record`), replayed offline (also by `--workers`
processes) and cached, and their cost is estimated apart from the model's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.testing.testserver import running_server
from tests.cli_runner import evalkit

# One reply every judge of the suite reads: a grade (CORRECT), a verdict (SUPPORTED) and a
# rubric's JSON object, all on the first line (the loopback server echoes the prompt after).
REPLY = 'CORRECT SUPPORTED {"polite": "PASS"}\n'


def _project(folder: Path, scorers: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text("", encoding="utf-8")
    outputs = [
        ("refund", "You can get your money back within a month of buying."),
        ("hours", "We are open nine to five on weekdays."),
    ]
    (folder / "model.jsonl").write_text(
        "".join(json.dumps({"case": c, "output": o}) + "\n" for c, o in outputs), "utf-8"
    )
    (folder / "s.yaml").write_text(
        "suite: faq\npoc: bot\nprompt: {template: '{{question}}'}\nclient: replay:model.jsonl\n"
        f"scorers:\n{scorers}"
        "thresholds:\n  accuracy: {tolerable: 0.1, stop: 0.5}\n"
        "cases:\n"
        "  - {id: refund, vars: {question: How long for a refund?}, reference: 30 days,\n"
        "     context: Refunds are accepted within 30 days of purchase.}\n"
        "  - {id: hours, vars: {question: When are you open?}, reference: 9-5 on weekdays,\n"
        "     context: We are open 9:00-17:00 Monday to Friday.}\n",
        encoding="utf-8",
    )
    return folder


# The suite says which metrics a judge decides; which model judges is left to the runner.
LEFT_TO_RUNNER = (
    "  accuracy: {method: judge}\n"
    "  hallucination: {judge: {mode: verify}}\n"
    "  polite: {method: rubric, criterion: The answer is polite.}\n"
)


def _rows(out: Path) -> list[tuple[str, dict[str, bool], Any]]:
    rows = [json.loads(line) for line in (out / "cases.jsonl").read_text().splitlines()]
    return [
        (r["case"], {m: s["passed"] for m, s in r.get("scores", {}).items()}, r.get("error"))
        for r in rows
    ]


def _summary(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return data


def test_a_judge_left_to_the_runner_is_recorded_live_and_replayed_offline_also_by_workers(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path / "proj", LEFT_TO_RUNNER)
    refused = evalkit("validate", "s.yaml", cwd=root)
    assert refused.returncode == 2
    assert "scorers.hallucination.judge.client: no client" in refused.stderr
    assert "--judge SPEC" in refused.stderr
    assert evalkit("validate", "s.yaml", "--judge", "openai:j", cwd=root).returncode == 0

    with running_server(echo_prefix=REPLY) as url:
        live = evalkit(
            "run", "s.yaml", "--out", "live", "--judge", "openai:j", "--judge-base-url", url,
            "--judge-record", "judge.jsonl", "--exit-zero", cwd=root,
        )  # fmt: skip
        log = url.log()
    assert live.returncode == 0, live.stderr
    # Per case a grade and a rubric call, and a verdict on what the lexical layers flag
    # (the paraphrase of the refund window), keyed by what was asked.
    asked = sorted((r["suite"], r["case"]) for r in log)
    assert asked == [
        ("faq#judge:accuracy", "hours"),
        ("faq#judge:accuracy", "refund"),
        ("faq#judge:hallucination", "refund"),
        ("faq#judge:rubric", "hours"),
        ("faq#judge:rubric", "refund"),
    ]
    recorded = [json.loads(x) for x in (root / "judge.jsonl").read_text().splitlines()]
    assert sorted((r["suite"], r["case"]) for r in recorded) == asked
    assert all(r["prompt_sha256"] for r in recorded)
    expected = _rows(root / "live")
    assert expected and all(error is None for _, _, error in expected)

    # Offline, from another folder: the replay path resolves against where the runner is,
    # as --client's does, in this process and in every --workers process.
    for extra in ((), ("--workers", "2")):
        out = tmp_path / f"replayed{len(extra)}"
        again = evalkit(
            "run", "proj/s.yaml", "--out", str(out), "--judge", "replay:proj/judge.jsonl",
            "--exit-zero", *extra, cwd=tmp_path,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert _rows(out) == expected
        judged = _summary(out)["run"]["judge_tokens"]
        assert judged["calls"] == 5 and judged["input"] is None  # a replay reports no usage
        client = _summary(out)["provenance"]["options"]["judge"]["client"]
        assert client == f"replay:{(root / 'judge.jsonl').resolve()}"

    missing = evalkit("run", "s.yaml", "--judge", "replay:nope.jsonl", cwd=root)
    assert missing.returncode == 2
    assert "--judge replay:" in missing.stderr and "--judge-record" in missing.stderr


def test_the_models_server_and_key_never_reach_the_judge(tmp_path: Path) -> None:
    root = _project(tmp_path, LEFT_TO_RUNNER)
    env = {"MODEL_KEY": "model-secret", "JUDGE_KEY": "judge-secret", "OPENAI_API_KEY": ""}
    with (
        running_server(api_key="model-secret", echo_prefix="30 days.\n") as model,
        running_server(api_key="judge-secret", echo_prefix=REPLY) as judge,
    ):
        done = evalkit(
            "run", "s.yaml", "--out", "out", "--client", "openai:m", "--base-url", model,
            "--api-key-env", "MODEL_KEY", "--judge", "openai:j", "--judge-base-url", judge,
            "--judge-api-key-env", "JUDGE_KEY", "--exit-zero", cwd=root, env=env,
        )  # fmt: skip
        model_log, judge_log = model.log(), judge.log()
    assert done.returncode == 0, done.stderr
    assert {r["model"] for r in model_log} == {"m"} and len(model_log) == 2
    assert {r["model"] for r in judge_log} == {"j"} and len(judge_log) == 5
    # The judge server demands its own key: had the model's been sent, it would answer 401.
    assert all(error is None for _, _, error in _rows(root / "out"))


def test_the_runners_judge_replaces_the_suites_and_drops_where_the_suite_sent_it(
    tmp_path: Path,
) -> None:
    with (
        running_server(echo_prefix=REPLY) as suites_server,
        running_server(echo_prefix=REPLY) as runners,
    ):
        # The suite's judge points at a server of its own (and, without the runner's
        # --judge, at one it may not choose): the runner's --judge replaces both.
        scorers = (
            "  accuracy: {method: judge, judge: {client: 'openai:suite-judge',\n"
            f"    options: {{base_url: '{suites_server}'}}}}}}\n"
            "  polite: {method: rubric, criterion: 'Polite.',\n"
            "    judge: {client: 'openai:x', options: {base_url: 'https://judge.example/v1'}}}\n"
        )
        root = _project(tmp_path, scorers)
        refused = evalkit("run", "s.yaml", cwd=root)
        assert refused.returncode == 2 and "judge.example" in refused.stderr
        done = evalkit(
            "run", "s.yaml", "--out", "out", "--judge", "openai:j", "--judge-base-url",
            runners, "--exit-zero", cwd=root,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert suites_server.log() == []
        assert {r["model"] for r in runners.log()} == {"j"} and len(runners.log()) == 4


def test_judge_cost_is_estimated_apart_from_the_models_and_per_case(tmp_path: Path) -> None:
    # The suite prices its own judge; the runner's --judge names another model, so that
    # price is dropped unless the runner prices its judge with --judge-pricing.
    scorers = (
        "  accuracy: {method: judge, judge: {client: 'openai:j',\n"
        "    pricing: {input_per_million: 2, output_per_million: 8}}}\n"
    )
    root = _project(tmp_path, scorers)
    with running_server(echo_prefix="CORRECT\n") as url:
        own = evalkit("run", "s.yaml", "--out", "own", "--judge-base-url", url, cwd=root)
        other = evalkit(
            "run", "s.yaml", "--out", "other", "--judge", "openai:k", "--judge-base-url", url,
            cwd=root,
        )  # fmt: skip
        priced = evalkit(
            "run", "s.yaml", "--out", "priced", "--judge", "openai:k", "--judge-base-url", url,
            "--judge-pricing", "100,1000,JPY", cwd=root,
        )  # fmt: skip
    for done in (own, other, priced):
        assert done.returncode in (0, 10), done.stderr
    usage = _summary(root / "own")["run"]["judge_tokens"]
    ins, outs = usage["input"], usage["output"]
    assert ins > 0 and outs > 0
    cost = usage["cost"]["USD"]
    assert cost["total"] == pytest.approx((ins * 2 + outs * 8) / 1e6, abs=1e-6)
    assert cost["calls"] == 2 and cost["cases"] == 2
    assert cost["per_case"] == pytest.approx(cost["total"] / 2, abs=1e-6)
    assert "Estimated judge cost:" in own.stdout and "USD" in own.stdout
    assert _summary(root / "own")["run"]["cost"] == {}  # the model (replayed) is not priced
    assert _summary(root / "other")["run"]["judge_tokens"]["cost"] == {}
    assert "judge cost" not in other.stdout
    jpy = _summary(root / "priced")["run"]["judge_tokens"]["cost"]
    assert list(jpy) == ["JPY"] and jpy["JPY"]["total"] > cost["total"]

    bad = evalkit("run", "s.yaml", "--judge-pricing", "cheap", cwd=root)
    assert bad.returncode == 2 and "IN,OUT[,CURRENCY]" in bad.stderr

    # The summary schema types the block: what was written passes, a damaged one is refused.
    from evalkit.results.check import summary_problems
    from evalkit.suite.positions import Parsed

    def problems(data: dict[str, Any]) -> list[str]:
        return summary_problems("summary.json", data, lambda: Parsed(data, {}))

    written = _summary(root / "own")
    assert problems(written) == []
    written["run"]["judge_tokens"]["cost"]["USD"]["total"] = -1
    assert any("judge_tokens.cost.USD.total" in p for p in problems(written))


def test_judge_replies_are_cached_like_the_models(tmp_path: Path) -> None:
    root = _project(tmp_path, "  accuracy: {method: judge}\n")
    with running_server(echo_prefix="CORRECT\n") as url:
        for out in ("first", "second"):
            done = evalkit(
                "run", "s.yaml", "--out", out, "--judge", "openai:j", "--judge-base-url", url,
                "--cache", "cache", "--exit-zero", cwd=root,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
        assert len(url.log()) == 2  # the second run's two grades came from the cache
    assert _rows(root / "first") == _rows(root / "second")
