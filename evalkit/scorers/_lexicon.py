"""Word lists and cues the lexical scorers share: English function words, and negation in
English and Japanese. General language knowledge, not lists taken from any data set.

Kept apart from `_support` so that the lists can be read (and extended) in one place.
"""

from __future__ import annotations

import re

from evalkit.text import nfkc

__all__ = ["STOPWORDS", "NEGATIONS", "NEG_EN", "NEG_JA", "HAS_CJK", "claim_negated"]

# English function words and discourse markers: they carry no checkable content. A general
# list (pronouns, auxiliaries, prepositions, conjunctions, quantifiers, hedges), not a
# list taken from any data set.
STOPWORDS = frozenset(
    """
    a an the and or but nor so yet if then than that this these those there here
    i me my mine we us our ours you your yours he him his she her hers it its they them their
    theirs one ones who whom whose which what when where why how whoever whatever
    is am are was were be been being have has had having do does did doing done
    will would shall should can could may might must ought
    to of in on at by for with from into onto upon about above below over under between
    among through during before after since until till within without against toward
    towards across along around behind beyond near off out up down via per as like unlike
    also actually indeed really just only even still already very quite rather too
    both either neither each every all any some such same other another more most much
    many few less least own again further once twice
    yes no not never none nothing n't s t d ll re ve m o st nd rd th
    isn aren wasn weren don doesn didn won wouldn couldn shouldn hasn haven hadn can cannot
    well however therefore thus hence although though while whereas because
    answer question correct true indeed probably perhaps maybe likely certainly
    known called named
    go goes went gone going get gets got getting make makes made take takes took taken
    give gives gave given put puts keep keeps kept back usually often always sometimes
    generally typically normally currently simply please thing things way ways
    """.split()
)

NEGATIONS = frozenset("not no never none nothing neither nor cannot without n't".split())

NEG_EN = re.compile(r"\b(?:not|no|never|none|nothing|neither|nor|cannot|without)\b|n't|n t\b")
NEG_JA = re.compile(
    r"(?<!少)ない|ません|ず[、。]|ではなく|(?:対象|範囲|適用|保証|補償)外|不可|無し|なし"
)
HAS_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


_ANSWER_LEAD = re.compile(r"^\W*(?:yes|no|yeah|nope|はい|いいえ)\b[\s,.!、。]*", re.I)


def claim_negated(claim: str) -> bool:
    """Does the claim contain a negation cue ("not", "never", 「ない」, 「ません」, 「対象外」)?

    A leading "No," / 「いいえ、」 answers the question rather than negating the claim
    that follows it, so it does not count."""
    t = nfkc(claim)
    lead = _ANSWER_LEAD.match(t)
    if lead:
        t = t[lead.end() :]
    return NEG_EN.search(t.lower()) is not None or (
        HAS_CJK.search(t) is not None and NEG_JA.search(t) is not None
    )
