"""The Markdown summary for CI logs, and `evalkit report` without --html."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from evalkit.cli.report import command
from evalkit.report.markdown import summary_markdown


def test_markdown_puts_the_worst_verdict_first_with_its_meaning(
    make_realistic: Callable[..., Path],
) -> None:
    text = summary_markdown(make_realistic())
    assert text.startswith("## 🟠 evalkit verdict: redesign")
    assert text.index("support-bot: **REDESIGN**") < text.index("doc-summary: **CONTINUE**")
    assert "> Not there yet" in text


def test_markdown_metric_table_has_rate_interval_bar_and_status(
    make_realistic: Callable[..., Path],
) -> None:
    text = summary_markdown(make_realistic())
    assert "| metric | failed | failure rate | 95% CI | tolerable | stop | status |" in text
    assert "| accuracy | 7/39 | 17.9% | 10.4%–32.9% | 10.0% | 40.0% | ⚠️ misses the bar |" in text
    assert "| hallucination · tag billing |" in text
    assert "1 client error (2.5%, within the budget of 5.0%)" in text


def test_markdown_escapes_reason_text(make_realistic: Callable[..., Path]) -> None:
    assert "- hallucination \\[billing\\]: not enough evidence" in summary_markdown(
        make_realistic()
    )


def test_report_command_prints_markdown_by_default(make_realistic: Callable[..., Path]) -> None:
    result = CliRunner().invoke(command, [str(make_realistic())])
    assert result.exit_code == 0
    assert "support-bot: **REDESIGN**" in result.output


def test_report_command_writes_html_and_prints_its_path(
    make_realistic: Callable[..., Path], tmp_path: Path
) -> None:
    out = tmp_path / "r" / "report.html"
    result = CliRunner().invoke(command, [str(make_realistic()), "--html", str(out)])
    assert result.exit_code == 0
    assert result.output.strip() == str(out) and out.read_text(encoding="utf-8").startswith(
        "<!DOCTYPE html>"
    )


def test_report_command_exits_2_on_a_missing_result(tmp_path: Path) -> None:
    result = CliRunner().invoke(command, [str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "error:" in result.output and "no such result folder" in result.output


def test_markdown_option_appends_to_the_github_step_summary(
    make_realistic: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = CliRunner().invoke(command, [str(make_realistic()), "--markdown", str(summary)])
    assert result.exit_code == 0
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## 🟠 evalkit verdict: redesign")


def test_markdown_shows_the_estimated_cost(tmp_path: Path) -> None:
    import json

    from conftest import realistic_result

    from evalkit.report.markdown import summary_markdown

    folder = realistic_result(tmp_path / "r")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert "Estimated cost" not in summary_markdown(folder)
    summary["run"]["cost"] = {"USD": {"total": 0.01234, "cases": 40, "per_case": 0.0003085}}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    text = summary_markdown(folder)
    assert "**Estimated cost:** 0.0123 USD for 40 cases, 0.000309 per case" in text
