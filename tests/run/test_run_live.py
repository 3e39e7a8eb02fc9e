"""`evalkit run` against the loopback OpenAI-compatible test server, as a user would:
record → replay, stale recordings, re-recording, and resume after `kill -9`."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from cli_runner import evalkit

from evalkit.testing.testserver import running_server

ROOT = Path(__file__).resolve().parents[2]
N_CASES = 24


def write_suite(folder: Path, template: str = "Q: {{q}}", n: int = N_CASES) -> Path:
    cases = "\n".join(
        f"  - id: c{i:02d}\n    vars: {{q: 'question {i}'}}\n    reference: 'question {i}'"
        for i in range(n)
    )
    path = folder / "s.yaml"
    path.write_text(
        f"suite: s\npoc: p\nprompt: {{template: '{template}'}}\nsamples: 1\ncases:\n{cases}\n"
        "thresholds:\n  accuracy: {tolerable: 0.1, stop: 0.4}\n",
        encoding="utf-8",
    )
    return path


def summary_without_run(out: Path) -> dict:
    doc = json.loads((out / "summary.json").read_text())
    del doc["run"], doc["provenance"]
    return doc


def replay_args(suite: Path, out: str) -> tuple[str, ...]:
    return ("run", str(suite), "--client", "replay:rec.jsonl", "--out", out, "--no-progress")


def test_record_then_replay_gives_the_same_results_and_catches_prompt_changes(tmp_path):
    suite = write_suite(tmp_path)
    with running_server(echo_prefix="") as url:
        r = evalkit(*live_args(suite, url, out="live"), "--record", "rec.jsonl", cwd=tmp_path)
        assert r.returncode in (0, 10, 20), r.stderr
        assert len(url.log()) == N_CASES
    lines = [json.loads(line) for line in (tmp_path / "rec.jsonl").read_text().splitlines()]
    assert len(lines) == N_CASES and all(len(line["prompt_sha256"]) == 64 for line in lines)

    r = evalkit(*replay_args(suite, "replayed"), cwd=tmp_path)
    assert r.returncode in (0, 10, 20), r.stderr
    assert summary_without_run(tmp_path / "live") == summary_without_run(tmp_path / "replayed")

    # A prompt edit makes every recording stale: replay refuses, exit 2, says to re-record.
    write_suite(tmp_path, template="Question: {{q}}")
    r = evalkit(*replay_args(suite, "stale"), cwd=tmp_path)
    assert r.returncode == 2
    assert "re-record" in r.stderr and f"{N_CASES} recorded outputs" in r.stderr

    # --rerecord-stale calls the model only for stale recordings: after the edit that is
    # every case once; right after re-recording, none.
    with running_server() as url:
        args = (
            *live_args(suite, url, out="rerec"),
            "--record",
            "rec.jsonl",
            "--rerecord-stale",
            "--no-resume",
        )
        assert evalkit(*args, cwd=tmp_path).returncode in (0, 10, 20)
        assert len(url.log()) == N_CASES
        url.clear_log()
        assert evalkit(*args, cwd=tmp_path).returncode in (0, 10, 20)
        assert url.log() == []


def live_args(suite: Path, url: str, out: str = "out") -> tuple[str, ...]:
    """`evalkit run` against the test server, two requests in flight."""
    return (
        "run",
        str(suite),
        "--client",
        "openai:test-model",
        "--base-url",
        url,
        "--out",
        out,
        "--concurrency",
        "2",
        "--no-progress",
    )


def start_until_journalled(
    args: tuple[str, ...], cwd: Path, rows: int, journals: str = "out/cases.partial.jsonl"
) -> subprocess.Popen:
    """Start `evalkit` in the background, in its own process group (as a terminal would
    signal it), and return once one of its journals (a glob below `cwd`) holds `rows` cases."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        j.read_text().count("\n") >= rows for j in cwd.glob(journals)
    ):
        time.sleep(0.02)
    return proc


def journalled_cases(cwd: Path, journals: str = "out/cases.partial.jsonl") -> set[str]:
    return {
        json.loads(line)["case"]
        for journal in cwd.glob(journals)
        for line in journal.read_text().splitlines()
        if line.endswith("}")
    }


