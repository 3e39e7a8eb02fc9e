"""Wire the steps of a run: clients → engine → journal → aggregate → judge → result files.

Takes validated suites and resolved options, returns values; never prints or exits (the
CLI does). Interrupted runs resume: finished cases are journalled as they finish, and a
new run over the same suites, client and parameters into the same folder picks up the
journal instead of calling the model again for cases already done.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from evalkit import __version__
from evalkit.clients import Client, build_client, parse_spec
from evalkit.clients.base import ClientSettings
from evalkit.clients.replay import ReplayClient
from evalkit.clients.trust import RUNNER_ONLY
from evalkit.errors import UsageError
from evalkit.results.folderlock import hold_folder
from evalkit.results.summary import build_summary, judge_all
from evalkit.results.writer import (
    CASES_NAME,
    COUNTS_NAME,
    JOURNAL_NAME,
    SUMMARY_NAME,
    Journal,
    atomic_write_text,
    case_row,
    cases_file_mismatch,
    clear_temps,
    peak_rss_mb,
    read_journal,
    repair_journal,
    unshare_journal,
    unwritable,
    write_result,
)
from evalkit.run.engine import EngineStats, SuiteRunner
from evalkit.run.subset import Subset
from evalkit.scorers import build_scorer, scoring_order
from evalkit.suite.case_files import FileCases, IdFilter, worker_slice
from evalkit.suite.language import suite_language
from evalkit.values import Case, CaseResult, Scorer, Suite
from evalkit.verdict.aggregate import Aggregator, aggregator_add_json, aggregator_to_json
from evalkit.verdict.rules import PocVerdict, policies, policy_document

__all__ = ["RunOptions", "RunOutcome", "run", "in_shard", "case_hash"]

_META_NAME = "cases.partial.meta.json"
_STALE_LISTED = 20


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Resolved once by the CLI.

    `client` overrides every suite's own client (its relative paths resolve against the
    current directory); `samples` overrides each suite's `samples`; `shard` is (I, N) with
    I from 1; `resume` False discards a journal left in `out_dir` instead of using it.
    `concurrency` (requests in flight) defaults to the suite's `client_options.concurrency`,
    else 8. `cache_dir` puts an on-disk cache in front of the client; `record` writes every output
    to that replay file (from `client`, or else the one client all the suites name), and with
    `rerecord_stale` only missing or stale recordings call the model. `executor` "ray" runs
    the cases on a Ray cluster (`ray_address`, None: a local one; see `evalkit.run.ray_executor`);
    it changes where cases run, never what they give.
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
    executor: Literal["local", "ray"] = "local"
    ray_address: str | None = None
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
    # In a `run --workers` worker: the ids of its own windows (`parallel.own_ids`). Replay
    # clients then index only those recordings; other lookups never happen there.
    own_ids: IdFilter | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    out_dir: Path
    summary: dict[str, Any]
    verdicts: Mapping[str, PocVerdict]
    cases: int
    resumed: int
    stale: tuple[str, ...]
    stale_count: int
    unmatched: tuple[str, ...] = ()  # `--case` values that named no case


def case_hash(suite: str, case_id: str) -> int:
    """Stable 64-bit hash of a case key (shards, resume bookkeeping)."""
    digest = hashlib.blake2b(f"{suite}\x00{case_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def in_shard(suite: str, case_id: str, shard: tuple[int, int] | None) -> bool:
    """True when the case belongs to shard I of N (by case-id hash, so stable across runs
    and independent of case order)."""
    if shard is None:
        return True
    index, count = shard
    return case_hash(suite, case_id) % count == index - 1


def _client_key(suite: Suite, options: RunOptions) -> tuple[str, Path]:
    if options.client is not None:
        return options.client, Path.cwd()
    if suite.client is None:
        raise UsageError(
            f"{suite.path}: suite '{suite.name}' names no client; add `client: replay:FILE.jsonl` "
            "to the suite or pass --client SPEC"
        )
    return suite.client, suite.base_dir


def _suite_client_options(suite: Suite, options: RunOptions) -> dict[str, Any]:
    """The suite's client settings that apply: all of them for its own client; with the
    runner's `--client`, not those that say where requests go and which key they carry
    (`trust.RUNNER_ONLY`): the runner chose the client, so a suite cannot redirect it."""
    if options.client is None:
        return dict(suite.client_options)
    return {k: v for k, v in suite.client_options.items() if k not in RUNNER_ONLY}


def _check_one_recorded_client(suites: Sequence[Suite]) -> None:
    """`--record` without `--client` records from the suites' own client, which must then be
    one and the same (one replay file is written from one model)."""
    named = sorted({(s.client or "", s.base_dir.as_posix()) for s in suites})
    if len(named) == 1 and named[0][0]:
        return
    listed = ", ".join(f"{s.name}: {s.client or '(none)'}" for s in suites[:5])
    raise UsageError(
        "--record writes one replay file from one model, but these suites name "
        f"{'no client' if not any(c for c, _ in named) else 'different clients'} ({listed}); "
        "pass --client SPEC to record them all from one (e.g. --client openai:gpt-4o-mini)"
    )


def _wrapped(client: Client, options: RunOptions) -> Client:
    """Cache in front of the live client, recording in front of both, so a recording
    holds every output of the run whether it came from the model or the cache."""
    if options.cache_dir is not None:
        from evalkit.clients.cache import CachingClient

        client = CachingClient(client, options.cache_dir)
    if options.record is not None:
        from evalkit.clients.record import RecordingClient

        client = RecordingClient(client, options.record, rerecord_stale=options.rerecord_stale)
    return client


def _provenance(
    suites: Sequence[Suite], clients: Mapping[str, Client], options: RunOptions
) -> dict[str, Any]:
    return {
        "evalkit_version": __version__,
        "suites": {
            s.name: {
                "path": s.path.as_posix(),
                "sha256": s.sha256,
                "poc": s.poc,
                "client": clients[s.name].describe(),
                "samples": options.samples or s.samples,
                "params": s.params.as_dict(),
                "seed": s.seed,
                "policy": policy_document(s),
                "language": suite_language(s),
            }
            for s in suites
        },
        "options": {
            "shard": f"{options.shard[0]}/{options.shard[1]}" if options.shard else None,
            "samples": options.samples,
            **({"subset": options.subset.describe()} if options.subset else {}),
            **({"judge": _runner_judge(options)} if options.judge or options.judge_options else {}),
        },
    }


def _fingerprint(provenance: Mapping[str, Any], suites: Sequence[Suite] = ()) -> str:
    """What a journal must have been written under to be resumed: the provenance, and the
    size and modification time of every `cases_from` file (the suite's hash does not
    cover them: an edited reference must not be resumed with the old scores)."""
    files = []
    for s in suites:
        if isinstance(s.cases, FileCases) and s.cases.path.exists():
            st = s.cases.path.stat()
            files.append([str(s.cases.path), st.st_size, st.st_mtime_ns])
    blob = json.dumps([provenance, files], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _runner_judge(options: RunOptions) -> dict[str, Any]:
    """The runner's judge in provenance: another judge is another run (never resumed
    into this one). The key's variable is named, never its value."""
    out: dict[str, Any] = {"client": options.judge}
    out.update(sorted(options.judge_options.items()))
    return out


