"""The hallucination scorer's case-level fast paths change its cost, never its `Score`.

- `quoted_output`: one output that is a sentence of its context is proven clean without the
  plan or the knowledge index;
- `changed_number`: a knowledge sentence with one number changed is flagged for that number
  without the knowledge index;
- the digit-shape caches behind them answer as the uncached tests do, and the gates they
  read off `relation_conflict` and `combine`'s one-output forms agree with the full forms.

The reference is always the scorer's full path (the fast paths switched off), so the
package keeps one implementation of each rule.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.scorers import _outcome, _verbatim, hallucination
from evalkit.scorers._knowledge import knowledge_index
from evalkit.scorers._outcome import Check, combine
from evalkit.scorers._relations import answer_may_exclude, question_gates, relation_conflict
from evalkit.scorers._support import check_claim
from evalkit.scorers._verbatim import _ZERO, changed_number, quoted_output
from evalkit.scorers.hallucination import make
from evalkit.text import nfkc, numbers
from evalkit.values import Case, Prompt, ScorerConfig, ScoringInput, Suite

SUITE = Suite(
    name="s", poc="p", path=Path("/tmp/s.yaml"), sha256="", prompt=Prompt("{{q}}"), cases=()
)

# Knowledge sentences with numbers ({0}, {1}: drawn per case), negation and limiting cues,
# names, agentive verbs, lists, bullets, decimals, signs, thousands and letters on digits.
_SENTENCES = [
    "Order {0} totals {1} yen.",
    "Standard shipping costs {0} yen for orders under {1} yen.",
    "Refunds take {0} business days.",
    "Tokyo Station has {0} platforms, {1} exits and a museum.",
    "Invoices are payable within {0} days of the invoice date.",
    "Orders placed before {0} pm ship on the same business day.",
    "Shipping fees are not refunded after {0} days.",
    "The film was directed by Robert Zemeckis and written by Neil Gaiman in {0}.",
    "Customers in Hokkaido, Okinawa and Kyushu pay an additional {0} yen per parcel.",
    "Bob Hoskins directed the northern branch for {0} years.",
    "Both stores open at {0} am.",
    "- Canada: {0}% duty",
    "Version v{0} ships in {1} days.",
    "A parcel costs 1,{1} yen.",
    "It costs {0}.5 yen.",
    "The low was -{0} degrees.",
    "Gift wrapping costs {0} yen per item!",
    "Is it {0} yen?",
    "Route-{0} Highway Patrol covers {1} towns.",
    "Plans are compared in Order {0} and Order {1}.",
    "[{0}] Order {1} is ready.",
]
_JOINERS = [" ", "\n", "\n- ", "  ", ". ", ": "]
_QUESTIONS = [
    "What is the total of order {0}?",
    "How many days, {1}?",
    "Who directed it, Bob or Ann?",
    "The film was directed by who?",
    "Which branch did Bob Hoskins direct?",
    "",
    "Was it {0} yen or not?",
]


def _number(rnd: random.Random) -> str:
    return rnd.choice([str(rnd.randint(1, 99)), str(rnd.randint(100, 9999)), "0", "07"])


@st.composite
def _cases(draw: st.DrawFn) -> tuple[ScoringInput, dict[str, Any]]:
    rnd = random.Random(draw(st.integers(0, 2**32)))
    values = [_number(rnd) for _ in range(4)]
    picked = draw(st.lists(st.sampled_from(_SENTENCES), min_size=1, max_size=5))
    sentences = [s.format(*rnd.sample(values, 2)) for s in picked]
    context = ""
    for i, s in enumerate(sentences):
        context += (draw(st.sampled_from(_JOINERS)) if i else "") + s
    said = draw(st.sampled_from(sentences))
    how = draw(st.sampled_from(["as is"] * 4 + ["number"] * 3 + ["present", "edited"]))
    runs = list(_verbatim._DIGIT_RUN.finditer(said))
    if how in ("number", "present") and runs:
        run = draw(st.sampled_from(runs))
        fresh = rnd.choice([_number(rnd), str(rnd.randint(10000, 999999))])
        new = fresh if how == "number" else rnd.choice(values)
        said = said[: run.start()] + new + said[run.end() :]
    elif how == "edited":
        said = draw(
            st.sampled_from(
                [
                    said.lower(),
                    said.rstrip(".!?"),
                    "- " + said,
                    said + "  ",
                    "Yes, " + said,
                    said + " Both are fine.",
                    said + " It was directed by Ann.",
                    said + "\n" + sentences[0],
                    said.replace(" ", "  ", 1),
                    "not " + said,
                    "{" + said + "}",
                ]
            )
        )
    question = draw(st.sampled_from(_QUESTIONS)).format(*values)
    vars_: dict[str, Any] = {"q": question}
    extra = draw(st.sampled_from([None, None, None, "short", "long", "number"]))
    if extra == "short":
        vars_["topic"] = f"orders {values[0]}"
    elif extra == "long":
        vars_["doc"] = context * (1 + 200 // max(1, len(context)))
    elif extra == "number":
        vars_["n"] = int(values[1])
    case = Case(
        id="c",
        vars=vars_,
        context=context,
        references=draw(st.sampled_from([(), (values[1],), (said,)])),
        forbidden=draw(st.sampled_from([(), (), (), ("Bob",)])),
        answerable=draw(st.sampled_from([True] * 7 + [False])),
        variants=draw(st.sampled_from([(), (), (), ({"q": "What else?"},)])),
    )
    outputs = draw(st.sampled_from([(said,), (said,), (said,), (said, sentences[-1])]))
    labels = tuple(f"sample {i}" for i in range(len(outputs)))
    zeros = tuple(0 for _ in outputs)
    item = ScoringInput(SUITE, case, outputs, labels, zeros, ("replay",) * len(outputs))
    return item, {"said": said, "context": context, "question": question}


_SETTINGS = [
    {},
    {"specifics": False},
    {"binding": False},
    {"claims": False},
    {"min_coverage": 0.5},
    {"samples_rule": "all"},
    {"knowledge_vars": ["doc"]},
]


@pytest.fixture(scope="module")
def scorers() -> list[Any]:
    return [make(ScorerConfig("hallucination", None, p)) for p in _SETTINGS]


def _full(scorers: list[Any], item: ScoringInput) -> list[Any]:
    """Every scorer's `Score` with every fast path switched off."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(hallucination, "quotes_knowledge", lambda claim, texts: False)
        mp.setattr(hallucination, "quoted_output", lambda output, context, questions: False)
        mp.setattr(hallucination, "changed_number", lambda claim, texts, question: None)
        return [s.score(item) for s in scorers]


