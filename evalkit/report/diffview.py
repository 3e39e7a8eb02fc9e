"""Render an `evalkit.compare.diff.Diff` as terminal text, Markdown or JSON.

Text and Markdown list at most `max_flips` flipped cases (newly failing first) so a PR comment
stays readable and under GitHub's size limits; JSON lists them all. JSON has sorted keys.
Text and Markdown are worded in the diff's language (`Diff.lang`, `_i18n` keys `diff_`);
JSON is for tools: its names and values are the results' own, whatever the language.

Size (just over 400 lines): the three renderings of one `Diff` side by side, so that they
say the same things.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from evalkit._i18n import say
from evalkit._i18n._ui import UI
from evalkit.common.text import percent
from evalkit.compare.diff import Diff, FlippedCase, MetricChange, verdict_text
from evalkit.compare.reviews import ReviewChange, ReviewFlip
from evalkit.report._format import ci_text, code, md, one_line, points
from evalkit.report._review import stale_reasons

__all__ = ["render_text", "render_markdown", "render_json", "to_dict"]

_OUT_CHARS = 100


def _verdict_pair(old: str | None, new: str | None, lang: str = "en") -> str:
    absent = say("diff_absent", lang)
    if old == new:
        return say("diff_unchanged", lang, verdict=verdict_text(new, lang, "None"))
    return f"{verdict_text(old or None, lang, absent)} → {verdict_text(new or None, lang, absent)}"


def _rates(m: MetricChange, lang: str = "en") -> str:
    return f"{percent(m.old_rate)} → {percent(m.new_rate)} ({points(m.delta, lang)})"


def _flip_title(f: FlippedCase, lang: str = "en") -> str:
    parts = []
    if f.newly_failing:
        parts.append(say("diff_newly_fails", lang, metrics=", ".join(f.newly_failing)))
    if f.newly_passing:
        parts.append(say("diff_newly_passes", lang, metrics=", ".join(f.newly_passing)))
    return say("diff_title_sep", lang).join(parts)


def _sample_pairs(
    f: FlippedCase, limit: int, lang: str = "en"
) -> tuple[list[tuple[str, str, str]], int]:
    """The samples whose output differs between the runs, as (label, old, new) one-liners,
    at most 3 of them, and how many more differ. When no output changed (the scoring did),
    the first sample is shown so the reader still sees what was judged."""
    old, new = f.old_outputs, f.new_outputs
    n = max(len(old), len(new))

    def text(side: tuple[str | None, ...], i: int) -> str:
        if i >= len(side):
            return say("diff_no_sample", lang)
        output = side[i]
        if output is None:
            return say("diff_call_failed", lang)
        return say("diff_quoted", lang, text=one_line(output, limit))

    differ = [
        i for i in range(n) if (old[i] if i < len(old) else 0) != (new[i] if i < len(new) else 0)
    ]
    if not differ:
        differ = [0] if n else []
    pairs = [(say("diff_sample", lang, n=i), text(old, i), text(new, i)) for i in differ[:3]]
    return pairs, max(0, len(differ) - 3)


def _same_outputs(f: FlippedCase) -> bool:
    return bool(f.old_outputs) and f.old_outputs == f.new_outputs


def _changed(m: MetricChange) -> bool:
    return bool(
        m.old_rate != m.new_rate or m.old_total != m.new_total or m.newly_failing or m.newly_passing
    )


def _columns(text: str) -> int:
    """Terminal columns `text` takes, East Asian wide characters two each."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, counting East Asian wide characters as two columns."""
    return text + " " * max(1, width - _columns(text))


def _counts(diff: Diff) -> tuple[int, int]:
    failing = sum(1 for f in diff.flipped if f.newly_failing)
    return failing, len(diff.flipped) - failing


def _pair(old: str, new: str) -> str:
    return new if old == new else f"{old} → {new}"


def _kappa(k: float | None) -> str:
    return "–" if k is None else f"{k:.2f}"


