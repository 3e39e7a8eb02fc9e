"""`evalkit review sample|import` — human review sheets, and verdicts corrected by them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

__all__ = ["command"]


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
def sample(result: Path, n: int, seed: int, out: Path) -> None:
    """Write a review sheet of RESULT's cases: N drawn at random, stratified by each
    metric's automatic outcome, plus every critical case."""
    from evalkit.cli import echo_out
    from evalkit.errors import UsageError
    from evalkit.resultfiles import iter_case_rows, load_summary
    from evalkit.results import atomic_write_text
    from evalkit.review.sheet import choose, sheet_text

    try:
        load_summary(result)
        metrics: set[str] = set()
        total = 0

        def counted() -> Iterator[dict[str, Any]]:
            nonlocal total
            for row in iter_case_rows(result):
                total += 1
                metrics.update(row.get("scores", {}))
                yield row

        chosen = choose(counted(), n, seed)
        picked = [r for r in iter_case_rows(result) if (r["suite"], r["case"]) in chosen]
        critical = sum(1 for r in picked if r.get("critical"))
        try:
            atomic_write_text(out, sheet_text(picked, sorted(metrics)))
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from exc
    except UsageError as exc:
        click.echo(f"error: {exc}", err=True)
        raise click.exceptions.Exit(2) from exc
    echo_out(
        f"wrote {out}: {len(picked)} of {total} cases ({critical} critical); reviewers fill "
        f"{', '.join(f'human_{m}' for m in sorted(metrics))} (pass/fail), usable, correction, "
        f"risk, comment and reviewer, then: evalkit review import {result} {out}"
    )
