"""The self-contained HTML report of one result: one file, no network, opens from disk.

Written for a PoC owner who is not an engineer: each PoC's verdict comes first, big and
coloured, with a sentence saying what it means and the reasons; then a chart per metric and
per tag of the failure rate and its interval against the tolerable and stop bars; then a
searchable, filterable table of cases (failed first).

Safety: every value from the result is escaped. Text placed in HTML goes through
`html.escape`; the cases are embedded as JSON in a `<script type="application/json">` tag with
`<`, `>` and `&` written as `\\u003c`-style escapes, so an output containing `</script>` cannot
end the tag; the page's script puts them on screen with `textContent`.

Scale: the case table is rendered by the page's script one page (50 rows) at a time, so a
result of 10,000 cases opens without freezing the browser. Very long strings are cut at
`MAX_TEXT` characters in the embedded data. At most `MAX_CASES` cases are embedded — failed
and errored ones first — and the page says how many more are in `cases.jsonl`: a
million-case result still makes a report of a few MB, in bounded memory.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from evalkit._i18n import (
    case_reason_text,
    cost_line,
    decision,
    meaning,
    phase_name,
    reason_texts,
    say,
)
from evalkit.common.filemode import match_umask
from evalkit.common.jsonio import escape_surrogates
from evalkit.common.text import percent
from evalkit.compare.cases import metric_order
from evalkit.report._assets import CSS, JS
from evalkit.report._format import html_text as _e
from evalkit.report._format import worst_first
from evalkit.report._review import review_head, review_rows, row_cells, stale_text
from evalkit.report.html_charts import charts
from evalkit.results.documents import CaseRow, Critical, Errors, PocSummary, Summary
from evalkit.results.reader import iter_case_rows, load_summary, resolve
from evalkit.verdict.unsettled import unsettled_texts

__all__ = ["build_html", "write_html", "case_data", "MAX_TEXT", "MAX_CASES"]

MAX_TEXT = 20_000
_STATUS_ORDER = {"fail": 0, "error": 1, "pass": 2, "none": 3}


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + f"… [cut: {len(value) - MAX_TEXT} more characters]"
    return value


def _texts(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    return [
        _clip(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True))
        for v in values
    ]


def _compact(row: CaseRow, lang: str = "en") -> dict[str, Any]:
    """One case row in the short-keyed shape the page's script reads (see `_assets.JS`),
    each scorer's reason worded in `lang` (`case_reason_text`)."""
    scores = []
    for metric in metric_order((row.get("scores") or {}).keys()):
        s = row["scores"][metric]
        if not isinstance(s, dict):
            continue
        score = s.get("score")
        scores.append(
            [
                metric,
                bool(s.get("passed")),
                round(score, 2) if isinstance(score, int | float) else None,
                _clip(case_reason_text(s, lang)),
            ]
        )
    if row.get("error"):
        status = "error"
    elif any(not s[1] for s in scores):
        status = "fail"
    else:
        status = "pass" if scores else "none"
    out: dict[str, Any] = {
        "s": row["suite"],
        "c": row["case"],
        "p": row.get("poc") or "",
        "st": status,
        "pr": _clip(row.get("prompt")),
        "o": [_clip(o) if isinstance(o, str) else None for o in (row.get("outputs") or [])],
        "sc": scores,
    }
    optional = {
        "t": [str(t) for t in row.get("tags") or []],
        "k": bool(row.get("critical")),
        "l": row.get("labels") or [],
        "rf": _texts(row.get("references")),
        "cx": _clip(row.get("context")),
        "fb": _texts(row.get("forbidden")),
        "e": _clip(row.get("error")),
        "ek": row.get("error_kind"),
    }
    optional["ob"] = _sample_flags(row, len(out["o"]))
    out.update({k: v for k, v in optional.items() if v})
    if row.get("answerable") is False:
        out["an"] = False
    return out


def _sample_flags(row: CaseRow, n_outputs: int) -> list[list[str]]:
    """Per output, the metrics whose scorer marked that sample as failed (from the scorers'
    `details.passed` lists, when they give one per output); empty when none do."""
    flags: list[list[str]] = [[] for _ in range(n_outputs)]
    for metric in metric_order((row.get("scores") or {}).keys()):
        details = (row["scores"][metric] or {}).get("details") or {}
        passed = details.get("passed") if isinstance(details, dict) else None
        if isinstance(passed, list) and len(passed) == n_outputs:
            for i, ok in enumerate(passed):
                if ok is False:
                    flags[i].append(metric)
    return flags if any(flags) else []


MAX_CASES = 10_000