def _status(status: str | None, lang: str) -> str:
    """A metric's status (pass, miss, stop, unjudged) in `lang`; "–" where there is none."""
    if not status:
        return "–"
    return say(f"status_{status}", lang) if status in _STATUSES else status


_STATUSES = ("pass", "miss", "stop", "unjudged")


def _review_cells(r: ReviewChange, lang: str = "en") -> list[str]:
    """status, corrected rate (CI), reviewed, scorer precision, recall, kappa: old → new."""
    return [
        _pair(_status(r.old_status, lang), _status(r.new_status, lang)),
        _pair(
            f"{percent(r.old_rate)} ({ci_text(r.old_ci)})" if r.old_rate is not None else "–",
            f"{percent(r.new_rate)} ({ci_text(r.new_ci)})" if r.new_rate is not None else "–",
        ),
        _pair(
            str(r.old_cases if r.old_cases is not None else "–"),
            str(r.new_cases if r.new_cases is not None else "–"),
        ),
        _pair(percent(r.old_precision), percent(r.new_precision)),
        _pair(percent(r.old_recall), percent(r.new_recall)),
        _pair(_kappa(r.old_kappa), _kappa(r.new_kappa)),
    ]


def _flip_text(f: ReviewFlip, lang: str = "en") -> str:
    word = {False: say("diff_label_pass", lang), True: say("diff_label_fail", lang)}
    return f"{f.suite}/{f.case} {f.what}: {word[f.old]} → {word[f.new]}"


def _stale(diff: Diff) -> str:
    why = diff.review_stale or {}
    if not why:
        return ""
    n = sum(why.values())
    if diff.lang == "en":  # the `stale_why` names as stored, as the diff always said them
        parts = ", ".join(f"{k} {reason}" for reason, k in sorted(why.items()))
    else:
        parts = stale_reasons(why, diff.lang)
    return say("diff_stale", diff.lang, n=n, parts=parts)


def _review_text(diff: Diff, max_flips: int) -> list[str]:
    """The review layer, old → new (nothing when neither result has reviews)."""
    if not diff.review and not diff.review_flips and not diff.review_stale:
        return []
    lang = diff.lang
    lines = ["", say("diff_review_heading", lang)]
    poc = None
    for r in diff.review:
        if r.poc != poc:
            poc = r.poc
            lines.append(f"  {poc}")
        status, rate, cases, precision, recall, kappa = _review_cells(r, lang)
        flag = say("diff_review_flipped_flag", lang) if r.flipped else ""
        line = say(
            "diff_review_line",
            lang,
            metric=r.metric,
            status=status,
            rate=rate,
            cases=cases,
            precision=precision,
            recall=recall,
            kappa=kappa,
            flag=flag,
        )
        lines.append(f"    {line}")
    n = len(diff.review_flips)
    lines.append("  " + say("diff_review_flips", lang, n=n))
    for f in diff.review_flips[:max_flips]:
        lines.append(f"    {'✗' if f.new else '✓'} {_flip_text(f, lang)}")
    if n > max_flips:
        lines.append("    " + say("diff_more_json", lang, n=n - max_flips))
    stale = _stale(diff)
    if stale:
        lines.append(f"  {stale}")
    return lines


