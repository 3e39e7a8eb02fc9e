"""Right words, wrong relation (`evalkit.scorers._relations`): the entity an answer names
must be the one the knowledge puts in the relation the question asks about."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.scorers import hallucination
from evalkit.scorers._relations import (
    list_sibling,
    modifier_conflict,
    option_unlinked,
    relation_conflict,
    role_conflict,
    same_name,
)
from evalkit.values import Case, Prompt, ScorerConfig, ScoringInput, Suite

FILM = (
    "Harbor Lights is a 2011 drama film directed by Tomas Reyes and written by Mara Quinn "
    "and Leo Park. It was shot in Lisbon."
)
FILM_Q = "The 2011 film Harbor Lights was directed by who?"


def test_an_answer_naming_the_writer_when_asked_for_the_director_is_flagged() -> None:
    why = role_conflict(FILM_Q, "Leo Park", FILM)
    assert why is not None and "Tomas Reyes" in str(why)


def test_the_director_named_in_any_wording_passes() -> None:
    for answer in ("Tomas Reyes", "Reyes", "It was directed by Tomas Reyes.", "Tomas Reyes."):
        assert role_conflict(FILM_Q, answer, FILM) is None, answer


def test_each_agent_of_a_listed_role_counts() -> None:
    q = "Harbor Lights was written by whom?"
    assert role_conflict(q, "Leo Park", FILM) is None
    assert role_conflict(q, "Tomas Reyes", FILM) is not None


def test_a_pronoun_sentence_is_about_the_sentence_before_it() -> None:
    knowledge = (
        "Coastline is a British sailing magazine. It is published by Seaview Media. "
        "Harbour Notes was first published by Anchor Press."
    )
    q = "Which company has published Coastline?"
    assert role_conflict(q, "Anchor Press", knowledge) is not None
    assert role_conflict(q, "Seaview Media", knowledge) is None


def test_a_role_the_knowledge_does_not_state_decides_nothing() -> None:
    knowledge = "Harbor Lights is a 2011 drama film starring Ana Lima."
    assert role_conflict(FILM_Q, "Leo Park", knowledge) is None


def test_asked_for_the_work_of_an_agent_the_answer_must_be_in_its_sentence() -> None:
    knowledge = (
        "Marsh Tales is a comic strip created by Dana Holt in 1979. "
        "Wetland Weekly, a rival strip by Sam Ortiz, ran in the same paper."
    )
    q = "Which comic strip created by Dana Holt features a heron?"
    assert role_conflict(q, "Wetland Weekly", knowledge) is not None
    assert role_conflict(q, "Marsh Tales", knowledge) is None


def test_a_work_the_knowledge_links_to_the_agent_in_other_words_passes() -> None:
    knowledge = (
        "Marsh Tales is a comic strip created by Dana Holt in 1979. "
        "In 1985 Dana Holt also drew Reed Town, a strip about a heron."
    )
    q = "Which comic strip created by Dana Holt features a heron?"
    assert role_conflict(q, "Reed Town", knowledge) is None


def test_names_are_the_same_when_most_of_the_shorter_ones_words_are_shared() -> None:
    assert same_name(frozenset({"gaiman"}), frozenset({"neil", "gaiman"}))
    assert same_name(
        frozenset({"dennis", "publishing"}), frozenset({"dennis", "publishing", "ltd"})
    )
    assert not same_name(
        frozenset({"john", "brown", "publishing"}), frozenset({"dennis", "publishing"})
    )


LAKES = (
    "Lake Varden is a freshwater lake in the county of Innlandet, Norway. "
    "Lake Hollis is a reservoir in Vermont, United States."
)
LAKES_Q = "Which lake is in Norway, Lake Varden or Lake Hollis?"


def test_an_option_the_knowledge_never_links_to_the_questions_other_name_is_flagged() -> None:
    why = option_unlinked(LAKES_Q, "Lake Hollis", LAKES)
    assert why is not None and "Lake Varden" in str(why)


def test_the_linked_option_passes_and_a_question_without_other_names_decides_nothing() -> None:
    assert option_unlinked(LAKES_Q, "Lake Varden is the one.", LAKES) is None
    assert (
        option_unlinked("Which is deeper, Lake Varden or Lake Hollis?", "Lake Hollis", LAKES)
        is None
    )


BANDS = (
    "In 1992 the Night Rangers toured with bands such as Blue Static, The Ferns, Crow Hill "
    "and Velvet Dune. Crow Hill is an indie rock band from Columbus, Ohio."
)
BANDS_Q = "Which rock band from Ohio toured with the Night Rangers in 1992?"


def test_the_wrong_item_of_a_list_is_flagged_when_a_sibling_fits_the_question() -> None:
    why = list_sibling(BANDS_Q, "The Ferns", BANDS)
    assert why is not None and "Crow Hill" in str(why)


def test_the_fitting_item_of_a_list_passes() -> None:
    assert list_sibling(BANDS_Q, "Crow Hill", BANDS) is None
    # A question the siblings' own sentences say nothing about decides nothing.
    assert list_sibling("Who toured with the Night Rangers?", "The Ferns", BANDS) is None


def test_an_exclusive_modifier_the_knowledge_contradicts_is_flagged() -> None:
    knowledge = "Vila Serra is a village in the northern Portuguese district of Braga."
    assert modifier_conflict("", "It is in the southern Portuguese district.", knowledge)
    assert modifier_conflict("", "It is in the northern Portuguese district.", knowledge) is None
    # the knowledge writing both ("third season", "fourth season") decides nothing
    both = "The third season aired in 2001 and the fourth season in 2002."
    assert modifier_conflict("", "It aired in the fourth season.", both) is None


def test_relation_conflict_needs_a_question_for_everything_but_modifiers() -> None:
    assert relation_conflict("", "Leo Park", FILM) is None
    assert relation_conflict(FILM_Q, "Leo Park", FILM) is not None


def test_the_scorer_fails_the_output_on_the_claims_layer_and_says_why() -> None:
    suite = Suite(
        name="s", poc="p", path=Path("/tmp/s.yaml"), sha256="", prompt=Prompt("{{q}}"), cases=()
    )
    case = Case(id="c", vars={"q": FILM_Q}, context=FILM)

    def item(output: str) -> ScoringInput:
        return ScoringInput(suite, case, (output,), ("sample 0",), (0,), ("replay",))

    for params in ({}, {"relations": True}):  # on by default; binding does not change it
        scorer = hallucination.make(ScorerConfig("hallucination", None, params))
        wrong, right = scorer.score(item("Leo Park")), scorer.score(item("Tomas Reyes"))
        assert wrong is not None and not wrong.passed
        assert wrong.details["layers"] == ["claims"]
        assert "directed by Tomas Reyes" in wrong.reason
        assert right is not None and right.passed
    # A part of the claims layer: `claims: false` switches it off
    off = hallucination.make(ScorerConfig("hallucination", None, {"claims": False}))
    result = off.score(item("Leo Park"))
    assert result is not None and result.passed


def test_the_cheap_modifier_gate_admits_every_exclusive_modifier() -> None:
    from evalkit.scorers import _relations

    words = frozenset().union(*_relations._EXCLUSIVE)
    assert all(_relations._MAY_EXCLUDE.search(w) for w in words)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=".!? \n\t\u3000Ab1\"'(É", max_size=14))
def test_split_sentences_cuts_exactly_where_the_lookbehind_pattern_does(text: str) -> None:
    from evalkit.scorers._compare import _SENTENCE, split_sentences

    assert split_sentences(text) == _SENTENCE.split(text)


def test_an_answer_that_names_no_one_is_not_a_wrong_agent() -> None:
    assert role_conflict(FILM_Q, "It was the same person who wrote it.", FILM) is None
