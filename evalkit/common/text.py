"""Text handling shared by every scorer: English and Japanese (and other CJK) alike.

Why here: normalisation and number extraction must behave the same in
accuracy, consistency and hallucination, or one metric would call "３０日" and "30日" equal
while another does not. Stdlib only; pure functions.

Japanese has no spaces between words, so nothing here relies on whitespace tokenisation:
`normalize` keeps CJK runs intact and `tokens` splits CJK text into characters runs that
scorers can turn into character n-grams.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "nfkc",
    "normalize",
    "numbers",
    "is_cjk",
    "tokens",
    "json_or_text",
    "shorten",
    "percent",
    "NUMBER",
    "MULTIPLIER",
]

_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_SPACES = re.compile(r"\s+")
# Digits with thousands separators or decimals, optionally signed: 1,200 / 3.5 / -2
# A number not glued to a preceding letter/digit: ASCII-only lookbehind, because Japanese
# puts kana right before digits (「は1,200円」). A sign counts only when nothing
# alphanumeric precedes it, so "2025-04-17" is 2025, 4, 17 and "5-7 days" is 5, 7.
# 万 / 億 / 千 right after the digits multiply ("1万円" is 10000). Public with MULTIPLIER:
# the scorers' kanji numerals (`evalkit.scorers._numerals`) read numbers the same way.
NUMBER = re.compile(
    r"(?<![0-9A-Za-z_.,])(?P<sign>[-+−](?=\d))?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?![0-9])(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<unit>[万億千])?"
)
MULTIPLIER = {"千": 1e3, "万": 1e4, "億": 1e8}
_CJK_CLASS = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"


@lru_cache(maxsize=1)
def _cjk() -> re.Pattern[str]:
    """Compiled on first use: this class alone takes ~8 ms to compile, paid by every
    process at start-up before, though English-only runs never search for it."""
    return re.compile(_CJK_CLASS)


@lru_cache(maxsize=1)
def _token() -> re.Pattern[str]:
    return re.compile(_CJK_CLASS + r"+|\w+")


def nfkc(text: str) -> str:
    """Unicode NFKC: full-width digits/letters → ASCII, half-width kana → full-width."""
    return unicodedata.normalize("NFKC", text)


def _strip_punct(text: str) -> str:
    # Punctuation and symbols (Unicode categories P* and S*) become spaces so "30-day" and
    # "30 day" compare equal; Japanese 「」。、・ are Unicode punctuation too.
    return "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text)


@lru_cache(maxsize=4096)  # bounded: a million-case run must not keep every text
def normalize(text: str) -> str:
    """Canonical form for comparing answers.

    NFKC, case-folded, punctuation and symbols removed, English articles (a/an/the)
    removed, whitespace collapsed; spaces between two CJK characters are dropped
    (Japanese writers put spaces inconsistently). "The  ＡＢＣ Co." → "abc co".
    """
    text = nfkc(text).casefold()
    text = _strip_punct(text)
    text = _ARTICLES.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    if not text.isascii() and _cjk().search(text):
        text = re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)
    return text


def numbers(text: str) -> list[float]:
    """Numbers written in `text`, in order: "¥1,200" → [1200.0], "３０日" → [30.0],
    "1万円" → [10000.0], "2025-04-17" → [2025.0, 4.0, 17.0].

    Thousands separators are understood ("1,200" is one number, 1200); a currency sign or
    unit next to the number is ignored; "−" (U+2212) counts as a minus sign, and a sign
    only counts where no letter or digit precedes it (a hyphen in a date or a range is not
    a minus). Digits glued after letters ("v2", "INV42") are identifiers, not numbers.
    """
    # Two shortcuts, measured on the scale load's outputs and references (issue 18): 2.2 µs
    # a case with them, 4.2 µs without. A bare number (the usual numeric reference) is
    # itself; ASCII text needs neither NFKC nor the range rule of `_signed` (its hyphens
    # follow ASCII letters or digits, where `NUMBER` never takes a sign anyway), and is
    # read with `_ASCII_NUMBER` (below).
    if text.isascii():
        if text.isdigit():
            return [float(text)]
        return [float(n.replace(",", "") if "," in n else n) for n in _ASCII_NUMBER.findall(text)]
    found = []
    for sign, num, unit in _signed(text):
        value = float(num.replace(",", "") if "," in num else num)
        if sign and sign != "+":
            value = -value
        if unit:
            value *= MULTIPLIER[unit]
        found.append(value)
    return found


# `NUMBER` for ASCII text, where "−" and 万億千 cannot occur: the same numbers (a property
# test compares the two), found faster. The pattern opens with a character class, so the
# regex engine skips in C to the next sign or digit instead of trying the whole pattern,
# lookbehind first, at every character; `NUMBER`'s lookbehind is checked once that first
# character is read, and the rest of the number follows it (all of it after a sign, its
# remaining digits after a digit). `float` reads the sign. `numbers` on the scale load's
# texts (`tests/benchmarks/scale.py`; one process, 15 alternating rounds, minima): its
# quoting outputs (~26 characters) 1.37 against 1.94 µs, its paraphrasing outputs (~100)
# 2.08 against 4.27 µs, its contexts (~490) 6.1 against 15.8 µs. Accuracy's `numeric`
# reads each output once.
_ASCII_NUMBER = re.compile(
    r"[-+0-9](?<![0-9A-Za-z_.,].)"
    r"(?:(?<=[-+])(?=[0-9])(?:\d{1,3}(?:,\d{3})+(?![0-9])(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?<=[0-9])(?:\d{0,2}(?:,\d{3})+(?![0-9])(?:\.\d+)?|\d*(?:\.\d+)?))"
)


# A number and a unit word just before a hyphen: 「10時-15時」, 「3日-5日」 — a range, so the
# hyphen is no minus sign.
_RANGE_BEFORE = re.compile(r"\d[^\d\s\-+−]{1,2}$")


def _signed(text: str) -> list[tuple[str, str, str]]:
    """(sign, digits, multiplier) of each number in `text` (NFKC first), with a hyphen
    between a number's unit word and the next number read as a range dash rather than a
    minus sign."""
    t = nfkc(text)
    found = []
    for m in NUMBER.finditer(t):
        sign, num, unit = m.groups()
        if sign == "-" and _RANGE_BEFORE.search(t, max(0, m.start() - 3), m.start()):
            sign = ""
        found.append((sign or "", num, unit or ""))
    return found


def is_cjk(text: str) -> bool:
    """True when `text` contains Chinese/Japanese/Korean characters."""
    return not text.isascii() and _cjk().search(text) is not None


def tokens(text: str) -> list[str]:
    """Word tokens of normalised text; a CJK run is one token (split it into n-grams)."""
    return _token().findall(normalize(text))


# Showing values in reasons and messages: one way each, so that every message quotes an
# output, a reference and a rate alike.


def shorten(text: str, limit: int = 80) -> str:
    """`text` on one line (whitespace runs become one space), cut to at most `limit`
    characters with "…" at the end when it was longer: how reasons quote outputs."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_or_text(value: object) -> str:
    """A reference (text, or a JSON object or array for the `json` accuracy method) as
    text: a string as it is, anything else as JSON with sorted keys, Japanese kept."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def percent(rate: float | None, digits: int = 1, missing: str = "–") -> str:
    """A rate in [0, 1] as a percentage: 0.166667 → "16.7%"; None → `missing`."""
    if rate is None:
        return missing
    return f"{rate * 100:.{digits}f}%"
