"""Execute one suite's cases: expand into requests, call the client, score each case.

Why this shape:
- Streaming: cases are pulled from the suite's (possibly million-row) source one at a time
  and a finished case is handed to `on_done` at once; only in-flight cases are in memory.
- Bounded workers, not a task per request: `concurrency` coroutines pull requests from one
  shared generator, which keeps at most `concurrency` requests (and their cases) in flight
  and costs nothing per request beyond the call itself.
- Answers without I/O: a client that can answer at once (`complete_now`: replay, cache hit)
  is served inline by the generator; a case whose requests are all answered that way is
  scored without touching asyncio, and a run of only such cases never starts an event
  loop (see `evalkit.clients.base` for why, and what it does not buy).
"""

from __future__ import annotations

import inspect
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import TypeGuard

from evalkit.clients.base import Client
from evalkit.common.render import prompt_sha256, render_messages
from evalkit.errors import ScoringCallFailed
from evalkit.values import (
    PLAIN_LABELS,
    AsyncScorer,
    Case,
    CaseResult,
    Completion,
    Request,
    Score,
    Scorer,
    ScoringInput,
    Suite,
)

__all__ = ["EngineStats", "expand", "score_case", "SuiteRunner"]


@dataclass(slots=True)
class EngineStats:
    """Counters for the `run` block of the summary (volatile, not for verdicts)."""

    requests: int = 0
    sources: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: array = field(default_factory=lambda: array("d"))
    input_tokens: int = 0
    output_tokens: int = 0
    token_reports: int = 0
    first_sent: float | None = None  # monotonic time the first request needing I/O was sent
    last_received: float | None = None  # ... and the last such response arrived

    @property
    def request_phase_s(self) -> float | None:
        """First request sent → last response received (None when nothing needed I/O)."""
        if self.first_sent is None or self.last_received is None:
            return None
        return self.last_received - self.first_sent

    def phase_wall(self) -> tuple[float | None, float | None]:
        """The request phase's ends as wall-clock (epoch) seconds, which other processes
        can compare (the monotonic clock's zero is not theirs): how `merge` finds the
        phase of a run split into workers or shards."""
        return _to_wall(self.first_sent), _to_wall(self.last_received)


def _to_wall(mono: float | None) -> float | None:
    """A `time.monotonic()` reading of this process as wall-clock (epoch) seconds."""
    return None if mono is None else time.time() - (time.monotonic() - mono)


def expand(suite: Suite, case: Case, samples: int, with_sha: bool = True) -> list[Request]:
    """Requests for one case: for each variant (0 = the case's own vars), `samples` samples.
    `with_sha` False leaves `prompt_sha256` empty (the client said it does not read it)."""
    if samples == 1 and not case.variants:  # the usual case: one request
        messages = render_messages(suite.prompt, case.vars)
        sha = prompt_sha256(messages) if with_sha else ""
        return [Request(suite.name, case.id, 0, 0, messages, sha, suite.params)]
    out = []
    for variant, variables in enumerate((case.vars, *case.variants)):
        messages = render_messages(suite.prompt, variables)
        sha = prompt_sha256(messages) if with_sha else ""
        for sample in range(samples):
            out.append(Request(suite.name, case.id, variant, sample, messages, sha, suite.params))
    return out


_SAMPLE_LABELS = PLAIN_LABELS[64]


def _label(variant: int, sample: int) -> str:
    if variant == 0:
        return _SAMPLE_LABELS[sample] if sample < 64 else f"sample {sample}"
    return f"variant {variant} sample {sample}"


@lru_cache(maxsize=256)
def _labels_for(shape: tuple[tuple[int, int], ...]) -> tuple[str, ...]:
    return tuple(_label(v, s) for v, s in shape)


def _labels(requests: Sequence[Request]) -> tuple[str, ...]:
    """ "sample 2", "variant 1 sample 0": the same for every case of a suite, so the usual
    shape (no variants, samples 0..n-1) is a table lookup and others are cached."""
    n = len(requests)
    last = requests[-1] if n else None
    if last is not None and last.variant == 0 and last.sample == n - 1 and n <= 64:
        return PLAIN_LABELS[n]
    return _labels_for(tuple((r.variant, r.sample) for r in requests))