@given(_cases())
@settings(max_examples=400, deadline=None)
def test_the_scorer_gives_the_same_score_with_and_without_the_case_fast_paths(
    scorers: list[Any], drawn: tuple[ScoringInput, dict[str, Any]]
) -> None:
    item, _ = drawn
    assert [s.score(item) for s in scorers] == _full(scorers, item)


@given(_cases())
@settings(max_examples=400, deadline=None)
def test_a_changed_number_is_what_the_full_check_finds_missing(
    drawn: tuple[ScoringInput, dict[str, Any]],
) -> None:
    item, d = drawn
    texts = (d["context"], *map(str, item.case.references))
    question = d["question"] + " \n" + str(item.case.vars.get("topic", ""))
    for claim in {d["said"], d["said"].strip()}:
        found = changed_number(claim, texts, question)
        if found is not None:
            c = check_claim.__wrapped__(claim, tuple(map(knowledge_index, texts)), question)
            assert (c.missing, c.specifics, c.unbound, c.negation, c.names) == (
                (found,),
                (found,),
                (),
                False,
                (),
            ), claim


def _scale_item(output: str, question: str = "What is the total of order 12?") -> ScoringInput:
    context = (
        "Invoices are payable within 30 days of the invoice date. Orders placed before "
        "3 pm ship on the same business day. Order 12 totals 2257 yen."
    )
    case = Case(id="c", vars={"q": question}, references=("2257",), context=context)
    return ScoringInput(SUITE, case, (output,), ("sample 0",), (0,), ("replay",))


def test_the_fast_paths_decide_the_scale_shapes_as_the_full_path_does(
    scorers: list[Any],
) -> None:
    quote, changed = (
        _scale_item("Order 12 totals 2257 yen."),
        _scale_item("Order 12 totals 2258 yen."),
    )
    case = quote.case
    assert quoted_output(quote.outputs[0], case.context or "", case.vars.values())
    assert changed_number("Order 12 totals 2258 yen.", (case.context or "", "2257"), "") == "2258"
    for item in (quote, changed):
        assert [s.score(item) for s in scorers] == _full(scorers, item)
    score = scorers[0].score(changed)
    assert not score.passed
    assert score.reason == (
        "hallucination: sample 0: 'Order 12 totals 2258 yen.' — not in the knowledge: 2258"
    )


def test_the_fast_paths_refuse_what_they_cannot_prove() -> None:
    context = "Orders placed before 3 pm ship today. Order 12 totals 2257 yen. It costs 2,258 yen."
    texts = (context,)
    assert not quoted_output("Orders placed before 3 pm ship today.", context, ())  # a cue
    assert not quoted_output("Order 12 totals 2257 yen.", context, ("Bob or Ann?",))  # options
    assert not quoted_output("Order 12 totals 2257 yen.", context, ("x" * 200,))  # knowledge
    assert not quoted_output("I don't know.", "I don't know.", ())  # a refusal
    assert changed_number("Order 12 totals 2258 yen.", texts, "") is None  # 2,258 is there
    assert changed_number("Order 12 totals 2259 yen.", texts, "Is it 2259?") is None  # asked
    assert changed_number("Orders placed before 4 pm ship today.", texts, "") is None  # a cue
    assert changed_number("Order 12 totals 2259 yen.", texts, "") == "2259"
    assert changed_number("Order 12 totals 2259 yen", texts, "") is None  # not a sentence


