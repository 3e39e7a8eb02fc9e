"""Language analysis and evidence (`_language`, `_evidence`): normal forms compare equal,
different things do not, in English and Japanese."""

from __future__ import annotations

import re
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.scorers import _language
from evalkit.scorers._evidence import unsupported_units
from evalkit.scorers._language import analyse, index_keys, is_short_answer, sentences
from evalkit.scorers._number_values import number_keys, number_values


def _missing(output: str, knowledge: str, question: str = "") -> list[str]:
    return [u.text for u in unsupported_units(output, (knowledge,), question).missing]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("8:00 PM", "t1200"),
        ("20:00", "t1200"),
        ("2 AM", "t120"),
        ("午後2時", "t840"),
        ("5万円", "n50000"),
        ("50,000円", "n50000"),
        ("３０日", "n30"),
        ("three years", "n3"),
        ("3.5 million", "n3.5e+06"),
        ("twenty-two people", "n22"),
        ("Twenty One Pilots", "n21"),
        ("three thousand five hundred yen", "n3500"),
        ("a café with ten tables", "n10"),  # number words in a text that is not ASCII
        ("16:0", "t960"),
        ("COVID-19 cases", "n19"),
        ("$1,200", "n1200"),
        ("三十日以内", "n30"),
    ],
)
def test_numbers_are_read_in_their_normal_form(text: str, key: str) -> None:
    keys = {k for n in number_values(text) for k in number_keys(n)}
    assert key in keys


def test_a_24_hour_range_supports_12_hour_times_and_not_other_times() -> None:
    knowledge = "{'hours': {'Monday': '16:0-20:0'}}"
    assert _missing("Hours on Monday: 4:00 PM to 8:00 PM.", knowledge) == []
    assert "10:00 PM." in _missing("Hours on Monday: 4:00 PM to 10:00 PM.", knowledge)


def test_list_numbering_is_not_a_number_the_text_asserts() -> None:
    assert not number_values("1. Open the app\n2. Tap Settings")


@pytest.mark.parametrize(
    ("text", "values"),
    [("v2 is out", []), ("INV42 was paid", []), ("see item_3", []), ("version 1.2.3", [1.2])],
)
def test_digits_glued_after_a_letter_or_a_dot_are_no_number(text: str, values: list[float]) -> None:
    assert [n.value for n in number_values(text)] == values


@pytest.mark.parametrize(
    ("output", "knowledge"),
    [
        ("It was Reba McEntire's song.", "The song was recorded by Reba McEntire."),
        ("Employees submitted the forms.", "An employee submits the form."),
        ("コロナウイルスの影響です。", "コロナの影響で売上が減った。"),
        ("ジャシー・スモレットが起訴された。", "俳優のジャシー・スモレットが起訴された。"),
        ("日当は5万円です。", "日当は50,000円とする。"),
        ("Canadian duties apply.", "Duties apply to parcels sent to Canada."),
    ],
)
def test_normal_forms_are_supported(output: str, knowledge: str) -> None:
    assert _missing(output, knowledge) == []


@pytest.mark.parametrize(
    ("output", "knowledge", "word"),
    [
        ("The employer pays it.", "The employee pays it.", "employer"),
        (
            "The International Office handles it.",
            "The Internal Office handles it.",
            "International",
        ),
        ("The library opens at 6.", "The library closes at 6.", "opens"),
        ("終了日は4月1日です。", "開始日は4月1日です。", "終了日"),
    ],
)
def test_different_words_with_a_shared_stem_stay_different(
    output: str, knowledge: str, word: str
) -> None:
    assert word in _missing(output, knowledge)


def test_courtesy_and_presentational_text_carries_no_units() -> None:
    assert not analyse("Sorry to hear that! Here is the summary:")
    assert not analyse("ご愁傷様です。")


