"""`run --workers`: each worker owns a contiguous window of a JSONL cases file, validates
it, and waits for the parent's go; the merged result equals a one-process run's."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_runner import evalkit
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.errors import SuiteError
from evalkit.suite.case_readers import jsonl_rows, jsonl_window

SUITE = """\
suite: big
poc: big
prompt: {template: "What is {{q}}?"}
cases_from: cases.jsonl
client: replay:replay.jsonl
scorers:
  accuracy: {method: numeric}
thresholds:
  accuracy: {tolerable: 0.1, stop: 0.4}
"""


def write(folder: Path, ids: list[str], bad_line: int | None = None) -> None:
    lines, replay = [], []
    for n, case_id in enumerate(ids, 1):
        row = {"id": case_id, "vars": {"q": f"{n} + 1"}, "reference": str(n + 1)}
        lines.append("not json" if n == bad_line else json.dumps(row))
        said = n + 1 if n % 7 else n  # every 7th answer is wrong
        replay.append(json.dumps({"case": case_id, "output": f"It is {said}."}))
    (folder / "cases.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "replay.jsonl").write_text("\n".join(replay) + "\n")
    (folder / "s.yaml").write_text(SUITE)


def run_both(folder: Path) -> tuple[subprocess.CompletedProcess[str], ...]:
    one = evalkit("run", "s.yaml", "--out", "one", "--no-progress", cwd=folder)
    two = evalkit("run", "s.yaml", "--out", "two", "--workers", "3", cwd=folder)
    return one, two


def same_results(folder: Path) -> None:
    docs = [json.loads((folder / d / "summary.json").read_text()) for d in ("one", "two")]
    for doc in docs:
        del doc["run"], doc["provenance"]
    assert docs[0] == docs[1]
    assert (folder / "one" / "cases.jsonl").read_bytes() == (
        folder / "two" / "cases.jsonl"
    ).read_bytes()


@pytest.mark.parametrize("order", ["sorted", "shuffled"])
def test_workers_give_the_one_process_result_whatever_the_file_order(tmp_path, order):
    ids = [f"c{i:03d}" for i in range(60)]
    if order == "shuffled":  # windows overlap in id range: rows interleave when merged
        ids = ids[1::2] + ids[::2]
    write(tmp_path, ids)
    one, two = run_both(tmp_path)
    assert one.returncode == two.returncode == 10, two.stderr  # redesign: 1 in 7 wrong
    same_results(tmp_path)
    assert not (tmp_path / "two" / ".workers").exists()  # merged: nothing left to resume


def test_a_bad_row_in_one_window_stops_every_worker_before_any_case_runs(tmp_path):
    write(tmp_path, [f"c{i:03d}" for i in range(60)], bad_line=55)
    r = evalkit("run", "s.yaml", "--out", "two", "--workers", "3", cwd=tmp_path)
    assert r.returncode == 2
    assert "cases.jsonl:55" in r.stderr and "invalid JSON" in r.stderr
    assert not (tmp_path / "two" / "cases.jsonl").exists()
    assert not list((tmp_path / "two").rglob("cases.partial.jsonl"))


def test_a_case_id_repeated_across_windows_is_refused_with_both_lines(tmp_path):
    ids = [f"c{i:03d}" for i in range(60)]
    ids[57] = "c002"
    write(tmp_path, ids)
    r = evalkit("run", "s.yaml", "--out", "two", "--workers", "3", cwd=tmp_path)
    assert r.returncode == 2
    assert "cases.jsonl:58" in r.stderr and "duplicate case id 'c002' (first at line 3)" in r.stderr
    assert not list((tmp_path / "two").rglob("cases.partial.jsonl"))


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(
        st.sampled_from(['{"id": "a"}', '{"id": "bb", "vars": {"q": "long text"}}', "", "  "]),
        max_size=30,
    ),
    count=st.integers(1, 5),
)
def test_windows_cover_every_row_once_with_the_whole_files_numbers(tmp_path_factory, lines, count):
    path = tmp_path_factory.mktemp("w") / "c.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    whole = [(rowno, lineno) for rowno, lineno, _ in jsonl_rows(path)]
    parts = [
        (rowno, lineno)
        for k in range(1, count + 1)
        for rowno, lineno, _ in jsonl_rows(path, jsonl_window(path, k, count))
    ]
    assert parts == whole


def test_a_case_id_repeated_within_one_window_is_refused_too(tmp_path):
    ids = [f"c{i:03d}" for i in range(60)]
    ids[4] = "c002"
    write(tmp_path, ids)
    r = evalkit("run", "s.yaml", "--out", "two", "--workers", "3", cwd=tmp_path)
    assert r.returncode == 2
    assert "cases.jsonl:5" in r.stderr and "duplicate case id 'c002' (first at line 3)" in r.stderr


def test_workers_write_junit_and_compare_with_a_baseline_like_one_process(tmp_path):
    write(tmp_path, [f"c{i:03d}" for i in range(60)])
    one = evalkit("run", "s.yaml", "--out", "one", "--no-progress", cwd=tmp_path)
    two = evalkit(
        *("run", "s.yaml", "--out", "two", "--workers", "2", "--junit", "j.xml"),
        *("--baseline", "one", "--fail-on", "verdict-drop"),
        cwd=tmp_path,
    )
    assert one.returncode == two.returncode == 10, two.stderr
    assert (tmp_path / "j.xml").read_text().count('<testcase classname="big.big"') == 60
    assert "Verdict: redesign (unchanged)" in two.stdout
    assert "What changed in how the runs were made" not in two.stdout  # same provenance


def test_a_large_replayed_jsonl_run_uses_every_core_by_itself(tmp_path, monkeypatch):
    from evalkit.clients.trust import Trust
    from evalkit.run import executors
    from evalkit.run.executors import Local, WorkerProcesses, choose_executor

    write(tmp_path, [f"c{i:03d}" for i in range(60)])

    def chosen(client=None):
        choice = dict(workers=None, ray=False, ray_address=None, one_process=False, worker=None)
        return choose_executor([str(tmp_path / "s.yaml")], Trust(), client=client, **choice)[1]

    monkeypatch.setattr(executors.os, "cpu_count", lambda: 2)
    assert chosen() == Local()  # 60 rows: not worth a process
    monkeypatch.setattr(executors, "AUTO_BYTES", 1000)
    assert isinstance(chosen(), WorkerProcesses) and chosen().count == 2
    # never multiply API load
    assert chosen("openai:gpt-4o-mini") == Local()
    monkeypatch.setattr(executors.os, "cpu_count", lambda: 1)
    assert chosen() == Local()


def test_an_empty_cases_file_is_refused_with_workers_as_without(tmp_path):
    write(tmp_path, [])
    (tmp_path / "cases.jsonl").write_text("\n")
    r = evalkit("run", "s.yaml", "--out", "two", "--workers", "2", cwd=tmp_path)
    assert r.returncode == 2 and "expected at least one case" in r.stderr


def _run_in_process(folder: Path, monkeypatch, auto_bytes: int, *args: str):
    from click.testing import CliRunner

    from evalkit.cli import run as run_module
    from evalkit.run import executors

    monkeypatch.chdir(folder)
    monkeypatch.setattr(executors.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(executors, "AUTO_BYTES", auto_bytes)
    return CliRunner().invoke(
        run_module.command, ["s.yaml", "--no-progress", *args], standalone_mode=False
    )


def test_chosen_workers_validate_their_own_windows_and_one_process_still_validates_rows(
    tmp_path, monkeypatch
):
    write(tmp_path, [f"c{i:03d}" for i in range(60)], bad_line=41)
    for auto_bytes, how in ((1000, "merged from"), (1 << 40, "")):
        r = _run_in_process(tmp_path, monkeypatch, auto_bytes, "--out", f"o{auto_bytes}")
        assert isinstance(r.exception, SuiteError) or r.return_value == 2, r.output
        assert ("Running 2 worker processes" in r.output) == bool(how)
    one = evalkit("run", "s.yaml", "--out", "one", "--no-progress", "--workers", "1", cwd=tmp_path)
    assert one.returncode == 2 and "cases.jsonl:41" in one.stderr
    write(tmp_path, [f"c{i:03d}" for i in range(60)])
    r = _run_in_process(tmp_path, monkeypatch, 1000, "--out", "auto")
    assert r.return_value == 10 and "merged from 2 workers" in r.output


@settings(max_examples=30, deadline=None)
@given(st.sets(st.text(min_size=1, max_size=12), max_size=200))
def test_an_id_filter_never_misses_one_of_its_ids(ids):
    """A worker's replay index relies on this: an own case never looks unrecorded."""
    from array import array

    from evalkit.suite.case_files import IdFilter, stable_hash

    kept = IdFilter([array("q", [stable_hash(i) for i in ids])])
    assert all(kept.may_hold(i) for i in ids)


