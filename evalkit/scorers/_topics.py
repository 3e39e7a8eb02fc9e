"""A Japanese claim that says of one entity what the knowledge says of a sibling.

「ベーシックプランには電話サポートが含まれます」 where the knowledge says
「ベーシックプランはメールサポートのみです。プレミアムプランには電話サポートと専任担当者が含まれます」:
every word of the claim is in the knowledge, so the word layers pass it; English binding
(`_support.check_claim`) would see that no sentence holds them together, but binding is
not read on Japanese claims: real Japanese answers bind facts across sentences, and
binding by Sudachi phrases flagged 3 faithful JHARS answers and caught none.

This rule is narrower, the attribute swap between two entities of one kind (plans,
products, branches, 正社員 and 契約社員): the claim's topic 「X は／には／では」 is named in the
knowledge; a content word of the claim (a kanji or katakana run of two or more
characters) is found only in knowledge sentences whose own topic is a *sibling* of X —
another name with the same head (the two end in the same two or more characters:
ベーシックプラン, プレミアムプラン) — and in no sentence that names X. A negated claim
(「ベーシックプランには電話サポートは含まれません」 is right there) and a claim that names the
sibling itself (it compares the two) are not read. Where it came from: the labelled set's
`ja-swap-binding`; on the dev sets it fires on none of JHARS' 450 answers (none of its 37
hallucinations is such a swap) and reads no English claim.
"""

from __future__ import annotations

import re
from functools import lru_cache

from evalkit.common.text import nfkc
from evalkit.scorers._knowledge import knowledge_sentences
from evalkit.scorers._lexicon import claim_negated
from evalkit.scorers._support import cjk_runs

__all__ = ["topic_swap"]

# A topic: a noun phrase (kanji, katakana, Latin letters, digits) at the start of a
# sentence, before は／には／では (not 「はず」), or before a label's colon in the knowledge.
_TOPIC = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fff々A-Za-z0-9ー・]{2,20}?(?=(?:には|では|は)(?!ず))")
_LABEL = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fff々A-Za-z0-9ー・]{2,20}?(?=[:：])")
_LEAD = " \t　「」『』・-*•"
MIN_HEAD = 2  # characters two sibling names share at their end (「プラン」 shares 3)


def _topic(sentence: str, labels: bool = False) -> str | None:
    s = sentence.lstrip(_LEAD)
    m = _TOPIC.match(s) or (_LABEL.match(s) if labels else None)
    return m.group() if m else None


@lru_cache(maxsize=64)  # knowledge texts repeat across a case's samples
def _sentences_with_topics(text: str) -> tuple[tuple[str, str | None], ...]:
    return tuple((s, _topic(s, labels=True)) for s in knowledge_sentences(nfkc(text)))


def _siblings(a: str, b: str) -> bool:
    if a == b or a in b or b in a:
        return False
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n >= MIN_HEAD


def topic_swap(claim: str, texts: tuple[str, ...]) -> tuple[str, str, str] | None:
    """(the claim's topic, the word, the sibling the knowledge says it of), or None."""
    topic = _topic(claim)
    if topic is None or claim_negated(claim):
        return None
    sentences = [pair for text in texts for pair in _sentences_with_topics(text)]
    if not any(topic in s for s, _ in sentences):
        return None
    rest = nfkc(claim.lstrip(_LEAD)[len(topic) :])
    for word in cjk_runs(rest):
        if len(word) < 2 or word in topic:
            continue
        holders = [t for s, t in sentences if word in s]
        if not holders or any(t is None or t == topic for t in holders):
            continue
        if any(topic in s for s, _ in sentences if word in s):
            continue
        if all(_siblings(t, topic) and t not in claim for t in holders if t is not None):
            return topic, word, str(holders[0])
    return None
