"""The charts of the HTML report: per metric (and per tag) the failure rate and its
interval against the tolerable and stop bars, as inline SVG (no script, no network).
Every label is escaped; the axis of a PoC's charts is shared so that bars compare."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit._i18n import say
from evalkit.common.text import percent
from evalkit.compare.cases import metric_order
from evalkit.report._format import ci_text
from evalkit.report._format import html_text as _e
from evalkit.results.documents import Assessment, PocSummary

__all__ = ["axis_top", "chart_svg", "charts"]

_STATUSES = ("pass", "miss", "stop", "unjudged")


def axis_top(values: Any) -> float:
    """The right end of a chart axis that shows every rate in `values` (None ignored): a
    quarter more than the largest, at least 10%, rounded up to 5%, at most 100%."""
    known = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    top = min(1.0, max(0.1, max(known, default=0.0) * 1.25))
    return float(min(1.0, -(-top * 20 // 1) / 20))


def chart_svg(
    rate: float | None,
    ci: Any,
    tolerable: float | None,
    stop: float | None,
    title: str,
    top: float | None = None,
    judged: bool = True,
    lang: str = "en",
) -> str:
    """An inline SVG bar: the failure rate (dot) and its interval (line) over coloured zones:
    green up to `tolerable`, amber up to `stop`, red beyond. All rates are in [0, 1].

    `top` is the axis's right end (None: fitted to this bar alone); the charts of one PoC
    share one, so their bars can be compared. `judged` False: a rate with no bar of its
    own (a tag under its metric's bar) — drawn on a neutral ground with the metric's bars
    as grey marks, so it is not read as passing or missing anything."""
    lo, hi = (ci[0], ci[1]) if isinstance(ci, list | tuple) and len(ci) == 2 else (None, None)
    if top is None:
        top = axis_top((rate, hi, tolerable, stop))
    x0, width = 10.0, 580.0

    def x(v: float) -> float:
        return round(x0 + width * min(max(v, 0.0), top) / top, 1)

    parts = [
        f'<svg viewBox="0 0 600 62" role="img" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{_e(title)}</title>"
    ]
    zones: list[tuple[float, float, str]] = []
    if not judged:
        zones.append((0.0, top, "#eceff1"))
    elif tolerable is not None:
        zones.append((0.0, tolerable, "#d7f0dc"))
        zones.append((tolerable, stop if stop is not None else top, "#fde7c8"))
    if stop is not None and judged:
        zones.append((stop, top, "#f9d0d0"))
    if not zones:
        zones.append((0.0, top, "#eceff1"))
    for a, b, colour in zones:
        if b > a:
            parts.append(
                f'<rect x="{x(a)}" y="18" width="{round(x(b) - x(a), 1)}" height="22" '
                f'fill="{colour}"/>'
            )
    grey = "#80868b"
    if tolerable is not None and tolerable <= top:
        colour = "#1a7f37" if judged else grey
        parts.append(
            _mark(x(tolerable), 12, say("chart_tolerable", lang, at=percent(tolerable)), colour)
        )
    if stop is not None and stop <= top:
        parts.append(
            _mark(
                x(stop),
                56,
                say("chart_stop", lang, at=percent(stop)),
                "#c62828" if judged else grey,
            )
        )
    parts.append(f'<text x="{x0}" y="56" font-size="11" fill="#5f6368">0%</text>')
    parts.append(
        f'<text x="{x0 + width}" y="56" font-size="11" fill="#5f6368" '
        f'text-anchor="end">{percent(top, 0)}</text>'
    )
    if isinstance(lo, int | float) and isinstance(hi, int | float):
        parts.append(
            f'<line x1="{x(lo)}" y1="29" x2="{x(hi)}" y2="29" stroke="#1f2328" '
            f'stroke-width="3"/><line x1="{x(lo)}" y1="23" x2="{x(lo)}" y2="35" '
            f'stroke="#1f2328" stroke-width="2"/><line x1="{x(hi)}" y1="23" x2="{x(hi)}" '
            f'y2="35" stroke="#1f2328" stroke-width="2"/>'
        )
    if isinstance(rate, int | float):
        parts.append(
            f'<circle cx="{x(rate)}" cy="29" r="6" fill="#1f2328" stroke="#fff" stroke-width="2"/>'
        )
    else:
        parts.append(
            '<text x="300" y="33" font-size="12" text-anchor="middle">'
            f"{_e(say('chart_no_cases', lang))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _mark(at: float, label_y: int, label: str, colour: str) -> str:
    return (
        f'<line x1="{at}" y1="16" x2="{at}" y2="42" stroke="{colour}" stroke-width="2" '
        f'stroke-dasharray="4 2"/><text x="{at}" y="{label_y}" font-size="11" fill="{colour}" '
        f'text-anchor="middle">{_e(label)}</text>'
    )


def _chart_row(
    label: str,
    block: Mapping[str, Any],
    bar: Assessment,
    is_tag: bool,
    top: float | None = None,
    judged: bool = True,
    lang: str = "en",
    seen: str | None = None,
) -> str:
    """One chart with its label. `seen` overrides the "N of M failed" words; a `status`
    of "scorer" marks the scorer's own bar of a metric judged on its corrected rate."""
    rate, ci = block.get("rate"), block.get("ci")
    tolerable, stop = bar.get("tolerable"), bar.get("stop")
    status = str(block.get("status") or ("" if is_tag else "unjudged"))
    failures, total = block.get("failures"), block.get("total")
    if seen is None:
        seen = (
            say("chart_seen", lang, failures=failures, total=total, rate=percent(rate))
            if total
            else say("chart_none_scored", lang)
        )
    title = say("chart_title", lang, label=label, seen=seen, ci=ci_text(ci))
    if tolerable is not None:
        title += say(
            "chart_title_tolerable" if judged else "chart_title_metric_tolerable",
            lang,
            at=percent(tolerable),
        )
    if stop is not None:
        title += say(
            "chart_title_stop" if judged else "chart_title_metric_stop", lang, at=percent(stop)
        )
    if not judged:
        title += say("chart_title_unjudged", lang)
    status_html = (
        f' · <span class="muted">{_e(say("chart_judged_below", lang))}</span>'
        if status == "scorer"
        else f' · <span class="status-{_e(status)}">{_e(say("status_word_" + status, lang) if status in _STATUSES else status)}</span>'
        if status
        else ""
    )
    return (
        f'<div class="chart{" chart-tag" if is_tag else ""}"><div class="label"><b>{_e(label)}</b>'
        f'<br><span class="small">{_e(say("chart_likely", lang, seen=seen, ci=ci_text(ci)))}</span>{status_html}'
        f"</div>{chart_svg(rate, ci, tolerable, stop, title, top, judged, lang)}</div>"
    )


def _poc_axis(poc: PocSummary) -> float:
    """One axis for every chart of a PoC (metrics and tags), so bars compare at a glance."""
    values: list[Any] = []

    def add(block: Any) -> None:
        if isinstance(block, dict):
            ci = block.get("ci")
            hi = ci[1] if isinstance(ci, list) and len(ci) == 2 else None
            values.extend((block.get("rate"), hi, block.get("tolerable"), block.get("stop")))

    for block in (poc.get("metrics") or {}).values():
        add(block)
        for tag_block in ((block or {}).get("by_tag") or {}).values():
            add(tag_block)
    for per_metric in (poc.get("tags") or {}).values():
        for counts in (per_metric or {}).values():
            add(counts)
    return axis_top(values)


def charts(poc: PocSummary, lang: str) -> str:
    """Per metric: its chart, the tags with a bar of their own (judged), then — collapsed —
    the other tags' rates for comparison, drawn as not judged."""
    metrics = poc.get("metrics") or {}
    tag_blocks = poc.get("tags") or {}
    top = _poc_axis(poc)
    out = []
    for metric in metric_order(metrics):
        block = metrics[metric]
        out += _metric_charts(metric, block, top, lang)
        by_tag = block.get("by_tag") or {}
        for tag in sorted(by_tag):
            label = say("chart_tag", lang, tag=tag)
            out.append(_chart_row(label, by_tag[tag], by_tag[tag], True, top, lang=lang))
        others = sorted(t for t, m in tag_blocks.items() if metric in (m or {}) and t not in by_tag)
        if others:
            rows = "".join(
                _chart_row(
                    say("chart_tag", lang, tag=tag),
                    tag_blocks[tag][metric],
                    block,
                    True,
                    top,
                    False,
                    lang,
                )
                for tag in others
            )
            summary = say("chart_other_tags", lang, metric=metric, n=len(others))
            out.append(
                f'<details class="tag-rates"><summary>{_e(summary)}</summary>{rows}</details>'
            )
    return "".join(out)


def _metric_charts(metric: str, block: Assessment, top: float, lang: str) -> list[str]:
    """A metric's chart; for one judged on its corrected rate (human review), the scorer's
    bar without a status and the corrected one, which carries it, under it."""
    review = block.get("review")
    if not isinstance(review, dict) or not isinstance(review.get("rate"), int | float):
        return [_chart_row(metric, block, block, False, top, lang=lang)]
    scorer = say(
        "chart_scorer_seen",
        lang,
        failures=block.get("failures"),
        total=block.get("total"),
        rate=percent(block.get("rate")),
    )
    corrected = {"rate": review["rate"], "ci": review.get("ci"), "status": block.get("status")}
    seen = say(
        "chart_corrected_seen", lang, cases=review.get("cases"), rate=percent(review["rate"])
    )
    return [
        _chart_row(
            metric, {**block, "status": "scorer"}, block, False, top, lang=lang, seen=scorer
        ),
        _chart_row(say("chart_corrected", lang), corrected, block, True, top, lang=lang, seen=seen),
    ]
