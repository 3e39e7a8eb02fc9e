"""Run one `evalkit run` as N shard processes on this machine, then merge them.

Why processes: scoring is CPU-bound Python, so one process uses one core; shards are
independent by construction (`--shard I/N` slices every suite by case-id hash), and
`merge` re-judges their rows into exactly the summary an unsharded run would write.
Each worker writes its own result folder under `OUT/.workers/`, so an interrupted
parallel run resumes per worker like any other run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import UsageError
from evalkit.merge import merge
from evalkit.suite.case_files import CHECKED_ENV, FileCases, checked_stamps
from evalkit.values import Suite
from evalkit.verdict import PocVerdict

__all__ = ["run_workers", "worker_dirs"]


def worker_dirs(out_dir: Path, workers: int) -> list[Path]:
    return [out_dir / ".workers" / f"{k}-of-{workers}" for k in range(1, workers + 1)]


def run_workers(
    paths: Sequence[str],
    forwarded: Sequence[str],
    workers: int,
    out_dir: Path,
    suites: Sequence[Suite] = (),
) -> tuple[dict[str, Any], dict[str, PocVerdict]]:
    """Start `workers` `evalkit run --shard k/N` processes with the `forwarded` options,
    wait for all, and merge their results into `out_dir`. A worker that fails (exit code
    other than a verdict's) fails the whole run with its exit code; its own message has
    already gone to stderr. `suites` are the suites this process has just validated: their
    `cases_from` files are not validated again by every worker (unless they changed)."""
    dirs = worker_dirs(out_dir, workers)
    env = os.environ.copy()
    env[CHECKED_ENV] = checked_stamps(s.cases for s in suites if isinstance(s.cases, FileCases))
    procs = []
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
        procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, env=env))
    try:
        codes = [p.wait() for p in procs]
    except BaseException:
        for p in procs:
            p.terminate()
        raise
    failed = [(k, c) for k, c in enumerate(codes, 1) if c != 0]
    if failed:
        k, code = failed[0]
        raise UsageError(f"worker {k} of {workers} failed (exit {code}); its message is above")
    return merge(dirs, out_dir)