def render_text(diff: Diff, max_flips: int = 30) -> str:
    """Plain text for a terminal, in the diff's language."""
    lang = diff.lang
    lines = [f"evalkit diff  {diff.old} → {diff.new}", ""]
    pair = _verdict_pair(diff.old_verdict, diff.new_verdict, lang)
    lines.append(say("diff_verdict", lang, pair=pair))
    for v in diff.verdicts:
        flag = say("diff_worse_flag", lang) if v.worse else ""
        lines.append(f"  {v.poc}: {_verdict_pair(v.old, v.new, lang)}{flag}")
        lines += [f"    + {r}" for r in v.reasons_added]
        lines += [f"    - {r}" for r in v.reasons_removed]
    lines += ["", say("diff_rates", lang, alpha=f"{diff.alpha:g}")]
    for note in diff.notes:
        lines.append(say("diff_note", lang, note=note))
    shown = [m for m in diff.metrics if _changed(m)]
    poc = None
    for m in shown:
        if m.poc != poc:
            poc = m.poc
            lines.append(f"  {poc}")
        label = m.metric if m.tag is None else f"  [{m.tag}] {m.metric}"
        flag = say("diff_worse_arrow", lang) if m.worse else ""
        lines.append(f"    {_pad(label, 28)}{_pad(_rates(m, lang), 30)}{m.sentence}{flag}")
    if len(shown) < len(diff.metrics):
        lines.append(say("diff_hidden", lang, n=len(diff.metrics) - len(shown)))
    failing, passing = _counts(diff)
    lines += ["", say("diff_flipped", lang, failing=failing, passing=passing)]
    old_label, new_label = say("diff_old_label", lang), say("diff_new_label", lang)
    for f in diff.flipped[:max_flips]:
        mark = "✗" if f.newly_failing else "✓"
        lines.append(f"  {mark} {f.suite}/{f.case}: {_flip_title(f, lang)}")
        pairs, more = _sample_pairs(f, _OUT_CHARS, lang)
        if _same_outputs(f):
            lines.append("      " + say("diff_same_outputs", lang))
        for label, old_text, new_text in pairs:
            lines.append(f"      {label}  {old_label}{old_text}")
            lines.append(f"      {' ' * _columns(label)}  {new_label}{new_text}")
        if more:
            lines.append("      " + say("diff_more_samples", lang, n=more))
        for metric in (*f.newly_failing, *f.newly_passing):
            old_r = (f.old_reasons or {}).get(metric, "")
            new_r = (f.new_reasons or {}).get(metric, "")
            was_now = say(
                "diff_was_now",
                lang,
                metric=metric,
                old=one_line(old_r, 90),
                new=one_line(new_r, 90),
            )
            lines.append(f"      {was_now}")
    if len(diff.flipped) > max_flips:
        lines.append("  " + say("diff_more_json", lang, n=len(diff.flipped) - max_flips))
    lines += _review_text(diff, max_flips)
    for key, refs in (("diff_only_old", diff.only_old), ("diff_only_new", diff.only_new)):
        if refs:
            listed = ", ".join(f"{r.suite}/{r.case}" for r in refs[:max_flips])
            rest = _list_more(len(refs), max_flips, lang)
            lines += ["", say(key, lang, n=len(refs), listed=listed, rest=rest)]
    if diff.provenance:
        lines += ["", say("diff_provenance", lang)]
        for p in diff.provenance:
            where = f"{p.suite}: " if p.suite else ""
            what = _what(p.what, lang)
            lines.append(f"  {where}{what}: {_value(p.old, lang)} → {_value(p.new, lang)}")
    return "\n".join(lines) + "\n"


def _list_more(n: int, max_shown: int, lang: str) -> str:
    return say("diff_list_more", lang, n=n - max_shown) if n > max_shown else ""


def _what(what: str, lang: str) -> str:
    """A provenance item's name ("suite file") in `lang`; an unknown one as it is."""
    key = "diff_what_" + what.replace(" ", "_")
    return say(key, lang) if key in _WHAT_KEYS else what


_WHAT_KEYS = frozenset(k for k in UI["en"] if k.startswith("diff_what_"))