def test_a_short_answer_is_one_to_two_sentences_and_a_summary_is_not() -> None:
    assert is_short_answer("George R.R. Martin wrote it.")
    assert is_short_answer('{"total": 5}')
    assert not is_short_answer("One. Two. Three. Four.")
    assert not is_short_answer("東京です。大阪です。名古屋です。")
    # A decimal point is no sentence break: "$14.99." ends one sentence, not two.
    assert is_short_answer("Express arrives in 1-2 business days. It costs $14.99.")
    assert not is_short_answer("It opened in 2019. It has 3.5 stars. It is open daily.")
    # A sentence may end in a capital ("200°C.", "the EU."): only a capital after no
    # letter or digit is an initial ("J. K. Rowling", "R.R. Martin", "U.S. Army", "(J. Doe)").
    assert not is_short_answer("Preheat to 200°C. Season it. Bake it for 12 minutes.")
    assert not is_short_answer("It is sold in the EU. It costs 5 euros. It ships fast.")
    assert is_short_answer("J. K. Rowling wrote it (J. Doe said). The U.S. Army read it.")


def test_an_english_answer_is_measured_in_words_whatever_its_characters() -> None:
    # An en dash, an accent or a curly apostrophe does not make English text unspaced:
    # these one-sentence answers were read as long ones (characters / 2 > 40).
    dash = (
        "The band with fourth live album, Device – Voice – Drum, has produced twelve gold albums."
    )
    accent = "The Pantanal is a pickup truck made by the Colombian manufacturer Troller Veículos Especiais S/A."
    curly = "The tour – Beyoncé’s sixth – opened at NRG Stadium in Houston on April 27, 2016, as planned."
    assert all(len(t) > 80 for t in (dash, accent, curly))
    assert is_short_answer(dash) and is_short_answer(accent) and is_short_answer(curly)
    # Japanese (no spaces) is still measured in characters.
    assert not is_short_answer("返金は購入日から30日以内に受け付けますが、" * 5)


@given(st.text(max_size=200))
def test_support_share_stays_in_the_unit_interval(text: str) -> None:
    share = unsupported_units(text, ("Refunds are accepted within 30 days.",), "").share
    assert 0.0 <= share <= 1.0


def test_a_decimal_point_is_no_sentence_end() -> None:
    # Found by the fast-path property test: "3.5" was cut into "3." and "5".
    assert _missing("Refunds 3.5", "Refunds 3.5") == []
    assert _missing("It is 3.5 km. It is near.", "The shop is 3.5 km away and near.") == []


def test_a_bulleted_number_keeps_its_words_apart_from_its_digits() -> None:
    # The bullet is stripped before the number spans are taken: "k" is part of "5k", and
    # "users" is a word (the old offsets read "k" as a word and dropped "users").
    units = [(u.text, u.kind) for u in analyse("- 5k users joined")]
    assert units == [("5k", "number"), ("users", "word"), ("joined", "word")]


def test_identifiers_read_as_words_with_their_offsets() -> None:
    words = [u.text for u in analyse("RestaurantsTakeOut is 12 for snake_case_word")]
    assert "Restaurants" in words and "snake" in words and "12" in words


_PIECES = st.sampled_from(
    [
        "1",
        "12",
        "123",
        "3.5",
        "1,200",
        "12,34",
        "8:00",
        "8:0",
        " pm",
        "PM",
        "a.m.",
        " ",
        "-",
        ".",
        ",",
        "_",
        "x",
        "v2",
        ":",
        "5万",
        "時",
        "\n",
        "１２",
    ]
)
# The plain forms of `_TIME` and `_NUM`, look-behind first (the shipped forms put it after
# the first digit, for speed, and skip `_TIME` and `_WORD_NUMBER` when their gates find no cue).
_PLAIN_TIME = re.compile(
    r"(?<![\d.:])(\d{1,2})(?::(\d{1,2}))?\s*(a\.?m\.?|p\.?m\.?)(?![a-z])"
    r"|(?<![\d.:])(\d{1,2}):(\d{1,2})(?![\d:])",
    re.IGNORECASE,
)
_PLAIN_NUM = re.compile(
    r"(?<![A-Za-z0-9_.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s*(thousand|million|billion|bn|k|m)\b"
    r"|([千万億兆]))?",
    re.IGNORECASE,
)


