"""The knowledge index: its fast paths must agree with the plain definitions they replace."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.scorers._knowledge import (
    _NEG_OR_LIMIT_EN,
    _NON_WORD,
    _norm,
    _sentences_and_lines,
    knowledge_index,
    question_index,
    word_unit,
)
from evalkit.scorers._support import claim_units

# The sentence cut as a regex: the definition `_sentences_and_lines` implements faster.
_CUT = re.compile(r"\.(?:\s+|(?=[\"'(\[]?[A-Z]))|[!?]\s*|[。！？]|\n+")


def _reference_cut(text: str) -> list[tuple[str, int]]:
    parts, start, line = [], 0, 0
    for m in _CUT.finditer(text):
        cut = m.start()
        parts.append((text[start:cut] if text[cut] == "\n" else text[start : cut + 1], line))
        line += text.count("\n", cut, m.end())
        start = m.end()
    parts.append((text[start:], line))
    return [(p, n) for p, n in parts if p.strip()] or [("", 0)]


TEXT = st.text(alphabet="aA .!?\n\"'([。！？x1_\t-", max_size=30)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_sentence_cut_matches_its_regex_definition(text: str) -> None:
    assert _sentences_and_lines(text) == _reference_cut(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab _-.,'!Xé1", max_size=30))
def test_ascii_normalisation_matches_the_regex_path(text: str) -> None:
    low = text.casefold()
    assert _norm(text, low) == " " + _NON_WORD.sub(" ", low).strip() + " "


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["no", "not", "invoice_no", "know", "don't", "until", "x.", "A"]),
        max_size=8,
    )
)
def test_negated_sentences_are_those_the_negation_regex_finds(words: list[str]) -> None:
    text = " ".join(words)
    k = knowledge_index(text)
    expected = bool(_NEG_OR_LIMIT_EN.search(text.lower()))
    assert bool(k.negated) == expected


def test_invoice_no_is_not_a_negation() -> None:
    assert not knowledge_index("Invoice_no: BOS-1. Total: 12.").negated
    assert knowledge_index("Gift cards are not refundable.").negated == 1
    assert question_index("Why hasn't my card been charged?").negated


def test_numbers_are_found_per_sentence_only_when_asked() -> None:
    k = knowledge_index("Standard costs $5.99. Express costs $14.99. 返金は三十日以内。")
    assert not k.lazy  # nothing computed while indexing
    assert k.locate(claim_units("$14.99")[0]) == 0b010
    assert k.locate(claim_units("30日")[0]) == 0b100


def test_sentences_of_one_list_item_bind_together() -> None:
    k = knowledge_index(
        "Shipping policy\n- Canada: standard only. Duties are paid at checkout.\n- US: express."
    )
    canada, duties = k.locate(word_unit("canada", True)), k.locate(word_unit("duties", False))
    assert canada != duties and k.groups[canada.bit_length() - 1] & duties
    assert knowledge_index("Canada: standard only. Duties are paid at checkout.").groups == ()
