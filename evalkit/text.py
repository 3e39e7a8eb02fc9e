"""Text handling shared by every scorer: English and Japanese (and other CJK) alike.

Why here: normalisation, number extraction and refusal detection must behave the same in
accuracy, consistency and hallucination, or one metric would call "３０日" and "30日" equal
while another does not. Stdlib only; pure functions.

Japanese has no spaces between words, so nothing here relies on whitespace tokenisation:
`normalize` keeps CJK runs intact and `tokens` splits CJK text into characters runs that
scorers can turn into character n-grams.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "nfkc",
    "normalize",
    "numbers",
    "is_refusal",
    "is_cjk",
    "tokens",
]

_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_SPACES = re.compile(r"\s+")
# Digits with thousands separators or decimals, optionally signed: 1,200 / 3.5 / -2
# A number not glued to a preceding letter/digit: ASCII-only lookbehind, because Japanese
# puts kana right before digits (「は1,200円」). A sign counts only when nothing
# alphanumeric precedes it, so "2025-04-17" is 2025, 4, 17 and "5-7 days" is 5, 7.
# 万 / 億 / 千 right after the digits multiply ("1万円" is 10000).
_NUMBER = re.compile(
    r"(?<![0-9A-Za-z_.,])(?P<sign>[-+−](?=\d))?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?![0-9])(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<unit>[万億千])?"
)
_MULTIPLIER = {"千": 1e3, "万": 1e4, "億": 1e8}
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


class _PunctToSpace(dict[int, str]):
    """A `str.translate` table that maps each punctuation or symbol character (Unicode
    category P* or S*) to a space and every other character to itself, filled as
    characters are first seen: translating is then one C loop rather than a category
    lookup per character in Python (~4× faster on a sentence)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = " " if unicodedata.category(char)[0] in ("P", "S") else char
        self[code] = value
        return value


_PUNCT_TO_SPACE = _PunctToSpace()


def _strip_punct(text: str) -> str:
    # Punctuation and symbols become spaces so "30-day" and "30 day" compare equal;
    # Japanese 「」。、・ are Unicode punctuation too.
    return text.translate(_PUNCT_TO_SPACE)


@lru_cache(maxsize=4096)  # bounded: a million-case run must not keep every text
def normalize(text: str) -> str:
    """Canonical form for comparing answers.

    NFKC, case-folded, punctuation and symbols removed, English articles (a/an/the)
    removed, whitespace collapsed; spaces between two CJK characters are dropped
    (Japanese writers put spaces inconsistently). "The  ＡＢＣ Co." → "abc co".
    """
    text = text.lower() if text.isascii() else nfkc(text).casefold()  # same for ASCII
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
    if text.isdigit() and text.isascii():  # a bare number, the usual numeric reference
        return [float(text)]
    found = []
    # NFKC leaves ASCII unchanged; findall's (sign, num, unit) tuples are cheaper than
    # match objects (this runs for every output and reference of a numeric suite).
    for sign, num, unit in _NUMBER.findall(text if text.isascii() else nfkc(text)):
        value = float(num.replace(",", "") if "," in num else num)
        if sign and sign != "+":
            value = -value
        if unit:
            value *= _MULTIPLIER[unit]
        found.append(value)
    return found


def is_cjk(text: str) -> bool:
    """True when `text` contains Chinese/Japanese/Korean characters."""
    return not text.isascii() and _cjk().search(text) is not None


def tokens(text: str) -> list[str]:
    """Word tokens of normalised text; a CJK run is one token (split it into n-grams)."""
    return _token().findall(normalize(text))


_LATIN = re.compile(r"[A-Za-z]")
_REFUSAL_EN = re.compile(
    r"\b(?:i\s+(?:do\s+not|don't|dont|cannot|can't|can\s*not|could\s+not|couldn't|am\s+unable\s+to|am\s+not\s+able\s+to)"
    r"\s+(?:know|say|tell|answer|help|provide|share|disclose|find|confirm|determine|access|see)"
    r"|i\s+(?:do\s+not|don't|dont)\s+have\s+(?:that|this|the|any|enough|such)?\s*(?:information|data|details|access)"
    r"|i(?:'m|\s+am)\s+(?:not\s+sure|unable|not\s+able\s+to|afraid\s+i\s+(?:can't|cannot|don't))"
    r"|(?:no|not\s+enough)\s+information"
    r"|there(?:\s+is|'s)\s+no\s+(?:mention|information|record|data|details?)\b"
    r"|(?:is|are)\s+not\s+(?:mentioned|stated|specified|provided|available|included|covered\s+in\s+the\s+(?:text|policy|context|document))"
    r"|(?:text|context|policy|document|documents|passage|source|sources|information|it|they)\s+(?:does|do)\s+not\s+(?:say|mention|specify|state|contain|include|provide)"
    r"|(?:text|context|policy|document|documents|passage|source|sources|information|it|they)\s+(?:doesn't|don't)\s+(?:say|mention|specify|state|contain|include|provide)"
    r"|unable\s+to\s+(?:answer|determine|provide|find)"
    r"|cannot\s+(?:be\s+)?(?:answer|determine|determined|provide|share|disclose)"
    r"|unclear\s+from\s+the\s+(?:\w+\s+)?(?:information|context|text|policy|document|documents|sources?))\b"
    r"|^\W*(?:unknown|not\s+known|n/a|not\s+(?:mentioned|stated|specified|provided))\W*$"
)  # matched against lower-cased text: re.IGNORECASE would triple its cost
_REFUSAL_JA = re.compile(
    r"(?:わかりません|分かりません|判りません|わからない|分からない|存じません|不明です|不明"
    r"|お答えできません|回答できません|お答えすることはできません|答えられません|お伝えできません"
    r"|記載(?:が|は)?(?:ありません|ない|されていません)|情報(?:が|は)?(?:ありません|ない|見当たりません)"
    r"|確認できません|特定できません|判断できません|言及(?:が|は)?(?:ありません|されていません)"
    r"|含まれていません|開示できません|提供できません"
    r"|(?:分|わ|判)かりかね|(?:お答え|回答|返答|お伝え)(?:いた)?しかね"
    r"|(?:情報|記載|データ|資料)(?:は|が)?ございません|確認できませんでした)"
)


# Every English refusal pattern contains one of these (no/not/cannot/unknown all contain
# "no"): a text with none of them cannot match, and most answers are turned away here by a
# few substring tests instead of a search of the whole pattern at every position.
def _refuses_en(lowered: str) -> bool:
    return (
        "no" in lowered
        or "n't" in lowered
        or "dont" in lowered
        or "unabl" in lowered
        or "unclear" in lowered
        or "n/a" in lowered
    ) and _REFUSAL_EN.search(lowered) is not None


def is_refusal(text: str) -> bool:
    """True when the output declines to answer ("I don't know", 「わかりません」, …).

    Deliberately lexical and conservative: it looks for explicit declining phrases, in
    English or Japanese. An answer that hedges but still asserts a fact is not a refusal.
    """
    if text.isascii():  # NFKC leaves ASCII as it is, and no Japanese pattern can match
        return _refuses_en(text.lower())
    t = nfkc(text)
    # Each language's patterns only run on text that has its script (they are the cost).
    if _LATIN.search(t) and _refuses_en(t.lower()):
        return True
    return _cjk().search(t) is not None and _REFUSAL_JA.search(t) is not None
