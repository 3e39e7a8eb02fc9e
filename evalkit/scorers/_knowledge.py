"""The knowledge index of the lexical scorers: units of text and where they occur.

`Unit` is one checkable piece of a claim (a word, a number, a CJK run) with the probes
that find it; `Knowledge` is a knowledge text indexed for `locate` (which sentences hold
a unit), with per-sentence numbers, negation and list-item groups; `knowledge_index` and
`question_index` build and cache them. Kept apart from `_support` (claims and their
checks) so that each stays small; `_support` re-exports these names.

Why strings and bitmasks, not sets of words: with a different context for every case
(the million-case shape), building the index is most of the cost, and a few C-level
scans (`str.find`, `str.translate`, one regex cut) beat any per-word Python work.

Size (over 400 lines): one data structure (`Knowledge`) and how a text becomes one —
sentence cuts, the normal form, numbers and negation per sentence — which the property
tests (`tests/scorers/test_hallucination_speed_equivalence.py`) check against each other.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from evalkit.common.text import nfkc, numbers
from evalkit.scorers._lexicon import LIMITED_EN, NEG_EN, NEG_JA, STOPWORDS
from evalkit.scorers._numerals import kanji_numbers, scan_ascii_numbers
from evalkit.values import quick_init

__all__ = [
    "Knowledge",
    "Unit",
    "bigrams",
    "NEG_OR_LIMIT_EN",
    "scan_ascii_numbers",
    "knowledge_index",
    "ascii_words",
    "knowledge_sentences",
    "nfkc_text",
    "question_index",
    "stem",
    "word_unit",
]

_HAS_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_SUFFIXES = ("ies", "es", "s", "ing", "ed", "ly")


@lru_cache(maxsize=1 << 15)
def stem(word: str) -> str:
    """A light, language-agnostic-enough English stem: lower case, one inflection suffix
    stripped, then at most 5 characters. Deliberately coarse: it errs towards "supported"."""
    w = word.casefold()
    for suffix in _SUFFIXES:
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    return w[:5]


def bigrams(run: str) -> tuple[str, ...]:
    """Character bigrams of a CJK run (the run itself when it is one character)."""
    if len(run) < 2:
        return (run,)
    return tuple(run[i : i + 2] for i in range(len(run) - 1))


@quick_init  # built per word / text / claim: the cheaper __init__
@dataclass(frozen=True, slots=True)
class Unit:
    """One checkable piece of a claim. `kind` is "word", "number" or "cjk"; `specific`
    marks numbers, names and other facts that must appear in the knowledge."""

    text: str
    kind: str
    specific: bool
    # What `Knowledge.locate` searches for, computed once: for a word, " stem" (a word
    # start) or, for short words, " stem" as a gate and then any of " word " / " stem+ending ";
    # for a CJK run, all of its bigrams.
    probes: tuple[str, ...] = ()
    value: float = 0.0  # for numbers


@lru_cache(maxsize=1 << 16)
def word_unit(low: str, specific: bool) -> Unit:
    root = stem(low)  # always a prefix of `low`
    if len(root) >= 5:  # long words: any word starting with the stem ("direc|ted")
        return Unit(low, "word", specific, (f" {root}",))
    # Short words: the word or its stem with an inflection ("cat", "cats"); the first probe,
    # the stem at a word start, only gates the others.
    probes = (f" {root}", f" {low} ", *(f" {root}{e} " for e in _SHORT_ENDINGS if root + e != low))
    return Unit(low, "word", specific, probes)


@quick_init  # built per word / text / claim: the cheaper __init__
@dataclass(frozen=True, slots=True, eq=False)
class Knowledge:
    """A knowledge text, indexed for `locate`.

    Why strings, not sets of words: building sets costs more than it saves — an output has
    a handful of units, and `str.find` on a few hundred characters runs in C. `text` is the
    NFKC, case-folded text of each sentence with every non-word character turned into one
    space and a space at both ends (so " word" finds a word start and " word " a whole
    word), sentences concatenated; `starts` are the sentences' offsets in `text`, so that a
    hit maps to its sentence and binding needs no second search.

    Compared and hashed by identity (`eq=False`): `knowledge_index` hands back the same
    object for the same text, and `check_claim` caches on it.
    """

    text: str
    starts: tuple[int, ...]
    sentences: tuple[str, ...]  # the raw (NFKC) sentences, for their numbers
    negated: int  # bit i set: sentence i contains a negation cue
    groups: tuple[int, ...] = ()  # per sentence, its list item's sentences (`_bullet_groups`)
    # locate() results by unit: vocabulary repeats across the outputs checked against one
    # cached knowledge text, so most look-ups become one dict hit.
    memo: dict[tuple[str, str], int] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    # The numbers, computed on the first number look-up: most claims have none, and
    # number extraction is the costliest part of indexing a fresh context.
    lazy: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def _numbers(self) -> tuple[tuple[frozenset[float], ...], frozenset[float]]:
        got = self.lazy.get("numbers")
        if got is None:
            per = self._per_sentence_numbers()
            got = self.lazy["numbers"] = (per, frozenset().union(*per))
        return got

    def _per_sentence_numbers(self) -> tuple[frozenset[float], ...]:
        per: tuple[frozenset[float], ...] | None = self.lazy.get("per")
        if per is None:
            per = self.lazy["per"] = tuple(map(_numbers_of, self.sentences))
        return per

    def _number_masks(self) -> dict[float, int]:
        """Each number of the text → the bitmask of the sentences that hold it (one dict
        look-up per number unit instead of a scan of every sentence's set; its keys are
        `all_numbers`, so a look-up needs no union of the sentences' sets)."""
        where: dict[float, int] | None = self.lazy.get("where")
        if where is None:
            where = {}
            bit = 1
            for nums in self._per_sentence_numbers():
                for v in nums:
                    where[v] = where.get(v, 0) | bit
                bit <<= 1
            self.lazy["where"] = where
        return where

    def _number_mask(self, value: float) -> int:
        """`_number_masks().get(value, 0)`, reading only the sentences that can hold
        `value`.

        Why: reading every sentence's numbers is the costliest part of checking a claim
        against a fresh context, and a claim has one or two numbers. In ASCII text a
        number equal to a positive integer v is written with v's digits (leading zeros,
        thousands commas and a zero fraction aside: "2,258", "2258.0"), because a
        decimal of at most 15 significant digits reads as a float exactly; so a sentence
        without those digits (commas removed) holds no such number. Text with a longer
        digit run, non-ASCII text (万, kanji numerals) and other values take the full
        table."""
        where: dict[float, int] | None = self.lazy.get("where")
        if where is not None:
            return where.get(value, 0)
        plain: tuple[str, list[int]] | None = self.lazy.get("plain")
        if plain is None:
            # The sentences without commas, one per line, and where each one starts.
            joined = "\n".join(self.sentences).replace(",", "")
            offsets, at = [], 0
            for sentence in self.sentences:
                offsets.append(at)
                at += len(sentence) - sentence.count(",") + 1
            usable = joined.isascii() and _LONG_DIGITS.search(joined) is None
            plain = self.lazy["plain"] = (joined, offsets) if usable else ("", offsets)
        text, offsets = plain
        if not text or not (1 <= value < 1e15 and value.is_integer()):
            return self._number_masks().get(value, 0)
        digits = str(int(value))
        mask, checked, pos = 0, 0, text.find(digits)
        while pos >= 0:
            i = bisect_right(offsets, pos) - 1
            bit = 1 << i
            if not checked & bit:  # each sentence with the digits is read once
                checked |= bit
                if value in _numbers_of(self.sentences[i]):
                    mask |= bit
            pos = text.find(digits, pos + 1)
        return mask

    def has_phrase(self, phrase: str) -> bool:
        """Is `phrase` written as a whole (normalised, across sentence cuts such as the
        one after an initial: "Lawrence M. Tanenbaum")?"""
        flat = self.lazy.get("flat")
        if flat is None:
            flat = self.lazy["flat"] = " " + " ".join(self.text.split()) + " "
        low = phrase.lower() if phrase.isascii() else phrase.casefold()
        return f"{_norm(phrase, low)}" in flat

    @property
    def numbers(self) -> tuple[frozenset[float], ...]:
        """Per sentence, the numbers it holds (digits and kanji numerals, as values)."""
        return self._numbers()[0]

    @property
    def all_numbers(self) -> frozenset[float]:
        return self._numbers()[1]

    def locate(self, unit: Unit) -> int:
        """Bitmask of the sentences that hold `unit`; 0 when it is not found. A CJK run is
        "found" when each of its bigrams is somewhere (the mask: sentences with all)."""
        key = (unit.kind, unit.text)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = self._locate(unit)
        return found

    def _locate(self, unit: Unit) -> int:
        if unit.kind == "number":
            return self._number_mask(unit.value)
        text, starts = self.text, self.starts
        if unit.kind == "cjk":
            mask = -1
            for g in unit.probes:
                m = _hits(text, starts, g)
                if not m:
                    return self._compound(unit.text)
                mask &= m
            # All bigrams present but never in one sentence: found, held by no sentence.
            return mask if mask != 0 else 1 << len(starts)
        probes = unit.probes
        if len(probes) == 1:
            return _hits(text, starts, probes[0])
        if probes[0] not in text:
            return 0
        mask = 0
        for p in probes[1:]:
            if p in text:  # most endings are absent: skip the call (`_hits` gives 0)
                mask |= _hits(text, starts, p)
        return mask

    def _compound(self, run: str) -> int:
        """A kanji/katakana run whose bigrams are not all found may still be a compound of
        words the knowledge has (「週間取得」 from 「4週間」 and 「取得」): found when it
        splits into pieces of two or more characters (one at either end of the run) that
        each occur in the text. Returns the sentences that hold any piece: a compound
        names one thing, and binding only needs it where its other words are."""
        n, text, starts = len(run), self.text, self.starts
        # best[i]: a mask for a split of run[:i] (None: no split found).
        best: list[int | None] = [None] * (n + 1)
        best[0] = 0
        for i in range(n):
            if best[i] is None:
                continue
            # One-character pieces only as an affix of the run: a counter after a number
            # (「10日付与」) or a suffix (「就業規則上」), never a string of single kanji.
            low = i + 1 if i == 0 or i == n - 1 else i + 2
            for j in range(n, low - 1, -1):
                if best[j] is None:
                    m = _hits(text, starts, run[i:j])
                    if m:
                        best[j] = (best[i] or 0) | m
        mask = best[n]
        if mask is None:
            return 0
        return mask if mask != 0 else 1 << len(starts)

    def sentence(self, i: int) -> str:
        end = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[i] : end]


