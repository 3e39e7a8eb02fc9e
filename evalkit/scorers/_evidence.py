"""A case's evidence, indexed once: what the knowledge (and the question) states, in the
canonical units of `_language`, so that every output and sample of the case is checked
against one index.

`Evidence.supports(unit)` answers "does the knowledge state this?" for one unit of an
output:
- a number by value (times by minute of the day, "8 PM" = "20:00" = "16:0-20:0"'s end);
- a word or name by its lemma / normalised form, or, for Japanese (no spaces), by its
  surface written anywhere in the knowledge, or by a knowledge name it extends or that
  extends it by a written-out head (「コロナ」 / 「コロナウイルス」);
- an English name by its words: "Reba McEntire's" is found where "Reba McEntire" is.

Question text (the case's question vars, the prompt) supports like knowledge: an answer
may echo its question.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from evalkit.scorers._language import (
    NAME,
    NUMBER,
    WORD,
    IndexWords,
    Unit,
    analyse,
    en_lemma,
    index_words,
    plain_text,
    sentences,
)
from evalkit.scorers._lexicon import OPPOSITES_EN, OPPOSITES_JA
from evalkit.scorers._number_values import (
    digits_stand_alone,
    minus_before,
    number_keys,
    number_values,
)

__all__ = [
    "Evidence",
    "Support",
    "evidence_for",
    "opposite",
    "unsupported_units",
]


@dataclass(frozen=True, slots=True)
class Evidence:
    """The knowledge of one case: each text's index (`_TextIndex`, cached per text), and
    the texts' folded text joined.

    Why one index per text and no union of them: a case's texts are a fresh context and
    its question, or a shared document and a question; a union copies every key of each
    per case (a shared document's thousands) to add the question's few. A look-up asks
    each text's index in turn (most cases have two). On the paraphrase scale load
    (`tests/benchmarks/hallucination_speed.py` (a'), each step timed in one run) the
    unions were ~9% of an output's time, ~3% now (the sentences' union per text)."""

    parts: tuple[_TextIndex, ...] = ()
    text: str = ""

    def has_key(self, key: str) -> bool:
        """Does any text's index hold `key`?"""
        for p in self.parts:
            if key in p.keys:
                return True
        return False

    def supports(self, unit: Unit) -> bool:
        parts = self.parts
        if unit.kind == NUMBER:
            key = unit.key
            for p in parts:
                if key in p.numbers:
                    return True
            return _number_written(unit, self)
        key = unit.key.casefold()
        surface = unit.text.casefold()
        for p in parts:
            if key in p.keys or surface in p.keys:
                return True
        # An abbreviation of the same name (`_language.abbreviation_keys`): "EU" where the
        # knowledge writes "European Union", "United States" where it writes "U.S.".
        if unit.run and any(self.has_key("acr:" + run) for run in unit.run.split("|")):
            return True
        if 2 <= len(unit.text) <= 6 and unit.text.isupper() and unit.text.isalpha():
            if self.has_key("ini:" + unit.text) or self.has_key("acr:" + unit.text):
                return True
        if unit.kind == WORD and unit.stem:
            for p in parts:
                if unit.stem in p.stems():
                    return True
        if not surface.isascii():
            if surface in self.text:
                return True
            if unit.stem and self.has_key(unit.stem):  # without honorifics: 「子」, 「お子さん」
                return True
            # A synonym of a knowledge word, by the dictionary's synonym groups (Sudachi:
            # 「申し込み」 for 「申請」, 「事例」 for 「ケース」, 「値段」 for 「価格」). No
            # group joins a pair of `_lexicon`'s opposites (checked by a test).
            if any(self.has_key(f"syn:{g}") for g in unit.synonyms):
                return True
            # A compound made of short units the knowledge writes (「重要視」 from 「重要」
            # and 「視」): a paraphrase that recombines the knowledge's own words.
            if unit.kind == WORD and unit.parts and all(p in self.text for p in unit.parts):
                return True
            # A Japanese compound that extends a knowledge word by a head the knowledge
            # also writes, or a knowledge compound it shortens (3+ characters in common).
            if len(surface) >= 3 and unit.kind == NAME:
                return any(
                    surface.startswith(k) or k.startswith(surface) for p in parts for k in p.names
                )
            return False
        # English: a name in another form of the same word ("Canadian" for "Canada",
        # "Japanese" for "Japan"): close spelling (rapidfuzz ratio >= 85) and the same
        # first three letters. "International" for "Internal" stays apart (ratio 76).
        capital = unit.text[:1].isupper()
        if (
            (unit.kind == NAME or capital)
            and len(surface) >= 4
            and any(_close_name(surface, p.keys) for p in parts)
        ):
            return True
        # English: a hyphenated or multi-part word whose parts the knowledge writes.
        if "-" in surface:
            pieces = [p for p in surface.split("-") if p]
            return bool(pieces) and all(
                self.has_key(p) or p in self.text or self.has_key(en_lemma(p)) for p in pieces
            )
        return False


def _close_name(name: str, keys: frozenset[str]) -> bool:
    from rapidfuzz import fuzz

    head = name[:3]
    return any(len(k) >= 4 and k.startswith(head) and fuzz.ratio(name, k) >= 85 for k in keys)


def _number_written(unit: Unit, evidence: Evidence) -> bool:
    """A number the knowledge writes in the same digits though it parsed differently
    (part of an identifier, a date): "2019" inside "2019-05-01" — but not as a negative
    number ("12" is not written in "-12 degrees"; a negative unit needs its own key)."""
    digits = "".join(ch for ch in unit.text if ch.isdigit())
    if len(digits) < 2 or unit.text.lstrip()[:1] in "-−":
        return False
    text, at = evidence.text, evidence.text.find(digits)
    while at >= 0:
        if not minus_before(text, at) and digits_stand_alone(text, at, at + len(digits)):
            return True
        at = text.find(digits, at + 1)
    return False


@dataclass(frozen=True, slots=True)
class _TextIndex:
    text: str  # folded (NFKC, casefold), with a leading line break
    keys: frozenset[str]
    words: tuple[IndexWords, ...]  # its sentences' words, whose stems are made when read
    numbers: frozenset[str]
    names: frozenset[str]  # the keys of 3+ characters that are not ASCII (Japanese words)
    made: frozenset[str] | None = field(default=None, compare=False, repr=False)  # stems

    def stems(self) -> frozenset[str]:
        """The stems of the text's lemmas (`IndexWords.stems`), made on first use: most
        outputs of a fresh knowledge text never read them (figures at `IndexWords`)."""
        if self.made is None:
            words = self.words
            made = (
                words[0].stems()
                if len(words) == 1
                else frozenset().union(*[w.stems() for w in words])
            )
            object.__setattr__(self, "made", made)  # a cache of a frozen value: as `__init__` does
            return made
        return self.made


@lru_cache(maxsize=256)
def _text_index(text: str) -> _TextIndex:
    """One text's index, cached by the text: a suite's shared document (a policy in every
    case's vars) is indexed once, not once per case. Built sentence by sentence
    (`_sentence_index`), so a sentence that recurs in other texts is analysed once."""
    text = plain_text(text)
    return _union("\n" + text.casefold(), list(map(_sentence_index, sentences(text))))


def _union(text: str, parts: list[_TextIndex]) -> _TextIndex:
    """`parts`' keys, numbers and names together (one C-level union each) and their words, with
    `text` as the folded text. One part (a one-sentence text: a question) is taken as it
    is: its sets are frozen, a union would only copy them."""
    if len(parts) == 1:
        p = parts[0]
        return _TextIndex(text, p.keys, p.words, p.numbers, p.names)
    empty: frozenset[str] = frozenset()
    return _TextIndex(
        text,
        empty.union(*(p.keys for p in parts)),
        tuple([w for p in parts for w in p.words]),
        empty.union(*(p.numbers for p in parts)),
        empty.union(*(p.names for p in parts)),
    )


# For knowledge made of recurring sentences: retrieved chunks and policy paragraphs that
# come back across cases, records generated from one template. On the scale load
# (`tests/benchmarks/scale.py --shape paraphrase`: every context distinct, its sentences
# drawn from seven templates with varying numbers) 69% of the look-ups are hits with 4096
# entries (70% with 8192, 56% with 1024; ~2 KB an entry).
@lru_cache(maxsize=4096)
def _sentence_index(sentence: str) -> _TextIndex:
    """One sentence's keys, words and numbers (its `text` is left empty: the text's own
    folded form is what substring checks read)."""
    words = index_words(sentence)
    keys = words.keys
    numbers = frozenset(key for n in number_values(sentence) for key in number_keys(n))
    names: frozenset[str] = frozenset()
    if not "".join(keys).isascii():  # ASCII keys hold none: one O(1) test, not one per key
        names = frozenset(k for k in keys if len(k) >= 3 and not k.isascii())
    return _TextIndex("", keys, (words,), numbers, names)


@lru_cache(maxsize=64)
def evidence_for(texts: tuple[str, ...]) -> Evidence:
    """The evidence of a case's knowledge and question texts: each text's index
    (`_text_index`). Cached by the texts: a case's samples and variants recur."""
    parts = tuple(_text_index(text) for text in texts if text)
    return Evidence(parts, "".join(p.text for p in parts))


@dataclass(frozen=True, slots=True)
class Support:
    """An output against its evidence: the distinct units the knowledge does not state
    (`missing`, in the output's order) and their share of the output's specificity
    weight (`share`, 0 when everything is stated or the output has no units)."""

    missing: tuple[Unit, ...]
    share: float
    new_share: float = 0.0  # the same share of what the output adds beyond the question
    opposites: tuple[tuple[Unit, str], ...] = ()  # unstated units whose opposite is stated
    total: float = 0.0  # the specificity weight of all the output's distinct units


def unsupported_units(output: str, knowledge: tuple[str, ...], question: str) -> Support:
    """Which units of `output` neither the knowledge texts nor the question state."""
    evidence = evidence_for((*knowledge, question))
    seen: dict[tuple[str, str], Unit] = {}
    for unit in analyse(output):
        seen.setdefault((unit.kind, unit.key), unit)
    asked = evidence_for((question,)) if question else None
    total = missing_weight = new_total = 0.0
    missing = []
    for unit in seen.values():
        total += unit.weight
        # What the question states, the evidence states (it holds the question's index and
        # text, and `supports` only asks whether some part or the joined text has it).
        if asked is not None and asked.supports(unit):
            continue
        new_total += unit.weight
        if not evidence.supports(unit):
            missing.append(unit)
            missing_weight += unit.weight
    return Support(
        tuple(missing),
        missing_weight / total if total else 0.0,
        missing_weight / new_total if new_total else 0.0,
        tuple((u, o) for u in missing if (o := opposite(u, evidence)) is not None),
        total,
    )


def opposite(unit: Unit, evidence: Evidence) -> str | None:
    """The opposite of an unstated `unit` that the knowledge states instead, if any
    ("opens" where it says "closes", 「終了日」 where it says 「開始日」): `_lexicon`'s
    opposite pairs, by lemma in English and inside the written form in Japanese."""
    if unit.kind == NUMBER:
        return None
    surface = unicodedata.normalize("NFKC", unit.text).casefold()
    if surface.isascii():
        for other in OPPOSITES_EN.get(unit.key.casefold(), ()):
            if evidence.has_key(other):
                return other
        return None
    for word, other in OPPOSITES_JA:
        if word in surface:
            swapped = surface.replace(word, other)
            if swapped in evidence.text:
                return swapped
    return None
