"""The execute step of a run: answer and score the selected cases of every suite and hand
each finished case to `on_done`, in this process (`InProcessCases`: the engine, with or
without an event loop) or on a Ray cluster (`RayCases`). The pipeline does everything else
(journal, aggregate, resume, files) the same way for both."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

from evalkit.clients import Client
from evalkit.run.engine import EngineStats, SuiteRunner
from evalkit.run.options import RunOptions
from evalkit.run.run_clients import RunClients, share
from evalkit.scorers import build_scorer, scoring_order
from evalkit.values import Case, CaseResult, Scorer, Suite

if TYPE_CHECKING:
    from evalkit.run.ray_executor import RayExecutor

__all__ = ["CaseRunner", "InProcessCases", "RayCases"]

OnDone = Callable[[CaseResult, Case], None]
Todo = Callable[[Suite], Iterator[Case]]


class CaseRunner(Protocol):
    """`name` and `address` go to the run block (`executor`, `ray_address`). `connect`
    comes before any file of the run is touched, `close` after the last case (or on
    failure). `run` returns the scorers it built in this process (their judges' usage
    goes to the run block)."""

    name: Literal["local", "ray"]
    address: str | None

    def connect(self, options: RunOptions) -> None: ...

    def run(
        self,
        suites: Sequence[Suite],
        clients: RunClients,
        options: RunOptions,
        todo: Todo,
        on_done: OnDone,
        stats: EngineStats,
    ) -> list[Scorer]: ...

    def close(self) -> None: ...


def concurrency_of(suite: Suite, options: RunOptions) -> int:
    """Requests in flight: the runner's `--concurrency`, else the suite's, else 8."""
    return options.concurrency or int(suite.client_options.get("concurrency", 8))


class InProcessCases:
    """The engine in this process: with no event loop at all when every suite's client
    answers without I/O (replay, cache hits), else under one `asyncio.run`."""

    name: Literal["local", "ray"] = "local"
    address: str | None = None

    def connect(self, options: RunOptions) -> None:
        pass

    def close(self) -> None:
        pass

    def run(
        self,
        suites: Sequence[Suite],
        clients: RunClients,
        options: RunOptions,
        todo: Todo,
        on_done: OnDone,
        stats: EngineStats,
    ) -> list[Scorer]:
        built: list[Scorer] = []
        runners: dict[str, SuiteRunner] = {}
        for suite in suites:
            scorers = [build_scorer(suite.scorers[m]) for m in scoring_order(list(suite.scorers))]
            built.extend(scorers)
            samples = options.samples or suite.samples
            runners[suite.name] = SuiteRunner(
                suite, clients.by_suite[suite.name], scorers, samples, on_done, stats
            )
        judges = _share_judges(built, options)
        if runners and all(r.needs_no_loop for r in runners.values()):
            try:  # every suite answered and scored synchronously
                for suite in suites:
                    runners[suite.name].run_now(todo(suite))
            finally:
                clients.close_now()
            return built

        async def run_all() -> None:
            try:
                for suite in suites:
                    concurrency = concurrency_of(suite, options)
                    if options.worker is not None:
                        concurrency = share(concurrency, *options.worker)
                    await runners[suite.name].run(todo(suite), concurrency)
            finally:
                await _close_all(clients, built, judges)

        import asyncio  # only here: with ssl it costs ~6 MB and ~40 ms per process

        asyncio.run(run_all())
        return built


class RayCases:
    """The cases on a Ray cluster (`evalkit.run.ray_executor`); `address` None starts a
    local one. The clients of this process are not used for the cases (each Ray task
    builds its own from the suite's settings) but are closed like a local run's."""

    name: Literal["local", "ray"] = "ray"

    def __init__(self, address: str | None) -> None:
        self.requested = address
        self.address: str | None = None
        self._executor: RayExecutor | None = None

    def connect(self, options: RunOptions) -> None:
        from evalkit.run.ray_executor import RayExecutor

        self._executor = RayExecutor(self.requested)
        self.address = self._executor.address

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None

    def run(
        self,
        suites: Sequence[Suite],
        clients: RunClients,
        options: RunOptions,
        todo: Todo,
        on_done: OnDone,
        stats: EngineStats,
    ) -> list[Scorer]:
        executor = self._executor
        assert executor is not None, "connect() first"

        async def run_all() -> None:
            try:
                for suite in suites:
                    executor.run_suite(
                        suite,
                        clients.settings[suite.name],
                        options.samples or suite.samples,
                        concurrency_of(suite, options),
                        todo(suite),
                        on_done,
                        stats,
                        options.cache_dir,
                    )
            finally:
                await clients.aclose()

        import asyncio

        asyncio.run(run_all())
        return []


async def _close_all(clients: RunClients, scorers: Sequence[Scorer], judges: Any) -> None:
    await clients.aclose()
    for scorer in scorers:  # e.g. an LLM judge's client
        close = getattr(scorer, "aclose", None)
        if close is not None:
            await close()
    if judges is not None:  # the judges' shared clients (and --judge-record)
        await judges.aclose()


def _share_judges(scorers: Sequence[Scorer], options: RunOptions) -> Any:
    """One set of judge clients for the run (`_judge.JudgeClients`), wrapped like the
    model's: the on-disk cache, then `--judge-record`. None when no scorer has a judge."""
    if not any(hasattr(s, "judge") for s in scorers):
        return None
    from evalkit.scorers._judge import Judge, JudgeClients

    def wrap(client: Client) -> Client:
        if options.cache_dir is not None:
            from evalkit.clients.cache import CachingClient

            client = CachingClient(client, options.cache_dir)
        if options.judge_record is not None:
            from evalkit.clients.record import RecordingClient

            client = RecordingClient(client, options.judge_record)
        return client

    pool = JudgeClients(wrap)
    for scorer in scorers:
        judge = getattr(scorer, "judge", None)
        if isinstance(judge, Judge):
            judge.shared = pool
    return pool
