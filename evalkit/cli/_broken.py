"""A broken run: every case of some suite ended in a client error (a missing program, a
wrong URL, no recordings). Its verdict says nothing about the model, and evalkit did not
crash either, so `run` and `merge` say so first and exit 4 — whatever `--exit-zero` says.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["EXIT_BROKEN", "broken_headline", "broken_error"]

EXIT_BROKEN = 4
_FIRST_ERRORS = 5


def _names(broken: list[tuple[str, int]]) -> str:
    listed = ", ".join(f"'{name}'" for name, _ in broken[:5])
    more = f" and {len(broken) - 5} more" if len(broken) > 5 else ""
    return f"suite{'s' if len(broken) > 1 else ''} {listed}{more}"


def broken_headline(broken: list[tuple[str, int]], out_dir: Path, colour: bool) -> str:
    """What a broken run prints before its table: that it is broken, and the first errors
    (case id and message) from `cases.jsonl`, so the cause is not only in the file.
    `broken`: `summary.broken_suites` of the result in `out_dir`."""
    from evalkit.errors import UsageError
    from evalkit.results.reader import iter_case_rows

    cases = sum(n for _, n in broken)
    title = (
        f"BROKEN RUN: every case of {_names(broken)} ({cases} case{'s' if cases != 1 else ''}) "
        "ended in a client error, so the verdict below says nothing about the model."
    )
    lines = [click.style(title, fg="red", bold=True) if colour else title, "First errors:"]
    names = {name for name, _ in broken}
    shown = 0
    try:
        for row in iter_case_rows(out_dir / "cases.jsonl"):
            if row.get("suite") in names and "error" in row:
                message = " ".join(str(row["error"]).split())
                if len(message) > 300:
                    message = message[:299] + "…"
                kind = f" [{row['error_kind']}]" if row.get("error_kind") else ""
                lines.append(f"  {row['suite']}/{row['case']}{kind}: {message}")
                shown += 1
                if shown == _FIRST_ERRORS:
                    break
    except (OSError, UsageError) as exc:
        lines.append(f"  (cannot read {out_dir / 'cases.jsonl'}: {exc})")
    lines.append(
        "Fix the client (the program, URL, key or recordings the suite names) and run again; "
        f"every error is in {out_dir / 'cases.jsonl'}."
    )
    return "\n".join(lines) + "\n"


def broken_error(broken: list[tuple[str, int]]) -> str:
    """The last line (for stderr) of a broken run, beside its exit code."""
    return (
        f"error: the run is broken: every case of {_names(broken)} ended in a client error "
        f"(exit {EXIT_BROKEN}, not a verdict); see the first errors above"
    )
