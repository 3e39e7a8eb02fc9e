"""Small text helpers shared by the renderers (terminal, Markdown, HTML, JUnit)."""

from __future__ import annotations

import html
import re
from typing import Any

from evalkit._i18n import say
from evalkit.common.text import percent

VERDICT_ICON = {"continue": "🟢", "redesign": "🟠", "stop": "🔴"}
STATUS_WORDS = {
    "pass": "within the bar",
    "miss": "misses the bar",
    "stop": "beyond the stop limit",
    "unjudged": "no bar set",
}

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def html_text(value: Any) -> str:
    """`value` as text safe inside HTML, attribute values included."""
    return html.escape(str(value), quote=True)


def points(delta: float | None, lang: str = "en") -> str:
    """A difference of two rates in percentage points, signed: "+6.7 pts" ("+6.7ポイント")."""
    if delta is None:
        return "–"
    value = delta * 100
    return say("diff_points", lang, value="±0" if abs(value) < 0.05 else f"{value:+.1f}")


def ci_text(ci: Any) -> str:
    if (
        isinstance(ci, list | tuple)
        and len(ci) == 2
        and all(isinstance(x, int | float) for x in ci)
    ):
        return f"{percent(ci[0])}–{percent(ci[1])}"
    return "–"


def one_line(text: str | None, limit: int = 120) -> str:
    """Collapse whitespace (newlines show as ⏎) and cut to `limit` characters with "…"."""
    if text is None:
        return "(no output)"
    flat = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\n", " ⏎ "))
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def md(text: str) -> str:
    """Escape text for a Markdown table cell or line: no HTML, no formatting, no pipes."""
    escaped = html.escape(text, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def code(text: str) -> str:
    """An inline code span safe in a Markdown table (no backticks, pipes escaped as GFM wants)."""
    flat = " ".join(text.replace("`", "'").split())
    return "`" + flat.replace("|", "\\|") + "`"


def worst_first(pocs: dict[str, Any]) -> list[str]:
    """PoC names ordered stop, redesign, continue (then by name): the news people need first."""
    order = {"stop": 0, "redesign": 1, "continue": 2}
    return sorted(
        pocs, key=lambda name: (order.get(str((pocs[name] or {}).get("verdict")), 3), name)
    )