def _hits(text: str, starts: tuple[int, ...], probe: str) -> int:
    mask, pos = 0, text.find(probe)
    while pos >= 0:
        mask |= 1 << (bisect_right(starts, pos) - 1)
        pos = text.find(probe, pos + 1)
    return mask


# 16+ digits (and points) in a row: a decimal that may round to a float it does not spell.
_LONG_DIGITS = re.compile(r"[0-9.]{16,}")
# Where a knowledge sentence may end (see `_sentences_and_lines`).
_CUT_CANDIDATE = re.compile(r"[.!?。！？\n]")
_NON_WORD = re.compile(r"[\W_]+")
_DIGIT = re.compile(r"\d")
_SHORT_ENDINGS = ("", "s", "es", "ed", "d", "ing", "er", "ers")
# NEG_EN and LIMITED_EN as probes of the normalised text (" word " is a whole word there,
# "n t " an "n't"): a few C-level `find`s cost less than one regex scan of the text. A hit
# is confirmed with the regex on that sentence alone (the normalised text also turns
# "invoice_no" into "invoice no").
_NEG_OR_LIMIT_EN = re.compile(f"(?:{NEG_EN.pattern})|(?:{LIMITED_EN.pattern})")
NEG_OR_LIMIT_EN = _NEG_OR_LIMIT_EN  # a sentence with a match is a negated one (`Knowledge.negated`)
_NEG_PROBES_EN = (
    *(
        f" {w} "
        for w in "not no never none nothing neither nor cannot without until till before"
        " unless except".split()
    ),
    " only if ",
    "n t ",
)


