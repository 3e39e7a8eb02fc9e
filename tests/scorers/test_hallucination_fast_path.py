"""The hallucination scorer's fast paths change its cost, never its decisions.

- `quotes_knowledge` (a claim that is a knowledge sentence) answers True only where
  `check_claim` finds the claim supported, and the scorer gives the same `Score`
  (passed, score, reason, details) with the fast path on and off;
- each cheaper pattern or gate matches what it replaced (the replaced form is kept here as
  the reference, so that the package has one implementation and the test a second one).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.common.text import nfkc, numbers
from evalkit.scorers import _compare, _layers, _support
from evalkit.scorers._knowledge import knowledge_index, knowledge_sentences
from evalkit.scorers._lexicon import LIMITED_EN, NEG_EN
from evalkit.scorers._numerals import scan_ascii_numbers
from evalkit.scorers._support import PRESENTATIONAL, check_claim, name_phrases, split_claims
from evalkit.scorers._verbatim import NEGATED, STRIPPED, quotes_knowledge
from evalkit.scorers.hallucination import make
from evalkit.values import Case, Prompt, ScorerConfig, ScoringInput, Suite

SUITE = Suite(
    name="s",
    poc="p",
    path=__import__("pathlib").Path("/tmp/s.yaml"),
    sha256="",
    prompt=Prompt("{{question}}"),
    cases=(),
)

# Knowledge-like text: words, names, negation and limiting cues, numbers and signs,
# letters glued to digits, every kind of sentence cut, bullets and stripped characters.
_PIECES = [
    "Refunds",
    "are",
    "accepted",
    "within",
    "days",
    "Order",
    "totals",
    "yen",
    "Bob",
    "Hoskins",
    "Kenneth",
    "Williams",
    "directed",
    "the",
    "film",
    "fees",
    "ship",
    "first",
    "not",
    "no",
    "never",
    "can't",
    "don't",
    "only if",
    "until",
    "before",
    "unless",
    "invoice_no",
    "no.",
    "No. 5",
    "e.g.",
    "U.S.",
    "abc2",
    "2x",
    "v2",
    "30",
    "2257",
    "3.5",
    "1,200",
    "-4",
    "- 5",
    "+7",
    "(A",
    '"B',
    "'C",
    "[D",
    ".",
    ". ",
    ".\n",
    "!",
    "?",
    "?!",
    "\n",
    "\n\n",
    " ",
    "  ",
    "\t",
    "- ",
    "* ",
    "• ",
    "`",
    ";",
    ",",
    ", and",
    ":",
    "送料は",
    "無料",
    "ではない",
    "三十日",
    "。",
]
_TEXT = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=24).map(" ".join)


def _claims_from(text: str, extra: list[str]) -> list[str]:
    """Claims that stress the fast path: each sentence stripped as `split_claims` strips
    it, those sentences' own claims, and arbitrary substrings."""
    sentences = [s.strip(STRIPPED) for s in knowledge_sentences(nfkc(text))]
    claims = [c for s in sentences for c in (s, *split_claims(s))] + extra
    return [c for c in claims if c]


@given(_TEXT, st.lists(st.text(alphabet=" abnotyxA5.-", max_size=12), max_size=2), st.data())
@settings(max_examples=300, deadline=None)
def test_a_claim_the_fast_path_accepts_is_supported_by_the_full_check(
    text: str, junk: list[str], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    question = data.draw(st.sampled_from([None, "Is it not refunded?", "What does Bob do?"]))
    knowledge = (knowledge_index(text),)
    for claim in _claims_from(text, [text[i:j].strip(), *junk]):
        if quotes_knowledge(claim, (text,)):
            assert check_claim(claim, knowledge, question).supported, claim


def test_the_fast_path_accepts_a_quoted_sentence_and_refuses_what_it_cannot_prove() -> None:
    context = "Orders placed before 5 pm ship today. No refunds are given.\n-5 degrees. Order 12 totals 2257 yen."
    assert quotes_knowledge("Order 12 totals 2257 yen.", (context,))
    assert not quotes_knowledge("refunds are given.", (context,))  # drops the "No"
    assert not quotes_knowledge("No refunds are given.", (context,))  # negated: full path
    assert not quotes_knowledge("5 degrees.", (context,))  # the sentence says -5
    assert not quotes_knowledge("Order 12 totals 2257 yen", (context,))  # not at a cut
    assert not quotes_knowledge("12 totals 2257 yen.", (context,))  # not at a start


_OUTPUT_PIECES = [
    "No,",
    "Yes.",
    "It is also red.",
    "Both are.",
    "not",
    "Bob Hoskins directed it.",
    "\n- ",
]


@pytest.fixture(scope="module")
def scorers() -> list[Any]:
    return [
        make(ScorerConfig("hallucination", None, p))
        for p in ({}, {"specifics": False}, {"relations": True})
    ]


@given(_TEXT, st.data())
@settings(max_examples=150, deadline=None)
def test_the_scorer_gives_the_same_score_with_and_without_the_fast_path(
    scorers: list[Any], text: str, data: st.DataObject
) -> None:
    claims = _claims_from(text, [])
    picked = data.draw(st.lists(st.sampled_from(claims + _OUTPUT_PIECES), min_size=1, max_size=3))
    output = data.draw(st.sampled_from([" ", "\n"])).join(picked)
    refs = data.draw(st.sampled_from([(), ("2257",), ("Bob Hoskins",)]))
    case = Case(
        id="c", vars={"question": "Who directed it, Bob or Ann?"}, context=text, references=refs
    )
    item = ScoringInput(SUITE, case, (output,), ("sample 0",), (0,), ("replay",))
    fast = [s.score(item) for s in scorers]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_layers, "quotes_knowledge", lambda claim, texts: False)
        mp.setattr(_layers, "changed_number", lambda claim, texts, question: None)
        full = [s.score(item) for s in scorers]
    assert fast == full


