"""What `evalkit run` says after a run, and its exit code: the verdict table, costs, where the
results are, the reviews kept, JUnit, the baseline gate, stale recordings, a broken run.
One ending for every executor (this process, `--workers`, Ray)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.cli import echo_err, echo_out
from evalkit.values import Verdict

if TYPE_CHECKING:  # imported only to run: `evalkit --help` stays fast
    from evalkit.run.options import RunOutcome

__all__ = ["report_run", "progress_bar"]


def report_run(
    outcome: RunOutcome,
    junit_file: Path | None,
    baseline: Path | None,
    fail_on: tuple[str, ...],
    exit_zero: bool,
    reviews: tuple[dict[str, Any], ...] = (),
    lang: str | None = None,
) -> int:
    """Keep the folder's reviews (with `--reviews`' added: `evalkit.review.rerun`), then
    print the table and what else the user asked for (in `lang`, or the language the
    result's suites speak); the exit code (one ending for every executor)."""
    from evalkit._i18n import say
    from evalkit.cli._broken import EXIT_BROKEN, broken_error, broken_headline
    from evalkit.cli._lang import output_language
    from evalkit.cli._table import render_summary
    from evalkit.cli.review import review_notes
    from evalkit.results.summary import broken_suites
    from evalkit.review.rerun import keep_reviews

    summary, out_dir = outcome.summary, outcome.out_dir
    what = (outcome.cases, outcome.workers)
    resumed, stale_count, stale = outcome.resumed, outcome.stale_count, outcome.stale
    applied = keep_reviews(out_dir, reviews)
    if applied is not None:
        summary = applied.summary
    broken = broken_suites(summary)
    language = output_language(lang, summary)
    if broken:  # said first: the verdict below is not about the model
        echo_out(broken_headline(broken, out_dir, colour=sys.stdout.isatty(), lang=language))
    echo_out(render_summary(summary, colour=sys.stdout.isatty(), lang=language))
    for currency, cost in summary["run"].get("cost", {}).items():
        echo_out(
            say(
                "run_cost",
                language,
                total=f"{cost['total']:.4f}",
                currency=currency,
                cases=cost["cases"],
                per_case=f"{cost['per_case']:.6f}",
            )
        )
    judged = summary["run"].get("judge_tokens") or {}
    for currency, cost in (judged.get("cost") or {}).items():
        per_case = cost.get("per_case")
        echo_out(
            say(
                "run_judge_cost",
                language,
                total=f"{cost['total']:.4f}",
                currency=currency,
                calls=cost["calls"],
                per_case="" if per_case is None else f"{per_case:.6f}",
            )
        )
    if resumed:
        echo_out(say("op_resumed", language, n=resumed))
    echo_out(
        say(
            "run_results",
            language,
            summary=out_dir / "summary.json",
            cases=out_dir / "cases.jsonl",
            what=say("run_what", language, n=what[0], workers=what[1]),
        )
    )
    if applied is not None:
        for line in review_notes(applied, out_dir, language):
            echo_out(line)
    if junit_file is not None:
        from evalkit.report.junit import write_junit

        write_junit(out_dir, junit_file, language)
        echo_out(say("op_junit", language, file=junit_file))
    gate: list[str] = []
    if baseline is not None:
        from evalkit.compare.diff import compare, triggered
        from evalkit.report.diffview import render_text

        diff = compare(baseline, out_dir, lang=language)
        echo_out(render_text(diff), nl=False)
        gate = triggered(diff, fail_on or ("verdict-drop",))
        for reason in gate:
            echo_err(f"fail-on {reason}")
    if stale_count:
        examples = say("op_stale_examples", language, ids=", ".join(stale[:5])) if stale else ""
        echo_err(say("op_stale_recordings", language, n=stale_count, examples=examples))
        return 2
    if broken:
        echo_err(broken_error(broken, language))
        return EXIT_BROKEN
    if gate:  # --exit-zero never hides a gate: it only neutralises the verdict's code
        return 3
    if exit_zero:
        return 0
    return Verdict(summary["verdict"]).exit_code


class _Bar:
    """A tqdm progress bar on stderr, one tick per finished case."""

    def __init__(self, total: int | None) -> None:
        from tqdm import tqdm  # imported only when a bar is shown (~30 ms)

        self._bar = tqdm(
            total=total, unit="case", desc="evalkit", file=sys.stderr, dynamic_ncols=True
        )

    def update_one(self, _result: object) -> None:
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


def progress_bar(suites: object, shard: tuple[int, int] | None, no_progress: bool) -> _Bar | None:
    """A bar when stderr is a terminal and --no-progress is not given."""
    if no_progress or not sys.stderr.isatty():
        return None
    return _Bar(_count(suites) if shard is None else None)


def _count(suites: object) -> int | None:
    """Cases to run, for the bar: inline cases, plus the rows validation counted in
    `cases_from` files; None when unknown."""
    total = 0
    for suite in suites:  # type: ignore[attr-defined]
        cases = suite.cases
        size = len(cases) if isinstance(cases, tuple) else getattr(cases, "count", None)
        if size is None:
            return None
        total += size
    return total
