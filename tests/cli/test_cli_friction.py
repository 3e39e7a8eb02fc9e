"""First-hour friction: recording from the suite's own client, the judge's server."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import evalkit

from evalkit.testing.testserver import running_server


def _suite(
    folder: Path, name: str = "s", client: str = "replay:src.jsonl", extra: str = ""
) -> Path:
    (folder / "pyproject.toml").write_text("")
    path = folder / f"{name}.yaml"
    path.write_text(
        f"suite: {name}\npoc: p\nprompt: {{template: 'Q: {{{{q}}}}'}}\ncases:\n"
        "  - {id: a, vars: {q: one}, reference: '1', context: 'one is 1'}\n"
        "  - {id: b, vars: {q: two}, reference: '2', context: 'two is 2'}\n"
        f"client: {client}\n{extra}"
        "thresholds: {accuracy: {tolerable: 0.2, stop: 0.9}}\n"
    )
    (folder / "src.jsonl").write_text(
        '{"case": "a", "output": "1"}\n{"case": "b", "output": "2"}\n'
    )
    return path


def test_record_uses_the_suites_own_client(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    r = evalkit(
        "run", str(suite), "--record", "rec.jsonl", "--out", "o", "--no-progress", cwd=tmp_path
    )
    assert r.returncode in (0, 10), r.stderr
    rows = [json.loads(x) for x in (tmp_path / "rec.jsonl").read_text().splitlines()]
    assert [(x["case"], x["output"]) for x in rows] == [("a", "1"), ("b", "2")]
    assert all(len(x["prompt_sha256"]) == 64 for x in rows)


def test_record_refuses_suites_naming_different_clients(tmp_path: Path) -> None:
    one = _suite(tmp_path, "s1")
    (tmp_path / "other.jsonl").write_text((tmp_path / "src.jsonl").read_text())
    two = _suite(tmp_path, "s2", client="replay:other.jsonl")
    r = evalkit("run", str(one), str(two), "--record", "rec.jsonl", "--out", "o", cwd=tmp_path)
    assert r.returncode == 2
    assert "different clients (s1: replay:src.jsonl, s2: replay:other.jsonl)" in r.stderr
    assert "--client SPEC" in r.stderr


def test_judge_base_url_sends_the_judge_to_the_runners_server(tmp_path: Path) -> None:
    judge = "scorers:\n  accuracy: {}\n  hallucination: {judge: {client: 'openai:judge-model', mode: decide}}\n"
    suite = _suite(tmp_path, extra=judge)
    with running_server(echo_prefix="SUPPORTED\n") as url:
        r = evalkit(
            "run",
            str(suite),
            "--out",
            "o",
            "--no-progress",
            "--judge-base-url",
            url,
            cwd=tmp_path,
            env={"OPENAI_API_KEY": ""},
        )
        log = url.log()
    assert r.returncode in (0, 10), r.stdout + r.stderr
    assert {entry["model"] for entry in log} == {"judge-model"} and len(log) == 2
    rows = [json.loads(x) for x in (tmp_path / "o" / "cases.jsonl").read_text().splitlines()]
    assert [x["scores"]["hallucination"]["details"]["judge"][0]["verdict"] for x in rows] == [
        "supported",
        "supported",
    ]


def test_judge_base_url_with_credentials_is_refused(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    r = evalkit(
        "run", str(suite), "--judge-base-url", "http://user:pw@127.0.0.1:9/v1", cwd=tmp_path
    )
    assert r.returncode == 2 and "--judge-base-url" in r.stderr and "pw" not in r.stderr


def test_a_missing_replay_file_names_the_suite_and_the_fix_in_run_and_validate(
    tmp_path: Path,
) -> None:
    suite = _suite(tmp_path, client="replay:recordings/s.jsonl")
    for command in ("validate", "run"):
        r = evalkit(command, str(suite), cwd=tmp_path)
        assert r.returncode == 2, (command, r.stdout)
        assert f"{suite}: client: suite 's' names the replay file recordings/s.jsonl" in r.stderr
        assert "--record" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "results").exists()  # refused before anything ran
    r = evalkit("run", str(suite), "--client", "replay:none.jsonl", cwd=tmp_path)
    assert r.returncode == 2 and "--client replay:none.jsonl: replay file not found" in r.stderr


def test_validate_says_one_suite_in_the_singular(tmp_path: Path) -> None:
    r = evalkit("validate", str(_suite(tmp_path)), cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("ok: 1 suite, 1 PoC (p)"), r.stdout


def test_a_closed_stdout_pipe_ends_quietly_with_the_commands_own_code(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from cli_runner import ROOT

    suite = _suite(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args, code in (
        (("run", str(suite), "--out", "o", "--no-progress"), 10),
        (("report", "o"), 0),
    ):
        proc = subprocess.Popen(
            [sys.executable, "-m", "evalkit", *args],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # like `| head` that has already exited
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == code, (args, err)
        assert err == "", err
    assert (tmp_path / "o" / "summary.json").exists()