@pytest.mark.timeout(180)
def test_kill_9_then_rerun_completes_without_requesting_finished_cases_again(tmp_path):
    suite = write_suite(tmp_path)
    with running_server(latency_ms=150) as url:
        args = live_args(suite, url)
        proc = start_until_journalled(args, tmp_path, rows=6)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        done_before = journalled_cases(tmp_path)
        assert 6 <= len(done_before) < N_CASES

        r = evalkit(*args, cwd=tmp_path)
        assert r.returncode in (0, 10, 20), r.stderr
        assert "Resumed" in r.stdout
        requested = Counter(entry["case"] for entry in url.log())
        assert all(requested[case] == 1 for case in done_before), requested
        assert set(requested) == {f"c{i:02d}" for i in range(N_CASES)}

        url.clear_log()
        assert evalkit(*live_args(suite, url, out="whole"), cwd=tmp_path).returncode in (0, 10, 20)
    assert summary_without_run(tmp_path / "out") == summary_without_run(tmp_path / "whole")
    assert rows_without_latency(tmp_path / "out") == rows_without_latency(tmp_path / "whole")


def rows_without_latency(out: Path) -> list[dict]:
    """Case rows of a live run, minus the measured latency (the one volatile field)."""
    rows = [json.loads(line) for line in (out / "cases.jsonl").read_text().splitlines()]
    for row in rows:
        row.pop("latency_s", None)
    return rows


@pytest.mark.timeout(120)
def test_ctrl_c_stops_cleanly_keeps_finished_cases_and_says_how_to_resume(tmp_path):
    suite = write_suite(tmp_path)
    with running_server(latency_ms=200) as url:
        args = live_args(suite, url)
        proc = start_until_journalled(args, tmp_path, rows=4)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130
        assert "run the same command again to resume" in err
        assert "Traceback" not in err
        kept = len(journalled_cases(tmp_path))
        assert kept >= 4
        r = evalkit(*args, cwd=tmp_path)
        assert r.returncode in (0, 10, 20)
        assert f"Resumed: {kept} cases" in r.stdout


def test_pricing_in_the_suite_gives_a_cost_estimate_per_case_and_per_run(tmp_path):
    suite = write_suite(tmp_path, n=4)
    text = (
        suite.read_text()
        + "pricing: {input_per_million: 2.5, output_per_million: 10, currency: USD}\n"
    )
    suite.write_text(text)
    with running_server() as url:
        r = evalkit(
            "run",
            str(suite),
            "--client",
            "openai:test-model",
            "--base-url",
            url,
            "--out",
            "o",
            "--no-progress",
            cwd=tmp_path,
        )
    assert r.returncode in (0, 10, 20), r.stderr
    assert "Estimated cost:" in r.stdout and "USD for 4 cases" in r.stdout
    rows = [json.loads(line) for line in (tmp_path / "o" / "cases.jsonl").read_text().splitlines()]
    expected = [(row["tokens"]["input"] * 2.5 + row["tokens"]["output"] * 10) / 1e6 for row in rows]
    assert [row["cost"]["amount"] for row in rows] == pytest.approx(expected)
    run = json.loads((tmp_path / "o" / "summary.json").read_text())["run"]
    assert run["cost"]["USD"]["total"] == pytest.approx(sum(expected))


def test_suite_client_options_reach_the_client_and_flags_override_them(tmp_path):
    suite = write_suite(tmp_path, n=3)
    with running_server() as url, running_server() as other:
        suite.write_text(
            suite.read_text()
            + f"client: openai:test-model\nclient_options: {{base_url: '{url}', max_retries: 1}}\n"
        )
        # No key in the environment: a suite may point at this machine only when no key
        # would be sent there (README: Trust).
        no_key = {"OPENAI_API_KEY": ""}
        assert evalkit(
            "run", str(suite), "--out", "a", "--no-progress", cwd=tmp_path, env=no_key
        ).returncode in (0, 10, 20)
        assert len(url.log()) == 3
        r = evalkit(
            "run", str(suite), "--out", "b", "--base-url", other, "--no-progress", cwd=tmp_path
        )
        assert r.returncode in (0, 10, 20)
        assert len(other.log()) == 3 and len(url.log()) == 3


