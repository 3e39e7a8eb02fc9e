"""The knowledge index's fast paths give what their specifications say.

Each reference below is written from a docstring or comment of the package, not from its
code, and uses none of its private helpers: the sentence cuts of `_sentences_and_lines`
as one regex; negation as the plain forms of `NEG_EN` and `LIMITED_EN` that `_lexicon`'s
comments give, applied to each sentence; numbers as `evalkit.common.text.numbers` (a separate,
public implementation) plus kanji numerals; the normalised text as `Knowledge`'s
docstring defines it. A bug shared by the fast path and its reference would need the same
mistake written twice, in two different ways. The example tests pin hand-written values.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.common.text import nfkc, numbers
from evalkit.scorers._evidence import Evidence, _union, evidence_for, opposite
from evalkit.scorers._knowledge import (
    Knowledge,
    Unit,
    _sentences_and_lines,
    knowledge_index,
    knowledge_sentences,
    question_index,
    word_unit,
)
from evalkit.scorers._language import _INNER_BREAK, analyse
from evalkit.scorers._lexicon import NEG_JA
from evalkit.scorers._numerals import kanji_numbers, scan_ascii_numbers
from evalkit.scorers._support import (
    _CLAIM_END,
    _CLAIM_END_ASCII,
    _has_negation_cue,
    claim_units,
    knowledge_negates,
    may_clash,
    negation_scope,
)

# -- references, from the specifications --------------------------------------------------

# `_sentences_and_lines`: cuts after "." before whitespace (consumed) — unless a
# lower-case letter follows it ("e.g. the"), or a digit follows an abbreviation that stands
# before numbers ("No. 5") — or before a (quoted) capital; after "!" / "?" with the
# whitespace after them; after 。！？; at line breaks (consumed, and not part of the
# sentence). Blank sentences are dropped.
_CUT = re.compile(r"\.(?:\s+|(?=[\"'(\[]?[A-Z]))|[!?]\s*|[。！？]|\n+")
_BEFORE_NUMBERS = re.compile(r"(?<![^\W\d_])(?:no|nos|vol|fig|p|pp|art|sec|ch)$", re.IGNORECASE)


def _no_cut(text: str, m: re.Match[str]) -> bool:
    """A "." before whitespace that the specification's two exceptions keep in the sentence."""
    if not (m.group().startswith(".") and m.group()[1:2].isspace()):
        return False
    after = text[m.end() : m.end() + 1]
    return after.islower() or (
        after.isdigit() and _BEFORE_NUMBERS.search(text[: m.start()]) is not None
    )


def _reference_sentences(text: str) -> list[tuple[str, int]]:
    """Each sentence with the number of the line it starts on (the line breaks before it)."""
    pieces, start, at = [], 0, 0
    while (m := _CUT.search(text, at)) is not None:
        if _no_cut(text, m):
            at = m.start() + 1  # the whitespace it would consume may hold a line break
            continue
        end_of_sentence = m.start() if m.group().startswith("\n") else m.start() + 1
        pieces.append((start, text[start:end_of_sentence]))
        start = at = m.end()
    pieces.append((start, text[start:]))
    kept = [(p, text.count("\n", 0, at)) for at, p in pieces if p.strip()]
    return kept or [("", 0)]


# The plain forms `_lexicon` gives for NEG_EN and LIMITED_EN (a sentence that matches
# either is negated: `NEG_OR_LIMIT_EN`); Japanese negation is NEG_JA itself.
_PLAIN_NEG_EN = re.compile(
    r"\b(?:not|no(?!\.\s*:?\s*#?\s*[a-z-]*\d)|never|none|nothing|neither|nor|cannot|without)\b"
    r"|n['’]t\b|n t\b"
)
_PLAIN_LIMITED_EN = re.compile(r"\b(?:until|till|before|unless|except|only if)\b")


def _negated(sentence: str) -> bool:
    low = sentence.casefold()
    return bool(
        _PLAIN_NEG_EN.search(low) or _PLAIN_LIMITED_EN.search(low) or NEG_JA.search(sentence)
    )


def _reference_negated(text: str) -> int:
    sentences = [p for p, _ in _reference_sentences(nfkc(text))]
    return sum(1 << i for i, p in enumerate(sentences) if _negated(p))


def _reference_numbers(sentence: str) -> frozenset[float]:
    return frozenset(numbers(sentence) + kanji_numbers(sentence))


def _reference_norm(sentence: str) -> str:
    """`Knowledge.text` of one sentence: its words case-folded, every run of other characters
    (underscores included) one space, a space at both ends."""
    return " " + " ".join(re.findall(r"[^\W_]+", sentence.casefold())) + " "


