"""`evalkit show RESULT CASE` — one case of a result, in full: prompt, every output,
knowledge, and each scorer's verdict and reason (or the client error)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from evalkit.cli import echo_err, echo_out
from evalkit.cli._lang import lang_option

if TYPE_CHECKING:
    from evalkit.results.documents import CaseRow

__all__ = ["command", "render_case"]


@click.command(name="show")
@click.argument("result", type=click.Path(path_type=Path))
@click.argument("case")
@click.option("--json", "as_json", is_flag=True, help="Print the case's row as JSON instead.")
@lang_option
def command(result: Path, case: str, as_json: bool, lang: str | None = None) -> int:
    """Show CASE (its id, or SUITE/ID when several suites have it) from RESULT (a result
    folder, its summary.json or its cases.jsonl)."""
    import json
    import os

    from evalkit._i18n import choose_language
    from evalkit.errors import UsageError
    from evalkit.results.reader import iter_case_rows, load_summary

    suite, _, case_id = case.rpartition("/")
    found: list[CaseRow] = []
    ids: set[str] = set()
    summary: Mapping[str, Any] = {}
    try:
        if not (result.is_file() and result.suffix == ".jsonl"):
            summary = load_summary(result)  # a damaged summary is refused like every reader
        for row in iter_case_rows(result):
            if row["case"] == case_id and (not suite or row["suite"] == suite):
                found.append(row)
            elif len(ids) < 100_000:  # enough for a did-you-mean, bounded on huge results
                ids.add(row["case"])
    except UsageError as exc:
        echo_err(f"error: {exc}")
        return 2
    if not found:
        close = difflib.get_close_matches(case_id, sorted(ids), n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        echo_err(f"error: no case {case!r} in {result}{hint}")
        return 2
    if len(found) > 1:
        names = ", ".join(f"{r['suite']}/{r['case']}" for r in found)
        echo_err(f"error: {case!r} is in several suites ({names}); name one as SUITE/ID")
        return 2
    row = found[0]
    if as_json:
        echo_out(json.dumps(row, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        # The case's own suite decides the language (a demo folder mixes English and
        # Japanese suites), then the locale.
        suites = (summary.get("provenance") or {}).get("suites") or {}
        own = (suites.get(row["suite"]) or {}).get("language")
        echo_out(render_case(row, choose_language(lang, [own], os.environ)))
    return 0


def render_case(row: CaseRow, lang: str = "en") -> str:
    """A `cases.jsonl` row as text for the terminal, its headings and the scorers' reasons
    in `lang` (a reason stored without codes is shown as written: `case_reason_text`)."""
    from evalkit._i18n import case_reason_text, label_text, say

    def block(key: str, text: str, **values: str) -> list[str]:
        lines = [say(key, lang, **values) + say("show_colon", lang)]
        return lines + [f"  {line}" for line in text.splitlines() or [""]]

    head = f"{row['suite']}/{row['case']}"
    if row.get("poc"):
        head += say("show_poc", lang, poc=row["poc"])
    lines = [head]
    extra = []
    if row.get("tags"):
        extra.append(say("show_tags", lang, tags=", ".join(map(str, row["tags"]))))
    if row.get("critical"):
        extra.append(say("show_critical", lang))
    if row.get("answerable") is False:
        extra.append(say("show_unanswerable", lang))
    if extra:
        lines.append("  " + " · ".join(extra))
    lines.append("")
    if row.get("prompt"):
        lines += block("show_prompt", str(row["prompt"]))
    outputs = row.get("outputs") or []
    labels = row.get("labels") or [f"sample {i}" for i in range(len(outputs))]
    sources = row.get("sources") or []
    for i, output in enumerate(outputs):
        label = labels[i] if i < len(labels) else f"sample {i}"
        source = f" [{sources[i]}]" if i < len(sources) and sources[i] else ""
        text = say("show_no_output", lang) if output is None else str(output)
        lines += block("show_output", text, label=label_text(label, lang), source=source)
    for key, title in (("references", "show_reference"), ("context", "show_context")):
        value = row.get(key)
        if value:
            lines += block(
                title, "\n".join(map(str, value)) if isinstance(value, list) else str(value)
            )
    if row.get("forbidden"):
        lines += block("show_forbidden", "\n".join(map(str, row["forbidden"])))
    if row.get("error"):
        kind = f" ({row['error_kind']})" if row.get("error_kind") else ""
        lines += block("show_error", str(row["error"]), kind=kind)
        lines.append("  " + say("show_not_scored", lang))
    scores = row.get("scores") or {}
    if scores:
        lines.append(say("show_scores", lang) + say("show_colon", lang))
        for metric, score in sorted(scores.items()):
            if not isinstance(score, dict):
                continue
            mark = say("show_pass" if score.get("passed") else "show_fail", lang)
            value = score.get("score")
            number = f" {value:.3g}" if isinstance(value, (int, float)) else ""
            lines.append(f"  {metric}: {mark}{number} — {case_reason_text(score, lang)}")
    return "\n".join(lines)
