"""Run a suite's cases on a Ray cluster (`evalkit run --executor ray`).

Why this shape:
- The driver (the `evalkit run` process) keeps every file: it streams the suite's cases,
  cuts them into batches, and hands each finished case to the pipeline's `on_done`, so the
  journal, aggregation and resume work exactly as with the local engine.
- A batch is one Ray task. The worker builds the client from its settings and the scorers
  from the suite's `ScorerConfig`s (clients hold sockets and event loops: they are never
  shipped), runs the batch through the ordinary `SuiteRunner`, and returns whole results
  plus its counters. The driver only ever receives a task's whole result, so a batch that
  Ray retries after a lost worker is delivered once.
- Each worker process keeps one event loop and the clients and scorers it built for the
  rest of the run (Ray gives each run its own worker processes): rebuilding them per batch
  would re-read replay files and reload judge or embedding models every 64 cases. Clients
  are closed when the worker process ends.
- Backpressure: at most `max_inflight` batches (default 2 x the cluster's CPUs) are
  submitted at a time, so memory stays bounded however many cases the suite has.
- A worker lost mid-run: Ray retries its task (`max_retries`). Batches already received
  are already journalled. When the retries are exhausted the batch's cases are recorded as
  errors (`error_kind` "executor") instead of ending the run: errors are values, and a
  resumed run tries them again.

Ray is imported only here, and this module only when `--executor ray` is chosen.

Test hook: when the environment variable `EVALKIT_RAY_PID_DIR` names a folder in a worker's
environment, each batch task appends its first case id to a file named after its process id
there when it starts (how the tests find a worker to kill, and see its batch retried).
Unset, it does nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any

from evalkit.clients import build_client
from evalkit.clients.base import Client, ClientSettings
from evalkit.errors import EvalkitError, MissingDependency, UsageError
from evalkit.run.engine import EngineStats, SuiteRunner
from evalkit.scorers import build_scorer, scoring_order
from evalkit.values import Case, CaseResult, Scorer, Suite

__all__ = ["RayExecutor", "run_batch", "BatchOutput", "PID_DIR_ENV", "BATCH_CASES"]

PID_DIR_ENV = "EVALKIT_RAY_PID_DIR"
BATCH_CASES = 64
MAX_RETRIES = 3


@dataclass(frozen=True, slots=True)
class BatchOutput:
    """What a batch task sends back: its finished cases in the order they finished, and
    its counters. `first_sent_wall` / `last_received_wall` are wall-clock times
    (monotonic clocks of different machines cannot be compared)."""

    results: list[tuple[CaseResult, Case]]
    stats: EngineStats
    first_sent_wall: float | None
    last_received_wall: float | None


def _note_pid(cases: list[Case]) -> None:
    folder = os.environ.get(PID_DIR_ENV)
    if folder and cases:
        with Path(folder, str(os.getpid())).open("a", encoding="utf-8") as fh:
            fh.write(cases[0].id + "\n")


# Per worker process, for the run's lifetime (see the module docstring).
_LOOP: list[asyncio.AbstractEventLoop] = []
_CLIENTS: dict[str, Client] = {}
_SCORERS: dict[str, list[Scorer]] = {}


def _loop() -> asyncio.AbstractEventLoop:
    if not _LOOP or _LOOP[0].is_closed():
        _LOOP[:] = [asyncio.new_event_loop()]
    return _LOOP[0]


def _client(settings: ClientSettings, cache_dir: Path | None) -> Client:
    key = json.dumps(
        [settings.spec, str(settings.base_dir), str(cache_dir), settings.options],
        sort_keys=True,
        default=str,
    )
    client = _CLIENTS.get(key)
    if client is None:
        client = build_client(settings)
        if cache_dir is not None:
            from evalkit.clients.cache import CachingClient

            client = CachingClient(client, cache_dir)
        _CLIENTS[key] = client
    return client


def _scorers(suite: Suite) -> list[Scorer]:
    key = repr(sorted(suite.scorers.items()))
    scorers = _SCORERS.get(key)
    if scorers is None:
        scorers = [build_scorer(suite.scorers[m]) for m in scoring_order(list(suite.scorers))]
        _SCORERS[key] = scorers
    return scorers


def _to_mono(wall: float | None) -> float | None:
    return None if wall is None else time.monotonic() - (time.time() - wall)


def run_batch(
    suite: Suite,
    settings: ClientSettings,
    cache_dir: Path | None,
    samples: int,
    concurrency: int,
    cases: list[Case],
) -> BatchOutput:
    """Run `cases` of `suite` in this process (the body of a Ray task; plain Python, so it
    can be tested without Ray), with this process's client and scorers for them."""
    _note_pid(cases)
    client = _client(settings, cache_dir)
    scorers = _scorers(suite)
    results: list[tuple[CaseResult, Case]] = []
    stats = EngineStats()
    runner = SuiteRunner(
        suite, client, scorers, samples, lambda r, c: results.append((r, c)), stats
    )
    _loop().run_until_complete(runner.run(cases, concurrency))
    first, last = stats.phase_wall()
    stats.first_sent = stats.last_received = None  # not comparable across machines
    return BatchOutput(results, stats, first, last)


def merge_stats(into: EngineStats, output: BatchOutput) -> None:
    """Add a batch's counters to the driver's (request phase: earliest send, latest reply)."""
    part = output.stats
    into.requests += part.requests
    into.sources.update(part.sources)
    into.errors.update(part.errors)
    into.latencies.extend(part.latencies)
    into.input_tokens += part.input_tokens
    into.output_tokens += part.output_tokens
    into.token_reports += part.token_reports
    first, last = _to_mono(output.first_sent_wall), _to_mono(output.last_received_wall)
    if first is not None and (into.first_sent is None or first < into.first_sent):
        into.first_sent = first
    if last is not None and (into.last_received is None or last > into.last_received):
        into.last_received = last