def _judge_usage(scorers: Sequence[Scorer], cases: int) -> dict[str, Any] | None:
    """`run.judge_tokens`: the judges' calls, tokens and estimated cost (`judge_usage`),
    with the cost per case over the `cases` this run scored (resumed ones were judged
    before)."""
    if not any(hasattr(s, "judge") for s in scorers):
        return None  # no judge: its module is not imported
    from evalkit.scorers._judge import judge_usage

    usage = judge_usage(scorers)
    if usage is not None:
        for entry in usage["cost"].values():
            entry["cases"] = cases
            entry["per_case"] = entry["total"] / cases if cases else None
    return usage


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


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def _finished_worker(out_dir: Path, fingerprint: str, suites: Sequence[Suite]) -> RunOutcome | None:
    """A `run --workers` worker that already finished this very run (its parent was
    interrupted before merging): its result, so the rerun calls no model for its cases."""
    try:
        counts = json.loads((out_dir / COUNTS_NAME).read_text(encoding="utf-8"))
        if counts.get("fingerprint") != fingerprint or not (out_dir / CASES_NAME).exists():
            return None
        summary = json.loads((out_dir / SUMMARY_NAME).read_text(encoding="utf-8"))
        if cases_file_mismatch(summary, out_dir / CASES_NAME) is not None:
            return None  # not the rows this summary was written with: resume instead
    except (OSError, ValueError, AttributeError):
        return None
    agg = Aggregator()
    aggregator_add_json(agg, counts["counts"])
    cases = sum(p.cases for p in agg.pocs.values())
    return RunOutcome(out_dir, summary, judge_all(agg, policies(suites)), cases, cases, (), 0)


