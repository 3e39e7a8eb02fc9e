"""The knowledge index as a user meets it: where a knowledge sentence ends, which words and
numbers it holds and what it negates decide what the hallucination scorer accepts.

Most tests score an answer against a knowledge text through `hallucination.make(...)`;
the last ones pin documented contracts of `knowledge_index` and `question_index`. Their
fast paths are compared with their specifications in `test_hallucination_speed_equivalence`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evalkit.scorers._knowledge import knowledge_index, question_index, word_unit
from evalkit.scorers._support import claim_units
from evalkit.scorers.hallucination import make
from evalkit.values import Case, Prompt, Score, ScorerConfig, ScoringInput, Suite


def _score(output: str, context: str, question: str, **params: Any) -> Score:
    """The hallucination scorer's verdict on one answer (as `test_hallucination._score`)."""
    suite = Suite("s", "p", Path("/tmp/s.yaml"), "", Prompt("{{question}}"), ())
    case = Case(id="c1", vars={"question": question}, context=context)
    item = ScoringInput(suite, case, (output,), ("sample 0",), (0,), ("replay",))
    result = make(ScorerConfig("hallucination", None, params)).score(item)
    assert result is not None
    return result


# -- sentence ends: an answer of one claim must find its parts in one sentence ------------

OSLO_Q = "When does the Oslo shop open?"


@pytest.mark.parametrize(
    "cut",
    [". ", ".  \n ", "! ", "? ", "!", "\n", "\n\n", ".", '."', ".'", ".(", ".[", "。"],
    ids=repr,
)
def test_a_sentence_end_keeps_apart_what_two_sentences_state(cut: str) -> None:
    knowledge = f"The Oslo shop opens at 9{cut}The Bergen shop opens at 10."
    wrong = _score("The Oslo shop opens at 10.", knowledge, OSLO_Q)
    assert not wrong.passed and "never stated together in the knowledge: 10" in wrong.reason
    assert _score("The Bergen shop opens at 10.", knowledge, OSLO_Q).passed
    assert _score("The Oslo shop opens at 9.", knowledge, OSLO_Q).passed


@pytest.mark.parametrize("joint", [".the ", ".", ",", " and "], ids=repr)
def test_a_dot_before_a_lower_case_letter_or_a_digit_ends_no_sentence(joint: str) -> None:
    # "9.the", "9.10": no cut, so 10 (or 9.10, a number of its own) is stated with the
    # Oslo shop (one sentence).
    knowledge = f"The Oslo shop opens at 9{joint}10 for the Bergen shop."
    said = "9.10" if joint == "." else "10"
    assert _score(f"The Oslo shop opens at {said}.", knowledge, OSLO_Q).passed


def test_a_decimal_point_is_no_sentence_end() -> None:
    knowledge = "The Oslo shop is 3.5 km from the port. The Bergen shop is 7 km from it."
    question = "How far is the Oslo shop?"
    assert _score("The Oslo shop is 3.5 km from the port.", knowledge, question).passed
    wrong = _score("The Oslo shop is 7 km from the port.", knowledge, question)
    assert not wrong.passed and "never stated together in the knowledge: 7" in wrong.reason


def test_a_number_is_found_however_its_digits_are_grouped() -> None:
    knowledge = "Express costs 1,200 yen. Standard costs 500.0 yen."
    question = "How much is shipping?"
    assert _score("Express costs 1200 yen.", knowledge, question).passed
    assert _score("Standard costs 500 yen.", knowledge, question).passed
    other = _score("Express costs 1,500 yen.", knowledge, question)
    assert not other.passed and "not in the knowledge: 1,500" in other.reason
    elsewhere = _score("Standard costs 1,200 yen.", knowledge, question)
    assert not elsewhere.passed and "never stated together" in elsewhere.reason


# -- words: found whatever their case and punctuation --------------------------------------