def _value(value: Any, lang: str = "en") -> str:
    if value is None:
        return say("diff_none", lang)
    if isinstance(value, str):
        return value[:16] + "…" if len(value) == 64 and value.isalnum() else value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def render_markdown(diff: Diff, max_flips: int = 30) -> str:
    """GitHub-flavoured Markdown for a PR comment or `$GITHUB_STEP_SUMMARY`, in the diff's
    language."""
    lang = diff.lang
    out = [f"## evalkit diff: {code(diff.old)} → {code(diff.new)}", ""]
    out += [say("diff_md_verdicts", lang), "|---|---|---|---|"]
    for v in diff.verdicts:
        flag = (
            say("diff_md_worse", lang)
            if v.worse
            else (say("diff_md_changed", lang) if v.changed else "")
        )
        old, new = verdict_text(v.old or None, lang, "–"), verdict_text(v.new or None, lang, "–")
        out.append(f"| {md(v.poc)} | {old} | **{new}** | {flag} |")
    for v in diff.verdicts:
        if v.reasons_added or v.reasons_removed:
            out += ["", say("diff_md_reasons", lang, poc=md(v.poc)), ""]
            out += [f"- ➕ {md(r)}" for r in v.reasons_added]
            out += [f"- ➖ {md(r)}" for r in v.reasons_removed]
    out += ["", say("diff_md_rates", lang, alpha=f"{diff.alpha:g}"), ""]
    out += [f"> {md(n)}" for n in diff.notes]
    out += [say("diff_md_rates_header", lang), "|---|---|---|---|---|---|---|"]
    shown = [m for m in diff.metrics if _changed(m)]
    for m in shown:
        sentence = ("**" + md(m.sentence) + "** ⚠️") if m.worse else md(m.sentence)
        out.append(
            f"| {md(m.poc)} | {md(m.metric)} | {md(m.tag or '')} | {percent(m.old_rate)} "
            f"| {percent(m.new_rate)} | {points(m.delta, lang)} | {sentence} |"
        )
    if not shown:
        out.append(say("diff_md_no_rate_changed", lang))
    if len(shown) < len(diff.metrics):
        out.append("\n" + say("diff_md_hidden", lang, n=len(diff.metrics) - len(shown)))
    failing, passing = _counts(diff)
    out += ["", say("diff_md_flipped", lang, failing=failing, passing=passing), ""]
    if diff.flipped:
        out += [say("diff_md_flipped_header", lang), "|---|---|---|---|"]
        for f in diff.flipped[:max_flips]:
            mark = "❌" if f.newly_failing else "✅"
            reasons = "; ".join(
                f"{m}: {(f.new_reasons or {}).get(m, '')}"
                for m in (*f.newly_failing, *f.newly_passing)
            )
            pairs, more = _sample_pairs(f, 80, lang)
            old_cell = "<br>".join(f"{label}: {md(o)}" for label, o, _ in pairs)
            new_cell = "<br>".join(f"{label}: {md(n)}" for label, _, n in pairs)
            if more:
                new_cell += "<br>" + say("diff_more_samples", lang, n=more)
            if _same_outputs(f):
                old_cell = say("diff_md_same_outputs", lang) + "<br>" + old_cell
            out.append(
                f"| {mark} {code(f.suite + '/' + f.case)} | {md(_flip_title(f, lang))}<br>"
                f"{md(one_line(reasons, 160))} | {old_cell} | {new_cell} |"
            )
        if len(diff.flipped) > max_flips:
            out.append("\n" + say("diff_md_more_json", lang, n=len(diff.flipped) - max_flips))
    out += _review_markdown(diff, max_flips)
    for key, refs in (("diff_md_only_old", diff.only_old), ("diff_md_only_new", diff.only_new)):
        if refs:
            listed = ", ".join(code(f"{r.suite}/{r.case}") for r in refs[:max_flips])
            rest = _list_more(len(refs), max_flips, lang)
            out += ["", say(key, lang, n=len(refs), listed=listed, rest=rest)]
    if diff.provenance:
        out += ["", say("diff_md_provenance", lang), ""]
        out += [say("diff_md_provenance_header", lang), "|---|---|---|---|"]
        for p in diff.provenance:
            suite = md(p.suite or say("diff_md_run", lang))
            what = md(_what(p.what, lang))
            old, new = md(_value(p.old, lang)), md(_value(p.new, lang))
            out.append(f"| {suite} | {what} | {old} | {new} |")
    return "\n".join(out) + "\n"


