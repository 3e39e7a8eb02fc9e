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
from dataclasses import dataclass
from functools import lru_cache

from evalkit.scorers._language import (
    NAME,
    NUMBER,
    WORD,
    Unit,
    analyse,
    en_lemma,
    index_keys,
    plain_text,
    sentences,
)
from evalkit.scorers._lexicon import OPPOSITES_EN, OPPOSITES_JA
from evalkit.scorers._number_values import minus_before, number_keys, number_values

__all__ = [
    "Evidence",
    "Support",
    "evidence_for",
    "opposite",
    "unsupported_units",
]


@dataclass(frozen=True, slots=True)
class Evidence:
    """The knowledge of one case: unit keys, number keys, and its folded text."""

    keys: frozenset[str] = frozenset()
    stems: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    text: str = ""
    names: frozenset[str] = frozenset()  # the non-ASCII keys of 3+ characters

    def supports(self, unit: Unit) -> bool:
        if unit.kind == NUMBER:
            return unit.key in self.numbers or _number_written(unit, self)
        key = unit.key.casefold()
        surface = unit.text.casefold()
        if key in self.keys or surface in self.keys:
            return True
        # An abbreviation of the same name (`_language.abbreviation_keys`): "EU" where the
        # knowledge writes "European Union", "United States" where it writes "U.S.".
        if unit.run and any("acr:" + run in self.keys for run in unit.run.split("|")):
            return True
        if 2 <= len(unit.text) <= 6 and unit.text.isupper() and unit.text.isalpha():
            if "ini:" + unit.text in self.keys or "acr:" + unit.text in self.keys:
                return True
        if unit.kind == WORD and unit.stem and unit.stem in self.stems:
            return True
        if not surface.isascii():
            if surface in self.text:
                return True
            if unit.stem and unit.stem in self.keys:  # without honorifics: 「子」, 「お子さん」
                return True
            # A synonym of a knowledge word, by the dictionary's synonym groups (Sudachi:
            # 「申し込み」 for 「申請」, 「事例」 for 「ケース」, 「値段」 for 「価格」). No
            # group joins a pair of `_lexicon`'s opposites (checked by a test).
            if any(f"syn:{g}" in self.keys for g in unit.synonyms):
                return True
            # A compound made of short units the knowledge writes (「重要視」 from 「重要」
            # and 「視」): a paraphrase that recombines the knowledge's own words.
            if unit.kind == WORD and unit.parts and all(p in self.text for p in unit.parts):
                return True
            # A Japanese compound that extends a knowledge word by a head the knowledge
            # also writes, or a knowledge compound it shortens (3+ characters in common).
            if len(surface) >= 3 and unit.kind == NAME:
                return any(surface.startswith(k) or k.startswith(surface) for k in self.names)
            return False
        # English: a name in another form of the same word ("Canadian" for "Canada",
        # "Japanese" for "Japan"): close spelling (rapidfuzz ratio >= 85) and the same
        # first three letters. "International" for "Internal" stays apart (ratio 76).
        capital = unit.text[:1].isupper()
        if (unit.kind == NAME or capital) and len(surface) >= 4 and _close_name(surface, self.keys):
            return True
        # English: a hyphenated or multi-part word whose parts the knowledge writes.
        if "-" in surface:
            parts = [p for p in surface.split("-") if p]
            return bool(parts) and all(
                p in self.keys or p in self.text or en_lemma(p) in self.keys for p in parts
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
        if not minus_before(text, at):
            return True
        at = text.find(digits, at + 1)
    return False


@dataclass(frozen=True, slots=True)
class _TextIndex:
    text: str  # folded (NFKC, casefold), with a leading line break
    keys: frozenset[str]
    stems: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str]  # the keys of 3+ characters that are not ASCII (Japanese words)


@lru_cache(maxsize=256)
def _text_index(text: str) -> _TextIndex:
    """One text's index, cached by the text: a suite's shared document (a policy in every
    case's vars) is indexed once, not once per case. Built sentence by sentence
    (`_sentence_index`), so a sentence that recurs in other texts is analysed once."""
    text = plain_text(text)
    return _union("\n" + text.casefold(), list(map(_sentence_index, sentences(text))))


def _union(text: str, parts: list[_TextIndex]) -> _TextIndex:
    """`parts`' keys, stems, numbers and names together (one C-level union each), with
    `text` as the folded text."""
    empty: frozenset[str] = frozenset()
    return _TextIndex(
        text,
        empty.union(*(p.keys for p in parts)),
        empty.union(*(p.stems for p in parts)),
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
    """One sentence's keys, stems and numbers (its `text` is left empty: the text's own
    folded form is what substring checks read)."""
    keys, stems = index_keys(sentence)
    numbers = frozenset(key for n in number_values(sentence) for key in number_keys(n))
    names: frozenset[str] = frozenset()
    if not "".join(keys).isascii():  # ASCII keys hold none: one O(1) test, not one per key
        names = frozenset(k for k in keys if len(k) >= 3 and not k.isascii())
    return _TextIndex("", keys, stems, numbers, names)


@lru_cache(maxsize=64)
def evidence_for(texts: tuple[str, ...]) -> Evidence:
    """The evidence of a case's knowledge and question texts: the union of each text's
    index (`_text_index`). Cached by the texts: a case's samples and variants recur."""
    parts = [_text_index(text) for text in texts if text]
    whole = _union("".join(p.text for p in parts), parts)
    return Evidence(whole.keys, whole.stems, whole.numbers, whole.text, whole.names)


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
        if asked is None or not asked.supports(unit):
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
            if other in evidence.keys:
                return other
        return None
    for word, other in OPPOSITES_JA:
        if word in surface:
            swapped = surface.replace(word, other)
            if swapped in evidence.text:
                return swapped
    return None