def _bits(flags: list[bool]) -> int:
    return sum(1 << i for i, flag in enumerate(flags) if flag)


# -- generators ----------------------------------------------------------------------------

# Knowledge-like text: words, negation and limiting cues, numbers, every kind of sentence
# cut.
_PIECES = [
    "Refunds",
    "are",
    "not",
    "never",
    "none",
    "nor",
    "nothing",
    "neither",
    "cannot",
    "without",
    "until",
    "till",
    "before",
    "unless",
    "except",
    "only if",
    "can't",
    "don t",
    "invoice_no",
    "no",
    "No. 5",
    "know",
    "note",
    "fees",
    "3.5",
    "1,200",
    "2258",
    "02258",
    "2258.0",
    "-4",
    "e.g.",
    "days",
    "ship",
    "。",
    "！",
    "？",
    "?",
    "!",
    ".",
    ". ",
    ".\n",
    "\n",
    "\n\n",
    " ",
    "  ",
    "\t",
    "(A",
    '"B',
    "'C",
    "[D",
    "送料は",
    "無料",
    "ではない",
    "対象外",
    "三十日",
    "5",
    "−2",
    "３０",
    "Straße",
]
_KNOWLEDGE = (
    st.lists(st.sampled_from(_PIECES), max_size=30).map(" ".join)
    | st.lists(st.sampled_from(_PIECES), max_size=20).map("".join)
    | st.text(max_size=60)
)
_VALUES = [3.5, 0.0, -0.0, 1200.0, 2258.0, 5.0, -4.0, 30.0, -2.0, 7.0, 1.0]
_WORDS = ["refunds", "refund", "are", "fees", "fee", "days", "ship", "shipped", "no", "b"]


# -- properties ----------------------------------------------------------------------------


@given(_KNOWLEDGE | st.text(alphabet="aAZ .!?\n\"'([。！？x1_\t\r-", max_size=30))
@settings(max_examples=400, deadline=None)
def test_sentences_are_cut_where_the_cut_rules_say(text: str) -> None:
    reference = _reference_sentences(text)
    assert knowledge_sentences(text) == [p for p, _ in reference]
    assert _sentences_and_lines(text) == reference  # and each one's line number


@given(_KNOWLEDGE)
@settings(max_examples=300, deadline=None)
def test_a_sentence_is_negated_when_the_plain_cue_patterns_find_a_cue_in_it(text: str) -> None:
    assert knowledge_index(text).negated == _reference_negated(text)


@given(_KNOWLEDGE)
@settings(max_examples=200, deadline=None)
def test_a_question_is_negated_when_the_plain_cue_patterns_find_a_cue_in_it(text: str) -> None:
    assert bool(question_index(text).negated) == _negated(nfkc(text))


@given(_KNOWLEDGE)
@settings(max_examples=200, deadline=None)
def test_the_index_text_is_each_sentence_normalised(text: str) -> None:
    k = knowledge_index(text)
    norms = [_reference_norm(p) for p, _ in _reference_sentences(nfkc(text))]
    assert k.text == "".join(norms)
    assert [k.sentence(i) for i in range(len(k.starts))] == norms


@given(_KNOWLEDGE, st.sampled_from(_WORDS))
@settings(max_examples=200, deadline=None)
def test_a_word_is_located_in_the_sentences_whose_text_holds_its_probes(
    text: str, word: str
) -> None:
    unit = word_unit(word, False)
    # The first of several probes only gates the others (`Unit.probes`).
    probes = unit.probes[1:] or unit.probes
    norms = [_reference_norm(p) for p, _ in _reference_sentences(nfkc(text))]
    want = _bits([any(probe in norm for probe in probes) for norm in norms])
    assert knowledge_index.__wrapped__(text).locate(unit) == want


@given(_KNOWLEDGE)
@settings(max_examples=200, deadline=None)
def test_each_sentence_holds_the_numbers_written_in_it(text: str) -> None:
    want = tuple(_reference_numbers(p) for p, _ in _reference_sentences(nfkc(text)))
    k = knowledge_index(text)
    assert k.numbers == want
    assert k.all_numbers == frozenset().union(*want)


