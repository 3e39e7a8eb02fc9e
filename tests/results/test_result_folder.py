"""A result folder is written by one run at a time, and its final write is crash-consistent:
at every instant it holds the previous complete result, no result, or the new one; a
failure or a kill at any point of that write resumes without calling the model again;
a full disk or a lost permission is exit 2 with the path and what to do."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_runner import ROOT, evalkit

from evalkit.errors import ResultWriteError
from evalkit.results.folderlock import FolderInUse, hold_folder
from evalkit.results.writer import cases_file_mismatch
from evalkit.run.pipeline import RunOptions, run
from evalkit.testing.testserver import running_server
from evalkit.values import Case

N = 12


def cases(n=N):
    return [Case(id=f"c{i:02d}", vars={"q": f"q{i}"}, references=("30 days",)) for i in range(n)]


def outputs(n=N, wrong=()):
    return {f"c{i:02d}": ["60 days" if i in wrong else "30 days"] for i in range(n)}


def files(folder: Path) -> dict[str, bytes]:
    return {
        name: (folder / name).read_bytes()
        for name in ("summary.json", "cases.jsonl")
        if (folder / name).exists()
    }


def without_run(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "run"}


def assert_whole_or_none(folder: Path, *allowed: dict[str, bytes]) -> None:
    """The folder holds no summary, or one of the `allowed` results byte for byte, or a
    result whose summary describes its rows."""
    now = files(folder)
    if "summary.json" not in now or now in allowed:
        return
    summary = json.loads(now["summary.json"])
    assert cases_file_mismatch(summary, folder / "cases.jsonl", digest=True) is None
    assert summary["pocs"]["p"]["cases"] == now["cases.jsonl"].count(b"\n")


# -- one run per folder ---------------------------------------------------------------


def test_a_run_into_a_folder_held_by_another_is_refused_naming_the_holder(suite_factory, tmp_path):
    suite = suite_factory(cases(), outputs())
    out = tmp_path / "out"
    with hold_folder(out):
        with pytest.raises(FolderInUse) as refused:
            run([suite], RunOptions(out_dir=out))
        assert not (out / "cases.partial.jsonl").exists()  # refused before touching anything
    message = str(refused.value)
    assert str(out) in message and f"pid {os.getpid()}" in message
    assert "another --out folder" in message
    run([suite], RunOptions(out_dir=out))  # released: the folder is free again
    assert sorted(p.name for p in out.iterdir()) == ["cases.jsonl", "summary.json"]  # no lock file


def test_the_lock_ends_with_the_process_that_held_it_even_when_killed(tmp_path):
    code = (
        "import sys, time; from pathlib import Path; from evalkit.results.folderlock import hold_folder\n"
        "with hold_folder(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "held\n"
        with pytest.raises(FolderInUse, match=f"pid {proc.pid} "):
            with hold_folder(tmp_path / "out"):
                pass
    finally:
        proc.kill()
        proc.wait()
    assert (tmp_path / "out" / ".evalkit.lock").exists()  # left by the killed holder
    with hold_folder(tmp_path / "out"):  # ... but not held: no stale lock after kill -9
        pass
    assert not (tmp_path / "out" / ".evalkit.lock").exists()


def live_suite(folder: Path, n: int = N) -> Path:
    rows = "\n".join(
        f"  - id: c{i:02d}\n    vars: {{q: 'question {i}'}}\n    reference: 'question {i}'"
        for i in range(n)
    )
    path = folder / "s.yaml"
    path.write_text(
        f"suite: s\npoc: p\nprompt: {{template: 'Q: {{{{q}}}}'}}\nsamples: 1\ncases:\n{rows}\n"
        "thresholds:\n  accuracy: {tolerable: 0.1, stop: 0.4}\n",
        encoding="utf-8",
    )
    return path


def live_args(suite: Path, url: str, out: str = "out") -> list[str]:
    return [
        "run",
        str(suite),
        "--client",
        "openai:test-model",
        "--base-url",
        url,
        "--out",
        out,
        "--no-progress",
        "--concurrency",
        "2",
    ]


def start(args: list[str], cwd: Path, until: Path) -> subprocess.Popen[str]:
    """`evalkit ARGS` in the background, returned once `until` exists."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 60
    while not until.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    return proc