def _has_async(scorer: Scorer) -> TypeGuard[AsyncScorer]:
    return inspect.iscoroutinefunction(getattr(scorer, "ascore", None))


def _result(
    suite: Suite,
    case: Case,
    requests: Sequence[Request],
    completions: Sequence[Completion],
    scores: dict[str, Score],
    labels: tuple[str, ...],
) -> CaseResult:
    failed = None
    latency: float | None = None
    ins: int | None = None
    outs: int | None = None
    for c in completions:
        if failed is None and c.error is not None:
            failed = c
        if c.latency_s is not None:
            latency = c.latency_s + (latency or 0.0)
        if c.input_tokens is not None:
            ins = c.input_tokens + (ins or 0)
        if c.output_tokens is not None:
            outs = c.output_tokens + (outs or 0)
    return CaseResult(
        suite=suite.name,
        poc=suite.poc,
        case_id=case.id,
        tags=case.tags,
        critical=case.critical,
        outputs=tuple([c.output for c in completions]),
        labels=labels,
        scores=scores,
        error=failed.error if failed else None,
        error_kind=failed.error_kind if failed else None,
        sources=tuple([c.source for c in completions]),
        latency_s=latency,
        input_tokens=ins,
        output_tokens=outs,
        prompt=requests[0].messages if requests else (),
    )


def _scoring_input(
    suite: Suite,
    case: Case,
    requests: Sequence[Request],
    completions: Sequence[Completion],
    labels: tuple[str, ...],
    scores: dict[str, Score],
) -> ScoringInput:
    """One input for all of a case's scorers. Its `prior` is a read-only view of `scores`,
    which the caller fills as scorers finish: each scorer sees exactly the metrics scored
    before it (the order is `scoring_order`), without a new input per scorer."""
    return ScoringInput(
        suite,
        case,
        tuple([c.output or "" for c in completions]),  # outputs
        labels,
        tuple([r.variant for r in requests]),  # variants
        tuple([c.source for c in completions]),  # sources
        MappingProxyType(scores),  # prior
        tuple([c.latency_s for c in completions]),  # latencies
        tuple([(c.input_tokens, c.output_tokens) for c in completions]),  # tokens
    )


def score_case(
    suite: Suite,
    case: Case,
    requests: Sequence[Request],
    completions: Sequence[Completion],
    scorers: Sequence[Scorer],
) -> CaseResult:
    """Score a case whose requests are all answered (sync scorers only). A case with any
    failed request is not scored: it is reported as an error."""
    scores: dict[str, Score] = {}
    labels = _labels(requests)
    if all(c.error is None for c in completions):
        item = _scoring_input(suite, case, requests, completions, labels, scores)
        for scorer in scorers:
            score = scorer.score(item)
            if score is not None:
                scores[scorer.metric] = score
    return _result(suite, case, requests, completions, scores, labels)


async def score_case_async(
    suite: Suite,
    case: Case,
    requests: Sequence[Request],
    completions: Sequence[Completion],
    scorers: Sequence[Scorer],
) -> CaseResult:
    """As `score_case`, awaiting scorers that have an async `ascore` (e.g. an LLM judge).
    A judge whose call fails or whose reply cannot be read (`ScoringCallFailed`) makes the
    case an error, counted like a client error, never a pass."""
    scores: dict[str, Score] = {}
    labels = _labels(requests)
    if all(c.error is None for c in completions):
        item = _scoring_input(suite, case, requests, completions, labels, scores)
        for scorer in scorers:
            if _has_async(scorer):
                try:
                    score = await scorer.ascore(item)
                except ScoringCallFailed as exc:  # a judge's call: an error value, not a score
                    done = _result(suite, case, requests, completions, {}, labels)
                    return replace(done, error=str(exc), error_kind=exc.kind)
            else:
                score = scorer.score(item)
            if score is not None:
                scores[scorer.metric] = score
    return _result(suite, case, requests, completions, scores, labels)


class _Pending:
    """A case waiting for some of its requests."""

    __slots__ = ("case", "requests", "completions", "remaining")

    def __init__(self, case: Case, requests: list[Request]) -> None:
        self.case = case
        self.requests = requests
        self.completions: list[Completion | None] = [None] * len(requests)
        self.remaining = len(requests)


