"""The hallucination scorer's fast paths: a claim that *is* a sentence of the knowledge.

Some outputs quote their knowledge ("Order 12 totals 2257 yen." from a context that ends
with that sentence): extraction answers, templated replies. `check_claim` would find every
unit of such a claim in that one sentence, bound together, with the same polarity, and
call it supported; but to get there it indexes the whole knowledge text (sentence cuts,
normal forms, numbers), which is most of the scorer's cost when every case has a fresh
context.

What it pays, measured side by side (5 alternating runs, medians): on the scale load's
quoting outputs (`tests/benchmarks/scale.py --shape quote`, the 1M-case run) the scorer
takes 40 µs per output with these paths and 465 µs without; on paraphrasing outputs and on
HaluEval QA it costs nothing measurable (551 / 546 µs, 752 / 765 µs). Real answers rarely
quote a whole sentence: it fired on 0 of the 87 short-answer claims of RAGTruth and JHARS
dev and on 6 of 519 HaluEval claims. It stays for the quoting load only. `quotes_knowledge` proves
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

One more proof builds on it (with its own property test against the full path,
`tests/scorers/test_hallucination_fast_path.py`):

- `changed_number` — a claim is such a sentence with one number written differently, and
  that number is in no knowledge text and not in the question: `check_claim` would report
  exactly that number missing (a fabricated specific), so the scorer does, without
  indexing the knowledge.

The test that reads only the claim (`_may_quote_shape`) is cached by
the text's digit shape (every digit "0"): none of them tells one digit from another, so
outputs that differ only in their numbers ("Order 12 totals 2257 yen.") share an entry.

Cost: a few microseconds per claim (one `str.find` per knowledge text; the guards run
only when the claim is found), against 100–200 µs for indexing a fresh ~500-character
context and checking the claim in full.
"""

from __future__ import annotations

import re
from functools import lru_cache

from evalkit.common.text import nfkc
from evalkit.scorers._knowledge import NEG_OR_LIMIT_EN, dot_cuts, nfkc_text
from evalkit.scorers._numerals import scan_ascii_numbers

__all__ = ["changed_number", "quotes_knowledge", "NEGATED", "STRIPPED"]

# What `split_claims` strips around a claim.
STRIPPED = " \t-•*・`"
# ASCII letters → "a", digits → "0", anything else → " ": "a0" / "0a" in the result is a
# letter touching a digit. A bytes table: one C-level `bytes.translate`, several times
# cheaper than `str.translate` or a regex search (a non-ASCII character, "?" once
# encoded, becomes " ").
_SHAPES = bytes(
    97 if chr(i).isalpha() and i < 128 else 48 if chr(i).isdigit() and i < 128 else 32
    for i in range(256)
)
# English negation and limiting cues: a sentence with one is a negated sentence
# (`Knowledge.negated`).
NEGATED = NEG_OR_LIMIT_EN
# Every match of NEGATED (in lower case) contains one of these: "no"/"ne" (not, no, none,
# nothing, nor, never, neither, cannot), "n'" / "n’" / "n t" (n't), or a whole limiting word. A
# claim without any skips NEGATED's lookbehind-heavy scan (2–3x the cost of this one).
_MAY_NEGATE = re.compile(r"n[oe'’]|n t|without|until|unless|till|before|except|only if")


def _claim_may_quote(claim: str) -> bool:
    """The guards that depend on the claim alone (see the module docstring): ASCII, no
    letter glued to a digit, no stripped character or whitespace at its ends, no "!",
    "?" or line break before its end (each is a sentence cut), no negation cue."""
    shape = claim.encode("ascii", "replace").translate(_SHAPES)
    if b"a0" in shape or b"0a" in shape:
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


