"""Markdown summary of one result, for CI logs and GitHub's job summary.

Reads only `summary.json` (small), so it is cheap to print after every run: per PoC the
verdict, what it means, its reasons, and a table of metrics (and tags with their own bar)
with rate, interval, bars and status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalkit._i18n import decision, meaning, unsettled_texts, verdict_word
from evalkit.diffcases import metric_order
from evalkit.report._format import (
    STATUS_WORDS,
    VERDICT_ICON,
    ci_text,
    code,
    md,
    pct,
    plural,
    worst_first,
)
from evalkit.resultfiles import load_summary

__all__ = ["render_summary", "summary_markdown"]

_STATUS_ICON = {"pass": "✅", "miss": "⚠️", "stop": "⛔", "unjudged": "➖"}


def summary_markdown(result: Path | str) -> str:
    """The Markdown summary of a result folder or `summary.json` (raises `ResultError`)."""
    return render_summary(load_summary(result))


def _row(label: str, block: dict[str, Any]) -> str:
    status = str(block.get("status") or "unjudged")
    failed = f"{block.get('failures', '–')}/{block.get('total', '–')}"
    return (
        f"| {label} | {failed} | {pct(block.get('rate'))} | {ci_text(block.get('ci'))} "
        f"| {pct(block.get('tolerable'))} | {pct(block.get('stop'))} "
        f"| {_STATUS_ICON.get(status, '')} {STATUS_WORDS.get(status, md(status))} |"
    )


def render_summary(summary: dict[str, Any]) -> str:
    """Markdown for a loaded summary (see `evalkit.resultfiles.load_summary`)."""
    overall = str(summary.get("verdict") or "")
    out = [f"## {VERDICT_ICON.get(overall, '')} evalkit verdict: {overall or 'none'}".rstrip(), ""]
    for poc_name in worst_first(summary["pocs"]):
        poc = summary["pocs"][poc_name] or {}
        verdict = str(poc.get("verdict") or "")
        phase = str(poc.get("phase") or "poc")
        out.append(
            f"### {VERDICT_ICON.get(verdict, '')} {md(poc_name)}: "
            f"**{md(verdict_word(verdict))}** — {md(decision(phase, verdict))}"
        )
        out += ["", f"> {md(meaning(phase, verdict))}", ""]
        reasons = poc.get("reasons") or []
        out += [f"- {md(str(r))}" for r in reasons] or ["- (no reasons recorded)"]
        out.append("")
        open_points = unsettled_texts(poc, summary)
        if open_points:
            out += ["**Unsettled for the next phase:**", ""]
            out += [f"- {md(u)}" for u in open_points]
            out.append("")
        metrics = poc.get("metrics") or {}
        if metrics:
            confidence = next(
                (b.get("confidence") for b in metrics.values() if isinstance(b, dict)), 0.95
            )
            level = f"{round((confidence or 0.95) * 100):g}%"
            out += [
                f"| metric | failed | failure rate | {level} CI | tolerable | stop | status |",
                "|---|---|---|---|---|---|---|",
            ]
            for metric in metric_order(metrics):
                block = metrics[metric] or {}
                out.append(_row(md(metric), block))
                for tag, tag_block in sorted((block.get("by_tag") or {}).items()):
                    out.append(_row(f"{md(metric)} · tag {md(tag)}", tag_block or {}))
            out.append("")
        facts = _facts(poc)
        if facts:
            out += [facts, ""]
    cost = _cost(summary)
    if cost:
        out += [cost, ""]
    return "\n".join(out)


def _cost(summary: dict[str, Any]) -> str:
    """The run's estimated cost per currency (`run.cost`, from the suites' `pricing` and the
    token usage the clients reported); empty when nothing was priced."""
    costs = (summary.get("run") or {}).get("cost") or {}
    parts = []
    for currency, c in sorted(costs.items()):
        if not isinstance(c, dict) or not isinstance(c.get("total"), (int, float)):
            continue
        cases = c.get("cases") or 0
        per_case = c.get("per_case")
        each = f", {per_case:.6f} per case" if isinstance(per_case, (int, float)) else ""
        parts.append(f"{c['total']:.4f} {md(str(currency))} for {plural(int(cases), 'case')}{each}")
    if not parts:
        return ""
    return (
        "**Estimated cost:** "
        + "; ".join(parts)
        + " (from the suites' `pricing` and the token usage the model reported)"
    )


def _facts(poc: dict[str, Any]) -> str:
    parts = []
    if "cases" in poc:
        parts.append(plural(int(poc["cases"]), "case"))
    errors = poc.get("errors") or {}
    if errors.get("count"):
        within = "within" if errors.get("within") else "**over**"
        parts.append(
            f"{plural(errors['count'], 'client error')} ({pct(errors.get('rate'))}, {within} the "
            f"budget of {pct(errors.get('budget'))})"
        )
    critical = poc.get("critical") or {}
    if critical.get("total"):
        failed = critical.get("failed") or []
        errored = critical.get("errored") or []
        text = plural(int(critical["total"]), "critical case")
        if failed:
            text += ", failed: " + ", ".join(code(str(c)) for c in failed)
        if errored:
            text += ", errored: " + ", ".join(code(str(c)) for c in errored)
        parts.append(text)
    return " · ".join(parts)