def knowledge_sentences(text: str) -> list[str]:
    """The sentences of a (NFKC) knowledge text, punctuation kept, blank ones dropped."""
    return [p for p, _ in _sentences_and_lines(text)]


# Abbreviations that stand before a number ("Form No. 5", "Vol. 2", "pp. 10-12").
_NUMBER_ABBREVIATIONS = frozenset("no nos vol fig p pp art sec ch".split())


def dot_cuts(text: str, p: int) -> bool:
    """Does the "." at `p` end a sentence? Before whitespace it does, unless a lower-case
    word follows ("e.g. the main one", "approx. three") or a number follows an abbreviation
    that stands before numbers ("Form No. 5"); before a capital, maybe quoted, it does
    ("ends.Next", "ends.\"Next"); otherwise not ("3.5", "U.S.-based")."""
    nxt = text[p + 1 : p + 2]
    if nxt.isspace():
        q, n = p + 2, len(text)
        while q < n and text[q].isspace():
            q += 1
        after = text[q : q + 1]
        if after.islower():
            return False
        if after.isupper() and _initial(text, p):
            return False  # "S. P. L. Sørensen", "George W. Bush": initials of a name
        if after.isdigit():
            w = p
            while w > 0 and text[w - 1].isalpha():
                w -= 1
            return text[w:p].lower() not in _NUMBER_ABBREVIATIONS
        return True
    return "A" <= nxt <= "Z" or bool(nxt and nxt in "\"'([" and "A" <= text[p + 2 : p + 3] <= "Z")