def test_a_replay_client_kept_to_some_ids_indexes_no_other_recording(tmp_path):
    from evalkit.clients.replay import ReplayClient
    from evalkit.values import Message, Request

    lines = [json.dumps({"case": f"c{i}", "output": f"out {i}"}) for i in range(6)]
    (tmp_path / "r.jsonl").write_text("\n".join(lines) + "\n")
    client = ReplayClient(tmp_path / "r.jsonl", "r.jsonl")
    client.keep_only(lambda case_id: case_id in {"c1", "c4"})

    def ask(case_id: str) -> str | None:
        return client.complete_now(
            Request("s", case_id, 0, 0, (Message("user", "q"),), "0" * 64)
        ).output

    assert [ask(c) for c in ("c1", "c4", "c2")] == ["out 1", "out 4", None]


def test_a_replay_client_says_when_it_is_done_with_its_id_filter(tmp_path):
    """So a worker frees the filter's 4 MB before the replay store's own bookkeeping."""
    from evalkit.clients.replay import ReplayClient

    (tmp_path / "r.jsonl").write_text('{"case": "c1", "output": "x"}\n')
    client = ReplayClient(tmp_path / "r.jsonl", "r.jsonl")
    calls: list[str] = []
    client.keep_only(lambda case_id: calls.append(case_id) or True, lambda: calls.append("done"))
    client.load()
    assert calls == ["c1", "done"]