@given(st.lists(_PIECES, max_size=14).map("".join))
def test_number_values_read_what_the_plain_number_patterns_read(text: str) -> None:
    from evalkit.scorers import _number_values as lang

    with (
        patch.object(lang, "_TIME", _PLAIN_TIME),
        patch.object(lang, "_NUM", _PLAIN_NUM),
        # No gates: always look for times and number words.
        patch.object(lang, "_may_hold_time", lambda t, lowered: True),
        patch.object(lang, "_may_hold_number_word", lambda lowered: True),
    ):
        plain = number_values(text)
    assert number_values(text) == plain


_GATE_PIECES = st.sampled_from(
    ["8", "8:", ":3", " ", "am", "A.M", "p.", "M", "pm", "-", "_", "é", "İ", "5", ",", "."]
    + ["ten", "Twenty", "seventeen", "seven", "one", "half", "hundred", "fourth", "x"]
)


@given(st.lists(_GATE_PIECES, max_size=12).map("".join) | st.text(max_size=20))
def test_the_number_pattern_gates_pass_every_text_their_patterns_match(text: str) -> None:
    """`_may_hold_time` and `_may_hold_number_word` only skip a search that finds nothing:
    `number_values` reads the same with them (the test above) and without."""
    from evalkit.scorers import _number_values as lang

    lowered = text.lower()
    assert lang._may_hold_time(text, lowered) == (lang._TIME_HINT.search(text) is not None)
    if lang._WORD_NUMBER.search(lowered) is not None:
        assert lang._may_hold_number_word(lowered)
    with (
        patch.object(lang, "_may_hold_time", lambda t, lowered: True),
        patch.object(lang, "_may_hold_number_word", lambda lowered: True),
    ):
        plain = number_values(text)
    assert number_values(text) == plain


# The sentence ends of `sentences` (`_SENTENCE_END`): after .!? before whitespace, after
# 。！？ or a line break. ASCII text takes a faster pattern that leaves the line break out of
# the piece before it.
_PLAIN_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？\n])\s*")


@given(
    st.lists(
        st.sampled_from(["a", "B", "3.5", ".", "!", "?", " ", "\n", "\t", "e.g."]), max_size=16
    ).map("".join)
)
def test_sentences_of_ascii_text_end_where_the_plain_pattern_ends_them(text: str) -> None:
    plain = [s.rstrip("\n") for s in _PLAIN_SENTENCE_END.split(text) if s.strip()]
    assert sentences(text) == plain


def test_the_parts_of_a_hyphenated_word_are_found_by_lemma() -> None:
    found = unsupported_units("Items can be gift-wrapped.", ("Gift wrapping is available.",), "")
    assert "gift-wrapped" not in [u.text for u in found.missing]
    other = unsupported_units("Items can be gift-boxed.", ("Gift wrapping is available.",), "")
    assert "gift-boxed" in [u.text for u in other.missing]


def test_a_capital_after_a_colon_starts_a_clause_not_a_name() -> None:
    units = {u.text: u.kind for u in analyse("For product 3: Once it arrives, call Kuroneko.")}
    assert units.get("Once") != "name"
    assert units["Kuroneko"] == "name"


@pytest.mark.parametrize(
    ("output", "knowledge"),
    [
        ("The EU agreed.", "The European Union agreed."),
        ("The European Union agreed.", "The EU agreed."),
        ("Talks with the United States resumed.", "Talks with the U.S. resumed."),
        ("The UN sent aid.", "The United Nations sent aid."),
        ("NATO ministers met.", "Ministers of the North Atlantic Treaty Organization met."),
    ],
)
def test_an_abbreviation_is_the_same_name(output: str, knowledge: str) -> None:
    assert _missing(output, knowledge) == []


def test_an_abbreviation_of_another_name_is_not_supported() -> None:
    assert _missing("The European Commission agreed.", "The EU agreed.") == [
        "European",
        "Commission",
    ]
    assert _missing("The UK agreed.", "The European Union agreed.") == ["UK"]


def test_html_character_references_are_no_words() -> None:
    output = "He called it &ldquo;final&rdquo;&nbsp;&amp; binding."
    assert _missing(output, "He called it final and binding.") == []