def case_data(
    result: Path | str, limit: int = MAX_CASES, lang: str = "en"
) -> tuple[list[dict[str, Any]], int]:
    """The cases of a result, compacted for the page, failed first then errored, then passed
    (file order within each group), at most `limit` of them; and how many cases the result
    has. Empty when the result has no `cases.jsonl`. Streams the file: each status group
    keeps at most `limit` rows."""
    paths = resolve(result)
    if paths.cases is None:
        return [], 0
    groups: dict[str, list[dict[str, Any]]] = {status: [] for status in _STATUS_ORDER}
    total = 0
    for row in iter_case_rows(paths.cases):
        total += 1
        compact = _compact(row, lang)
        group = groups[compact["st"]]
        if len(group) < limit:
            group.append(compact)
    rows = [r for status in _STATUS_ORDER for r in groups[status]]
    return rows[:limit], total


def _json_for_script(data: Any) -> str:
    """JSON that is safe inside a `<script>` element whatever the strings contain."""
    text = escape_surrogates(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _review_table(poc: PocSummary, summary: Summary, lang: str) -> str:
    """The PoC's human review: per reviewed metric the scorer against the reviewers and the
    corrected rate its status was judged on; the result's stale reviews."""
    rows = review_rows(poc)
    if not rows:
        return ""
    stale = stale_text(summary, lang)
    head = "".join(f"<th>{_e(h)}</th>" for h in review_head(lang))
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row_cells(r, lang)) + "</tr>" for r in rows
    )
    notes = "".join(f"<li>{_e(r.metric)}: {_e(r.note)}</li>" for r in rows if r.note)
    return (
        f"<h3>{_e(say('html_review', lang))}</h3>"
        f'<p class="legend">{_e(say("html_review_legend", lang))}</p>'
        f'<table class="review"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        + (f'<ul class="review-notes">{notes}</ul>' if notes else "")
        + (f'<p class="facts">{_e(stale)}</p>' if stale else "")
    )


def _poc_section(name: str, poc: PocSummary, summary: Summary, lang: str = "en") -> str:
    verdict = str(poc.get("verdict") or "")
    open_points = "".join(f"<li>{_e(u)}</li>" for u in unsettled_texts(poc, summary, lang))
    unsettled = (
        f'<h3>{_e(say("html_unsettled", lang))}</h3><ul class="unsettled">{open_points}</ul>'
        if open_points
        else ""
    )
    phase = str(poc.get("phase") or "poc")
    block = poc.get("cost_projection")
    projection = f'<p class="cost-projection">{_e(cost_line(block, lang))}</p>' if block else ""
    reasons = "".join(f"<li>{_e(r)}</li>" for r in reason_texts(poc, lang))
    facts = []
    if "cases" in poc:
        facts.append(say("fact_cases", lang, n=int(poc["cases"])))
    errors: Errors = poc.get("errors") or {}
    if errors.get("count"):
        facts.append(
            say(
                "html_fact_errors",
                lang,
                n=errors["count"],
                rate=percent(errors.get("rate")),
                budget=percent(errors.get("budget")),
            )
        )
    critical: Critical = poc.get("critical") or {}
    if critical.get("total"):
        failed = critical.get("failed") or []
        facts.append(
            say("fact_critical", lang, n=int(critical["total"]))
            + (
                say("fact_failed", lang, ids=", ".join(map(str, failed)))
                if failed
                else say("fact_none_failed", lang)
            )
        )
    shown = say("verdict_badge_" + verdict, lang) if verdict in _VERDICTS else verdict
    return (
        f'<section class="poc" data-poc="{_e(name)}"><h2>{_e(name)}</h2>'
        f'<div class="poc-head"><span class="verdict {_e(verdict)}" data-verdict="{_e(verdict)}">'
        f'{_e(shown or say("no_verdict", lang))}</span><p class="meaning">'
        f'<strong class="decision" data-phase="{_e(phase)}">'
        f"{_e(say('html_decision', lang, phase=phase_name(phase, lang), decision=decision(phase, verdict, lang)))}"
        f"</strong> {_e(meaning(phase, verdict, lang))}</p></div>"
        f'<h3>{_e(say("html_why", lang))}</h3><ul class="reasons">'
        f"{reasons or '<li>' + _e(say('no_reasons', lang)) + '</li>'}</ul>"
        f"{unsettled}"
        f'<p class="facts">{_e(" · ".join(facts))}</p>'
        f"{projection}"
        f"<h3>{_e(say('html_rates', lang))}</h3>"
        f'<p class="legend">{_e(say("html_legend", lang))}</p>{charts(poc, lang)}'
        f"{_review_table(poc, summary, lang)}</section>"
    )


def _run_info(summary: Summary, lang: str) -> str:
    run = summary.get("run") or {}
    prov = summary.get("provenance") or {}
    bits = []
    if run.get("started_at"):
        bits.append(say("html_run_at", lang, at=run["started_at"]))
    if prov.get("evalkit_version"):
        bits.append(f"evalkit {prov['evalkit_version']}")
    suites = []
    for name, s in sorted((prov.get("suites") or {}).items()):
        client = (s or {}).get("client") or {}
        model = client.get("model") or client.get("spec") or "?"
        suites.append(
            say("html_suite", lang, name=name, model=model, samples=s.get("samples", "?"))
        )
    if suites:
        bits.append(say("html_suites", lang, suites=", ".join(suites)))
    return _e(" · ".join(bits))


