"""Which way a number is bounded: "within 30 days" and 「30日以内」 set an upper bound,
"after 30 days", "at least 30 days" and 「30日以上」 a lower one. Two texts that state the
same number of the same thing bounded opposite ways contradict each other ("Refunds are
accepted within 30 days" / "…only after 30 days"), though every word of one may be in the
other: the bound words are function words ("within", "after"), which the support checks
do not weigh, and the number itself is the same.

Where the rule came from: the issue's list of faults (a contradiction of the knowledge
that keeps its number) and the labelled set's within/after items, hallucination and
consistency; the word lists are the ordinary English and Japanese comparatives of
quantities and times, not words taken from a dataset. Measured on the dev sets before it
went in by default (README, Hallucination).

Cost: two pre-checks (a bound word next to a number in the claim, then one of the other
direction in the knowledge, `_bounded_number`) settle nearly every claim before numbers are
read. Side by side with the tree before this module (`hallucination_speed.py --cases 3000`,
two runs each, a busy machine): paraphrased scale load 601 / 575 → 652 / 537 µs per
output, one shared document 276 / 244 → 280 / 260; without the pre-checks the rule alone
cost ~200 µs an output on the paraphrased load.

Deliberately narrow:
- a number counts only with a bound word right next to it ("within 30 days",
  "30 days or more", 「30日以内」); "30-day window" or "in 30 days" has no direction;
- "from" is not a bound ("30 days from purchase" counts from a start, "from 9 to 5" is a
  range);
- a denial flips a bound ("refunds are not accepted after 30 days" restates "within 30
  days"): the callers read a clash in a negated claim as that restatement, which also
  explains its negation;
- the knowledge must state the number of the same thing (same value, same unit word or
  counter) *only* the other way: one unbounded or same-way mention makes the claim
  consistent with it (the knowledge may say both "within 30 days" and "30 days").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from evalkit.scorers._number_values import NUMBER_WORDS, number_values
from evalkit.scorers._numerals import KANJI_NUMERALS

__all__ = ["Bound", "bounds", "bound_clash", "clashing_bounds"]

UPPER, LOWER = "at most", "at least"

# English bound words before a number (the last words before it), longest first.
_BEFORE_EN = {
    "within": UPPER,
    "before": UPPER,
    "under": UPPER,
    "below": UPPER,
    "less than": UPPER,
    "fewer than": UPPER,
    "up to": UPPER,
    "at most": UPPER,
    "no more than": UPPER,
    "not more than": UPPER,
    "no later than": UPPER,
    "until": UPPER,
    "till": UPPER,
    "maximum of": UPPER,
    "a maximum of": UPPER,
    "after": LOWER,
    "over": LOWER,
    "above": LOWER,
    "more than": LOWER,
    "greater than": LOWER,
    "at least": LOWER,
    "no less than": LOWER,
    "not less than": LOWER,
    "no earlier than": LOWER,
    "beyond": LOWER,
    "exceeding": LOWER,
    "minimum of": LOWER,
    "a minimum of": LOWER,
    "later than": LOWER,
}
# After a number and its unit word: "30 days or more", "$50 and up".
_AFTER_EN = {
    "or less": UPPER,
    "or fewer": UPPER,
    "or under": UPPER,
    "or earlier": UPPER,
    "at most": UPPER,
    "or more": LOWER,
    "or longer": LOWER,
    "or over": LOWER,
    "or above": LOWER,
    "or later": LOWER,
    "and up": LOWER,
    "and over": LOWER,
    "and above": LOWER,
    "at least": LOWER,
}
# Japanese bound words follow the number and its counter: 「30日以内」「5万円以上」.
_AFTER_JA = {
    "以内": UPPER,
    "未満": UPPER,
    "以下": UPPER,
    "まで": UPPER,
    "以前": UPPER,
    "以上": LOWER,
    "超": LOWER,
    "を超え": LOWER,
    "を超過": LOWER,
    "以降": LOWER,
    "経過後": LOWER,
    "後": LOWER,
}
_ARTICLES = frozenset({"the", "a", "an"})
_CURRENCY = "$€£¥₩"  # a sign before the number: its unit ("under $50")
# Words after a number that are bound words or connectives, not its unit.
_TAIL_WORDS = frozenset(
    {"or", "and", "at", "to", "of", "from", "in", "on", "for", "after", "before"}
)
# The unit word after an English number ("days", "pm" is in the number's span already).
_UNIT_EN = re.compile(r"\s*(?:-\s*)?([a-z%]+)")
_AFTER_EN_RE = re.compile(
    r"\s*(" + "|".join(re.escape(w) for w in sorted(_AFTER_EN, key=len, reverse=True)) + r")\b"
)
# A Japanese counter: up to three kana/kanji right after the digits (日, 日間, か月, 営業日).
_COUNTER_JA = re.compile(
    r"[ヶケか箇ヵ]?[\u4e00-\u9fff]{1,3}|[\u3040-\u309f]{0,1}[\u4e00-\u9fff]{1,2}"
)
_AFTER_JA_RE = re.compile(
    "(" + "|".join(re.escape(w) for w in sorted(_AFTER_JA, key=len, reverse=True)) + ")"
)


@dataclass(frozen=True, slots=True)
class Bound:
    """A number stated with a direction: its value, its unit word or counter ("" for a
    time or a bare number), which way it bounds, and the words that say so."""

    value: float
    unit: str
    direction: str | None  # UPPER, LOWER, or None: stated without a bound
    phrase: str


def _bound_before(before: str) -> str | None:
    """The bound words that end `before` (the text right before a number), if any: "within",
    "no more than"; an article or a currency sign may come between ("under $50", "after
    the 30 days")."""
    words = before.rstrip(_CURRENCY + " ").split()[-4:]
    while words and words[-1] in _ARTICLES:
        words.pop()
    for n in (3, 2, 1):
        if len(words) >= n and (key := " ".join(words[-n:])) in _BEFORE_EN:
            return key
    return None


def _unit(word: str) -> str:
    """A unit word compared without its plural ("days" = "day")."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


@lru_cache(maxsize=8192)
def bounds(text: str) -> tuple[Bound, ...]:
    """Every number of `text` with its bound direction (None when no bound word is next to
    it). `text` is normalised (NFKC, lower case) here."""
    t = unicodedata.normalize("NFKC", text).lower()
    found: list[Bound] = []
    for n in number_values(t):
        before, after = t[max(0, n.start - 24) : n.start], t[n.end : n.end + 24]
        direction, number = None, t[n.start : n.end]
        phrase, unit = number.rstrip("."), "time" if n.time else ""
        if after.isascii() or after[:1].isspace() or not after:
            currency = bool(before) and before[-1] in _CURRENCY
            m = _UNIT_EN.match(after) if not n.time and not currency else None
            tail = after
            if currency:  # "$50 ship free": the sign is the unit, not the next word
                unit, phrase = before[-1], before[-1] + number
            elif m is not None and m.group(1) not in _TAIL_WORDS:
                unit, tail = _unit(m.group(1)), after[m.end() :]
                phrase = f"{number} {m.group(1)}"
            b = _bound_before(before)
            a = _AFTER_EN_RE.match(tail)
            if b is not None:
                direction, phrase = _BEFORE_EN[b], f"{b} {phrase}"
            elif a is not None:
                direction, phrase = _AFTER_EN[a.group(1)], f"{phrase} {a.group(1)}"
        else:
            c = _COUNTER_JA.match(after) if not n.time else None
            rest = after
            if c is not None:
                # The counter stops where a bound word starts (「日以内」 → 「日」).
                word = c.group(0)
                cut = _AFTER_JA_RE.search(word)
                word = word[: cut.start()] if cut else word
                unit, rest = word, after[len(word) :]
            a = _AFTER_JA_RE.match(rest)
            if a is not None:
                direction = _AFTER_JA[a.group(1)]
                phrase = number + unit + a.group(1)
        found.append(Bound(n.value, unit, direction, phrase))
    return tuple(found)


def _same_thing(a: Bound, b: Bound) -> bool:
    """Same value, and the same unit where both have one."""
    return a.value == b.value and (not a.unit or not b.unit or a.unit == b.unit)


def clashing_bounds(said: tuple[Bound, ...], stated: tuple[Bound, ...]) -> tuple[str, str] | None:
    """(the phrase of `said`, the phrase of `stated`) for a number `said` bounds one way
    that `stated` mentions, for that thing, only bounded the other way; else None."""
    for s in said:
        if s.direction is None:
            continue
        others = [k for k in stated if _same_thing(s, k)]
        if others and all(k.direction is not None and k.direction != s.direction for k in others):
            return s.phrase, others[0].phrase
    return None


# Pre-checks, because `bounds` (every number of a text with its bound) costs ~30 µs on a
# claim and ~40 µs on a ~500-character context, and nearly every claim and context has a
# number: the scorer first asks whether the claim has a bound word at all, then whether the
# knowledge has a bound word of the other direction next to a number (str.find, a few µs).
_FILLER = frozenset({"or", "and", "at", "no", "not", "a", "than", "to", "of"})
_MARKS: dict[str, set[str]] = {}  # the telling word of each English phrase: its directions
for _phrase, _direction in (*_BEFORE_EN.items(), *_AFTER_EN.items()):
    _word = next(w for w in _phrase.split() if w not in _FILLER)
    _MARKS.setdefault(_word, set()).add(_direction)
_TOKEN = re.compile(r"[a-z]+")
_NUMBER_WORD = "|".join([*NUMBER_WORDS, "one"])
_NUMBER_NEXT = re.compile(
    rf"\s+(?:(?:the|a|an)\s+)?[{re.escape(_CURRENCY)}]?(?:\d|(?:{_NUMBER_WORD})\b)"
)
_NUMERAL_CHAR = re.compile(rf"[\d{KANJI_NUMERALS}]")


def _directions(text: str) -> set[str]:
    """The directions the bound words of `text` can mark (may over-count: a pre-check)."""
    found: set[str] = set()
    low = text.lower()
    for word in _MARKS.keys() & set(_TOKEN.findall(low)):
        found |= _MARKS[word]
    if not text.isascii():
        found.update(d for w, d in _AFTER_JA.items() if w in text)
    return found


_BEFORE_OF = {d: [w for w, v in _BEFORE_EN.items() if v == d] for d in (UPPER, LOWER)}
_AFTER_OF = {
    d: [w for w, v in (*_AFTER_EN.items(), *_AFTER_JA.items()) if v == d] for d in (UPPER, LOWER)
}


@lru_cache(maxsize=4096)  # a knowledge text is asked once per claim of each output
def _bounded_number(text: str, direction: str) -> bool:
    """Does `text` have a bound word of `direction` next to a number (may over-count)?"""
    low = text.lower()
    for phrase in _BEFORE_OF[direction]:
        i = low.find(phrase)
        while i >= 0:
            if _NUMBER_NEXT.match(low, i + len(phrase)):
                return True
            i = low.find(phrase, i + 1)
    for phrase in _AFTER_OF[direction]:
        i = low.find(phrase)
        while i >= 0:
            if _NUMERAL_CHAR.search(low, max(0, i - 16), i):
                return True
            i = low.find(phrase, i + 1)
    return False


def bound_clash(claim: str, knowledge: tuple[str, ...]) -> tuple[str, str] | None:
    """A number the claim bounds one way where the knowledge states it only the other
    way: (the claim's words, the knowledge's words), or None. Negation is the caller's to
    read (module docstring)."""
    said_ways = {d for d in _directions(claim) if _bounded_number(claim, d)}
    if not said_ways:  # no bound word next to a number: nothing to read (most claims)
        return None
    other = {LOWER if d == UPPER else UPPER for d in said_ways}
    if not any(_bounded_number(text, d) for d in other for text in knowledge):
        return None  # the knowledge never bounds a number the other way
    said = bounds(claim)
    stated = tuple(b for text in knowledge for b in bounds(text))
    return clashing_bounds(said, stated)