def test_a_released_id_filter_admits_every_id():
    from array import array

    from evalkit.suite.case_files import IdFilter, stable_hash

    kept = IdFilter([array("q", [stable_hash("a")])])
    others = [f"x{i}" for i in range(200)]
    assert not all(kept.may_hold(i) for i in others)  # a 4 MB filter turns most away
    kept.release()
    assert all(kept.may_hold(i) for i in others)


def test_a_merge_that_fails_midway_leaves_every_worker_its_rows(tmp_path, monkeypatch):
    """The merge copies the workers' rows into a temporary file, moving none; if that
    fails, every worker's file is as it was, so the run can still be resumed."""
    from evalkit.results.writer import COUNTS_NAME
    from evalkit.run import merge as merging

    write(tmp_path, [f"c{i:03d}" for i in range(40)])
    dirs = []
    for k in (1, 2):
        out = tmp_path / f"w{k}"
        done = evalkit(
            "run",
            "s.yaml",
            "--shard",
            f"{k}/2",
            "--out",
            str(out),
            "--no-progress",
            "--exit-zero",
            cwd=tmp_path,
            env={"EVALKIT_SLICE": f"{k}/2"},
            input="go\n",
        )
        assert done.returncode == 0, done.stderr
        dirs.append(out)
    before = (dirs[0] / "cases.jsonl").read_bytes()

    def broken(path, out):
        out.write(b"half a row")
        raise OSError("disk full")

    monkeypatch.setattr(merging, "_append_file", broken)
    counts = [d / COUNTS_NAME for d in dirs]
    with pytest.raises(OSError, match="disk full"):
        merging.merge(dirs, tmp_path / "merged", counts=counts)
    assert (dirs[0] / "cases.jsonl").read_bytes() == before
    monkeypatch.undo()
    merging.merge(dirs, tmp_path / "merged", counts=counts)
    rows = (tmp_path / "merged" / "cases.jsonl").read_bytes()
    assert rows.startswith(before) and rows.count(b"\n") == 40


@given(st.integers(1, 500), st.integers(1, 16))
def test_workers_split_the_requests_in_flight_without_adding_any(limit, n):
    from evalkit.run.run_clients import share

    parts = [share(limit, k, n) for k in range(1, n + 1)]
    assert all(p >= 1 for p in parts)
    assert sum(parts) == max(limit, n)  # only a limit below N is raised (to 1 each)


def test_workers_split_per_minute_limits_and_keep_other_settings():
    from evalkit.run.run_clients import share_of_limits

    settings = {"concurrency": 5, "rpm": 600, "tpm": 90000.0, "timeout": 30, "api_key_env": "K"}
    first, second = (share_of_limits(settings, k, 2) for k in (1, 2))
    assert (first["concurrency"], second["concurrency"]) == (3, 2)
    assert first["rpm"] == second["rpm"] == 300 and first["tpm"] == 45000
    assert first["timeout"] == 30 and first["api_key_env"] == "K"


def test_a_journal_is_not_resumed_once_its_cases_file_changed(tmp_path):
    """Resuming reuses finished rows only when the `cases_from` file is the one they were
    scored from (its size and modification time are part of the run's fingerprint)."""
    import os

    from evalkit.run.provenance import fingerprint
    from evalkit.suite.loader import load_suites

    write(tmp_path, [f"c{i}" for i in range(5)])
    before = fingerprint({}, load_suites([tmp_path / "s.yaml"]).suites)
    assert before == fingerprint({}, load_suites([tmp_path / "s.yaml"]).suites)
    cases = tmp_path / "cases.jsonl"
    cases.write_text(cases.read_text().replace('"reference": "2"', '"reference": "3"'))
    stat = cases.stat()
    os.utime(cases, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert fingerprint({}, load_suites([tmp_path / "s.yaml"]).suites) != before