def build_html(result: Path | str, max_cases: int = MAX_CASES, lang: str = "en") -> str:
    """The report of a result folder or `summary.json` as one HTML document in `lang`, with
    at most `max_cases` cases in its table (raises `ResultError` when the result cannot be
    read). The scorers' per-case reasons are worded in `lang` where the result stores their
    codes (`scores.<metric>.reason_code`), else shown as the result holds them (English)."""
    summary = load_summary(result)
    cases, total = case_data(result, max_cases, lang)
    overall = str(summary.get("verdict") or "")
    left_out = (
        f'<p class="muted small" id="cases-left-out">'
        f"{_e(say('html_left_out', lang, shown=f'{len(cases):,}', total=f'{total:,}'))}</p>"
        if total > len(cases)
        else ""
    )
    sections = "".join(
        _poc_section(name, summary["pocs"][name] or {}, summary, lang)
        for name in worst_first(summary["pocs"])
    )
    shown = say("verdict_badge_" + overall, lang) if overall in _VERDICTS else overall
    shown = _e(shown or say("no_verdict", lang))
    all_ = _e(say("html_all", lang))
    select = (
        '<label>{label} <select id="{id}"><option value="">' + all_ + "</option></select></label>"
    )
    w = {key: _e(say(key, lang)) for key in _PAGE_WORDS}
    return f"""<!DOCTYPE html>
<html lang="{_e(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{w["html_title"]}: {shown}</title>
<style>{CSS}</style></head>
<body><main>
<h1>{w["html_title"]} <span class="verdict {_e(overall)}" style="font-size:1rem;padding:2px 10px;\
vertical-align:middle">{shown}</span></h1>
<p class="muted small">{_run_info(summary, lang)}</p>
{sections}
<h2 id="cases">{w["html_cases"]}</h2>
<p class="muted small">{w["html_cases_help"]}</p>
{left_out}
<div class="controls">
<input type="search" id="search" placeholder="{w["html_search"]}" aria-label="{w["html_search_label"]}">
<label>{w["html_result"]} <select id="status-filter"><option value="all">{all_}</option>
<option value="fail">{w["html_failed"]}</option><option value="error">{w["html_client_error"]}</option>
<option value="pass">{w["html_passed"]}</option></select></label>
{select.format(label="PoC", id="poc-filter")}
{select.format(label=w["html_metric"], id="metric-filter")}
{select.format(label=w["html_tag"], id="tag-filter")}
<span id="match-count" class="muted small" data-count="0"></span>
</div>
<table class="cases"><colgroup><col style="width:7%"><col style="width:13%">
<col style="width:20%"><col style="width:22%"><col style="width:16%"><col style="width:22%">
</colgroup><thead><tr><th>{w["html_result"]}</th><th>{w["html_case"]}</th><th>{w["js_prompt"]}</th><th>{w["js_outputs"]}</th>
<th>{w["js_knowledge"]}</th><th>{w["js_scorers"]}</th></tr></thead><tbody id="case-rows"></tbody></table>
<div class="pager"><button id="prev-page" type="button">{w["html_prev"]}</button>
<span id="page-info" class="muted small"></span>
<button id="next-page" type="button">{w["html_next"]}</button></div>
</main>
<script type="application/json" id="evalkit-cases">{_json_for_script(cases)}</script>
<script type="application/json" id="evalkit-words">{_json_for_script(_script_words(lang))}</script>
<script>{JS}</script>
</body></html>
"""


_VERDICTS = ("continue", "redesign", "stop")
_PAGE_WORDS = (
    "html_title",
    "html_cases",
    "html_cases_help",
    "html_search",
    "html_search_label",
    "html_result",
    "html_failed",
    "html_client_error",
    "html_passed",
    "html_metric",
    "html_tag",
    "html_case",
    "html_prev",
    "html_next",
    "js_prompt",
    "js_outputs",
    "js_knowledge",
    "js_scorers",
)


def _script_words(lang: str) -> dict[str, str]:
    """The words the page's script writes (`_assets.JS` reads them by key, `js_` dropped),
    as templates: the script fills their {placeholders}."""
    from evalkit._i18n._ui import UI

    words = UI.get(lang, UI["en"])
    # Raw templates: the script fills their {placeholders} itself.
    return {
        key[3:]: str(words.get(key, text))
        for key, text in UI["en"].items()
        if key.startswith("js_")
    }


def write_html(result: Path | str, out: Path | str, lang: str = "en") -> Path:
    """Write the report (in `lang`) to `out` atomically and return its path."""
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    document = build_html(result, lang=lang)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=target.parent)
    try:
        match_umask(fd)
        # A lone surrogate outside the case data (e.g. in a case id) shows as `\\ud800`.
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(document)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
