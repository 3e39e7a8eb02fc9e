"""Wire the steps of a run: clients → executor → journal → aggregate → judge → result files.

Takes validated suites and resolved options, returns values; never prints or exits (the
CLI does). Interrupted runs resume: finished cases are journalled as they finish, and a
new run over the same suites, client and parameters into the same folder picks up the
journal instead of calling the model again for cases already done.

`run` reads as the list of its steps; each step is a named function or small object in a
module of its own: `run_clients` (clients, limit sharing), `provenance` (and the resume
fingerprint), `resume`, `selection` (shard, subset, done), `recorder` (each finished case:
journal, cost, aggregate), `case_runners` (where cases are answered), `run_block`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from evalkit.results.folderlock import hold_folder
from evalkit.results.summary import build_summary, judge_all
from evalkit.results.writer import (
    COUNTS_NAME,
    JOURNAL_NAME,
    Journal,
    clear_temps,
    unwritable,
    write_result,
)
from evalkit.run.case_runners import CaseRunner, InProcessCases
from evalkit.run.engine import EngineStats
from evalkit.run.options import Progress, RunOptions, RunOutcome
from evalkit.run.provenance import fingerprint, provenance
from evalkit.run.recorder import CaseRecorder
from evalkit.run.resume import META_NAME, Costs, finished_worker, resume_journal
from evalkit.run.run_block import Clock, judge_usage, run_block
from evalkit.run.run_clients import RunClients
from evalkit.run.selection import CaseSelection, case_hash, in_shard
from evalkit.values import Suite
from evalkit.verdict.aggregate import Aggregator, aggregator_to_json
from evalkit.verdict.rules import policies

__all__ = ["RunOptions", "RunOutcome", "run", "in_shard", "case_hash"]


def run(
    suites: Sequence[Suite],
    options: RunOptions,
    progress: Progress | None = None,
    cases: CaseRunner | None = None,
) -> RunOutcome:
    """Run `suites` and write `summary.json` + `cases.jsonl` into `options.out_dir`,
    holding the folder (`folderlock`): a second run into it meanwhile is refused. A full
    disk or a lost permission is a `ResultWriteError` that keeps the journal. `cases`:
    where the cases are answered (default: this process; see `evalkit.run.executors`)."""
    with ExitStack() as held:  # the folder, from the first file touched to the last
        return _run(suites, options, progress, cases or InProcessCases(), held)


def _run(
    suites: Sequence[Suite],
    options: RunOptions,
    progress: Progress | None,
    cases: CaseRunner,
    held: ExitStack,
) -> RunOutcome:
    clock = Clock.start()
    out_dir = options.out_dir
    suites = _with_runner_judge(suites, options)
    clients = RunClients.build(suites, options)
    cases.connect(options)  # before any file is touched
    origin = provenance(suites, clients.by_suite, options)
    _hold_folder(held, out_dir, clients, cases)
    clear_temps(out_dir)  # a killed final write's; the folder is ours now
    identity = fingerprint(origin, suites)
    if options.worker is not None and options.resume:
        earlier = finished_worker(out_dir, identity, suites)
        if earlier is not None:
            clients.close_now()
            return earlier
    agg, costs = Aggregator(), Costs()
    selection = CaseSelection(options, _resumed(out_dir, identity, options, agg, costs))
    resumed = len(selection.done)
    journal = Journal(out_dir / JOURNAL_NAME)
    pricing = {s.name: s.pricing for s in suites if s.pricing is not None}
    recorder = CaseRecorder(journal, agg, costs, pricing, progress, finished=resumed)
    stats = EngineStats()
    try:
        scorers = cases.run(suites, clients, options, selection.todo, recorder, stats)
    finally:
        journal.close()
        cases.close()
    policy = policies(suites)
    verdicts = judge_all(agg, policy)
    judges = judge_usage(scorers, recorder.finished - resumed)
    block = run_block(clock, options, (cases.name, cases.address), stats, resumed, judges, costs)
    summary = build_summary(agg, policy, verdicts, origin, block)
    extra = {}
    if options.worker is not None:  # a `run --workers` worker: the parent adds up these counts
        counts = {"fingerprint": identity, "counts": aggregator_to_json(agg)}
        extra[COUNTS_NAME] = json.dumps(counts) + "\n"
    # Committed with the summary last; the journal goes only after (see `results.writer`).
    count = write_result(out_dir, summary, in_order=journal.in_order, extra=extra)
    try:
        (out_dir / META_NAME).unlink(missing_ok=True)
    except OSError:  # committed all the same; the meta alone resumes nothing
        pass
    return RunOutcome(
        out_dir,
        summary,
        verdicts,
        count,
        resumed,
        tuple(recorder.stale),
        recorder.stale_count,
        selection.unmatched(),
    )


def _with_runner_judge(suites: Sequence[Suite], options: RunOptions) -> Sequence[Suite]:
    """The suites with the runner's `--judge` and its options over their own judges."""
    if not (options.judge_options or options.judge or options.judge_pricing):
        return suites
    from evalkit.scorers._judge import with_runner_options

    return [
        with_runner_options(s, options.judge_options, options.judge, options.judge_pricing)
        for s in suites
    ]


def _hold_folder(held: ExitStack, out_dir: Path, clients: RunClients, cases: CaseRunner) -> None:
    """Hold `out_dir` for the rest of the run; if it is in use, or cannot be made, nothing
    was run: close what was opened and fail."""
    try:
        held.enter_context(hold_folder(out_dir))
    except BaseException:
        clients.close_now()
        cases.close()
        raise


def _resumed(
    out_dir: Path, identity: str, options: RunOptions, agg: Aggregator, costs: Costs
) -> set[int]:
    """The cases a journal left by an interrupted identical run holds (`resume_journal`);
    a folder that cannot be written is a `ResultWriteError` that says so."""
    try:
        return resume_journal(out_dir, identity, options.resume, agg, costs)
    except OSError as exc:
        failure = unwritable(exc, out_dir, "")
        if failure is exc:
            raise
        raise failure from exc