def test_an_api_key_in_a_suite_file_is_refused(tmp_path):
    suite = write_suite(tmp_path, n=1)
    suite.write_text(suite.read_text() + "client_options: {api_key: sk-secret}\n")
    r = evalkit("validate", str(suite), cwd=tmp_path)
    assert r.returncode == 2
    assert "client_options.api_key" in r.stderr and "sk-secret" not in r.stderr


@pytest.mark.timeout(180)
def test_ctrl_c_of_a_workers_run_says_once_how_to_resume_and_the_rerun_repeats_no_call(
    tmp_path,
):
    suite = write_suite(tmp_path)
    with running_server(latency_ms=200) as url:
        args = (*live_args(suite, url), "--workers", "2")
        journals = "out/.workers/*/cases.partial.jsonl"
        proc = start_until_journalled(args, tmp_path, rows=2, journals=journals)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert err.count("run the same command again to resume") == 1
        assert "Traceback" not in err
        done_before = journalled_cases(tmp_path, journals)
        assert 2 <= len(done_before) < N_CASES
        url.clear_log()
        r = evalkit(*args, cwd=tmp_path)
        assert r.returncode in (0, 10, 20), r.stderr
        requested = Counter(entry["case"] for entry in url.log())
        assert not set(requested) & done_before and all(n == 1 for n in requested.values())
        assert len(requested) + len(done_before) == N_CASES
        assert evalkit(*live_args(suite, url, out="whole"), cwd=tmp_path).returncode == r.returncode
    assert summary_without_run(tmp_path / "out") == summary_without_run(tmp_path / "whole")


def test_a_worker_that_finished_before_its_parent_was_interrupted_is_not_run_again(tmp_path):
    suite = write_suite(tmp_path, n=6)
    with running_server() as url:
        args = (*live_args(suite, url, out="w1"), "--shard", "1/2", "--exit-zero")
        worker = {"EVALKIT_SLICE": "1/2"}  # as `run --workers 2` starts its first worker
        first = evalkit(*args, cwd=tmp_path, env=worker, input="go\n")
        assert first.returncode == 0, first.stderr
        requested = len(url.log())
        assert requested > 0 and (tmp_path / "w1" / "counts.json").exists()
        summary = (tmp_path / "w1" / "summary.json").read_bytes()
        url.clear_log()
        again = evalkit(*args, cwd=tmp_path, env=worker, input="go\n")
        assert again.returncode == 0 and url.log() == []
        assert (tmp_path / "w1" / "summary.json").read_bytes() == summary  # not run again
        fresh = evalkit(*args, "--no-resume", cwd=tmp_path, env=worker, input="go\n")
        assert fresh.returncode == 0 and len(url.log()) == requested


def test_a_workers_run_against_an_api_reports_the_request_phase_of_the_whole_run(tmp_path):
    """Each worker records its phase's ends in wall-clock time; the merged summary spans
    them all (earliest request of any worker to latest response)."""
    suite = write_suite(tmp_path, n=12)
    with running_server(latency_ms=20) as url:
        r = evalkit(*live_args(suite, url), "--workers", "2", cwd=tmp_path)
    assert r.returncode in (0, 10, 20), r.stderr
    run = json.loads((tmp_path / "out" / "summary.json").read_text())["run"]
    shards = run["shards"]
    assert len(shards) == 2 and all(s["request_phase_s"] > 0 for s in shards)
    first = min(s["request_phase_at"][0] for s in shards)
    last = max(s["request_phase_at"][1] for s in shards)
    assert run["request_phase_at"] == [first, last]
    assert run["request_phase_s"] == pytest.approx(last - first, abs=2e-6)  # 6 decimals
    assert run["request_phase_s"] >= max(s["request_phase_s"] for s in shards) - 5e-6


def test_http_and_command_clients_are_not_sent_a_prompt_hash_but_a_recording_is():
    """Hashing every prompt is work nobody reads for a live client; `--record` (which
    writes the hash into the replay file) still asks for it."""
    from evalkit.clients import build_client, parse_spec
    from evalkit.clients.record import RecordingClient

    live = build_client(parse_spec("openai:m", ROOT, {"base_url": "http://127.0.0.1:9/v1"}))
    command = build_client(parse_spec("command:python3 -c pass", ROOT))
    assert live.wants_prompt_sha256 is False and command.wants_prompt_sha256 is False
    assert RecordingClient(live, ROOT / "never-written.jsonl").wants_prompt_sha256 is True
