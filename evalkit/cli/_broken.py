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


def _names(broken: list[tuple[str, int]], lang: str) -> str:
    from evalkit._i18n import say

    listed = ", ".join(f"'{name}'" for name, _ in broken[:5])
    more = max(0, len(broken) - 5)
    return say("op_suites", lang, names=listed, n=len(broken), more=more)


def broken_headline(
    broken: list[tuple[str, int]], out_dir: Path, colour: bool, lang: str = "en"
) -> str:
    """What a broken run prints before its table (in `lang`): that it is broken, and the
    first errors (case id and message, as recorded) from `cases.jsonl`, so the cause is not
    only in the file. `broken`: `summary.broken_suites` of the result in `out_dir`."""
    from evalkit._i18n import say
    from evalkit.errors import UsageError
    from evalkit.results.reader import iter_case_rows

    cases = sum(n for _, n in broken)
    title = say("op_broken_title", lang, suites=_names(broken, lang), n=cases)
    first = say("op_first_errors", lang)
    lines = [click.style(title, fg="red", bold=True) if colour else title, first]
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
        lines.append(say("op_cannot_read", lang, file=out_dir / "cases.jsonl", error=exc))
    lines.append(say("op_broken_fix", lang, file=out_dir / "cases.jsonl"))
    return "\n".join(lines) + "\n"


def broken_error(broken: list[tuple[str, int]], lang: str = "en") -> str:
    """The last line (for stderr) of a broken run, beside its exit code, in `lang`."""
    from evalkit._i18n import say

    return say("op_broken_error", lang, suites=_names(broken, lang), code=EXIT_BROKEN)
