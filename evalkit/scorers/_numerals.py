"""Numbers as values, including Japanese kanji numerals: 「三十日」 is the 30 of "30日".

Why here and not in `evalkit.common.text.numbers`: accuracy's numeric method relies on that
function's exact behaviour; the consistency and hallucination scorers additionally need
kanji numerals, or 「三十日以内」 in a policy would make an answer of "30日" look fabricated.

Only kanji numerals followed by a counter (日, 年, 円, 人, 件, 営業日, …) count: a bare 一
is part of too many words (一般, 一部, 統一) to be a number.
"""

from __future__ import annotations

import re

from evalkit.common.text import MULTIPLIER as _MULTIPLIER
from evalkit.common.text import NUMBER as _NUMBER
from evalkit.common.text import numbers

__all__ = [
    "KANJI_NUMERALS",
    "kanji_number_spans",
    "kanji_numbers",
    "all_numbers",
    "scan_ascii_numbers",
]

_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_LARGE = {"万": 10_000, "億": 100_000_000}
# The characters kanji numerals are written with (the keys above).
KANJI_NUMERALS = "".join((*_DIGITS, *_SMALL, *_LARGE))
_KANJI_NUMBER = re.compile(
    rf"(?<![0-9０-９.,])([{KANJI_NUMERALS}]+)"
    r"(?=日|年|月|ヶ月|か月|カ月|週|時間|分|秒|円|人|名|個|件|回|歳|才|台|本|枚|冊|点|%|パーセント|割|倍|営業日|つ)"
)


def _value(run: str) -> float | None:
    if all(ch in _LARGE for ch in run):
        return None  # 「数万円」: an order of magnitude, not a number
    if not any(ch in _SMALL or ch in _LARGE for ch in run):
        # Positional digits: 二〇二五 → 2025.
        return (
            float("".join(str(_DIGITS[ch]) for ch in run))
            if all(ch in _DIGITS for ch in run)
            else None
        )
    total = section = digit = 0
    for ch in run:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL:
            section += (digit or 1) * _SMALL[ch]
            digit = 0
        else:
            total += (section + digit or 1) * _LARGE[ch]
            section = digit = 0
    return float(total + section + digit)


_A_DIGIT = re.compile(r"[0-9]")  # in ASCII text the same as \d, and a cheaper scan


def scan_ascii_numbers(text: str) -> list[float]:
    """`evalkit.common.text.numbers(text)` for ASCII text, found
    by jumping from digit to digit: the number pattern starts with a lookbehind, so a
    `findall` tries it at every character, and most characters of a sentence are not
    digits. A match can only start at a digit or at a sign just before one, so trying
    the pattern there, left to right, gives the same matches (a property test compares
    the two)."""
    found: list[float] = []
    pos, n = 0, len(text)
    digit, number = _A_DIGIT.search, _NUMBER.match
    while pos < n:
        d = digit(text, pos)
        if d is None:
            break
        p = d.start()
        m = number(text, p - 1) if p > pos and text[p - 1] in "-+" else None
        if m is None:
            m = number(text, p)
            if m is None:
                pos = p + 1
                continue
        sign, num, unit = m.groups()
        value = float(num.replace(",", ""))
        if sign == "-":
            value = -value
        if unit:
            value *= _MULTIPLIER[unit]
        found.append(value)
        pos = m.end()
    return found


def kanji_number_spans(text: str) -> list[tuple[float, str, int, int]]:
    """Kanji numerals followed by a counter, with the numeral and its span:
    「三十日」 → [(30.0, "三十", 0, 2)]."""
    found = []
    for match in _KANJI_NUMBER.finditer(text):
        value = _value(match.group(1))
        if value is not None:
            found.append((value, match.group(1), match.start(), match.end()))
    return found


def kanji_numbers(text: str) -> list[float]:
    """Kanji numerals followed by a counter: 「三十日」 → [30.0], 「五営業日」 → [5.0]."""
    return [value for value, _, _, _ in kanji_number_spans(text)]


def all_numbers(text: str) -> list[float]:
    """`evalkit.common.text.numbers` plus kanji numerals (only searched in text that has them)."""
    found = numbers(text)
    if _KANJI_NUMBER.search(text):
        found += kanji_numbers(text)
    return found
