"""A number stated as a count of something the knowledge never counts with that value
(`counter_clash`), and a knowledge sentence restated with another number of its kind
(`restated_clash`, at the end of the module).

「入社6か月後に15日の年次有給休暇が付与されます」 where the knowledge says 「…10日の年次有給休暇
を付与する」 and, elsewhere, 「コアタイムは10時から15時とする」: the value 15 is in the
knowledge, so the number layers (which index a number by its value: "8 PM" must be found
where the knowledge writes "16:0-20:0") pass it. Binding (`_support.check_claim`) sees that
no sentence holds "15" with the claim's other words, but it is read only on an English
answer of one statement: real answers of several claims, and Japanese answers, bind facts
across sentences (`_topics`' docstring has the figures). The same in English: "Premium is
$12 per month" where the knowledge's 12 is "12 user seats", in an answer of three claims.

The rule: a number of a claim with a counter, whose value the knowledge (or the question)
states only with other counters, contradicts it. A Japanese counter is written onto its
number (「15日」「15人」「15,000円」「15時」) and says what is counted; an English number's unit
is read by kind (`_english_counter`): a duration's unit ("30 days", "30-day"), a currency
("$12", "12 dollars"), or any other word after it, which makes it a count of something
("12 user seats", "15 new cases": one kind, never told apart). Deliberately lenient:

- a bare number in the knowledge (a table cell, 「15」, "12 of them", "12 per month"), or
  one in the other language, could count anything: the claim's number is consistent with it;
- two Japanese counters are the same when one holds the other (「日」 and 「営業日」, 「日」 and
  「日間」, 「月」 and 「か月」: a month and a number of months are not told apart), when they
  start alike (the counter's run goes on into the next word: 「日付与」), or when both are in
  one group of `_SAME` (「人」「名」, the ways to write 「か月」, 「歳」「才」, list counters);
- a clock time counts as its hour with the counter 「時」 (「15時」), its minutes not read;
  an English clock time ("9 am") is read by its minutes, so it meets no count;
- a share (「1割」, 「10%」, "10%") is another kind of value and is not read: the
  knowledge's 「1割」 says nothing about a claim's 「10年」;
- values under `MIN_VALUE` are not read: small counts are stated with many counters in any
  text, and an answer counts its own list (「主に以下の2点」); but a small span of time is read
  against spans of time (「5時間」 where the knowledge's only 5 is 「5日」);
- a number the knowledge does not state at all is not this rule's: the number layers
  name it as unstated.

Where it came from: trying the Japanese demo suite as a user would: a replayed answer
changed from 10日 to 15日 passed the hallucination scorer because the handbook in the
prompt has 「15時」; the English kinds followed from the same question asked of a support
policy. On the dev sets it fires on none of the 1412 items (README, Hallucination): it is
there for the swaps the labelled set holds (`en-counter-*`, `ja-counter-*`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from evalkit.scorers._language import NUMBER, analyse, index_words, plain_text, sentences
from evalkit.scorers._lexicon import STOPWORDS
from evalkit.scorers._number_values import (
    NUMBER_WORDS,
    digits_stand_alone,
    minus_before,
    number_values,
)

__all__ = ["MIN_VALUE", "Counted", "counted", "counter_clash", "restated_clash"]

# Small counts are stated with many counters in any text, and an answer counts its own
# list (「主に以下の2点」, 「2種類があります」): below this a number is not read.
MIN_VALUE = 10

# A counter: the kanji (or か/ヶ + kanji) written right after the number. The run may go on
# into the next word (「10日付与」); `_same_counter` compares by containment for that.
_COUNTER = re.compile(r"[ヶケかカ箇ヵ]?[\u4e00-\u9fff]{1,3}")
# Counters written differently for one thing (NFKC has made ｶ and ｹ full-width).
_SAME = (
    frozenset({"人", "名"}),
    frozenset({"歳", "才"}),
    frozenset({"か月", "ヶ月", "ケ月", "カ月", "箇月", "ヵ月"}),
    # Entries of a list, counted interchangeably (a faithful JHARS answer says 「26項目」
    # where its knowledge says 「計26号にわたって規定」).
    frozenset({"項", "号", "点", "件", "個"}),
)
_MONTHS = {w: "か月" for w in _SAME[2]}


@dataclass(frozen=True, slots=True)
class Counted:
    """A number of a text: its value, its counter ("" when none; "%" for a share; for
    English the unit's kind, `_english_counter`), the words that state it ("15日", "$12"),
    and whether the counter is an English one."""

    value: float
    counter: str
    phrase: str
    english: bool = False


@lru_cache(maxsize=256)  # a case's claims recur across its samples, its knowledge across claims
def counted(text: str) -> tuple[Counted, ...]:
    """Every number of `text` with its counter (see the module docstring)."""
    t = unicodedata.normalize("NFKC", text)
    found: list[Counted] = []
    for n in number_values(t):
        number = t[n.start : n.end]
        if n.time:
            if n.value % 60 == 0 and n.written is not None and number.endswith("時"):
                # float, as every value: an int has no `is_integer` (Python 3.11), and
                # `_stated` asks it (「15時」 against an English text that writes 15).
                found.append(Counted(float(n.written), "時", number))
            else:
                found.append(Counted(n.value, "", number))
            continue
        if number.endswith("割") or t.startswith("%", n.end):
            found.append(Counted(n.value, "%", number + ("%" if number[-1] != "割" else "")))
            continue
        after = t[n.end : n.end + 1]
        if not after or after.isascii():
            unit, phrase = _english_counter(t, n.start, n.end)
            found.append(Counted(n.value, unit, phrase, True))
            continue
        m = _COUNTER.match(t, n.end)
        counter = m.group() if m is not None and not t[n.end - 1 : n.end].isspace() else ""
        for long, short in _MONTHS.items():
            if counter.startswith(long):
                counter = short + counter[len(long) :]
        found.append(Counted(n.value, counter, number + _shown(counter)))
    return tuple(found)


# English units by kind: a duration's unit, a currency, a share; any other word after a
# number makes it a count of something ("#"); a function word (`STOPWORDS`: "12 of them",
# "order 12 is …") leaves it bare.
_TIME_UNITS = {
    **{w: w for w in ("second", "minute", "hour", "day", "week", "month", "year", "decade")},
    **{"sec": "second", "min": "minute", "hr": "hour", "yr": "year", "century": "century"},
}
_CURRENCY = {"$": "$", "€": "€", "£": "£", "¥": "¥"}
_CURRENCY_WORDS = {"dollar": "$", "usd": "$", "euro": "€", "eur": "€", "pound": "£", "yen": "¥"}
_BARE_AFTER = STOPWORDS | frozenset("times x am pm percent cent plus".split())
_WORD_AFTER = re.compile(r"[ \t]*(?:-[ \t]*)?([A-Za-z]+)")


def _english_counter(t: str, start: int, end: int) -> tuple[str, str]:
    """(the kind of an English number's unit, the words that state it): "$" for "$12" or
    "12 dollars", "day" for "30 days" / "30-day", "#" for "12 user seats", "" for a bare
    number or one before a function word ("12 of them", "12 per month")."""
    number = t[start:end]
    sign = t[start - 1 : start]
    if sign in _CURRENCY:
        return _CURRENCY[sign], sign + number
    m = _WORD_AFTER.match(t, end)
    if m is None:
        return "", number
    word = m.group(1)
    low = word.lower()
    if low in _BARE_AFTER or low in NUMBER_WORDS:
        return "", number
    one = low[:-1] if len(low) > 3 and low.endswith("s") else low
    unit = _TIME_UNITS.get(one) or _CURRENCY_WORDS.get(one) or "#"
    return unit, t[start : m.end()]


def _shown(counter: str) -> str:
    """The counter as a reason shows it: the run may go on into the next word (「日付与」)."""
    for whole in ("か月", "営業日", "時間"):
        if counter.startswith(whole):
            return whole
    return counter[:1]


def _same_counter(a: str, b: str) -> bool:
    if a[0] == b[0] or a in b or b in a:
        return True
    return any(
        any(a.startswith(w) for w in group) and any(b.startswith(w) for w in group)
        for group in _SAME
    )


def counter_clash(claim: str, texts: tuple[str, ...]) -> tuple[str, str] | None:
    """(the claim's number with its counter, the knowledge's number with another counter)
    for a number of `claim` whose value the texts (knowledge and question) state only with
    other counters; else None. A counter is compared only with counters of its language:
    another language's is read as a bare number."""
    return _readings(claim, texts)[0]


@lru_cache(maxsize=64)  # `counter_clash`, then `restated_clash` of the same claim
def _readings(
    claim: str, texts: tuple[str, ...]
) -> tuple[tuple[str, str] | None, tuple[Counted, ...]]:
    """(`counter_clash`'s answer, the claim's numbers with a counter that the texts never
    give with that counter: what `restated_clash` reads). One pass over the claim's
    numbers for both rules: each unwritten number's value is looked up in the texts once."""
    if not _DIGIT.search(claim):
        return None, ()  # no number (most claims): nothing to read
    said_all = [c for c in counted(claim) if c.counter and c.counter != "%"]
    unmatched: list[Counted] = []
    for said in said_all:
        if any(_written(said.phrase, text) for text in texts):
            continue  # the knowledge writes it as the claim does ("2257 yen", 「15日」)
        same = [
            c
            for text in texts
            for c in _stated(text, said.value)
            if c.value == said.value and c.counter != "%"
        ]
        if not any(_same_kind(c, said, lenient=True) for c in same or _scaled(said, texts)):
            unmatched.append(said)
        if said.value < MIN_VALUE and not (_duration(said) and all(map(_duration, same))):
            continue  # a small count: read only as a span of time against spans of time
        if same and all(
            c.counter and c.english == said.english and not _same(c, said) for c in same
        ):
            return (said.phrase, same[0].phrase), ()
    return None, tuple(unmatched)


_DIGIT = re.compile(r"[0-9０-９〇一二三四五六七八九十百千万億]")
# Spans of time: 「5時間」 against 「5日」 is no count of list items (`MIN_VALUE`), however small.
_DURATIONS_JA = ("時間", "日", "分", "秒", "週", "か月", "年")
_DURATIONS_EN = frozenset(_TIME_UNITS.values())


def _duration(c: Counted) -> bool:
    if c.english:
        return c.counter in _DURATIONS_EN
    return c.counter.startswith(_DURATIONS_JA)


def _written(phrase: str, text: str) -> bool:
    """Does `text` write `phrase` (a number with its counter) as a whole number: not
    "15日" inside "115日"? NFKC and case as they come: a miss only costs the full reading."""
    at = text.find(phrase)
    while at >= 0:
        if not text[at - 1 : at].isdigit() and text[at - 1 : at] not in ",.":
            return True
        at = text.find(phrase, at + 1)
    return False


def _stated(text: str, value: float) -> tuple[Counted, ...] | list[Counted]:
    """The numbers of `text` that may equal `value`, with their counters: `counted(text)`,
    or, for a whole value in ASCII text, only the places its digits are written ("2257",
    "2,257") read as `counted` reads them.

    Why: a fresh ~500-character context per case made `counted(text)` (every number of the
    text) a third of the scorer's time on the paraphrased scale load (cProfile, 3000 cases:
    0.82 of 2.80 s). An ASCII text writes a whole number with its digits (a number word,
    "1.2 million", reads as no match: the claim is then consistent with that text, the
    lenient side)."""
    if not (text.isascii() and value.is_integer() and 1 <= value < 1e15):
        return counted(text)
    found: list[Counted] = []
    for digits in {str(int(value)), f"{int(value):,}"}:
        at = text.find(digits)
        while at >= 0:
            end = at + len(digits)
            if _whole(text, at, end):
                if text.startswith("%", end):
                    found.append(Counted(value, "%", digits + "%"))
                else:
                    unit, phrase = _english_counter(text, at, end)
                    found.append(Counted(value, unit, phrase, True))
            at = text.find(digits, end)
    return found


def _whole(text: str, start: int, end: int) -> bool:
    """Is text[start:end] a whole number as `number_values` reads one: not part of a larger
    number ("2257" in "12257", "14" in "14.99"), of an identifier ("v12"), of a clock time
    ("9:30"), nor negative ("-12")?"""
    before, after = text[start - 1 : start], text[end : end + 1]
    if before.isalpha() or ":" in (before, after):
        return False
    return digits_stand_alone(text, start, end) and not minus_before(text, start)


def _same(a: Counted, b: Counted) -> bool:
    if a.english:
        return a.counter == b.counter
    return _same_counter(a.counter, b.counter)


def restated_clash(claim: str, texts: tuple[str, ...]) -> tuple[str, str] | None:
    """(the claim's number with its counter, the number its closest knowledge sentence
    gives with that counter) for a claim that restates one knowledge sentence with another
    number of the same kind: "Tracking can take up to 5 hours to show the first update."
    where the knowledge says "… up to 24 hours …" (and 5 only as "5 business days"),
    「在宅勤務は週5日まで認められています」 where it says 「在宅勤務は週3日まで認める」 (and 5
    only as 「会議室は5部屋」).

    Read only for a number with a counter that the texts never give with that counter
    (a value they do give so, "5 days" in another sentence, may be an answer that merges
    two sentences: binding's question, which real answers make hard, `counter_clash`'s
    docstring); then the closest sentence is the one that holds the most of the claim's
    words, at least two and half of them, and it clashes when it gives another value with
    the same counter and not the claim's. Small values are read (a span of 7 days is no
    list count when the sentence itself counts days).

    Where it came from: the planted-slip benchmark (`tests/benchmarks/perturbed_replays.py
    --kind numbers`), whose misses were numbers stitched in from another policy line; on the
    dev sets it changes one decision (README, Hallucination, specifics)."""
    said = _readings(claim, texts)[1]
    if not said:
        return None
    words = {u.key.casefold() for u in analyse(claim) if u.kind != NUMBER}
    if len(words) < 2:
        return None
    best, most = "", max(2, (len(words) + 1) // 2) - 1
    for text in texts:
        for sentence, keys in _sentence_keys(text):
            held = len(words & keys)
            if held > most:
                best, most = sentence, held
    if not best:
        return None
    theirs = counted(best)
    for c in said:
        if any(k.value == c.value for k in theirs):
            continue
        for k in theirs:
            if _same_kind(k, c):
                return c.phrase, k.phrase
    return None


def _same_kind(a: Counted, b: Counted, lenient: bool = False) -> bool:
    """Do two numbers count the same kind of thing: the same counter, and for an English
    count of something ("#": "12 user seats") the same word after it ("3 provides" and
    "6 feet" are no one kind) unless `lenient` (then any two counts are: "62 working days"
    is stated by "62 business days")?"""
    if not a.counter or a.counter == "%" or a.english != b.english or not _same(a, b):
        return False
    return lenient or a.counter != "#" or _unit_word(a.phrase) == _unit_word(b.phrase)


def _scaled(said: Counted, texts: tuple[str, ...]) -> list[Counted]:
    """The texts' numbers of a large value that `_stated` finds only by its digits: "$50
    million" for the 50,000,000 of "$50m"."""
    if said.value < 1000:
        return []
    return [c for text in texts for c in counted(text) if c.value == said.value]


def _unit_word(phrase: str) -> str:
    """The word of an English number's phrase ("12 user" → "user"), its plural -s off."""
    word = phrase.rsplit(None, 1)[-1].lstrip("-").lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


@lru_cache(maxsize=64)  # a case's knowledge, read for each of its claims
def _sentence_keys(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The sentences of `text` with their index keys (`_language.index_words`)."""
    return tuple((s, index_words(s).keys) for s in sentences(plain_text(text)))
