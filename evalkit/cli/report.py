"""`evalkit report RESULT` — a result as a Markdown summary, an HTML report, or JUnit XML."""

from __future__ import annotations

from pathlib import Path

import click

from evalkit.cli import echo_err, echo_out
from evalkit.cli._lang import lang_option

__all__ = ["command"]


@click.command(name="report")
@click.argument("result", type=click.Path(path_type=Path))
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a self-contained HTML report (one file, opens from disk) here.",
)
@click.option(
    "--markdown",
    "markdown_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the Markdown summary here (e.g. $GITHUB_STEP_SUMMARY) instead of printing it.",
)
@click.option(
    "--junit",
    "junit_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write JUnit XML (one testcase per case and metric) here.",
)
@lang_option
def command(
    result: Path,
    html_file: Path | None,
    markdown_file: Path | None,
    junit_file: Path | None,
    lang: str | None,
) -> None:
    """Render RESULT (a result folder or its summary.json).

    With no option, prints the Markdown summary: the verdict per PoC, its reasons, and each
    metric's failure rate, interval and bar. With --html, --markdown or --junit, writes those
    files and prints their paths. The Markdown, the HTML and JUnit XML's reasons speak
    --lang, else the language of the result's suites, else the locale's (summary.json stays
    English).
    """
    from evalkit.cli._lang import output_language
    from evalkit.errors import UsageError
    from evalkit.report.html import write_html
    from evalkit.report.junit import write_junit
    from evalkit.report.markdown import summary_markdown
    from evalkit.results.reader import check_cases_file, load_summary

    try:
        # Every form checks the summary, and that the rows beside it are the ones it was
        # written with, first (the Markdown summary reads no row and JUnit no summary, but
        # a damaged or mixed result folder must not yield a green report).
        language = output_language(lang, load_summary(result))
        check_cases_file(result)
        if html_file is None and markdown_file is None and junit_file is None:
            echo_out(summary_markdown(result, language), nl=False)
            return
        if markdown_file is not None:
            markdown_file.parent.mkdir(parents=True, exist_ok=True)
            with markdown_file.open(
                "a" if _is_step_summary(markdown_file) else "w", encoding="utf-8"
            ) as handle:
                handle.write(summary_markdown(result, language))
            echo_out(str(markdown_file))
        if html_file is not None:
            echo_out(str(write_html(result, html_file, language)))
        if junit_file is not None:
            write_junit(result, junit_file, language)
            echo_out(str(junit_file))
    except UsageError as exc:
        echo_err(f"error: {exc}")
        raise click.exceptions.Exit(2) from exc


def _is_step_summary(path: Path) -> bool:
    """GitHub's job summary file is appended to, never overwritten (other steps write it too)."""
    import os

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    return target is not None and target != "" and Path(target).resolve() == path.resolve()