@pytest.mark.timeout(120)
def test_two_runs_into_one_out_the_second_is_refused_and_the_first_keeps_every_case(tmp_path):
    suite = live_suite(tmp_path)
    with running_server(latency_ms=500) as url:  # the first run takes 3 s
        first = start(live_args(suite, url), tmp_path, tmp_path / "out" / "cases.partial.jsonl")
        second = evalkit(*live_args(suite, url), cwd=tmp_path)
        first_out, first_err = first.communicate(timeout=60)
        for extra in (["--workers", "2"], ["--no-resume"]):  # a folder free again is usable
            assert evalkit(*live_args(suite, url, "again"), *extra, cwd=tmp_path).returncode in (
                0,
                10,
                20,
            )
    assert second.returncode == 2, second.stderr
    assert "out is in use by another evalkit run" in second.stderr
    assert f"pid {first.pid} " in second.stderr and "Traceback" not in second.stderr
    assert first.returncode in (0, 10, 20), first_err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    rows = (tmp_path / "out" / "cases.jsonl").read_text().splitlines()
    assert len(rows) == N and summary["pocs"]["p"]["cases"] == N


@pytest.mark.timeout(120)
def test_a_workers_run_into_a_folder_in_use_is_refused_before_any_worker_starts(tmp_path):
    suite = live_suite(tmp_path, n=4)
    with running_server() as url, hold_folder(tmp_path / "out"):
        r = evalkit(*live_args(suite, url), "--workers", "2", cwd=tmp_path)
        assert url.log() == []
    assert r.returncode == 2 and "is in use by another evalkit run" in r.stderr
    assert not (tmp_path / "out" / ".workers").exists()


# -- the final write, failing at each step ----------------------------------------------

_STEPS = ("link", "replace", "fsync", "unlink", "rename", "copy_file_range", "open")


class FailAt:
    """Makes the `at`-th file-system step of the final write fail with `err` (counted
    from the start of `write_result`), or, with `kill`, kills the process there."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: int, err: int = errno.ENOSPC):
        self.at, self.err, self.count, self.armed, self.fired = at, err, 0, False, False
        for name in _STEPS:
            real = getattr(os, name)
            monkeypatch.setattr(os, name, self.wrap(name, real))

    def wrap(self, name, real):
        def step(*args, **kw):
            if self.armed and not (name == "open" and _reads(args)):
                self.count += 1
                if self.count == self.at:
                    self.fired = True
                    raise OSError(self.err, os.strerror(self.err))
            return real(*args, **kw)

        return step


def _reads(args) -> bool:
    return len(args) > 1 and isinstance(args[1], int) and not args[1] & (os.O_WRONLY | os.O_RDWR)


def arm(monkeypatch, fault: FailAt) -> None:
    import evalkit.run.pipeline as pipeline

    real = pipeline.write_result

    def armed(*args, **kw):
        fault.armed = True
        try:
            return real(*args, **kw)
        finally:
            fault.armed = False

    monkeypatch.setattr(pipeline, "write_result", armed)


@pytest.mark.parametrize("journal", ["written whole", "resumed"])
def test_a_failure_at_any_step_of_the_final_write_keeps_a_whole_result_and_resumes_calling_nothing(
    suite_factory, tmp_path, monkeypatch, journal
):
    """Every file-system step of the final write fails once (ENOSPC), in turn. `resumed`:
    the run resumed a journal itself, so its rows are sorted instead of linked."""
    earlier = suite_factory(cases(), outputs(), name="earlier")
    new = suite_factory(cases(), outputs(wrong={1, 2, 3}), name="s")
    clean = run([new], RunOptions(out_dir=tmp_path / "clean")).summary
    at = 1
    while True:
        folder = tmp_path / f"fail-at-{at}"
        run([earlier], RunOptions(out_dir=folder))
        previous = files(folder)
        if journal == "resumed":
            _interrupt_after(folder, new, rows=5)
        with monkeypatch.context() as patch:
            fault = FailAt(patch, at)
            arm(patch, fault)
            try:
                run([new], RunOptions(out_dir=folder))
                failed = False
            except ResultWriteError as exc:
                failed = True
                assert "No space left on device" in str(exc) and "disk is full" in str(exc)
                assert "cases.partial.jsonl: run the same command again" in str(exc)
        if not fault.fired:
            break  # every step has failed once
        assert_whole_or_none(folder, previous)
        if failed:
            assert (folder / "cases.partial.jsonl").exists()
        again = run([new], RunOptions(out_dir=folder))
        if failed:  # resumed whole: no model call
            assert (again.resumed, again.summary["run"]["requests"]) == (N, 0), at
        assert without_run(again.summary) == without_run(clean)
        assert files(folder)["cases.jsonl"] == (tmp_path / "clean" / "cases.jsonl").read_bytes()
        assert not [
            p.name for p in folder.iterdir() if p.name.startswith((".tmp-", "cases.partial"))
        ]
        at += 1
    assert at > 8, at  # the write has at least this many steps, and each failed once


def _interrupt_after(folder: Path, suite, rows: int) -> None:
    """Leave `folder` as a run of `suite` killed after `rows` cases leaves it."""
    import evalkit.run.pipeline as pipeline

    real = pipeline.Journal.write

    def write(self, row, urgent=True):
        if self.rows == rows:
            self._fh.flush()
            raise KeyboardInterrupt
        real(self, row, urgent)

    pipeline.Journal.write = write  # type: ignore[method-assign]
    try:
        with pytest.raises(KeyboardInterrupt):
            run([suite], RunOptions(out_dir=folder))
    finally:
        pipeline.Journal.write = real  # type: ignore[method-assign]


_KILLER = """
import os, signal, sys
import evalkit.run.pipeline as pipeline

