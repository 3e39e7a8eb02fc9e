"""Where a run's cases are answered and scored, chosen once, at the top (`choose_executor`):

- `Local`: this process (also what each `--workers` worker runs);
- `WorkerProcesses`: `--workers N` (or chosen by itself for a large replayed run): N
  `evalkit run --shard k/N` processes on this machine, each owning a window of every JSONL
  `cases_from` file, merged into one result (`evalkit.run.workers`);
- `OnRay`: `--executor ray`, the cases on a Ray cluster, the files in this process.

All three take the loaded suites and the resolved `RunOptions` and give a `RunOutcome`;
where the cases run never changes what they give.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from evalkit.clients.trust import Trust
from evalkit.errors import UsageError
from evalkit.run import pipeline
from evalkit.run.case_runners import InProcessCases, RayCases
from evalkit.run.options import Progress, RunOptions, RunOutcome, WorkerStopped
from evalkit.suite.case_files import FileCases, jsonl_rows_checked_by_workers
from evalkit.suite.loader import LoadResult, load_suites
from evalkit.values import Suite

__all__ = [
    "Executor",
    "Local",
    "OnRay",
    "WorkerProcesses",
    "choose_executor",
    "AUTO_BYTES",
]

# Replayed JSONL `cases_from` files of at least this size in all (about 50,000 cases) get
# worker processes without `--workers`.
AUTO_BYTES = 16 << 20


class Executor(Protocol):
    """Runs `suites` as `options` say, into `options.out_dir`. `shows_progress`: whether
    `progress` is called in this process (the CLI's bar is worth showing)."""

    @property
    def shows_progress(self) -> bool: ...

    def run(
        self, suites: Sequence[Suite], options: RunOptions, progress: Progress | None = None
    ) -> RunOutcome: ...


@dataclass(frozen=True, slots=True)
class Local:
    """In this process. In a `--workers` worker (`options.worker`), first hand the parent
    this worker's window ids and wait for its word (`WorkerStopped` when it says stop)."""

    shows_progress: bool = True

    def run(
        self, suites: Sequence[Suite], options: RunOptions, progress: Progress | None = None
    ) -> RunOutcome:
        if options.worker is not None:
            from evalkit.run.workers import own_ids, worker_ready

            options = replace(options, own_ids=own_ids(suites))
            if not worker_ready(suites, options.out_dir):
                raise WorkerStopped(2)
        return pipeline.run(suites, options, progress, InProcessCases())


@dataclass(frozen=True, slots=True)
class OnRay:
    """On a Ray cluster: `address` None starts a local one for the run."""

    address: str | None = None
    shows_progress: bool = True

    def run(
        self, suites: Sequence[Suite], options: RunOptions, progress: Progress | None = None
    ) -> RunOutcome:
        if options.record is not None:
            raise UsageError("--executor ray cannot be combined with --record")
        return pipeline.run(suites, options, progress, RayCases(self.address))


@dataclass(frozen=True, slots=True)
class WorkerProcesses:
    """`count` worker processes, each `evalkit run PATHS FLAGS --shard k/N` (`flags`: the
    runner's options, as the workers must load and run the suites with the same choices).
    Progress is theirs (not shown); the outcome is the merged result's."""

    count: int
    paths: tuple[str, ...]
    flags: tuple[str, ...]
    shows_progress: bool = False

    def run(
        self, suites: Sequence[Suite], options: RunOptions, progress: Progress | None = None
    ) -> RunOutcome:
        from evalkit.run.workers import run_workers

        summary, verdicts = run_workers(self.paths, self.flags, self.count, options.out_dir, suites)
        shards = summary["run"].get("shards", [])
        return RunOutcome(
            options.out_dir,
            summary,
            verdicts,
            cases=sum(p.get("cases", 0) for p in summary["pocs"].values()),
            resumed=sum(int(r.get("resumed_cases", 0) or 0) for r in shards),
            stale=(),
            stale_count=sum(int(r.get("errors", {}).get("stale-recording", 0)) for r in shards),
            workers=self.count,
        )


def choose_executor(
    paths: Sequence[str],
    trust: Trust,
    *,
    workers: int | None,
    ray: bool,
    ray_address: str | None,
    client: str | None,
    one_process: bool,
    worker: tuple[int, int] | None,
    flags: Sequence[str] = (),
) -> tuple[LoadResult, Executor]:
    """Load the suites and choose where they run. `workers`: `--workers` (None: choose);
    `ray`: `--executor ray` (`ray_address` None: a local cluster);
    `one_process`: an option that needs this process (`--shard`, `--record`, a subset...);
    `worker`: (K, N) in a `--workers` worker; `flags`: what workers are started with.

    Suites that may go to workers are loaded without reading their JSONL rows: each worker
    validates its own window (no serial pass here); if they stay here after all, the rows
    are read now."""
    paths = list(paths)
    if ray:
        return load_suites(paths, trust, worker), OnRay(ray_address)
    if workers is not None and workers > 1:
        with jsonl_rows_checked_by_workers():
            loaded = load_suites(paths, trust, worker)
        return loaded, WorkerProcesses(workers, tuple(paths), tuple(flags))
    replayed = client is None or client.startswith("replay:")
    if workers is not None or not replayed or one_process or worker is not None:
        return load_suites(paths, trust, worker), Local()
    with jsonl_rows_checked_by_workers():
        loaded = load_suites(paths, trust, worker)
    auto = _auto_workers(loaded.suites, client)
    if auto > 1:
        return loaded, WorkerProcesses(auto, tuple(paths), tuple(flags))
    if _has_unread_rows(loaded.suites):  # one process after all: validate the rows here
        loaded = load_suites(paths, trust, worker)
    return loaded, Local()


def _auto_workers(suites: Sequence[Suite], client: str | None) -> int:
    """Workers to use when --workers is not given: all cores (at most 4) for a large
    replayed run — `cases_from` JSONL files of at least `AUTO_BYTES` in all and only
    replay clients, so scoring is the bottleneck and no API sees more load — else 1."""
    cores = min(os.cpu_count() or 1, 4)
    if cores < 2:
        return 1
    size = 0
    for suite in suites:
        spec = client or suite.client or ""
        if not spec.startswith("replay:"):
            return 1
        if isinstance(suite.cases, FileCases) and suite.cases.format == "jsonl":
            size += suite.cases.path.stat().st_size
    return cores if size >= AUTO_BYTES else 1


def _has_unread_rows(suites: Sequence[Suite]) -> bool:
    """Whether a suite was loaded with its JSONL rows left unvalidated."""
    return any(
        isinstance(s.cases, FileCases) and s.cases.format == "jsonl" and s.cases.count is None
        for s in suites
    )