# -- the caches and gates behind them ------------------------------------------------------
_ASCII_TEXT = st.lists(
    st.sampled_from(
        [
            *(_SENTENCES[:9]),
            "Here is the answer:",
            "directed",
            "both",
            "southern",
            "no. 5",
            "abc2",
            "3rd",
            "1,200",
            "v2",
            "!",
            "?",
            "\n",
            " ",
            "- ",
            "{",
            "[1]",
            "[12]",
            '{"a": 10}',
        ]
    ),
    min_size=1,
    max_size=6,
).map(" ".join) | st.text(alphabet="Ab1 2.!?,;:\n\t-*`'\"{}[]nots", max_size=30)


@given(_ASCII_TEXT | st.text(max_size=20))
@settings(max_examples=200, deadline=None)
def test_the_bytes_form_of_the_digit_shape_is_the_str_form(text: str) -> None:
    assert _verbatim.digit_shape(text) == text.translate(_ZERO)


@given(_ASCII_TEXT, st.integers(0, 2**32))
@settings(max_examples=400, deadline=None)
def test_the_digit_shape_gives_what_the_text_gives(text: str, seed: int) -> None:
    rnd = random.Random(seed)
    other = "".join(str(rnd.randint(0, 9)) if "0" <= ch <= "9" else ch for ch in text)
    tests = [_verbatim._output_gates, question_gates]
    if text:  # (a claim is never empty)
        tests.append(_verbatim._may_quote_shape)
    for f in tests:
        plain = f.__wrapped__  # type: ignore[attr-defined]
        assert plain(text) == plain(text.translate(_ZERO)) == plain(other)


_RELATION_QUESTIONS = st.sampled_from(
    [
        "Who directed Beowulf?",
        "The film was directed by who?",
        "Which is closer to Cleveland, Ohio, Akron or Toledo?",
        "What southern California based band covered it?",
        "What is the total of order 12?",
        "",
    ]
)
_RELATION_TEXT = st.sampled_from(
    [
        "Beowulf was directed by Robert Zemeckis and written by Neil Gaiman.",
        "It was covered by Racer X, Fu Manchu, The Smashing Pumpkins and Kyuss.",
        "Fu Manchu is a Southern California-based band.",
        "Akron is in Ohio. Toledo is near Detroit.",
        "The northern Italian region of Veneto.",
        "Order 12 totals 2257 yen.",
    ]
)


@given(_RELATION_QUESTIONS, _RELATION_TEXT, st.lists(_RELATION_TEXT, min_size=1, max_size=3))
@settings(max_examples=300, deadline=None)
def test_relation_conflict_is_none_when_its_gates_are_closed(
    question: str, answer: str, knowledge: list[str]
) -> None:
    text = " ".join(knowledge)
    why = relation_conflict(question, answer, text)
    asks_role, offers = question_gates(nfkc(question))
    if why is not None:
        assert (
            asks_role or offers or ("," in text and " and " in text) or answer_may_exclude(answer)
        )


@given(
    st.lists(
        st.sampled_from(["2258", "2,258", "2258.0", "02258", "22580", "2257.99999999999999999"])
        | st.sampled_from(["12", "1,2", "-2258", "+2258", "x", ".", " ", "Order", "2,25,8"]),
        max_size=8,
    ).map(" ".join),
    st.sampled_from(["2258", "12", "1", "258"]),
)
@settings(max_examples=300, deadline=None)
def test_a_number_the_digit_test_calls_absent_is_absent(text: str, digits: str) -> None:
    if _verbatim._lacks(text, digits):
        assert float(digits) not in numbers(text)


@given(
    st.lists(st.sampled_from(["claims", "specifics", "forbidden"]), max_size=3),
    st.sampled_from([0.0, 0.5, 1.0, -0.0]),
    st.sampled_from(["majority", "all", "any", 0.5]),
    st.sampled_from([(), ("variant 1 sample 0",)]),
)
@settings(max_examples=100, deadline=None)
def test_one_flagged_output_gets_what_the_general_form_gives(
    layers: list[str], score: float, rule: str | float, labels: tuple[str, ...]
) -> None:
    check = Check(score=score)
    for layer in layers:
        check.fail(layer, f"{layer} finding")
    check.fail("claims", "last finding")
    fast = combine([check], labels, rule, [])
    general = combine([check], labels, rule, [{}])  # verdicts: the general form
    assert {k: v for k, v in general.details.items() if k != "judge"} == fast.details
    assert (fast.passed, fast.score, fast.reason) == (general.passed, general.score, general.reason)


def test_the_clean_score_is_what_combine_gives_one_clean_output() -> None:
    assert _outcome.clean_score() == combine([Check()], ("sample 0",), "majority", [])