@pytest.mark.parametrize(
    ("knowledge", "answer"),
    [
        ("Use the ORDER-PAGE to cancel.", "Use the order page to cancel."),
        ("Set the refund_method field to VOUCHER.", "Set the refund method field to voucher."),
        ("Cancel on the order page!", "Cancel on the Order-Page."),
    ],
)
def test_words_are_found_whatever_their_case_and_punctuation(knowledge: str, answer: str) -> None:
    assert _score(answer, knowledge, "How do I cancel?").passed


def test_a_word_the_knowledge_does_not_write_is_unsupported() -> None:
    result = _score("Use the order portal to cancel.", "Use the order page to cancel.", "How?")
    assert not result.passed and "portal" in result.reason


# -- negation: what a knowledge sentence denies ---------------------------------------------

CARDS_Q = "Are gift cards refundable?"


@pytest.mark.parametrize(
    "denial",
    [
        "Gift cards are not refundable.",
        "Gift cards are never refundable.",
        "Gift cards can't be refunded.",
        "Gift cards cannot be refunded.",
        "No gift card is refundable.",
        "Neither vouchers nor gift cards are refundable.",
    ],
)
def test_an_answer_that_asserts_what_the_knowledge_denies_is_flagged(denial: str) -> None:
    result = _score("Gift cards are refundable.", denial, CARDS_Q)
    assert not result.passed and "the knowledge negates it" in result.reason


def test_an_answer_that_denies_what_the_knowledge_asserts_is_flagged() -> None:
    result = _score("Gift cards are not refundable.", "Gift cards are refundable.", CARDS_Q)
    assert not result.passed and "negates what the knowledge does not negate" in result.reason
    assert _score(
        "Gift cards are not refundable.", "Gift cards are not refundable.", CARDS_Q
    ).passed


def test_japanese_negation_is_read_per_sentence() -> None:
    knowledge = "ギフトカードは返金できます。送料は返金の対象外です。"
    question = "返金できますか？"
    assert _score("ギフトカードは返金できます。", knowledge, question).passed
    assert _score("送料は返金されません。", knowledge, question).passed
    asserted = _score("送料は返金の対象です。", knowledge, question)
    assert not asserted.passed and "the knowledge negates it" in asserted.reason
    denied = _score("ギフトカードは返金できません。", knowledge, question)
    assert not denied.passed and "negates what the knowledge does not negate" in denied.reason


@pytest.mark.parametrize("limit", ["until", "before", "unless"])
def test_a_limit_in_the_knowledge_supports_a_denial_beyond_it(limit: str) -> None:
    answer = "You can't change the address after the parcel ships."
    question = "Can I change the address?"
    assert _score(answer, f"You can change the address {limit} the parcel ships.", question).passed
    unlimited = _score(answer, "You can change the address when the parcel ships.", question)
    assert not unlimited.passed and "negates what the knowledge does not negate" in unlimited.reason


@pytest.mark.parametrize(
    "knowledge",
    [
        "Invoice_no BOS-1 lists the refundable items.",
        "Invoice no. 5 lists the refundable items.",
        "Know which items are refundable: see the list.",
    ],
)
def test_a_word_that_only_contains_a_cue_negates_nothing(knowledge: str) -> None:
    # Were these read as negated, an answer that asserts them would "contradict" them.
    answer = knowledge.replace("lists", "shows").replace("see", "read")
    assert _score(answer, knowledge, "Which items are refundable?").passed


# -- list items: their sentences share a subject --------------------------------------------

SHIPPING = (
    "Shipping\n- Canada: standard only. Duties are paid at checkout.\n- Mexico: express only."
)


def test_the_sentences_of_one_list_item_support_one_claim_together() -> None:
    question = "Who pays duties?"
    assert _score("For Canada, duties are paid at checkout.", SHIPPING, question).passed
    wrong = _score("For Mexico, duties are paid at checkout.", SHIPPING, question)
    assert not wrong.passed and "never stated together" in wrong.reason
    flat = SHIPPING.replace("\n- ", " ").replace(":", "")
    assert not _score("For Canada, duties are paid at checkout.", flat, question).passed


# -- documented contracts of the index ------------------------------------------------------


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
