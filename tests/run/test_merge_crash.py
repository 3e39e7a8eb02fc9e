"""`evalkit merge` writes its result folder as `run` does (issue 13, the gaps merge had
left): one writer at a time (the folder lock), a crash-consistent final write (the folder
holds the previous complete result, no result, or the new one, at every instant), a
`run --workers` whose merge is killed resumes without calling the model, a broken run is
reported as broken (exit 4), and output into a closed pipe ends quietly with merge's own
exit code. The probes run the CLI in separate processes, killed with SIGKILL at each
file-system step of the merge in turn."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_runner import ROOT, evalkit

from evalkit.results.folderlock import hold_folder
from evalkit.results.writer import cases_file_mismatch
from evalkit.testing.testserver import running_server

# Runs `evalkit ARGS` (argv[2:]) and SIGKILLs the process at the argv[1]-th file-system
# step (a write-open, link, rename, replace, fsync, unlink or kernel copy) taken while
# `evalkit.run.merge.merge` runs in this process; workers are other processes and untouched.
_KILLER = """
import os, signal, sys
import evalkit.run.merge as merging

at, count, armed = int(sys.argv[1]), [0], [False]


def wrap(name, real):
    def step(*args, **kw):
        reads = name == "open" and not args[1] & (os.O_WRONLY | os.O_RDWR)
        if armed[0] and not reads:
            count[0] += 1
            if count[0] == at:
                os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kw)

    return step


for name in ("open", "link", "rename", "replace", "fsync", "unlink", "copy_file_range"):
    setattr(os, name, wrap(name, getattr(os, name)))
merge = merging.merge


def armed_merge(*args, **kw):
    armed[0] = True
    try:
        return merge(*args, **kw)
    finally:
        armed[0] = False


merging.merge = armed_merge
from evalkit.cli import main

main(sys.argv[2:])
"""


def killed_at(at: int, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _KILLER, str(at), *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def files(folder: Path) -> dict[str, bytes]:
    return {
        name: (folder / name).read_bytes()
        for name in ("summary.json", "cases.jsonl")
        if (folder / name).exists()
    }


def without_run(summary: bytes | dict[str, Any]) -> dict[str, Any]:
    data = json.loads(summary) if isinstance(summary, bytes) else summary
    return {k: v for k, v in data.items() if k != "run"}


def judged(summary: bytes) -> dict[str, Any]:
    """A merged summary without `run` and without the folders it was merged from."""
    data = without_run(summary)
    data["provenance"].pop("merged_from")
    return data


def answers(cases: bytes) -> list[dict[str, Any]]:
    """The rows without their latency (the one volatile field of a row)."""
    rows = [json.loads(line) for line in cases.splitlines()]
    return [{k: v for k, v in row.items() if k != "latency_s"} for row in rows]


def leftovers(folder: Path) -> list[str]:
    """Temp files, a lock or a workers folder left behind in a finished result folder."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo suites in two shards, and a merge of them made without interference."""
    base = tmp_path_factory.mktemp("shards")
    out = {}
    for k in (1, 2):
        out[f"s{k}"] = base / f"s{k}"
        done = evalkit("run", "suites/", "--shard", f"{k}/2", "--out", str(out[f"s{k}"]))
        assert done.returncode in (0, 10, 20), done.stderr
    out["clean"] = base / "clean"
    done = evalkit("merge", str(out["s1"]), str(out["s2"]), "--out", str(out["clean"]))
    assert done.returncode in (0, 10, 20), done.stderr
    return out


# -- item 1: the final write --------------------------------------------------------------


