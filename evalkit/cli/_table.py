"""Terminal rendering of a summary: one table per PoC, then its verdict and reasons.

Reads the summary document (not internal values) so `run`, `merge` and `report` print the
same thing for the same result.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import click

from evalkit._i18n import decision, next_step, unsettled_texts, verdict_word

__all__ = ["render_summary"]

_COLOURS = {"continue": "green", "redesign": "yellow", "stop": "red"}
_STATUS = {"pass": "green", "miss": "yellow", "stop": "red", "unjudged": "white"}


def _width(text: str) -> int:
    """Display width: East Asian wide/full-width characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _row(label: str, m: Mapping[str, Any]) -> list[str]:
    ci = m.get("ci")
    bar = "—" if m.get("tolerable") is None else f"{_pct(m['tolerable'])} / {_pct(m['stop'])}"
    return [
        label,
        f"{m['failures']}/{m['total']}",
        _pct(m.get("rate")),
        "—" if not ci else f"{_pct(ci[0])}–{_pct(ci[1])}",
        bar,
        m.get("status", "unjudged"),
    ]


def render_summary(summary: Mapping[str, Any], colour: bool = True) -> str:
    """The per-PoC tables, verdicts and reasons as text (ANSI colours when `colour`)."""
    lines: list[str] = []
    header = ["metric", "failed", "rate", "95% CI", "tolerable / stop", "status"]
    for poc, p in sorted(summary.get("pocs", {}).items()):
        rows = []
        for metric, m in sorted(p["metrics"].items()):
            rows.append(_row(metric, m))
            for tag, t in sorted(m.get("by_tag", {}).items()):
                rows.append(_row(f"  [{tag}]", t))
        conf = next(
            (m.get("confidence") for m in p["metrics"].values() if m.get("confidence")), 0.95
        )
        header[3] = f"{conf * 100:g}% CI"
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        verdict = p["verdict"]
        phase = str(p.get("phase") or "poc")
        title = f"PoC {poc}: {verdict_word(verdict)} — {decision(phase, verdict)}"
        lines.append(click.style(title, fg=_COLOURS.get(verdict), bold=True) if colour else title)
        errors = p.get("errors", {})
        n_err = errors.get("count", 0)
        if p.get("cases") and n_err >= p["cases"]:
            lines.append(
                "  every case ended in a client error: this verdict says nothing about the model "
                "— fix the client and run again"
            )
        else:
            lines.append(f"  {next_step(phase, verdict)}")
        lines.append(
            f"  {p['cases']} case{'' if p['cases'] == 1 else 's'}, "
            f"{n_err} client error{'' if n_err == 1 else 's'}"
            + (f", {p['critical']['total']} critical" if p.get("critical", {}).get("total") else "")
        )
        lines.append("  " + "  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)))
        for r in rows:
            cells = [_pad(c, w) for c, w in zip(r, widths, strict=True)]
            if colour:
                cells[-1] = click.style(cells[-1], fg=_STATUS.get(r[-1].strip()))
            lines.append("  " + "  ".join(cells).rstrip())
        lines.append("  reasons:")
        for reason in p["reasons"]:
            lines.append(f"   - {reason}")
        open_points = unsettled_texts(p, summary)
        if open_points:
            lines.append("  unsettled for the next phase:")
            lines.extend(f"   - {u}" for u in open_points)
        lines.append("")
    worst = summary.get("verdict")
    if worst:
        n = len(summary.get("pocs", {}))
        text = f"Overall: {worst.upper()} (the worst verdict over {n} PoC{'' if n == 1 else 's'})"
        lines.append(click.style(text, fg=_COLOURS.get(worst), bold=True) if colour else text)
    return "\n".join(lines)