def _initial(text: str, p: int) -> bool:
    """Is the "." at `p` after a single capital letter that stands alone (after a space,
    an opening bracket or another initial's dot): a name's initial, not a sentence's end.
    ("World War I." ending a sentence reads as an initial too: its sentence runs on into
    the next, which costs binding nothing it would have found.)"""
    if p < 1 or not ("A" <= text[p - 1] <= "Z"):
        return False
    return p == 1 or text[p - 2] in " .(\"'"


def _sentences_and_lines(text: str) -> list[tuple[str, int]]:
    """Each sentence with the number of the line it starts on. Cuts: after a "." that
    `dot_cuts` (the whitespace after it consumed); after "!" / "?" (with the whitespace
    after them); after 。！？; at line breaks (consumed). Candidates are found with a
    plain character class and decided here: a regex with those alternatives tests every
    position of the text and costs several times more."""
    parts, start, line, n = [], 0, 0, len(text)
    for m in _CUT_CANDIDATE.finditer(text):
        cut = m.start()
        if cut < start:
            continue  # inside whitespace an earlier cut consumed
        c = text[cut]
        if c == "\n":
            end = cut + 1
            while end < n and text[end] == "\n":
                end += 1
            parts.append((text[start:cut], line))
        else:
            if c == ".":
                if not dot_cuts(text, cut):
                    continue  # "3.5", "e.g. the", "No. 5"
                end = cut + 1
                # `str.isspace` is exactly the regex `\s` (checked over all of Unicode);
                # a loop over the usual one space beats a regex call.
                while end < n and text[end].isspace():
                    end += 1
            elif c in "!?":
                end = cut + 1
                while end < n and text[end].isspace():
                    end += 1
            else:  # 。！？
                end = cut + 1
            parts.append((text[start : cut + 1], line))
        line += text.count("\n", cut, end)
        start = end
    parts.append((text[start:], line))
    return [(p, k) for p, k in parts if p.strip()] or [("", 0)]


# A list item: "- …", "* …", "• …", "・…", "1. …", "(2) …"; or a labelled line, a short
# label and a colon before its sentences ("Product 3: …", "Canada: …", 「営業時間：…」).
_BULLET = re.compile(
    r"\s*(?:[-*]\s+|[•・●▪‣]|\d{1,2}[.)]\s+|[(（]\d{1,2}[)）]|[^\s:：.!?。][^:：.!?。\n]{0,40}[:：]\s*\S)"
)


