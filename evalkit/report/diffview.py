"""Render an `evalkit.compare.diff.Diff` as terminal text, Markdown or JSON.

Text and Markdown list at most `max_flips` flipped cases (newly failing first) so a PR comment
stays readable and under GitHub's size limits; JSON lists them all. JSON has sorted keys.

Size (just over 400 lines): the three renderings of one `Diff` side by side, so that they
say the same things.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from evalkit.common.text import percent
from evalkit.compare.diff import Diff, FlippedCase, MetricChange
from evalkit.compare.reviews import ReviewChange, ReviewFlip
from evalkit.report._format import ci_text, code, md, one_line, points

__all__ = ["render_text", "render_markdown", "render_json", "to_dict"]

_OUT_CHARS = 100


def _verdict_pair(old: str | None, new: str | None) -> str:
    if old == new:
        return f"{new} (unchanged)"
    return f"{old or '(absent)'} → {new or '(absent)'}"


def _rates(m: MetricChange) -> str:
    return f"{percent(m.old_rate)} → {percent(m.new_rate)} ({points(m.delta)})"


def _flip_title(f: FlippedCase) -> str:
    parts = []
    if f.newly_failing:
        parts.append("newly fails " + ", ".join(f.newly_failing))
    if f.newly_passing:
        parts.append("newly passes " + ", ".join(f.newly_passing))
    return "; ".join(parts)


def _sample_pairs(f: FlippedCase, limit: int) -> tuple[list[tuple[str, str, str]], int]:
    """The samples whose output differs between the runs, as (label, old, new) one-liners,
    at most 3 of them, and how many more differ. When no output changed (the scoring did),
    the first sample is shown so the reader still sees what was judged."""
    old, new = f.old_outputs, f.new_outputs
    n = max(len(old), len(new))

    def text(side: tuple[str | None, ...], i: int) -> str:
        if i >= len(side):
            return "(no such sample)"
        return "(call failed)" if side[i] is None else f'"{one_line(side[i], limit)}"'

    differ = [
        i for i in range(n) if (old[i] if i < len(old) else 0) != (new[i] if i < len(new) else 0)
    ]
    if not differ:
        differ = [0] if n else []
    pairs = [(f"sample {i}", text(old, i), text(new, i)) for i in differ[:3]]
    return pairs, max(0, len(differ) - 3)


def _same_outputs(f: FlippedCase) -> bool:
    return bool(f.old_outputs) and f.old_outputs == f.new_outputs


def _changed(m: MetricChange) -> bool:
    return bool(
        m.old_rate != m.new_rate or m.old_total != m.new_total or m.newly_failing or m.newly_passing
    )


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, counting East Asian wide characters as two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return text + " " * max(1, width - shown)


def _counts(diff: Diff) -> tuple[int, int]:
    failing = sum(1 for f in diff.flipped if f.newly_failing)
    return failing, len(diff.flipped) - failing


def _pair(old: str, new: str) -> str:
    return new if old == new else f"{old} → {new}"


def _kappa(k: float | None) -> str:
    return "–" if k is None else f"{k:.2f}"


def _review_cells(r: ReviewChange) -> list[str]:
    """status, corrected rate (CI), reviewed, scorer precision, recall, kappa: old → new."""
    return [
        _pair(r.old_status or "–", r.new_status or "–"),
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


def _flip_text(f: ReviewFlip) -> str:
    word = {False: "pass", True: "fail"}
    return f"{f.suite}/{f.case} {f.what}: {word[f.old]} → {word[f.new]}"


def _stale(diff: Diff) -> str:
    why = diff.review_stale or {}
    if not why:
        return ""
    n = sum(why.values())
    parts = ", ".join(f"{k} {reason}" for reason, k in sorted(why.items()))
    return f"{n} review{'' if n == 1 else 's'} of the new result stale, not used: {parts}"


def _review_text(diff: Diff, max_flips: int) -> list[str]:
    """The review layer, old → new (nothing when neither result has reviews)."""
    if not diff.review and not diff.review_flips and not diff.review_stale:
        return []
    lines = ["", "Review layer, old → new (the verdict reads the corrected rate):"]
    poc = None
    for r in diff.review:
        if r.poc != poc:
            poc = r.poc
            lines.append(f"  {poc}")
        status, rate, cases, precision, recall, kappa = _review_cells(r)
        flag = "  ← flipped" if r.flipped else ""
        lines.append(
            f"    {r.metric}: status {status}; corrected {rate}; reviewed {cases}; scorer "
            f"precision {precision}, recall {recall}, kappa {kappa}{flag}"
        )
    n = len(diff.review_flips)
    lines.append(f"  Reviewers' judgements that flipped (cases reviewed in both): {n}")
    for f in diff.review_flips[:max_flips]:
        lines.append(f"    {'✗' if f.new else '✓'} {_flip_text(f)}")
    if n > max_flips:
        lines.append(f"    … and {n - max_flips} more (see --format json)")
    stale = _stale(diff)
    if stale:
        lines.append(f"  {stale}")
    return lines


def render_text(diff: Diff, max_flips: int = 30) -> str:
    """Plain text for a terminal."""
    lines = [f"evalkit diff  {diff.old} → {diff.new}", ""]
    lines.append(f"Verdict: {_verdict_pair(diff.old_verdict, diff.new_verdict)}")
    for v in diff.verdicts:
        flag = "  (worse)" if v.worse else ""
        lines.append(f"  {v.poc}: {_verdict_pair(v.old, v.new)}{flag}")
        lines += [f"    + {r}" for r in v.reasons_added]
        lines += [f"    - {r}" for r in v.reasons_removed]
    lines += ["", f"Failure rates, old → new (paired test at alpha {diff.alpha:g}):"]
    for note in diff.notes:
        lines.append(f"  note: {note}")
    shown = [m for m in diff.metrics if _changed(m)]
    poc = None
    for m in shown:
        if m.poc != poc:
            poc = m.poc
            lines.append(f"  {poc}")
        label = m.metric if m.tag is None else f"  [{m.tag}] {m.metric}"
        flag = "  ← worse" if m.worse else ""
        lines.append(f"    {_pad(label, 28)}{_pad(_rates(m), 30)}{m.sentence}{flag}")
    if len(shown) < len(diff.metrics):
        hidden = len(diff.metrics) - len(shown)
        lines.append(f"  ({hidden} unchanged metric/tag rows not shown; see --format json)")
    failing, passing = _counts(diff)
    lines += ["", f"Flipped cases: {failing} newly failing, {passing} newly passing"]
    for f in diff.flipped[:max_flips]:
        mark = "✗" if f.newly_failing else "✓"
        lines.append(f"  {mark} {f.suite}/{f.case}: {_flip_title(f)}")
        pairs, more = _sample_pairs(f, _OUT_CHARS)
        if _same_outputs(f):
            lines.append("      (same outputs in both runs: the scoring changed)")
        for label, old_text, new_text in pairs:
            lines.append(f"      {label}  old: {old_text}")
            lines.append(f"      {' ' * len(label)}  new: {new_text}")
        if more:
            lines.append(f"      … and {more} more changed samples")
        for metric in (*f.newly_failing, *f.newly_passing):
            old_r = (f.old_reasons or {}).get(metric, "")
            new_r = (f.new_reasons or {}).get(metric, "")
            lines.append(
                f'      {metric}: was "{one_line(old_r, 90)}"; now "{one_line(new_r, 90)}"'
            )
    if len(diff.flipped) > max_flips:
        lines.append(f"  … and {len(diff.flipped) - max_flips} more (see --format json)")
    lines += _review_text(diff, max_flips)
    for title, refs in (("old", diff.only_old), ("new", diff.only_new)):
        if refs:
            listed = ", ".join(f"{r.suite}/{r.case}" for r in refs[:max_flips])
            rest = f", … and {len(refs) - max_flips} more" if len(refs) > max_flips else ""
            lines += ["", f"Only in the {title} run ({len(refs)}): {listed}{rest}"]
    if diff.provenance:
        lines += ["", "What changed in how the runs were made:"]
        for p in diff.provenance:
            where = f"{p.suite}: " if p.suite else ""
            lines.append(f"  {where}{p.what}: {_value(p.old)} → {_value(p.new)}")
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value[:16] + "…" if len(value) == 64 and value.isalnum() else value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def render_markdown(diff: Diff, max_flips: int = 30) -> str:
    """GitHub-flavoured Markdown for a PR comment or `$GITHUB_STEP_SUMMARY`."""
    out = [f"## evalkit diff: {code(diff.old)} → {code(diff.new)}", ""]
    out += ["| PoC | old verdict | new verdict | |", "|---|---|---|---|"]
    for v in diff.verdicts:
        flag = "⚠️ worse" if v.worse else ("changed" if v.changed else "")
        out.append(f"| {md(v.poc)} | {v.old or '–'} | **{v.new or '–'}** | {flag} |")
    for v in diff.verdicts:
        if v.reasons_added or v.reasons_removed:
            out += ["", f"**{md(v.poc)}**: reasons that changed", ""]
            out += [f"- ➕ {md(r)}" for r in v.reasons_added]
            out += [f"- ➖ {md(r)}" for r in v.reasons_removed]
    out += ["", f"### Failure rates (paired test, alpha {diff.alpha:g})", ""]
    out += [f"> {md(n)}" for n in diff.notes]
    out += [
        "| PoC | metric | tag | old | new | change | paired test |",
        "|---|---|---|---|---|---|---|",
    ]
    shown = [m for m in diff.metrics if _changed(m)]
    for m in shown:
        sentence = ("**" + md(m.sentence) + "** ⚠️") if m.worse else md(m.sentence)
        out.append(
            f"| {md(m.poc)} | {md(m.metric)} | {md(m.tag or '')} | {percent(m.old_rate)} "
            f"| {percent(m.new_rate)} | {points(m.delta)} | {sentence} |"
        )
    if not shown:
        out.append("| | no failure rate changed | | | | | |")
    if len(shown) < len(diff.metrics):
        out.append(f"\n{len(diff.metrics) - len(shown)} unchanged metric/tag rows not shown.")
    failing, passing = _counts(diff)
    out += ["", f"### Flipped cases: {failing} newly failing, {passing} newly passing", ""]
    if diff.flipped:
        out += ["| case | change | old output | new output |", "|---|---|---|---|"]
        for f in diff.flipped[:max_flips]:
            mark = "❌" if f.newly_failing else "✅"
            reasons = "; ".join(
                f"{m}: {(f.new_reasons or {}).get(m, '')}"
                for m in (*f.newly_failing, *f.newly_passing)
            )
            pairs, more = _sample_pairs(f, 80)
            old_cell = "<br>".join(f"{label}: {md(o)}" for label, o, _ in pairs)
            new_cell = "<br>".join(f"{label}: {md(n)}" for label, _, n in pairs)
            if more:
                new_cell += f"<br>… and {more} more changed samples"
            if _same_outputs(f):
                old_cell = "(same outputs in both runs)<br>" + old_cell
            out.append(
                f"| {mark} {code(f.suite + '/' + f.case)} | {md(_flip_title(f))}<br>"
                f"{md(one_line(reasons, 160))} | {old_cell} | {new_cell} |"
            )
        if len(diff.flipped) > max_flips:
            out.append(
                f"\n… and {len(diff.flipped) - max_flips} more (evalkit diff --format json)."
            )
    out += _review_markdown(diff, max_flips)
    for title, refs in (("old", diff.only_old), ("new", diff.only_new)):
        if refs:
            listed = ", ".join(code(f"{r.suite}/{r.case}") for r in refs[:max_flips])
            rest = f", … and {len(refs) - max_flips} more" if len(refs) > max_flips else ""
            out += ["", f"**Only in the {title} run** ({len(refs)}): {listed}{rest}"]
    if diff.provenance:
        out += ["", "### What changed in how the runs were made", ""]
        out += ["| suite | what | old | new |", "|---|---|---|---|"]
        for p in diff.provenance:
            out.append(
                f"| {md(p.suite or '(run)')} | {md(p.what)} | {md(_value(p.old))} | {md(_value(p.new))} |"
            )
    return "\n".join(out) + "\n"


def _review_markdown(diff: Diff, max_flips: int) -> list[str]:
    if not diff.review and not diff.review_flips and not diff.review_stale:
        return []
    out = ["", "### Review layer (the verdict reads the corrected rate)", ""]
    if diff.review:
        out += [
            "| PoC | metric | status | corrected rate (CI) | reviewed | scorer precision "
            "| scorer recall | κ | |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in diff.review:
            cells = " | ".join(md(c) for c in _review_cells(r))
            flag = "⚠️ flipped" if r.flipped else ""
            out.append(f"| {md(r.poc)} | {md(r.metric)} | {cells} | {flag} |")
        out.append("")
    n = len(diff.review_flips)
    out.append(f"**Reviewers' judgements that flipped** (cases reviewed in both): {n}")
    if diff.review_flips:
        out.append("")
        for f in diff.review_flips[:max_flips]:
            out.append(f"- {'❌' if f.new else '✅'} {md(_flip_text(f))}")
        if n > max_flips:
            out.append(f"- … and {n - max_flips} more (evalkit diff --format json)")
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
