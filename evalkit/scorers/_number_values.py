"""Numbers as the language analysis reads them (`_language`): values (`Number`) with the
keys they are found under (`number_keys`).

Digits with separators, decimals, a minus sign, 万/千/億, kanji numerals with a counter,
English number words ("twenty-two", "three thousand"), and clock times in 12- or 24-hour
form ("8:00 PM", "20:00", "16:0", 「20時」), so that "8 PM" is found in a knowledge that
writes "16:0-20:0" and 「5万円」 where it writes 「50,000円」.

A module of its own because it is one job with its own tests (`tests/scorers/
test_language.py` reads `number_values` against plain forms of its patterns); `_numerals`
holds what `evalkit.common.text.numbers` and the claim index share (kanji numerals, the
ASCII scan).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from evalkit.scorers._numerals import kanji_number_spans
from evalkit.values import quick_init

__all__ = [
    "NUMBER_WORDS",
    "Number",
    "digits_masked",
    "digits_stand_alone",
    "list_marker_spans",
    "minus_before",
    "number_keys",
    "number_values",
]


def minus_before(text: str, at: int) -> bool:
    """Is the number whose digits start at `at` negative: a minus sign right before them,
    not after a letter or digit (a range "10-12", a date, "COVID-19")? "-12 degrees" is
    not "12 degrees"."""
    return at > 0 and text[at - 1] in "-−" and not (at > 1 and text[at - 2].isalnum())


def digits_stand_alone(text: str, start: int, end: int) -> bool:
    """Are text[start:end] all the digits of a number there, not part of a larger one: "15"
    is not written in "15,000", "2015" or "1.15" (it is in "15-20" and "2019-05-01")."""
    # Slices from `max(…, 0)`: at the start of the text, `text[-1:0]` is "" (which `in`
    # finds in any string) and `text[-2:-1]` the text's end ("10a" read "10" as part of a
    # number because of its own "0").
    before, after = text[max(start - 1, 0) : start], text[end : end + 2]
    if before.isdigit() or after[:1].isdigit():
        return False
    if after[:1] in (",", ".") and after[1:2].isdigit():
        return False
    return not (before in (",", ".") and text[max(start - 2, 0) : start - 1].isdigit())


NUMBER_WORDS = {
    "zero": 0,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "dozen": 12,
    "half": 0.5,
    "twice": 2,
    "double": 2,
}
# "one" is left out on purpose: "one of the best", "no one", "the one in town" are not
# counts; "single" likewise.
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "k": 1e3, "m": 1e6, "bn": 1e9}
# 割 is tenths: 「2割」 is the 20 of "20%" (the percent sign is not part of a value), and
# is read as 2 too.
_JA_SCALE = {"千": 1e3, "万": 1e4, "億": 1e8, "兆": 1e12, "割": 10}

# The look-behinds sit after the first digit ("a digit not preceded by [\d.:]" is written
# `\d(?<![\d.:]\d)`): a pattern that starts with a character class lets `re` skip ahead to
# the next digit, where a leading look-behind makes it try every position of the text
# (`_TIME` and `_NUM` then take about 0.6 of the time on a 500-character context).
_TIME = re.compile(
    r"(\d(?<![\d.:]\d)\d?)(?::(\d{1,2}))?\s*(a\.?m\.?|p\.?m\.?)(?![a-z])"
    r"|(\d(?<![\d.:]\d)\d?):(\d{1,2})(?![\d:])",
    re.IGNORECASE,
)
# A text without a digit followed by ":" and a digit or by am/pm holds no `_TIME`.
_TIME_HINT = re.compile(r"\d(?::\d|\s*[ap]\.?m)", re.IGNORECASE)


def _may_hold_time(t: str, lowered: str) -> bool:
    """Whether `_TIME_HINT` matches `t` (`lowered` is `t.lower()`). A match needs a ":" or
    an am/pm: "am", "pm" or ".m" in `lowered` (no other character matches [ap] or m under
    IGNORECASE, nor lowers to one: checked over every code point). Four substring tests
    (~0.1 µs) before the search (~1 µs on a 55-character sentence), which most English
    sentences have no cue for. A property test compares it with the search alone.

    With `_may_hold_number_word`, on the texts the paraphrase scale load reads
    (`tests/benchmarks/hallucination_speed.py` (a'), 10,034 calls) `number_values` takes
    5.4-5.8 against 6.1-6.9 µs a call (three alternating pairs against `0125716`, min of 7
    passes), on HaluEval QA's 9.4-9.8 against 9.8-10.1 µs; the scorer on (a') 0.97-0.98×
    (gates on against off in one process, 10 and 12 alternating runs)."""
    if ":" not in t and not ("am" in lowered or "pm" in lowered or ".m" in lowered):
        return False
    return _TIME_HINT.search(t) is not None


# Not 「5時間」 (five hours: a duration, read as the number 5) nor 「3時限」.
_JA_TIME = re.compile(r"(午前|午後)?(\d{1,2})時(?![間限])(?:(\d{1,2})分|半)?")
_NUM = re.compile(
    r"(\d(?<![A-Za-z0-9_.]\d)(?:\d{0,2}(?:,\d{3})+|\d*))(\.\d+)?(?:\s*(thousand|million|billion|bn|k|m)\b"
    r"|([千万億兆割]))?",
    re.IGNORECASE,
)


@quick_init  # several per sentence read: the cheaper __init__
@dataclass(frozen=True, slots=True)
class Number:
    """A number found in a text: its value, whether it is a clock time (then `value` is
    minutes after midnight and `alt` the other half of the day for a time with no am/pm),
    and its span."""

    value: float
    time: bool
    start: int
    end: int
    alt: float | None = None
    written: int | None = None  # a time's hour as the text writes it ("2 p.m.": 2)


_LIST_MARKER = re.compile(r"(?m)^[ \t>*•-]*(?:\(|（)?\d{1,2}(?=[.)）:：、](?:\s|$)|\s*$)")
_CIRCLED = re.compile(r"[\u2460-\u2473\u2776-\u277f\u24f5-\u24fe]")


def list_marker_spans(text: str) -> list[tuple[int, int]]:
    """Spans of list numbering ("1. ", "2) ", 「(3)」 at a line start): structure, not a
    number the text asserts. `text` is NFKC-normalised. A text of one line has a line
    start only at 0: one `match` there, not a scan (~1 µs of a sentence's ~10)."""
    if "\n" not in text:
        m = _LIST_MARKER.match(text)
        return [] if m is None else [m.span()]
    return [m.span() for m in _LIST_MARKER.finditer(text)]


def number_values(text: str) -> list[Number]:
    """Numbers and clock times in `text` (NFKC-normalised first: full-width digits count).

    "8:00 PM" → time 1200 (minutes); "16:0" → time 960; 「午後2時」 → 840; "$1,200" → 1200;
    "5万円" → 50000; 「2割」 → 2 and 20 (per cent); "3.5 million" → 3500000; "three years"
    → 3; 「三十日」 → 30; "-12" → -12 (but "10-12" is 10 and 12).
    A number inside a word ("COVID-19" keeps 19, "v2" has none) follows `_NUM`'s rule:
    digits glued after a letter are part of an identifier.
    """
    t = unicodedata.normalize("NFKC", _CIRCLED.sub(" ", text) if not text.isascii() else text)
    lowered = t.lower()
    found: list[Number] = []
    taken: list[tuple[int, int]] = list_marker_spans(t)
    for m in _TIME.finditer(t) if _may_hold_time(t, lowered) else ():
        if m.group(3):
            hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3).lower()
            if hour > 12 or minute > 59:
                continue
            written, hour = hour, hour % 12 + (12 if half.startswith("p") else 0)
            found.append(Number(hour * 60 + minute, True, m.start(), m.end(), None, written))
        else:
            hour, minute = int(m.group(4)), int(m.group(5))
            if hour > 24 or minute > 59:
                continue
            alt = (hour + 12) * 60 + minute if 1 <= hour < 12 else None
            found.append(Number(hour % 24 * 60 + minute, True, m.start(), m.end(), alt, hour))
        taken.append((m.start(), m.end()))
    if not t.isascii():
        for m in _JA_TIME.finditer(t):
            hour = int(m.group(2))
            minute = 30 if m.group(0).endswith("半") else int(m.group(3) or 0)
            if hour > 24 or minute > 59:
                continue
            alt, written = None, hour
            if m.group(1) == "午後" and hour < 12:
                hour += 12
            elif m.group(1) is None and 1 <= hour < 12:
                alt = (hour + 12) * 60 + minute
            found.append(Number(hour % 24 * 60 + minute, True, m.start(), m.end(), alt, written))
            taken.append((m.start(), m.end()))
    for m in _NUM.finditer(t):
        start = m.start()
        if taken and any(s <= start < e for s, e in taken):
            continue
        digits, fraction, scale, ja_scale = m.groups()
        value = float(digits.replace(",", "") + (fraction or ""))
        if scale:
            value *= _SCALE[scale.lower()]
        elif ja_scale:
            value *= _JA_SCALE[ja_scale]
        if minus_before(t, start):
            value, start = -value, start - 1
        if ja_scale == "割":  # also the count itself: 「2割」 states the 2 of 「2点」 as before
            found.append(Number(value / 10, False, start, m.end()))
        found.append(Number(value, False, start, m.end()))
    if not t.isascii():
        for value, numeral, start, end in kanji_number_spans(t):
            if numeral in ("一", "十"):
                continue  # 一つ, 一度, 十分 (enough): words more often than counts
            found.append(Number(value, False, start, end))
    # English number words, in any text (a Japanese or accented text may quote English).
    for m in _WORD_NUMBER.finditer(lowered) if _may_hold_number_word(lowered) else ():
        if lowered[: m.start()].rstrip()[-1:].isdigit():
            continue  # the scale word of "3.5 million", read with its digits
        value = _words_value(m.group(0).replace("-", " ").split())
        found.append(Number(value, False, m.start(), m.end()))
    return found


_NONZERO_DIGIT = re.compile("[1-9]")


def digits_masked(text: str) -> str:
    """`text` with every ASCII digit written as 0: the key under which what does not read
    digit values is cached (word analysis in `_language`). Exact where a pattern reads a
    digit's class (`\\d`, `\\w`, `[0-9]`, `isalnum`), never its value; the masked text is
    as long as the text, so offsets agree. Not for Japanese morphology, where Sudachi
    reads 「5万」 as a number."""
    return _NONZERO_DIGIT.sub("0", text)


def _words_value(words: list[str]) -> float:
    """The value of a run of number words: "twenty-two" 22, "twenty one" 21, "two hundred"
    200, "three thousand five hundred" 3500, "dozen" 12, "half" 0.5."""
    total = current = 0.0
    for w in words:
        v = 1 if w == "one" else NUMBER_WORDS.get(w)
        if v is None:
            continue
        if w in ("hundred", "dozen"):
            current = (current or 1) * v
        elif w in _SCALE:
            total += (current or 1) * v
            current = 0.0
        else:
            current += v
    return total + current


_WORD_NUMBER = re.compile(
    r"\b(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")(?:[- ](?:"
    r"one|two|three|four|five|six|seven|eight|nine|hundred|thousand|million))*\b"
)
_NUMBER_WORD_SET = frozenset(NUMBER_WORDS)
_LETTER_RUN = re.compile(r"[a-z]+")


def _may_hold_number_word(lowered: str) -> bool:
    """False when `_WORD_NUMBER` cannot match `lowered`. A match opens with a number word
    between word boundaries (`\b` before it; after it `\b` or "-"/" "), so that word is
    a whole run of letters a-z, which `[a-z]+` finds whole: no such run in
    `NUMBER_WORDS`, no match. One `findall` and a set test (~1 µs on a 55-character
    sentence) where the alternation of 35 words is tried at every word boundary (~1.9 µs).
    Exact: a property test compares it with the pattern alone."""
    return not _NUMBER_WORD_SET.isdisjoint(_LETTER_RUN.findall(lowered))


def number_keys(n: Number) -> tuple[str, ...]:
    """The canonical keys a number can be found under: a time is found as itself (and as
    the other half of the day when it has no am/pm); a plain number by its value."""
    if n.time:
        keys = [f"t{int(n.value)}"]
        if n.alt is not None:
            keys.append(f"t{int(n.alt)}")
        if n.value % 60 == 0 and n.written is not None:  # "9" in "open from 9 to 5"
            keys.append(_num_key(n.written))  # as written: "2 p.m." states 2, not 14
        return tuple(keys)
    return (_num_key(n.value),)


def _num_key(value: float) -> str:
    return f"n{value:g}"