def _bullet_groups(parts: Sequence[tuple[str, int]]) -> tuple[int, ...]:
    """Per sentence, the mask of the sentences of its list item or labelled line (itself
    when it is not in one): the sentences of one bullet share a subject ("- Canada:
    standard only. Duties are collected at checkout."), and so do those after a label
    ("Product 3: … . …", 「営業時間：…。…」), so a claim may draw on any of them. Empty when
    the text has neither. (Labelled lines: on a document of 16 "Product N: …" lines, binding
    flagged 227 of 500 faithful answers that named the product, 1 with them.)"""
    first_of_line: dict[int, str] = {}
    for p, n in parts:
        first_of_line.setdefault(n, p)
    bullets = {n for n, p in first_of_line.items() if _BULLET.match(p)}
    if not bullets:
        return ()
    by_line: dict[int, int] = {}
    for i, (_, n) in enumerate(parts):
        if n in bullets:
            by_line[n] = by_line.get(n, 0) | 1 << i
    return tuple(
        by_line.get(n, 1 << i) if n in bullets else 1 << i for i, (_, n) in enumerate(parts)
    )


_ASCII_NON_WORD = {i: " " for i in range(128) if not chr(i).isalnum()}


def _norm(part: str, low: str) -> str:
    """ " " + the sentence's words, case-folded, joined by single spaces + " ". ASCII text
    takes a `str.translate` path (same result as the regex, a third cheaper)."""
    if part.isascii():
        return " " + " ".join(low.translate(_ASCII_NON_WORD).split()) + " "
    return " " + _NON_WORD.sub(" ", low).strip() + " "


def ascii_words(text: str) -> str:
    """An ASCII text's words, lower case, one space between them and one at either end:
    `Knowledge.text` without its sentence cuts. Each sentence's words are a run of the
    text's (a cut falls after a punctuation mark, which is no word character), so a
    pattern of words and single spaces that matches one sentence of `knowledge_index(text)
    .text` matches this too: a cheap test that the index cannot hold a cue."""
    return _norm(text, text.lower())


def _mask_of(pattern: re.Pattern[str], parts: Sequence[str]) -> int:
    """Bit i set when sentence i matches `pattern`: one scan of the joined sentences (a
    search per sentence costs a call each), mapped back by offset."""
    joined = "\n".join(parts)
    mask, offsets, pos = 0, [], 0
    for part in parts:
        offsets.append(pos)
        pos += len(part) + 1
    for m in pattern.finditer(joined):
        mask |= 1 << (bisect_right(offsets, m.start()) - 1)
    return mask


# Per sentence, not per text: contexts that differ as wholes (a million cases, each its own
# context) are mostly built from recurring sentences (policy clauses, retrieved chunks), so
# a sentence's normal form, negation flag and numbers are computed once for all of them.
# Keyed by the sentence string only, and small: about a megabyte each at most.
@lru_cache(maxsize=2048)
def _sentence_index(part: str) -> tuple[str, bool]:
    """(the sentence's normalised text (`_norm`), does it hold an English negation or
    limiting cue). The cue test is two-step: a few C-level probes of the normalised text
    ("n t " is an "n't"), then the regex on the case-folded sentence to confirm ("invoice_no"
    is not a "no"). A probe never spans two sentences of `Knowledge.text` (each ends and
    starts with a space), so per sentence gives what a scan of the joined text gives."""
    low = part.lower() if part.isascii() else part.casefold()
    norm = _norm(part, low)
    neg = False
    for probe in _NEG_PROBES_EN:  # a plain loop: no generator per sentence
        if probe in norm:
            neg = _NEG_OR_LIMIT_EN.search(low) is not None
            break
    return norm, neg


@lru_cache(maxsize=2048)
def _numbers_of(sentence: str) -> frozenset[float]:
    """The numbers of one NFKC sentence (`_sentence_numbers`; ASCII is NFKC-stable and has
    no kanji, so it takes `scan_ascii_numbers` without the `nfkc` and the CJK search)."""
    if sentence.isascii():
        return frozenset(scan_ascii_numbers(sentence))
    return frozenset(_sentence_numbers(sentence))


@lru_cache(maxsize=64)
def nfkc_text(text: str) -> str:
    """`nfkc` of a knowledge text, cached: the verbatim checks read the same context for each
    claim (and the index reads it once more). Not worth it, and not used, for ASCII text
    (NFKC leaves it as it is)."""
    return nfkc(text)