def _resume(
    out_dir: Path,
    fingerprint: str,
    options: RunOptions,
    agg: Aggregator,
    costs: dict[str, list[float]],
) -> tuple[set[int], int]:
    """Load finished cases from a journal left by an interrupted identical run.
    Cases that ended in a client error are not "done": they are tried again."""
    journal, meta = out_dir / JOURNAL_NAME, out_dir / _META_NAME
    same = False
    if options.resume and journal.exists() and meta.exists():
        try:
            same = json.loads(meta.read_text(encoding="utf-8")).get("fingerprint") == fingerprint
        except ValueError:
            same = False
    if not same:
        journal.unlink(missing_ok=True)
        atomic_write_text(meta, json.dumps({"fingerprint": fingerprint}) + "\n")
        return set(), 0
    unshare_journal(journal, out_dir / CASES_NAME)  # killed between commit and cleanup
    repair_journal(journal)
    done: set[int] = set()
    for row in read_journal(journal):
        if "error" in row:
            continue
        key = case_hash(row["suite"], row["case"])
        if key in done:
            continue
        done.add(key)
        if "cost" in row:
            acc = costs.setdefault(row["cost"]["currency"], [0.0, 0])
            acc[0] += row["cost"]["amount"]
            acc[1] += 1
        agg.add_row(row)
    return done, len(done)