def _is_sentence(t: str, a: int, b: int) -> bool:
    """Is `t[a:b]` one whole part of `_sentences_and_lines` (stripped characters around it
    aside), ASCII, and not a "-" sign away from its leading number? `t[a:b]` has passed
    `_claim_may_quote` (for `changed_number`: up to one run of digits, which plays no part
    in any test here)."""
    # Its start: only stripped characters back to a cut's end (or the text's start).
    r = a
    while r > 0 and t[r - 1] in STRIPPED:
        r -= 1
    if r > 0:
        before = t[r - 1]
        # A line break, or "!" / "?" (always cuts; the whitespace after them, which may
        # hold a line break, is consumed), or a "." that cuts.
        if not (before == "\n" or before == "!" or before == "?"):
            if before != "." or not dot_cuts(t, r - 1):
                return False
    # No cut inside: "!", "?" and line breaks were refused with the claim; a "." cuts
    # before whitespace or a capital.
    p = t.find(".", a, b - 1)
    while p >= 0:
        if dot_cuts(t, p):
            return False
        p = t.find(".", p + 1, b - 1)
    # Its end: a cut at its last character, or only stripped characters up to a line
    # break or the end of the text.
    last = t[b - 1]
    end = b
    if not (last == "!" or last == "?" or (last == "." and dot_cuts(t, b - 1))):
        n = len(t)
        while end < n and t[end] in STRIPPED:
            end += 1
        if end < n and t[end] != "\n":
            return False
    if a > r and t[a - 1] == "-" and t[a].isdigit():
        return False  # the sentence reads "-5" where the claim reads "5"
    return t[r:end].isascii()


def _sentence_at(claim: str, t: str) -> int:
    """Where `claim` occurs in `t` as a whole sentence (`_is_sentence`), or -1."""
    a = t.find(claim)
    while a >= 0:
        if _is_sentence(t, a, a + len(claim)):
            return a
        a = t.find(claim, a + 1)
    return -1


def quotes_knowledge(claim: str, texts: tuple[str, ...]) -> bool:
    """True when `claim` is one sentence of one of the knowledge `texts` and the guards of
    the module docstring hold: then `check_claim` finds it supported. False means "not
    proven", never "unsupported"."""
    if not claim or not claim.isascii():
        return False
    for text in texts:
        # The claim's own guards only once it is found as a sentence: most claims found
        # at all are a phrase inside one ("Robert Zemeckis"), refused at its first cut.
        if _sentence_at(claim, text if text.isascii() else nfkc_text(text)) >= 0:
            return _claim_may_quote(claim)
    return False


# A text's digit shape: every digit becomes "0" (bytes for ASCII text: see `_SHAPES`).
_ZERO = str.maketrans("123456789", "000000000")
_ZERO_BYTES = bytes.maketrans(b"123456789", b"000000000")


def digit_shape(text: str) -> str:
    """`text` with every ASCII digit written "0": the key of the digit-shape caches."""
    if text.isascii():
        return text.encode("ascii").translate(_ZERO_BYTES).decode("ascii")
    return text.translate(_ZERO)


@lru_cache(maxsize=4096)
def _may_quote_shape(shape: str) -> bool:
    """`_claim_may_quote` of a claim's digit shape: the same answer, because none of its
    tests tells one digit from another (their patterns hold no digit)."""
    return _claim_may_quote(shape)


# -- a sentence with one number changed ------------------------------------------------------
_DIGIT_RUN = re.compile(r"[0-9]+")
# Bytes of an ASCII text: digits and points → "0", anything else → " ". Sixteen "0"s in a
# row in the result are 16+ digits and points in a row: a decimal that may round to a float
# it does not spell (`_knowledge._number_mask` refuses its digit test on such text too).
# One C-level pass; a regex with a leading class costs ten times more on a context.
_RUNS = bytes(48 if chr(i) in "0123456789." else 32 for i in range(256))
_LONG_RUN = b"0" * 16
# A digit, a point, a digit: the claim may hold a decimal number.
_DECIMAL = re.compile(r"[0-9]\.[0-9]")


def _lacks(text: str, digits: str) -> bool:
    """Does no number of the ASCII `text` equal the positive integer spelled `digits` (no
    leading zero, at most 15 digits)? Decided by the digits alone (`_number_mask`'s rule:
    such a number is written with those digits, thousands commas, leading zeros and a zero
    fraction aside); False ("not proven") for non-ASCII text and text with 16+ digits and
    points in a row."""
    plain = text.replace(",", "") if "," in text else text
    return (
        digits not in plain
        and plain.isascii()
        and _LONG_RUN not in plain.encode("ascii").translate(_RUNS)
    )


