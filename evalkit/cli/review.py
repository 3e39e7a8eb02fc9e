"""`evalkit review sample|import` — human review sheets, and verdicts corrected by them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from evalkit.cli._lang import lang_option

if TYPE_CHECKING:
    from evalkit.results.documents import CaseRow

__all__ = ["command"]


def review_notes(applied: Any, folder: Path, lang: str = "en") -> list[str]:
    """What the reviews did, for the terminal (`review import`, `run`, `merge`), in `lang`:
    how many counted, and how many were stale and why (a few named, as stored), each reason
    with its remedy."""
    from evalkit._i18n import say
    from evalkit.report._review import stale_reasons
    from evalkit.review.apply import REVIEWS_NAME, STALE_CHANGED, STALE_ERRORED, STALE_GONE

    file = folder / REVIEWS_NAME
    lines = [say("rev_count", lang, used=applied.used, file=file)]
    if applied.stale:
        listed = "; ".join(applied.stale[:10]) + (" …" if len(applied.stale) > 10 else "")
        why = stale_reasons(applied.stale_why, lang)
        lines.append(say("rev_stale_line", lang, n=len(applied.stale), why=why, listed=listed))
        if applied.stale_why.get(STALE_CHANGED) or applied.stale_why.get(STALE_ERRORED):
            lines.append(say("rev_stale_redo", lang))
        if applied.stale_why.get(STALE_GONE):
            lines.append(say("rev_stale_kept", lang, file=REVIEWS_NAME))
    return lines


@click.group(name="review")
def command() -> None:
    """Human review: sample cases into a sheet, import filled sheets into a result.

    Reviewers' labels correct each metric's failure rate for the scorer's measured error
    (README "Human review"); the verdict then uses the corrected interval.
    """


@command.command(name="sample")
@click.argument("result", type=click.Path(path_type=Path))
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=0),
    required=True,
    help="Cases to draw (every critical case is added).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random draw.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The CSV review sheet to write (UTF-8 with BOM).",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the sheet as a self-contained HTML form (opens from disk; reviewers "
    "mark cases and download the filled CSV).",
)
@lang_option
def sample(
    result: Path, n: int, seed: int, out: Path, html_file: Path | None, lang: str | None = None
) -> None:
    """Write a review sheet of RESULT's cases: N drawn at random, stratified by each
    metric's automatic outcome, plus every critical case. The scorers' reasons, the form's
    headings and what this command prints are worded in --lang, else the language of the
    result's suites when they all have one, else the locale's. Column names and the values
    reviewers type stay English."""
    from evalkit._i18n import say
    from evalkit.cli import echo_err, echo_out
    from evalkit.cli._lang import output_language
    from evalkit.errors import UsageError
    from evalkit.results.reader import iter_case_rows, load_summary
    from evalkit.results.writer import atomic_write_text
    from evalkit.review.sheet import choose, sheet_text

    try:
        language = output_language(lang, load_summary(result))
        metrics: set[str] = set()
        total = 0

        def counted() -> Iterator[CaseRow]:
            nonlocal total
            for row in iter_case_rows(result):
                total += 1
                metrics.update(row.get("scores", {}))
                yield row

        chosen = choose(counted(), n, seed)
        picked = [r for r in iter_case_rows(result) if (r["suite"], r["case"]) in chosen]
        critical = sum(1 for r in picked if r.get("critical"))
        try:
            atomic_write_text(out, sheet_text(picked, sorted(metrics), language))
            if html_file is not None:
                from evalkit.review.form import form_html

                atomic_write_text(html_file, form_html(picked, sorted(metrics), out.stem, language))
        except OSError as exc:
            raise UsageError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from exc
    except UsageError as exc:
        echo_err(f"error: {exc}")
        raise click.exceptions.Exit(2) from exc
    echo_out(
        say(
            "form_wrote_sheet",
            language,
            out=out,
            picked=len(picked),
            total=total,
            critical=critical,
            columns=", ".join(f"human_{m}" for m in sorted(metrics)),
            result=result,
        )
    )
    if html_file is not None:
        echo_out(say("form_wrote_html", language, file=html_file))


@command.command(name="import")
@click.argument("result", type=click.Path(path_type=Path))
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@lang_option
def import_(result: Path, files: tuple[Path, ...], lang: str | None = None) -> None:
    """Import filled review sheets FILES into RESULT and judge it again.

    Every sheet is checked first (nothing is written when one has a problem: exit 2, each
    problem with file:line:column and the fix). The reviews are appended to
    RESULT/reviews.jsonl (an audit trail, with reviewer and time) and RESULT/summary.json
    is rewritten: per metric with reviews a `review` block, and the status and verdict judged
    on the corrected failure rate. With no FILES, the summary is rewritten from the reviews
    already in RESULT/reviews.jsonl. Reviews of outputs that have changed since are reported
    as stale and not used.
    """
    from evalkit.cli import echo_err, echo_out
    from evalkit.errors import UsageError
    from evalkit.results.folderlock import hold_folder
    from evalkit.results.reader import iter_case_rows, load_summary, resolve
    from evalkit.results.writer import write_summary
    from evalkit.review.apply import (
        REVIEWS_NAME,
        append_reviews,
        apply_reviews,
        case_index,
        read_reviews,
        review_lines,
    )
    from evalkit.review.sheet import read_sheets

    try:
        folder = resolve(result).summary.parent
        load_summary(folder)
        index = case_index(iter_case_rows(folder))
        scored = {k: frozenset(i.flagged) for k, i in index.items()}
        reviews, problems = read_sheets(list(files), scored)
        if problems:
            raise UsageError(
                "\n".join(
                    [
                        *problems,
                        "nothing was imported: fix the sheets and run the same command again",
                    ]
                )
            )
        with hold_folder(folder):
            summary = load_summary(folder)  # again, holding the folder: the one we rewrite
            if reviews:
                append_reviews(folder, review_lines(reviews))
            applied = apply_reviews(summary, iter_case_rows(folder), read_reviews(folder))
            write_summary(folder / "summary.json", applied.summary)
    except UsageError as exc:
        echo_err(f"error: {exc}")
        raise click.exceptions.Exit(2) from exc
    except OSError as exc:
        echo_err(f"error: cannot write {folder}: {exc.strerror or exc}")
        raise click.exceptions.Exit(2) from exc
    echo_out(
        f"imported {len(reviews)} reviewed rows into {folder / REVIEWS_NAME}; "
        f"{applied.used} reviews count"
    )
    from evalkit._i18n import reason_texts, say
    from evalkit.cli._lang import output_language

    language = output_language(lang, applied.summary)
    for line in review_notes(applied, folder, language)[1:]:
        echo_out(line)
    for poc, entry in sorted(applied.summary["pocs"].items()):
        echo_out(say("review_verdict", language, poc=poc, verdict=entry["verdict"]))
        for reason in reason_texts(entry, language):
            echo_out(f"  - {reason}")
        for metric, m in sorted(entry["metrics"].items()):
            note = m.get("review", {}).get("note")
            if note:
                echo_out(f"  - {metric}: {note}")
            judge = m.get("review", {}).get("judge")
            if judge and judge.get("cases"):
                echo_out(f"  - {_judge_agreement(metric, judge, m['review'], language)}")


def _judge_agreement(
    metric: str, judge: dict[str, Any], review: dict[str, Any], language: str
) -> str:
    """The judge's agreement with the reviewers in words (the `review.judge` block)."""
    from evalkit._i18n import say

    kappa = judge.get("kappa")
    return say(
        "review_judge_agreement",
        language,
        metric=metric,
        agreed=round(judge["agreement"] * judge["cases"]),
        cases=judge["cases"],
        agreement=f"{judge['agreement']:.1%}",
        kappa="" if kappa is None else f"{kappa:.2f}",
        decided_by=review.get("decided_by", ""),
        judged=judge.get("judged_cases", judge["cases"]),
    )
