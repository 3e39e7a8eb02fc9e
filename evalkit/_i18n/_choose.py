"""Which language the terminal and the reports speak, when nobody said.

Precedence (README "Japanese output"): the command's `--lang`; else the suites' own
language — every suite of the run (or of the result) has the same one, from its
`language:` key or, without the key, from its text (a suite whose prompt and cases are
Japanese is Japanese); else the locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, the
first that is set: a value starting with `ja` is Japanese); else English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

_KANA = ((0x3040, 0x30FF), (0xFF66, 0xFF9F))  # hiragana, katakana, half-width katakana
_KANJI = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF))

# Share of letters that must be kana or kanji for a text to be Japanese. Low on purpose:
# Japanese suites carry English identifiers, URLs, JSON keys and model names; an English
# suite with a Japanese name or a few Japanese cases stays far below it.
JAPANESE_SHARE = 0.2


def _in(ch: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in ranges)


def text_language(texts: Iterable[str]) -> Literal["ja"] | None:
    """ "ja" when the texts are Japanese (some kana, which Chinese lacks, and at least
    `JAPANESE_SHARE` of the letters kana or kanji); None otherwise — English-looking text
    says nothing about the reader, so the locale decides."""
    letters = kana = kanji = 0
    for text in texts:
        for ch in text:
            if not ch.isalpha():
                continue
            letters += 1
            if _in(ch, _KANA):
                kana += 1
            elif _in(ch, _KANJI):
                kanji += 1
    if kana and letters and (kana + kanji) / letters >= JAPANESE_SHARE:
        return "ja"
    return None


def locale_language(environ: Mapping[str, str]) -> Literal["en", "ja"] | None:
    """The locale's language as POSIX resolves it (LC_ALL, LC_MESSAGES, LANG: the first
    set); None when none is set."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return None


def choose_language(
    explicit: str | None, suite_languages: Iterable[str | None], environ: Mapping[str, str]
) -> Literal["en", "ja"]:
    """The language to speak: `explicit` (a `--lang`), else the suites' one language when
    they all have the same, else the locale's, else English."""
    if explicit in ("en", "ja"):
        return "ja" if explicit == "ja" else "en"
    found = set(suite_languages)
    if len(found) == 1:
        (only,) = found
        if only in ("en", "ja"):
            return "ja" if only == "ja" else "en"
    return "ja" if locale_language(environ) == "ja" else "en"
