"""Lexical support of claims by a knowledge text: the offline core of the hallucination
scorer. Pure functions; English and Japanese (and other CJK) alike.

Why lexical: it is fast (no model call; well under a millisecond per output), deterministic
and explainable —
every verdict names the words it could not find. It cannot see a paraphrase that keeps the
words but changes the meaning; the judge layer exists for that.

Units. An output is split into claims (`split_claims`), each claim into *units*:

- English content words (function words dropped), compared exactly or by a light stem
  (plural / inflection suffixes stripped, then a 5-character prefix) so that "directed"
  is supported by "director" and "Canadian" by "Canada";
- numbers (as values: "３０日", "30 days", 「三十日」 and "30" are the same 30);
- CJK runs of kanji or katakana (Japanese content words; hiragana is mostly particles and
  inflection), compared by character bigrams, so 「対象外」 is not supported by 「対象」;
- *specifics* are the units that state checkable facts: numbers, capitalised words that
  are not sentence-initial function words, katakana runs and Latin words inside CJK text.

A `Knowledge` index is built once per knowledge string and cached (`knowledge_index`),
because the same context is checked against many outputs; look-ups of a unit in it are
memoised too. Binding and polarity (see `check_claim`) work on per-sentence bitmasks, so
they need no second search.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from evalkit.scorers._lexicon import NEG_EN, NEG_JA, NEGATIONS, STOPWORDS, claim_negated
from evalkit.scorers._numerals import kanji_numbers
from evalkit.text import nfkc, numbers

__all__ = [
    "Knowledge",
    "Unit",
    "ClaimCheck",
    "knowledge_index",
    "split_claims",
    "claim_units",
    "check_claim",
    "claim_negated",
    "stem",
    "bigrams",
    "STOPWORDS",
    "NEGATIONS",
]

_CLAIM_END = re.compile(
    r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|(?<=[。！？!?])|\n+|;\s+|；"
    r"|,\s+(?:and|but|while|whereas|although|though|so|yet)\s+"
)
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏ]+|\d+(?:[.,]\d+)*")
_CJK_RUN = re.compile(
    r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff々〆ヵヶ]+|[\u30a0-\u30ffー]+|[\uac00-\ud7af]+"
)
_HAS_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_SUFFIXES = ("ies", "es", "s", "ing", "ed", "ly")


@lru_cache(maxsize=1 << 17)
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
def _word_unit(low: str, specific: bool) -> Unit:
    root = stem(low)  # always a prefix of `low`
    if len(root) >= 5:  # long words: any word starting with the stem ("direc|ted")
        return Unit(low, "word", specific, (f" {root}",))
    # Short words: the word or its stem with an inflection ("cat", "cats"); the first probe,
    # the stem at a word start, only gates the others.
    probes = (f" {root}", f" {low} ", *(f" {root}{e} " for e in _SHORT_ENDINGS if root + e != low))
    return Unit(low, "word", specific, probes)


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
    numbers: tuple[frozenset[float], ...]  # per sentence
    all_numbers: frozenset[float]
    negated: int  # bit i set: sentence i contains a negation cue
    # locate() results by unit: vocabulary repeats across the outputs checked against one
    # cached knowledge text, so most look-ups become one dict hit.
    memo: dict[tuple[str, str], int] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.all_numbers

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
            if unit.value not in self.all_numbers:
                return 0
            return sum(1 << i for i, nums in enumerate(self.numbers) if unit.value in nums)
        text, starts = self.text, self.starts
        if unit.kind == "cjk":
            mask = -1
            for g in unit.probes:
                m = _hits(text, starts, g)
                if not m:
                    return 0
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
            mask |= _hits(text, starts, p)
        return mask

    def sentence(self, i: int) -> str:
        end = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[i] : end]


def _hits(text: str, starts: tuple[int, ...], probe: str) -> int:
    mask, pos = 0, text.find(probe)
    while pos >= 0:
        mask |= 1 << (bisect_right(starts, pos) - 1)
        pos = text.find(probe, pos + 1)
    return mask


_KB_SENTENCE = re.compile(r"(?<=[.!?])(?=[\"'(\[]?[A-Z])|(?<=[.!?])\s+|(?<=[。！？!?])|\n+")
_NON_WORD = re.compile(r"[\W_]+")
_DIGIT = re.compile(r"\d")
_SHORT_ENDINGS = ("", "s", "es", "ed", "d", "ing", "er", "ers")


@lru_cache(maxsize=4096)
def knowledge_index(text: str) -> Knowledge:
    """Index a knowledge text (cached per string: contexts repeat across outputs)."""
    t = nfkc(text)
    parts = [p for p in _KB_SENTENCE.split(t) if p.strip()] or [""]
    texts, starts, nums, negated, offset = [], [], [], 0, 0
    for i, part in enumerate(parts):
        low = part.casefold()
        norm = " " + _NON_WORD.sub(" ", low).strip() + " "
        texts.append(norm)
        starts.append(offset)
        offset += len(norm)
        values = numbers(part) if _DIGIT.search(part) else []
        if _HAS_CJK.search(part):
            values += kanji_numbers(part)
        nums.append(frozenset(values))
        if NEG_EN.search(low) or NEG_JA.search(part):
            negated |= 1 << i
    return Knowledge(
        text="".join(texts),
        starts=tuple(starts),
        numbers=tuple(nums),
        all_numbers=frozenset().union(*nums),
        negated=negated,
    )


@lru_cache(maxsize=65536)
def split_claims(text: str) -> tuple[str, ...]:
    """Sentences/clauses of an output: split after . ! ? (before a capital or digit),
    after 。！？, at line breaks and semicolons. Empty pieces are dropped."""
    t = nfkc(text).strip()
    parts = (p.strip(" \t-•*・") for p in _CLAIM_END.split(t))
    return tuple(p for p in parts if p and any(ch.isalnum() for ch in p))


@lru_cache(maxsize=65536)
def claim_units(claim: str) -> tuple[Unit, ...]:
    """The content units of one claim (see the module docstring), in order, deduplicated."""
    t = nfkc(claim)
    cjk = _HAS_CJK.search(t) is not None
    units: dict[tuple[str, str], Unit] = {}
    values = numbers(t) if _DIGIT.search(t) else []
    if cjk:
        values += kanji_numbers(t)
    for value in values:
        text = f"{value:g}"
        units[("number", text)] = Unit(text, "number", True, (), value)
    first = True
    for match in _WORD.finditer(t):
        word = match.group()
        if word[0].isdigit():
            first = False
            continue
        low = word.casefold()
        if not low or low in STOPWORDS or len(low) < 2:
            first = False
            continue
        # A capital that is not sentence-initial marks a name; inside CJK text any Latin
        # word is a name or term ("iPhone", "NHK").
        specific = cjk or (word[0].isupper() and not first) or word[1:] != low[1:]
        if ("word", low) not in units:
            units[("word", low)] = _word_unit(low, specific)
        first = False
    for run in _CJK_RUN.findall(t) if cjk else ():
        katakana = "\u30a0" <= run[0] <= "\u30ff"
        if len(run) == 1 and katakana:
            continue
        units.setdefault(("cjk", run), Unit(run, "cjk", katakana and len(run) > 2, bigrams(run)))
    return tuple(units.values())


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    """A claim's support.

    `missing` are its units found nowhere in the knowledge or the question; `specifics`
    the missing ones that are specifics (numbers, names). `unbound` are units that are each
    found somewhere but never together: no single knowledge sentence holds all the claim's
    units that the question does not already give ("X is American" when the knowledge says
    "Y is American" and "X is Canadian"). `negation` is set when the claim negates
    something no knowledge sentence negates. `coverage` is the supported share of its units
    (1.0 for a claim with no content units: nothing to contradict).
    """

    claim: str
    units: int
    missing: tuple[str, ...]
    specifics: tuple[str, ...]
    unbound: tuple[str, ...] = ()
    negation: bool = False
    negated: bool = False  # the claim itself negates (for wording the clash)

    @property
    def coverage(self) -> float:
        if self.units == 0:
            return 1.0
        return 1.0 - len(self.missing) / self.units

    @property
    def supported(self) -> bool:
        return not (self.missing or self.unbound or self.negation)


def _polarity_clash(
    masks: Sequence[tuple[Knowledge, list[int]]],
    units: Sequence[Unit],
    negated: bool,
    question: str | None,
) -> bool:
    """Does the claim's polarity differ from that of the knowledge sentences that hold most
    of its units? A negated claim needs one of them negated; a plain claim clashes when all
    of them negate one of its units ("fees are refunded" against "fees are not refunded")."""
    if negated and question is not None and knowledge_index(question).negated:
        return False  # the question already negates: the answer may echo it
    if not negated and not any(k.negated & _union(m) for k, m in masks):
        return False  # no sentence that holds any of its units negates anything
    most, best = 0, list[tuple[Knowledge, int]]()
    for k, unit_masks in masks:
        found = [m for m in unit_masks if m]
        common = _intersection(found) & ((1 << len(k.starts)) - 1)
        if common:  # these sentences hold every unit found in k: no other holds more
            held = len(found)
            bits = [i for i in range(len(k.starts)) if common >> i & 1]
            if held > most:
                most, best = held, [(k, i) for i in bits]
            elif held == most:
                best.extend((k, i) for i in bits)
            continue
        for i in range(len(k.starts)):
            bit = 1 << i
            held = sum(1 for m in unit_masks if m & bit)
            if held > most:
                most, best = held, [(k, i)]
            elif held == most and held:
                best.append((k, i))
    if not best:
        return False
    if negated:
        return not any(k.negated >> i & 1 for k, i in best)
    return all(k.negated >> i & 1 and _negates(k.sentence(i), units) for k, i in best)


def _intersection(masks: Sequence[int]) -> int:
    if not masks:
        return 0
    out = -1
    for m in masks:
        out &= m
    return out


def _union(masks: Sequence[int]) -> int:
    out = 0
    for m in masks:
        out |= m
    return out


def _negates(text: str, units: Sequence[Unit]) -> bool:
    """Does a negation cue in `text` (one sentence of `Knowledge.text`) scope over one of the units? English
    cues look ahead ("not refunded"), Japanese ones behind (「対象外」, 「返金されません」)."""
    for m in NEG_EN.finditer(text):
        window = text[m.end() : m.end() + 40]
        if any(u.kind == "word" and f" {stem(u.text)}" in window for u in units):
            return True
    for m in NEG_JA.finditer(text):
        window = text[max(0, m.start() - 8) : m.end()]
        if any(u.kind == "cjk" and any(g in window for g in bigrams(u.text)) for u in units):
            return True
    return False


@lru_cache(maxsize=16384)
def check_claim(
    claim: str, knowledge: tuple[Knowledge, ...], question: str | None = None
) -> ClaimCheck:
    """Check every content unit of `claim` against the knowledge and the question.

    A unit is supported when found in any knowledge text or in the question (an answer may
    echo the question; `question` is its text, indexed only when needed). Units the
    question does not give must also be *bound*: found
    together in one knowledge sentence, so that facts are not stitched from unrelated
    places. A negated claim needs a negated knowledge sentence among those it draws on.
    Cached: the samples of a case often repeat a claim word for word.
    """
    units = claim_units(claim)
    masks = [(k, [k.locate(u) for u in units]) for k in knowledge]
    missing: list[Unit] = []
    free: list[int] = []  # indexes of the units that must be bound in one sentence
    # A claim about a named entity must have its relation stated in one place, even the
    # words it takes from the question ("X played bass" where the knowledge says Y did);
    # without a name, a plain word the question gives may come from anywhere.
    named = any(u.specific and u.kind != "number" for u in units)
    for j, u in enumerate(units):
        if any(m[j] for _, m in masks):
            if named or u.specific or question is None or not knowledge_index(question).locate(u):
                free.append(j)
        elif question is None or not knowledge_index(question).locate(u):
            missing.append(u)
    unbound: tuple[str, ...] = ()
    if len(free) >= 2 and not any(
        _intersection([m[j] for j in free]) & ((1 << len(k.starts)) - 1) for k, m in masks
    ):
        best: list[int] = []
        for k, unit_masks in masks:
            for i in range(len(k.starts)):
                bit = 1 << i
                held = [j for j in free if unit_masks[j] & bit]
                if len(held) > len(best):
                    best = held
        if len(best) < len(free):
            unbound = tuple(units[j].text for j in free if j not in best)
    negated = claim_negated(claim)
    negation = False
    if units and (negated or any(k.negated for k in knowledge)):
        negation = _polarity_clash(masks, units, negated, question)
    return ClaimCheck(
        claim=claim,
        units=len(units),
        missing=tuple(u.text for u in missing),
        specifics=tuple(u.text for u in missing if u.specific),
        unbound=unbound,
        negation=negation,
        negated=negated,
    )