def _share(limit: int, k: int, n: int) -> int:
    """Worker K's part of an integer limit split N ways (parts add up to it; at least 1)."""
    return max(1, limit // n + (1 if k <= limit % n else 0))


def _share_of_limits(settings: Mapping[str, Any], k: int, n: int) -> dict[str, Any]:
    """Client settings for worker K of N: the requests in flight and the per-minute
    request and token limits are the whole run's, split among the workers, so that
    `--workers` never puts more load on an API than one process would."""
    out = dict(settings)
    for name in ("rpm", "tpm"):
        value = out.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            out[name] = value / n
    value = out.get("concurrency")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        out["concurrency"] = _share(value, k, n)
    return out


def run(
    suites: Sequence[Suite],
    options: RunOptions,
    progress: Callable[[CaseResult], None] | None = None,
) -> RunOutcome:
    """Run `suites` and write `summary.json` + `cases.jsonl` into `options.out_dir`,
    holding the folder (`folderlock`): a second run into it meanwhile is refused. A full
    disk or a lost permission is a `ResultWriteError` that keeps the journal."""
    with ExitStack() as held:  # the folder, from the first file touched to the last
        return _run(suites, options, progress, held)


def _run(
    suites: Sequence[Suite],
    options: RunOptions,
    progress: Callable[[CaseResult], None] | None,
    held: ExitStack,
) -> RunOutcome:
    started, t0 = datetime.now(UTC), time.perf_counter()
    out_dir = options.out_dir
    if options.judge_options or options.judge or options.judge_pricing:  # --judge and its options
        from evalkit.scorers._judge import with_runner_options

        suites = [
            with_runner_options(s, options.judge_options, options.judge, options.judge_pricing)
            for s in suites
        ]
    clients: dict[tuple[str, Path, str], Client] = {}
    by_suite: dict[str, Client] = {}
    settings_by_suite: dict[str, ClientSettings] = {}  # what a Ray task rebuilds its client from
    if options.record is not None and options.client is None:
        _check_one_recorded_client(suites)
    if options.executor == "ray" and options.record is not None:
        raise UsageError("--executor ray cannot be combined with --record")
    worker = worker_slice()
    replayed: list[ReplayClient] = []  # a worker's: they index only its own recordings
    for suite in suites:
        spec, base = _client_key(suite, options)
        # The suite's client settings, then the command line's on top.
        settings = {**_suite_client_options(suite, options), **options.client_options}
        if worker is not None:  # a `run --workers` worker: its share of the API limits
            settings = _share_of_limits(settings, *worker)
        key = (spec, base, json.dumps(settings, sort_keys=True, default=str))
        settings_by_suite[suite.name] = parse_spec(spec, base, settings)
        if key not in clients:
            built = build_client(settings_by_suite[suite.name])
            if options.own_ids is not None and isinstance(built, ReplayClient):
                replayed.append(built)
            clients[key] = _wrapped(built, options)
        by_suite[suite.name] = clients[key]
    if options.own_ids is not None:
        # Now, so that the filter's memory is released before the run, and as soon as
        # the last replay file's first pass is done with it.
        for n, replay in enumerate(replayed, 1):
            replay.keep_only(
                options.own_ids.may_hold, options.own_ids.release if n == len(replayed) else None
            )
            replay.load()
        options.own_ids.release()
    ray_executor = None  # connected before any file is touched
    if options.executor == "ray":
        from evalkit.run.ray_executor import RayExecutor

        ray_executor = RayExecutor(options.ray_address)

    provenance = _provenance(suites, by_suite, options)

    try:
        held.enter_context(hold_folder(out_dir))
    except BaseException:  # in use, or cannot be made: nothing was run
        for client in clients.values():
            client.close_now()
        if ray_executor is not None:
            ray_executor.close()
        raise
    clear_temps(out_dir)  # a killed final write's; the folder is ours now
    fingerprint = _fingerprint(provenance, suites)
    in_worker = worker is not None
    if in_worker and options.resume:
        earlier = _finished_worker(out_dir, fingerprint, suites)
        if earlier is not None:
            for client in clients.values():
                client.close_now()
            return earlier
    agg = Aggregator()
    costs: dict[str, list[float]] = {}  # currency → [total, cases priced]
    try:
        done, resumed = _resume(out_dir, fingerprint, options, agg, costs)
    except OSError as exc:
        failure = unwritable(exc, out_dir, "")
        if failure is exc:
            raise
        raise failure from exc
    journal = Journal(out_dir / JOURNAL_NAME)
    stats = EngineStats()
    stale: list[str] = []
    stale_count = 0
    finished = resumed

    pricing = {s.name: s.pricing for s in suites if s.pricing is not None}

    def on_done(result: CaseResult, case: Case) -> None:
        nonlocal stale_count, finished
        row = case_row(result, case)
        price = pricing.get(result.suite)
        if price is not None and (
            result.input_tokens is not None or result.output_tokens is not None
        ):
            cost = price.cost(result.input_tokens, result.output_tokens)
            row["cost"] = {"amount": round(cost, 8), "currency": price.currency}
            acc = costs.setdefault(price.currency, [0.0, 0])
            acc[0] += cost
            acc[1] += 1
        journal.write(row, urgent="live" in result.sources)
        agg.add_result(result)
        priced = row.get("cost")
        if priced is not None and result.error is None:  # as `Aggregator.add_row` counts it,
            # from the rounded amount the row keeps, so that `merge` projects the same
            agg.add_cost(result.poc, priced["currency"], priced["amount"], len(result.outputs))
        finished += 1
        if result.error_kind == "stale-recording":
            stale_count += 1
            if len(stale) < _STALE_LISTED:
                stale.append(f"{result.suite}/{result.case_id}")
        if progress is not None:
            progress(result)

    matched: set[str] = set()  # the `--case` values that named a case

    def todo(suite: Suite) -> Iterator[Case]:
        cases: Iterable[Case] = suite.cases
        shard = options.shard
        if shard is not None:
            name = suite.name
            if isinstance(cases, FileCases) and cases.window is not None:
                pass  # a `run --workers` worker's own window of the file: its shard already
            elif isinstance(cases, FileCases):  # skip other shards' rows before building cases
                cases = cases.select(lambda case_id: in_shard(name, case_id, shard))
            else:
                cases = (c for c in cases if in_shard(name, c.id, shard))
        if options.subset:
            cases = options.subset.select(suite.name, cases, matched)
        for case in cases:
            if done and case_hash(suite.name, case.id) in done:
                continue
            yield case

    built_scorers: list[Scorer] = []
    runners: dict[str, SuiteRunner] = {}
    if ray_executor is None:
        for suite in suites:
            scorers = [build_scorer(suite.scorers[m]) for m in scoring_order(list(suite.scorers))]
            built_scorers.extend(scorers)
            runners[suite.name] = SuiteRunner(
                suite,
                by_suite[suite.name],
                scorers,
                options.samples or suite.samples,
                on_done,
                stats,
            )
    judges = _share_judges(built_scorers, options)

    def run_now() -> None:
        """Every suite answered and scored synchronously: no event loop at all."""
        try:
            for suite in suites:
                runners[suite.name].run_now(todo(suite))
        finally:
            for client in clients.values():
                client.close_now()

    async def run_all() -> None:
        try:
            for suite in suites:
                if ray_executor is not None:
                    ray_executor.run_suite(
                        suite,
                        settings_by_suite[suite.name],
                        options.samples or suite.samples,
                        options.concurrency or int(suite.client_options.get("concurrency", 8)),
                        todo(suite),
                        on_done,
                        stats,
                        options.cache_dir,
                    )
                    continue
                concurrency = options.concurrency or int(suite.client_options.get("concurrency", 8))
                if worker is not None:
                    concurrency = _share(concurrency, *worker)
                await runners[suite.name].run(todo(suite), concurrency)
        finally:
            for client in clients.values():
                await client.aclose()
            for scorer in built_scorers:  # e.g. an LLM judge's client
                close = getattr(scorer, "aclose", None)
                if close is not None:
                    await close()
            if judges is not None:  # the judges' shared clients (and --judge-record)
                await judges.aclose()

    try:
        if runners and all(r.needs_no_loop for r in runners.values()):
            run_now()
        else:
            import asyncio  # only here: with ssl it costs ~6 MB and ~40 ms per process

            asyncio.run(run_all())
    finally:
        journal.close()
        if ray_executor is not None:
            ray_executor.close()

    policy = policies(suites)
    verdicts = judge_all(agg, policy)
    finished_at = datetime.now(UTC)
    lat = list(stats.latencies)
    run_block = {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished_at.isoformat(timespec="seconds"),
        "duration_s": time.perf_counter() - t0,
        "host": platform.node(),
        "python": platform.python_version(),
        "concurrency": options.concurrency,  # None: each suite's own (default 8)
        "executor": options.executor,
        **({"ray_address": ray_executor.address} if ray_executor is not None else {}),
        "requests": stats.requests,
        "request_phase_s": stats.request_phase_s,
        # Wall-clock ends of that phase (epoch s): `merge` takes the phase of shards from them.
        "request_phase_at": list(stats.phase_wall()) if stats.first_sent is not None else None,
        "peak_rss_mb": peak_rss_mb(),
        "resumed_cases": resumed,
        "sources": dict(sorted(stats.sources.items())),
        "errors": dict(sorted(stats.errors.items())),
        "latency_s": {
            "p50": _percentile(lat, 0.5),
            "p95": _percentile(lat, 0.95),
            "max": max(lat) if lat else None,
        },
        "tokens": {
            "input": stats.input_tokens if stats.token_reports else None,
            "output": stats.output_tokens if stats.token_reports else None,
        },
        # A judge's calls and tokens (scorers with `judge:`), apart from the model's.
        "judge_tokens": _judge_usage(built_scorers, finished - resumed),
        # Estimated from the suites' `pricing` (per million tokens) and the reported usage.
        "cost": {
            currency: {"total": total, "cases": n, "per_case": total / n}
            for currency, (total, n) in sorted(costs.items())
        },
    }
    summary = build_summary(agg, policy, verdicts, provenance, run_block)
    extra = {}
    if in_worker:  # a `run --workers` worker: the parent adds up these counts
        counts = {"fingerprint": fingerprint, "counts": aggregator_to_json(agg)}
        extra[COUNTS_NAME] = json.dumps(counts) + "\n"
    # Committed with the summary last; the journal goes only after (see `results`).
    count = write_result(out_dir, summary, in_order=journal.in_order, extra=extra)
    try:
        (out_dir / _META_NAME).unlink(missing_ok=True)
    except OSError:  # committed all the same; the meta alone resumes nothing
        pass
    unmatched = tuple(sorted(options.subset.cases - matched)) if options.subset else ()
    return RunOutcome(
        out_dir, summary, verdicts, count, resumed, tuple(stale), stale_count, unmatched
    )
