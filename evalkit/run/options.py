"""What a run is asked to do (`RunOptions`, resolved once by the CLI) and what it gives back
(`RunOutcome`). Every step of the run reads these; none of them reads the environment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.results.documents import Summary
from evalkit.run.subset import Subset
from evalkit.suite.case_files import IdFilter
from evalkit.values import CaseResult
from evalkit.verdict.rules import PocVerdict

__all__ = ["RunOptions", "RunOutcome", "Progress", "WorkerStopped"]

# Called with each finished case, in this process (a progress bar's tick).
Progress = Callable[[CaseResult], None]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Resolved once by the CLI.

    `client` overrides every suite's own client (its relative paths resolve against the
    current directory); `samples` overrides each suite's `samples`; `shard` is (I, N) with
    I from 1; `resume` False discards a journal left in `out_dir` instead of using it.
    `concurrency` (requests in flight) defaults to the suite's `client_options.concurrency`,
    else 8. `cache_dir` puts an on-disk cache in front of the client; `record` writes every output
    to that replay file (from `client`, or else the one client all the suites name), and with
    `rerecord_stale` only missing or stale recordings call the model. Where the cases run
    (this process, worker processes, Ray) is the executor's (`evalkit.run.executors`), and
    changes where cases run, never what they give.
    """

    out_dir: Path
    client: str | None = None
    client_options: Mapping[str, Any] = field(default_factory=dict)
    samples: int | None = None
    concurrency: int | None = None
    shard: tuple[int, int] | None = None
    resume: bool = True
    cache_dir: Path | None = None
    record: Path | None = None
    rerecord_stale: bool = False
    # The runner's settings for every judge's client (`base_url`, `api_key_env`), over the
    # suites' own `judge.options`; `judge` the runner's judge client (`--judge SPEC`, its
    # relative paths already resolved by the CLI) for every metric that asks a judge.
    judge_options: Mapping[str, Any] = field(default_factory=dict)
    judge: str | None = None
    # `--judge-pricing`: the runner's price of its judge model (the `pricing` mapping).
    judge_pricing: Mapping[str, Any] | None = None
    # `--judge-record FILE`: every judge reply of the run written there as a replay file.
    judge_record: Path | None = None
    # Only part of each suite (`--case`, `--tag`, `--limit`); recorded in provenance.
    subset: Subset | None = None
    # In a `run --workers` worker: (K, N), worker K of N (the CLI reads `EVALKIT_SLICE`
    # once). Its share of the API limits, and it leaves counts for the parent to add up.
    worker: tuple[int, int] | None = None
    # In a `run --workers` worker: the ids of its own windows (`workers.own_ids`). Replay
    # clients then index only those recordings; other lookups never happen there.
    own_ids: IdFilter | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """A finished run: its folder, summary document and verdicts; `cases` in the result,
    `resumed` of them from an earlier run's journal, the stale recordings met (the first
    few listed, all counted), `--case` values that named no case, and the worker processes
    that ran it (0: this process)."""

    out_dir: Path
    summary: Summary
    verdicts: Mapping[str, PocVerdict]
    cases: int
    resumed: int
    stale: tuple[str, ...]
    stale_count: int
    unmatched: tuple[str, ...] = ()  # `--case` values that named no case
    workers: int = 0


class WorkerStopped(Exception):
    """A `--workers` worker found problems in the suites (already printed), or was told by
    its parent to stop; exit with `code`. Here, not in `workers`, so that the CLI can catch
    it without importing the worker machinery for a one-process run."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code