def _review_markdown(diff: Diff, max_flips: int) -> list[str]:
    if not diff.review and not diff.review_flips and not diff.review_stale:
        return []
    lang = diff.lang
    out = ["", say("diff_md_review_heading", lang), ""]
    if diff.review:
        out += [say("diff_md_review_header", lang), "|---|---|---|---|---|---|---|---|---|"]
        for r in diff.review:
            cells = " | ".join(md(c) for c in _review_cells(r, lang))
            flag = say("diff_md_review_flipped", lang) if r.flipped else ""
            out.append(f"| {md(r.poc)} | {md(r.metric)} | {cells} | {flag} |")
        out.append("")
    n = len(diff.review_flips)
    out.append(say("diff_md_review_flips", lang, n=n))
    if diff.review_flips:
        out.append("")
        for f in diff.review_flips[:max_flips]:
            out.append(f"- {'❌' if f.new else '✅'} {md(_flip_text(f, lang))}")
        if n > max_flips:
            out.append(say("diff_md_list_more_json", lang, n=n - max_flips))
    stale = _stale(diff)
    if stale:
        out += ["", f"> {md(stale)}"]
    return out


def to_dict(diff: Diff) -> dict[str, Any]:
    """A JSON-ready dict with every field of the diff plus the derived ones (delta, worse)."""
    return {
        "old": diff.old,
        "new": diff.new,
        "alpha": diff.alpha,
        "paired": diff.paired,
        "notes": list(diff.notes),
        "verdict": {"old": diff.old_verdict, "new": diff.new_verdict},
        "pocs": [
            {
                "poc": v.poc,
                "old": v.old,
                "new": v.new,
                "changed": v.changed,
                "worse": v.worse,
                "reasons_added": list(v.reasons_added),
                "reasons_removed": list(v.reasons_removed),
            }
            for v in diff.verdicts
        ],
        "metrics": [
            {
                "poc": m.poc,
                "metric": m.metric,
                "tag": m.tag,
                "old": {"rate": m.old_rate, "failures": m.old_failures, "total": m.old_total},
                "new": {"rate": m.new_rate, "failures": m.new_failures, "total": m.new_total},
                "delta": m.delta,
                "shared": m.shared,
                "newly_failing": m.newly_failing,
                "newly_passing": m.newly_passing,
                "p": None if m.p is None else round(m.p, 6),
                "significant": m.significant,
                "worse": m.worse,
                "sentence": m.sentence,
            }
            for m in diff.metrics
        ],
        "flipped": [
            {
                "suite": f.suite,
                "case": f.case,
                "poc": f.poc,
                "newly_failing": list(f.newly_failing),
                "newly_passing": list(f.newly_passing),
                "old": {"outputs": list(f.old_outputs), "reasons": dict(f.old_reasons or {})},
                "new": {"outputs": list(f.new_outputs), "reasons": dict(f.new_reasons or {})},
            }
            for f in diff.flipped
        ],
        "only_old": [{"suite": r.suite, "case": r.case, "poc": r.poc} for r in diff.only_old],
        "only_new": [{"suite": r.suite, "case": r.case, "poc": r.poc} for r in diff.only_new],
        "provenance": [
            {"what": p.what, "suite": p.suite, "old": p.old, "new": p.new} for p in diff.provenance
        ],
        "review": {
            "metrics": [
                {
                    "poc": r.poc,
                    "metric": r.metric,
                    "flipped": r.flipped,
                    **{
                        side: {
                            "status": getattr(r, f"{side}_status"),
                            "cases": getattr(r, f"{side}_cases"),
                            "rate": getattr(r, f"{side}_rate"),
                            "ci": getattr(r, f"{side}_ci"),
                            "scorer_precision": getattr(r, f"{side}_precision"),
                            "scorer_recall": getattr(r, f"{side}_recall"),
                            "kappa": getattr(r, f"{side}_kappa"),
                        }
                        for side in ("old", "new")
                    },
                }
                for r in diff.review
            ],
            "flipped": [
                {
                    "suite": f.suite,
                    "case": f.case,
                    "poc": f.poc,
                    "what": f.what,
                    "old": "fail" if f.old else "pass",
                    "new": "fail" if f.new else "pass",
                }
                for f in diff.review_flips
            ],
            "stale": dict(diff.review_stale or {}),
        },
    }


def render_json(diff: Diff) -> str:
    """Pretty JSON with sorted keys."""
    return json.dumps(to_dict(diff), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
