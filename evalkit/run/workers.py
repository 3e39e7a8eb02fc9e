"""Run one `evalkit run` as N worker processes on this machine, then merge them.

Why processes: scoring is CPU-bound Python, so one process uses one core. Each worker is
an `evalkit run --shard k/N` that owns a contiguous window of every JSONL `cases_from`
file (other sources: by case-id hash) — nobody parses anybody else's rows — and writes
its own result folder under `OUT/.workers/`, so an interrupted parallel run resumes per
worker like any other run. The windows follow file order, so the workers' sorted
`cases.jsonl` files usually just concatenate; their counts add (see `evalkit.run.merge`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from array import array
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

from evalkit.errors import Problem, SuiteError, UsageError
from evalkit.results.documents import Summary
from evalkit.results.folderlock import hold_folder
from evalkit.results.writer import COUNTS_NAME, atomic_write_text
from evalkit.run.merge import merge
from evalkit.run.options import WorkerStopped
from evalkit.suite.case_files import (
    CHECKED_ENV,
    SLICE_ENV,
    FileCases,
    IdFilter,
    checked_stamps,
    duplicates_across_windows,
)
from evalkit.suite.loader import SCHEMA_CHECKED_ENV
from evalkit.values import Suite
from evalkit.verdict.rules import PocVerdict

__all__ = ["run_workers", "worker_dirs", "worker_ready"]


def worker_dirs(out_dir: Path, workers: int) -> list[Path]:
    return [out_dir / ".workers" / f"{k}-of-{workers}" for k in range(1, workers + 1)]


def run_workers(
    paths: Sequence[str],
    forwarded: Sequence[str],
    workers: int,
    out_dir: Path,
    suites: Sequence[Suite] = (),
) -> tuple[Summary, dict[str, PocVerdict]]:
    """Start `workers` `evalkit run --shard k/N` processes with the `forwarded` options,
    wait for all, and merge their results into `out_dir`.

    `suites` are the suites this process has loaded with `jsonl_rows_checked_by_workers`:
    each worker reads, validates and runs only its own contiguous window of every JSONL
    `cases_from` file (other sources: by case-id hash, as `--shard`), writes its window's
    id hashes and waits; this process checks ids across windows and only then lets them
    run (a bad row or a duplicate id stops the run before any model is called, exit 2).
    Files this process validated itself (CSV, datasets) are not validated again.
    A worker that fails (exit code other than a verdict's) fails the whole run with its
    exit code; its own message has already gone to stderr.

    This process holds `out_dir` (`folderlock`) from start to merge, and each worker its
    own folder: a second run into `out_dir` meanwhile is refused."""
    with hold_folder(out_dir):
        return _run_workers(paths, forwarded, workers, out_dir, suites)


def _run_workers(
    paths: Sequence[str],
    forwarded: Sequence[str],
    workers: int,
    out_dir: Path,
    suites: Sequence[Suite],
) -> tuple[Summary, dict[str, PocVerdict]]:
    dirs = worker_dirs(out_dir, workers)
    for folder in dirs:
        (folder / _READY).unlink(missing_ok=True)
    env = os.environ.copy()
    env[CHECKED_ENV] = checked_stamps(s.cases for s in suites if isinstance(s.cases, FileCases))
    env[SCHEMA_CHECKED_ENV] = " ".join(sorted({s.sha256 for s in suites}))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for k, folder in enumerate(dirs, 1):
            args = [
                sys.executable,
                "-m",
                "evalkit",
                "run",
                *paths,
                *forwarded,
                "--shard",
                f"{k}/{workers}",
                "--out",
                str(folder),
                "--no-progress",
                "--exit-zero",
            ]
            env[SLICE_ENV] = f"{k}/{workers}"
            procs.append(
                subprocess.Popen(
                    args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=dict(env)
                )
            )
        _wait_until_ready(procs, dirs)
        problems = _duplicate_ids(suites, dirs)
        for p in procs:
            _tell(p, b"stop\n" if problems else b"go\n")
        if problems:
            for p in procs:
                p.wait()
            raise SuiteError(problems)
        codes = [p.wait() for p in procs]
    except BaseException:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        raise
    failed = [(k, c) for k, c in enumerate(codes, 1) if c != 0]
    if failed:
        k, code = failed[0]
        raise UsageError(f"worker {k} of {workers} failed (exit {code}); its message is above")
    merged = merge(dirs, out_dir, counts=[folder / COUNTS_NAME for folder in dirs])
    shutil.rmtree(out_dir / ".workers", ignore_errors=True)  # merged: nothing left to resume
    return merged


_READY = "ready.json"


def _tell(proc: subprocess.Popen[bytes], word: bytes) -> None:
    """Give a waiting worker the parent's word (once: its stdin is closed after it)."""
    if proc.stdin is None or proc.stdin.closed:
        return
    try:
        proc.stdin.write(word)
        proc.stdin.close()
    except OSError:  # the worker is gone: its exit code says why
        pass


def _wait_until_ready(procs: Sequence[subprocess.Popen[bytes]], dirs: Sequence[Path]) -> None:
    """Until every worker has validated its rows (and waits), or one has exited: then
    stop the others and fail with its exit code (its problems are on stderr already)."""
    pending = set(range(len(procs)))
    while pending:
        for i in sorted(pending):
            if (dirs[i] / _READY).exists():
                pending.discard(i)
            elif procs[i].poll() is not None:
                for p in procs:
                    _tell(p, b"stop\n")
                for p in procs:
                    p.wait()
                code = procs[i].returncode
                if code == 2:
                    raise WorkerStopped(2)
                raise UsageError(
                    f"worker {i + 1} of {len(procs)} failed (exit {code}); its message is above"
                )
        if pending:
            time.sleep(0.01)


def _duplicate_ids(suites: Sequence[Suite], dirs: Sequence[Path]) -> list[Problem]:
    problems: list[Problem] = []
    for index, suite in enumerate(suites):
        cases = suite.cases
        if not isinstance(cases, FileCases) or cases.format != "jsonl":
            continue  # rows validated here (CSV, datasets) or inline: no windows
        files = [folder / f"ids-{index}.bin" for folder in dirs]
        problems.extend(duplicates_across_windows(cases, partial(_id_blocks, files)))
    return problems


def _id_blocks(files: Sequence[Path]) -> Iterator[array[int]]:
    """The windows' id hashes, 256 KB at a time (a million rows need not be in memory; a
    block is held twice, as bytes and as an array, at this process's peak: 1 MB blocks
    added ~1.5 MB to it)."""
    for path in files:
        with path.open("rb") as handle:
            while block := handle.read(1 << 18):
                ids = array("q")
                ids.frombytes(block)
                yield ids


def own_ids(suites: Sequence[Suite]) -> IdFilter | None:
    """In a `run --workers` worker whose every suite reads a window of a JSONL file: the
    ids of its windows, as a filter (before `worker_ready` hands them over). Its replay
    clients then index only their own cases' recordings — half the work and disk at two
    workers. None when some suite has cases outside a window (inline, CSV, datasets)."""
    blocks = []
    for suite in suites:
        cases = suite.cases
        if not isinstance(cases, FileCases) or cases.window_ids is None:
            return None
        blocks.append(cases.window_ids)
    return IdFilter(blocks) if blocks else None


def worker_ready(suites: Sequence[Suite], out_dir: Path) -> bool:
    """In a `run --workers` worker, after its suites loaded cleanly: hand the parent the
    id hashes of its windows, say so, and wait for the parent's word. True: run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for index, suite in enumerate(suites):
        cases = suite.cases
        if isinstance(cases, FileCases) and cases.window_ids is not None:
            (out_dir / f"ids-{index}.bin").write_bytes(cases.window_ids.tobytes())
            del cases.window_ids[:]  # handed over: 8 bytes per row not kept for the run
    atomic_write_text(out_dir / _READY, "{}\n")
    return sys.stdin.readline().strip() == "go"