@given(_KNOWLEDGE)
@settings(max_examples=200, deadline=None)
def test_a_number_is_located_in_the_sentences_that_hold_it(text: str) -> None:
    per = [_reference_numbers(p) for p, _ in _reference_sentences(nfkc(text))]
    table: Knowledge = knowledge_index.__wrapped__(text)
    for value in _VALUES:
        unit = Unit(f"{value:g}", "number", True, (), value)
        want = _bits([value in nums for nums in per])
        # On a fresh index an integer is looked for only in the sentences with its digits;
        # after a fraction or a negative number (the first values), in the full table.
        assert knowledge_index.__wrapped__(text).locate(unit) == want, value
        assert table.locate(unit) == want, value


@given(st.text(alphabet="0123456789,.-+ aZ_x\n", max_size=40))
@settings(max_examples=300, deadline=None)
def test_scan_ascii_numbers_equals_text_numbers(text: str) -> None:
    assert scan_ascii_numbers(text) == numbers(text)


# -- examples ------------------------------------------------------------------------------


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


def test_sentences_of_a_text() -> None:
    text = (
        "Refunds take 3.5 days, e.g. for cards. Ask us!  Why?No.\n"
        'Cards expire.Gift cards."Free" items.\n\n'
        "送料は無料です。返品は？可能\n"
    )
    assert _sentences_and_lines(text) == [
        ("Refunds take 3.5 days, e.g. for cards.", 0),  # no cut before a lower-case word
        ("Ask us!", 0),
        ("Why?", 0),
        ("No.", 0),
        ("Cards expire.", 1),
        ("Gift cards.", 1),
        ('"Free" items.', 1),
        ("送料は無料です。", 3),
        ("返品は？", 3),
        ("可能", 3),
    ]
    assert [
        p for p, _ in _sentences_and_lines("Use Form No. 5 to return it. 5 days. Then go.")
    ] == [
        "Use Form No. 5 to return it.",  # "No." before a number is no sentence end
        "5 days.",
        "Then go.",
    ]
    assert knowledge_sentences("  \n\n ") == [""]
    # After "." a capital cuts, also behind an opening quote or bracket; anything else not.
    assert knowledge_sentences(
        "Aa.Bb. Cc.Zz. Dd.\"Ee. Ff.'Gg. Hh.(Ii. Jj.[Kk. Ll.{Mm. Nn.a. 3.5 x.é"
    ) == [
        "Aa.",
        "Bb.",
        "Cc.",
        "Zz.",
        "Dd.",
        '"Ee.',
        "Ff.",
        "'Gg.",
        "Hh.",
        "(Ii.",
        "Jj.",
        "[Kk.",
        "Ll.{Mm.",
        "Nn.a.",
        "3.5 x.é",
    ]
    # A single capital before ". " is a name's initial, not a sentence's end.
    assert knowledge_sentences(
        "He assisted S. P. L. Sørensen in pH. George W. Bush came. (J. Smith) Done."
    ) == ["He assisted S. P. L. Sørensen in pH.", "George W. Bush came.", "(J. Smith) Done."]


def test_which_sentences_are_negated() -> None:
    text = (
        "Gift cards are not refundable. "  # 0: not
        "Invoice_no: BOS-1. "  # 1: an identifier, no negation
        "Returns are open until May. "  # 2: a limit
        "See form no.5 for it. "  # 3: "no." before a number abbreviates "number"
        "We can't ship there. "  # 4: n't
        "Know your rights. "  # 5: "know" holds no "no"
        "送料は対象外です。"  # 6
        "返品できます。"  # 7
        "交換はできません。"  # 8
    )
    assert knowledge_index(text).negated == 0b1_0101_0101
    assert question_index("Why hasn't my card been charged?").negated
    assert not question_index("Is the invoice_no on the receipt?").negated
    assert question_index("返品はできないのですか？").negated


def test_which_sentences_hold_a_number() -> None:
    k = knowledge_index(
        "Standard costs $5.99. Express is 1,200 yen! No fee. Version v2 is out. 返金は三十日以内。"
    )
    assert k.numbers == (
        frozenset({5.99}),
        frozenset({1200.0}),
        frozenset(),
        frozenset(),
        frozenset({30.0}),
    )
    assert k.locate(Unit("1200", "number", True, (), 1200.0)) == 0b00010
    assert k.locate(Unit("30", "number", True, (), 30.0)) == 0b10000
    assert k.locate(Unit("2", "number", True, (), 2.0)) == 0


def test_the_index_text_of_a_knowledge_text() -> None:
    k = knowledge_index("Refunds: 30 DAYS. Invoice_no BOS-1!")
    assert k.text == " refunds 30 days  invoice no bos 1 "
    assert k.starts == (0, 17)
    assert k.locate(word_unit("invoice", False)) == 0b10


