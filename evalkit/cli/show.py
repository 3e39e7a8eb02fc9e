"""`evalkit show RESULT CASE` — one case of a result, in full: prompt, every output,
knowledge, and each scorer's verdict and reason (or the client error)."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from evalkit.cli import echo_err, echo_out

if TYPE_CHECKING:
    from evalkit.results.documents import CaseRow

__all__ = ["command", "render_case"]


@click.command(name="show")
@click.argument("result", type=click.Path(path_type=Path))
@click.argument("case")
@click.option("--json", "as_json", is_flag=True, help="Print the case's row as JSON instead.")
def command(result: Path, case: str, as_json: bool) -> int:
    """Show CASE (its id, or SUITE/ID when several suites have it) from RESULT (a result
    folder, its summary.json or its cases.jsonl)."""
    import json

    from evalkit.errors import UsageError
    from evalkit.results.reader import iter_case_rows, load_summary

    suite, _, case_id = case.rpartition("/")
    found: list[CaseRow] = []
    ids: set[str] = set()
    try:
        if not (result.is_file() and result.suffix == ".jsonl"):
            load_summary(result)  # a damaged summary is refused like every reader does
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
        echo_out(render_case(row))
    return 0


def _block(title: str, text: str) -> list[str]:
    lines = [f"{title}:"]
    lines += [f"  {line}" for line in text.splitlines() or [""]]
    return lines


def render_case(row: CaseRow) -> str:
    """A `cases.jsonl` row as text for the terminal."""
    head = f"{row['suite']}/{row['case']}"
    if row.get("poc"):
        head += f"  (PoC {row['poc']})"
    lines = [head]
    extra = []
    if row.get("tags"):
        extra.append("tags: " + ", ".join(map(str, row["tags"])))
    if row.get("critical"):
        extra.append("critical")
    if row.get("answerable") is False:
        extra.append("not answerable: the right answer declines")
    if extra:
        lines.append("  " + " · ".join(extra))
    lines.append("")
    if row.get("prompt"):
        lines += _block("prompt", str(row["prompt"]))
    outputs = row.get("outputs") or []
    labels = row.get("labels") or [f"sample {i}" for i in range(len(outputs))]
    sources = row.get("sources") or []
    for i, output in enumerate(outputs):
        label = labels[i] if i < len(labels) else f"sample {i}"
        source = f" [{sources[i]}]" if i < len(sources) and sources[i] else ""
        text = "(no output: the call failed)" if output is None else str(output)
        lines += _block(f"output, {label}{source}", text)
    for key, title in (("references", "reference"), ("context", "context")):
        value = row.get(key)
        if value:
            lines += _block(
                title, "\n".join(map(str, value)) if isinstance(value, list) else str(value)
            )
    if row.get("forbidden"):
        lines += _block("known-false", "\n".join(map(str, row["forbidden"])))
    if row.get("error"):
        kind = f" ({row['error_kind']})" if row.get("error_kind") else ""
        lines += _block(f"client error{kind}", str(row["error"]))
        lines.append("  (not scored: counted against the error budget)")
    scores = row.get("scores") or {}
    if scores:
        lines.append("scores:")
        for metric, score in sorted(scores.items()):
            if not isinstance(score, dict):
                continue
            mark = "pass" if score.get("passed") else "FAIL"
            value = score.get("score")
            number = f" {value:.3g}" if isinstance(value, (int, float)) else ""
            lines.append(f"  {metric}: {mark}{number} — {score.get('reason', '')}")
    return "\n".join(lines)
