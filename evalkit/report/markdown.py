"""Markdown summary of one result, for CI logs and GitHub's job summary.

Reads only `summary.json` (small), so it is cheap to print after every run: per PoC the
verdict, what it means, its reasons, and a table of metrics (and tags with their own bar)
with rate, interval, bars and status.
"""

from __future__ import annotations

from pathlib import Path

from evalkit._i18n import (
    cost_line,
    decision,
    meaning,
    reason_texts,
    say,
    verdict_word,
)
from evalkit.common.text import percent
from evalkit.compare.cases import metric_order
from evalkit.report._format import VERDICT_ICON, ci_text, code, md, worst_first
from evalkit.report._review import review_head, review_rows, row_cells, stale_text
from evalkit.results.documents import Assessment, Critical, Errors, PocSummary, Summary
from evalkit.results.reader import load_summary
from evalkit.verdict.unsettled import unsettled_texts

__all__ = ["render_summary", "summary_markdown"]

_STATUS_ICON = {"pass": "✅", "miss": "⚠️", "stop": "⛔", "unjudged": "➖"}


def summary_markdown(result: Path | str, lang: str = "en") -> str:
    """The Markdown summary of a result folder or `summary.json` in `lang` (raises
    `ResultError`)."""
    return render_summary(load_summary(result), lang)


def _row(label: str, block: Assessment, lang: str) -> str:
    status = str(block.get("status") or "unjudged")
    failed = f"{block.get('failures', '–')}/{block.get('total', '–')}"
    return (
        f"| {label} | {failed} | {percent(block.get('rate'))} | {ci_text(block.get('ci'))} "
        f"| {percent(block.get('tolerable'))} | {percent(block.get('stop'))} "
        f"| {_STATUS_ICON.get(status, '')} {md(say('status_word_' + status, lang)) if status in _STATUS_ICON else md(status)} |"
    )


def render_summary(summary: Summary, lang: str = "en") -> str:
    """Markdown for a loaded summary (see `evalkit.results.reader.load_summary`), in `lang`."""
    overall = str(summary.get("verdict") or "")
    title = say(
        "md_title",
        lang,
        icon=VERDICT_ICON.get(overall, ""),
        verdict=overall or say("no_verdict", lang),
        word=verdict_word(overall, lang) if overall else say("no_verdict", lang),
    )
    out = [title.rstrip(), ""]
    for poc_name in worst_first(summary["pocs"]):
        poc = summary["pocs"][poc_name] or {}
        verdict = str(poc.get("verdict") or "")
        phase = str(poc.get("phase") or "poc")
        out.append(
            say(
                "md_poc",
                lang,
                icon=VERDICT_ICON.get(verdict, ""),
                name=md(poc_name),
                word=md(verdict_word(verdict, lang)),
                decision=md(decision(phase, verdict, lang)),
            )
        )
        out += ["", f"> {md(meaning(phase, verdict, lang))}", ""]
        reasons = reason_texts(poc, lang)
        out += [f"- {md(r)}" for r in reasons] or [f"- {say('no_reasons', lang)}"]
        out.append("")
        open_points = unsettled_texts(poc, summary, lang)
        if open_points:
            out += [say("md_unsettled", lang), ""]
            out += [f"- {md(u)}" for u in open_points]
            out.append("")
        metrics = poc.get("metrics") or {}
        if metrics:
            confidence = next(
                (b.get("confidence") for b in metrics.values() if isinstance(b, dict)), 0.95
            )
            level = f"{round((confidence or 0.95) * 100):g}%"
            out += [say("md_header", lang, level=level), "|---|---|---|---|---|---|---|"]
            for metric in metric_order(metrics):
                block = metrics[metric]
                out.append(_row(md(metric), block, lang))
                for tag, tag_block in sorted((block.get("by_tag") or {}).items()):
                    out.append(
                        _row(
                            say("md_tag", lang, metric=md(metric), tag=md(tag)),
                            tag_block,
                            lang,
                        )
                    )
            out.append("")
        out += _review(poc, lang)
        facts = _facts(poc, lang)
        if facts:
            out += [facts, ""]
        if poc.get("cost_projection"):
            out += [md(cost_line(poc["cost_projection"], lang)), ""]
    stale = stale_text(summary, lang)
    if stale:
        out += [say("md_reviews_stale", lang, stale=md(stale)), ""]
    cost = _cost(summary, lang)
    if cost:
        out += [cost, ""]
    return "\n".join(out)


def _review(poc: PocSummary, lang: str) -> list[str]:
    """The human review of the PoC's metrics: the scorer against the reviewers and the
    corrected rate the verdict used (nothing when no metric was reviewed)."""
    rows = review_rows(poc)
    if not rows:
        return []
    head = review_head(lang)
    out = [say("md_review", lang), "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(md(c) for c in row_cells(r, lang)) + " |" for r in rows]
    out.append("")
    notes = [f"- {md(r.metric)}: {md(r.note)}" for r in rows if r.note]
    return out + (notes + [""] if notes else [])


def _cost(summary: Summary, lang: str) -> str:
    """The run's estimated cost per currency (`run.cost`, from the suites' `pricing` and the
    token usage the clients reported); empty when nothing was priced."""
    costs = (summary.get("run") or {}).get("cost") or {}
    parts = []
    for currency, c in sorted(costs.items()):
        if not isinstance(c, dict) or not isinstance(c.get("total"), (int, float)):
            continue
        per_case = c.get("per_case")
        each = (
            say("cost_each", lang, per_case=f"{per_case:.6f}")
            if isinstance(per_case, (int, float))
            else ""
        )
        parts.append(
            say(
                "cost_part",
                lang,
                total=f"{c['total']:.4f}",
                currency=md(str(currency)),
                cases=int(c.get("cases") or 0),
                each=each,
            )
        )
    if not parts:
        return ""
    return say("md_cost", lang, parts="; ".join(parts))


def _facts(poc: PocSummary, lang: str) -> str:
    parts = []
    if "cases" in poc:
        parts.append(say("fact_cases", lang, n=int(poc["cases"])))
    errors: Errors = poc.get("errors") or {}
    if errors.get("count"):
        parts.append(
            say(
                "md_fact_errors" if errors.get("within") else "md_fact_errors_over",
                lang,
                n=errors["count"],
                rate=percent(errors.get("rate")),
                budget=percent(errors.get("budget")),
            )
        )
    critical: Critical = poc.get("critical") or {}
    if critical.get("total"):
        failed = critical.get("failed") or []
        errored = critical.get("errored") or []
        text = say("fact_critical", lang, n=int(critical["total"]))
        if failed:
            text += say("fact_failed", lang, ids=", ".join(code(str(c)) for c in failed))
        if errored:
            text += say("fact_errored", lang, ids=", ".join(code(str(c)) for c in errored))
        parts.append(text)
    return " · ".join(parts)