def _sentence_with_other_number(claim: str, run: re.Match[str], texts: tuple[str, ...]) -> bool:
    """Is `claim`, with the number `run` written differently, a sentence of one of `texts`
    (`_is_sentence`) without a negation or limiting cue?"""
    s, e = run.span()
    head, tail = claim[:s], claim[e:]
    for t in texts:
        a = t.find(head)
        while a >= 0:
            d = _DIGIT_RUN.match(t, a + s)
            if d is not None and t.startswith(tail, d.end()):
                b = d.end() + len(tail)
                if _is_sentence(t, a, b):
                    # No cue (`_claim_may_quote` refuses one; its other guards hold
                    # with the claim's), by the sentence's digit shape: often the claim's.
                    return _may_quote_shape(digit_shape(t[a:b]))
            a = t.find(head, a + 1)
    return False


def changed_number(claim: str, texts: tuple[str, ...], question: str | None) -> str | None:
    """The number a claim fabricates when it is a knowledge sentence with one number
    changed ("Order 12 totals 2258 yen." where the context says "… 2257 yen."): its text as
    `check_claim` reports it (`f"{value:g}"`), or None when that is not proven.

    When this gives `n`, `check_claim(claim, knowledge, question)` gives `missing ==
    specifics == (n,)`, no unbound units, no polarity clash and no unwritten names — the
    scorer's finding without indexing the knowledge. The proof, against `check_claim`:

    - *The sentence.* The claim passes `_claim_may_quote`, and with its digit run (a
      space before it, then the end, a space or one of ".,;:" and the end or a space)
      replaced by another run it is one sentence of a text (`_is_sentence`) with no
      negation or limiting cue. So, as for a quote, every word of the claim and every
      other number (each read the same: the run's neighbours are the same characters) is
      found in that sentence, and its names are written there as a whole.
    - *The number is nowhere.* Its value, a positive integer of at most 15 digits, is in no
      text and not in the question (`_lacks`): it is missing, and a specific. No other
      number of the claim has its `:g` text (the unit that `claim_units` keeps for it is
      this value).
    - *Bound and of the same polarity.* All the found units are held by that sentence: the
      binding check passes, and that sentence is among those that hold the most units and
      is not negated, so a plain claim (no cue: not negated) has no clash.
    """
    if not claim.isascii():
        return None
    runs = _DIGIT_RUN.findall(claim)
    if not runs:
        return None
    # Every candidate sentence holds the claim up to its first number and from its last
    # one: one `in` per text turns most claims away (a hallucinated sentence of its own).
    first, last = claim.find(runs[0]), claim.rfind(runs[-1]) + len(runs[-1])
    if not any(claim[:first] in t and claim[last:] in t for t in texts):
        return None
    for run in _DIGIT_RUN.finditer(claim):
        s, e = run.span()
        if s == 0 or claim[s - 1] != " ":
            continue
        if e < len(claim) and claim[e] != " ":
            if claim[e] not in ".,;:" or claim[e + 1 : e + 2] not in ("", " "):
                continue
        digits = run.group().lstrip("0")
        if not 0 < len(digits) <= 15 or any(digits in t for t in texts):
            continue  # (most numbers of a claim are in the knowledge, spelled as here)
        if not _sentence_with_other_number(claim, run, texts):
            continue
        if not all(_lacks(t, digits) for t in texts):
            continue
        if question is not None and not _lacks(nfkc(question), digits):
            continue
        if not _may_quote_shape(digit_shape(claim)):
            return None
        text = f"{float(digits):g}"
        # Another number of the claim with the same `:g` text would share its unit. Up to
        # 6 digits `:g` spells the value itself, so only a decimal can (2258.0000001).
        if len(digits) > 6 or _DECIMAL.search(claim) is not None:
            if sum(1 for v in scan_ascii_numbers(claim) if f"{v:g}" == text) != 1:
                return None
        return text
    return None
