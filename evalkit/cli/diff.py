"""`evalkit diff OLD NEW` — what changed between two runs, and whether it is significant.

Exit codes: 0, or 3 when a `--fail-on` condition triggers; 2 when a result cannot be read.
"""

from __future__ import annotations

from pathlib import Path

import click

from evalkit.cli import echo_err, echo_out
from evalkit.cli._lang import lang_option

__all__ = ["command"]


@click.command(name="diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a PR comment or job summary, json for tools.",
)
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    type=click.Choice(["regression", "verdict-drop", "any-flip"]),
    help="Exit 3 when this happens (repeatable). verdict-drop: a PoC's verdict got worse; "
    "regression: a metric got significantly worse, or a verdict drop; any-flip: any case "
    "changed pass/fail.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.05,
    show_default=True,
    help="Significance level of the paired (McNemar) test.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the diff to this file instead of standard output.",
)
@lang_option
def command(
    old: Path,
    new: Path,
    fmt: str,
    fail_on: tuple[str, ...],
    alpha: float,
    out_file: Path | None,
    lang: str | None = None,
) -> None:
    """Compare two results OLD and NEW (result folders or their summary.json).

    Shows verdict changes per PoC, failure rates old → new per metric and tag with an exact
    paired McNemar test on the cases both runs share, the cases that flipped (newly failing
    first), cases only in one run, and what changed in prompts, models and parameters.
    Text and Markdown are worded in --lang, else the language of both results' suites when
    they all have one, else the locale's: headings, verdict reasons, flipped cases' reasons
    and the --fail-on lines. --format json is for tools: it keeps them as the results hold
    them (English), whatever --lang says.
    """
    from evalkit.cli._lang import output_language
    from evalkit.compare.diff import compare, triggered
    from evalkit.errors import UsageError
    from evalkit.report.diffview import render_json, render_markdown, render_text
    from evalkit.results.reader import load_summary

    try:
        # JSON is for tools: its reasons stay the stored (English) contract.
        language = (
            "en" if fmt == "json" else output_language(lang, load_summary(old), load_summary(new))
        )
        diff = compare(old, new, alpha=alpha, lang=language)
        reasons = triggered(diff, fail_on)
    except UsageError as exc:
        echo_err(f"error: {exc}")
        raise click.exceptions.Exit(2) from exc
    render = {"text": render_text, "markdown": render_markdown, "json": render_json}[fmt]
    text = render(diff)
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
    else:  # `evalkit diff … | head`: a reader gone early still gets diff's own exit code
        echo_out(text, nl=False)
    for reason in reasons:
        echo_err(f"fail-on {reason}")
    if reasons:
        raise click.exceptions.Exit(3)