class SuiteRunner:
    """Runs the cases of one suite through one client and its scorers."""

    def __init__(
        self,
        suite: Suite,
        client: Client,
        scorers: Sequence[Scorer],
        samples: int,
        on_done: Callable[[CaseResult, Case], None],
        stats: EngineStats,
    ) -> None:
        self.suite = suite
        self.client = client
        self.scorers = list(scorers)
        self.samples = samples
        self.on_done = on_done
        self.stats = stats
        self.async_scoring = any(_has_async(s) for s in self.scorers)

    def _record(self, c: Completion) -> None:
        st = self.stats
        st.requests += 1
        st.sources[c.source] += 1
        if c.error_kind:
            st.errors[c.error_kind] += 1
        if c.latency_s is not None and c.source == "live":
            st.latencies.append(c.latency_s)
        if c.input_tokens is not None or c.output_tokens is not None:
            st.token_reports += 1
            st.input_tokens += c.input_tokens or 0
            st.output_tokens += c.output_tokens or 0

    def _work(self, cases: Iterable[Case]) -> Iterator[tuple[_Pending, int]]:
        """Yields (pending case, request index) for requests needing I/O, and
        (pending, -1) for a fully answered case that needs async scoring. Cases answered
        and scored synchronously are finished here directly."""
        suite, samples, scorers, complete_now = (
            self.suite,
            self.samples,
            self.scorers,
            self.client.complete_now,
        )
        one_sync = not self.async_scoring
        with_sha = self.client.wants_prompt_sha256
        for case in cases:
            requests = expand(suite, case, samples, with_sha)
            if len(requests) == 1:  # the usual case (one sample), with less bookkeeping
                c = complete_now(requests[0])
                if c is None:
                    yield _Pending(case, requests), 0
                    continue
                self._record(c)
                if one_sync:
                    self.on_done(score_case(suite, case, requests, (c,), scorers), case)
                    continue
                pending = _Pending(case, requests)
                pending.completions[0] = c
                pending.remaining = 0
                yield pending, -1
                continue
            pending = _Pending(case, requests)
            needs_io = []
            for i, req in enumerate(requests):
                c = complete_now(req)
                if c is None:
                    needs_io.append(i)
                else:
                    self._record(c)
                    pending.completions[i] = c
                    pending.remaining -= 1
            if not needs_io:
                if self.async_scoring:
                    yield pending, -1
                else:
                    self._finish_sync(pending)
                continue
            for i in needs_io:
                yield pending, i

    def _finish_sync(self, p: _Pending) -> None:
        done = [c for c in p.completions if c is not None]
        self.on_done(score_case(self.suite, p.case, p.requests, done, self.scorers), p.case)

    async def _finish(self, p: _Pending) -> None:
        done = [c for c in p.completions if c is not None]
        if self.async_scoring:
            result = await score_case_async(self.suite, p.case, p.requests, done, self.scorers)
        else:
            result = score_case(self.suite, p.case, p.requests, done, self.scorers)
        self.on_done(result, p.case)

    @property
    def needs_no_loop(self) -> bool:
        """Every case is answered and scored synchronously (see `run_now`)."""
        return self.client.answers_now and not self.async_scoring

    def run_now(self, cases: Iterable[Case]) -> None:
        """Run every case without an event loop: for a client that always answers at once
        (replay) and sync scorers, which is most offline runs. asyncio (and the ssl module
        it loads, ~6 MB per process) is then never imported."""
        for _pending, _index in self._work(cases):
            raise RuntimeError(f"{self.client.spec} declared answers_now but needed I/O")

    async def run(self, cases: Iterable[Case], concurrency: int) -> None:
        """Run every case. With a client that answers synchronously the first worker
        drains the whole stream inline (no request ever awaits)."""
        work = self._work(cases)

        async def worker() -> None:
            for pending, index in work:
                if index >= 0:
                    if self.stats.first_sent is None:
                        self.stats.first_sent = time.monotonic()
                    c = await self.client.complete(pending.requests[index])
                    self.stats.last_received = time.monotonic()
                    self._record(c)
                    pending.completions[index] = c
                    pending.remaining -= 1
                    if pending.remaining:
                        continue
                await self._finish(pending)

        import asyncio

        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