def test_japanese_synonyms_are_supported_by_the_dictionary_synonym_groups() -> None:
    from evalkit.scorers._evidence import unsupported_units

    knowledge = ("子どもの医療費は中学生まで無料です。",)
    assert not unsupported_units("児童の医療費は無料です。", knowledge, "").missing
    # An unrelated word is still missing.
    assert [
        u.text for u in unsupported_units("高齢者の医療費は無料です。", knowledge, "").missing
    ] == ["高齢者"]


def test_a_japanese_word_is_stated_without_its_honorifics() -> None:
    # 「お子さん」「お子様」 are 「子」 addressed politely; 「ご利用」 is 「利用」.
    assert _missing("お子さんが1歳になるまで取得できます。", "子が1歳になるまで取得できる。") == []
    assert _missing("お子様も参加できます。", "子も参加できる。") == []
    assert _missing("ご利用は無料です。", "利用は無料です。") == []
    # Another word under the same honorifics is still another word.
    assert _missing("お客様が対象です。", "対象は子です。") == ["お客様"]
    assert _language._plain_form([]) == ""


def test_a_duration_counter_is_stated_by_its_counter_and_hours_are_no_clock_time() -> None:
    assert _missing("5日間の休暇が取得できます。", "休暇は5日。") == []
    assert _missing("3週間以内に申請します。", "申請は3週以内。") == []
    # 「5時間」 is five hours, never 「5時」 (five o'clock).
    assert _missing("5時間の休暇が取得できます。", "休暇は5時から。") != []


def test_no_synonym_group_joins_a_pair_of_opposites() -> None:
    # `_evidence.Evidence.supports` accepts a synonym before `opposite` is read: a group
    # holding both words of an opposite pair would hide the contradiction.
    from evalkit.scorers._language import _sudachi
    from evalkit.scorers._lexicon import OPPOSITES_JA

    def groups(word: str) -> set[int]:  # every morpheme's, content or not
        return {g for m in _sudachi().tokenize(word) for g in m.synonym_group_ids()}

    assert groups("開始") & groups("始まり")  # the groups are read at all

    joined = [(a, b) for a, b in OPPOSITES_JA if groups(a) & groups(b)]
    assert joined == []


def test_a_time_and_a_number_that_is_no_time_keep_their_own_words() -> None:
    # The sentences differ only in digits: "10 pm" is a time, whose "pm" is part of
    # the number; "13 pm" is no time, so its "pm" is a word of its own.
    assert "pm" not in [u.text for u in analyse("Doors open at 10 pm.")]
    assert "pm" in [u.text for u in analyse("Doors open at 13 pm.")]
    assert "pm" not in [u.text for u in analyse("Doors open at 11 pm.")]


def _analysed(text: str) -> tuple[object, ...]:
    return number_values(text), analyse(text), index_keys(text)


def _clear_analysis_caches() -> None:
    for cached in ("analyse", "_sentence_units", "_word_units", "_index_keys"):
        getattr(_language, cached).cache_clear()


# Pieces of sentences with digits where the readers look at them: times, list numbering,
# decimals, identifiers, acronyms and capitalised runs next to digits, number words.
_RECORD_PIECES = st.sampled_from(
    [
        "Order",
        "totals",
        " ",
        "12",
        "7",
        "0",
        "3.5",
        "8:30",
        "25:00",
        "12 pm",
        " pm",
        "-",
        "AM",
        "U.S.",
        "EU",
        "v2",
        "COVID-",
        "- ",
        "\n",
        "1. ",
        " million",
        "Bank of England",
        ":",
        ",",
        "x_9",
        "twenty",
        "İ",
        "5万",
        "時",
        "午後",
        "三十日",
    ]
)


@given(st.lists(_RECORD_PIECES, max_size=14).map("".join), st.integers(0, 9))
def test_a_text_is_analysed_alike_after_one_with_other_digits(text: str, digit: int) -> None:
    """Word analysis is cached by the text with its digits masked (`digits_masked`): a
    text analysed after another that differs only in its digits gets what it gets alone."""
    other = re.sub("[0-9]", str(digit), text)
    _clear_analysis_caches()
    alone = _analysed(text)
    _clear_analysis_caches()
    _analysed(other)
    assert _analysed(text) == alone