# "The Formation World Tour was Beyoncé's sixth concert tour. It opened at Marlins Park…":
# the second sentence is about the tour, but does not name it; an answer that names it
# ("The Formation World Tour opened at Marlins Park") was read as stitched from two
# sentences (binding). A sentence that opens with a subject pronoun is indexed with the
# pronoun replaced by the subject of the sentence before it, when that one opens with a
# name ("The Formation World Tour", "Marie Curie"): the name only, not the rest of that
# sentence, so facts of the two sentences are still not bound together ("X was directed
# by A. It stars B." does not state "X was directed by B"). English only.
_OPENING_NAME = re.compile(
    r"(?:The\s+)?[A-ZÀ-ÖØ-Þ][\w'’.&-]*(?:\s+(?:(?:of|the|de|and|&|for)\s+)?[A-ZÀ-ÖØ-Þ][\w'’.&-]*)*"
    r"(?=\s+[a-z(])"
)
_OPENING_PRONOUNS = ("It ", "He ", "She ", "They ")


def _resolve_pronoun(sentence: str, before: str) -> str:
    """`sentence` with its opening pronoun replaced by the name `before` opens with (the
    sentence before it, itself resolved: "X was… It opened… It closed…" are all about X).
    A `startswith` test first: most sentences open otherwise, and it costs no regex."""
    if not sentence.startswith(_OPENING_PRONOUNS):
        return sentence
    end = sentence.index(" ")
    if not sentence[end + 1 : end + 2].islower():
        return sentence
    name = _OPENING_NAME.match(before)
    if name is None:
        return sentence
    words = name.group().split()
    head = words[1] if len(words) > 1 and words[0] == "The" else words[0]
    if head.casefold() in STOPWORDS:  # "In 2016, …", "However, …": no subject named
        return sentence
    return name.group() + sentence[end:]


@lru_cache(maxsize=256)  # contexts repeat across a case's samples, rarely further
def knowledge_index(text: str) -> Knowledge:
    """Index a knowledge text (cached per string: contexts repeat across outputs)."""
    t = text if text.isascii() else nfkc_text(text)
    lined = _sentences_and_lines(t)
    parts = [p for p, _ in lined]
    # ASCII holds no CJK: `isascii` is O(1) on CPython, the regex scans the whole text.
    cjk = not t.isascii() and _HAS_CJK.search(t) is not None
    texts, starts, offset, negated = [], [], 0, 0
    before = ""
    for i, part in enumerate(parts):
        before = _resolve_pronoun(part, before) if before else part
        norm, neg = _sentence_index(before)
        texts.append(norm)
        starts.append(offset)
        offset += len(norm)
        if neg:
            negated |= 1 << i
    joined, starts_t = "".join(texts), tuple(starts)
    if cjk:
        negated |= _mask_of(NEG_JA, parts)
    return Knowledge(
        text=joined,
        starts=starts_t,
        sentences=tuple(parts),
        negated=negated,
        groups=_bullet_groups(lined) if "\n" in t else (),
    )


@lru_cache(maxsize=1024)
def question_index(text: str) -> Knowledge:
    """A question's text indexed as one sentence: it only answers "is this unit echoed?"
    and "does the question negate?", so it skips the sentence split."""
    t = nfkc(text)
    low = t.lower() if t.isascii() else t.casefold()
    norm = _norm(t, low)
    cjk = not t.isascii() and _HAS_CJK.search(t) is not None
    negated = bool(
        any(probe in norm for probe in _NEG_PROBES_EN) and _NEG_OR_LIMIT_EN.search(low)
    ) or bool(cjk and NEG_JA.search(t))
    return Knowledge(text=norm, starts=(0,), sentences=(t,), negated=int(negated))


def _sentence_numbers(sentence: str) -> list[float]:
    """Digits (`evalkit.common.text.numbers`) and kanji numerals of one NFKC sentence."""
    values = numbers(sentence) if _DIGIT.search(sentence) else []
    if not sentence.isascii() and _HAS_CJK.search(sentence):
        values += kanji_numbers(sentence)
    return values