def lost_result(suite: Suite, case: Case, reason: str) -> CaseResult:
    """The result of a case whose batch could not be run on the cluster."""
    return CaseResult(
        suite=suite.name,
        poc=suite.poc,
        case_id=case.id,
        tags=case.tags,
        critical=case.critical,
        outputs=(),
        labels=(),
        scores={},
        error=reason,
        error_kind="executor",
    )


def _batches(cases: Iterable[Case], size: int) -> Iterator[list[Case]]:
    it = iter(cases)
    while batch := list(islice(it, size)):
        yield batch


def check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast with a readable error when `HOST:PORT` (or `ray://HOST:PORT`) does not
    accept connections: Ray itself keeps retrying for minutes. Other forms (`auto`) are
    left to Ray."""
    hostport = address.removeprefix("ray://")
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit() or not host:
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise UsageError(
            f"--ray-address {address}: no Ray cluster answers there ({exc.strerror or exc}). "
            "Start one with `ray start --head --port PORT` on that host, check the address, "
            "or leave out --ray-address to start a local cluster."
        ) from None


class RayExecutor:
    """Connects to a Ray cluster once per run and runs suites' cases on it.

    `address` None starts a local cluster for this run; otherwise it is the address of a
    running cluster (`HOST:PORT` of its head, `ray://HOST:PORT` for Ray Client, or `auto`
    for the cluster `ray start` last started on this machine). Call `close()` when done.
    """

    def __init__(
        self,
        address: str | None = None,
        batch_cases: int = BATCH_CASES,
        max_inflight: int | None = None,
    ) -> None:
        # Set before Ray reads its configuration. evalkit is an offline tool: no usage
        # reporting unless the user asked for it.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        if address is None and not {"RAY_AUTH_MODE", "RAY_AUTH_TOKEN"} & os.environ.keys():
            # The run's own cluster gets a token of its own, passed to its processes by
            # environment. Ray's default would write ~/.ray/auth_token, which later
            # `ray start` clusters then pick up and refuse drivers that lack it.
            os.environ["RAY_AUTH_MODE"] = "token"
            os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
        try:
            import ray
        except ImportError:
            raise MissingDependency("ray", "ray", "--executor ray") from None
        self._ray = ray
        if address is not None:
            check_reachable(address)
        try:
            if address is None:
                # "local", not None: None would join whatever cluster /tmp/ray last recorded
                # (or $RAY_ADDRESS), and hang for minutes when that cluster is gone.
                ray.init(
                    address="local",
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.WARNING,
                )
            else:
                ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        except Exception as exc:  # Ray raises RuntimeError, ConnectionError, its own errors
            where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
            raise UsageError(f"--executor ray: could not start or join {where}: {exc}") from exc
        self.address = address if address is not None else "local"
        self.batch_cases = batch_cases
        cpus = int(ray.cluster_resources().get("CPU", 1)) or 1
        self.max_inflight = max_inflight or 2 * cpus
        self._task = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(run_batch)
        self._lost: tuple[type[BaseException], ...] = (
            ray.exceptions.WorkerCrashedError,
            ray.exceptions.NodeDiedError,
            ray.exceptions.ObjectLostError,
            ray.exceptions.OwnerDiedError,
            ray.exceptions.TaskUnschedulableError,
        )

    def run_suite(
        self,
        suite: Suite,
        settings: ClientSettings,
        samples: int,
        concurrency: int,
        cases: Iterable[Case],
        on_done: Callable[[CaseResult, Case], None],
        stats: EngineStats,
        cache_dir: Path | None = None,
    ) -> None:
        """Run `cases` (streamed, batched) on the cluster; call `on_done` on this process for
        each finished case as its batch comes back, and add the batches' counters to `stats`."""
        ray = self._ray
        # Workers do not share the driver's working directory: ship absolute paths.
        suite = replace(suite, path=suite.path.resolve())
        settings = replace(settings, base_dir=settings.base_dir.resolve())
        cache_dir = cache_dir.resolve() if cache_dir is not None else None
        suite_ref = ray.put(suite)
        inflight: dict[Any, list[Case]] = {}

        def collect_one() -> None:
            ready, _ = ray.wait(list(inflight), num_returns=1)
            ref = ready[0]
            batch = inflight.pop(ref)
            try:
                output: BatchOutput = ray.get(ref)
            except self._lost as exc:
                reason = (
                    f"ray worker lost running this case's batch, retried {MAX_RETRIES} times "
                    f"({type(exc).__name__}); run again to retry it"
                )
                for case in batch:
                    stats.errors["executor"] += 1
                    on_done(lost_result(suite, case, reason), case)
                return
            except ray.exceptions.RayTaskError as exc:
                # A failure of evalkit itself (e.g. the client cannot be built on the worker)
                # reads as it would in a local run.
                if isinstance(exc.cause, EvalkitError):
                    raise exc.cause from None
                raise
            merge_stats(stats, output)
            for result, case in output.results:
                on_done(result, case)

        for batch in _batches(cases, self.batch_cases):
            while len(inflight) >= self.max_inflight:
                collect_one()
            ref = self._task.remote(suite_ref, settings, cache_dir, samples, concurrency, batch)
            inflight[ref] = batch
        while inflight:
            collect_one()

    def close(self) -> None:
        """Disconnect (and stop the local cluster this executor started, if any)."""
        self._ray.shutdown()
