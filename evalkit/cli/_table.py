"""Terminal rendering of a summary: one table per PoC, then its verdict and reasons.

Reads the summary document (not internal values) so `run`, `merge` and `report` print the
same thing for the same result.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import click

from evalkit._i18n import (
    cost_line,
    decision,
    next_step,
    reason_texts,
    say,
    verdict_word,
)
from evalkit.common.text import percent
from evalkit.report._review import review_line, review_rows
from evalkit.results.documents import Summary
from evalkit.verdict.unsettled import unsettled_texts

__all__ = ["render_summary"]

_NONE = "—"  # a rate the table has not got
_COLOURS = {"continue": "green", "redesign": "yellow", "stop": "red"}
_STATUS = {"pass": "green", "miss": "yellow", "stop": "red", "unjudged": "white"}


def _width(text: str) -> int:
    """Display width: East Asian wide/full-width characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _row(label: str, m: Mapping[str, Any], lang: str) -> list[str]:
    ci = m.get("ci")
    bar = (
        "—"
        if m.get("tolerable") is None
        else f"{percent(m['tolerable'], missing=_NONE)} / {percent(m['stop'], missing=_NONE)}"
    )
    return [
        label,
        f"{m['failures']}/{m['total']}",
        percent(m.get("rate"), missing=_NONE),
        "—" if not ci else f"{percent(ci[0], missing=_NONE)}–{percent(ci[1], missing=_NONE)}",
        bar,
        say("status_" + str(m.get("status", "unjudged")), lang),
    ]


def render_summary(summary: Summary, colour: bool = True, lang: str = "en") -> str:
    """The per-PoC tables, verdicts and reasons as text in `lang` (ANSI colours when
    `colour`)."""
    lines: list[str] = []
    header = [
        say("col_metric", lang),
        say("col_failed", lang),
        say("col_rate", lang),
        "",
        say("col_bars", lang),
        say("col_status", lang),
    ]
    for poc, p in sorted(summary.get("pocs", {}).items()):
        rows = []  # cells; the last is the status, coloured by `statuses` (the raw values)
        statuses = []
        for metric, m in sorted(p["metrics"].items()):
            rows.append(_row(metric, m, lang))
            statuses.append(str(m.get("status", "unjudged")))
            for tag, t in sorted(m.get("by_tag", {}).items()):
                rows.append(_row(f"  [{tag}]", t, lang))
                statuses.append(str(t.get("status", "unjudged")))
        conf = next((c for m in p["metrics"].values() if (c := m.get("confidence"))), 0.95)
        header[3] = say("col_ci", lang, level=f"{conf * 100:g}%")
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        verdict = p["verdict"]
        phase = str(p.get("phase") or "poc")
        title = say(
            "poc_title",
            lang,
            poc=poc,
            word=verdict_word(verdict, lang),
            decision=decision(phase, verdict, lang),
        )
        lines.append(click.style(title, fg=_COLOURS.get(verdict), bold=True) if colour else title)
        errors = p.get("errors", {})
        n_err = errors.get("count", 0)
        if p.get("cases") and n_err >= p["cases"]:
            lines.append("  " + say("all_errored", lang))
        else:
            lines.append(f"  {next_step(phase, verdict, lang)}")
        critical = p.get("critical", {}).get("total")
        lines.append(
            "  "
            + say("counts_line", lang, cases=p["cases"], errors=n_err)
            + (say("counts_critical", lang, critical=critical) if critical else "")
        )
        lines.append("  " + "  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)))
        for r, status in zip(rows, statuses, strict=True):
            cells = [_pad(c, w) for c, w in zip(r, widths, strict=True)]
            if colour:
                cells[-1] = click.style(cells[-1], fg=_STATUS.get(status))
            lines.append("  " + "  ".join(cells).rstrip())
        if p.get("cost_projection"):
            lines.append("  " + cost_line(p["cost_projection"], lang))
        reviewed = review_rows(p)
        if reviewed:
            lines.append("  " + say("rev_heading", lang))
            lines.extend(f"   - {review_line(r, lang)}" for r in reviewed)
        lines.append("  " + say("reasons_heading", lang))
        for reason in reason_texts(p, lang):
            lines.append(f"   - {reason}")
        open_points = unsettled_texts(p, summary, lang)
        if open_points:
            lines.append("  " + say("unsettled_heading", lang))
            lines.extend(f"   - {u}" for u in open_points)
        lines.append("")
    worst = summary.get("verdict")
    if worst:
        n = len(summary.get("pocs", {}))
        text = say("overall", lang, word=verdict_word(worst, lang), pocs=n)
        lines.append(click.style(text, fg=_COLOURS.get(worst), bold=True) if colour else text)
    return "\n".join(lines)
