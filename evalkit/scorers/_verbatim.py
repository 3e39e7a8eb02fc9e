"""The hallucination scorer's fast path: a claim that *is* a sentence of the knowledge.

Most grounded outputs quote their knowledge ("Order 12 totals 2257 yen." from a context
that ends with that sentence). `check_claim` would find every unit of such a claim in that
one sentence, bound together, with the same polarity, and call it supported; but to get
there it indexes the whole knowledge text (sentence cuts, normal forms, numbers), which is
most of the scorer's cost when every case has a fresh context. `quotes_knowledge` proves
the same verdict from the one sentence alone, and answers False (take the full path)
whenever it cannot prove it. So it changes no decision, only the cost; the property test
`tests/scorers/test_hallucination_fast_path.py` checks that a True here always means
`check_claim(...).supported`.

Why each guard (the proof, condition by condition, against `_support.check_claim`):

- *A sentence, exactly.* The claim must be one part of `_knowledge._sentences_and_lines`
  with only the characters `split_claims` strips (" \t-•*・`") around it. A substring of a
  sentence is not enough: "refunds are accepted" inside "No refunds are accepted." drops
  the negation, "5 days" inside "-5 days" changes the number. The sentence cuts are local
  (each depends on the cut character and the one or two after it), so the part is checked
  at its two ends and for cuts inside, mirroring `_sentences_and_lines` rule by rule;
  any case that rule-by-rule mirroring does not cover is refused.
- *ASCII.* Case folding, word boundaries and the normal form (`_knowledge._norm`) then
  agree between the claim and the sentence, and no CJK run or kanji numeral is involved.
- *Every unit is in that sentence.* A word of the claim (a letter run, `_support._WORD`)
  is a whole word of the sentence's normal form, so its probes hit there, unless letters
  touch digits ("abc2"), which the normal form keeps as one token: refused. Numbers are
  read the same way in the claim and the sentence, unless a stripped "-" before a leading
  digit made it a sign in the sentence: refused. So nothing is missing, and the claim's
  units are bound in one sentence (the binding check passes).
- *No negation.* The claim holds no negation or limiting cue (`NEGATED`:
  `_knowledge.NEG_OR_LIMIT_EN`). The characters stripped around it neither make
  nor break a cue, so the sentence holds none either and its polarity bit is clear; the
  claim is not a negated claim; and the sentence that holds all its units is not negated,
  so no polarity clash is possible. (Negated quotes take the full path.)
- *Names.* A multi-word name of the claim starts and ends at word boundaries of the
  sentence, so the knowledge writes it as a whole.

Output-level checks (agent/"both"/year comparisons) are not part of this: the scorer runs
them on every output as before.

Cost: a few microseconds per claim (one `str.find` per knowledge text; the guards run
only when the claim is found), against 100–200 µs for indexing a fresh ~500-character
context and checking the claim in full.
"""

from __future__ import annotations

import re

from evalkit.scorers._knowledge import NEG_OR_LIMIT_EN
from evalkit.text import nfkc

__all__ = ["quotes_knowledge", "NEGATED", "STRIPPED"]

# What `split_claims` strips around a claim.
STRIPPED = " \t-•*・`"
# ASCII letters → "a", digits → "0", anything else → " ": "a0" / "0a" in the result is a
# letter touching a digit (one C-level pass, cheaper than a regex search).
_SHAPES = {i: "a" if chr(i).isalpha() else "0" if chr(i).isdigit() else " " for i in range(128)}
_QUOTES = "\"'(["
# English negation and limiting cues: a sentence with one is a negated sentence
# (`Knowledge.negated`).
NEGATED = NEG_OR_LIMIT_EN
# Every match of NEGATED (in lower case) contains one of these: "no"/"ne" (not, no, none,
# nothing, nor, never, neither, cannot), "n'" / "n t" (n't), or a whole limiting word. A
# claim without any skips NEGATED's lookbehind-heavy scan (2–3x the cost of this one).
_MAY_NEGATE = re.compile(r"n[oe']|n t|without|until|unless|till|before|except|only if")


def _dot_cuts(t: str, p: int) -> bool:
    """Does `_sentences_and_lines` cut at the "." at `p` (whitespace or a capital, maybe
    quoted, after it)?"""
    nxt = t[p + 1 : p + 2]
    return (
        nxt.isspace()
        or "A" <= nxt <= "Z"
        or bool(nxt and nxt in _QUOTES and "A" <= t[p + 2 : p + 3] <= "Z")
    )


def _claim_may_quote(claim: str) -> bool:
    """The guards that depend on the claim alone (see the module docstring): ASCII, no
    letter glued to a digit, no stripped character or whitespace at its ends, no "!",
    "?" or line break before its end (each is a sentence cut), no negation cue."""
    shape = claim.translate(_SHAPES)
    if "a0" in shape or "0a" in shape:
        return False  # letters glued to digits ("abc2") are one token of the sentence
    first, last, body = claim[0], claim[-1], claim[:-1]
    return not (
        first in STRIPPED
        or last in STRIPPED
        or first.isspace()
        or last.isspace()
        or "\n" in body
        or "!" in body
        or "?" in body
        # The sentence is the claim with only stripped characters around it, which
        # neither make nor break a cue: the claim's cues are the sentence's.
        or (
            _MAY_NEGATE.search(low := claim.lower()) is not None and NEGATED.search(low) is not None
        )
    )


def _is_sentence(claim: str, t: str, a: int) -> bool:
    """Is the occurrence of `claim` at `a` in `t` one whole part of `_sentences_and_lines`
    (stripped characters around it aside), ASCII, and not a "-" sign away from its
    leading number?"""
    # Its start: only stripped characters back to a cut's end (or the text's start).
    r = a
    while r > 0 and t[r - 1] in STRIPPED:
        r -= 1
    if r > 0:
        before = t[r - 1]
        # A line break, or "!" / "?" (always cuts; the whitespace after them, which may
        # hold a line break, is consumed), or a "." that cuts.
        if not (before == "\n" or before == "!" or before == "?"):
            if before != "." or not _dot_cuts(t, r - 1):
                return False
    # No cut inside: "!", "?" and line breaks were refused with the claim; a "." cuts
    # before whitespace or a capital.
    b = a + len(claim)
    p = t.find(".", a, b - 1)
    while p >= 0:
        if _dot_cuts(t, p):
            return False
        p = t.find(".", p + 1, b - 1)
    # Its end: a cut at its last character, or only stripped characters up to a line
    # break or the end of the text.
    last = claim[-1]
    end = b
    if not (last == "!" or last == "?" or (last == "." and _dot_cuts(t, b - 1))):
        n = len(t)
        while end < n and t[end] in STRIPPED:
            end += 1
        if end < n and t[end] != "\n":
            return False
    if a > r and t[a - 1] == "-" and claim[0].isdigit():
        return False  # the sentence reads "-5" where the claim reads "5"
    return t[r:end].isascii()


def quotes_knowledge(claim: str, texts: tuple[str, ...]) -> bool:
    """True when `claim` is one sentence of one of the knowledge `texts` and the guards of
    the module docstring hold: then `check_claim` finds it supported. False means "not
    proven", never "unsupported"."""
    if not claim or not claim.isascii():
        return False
    checked = False
    for text in texts:
        t = text if text.isascii() else nfkc(text)
        a = t.find(claim)
        while a >= 0:
            if not checked:
                if not _claim_may_quote(claim):
                    return False
                checked = True
            if _is_sentence(claim, t, a):
                return True
            a = t.find(claim, a + 1)
    return False