# -- cheaper forms of existing checks ---------------------------------------------------
_CUE_TEXT = st.lists(
    st.sampled_from(
        [
            "not",
            "no",
            "never",
            "none",
            "nothing",
            "neither",
            "nor",
            "cannot",
            "without",
            "n't",
            "n t",
            "until",
            "till",
            "before",
            "unless",
            "except",
            "only if",
            "no.",
            "no. 5",
            "no.: #ab-3",
            "mnot",
            "nott",
            "é",
            "_",
            "-",
            ".",
            " ",
            "5",
            "x",
            "n",
            "t",
        ]
    ),
    max_size=8,
).map("".join) | st.text(alphabet="notiluabefx '._-5é", max_size=20)


# The plain forms the literal-first patterns of `_lexicon` replaced.
_PLAIN_NEG_EN = re.compile(
    r"\b(?:not|no(?!\.\s*:?\s*#?\s*[a-z-]*\d)|never|none|nothing|neither|nor|cannot|without)\b"
    r"|n['’]t\b|n t\b"
)
_PLAIN_LIMITED_EN = re.compile(r"\b(?:until|till|before|unless|except|only if)\b")


@given(_CUE_TEXT)
@settings(max_examples=400, deadline=None)
def test_the_literal_first_cue_patterns_match_what_the_plain_ones_match(text: str) -> None:
    for fast, plain in ((NEG_EN, _PLAIN_NEG_EN), (LIMITED_EN, _PLAIN_LIMITED_EN)):
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert (NEGATED.search(text) is None) == (
        _PLAIN_NEG_EN.search(text) is None and _PLAIN_LIMITED_EN.search(text) is None
    )


@given(st.text(alphabet="0123456789,.-+ aZ_x", max_size=24))
@settings(max_examples=300, deadline=None)
def test_scanning_digit_to_digit_reads_the_same_numbers(text: str) -> None:
    assert scan_ascii_numbers(text) == numbers(text)


_CLAIM_END = _support._CLAIM_END


def _reference_split_claims(text: str) -> tuple[str, ...]:
    """`split_claims` before its one-piece shortcut."""
    t = nfkc(text).strip()
    fields: list[str] = []
    if "{" in t or "[" in t:
        t, fields = _support._json_fields(t)
    parts = (p.strip(" \t-•*・`") for p in _CLAIM_END.split(t))
    prose = [
        p for p in parts if p and any(ch.isalnum() for ch in p) and not PRESENTATIONAL.match(p)
    ]
    return tuple(prose + fields)


@given(st.text(alphabet="Ab1 .!?,;:\n\t\r\x0b-*`'\"{}[]", max_size=30) | _TEXT)
@settings(max_examples=300, deadline=None)
def test_split_claims_shortcut_gives_what_the_split_gives(text: str) -> None:
    assert split_claims.__wrapped__(text) == _reference_split_claims(text)


_VERB_TEXT = st.lists(
    st.sampled_from(
        [
            *list(_compare._ACTIVE_FORMS)[:40],
            "co-founded",
            "directedly",
            "codirected",
            "x",
            " ",
            "-",
            ".",
            "_",
            "é",
            "The",
        ]
    ),
    max_size=5,
).map("".join)


@given(_VERB_TEXT)
@settings(max_examples=300, deadline=None)
def test_the_agentive_verb_gate_matches_the_original_pattern(text: str) -> None:
    assert _compare.may_name_agent(text) == (_compare._ANY_VERB.search(nfkc(text)) is not None)


@given(st.text(alphabet="AbC d.&'-of", max_size=20))
@settings(max_examples=200, deadline=None)
def test_the_two_capitals_gate_of_name_phrases_changes_nothing(text: str) -> None:
    # A trailing lower-case non-ASCII word ends a name like the end of the text does,
    # and takes the text past the ASCII-only gate: the full algorithm's answer.
    assert name_phrases.__wrapped__(text) == name_phrases.__wrapped__(text + " é")


_NUMBER_TEXT = st.lists(
    st.sampled_from(
        [
            "2258",
            "2,258",
            "2258.0",
            "02258",
            "-2258",
            "+2258",
            "2257.99999999999999999",
            "12",
            "1,2",
            "12.5",
            "0",
            "3万",
            "三十日",
            "e.g.",
            ". ",
            "\n",
            " ",
            "x",
            "Order",
        ]
    ),
    max_size=12,
).map(" ".join)


@given(_NUMBER_TEXT, st.sampled_from([2258.0, 12.0, 12.5, 0.0, -2258.0, 30.0, 30000.0, 1.0, 2.0]))
@settings(max_examples=300, deadline=None)
def test_reading_only_the_sentences_with_the_digits_gives_the_full_number_mask(
    text: str, value: float
) -> None:
    shortcut = knowledge_index(text)._number_mask(value)
    assert shortcut == knowledge_index.__wrapped__(text)._number_masks().get(value, 0)