@pytest.mark.timeout(300)
def test_a_merge_killed_at_any_step_leaves_the_previous_result_none_or_the_new_one(
    shards: dict[str, Path], tmp_path: Path
) -> None:
    """The --out folder holds an earlier complete result (shard 1's); the merge is killed at
    each of its file-system steps in turn: the folder then holds that result as it was,
    no summary, or the new result whole, never new rows beside the old summary; merging
    again gives the clean merge and leaves no temp file."""
    clean = files(shards["clean"])
    args = ["merge", str(shards["s1"]), str(shards["s2"])]
    at = 1
    while True:
        out = tmp_path / f"kill-at-{at}"
        shutil.copytree(shards["s1"], out)
        previous = files(out)
        killed = killed_at(at, [*args, "--out", str(out)], tmp_path)
        if killed.returncode != -signal.SIGKILL:
            assert killed.returncode in (0, 10, 20), killed.stderr
            break  # past the last step
        now = files(out)
        if "summary.json" in now and now != previous:
            assert without_run(now["summary.json"]) == without_run(clean["summary.json"]), at
            assert now["cases.jsonl"] == clean["cases.jsonl"], at
            summary = json.loads(now["summary.json"])
            assert cases_file_mismatch(summary, out / "cases.jsonl", digest=True) is None
        if "summary.json" in now:  # a reader takes what is there: it must read as whole
            assert evalkit("report", str(out)).returncode == 0, at
        again = evalkit(*args, "--out", str(out))
        assert again.returncode in (0, 10, 20), again.stderr
        assert files(out)["cases.jsonl"] == clean["cases.jsonl"]
        assert without_run(files(out)["summary.json"]) == without_run(clean["summary.json"])
        assert leftovers(out) == [], at
        at += 1
    assert at > 8, at  # the write has at least this many steps, and each was killed once