at, count, armed = int(sys.argv[1]), [0], [False]


def wrap(real):
    def step(*args, **kw):
        if armed[0]:
            count[0] += 1
            if count[0] == at:
                os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kw)

    return step


for name in ("link", "replace", "fsync", "unlink"):
    setattr(os, name, wrap(getattr(os, name)))
write_result = pipeline.write_result


def armed_write(*args, **kw):
    armed[0] = True
    return write_result(*args, **kw)


pipeline.write_result = armed_write
from evalkit.cli import main

main(sys.argv[2:])
"""


@pytest.mark.timeout(240)
def test_a_run_killed_at_any_step_of_the_final_write_resumes_without_a_model_call(tmp_path):
    """`kill -9` at each file-system step of the final write, in turn, against the loopback
    server: the folder holds a whole result or none, and the rerun asks the server for
    nothing when the run had not finished (its journal is there)."""
    n = 6
    suite = live_suite(tmp_path, n=n)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with running_server() as url:
        assert evalkit(*live_args(suite, url, "clean"), "--exit-zero", cwd=tmp_path).returncode == 0
        clean = without_run(json.loads((tmp_path / "clean" / "summary.json").read_text()))
        at = 1
        while True:
            out = f"kill-at-{at}"
            url.clear_log()
            killed = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _KILLER,
                    str(at),
                    *live_args(suite, url, out),
                    "--exit-zero",
                ],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            if killed.returncode != -signal.SIGKILL:
                assert killed.returncode == 0, killed.stderr
                break  # past the last step
            assert len(url.log()) == n
            folder = tmp_path / out
            assert_whole_or_none(folder)
            unfinished = (folder / "cases.partial.jsonl").exists()
            if not unfinished:  # killed after the journal went: the result was committed
                assert without_run(json.loads((folder / "summary.json").read_text())) == clean
            url.clear_log()
            rerun = evalkit(*live_args(suite, url, out), "--exit-zero", cwd=tmp_path)
            assert rerun.returncode == 0, rerun.stderr
            if unfinished:
                assert url.log() == [], at
                assert f"Resumed: {n} cases" in rerun.stdout
            assert without_run(json.loads((folder / "summary.json").read_text())) == clean
            at += 1
    assert at > 8, at


class FullDiskJournal:
    """A journal whose disk fills up after `rows` rows: later writes go to /dev/full."""

    rows_before_full = 5

    @classmethod
    def install(cls, monkeypatch: pytest.MonkeyPatch) -> None:
        import evalkit.run.pipeline as pipeline

        base = pipeline.Journal

        class Journal(base):  # type: ignore[misc, valid-type]
            def write(self, row, urgent=True):
                if self.rows == cls.rows_before_full and self._fh.name != "/dev/full":
                    self._fh.close()
                    self._fh = open("/dev/full", "ab", buffering=1 << 20)  # noqa: SIM115
                super().write(row, urgent)

        monkeypatch.setattr(pipeline, "Journal", Journal)


def replay_suite(folder: Path, outputs: dict[str, str]) -> Path:
    (folder / "rec.jsonl").write_text(
        "".join(json.dumps({"case": k, "output": v}) + "\n" for k, v in outputs.items())
    )
    rows = "\n".join(
        f"  - id: {case}\n    vars: {{q: {case}}}\n    reference: '30 days'" for case in outputs
    )
    path = folder / "s.yaml"
    path.write_text(
        f"suite: s\npoc: p\nprompt: {{template: 'Q: {{{{q}}}}'}}\nclient: replay:rec.jsonl\n"
        f"cases:\n{rows}\nthresholds:\n  accuracy: {{tolerable: 0.1, stop: 0.4}}\n",
        encoding="utf-8",
    )
    return path


def main(*args: str) -> int:
    from evalkit.cli import main as cli_main

    with pytest.raises(SystemExit) as exited:
        cli_main(list(args))
    return int(exited.value.code or 0)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_during_the_run_is_exit_2_naming_the_journal_and_the_rerun_resumes(
    tmp_path, monkeypatch, capsys
):
    suite = replay_suite(tmp_path, {f"c{i:02d}": "30 days" for i in range(N)})
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        FullDiskJournal.install(patch)
        assert main("run", str(suite), "--out", str(out), "--no-progress") == 2
    err = capsys.readouterr().err
    journal = out / "cases.partial.jsonl"
    assert f"cannot write {journal}: No space left on device — the disk is full" in err
    assert f"finished cases are kept in {journal}: run the same command again" in err
    assert "Traceback" not in err and "internal error" not in err
    assert main("run", str(suite), "--out", str(out), "--no-progress", "--exit-zero") == 0
    assert f"Resumed: {FullDiskJournal.rows_before_full} cases" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("err", "advice"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EACCES, "permission denied: make the folder writable"),
        (errno.EROFS, "the file system is read-only"),
    ],
)
def test_a_final_write_the_machine_refuses_is_exit_2_with_the_path_and_what_to_do(
    tmp_path, monkeypatch, capsys, err, advice
):
    suite = replay_suite(tmp_path, {f"c{i:02d}": "30 days" for i in range(N)})
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        fault = FailAt(patch, at=3, err=err)
        arm(patch, fault)
        assert main("run", str(suite), "--out", str(out), "--no-progress") == 2
    message = capsys.readouterr().err
    assert f"cannot write {out}" in message and advice in message, message
    assert "run the same command again" in message and "Traceback" not in message
    assert (out / "cases.partial.jsonl").exists()
    assert main("run", str(suite), "--out", str(out), "--no-progress", "--exit-zero") == 0
    assert f"Resumed: {N} cases" in capsys.readouterr().out


def test_a_folder_that_cannot_be_created_is_exit_2_not_a_traceback(tmp_path, monkeypatch, capsys):
    suite = replay_suite(tmp_path, {"c00": "30 days"})

    def refuse(*args, **kw):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(tmp_path / "ro"))

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert main("run", str(suite), "--out", str(tmp_path / "ro" / "out"), "--no-progress") == 2
    message = capsys.readouterr().err
    assert f"cannot write {tmp_path / 'ro'}: Read-only file system" in message
