"""The hallucination scorer's fast paths give exactly what their reference definitions give.

Each reference below is the straightforward form the fast path replaced (kept here, not in
the package, so that the package has one implementation and the test a second one).
"""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.scorers._knowledge import (
    _HAS_CJK,
    _NEG_OR_LIMIT_EN,
    _NEG_PROBES_EN,
    _hits,
    _mask_of,
    _norm,
    _sentence_numbers,
    _sentences_and_lines,
    knowledge_index,
)
from evalkit.scorers._lexicon import NEG_JA
from evalkit.scorers._numerals import scan_ascii_numbers
from evalkit.text import nfkc, numbers

_NUMBERISH = st.text(
    alphabet=st.sampled_from(list("0123456789,.-+−万億千 aZ_¥円日３０\n")), max_size=40
)
# Knowledge-like text: words, negation cues, numbers, every kind of sentence cut.
_PIECES = [
    "Refunds",
    "are",
    "not",
    "never",
    "only if",
    "can't",
    "invoice_no",
    "no",
    "fees",
    "3.5",
    "1,200",
    "-4",
    "e.g.",
    "days",
    "ship",
    "。",
    "！",
    "?",
    "!",
    ".",
    ". ",
    ".\n",
    "\n",
    "\n\n",
    " ",
    "  ",
    "(A",
    '"B',
    "送料は",
    "無料",
    "ではない",
    "三十日",
    "5",
    "−2",
]
_KNOWLEDGE = st.lists(st.sampled_from(_PIECES), max_size=30).map(" ".join) | st.text(max_size=60)


def _reference_cuts(text: str) -> list[tuple[str, int]]:
    """`_sentences_and_lines` as first written: whitespace after a cut taken by regex."""
    spaces = re.compile(r"\s*")
    parts, start, line, n = [], 0, 0, len(text)
    for m in re.finditer(r"[.!?。！？\n]", text):
        cut = m.start()
        if cut < start:
            continue
        c = text[cut]
        if c == "\n":
            end = cut + 1
            while end < n and text[end] == "\n":
                end += 1
            parts.append((text[start:cut], line))
        else:
            if c == ".":
                nxt = text[cut + 1 : cut + 2]
                if nxt.isspace():
                    end = spaces.match(text, cut + 1).end()  # type: ignore[union-attr]
                elif "A" <= nxt <= "Z" or (
                    nxt and nxt in "\"'([" and "A" <= text[cut + 2 : cut + 3] <= "Z"
                ):
                    end = cut + 1
                else:
                    continue
            elif c in "!?":
                end = spaces.match(text, cut + 1).end()  # type: ignore[union-attr]
            else:
                end = cut + 1
            parts.append((text[start : cut + 1], line))
        line += text.count("\n", cut, end)
        start = end
    parts.append((text[start:], line))
    return [(p, k) for p, k in parts if p.strip()] or [("", 0)]


def _reference_negated(text: str) -> int:
    """The negation mask as first computed: probes over the joined normalised text."""
    parts = [p for p, _ in _reference_cuts(nfkc(text))]
    lows = [p.lower() if p.isascii() else p.casefold() for p in parts]
    norms = [_norm(p, low) for p, low in zip(parts, lows, strict=True)]
    starts, offset = [], 0
    for norm in norms:
        starts.append(offset)
        offset += len(norm)
    joined = "".join(norms)
    candidates = 0
    for probe in _NEG_PROBES_EN:
        candidates |= _hits(joined, tuple(starts), probe)
    negated = 0
    for i in range(len(parts)):
        if candidates >> i & 1 and _NEG_OR_LIMIT_EN.search(lows[i]):
            negated |= 1 << i
    if _HAS_CJK.search(nfkc(text)):
        negated |= _mask_of(NEG_JA, parts)
    return negated


@given(st.one_of(_NUMBERISH, st.text(max_size=40)))
@settings(max_examples=200, deadline=None)
def test_scan_ascii_numbers_equals_text_numbers(text: str) -> None:
    if text.isascii():
        assert scan_ascii_numbers(text) == numbers(text)


def test_numbers_reads_signs_separators_and_multipliers() -> None:
    assert numbers("−5 and -3, 1,200 yen, 2万円, v2, 2025-04-17") == [
        -5.0,
        -3.0,
        1200.0,
        20000.0,
        2025.0,
        4.0,
        17.0,
    ]


@given(_KNOWLEDGE)
@settings(max_examples=200, deadline=None)
def test_sentence_cuts_equal_the_regex_reference(text: str) -> None:
    assert _sentences_and_lines(text) == _reference_cuts(text)


@given(_KNOWLEDGE)
@settings(max_examples=200, deadline=None)
def test_per_sentence_negation_equals_the_joined_text_scan(text: str) -> None:
    k = knowledge_index(text)
    assert k.negated == _reference_negated(text)
    assert k.text == "".join(
        _norm(p, p.lower() if p.isascii() else p.casefold()) for p in k.sentences
    )


@given(_KNOWLEDGE, st.sampled_from([0.0, -0.0, 3.5, 1200.0, 5.0, -4.0, 30.0, -2.0, 7.0]))
@settings(max_examples=200, deadline=None)
def test_number_masks_equal_a_scan_of_every_sentence(text: str, value: float) -> None:
    k = knowledge_index(text)
    per = [frozenset(_sentence_numbers(p)) for p in k.sentences]
    want = sum(1 << i for i, nums in enumerate(per) if value in nums)
    assert k.numbers == tuple(per)
    assert k._number_masks().get(value, 0) == want
