"""`--lang`: the language a command prints or renders a verdict in, resolved once here.

Precedence (README "Japanese output"): `--lang`; else the suites' language, recorded in the
result's provenance (`provenance.suites.<suite>.language`: the suite's `language:` key, or
`ja` when its text is Japanese) when every suite has the same one; else the locale
(`LC_ALL`, `LC_MESSAGES`, `LANG`: a value starting with `ja`); else English.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import click

__all__ = ["lang_option", "output_language", "suites_language"]

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


def suites_language(explicit: str | None, suites: Iterable[Any]) -> str:
    """The language to print in before a run has a result (its worker and interruption
    lines): the one its result will be printed in, from the loaded suites as its provenance
    will record them. A `cases_from` file is read lazily and may hold a bad row among the
    cases sampled for the guess: that suite is then guessed from its prompt and description
    alone, and the row's error is left to the run, which reports it with its line (with
    `--workers`, the worker whose window holds it)."""
    from evalkit._i18n import choose_language
    from evalkit.errors import SuiteError
    from evalkit.suite.language import suite_language

    languages = []
    for s in suites:
        try:
            languages.append(suite_language(s))
        except SuiteError:
            languages.append(suite_language(s, sampled=0))
    return choose_language(explicit, languages, os.environ)