def test_a_merge_onto_a_full_disk_is_exit_2_and_keeps_the_previous_result(
    shards: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from evalkit.cli import main

    out = shutil.copytree(shards["s1"], tmp_path / "out")
    before = files(out)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SystemExit) as exited:
        main(["merge", str(shards["s1"]), str(shards["s2"]), "--out", str(out)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"cannot write {out}: No space left on device — the disk is full" in err, err
    assert "the folders merged from are left as they were: run the same command again" in err
    assert "Traceback" not in err
    assert files(out) == before and leftovers(out) == []


# -- item 2: `run --workers`, its parent killed mid-merge ---------------------------------

N = 12


def live_suite(folder: Path) -> Path:
    """A suite whose cases come from a JSONL file: `--workers` gives each worker a
    contiguous window of it, so the workers' rows are merged by concatenation."""
    (folder / "cases.jsonl").write_text(
        "".join(
            json.dumps(
                {"id": f"c{i:02d}", "vars": {"q": f"question {i}"}, "reference": f"question {i}"}
            )
            + "\n"
            for i in range(N)
        ),
        encoding="utf-8",
    )
    path = folder / "s.yaml"
    path.write_text(
        "suite: s\npoc: p\nprompt: {template: 'Q: {{q}}'}\nsamples: 1\ncases_from: cases.jsonl\n"
        "thresholds:\n  accuracy: {tolerable: 0.1, stop: 0.4}\n",
        encoding="utf-8",
    )
    return path


def workers_args(suite: Path, url: str, out: str) -> list[str]:
    return [
        *("run", str(suite), "--client", "openai:test-model", "--base-url", url),
        *("--out", out, "--workers", "2", "--no-progress", "--exit-zero"),
    ]


@pytest.mark.timeout(400)
def test_a_workers_run_killed_at_any_step_of_its_merge_resumes_without_a_model_call(
    tmp_path: Path,
) -> None:
    """The parent of `run --workers 2` is killed at each file-system step of its merge in
    turn (its workers have finished): the rerun asks the model for nothing, and its result
    is the one an uninterrupted run writes."""
    suite = live_suite(tmp_path)
    with running_server() as url:
        done = evalkit(*workers_args(suite, url, "clean"), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        clean = files(tmp_path / "clean")
        at = 1
        while True:
            out = f"kill-at-{at}"
            url.clear_log()
            killed = killed_at(at, workers_args(suite, url, out), tmp_path)
            if killed.returncode != -signal.SIGKILL:
                assert killed.returncode == 0, killed.stderr
                break  # past the last step
            assert len(url.log()) == N  # every case was asked once before the merge
            url.clear_log()
            rerun = evalkit(*workers_args(suite, url, out), cwd=tmp_path)
            assert rerun.returncode == 0, rerun.stderr
            assert url.log() == [], f"killed at step {at}: the rerun called the model again"
            now = files(tmp_path / out)
            assert answers(now["cases.jsonl"]) == answers(clean["cases.jsonl"]), at
            assert judged(now["summary.json"]) == judged(clean["summary.json"]), at
            assert leftovers(tmp_path / out) == [], at
            at += 1
    assert at > 8, at  # each step of the merge and its final write was killed once


# -- item 3: one writer per folder --------------------------------------------------------


def test_a_merge_into_a_folder_held_by_another_is_refused_naming_the_holder(
    shards: dict[str, Path], tmp_path: Path
) -> None:
    out = shutil.copytree(shards["s1"], tmp_path / "out")
    before = files(out)
    with hold_folder(out):
        done = evalkit("merge", str(shards["s1"]), str(shards["s2"]), "--out", str(out))
        assert files(out) == before  # refused before anything was written
    assert done.returncode == 2, done.stdout
    assert f"{out} is in use by another evalkit run (pid {os.getpid()} " in done.stderr
    assert "Traceback" not in done.stderr
    done = evalkit("merge", str(shards["s1"]), str(shards["s2"]), "--out", str(out))
    assert done.returncode in (0, 10, 20), done.stderr  # free again
    assert files(out)["cases.jsonl"] == files(shards["clean"])["cases.jsonl"]
    clean = without_run(files(shards["clean"])["summary.json"])
    assert without_run(files(out)["summary.json"]) == clean
    assert leftovers(out) == []  # the lock file goes with the merge that held it


# -- item 4: a broken run -----------------------------------------------------------------


def test_a_merge_whose_every_case_of_a_suite_errored_reports_a_broken_run_exit_4(
    tmp_path: Path,
) -> None:
    """`--samples 9` asks for recordings the replay file does not have: every case errors."""
    folders = []
    for k in (1, 2):
        folders.append(str(tmp_path / f"b{k}"))
        done = evalkit(
            *("run", "suites/refund-faq.yaml", "--samples", "9", "--shard", f"{k}/2"),
            *("--out", folders[-1], "--no-progress"),
        )
        assert done.returncode == 4, done.stderr
    for extra in ((), ("--exit-zero",)):  # --exit-zero never hides a broken run
        done = evalkit("merge", *folders, "--out", str(tmp_path / "m"), *extra)
        assert done.returncode == 4, done.stdout
        assert done.stdout.startswith(
            "BROKEN RUN: every case of suite 'refund-faq' (31 cases) ended in a client error"
        ), done.stdout
        assert "First errors:\n  refund-faq/" in done.stdout
        assert f"every error is in {tmp_path / 'm' / 'cases.jsonl'}" in done.stdout
        assert "error: the run is broken: every case of suite 'refund-faq'" in done.stderr


def test_a_merge_of_a_healthy_run_is_not_called_broken(shards: dict[str, Path], tmp_path):
    done = evalkit("merge", str(shards["s1"]), str(shards["s2"]), "--out", str(tmp_path / "m"))
    assert done.returncode in (0, 10, 20) and "BROKEN" not in done.stdout + done.stderr


# -- item 5: a closed pipe ------------------------------------------------------------------


def closed_pipe_run(*args: str) -> subprocess.CompletedProcess[str]:
    """`evalkit ARGS | head` where head has already gone: every write to stdout fails."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "evalkit", *args],
            cwd=ROOT,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        os.close(write)


def test_a_merge_into_a_closed_pipe_finishes_and_exits_with_its_verdict(
    shards: dict[str, Path], tmp_path: Path
) -> None:
    code = json.loads(files(shards["clean"])["summary.json"])["verdict"]
    expected = {"continue": 0, "redesign": 10, "stop": 20}[code]
    done = closed_pipe_run("merge", str(shards["s1"]), str(shards["s2"]), "--out", str(tmp_path))
    assert done.returncode == expected, done.stderr
    assert done.stderr == ""  # no traceback, no "Exception ignored"
    assert files(tmp_path)["cases.jsonl"] == files(shards["clean"])["cases.jsonl"]
