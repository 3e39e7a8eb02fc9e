"""`--lang`: the language a command prints or renders a verdict in, resolved once here.

Precedence (README "Japanese output"): `--lang`; else the suites' language, recorded in the
result's provenance (`provenance.suites.<suite>.language`: the suite's `language:` key, or
`ja` when its text is Japanese) when every suite has the same one; else the locale
(`LC_ALL`, `LC_MESSAGES`, `LANG`: a value starting with `ja`); else English.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

__all__ = ["lang_option", "output_language"]

F = TypeVar("F", bound=Callable[..., Any])


def lang_option(func: F) -> F:
    return click.option(
        "--lang",
        type=click.Choice(["ja", "en"]),
        default=None,
        help=(
            "Language of the verdict, reasons and headings (ja: Japanese, en: English). "
            "Default: the suites' language (their language: key, or Japanese text), else the "
            "locale. summary.json stays English."
        ),
    )(func)


def output_language(explicit: str | None, *summaries: Mapping[str, Any]) -> str:
    """The language to print `summaries` in (see the module's precedence): `evalkit diff`
    reads two results, whose suites must then all have the same language."""
    from evalkit._i18n import choose_language

    languages = [
        s.get("language") if isinstance(s, Mapping) else None
        for summary in summaries
        for s in ((summary.get("provenance") or {}).get("suites") or {}).values()
    ]
    return choose_language(explicit, languages, os.environ)