def test_a_negation_cue_is_a_whole_word_or_an_n_t() -> None:
    assert knowledge_index("You can't. Fine.").negated == 0b01
    assert knowledge_index("Donate. Do not.").negated == 0b10
    assert knowledge_index("Nobody knows. Nothing else. Tilly. Untill.").negated == 0b0010


# -- the claim checks' cheap tests (`_support`, `_language`, `_evidence`) ------------------

_CLAIMS = st.lists(
    st.sampled_from(_PIECES + ["Yes,", "No,", "don't", "We", "ship", "n-t"]), max_size=12
).map(" ".join) | st.text(alphabet="aAnotNx .,;!?\n'’-—–、。ない", max_size=30)
_ASCII = st.text(alphabet="aAZnot .,;!?\n\t\"'([_-Stand", max_size=40) | st.lists(
    st.sampled_from([p for p in _PIECES if p.isascii()] + [", and", ", so", ";", "St.", "Mr."]),
    max_size=20,
).map(" ".join)


# Texts whose cues read differently in the raw text and in the index's normal form
# ("No. 5", "invoice_no", "don-t"), next to the limiting cues that mark a sentence negated.
_CUE_EDGES = st.lists(
    st.sampled_from(
        [
            "Returns",
            "until",
            "before",
            "No. 5",
            "no.5",
            "invoice_no",
            "don",
            "t",
            "-",
            "_",
            "fees",
            ".",
            ". ",
            "\n",
            "days",
            "No",
            "x",
        ]
    ),
    max_size=12,
).map(" ".join) | st.lists(
    st.sampled_from(["until ", "No", ".", "n", "_", "-", "t", " "]), max_size=12
).map("".join)


def _reference_knowledge_negates(text: str) -> bool:
    k = knowledge_index(text)
    return bool(k.negated) and _has_negation_cue(k)


def _reference_may_clash(claim: str, texts: tuple[str, ...]) -> bool:
    """`may_clash` as it read the built indexes: units, then the claim's negation, then the
    knowledge's."""
    units = claim_units(claim)
    if not units:
        return False
    if negation_scope(claim, units):
        return True
    return any(_reference_knowledge_negates(t) for t in texts)


@given(_KNOWLEDGE | _ASCII | _CUE_EDGES)
@settings(max_examples=500, deadline=None)
def test_knowledge_negates_as_its_index_says(text: str) -> None:
    assert knowledge_negates.__wrapped__(text) == _reference_knowledge_negates(text)


@given(_CLAIMS, st.lists(_KNOWLEDGE | _ASCII | _CUE_EDGES, max_size=2).map(tuple))
@settings(max_examples=400, deadline=None)
def test_may_clash_as_the_built_indexes_say(claim: str, texts: tuple[str, ...]) -> None:
    assert may_clash(claim, texts) == _reference_may_clash(claim, texts)


@given(_ASCII)
@settings(max_examples=400, deadline=None)
def test_ascii_claims_are_cut_as_by_the_full_pattern(text: str) -> None:
    assert _CLAIM_END_ASCII.split(text) == _CLAIM_END.split(text)


# `_language._INNER_BREAK` in its plain form: the look-behinds before the period.
# A period that is not between two digits (a decimal point, "14.99", is no break).
_PLAIN_INNER_BREAK = re.compile(
    r"(?:(?<![^A-Za-z0-9°][A-Z])(?<!^[A-Z])(?<!\b(?:St|Mr|Dr|Jr|Sr|Ms|Co|vs|No))"
    r"(?:(?<!\d)\.|\.(?!\d))|[!?。！？])"
    r"(?=\s*\S)"
)


@given(_ASCII | _CLAIMS | st.text(alphabet="StMrDNo. !?。\nxA019°(;", max_size=30))
@settings(max_examples=400, deadline=None)
def test_inner_breaks_are_found_as_by_the_plain_pattern(text: str) -> None:
    assert [m.span() for m in _INNER_BREAK.finditer(text)] == [
        m.span() for m in _PLAIN_INNER_BREAK.finditer(text)
    ]


@given(st.lists(_KNOWLEDGE | _ASCII, min_size=1, max_size=3), _CLAIMS | _ASCII)
@settings(max_examples=300, deadline=None)
def test_evidence_per_text_supports_what_their_union_supports(
    texts: list[str], output: str
) -> None:
    """One index per text, looked up in turn, answers as one index of all their keys."""
    evidence = evidence_for(tuple(texts))
    union = Evidence((_union(evidence.text, list(evidence.parts)),), evidence.text)
    for unit in analyse(output):
        assert evidence.supports(unit) == union.supports(unit), unit
        assert opposite(unit, evidence) == opposite(unit, union), unit
