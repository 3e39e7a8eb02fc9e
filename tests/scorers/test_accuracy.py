"""Accuracy scorer: every method, English and Japanese, and the samples rule."""

from pathlib import Path

import pytest

from evalkit.errors import ConfigProblem
from evalkit.scorers.accuracy import make
from evalkit.values import Case, Prompt, ScorerConfig, ScoringInput, Suite

SUITE = Suite(name="s", poc="p", path=Path("s.yaml"), sha256="0", prompt=Prompt("{{q}}"), cases=())


def score(outputs, method=None, refs=("30 days",), answerable=True, **params):
    scorer = make(ScorerConfig("accuracy", method, params))
    case = Case(id="c", vars={"q": "?"}, references=tuple(refs), answerable=answerable)
    item = ScoringInput(
        SUITE,
        case,
        tuple(outputs),
        tuple(f"sample {i}" for i in range(len(outputs))),
        tuple(0 for _ in outputs),
    )
    return scorer.score(item)


def test_exact_requires_identical_text_apart_from_surrounding_whitespace():
    assert score(["30 days\n"], "exact").passed
    assert not score(["30 Days"], "exact").passed


def test_normalized_ignores_case_punctuation_articles_and_full_width_forms():
    assert score(["The 30 Days."], "normalized").passed
    assert score(["３０　ＤＡＹＳ"], "normalized").passed
    assert score(["３０日。"], "normalized", refs=["30日"]).passed


def test_fuzzy_passes_above_threshold_and_reports_similarity():
    s = score(["30 dayz"], "fuzzy", threshold=0.8)
    assert s.passed and 0.8 <= s.score < 1.0
    s = score(["sixty days"], "fuzzy", threshold=0.8)
    assert not s.passed
    assert "similarity" in s.reason


def test_contains_matches_whole_phrases_only():
    assert score(["You have 30 days to ask."], "contains").passed
    assert not score(["You have 130 days."], "contains").passed
    assert score(["返金は30日以内に申請してください。"], "contains", refs=["30日以内"]).passed


def test_regex_searches_each_reference_pattern():
    assert score(["Order #A-1234 shipped"], "regex", refs=[r"A-\d{4}"]).passed
    s = score(["x"], "regex", refs=["("])
    assert not s.passed and "invalid regular expression" in s.reason


def test_numeric_accepts_yen_with_thousands_separator_and_units():
    assert score(["The total is ¥1,200 including tax."], "numeric", refs=["1200"]).passed
    assert score(["You have 30 days."], "numeric").passed
    assert score(["合計は１，２００円です"], "numeric", refs=["¥1,200"]).passed
    assert not score(["You have 60 days."], "numeric").passed


def test_numeric_tolerance_is_relative_or_absolute():
    assert score(["about 101"], "numeric", refs=["100"], tolerance=0.02).passed
    assert not score(["about 103"], "numeric", refs=["100"], tolerance=0.02).passed
    assert score(["3.14"], "numeric", refs=["3.1"], abs_tolerance=0.05).passed


def test_choice_extracts_a_single_choice():
    kw = {"choices": ["A", "B", "C", "D"]}
    assert score(["B"], "choice", refs=["B"], **kw).passed
    assert score(["Answer: B. Because…"], "choice", refs=["B"], **kw).passed
    assert not score(["A or B"], "choice", refs=["B"], **kw).passed


def test_json_compares_field_by_field_and_scores_the_share_that_match():
    ref = {"vendor": "ACME", "total": 1200, "currency": "JPY"}
    s = score(
        ['```json\n{"vendor": "Acme", "total": "1,200", "currency": "JPY"}\n```'],
        "json",
        refs=[ref],
    )
    assert s.passed and s.score == 1.0
    s = score(['{"vendor": "ACME", "total": 1300, "currency": "JPY"}'], "json", refs=[ref])
    assert not s.passed
    assert s.score == pytest.approx(2 / 3, abs=1e-6)
    assert "total=1300 (expected 1200)" in s.reason


def test_json_validates_against_the_schema():
    schema = {"type": "object", "required": ["total"], "properties": {"total": {"type": "number"}}}
    s = score(['{"vendor": "x"}'], "json", refs=[{"total": 1}], schema=schema)
    assert not s.passed and "schema" in s.reason


def test_json_reports_unparseable_output():
    s = score(["Sorry, here it is: {vendor: ACME"], "json", refs=[{"vendor": "ACME"}])
    assert not s.passed and "not valid JSON" in s.reason


def test_auto_accepts_a_verbose_answer_that_states_the_reference():
    assert score(["You can request a refund within 30 days of purchase."]).passed
    assert not score(["You can request a refund within 60 days of purchase."]).passed
    assert score(["返金は購入後３０日以内に申請できます。"], refs=["30日"]).passed


def test_auto_compares_yes_no_polarity():
    assert score(["Yes, it is covered."], refs=["yes"]).passed
    assert not score(["No, that is not covered."], refs=["yes"]).passed


@pytest.mark.parametrize(
    ("output", "ref", "passes"),
    [
        ("はい、性別を問わず取得できます。", "はい", True),
        ("はい。規程で認められています。", "はい", True),
        ("いいえ、取得できません。", "はい", False),
        ("いいえ、対象外です。", "いいえ", True),
        ("はい、ただし上長の承認が必要です。", "いいえ", False),
        ("Yes, it is mandatory.", "yes", True),
        ("No, it is optional.", "yes", False),
        ("はいります。", "はい", False),  # 「はい」 opens a word here, not the answer
        ("N/A", "no", False),  # a letter, not a "no"
        ("y", "yes", True),  # a lone y is a yes
        ("Y. Tanaka approves it.", "yes", False),
    ],
)
def test_auto_yes_no_reference_is_answered_by_the_opening_word_in_either_language(
    output, ref, passes
):
    """Japanese has no space after 「はい」: the opening word ends at punctuation too."""
    assert score([output], refs=[ref]).passed is passes


@pytest.mark.parametrize(
    ("output", "ref", "passes"),
    [
        ("10時〜15時です。", "10時から15時", True),
        ("コアタイムは10時～15時です。", "10時から15時", True),
        ("10時から15時までです。", "10時〜15時", True),
        ("10時-15時", "10時から15時", True),
        ("10時〜16時です。", "10時から15時", False),
        ("9時〜15時です。", "10時から15時", False),
        ("15時までです。", "10時から15時", False),
        ("Delivery takes 5-7 business days.", "5 to 7 business days", True),
        ("Delivery takes 5 to 7 business days.", "5–7 business days", True),
        ("Delivery takes 5 to 8 business days.", "5-7 business days", False),
    ],
)
def test_auto_compares_a_range_by_its_ends_however_the_connector_is_written(output, ref, passes):
    assert score([output], refs=[ref]).passed is passes


def test_several_references_any_one_suffices():
    assert score(["Paris"], "normalized", refs=["Lyon", "paris"]).passed


def test_unanswerable_case_passes_only_when_the_output_declines():
    assert score(
        ["I'm sorry, I don't know the CEO's phone number."], refs=(), answerable=False
    ).passed
    assert score(["申し訳ありませんが、お答えできません。"], refs=(), answerable=False).passed
    assert not score(["The CEO's number is 555-0100."], refs=(), answerable=False).passed


def test_case_without_reference_is_not_scored():
    assert score(["anything"], refs=()) is None


def test_majority_of_samples_decides_by_default_and_reason_names_the_wrong_sample():
    s = score(["30 days", "30 days", "60 days"])
    assert s.passed and s.score == pytest.approx(2 / 3, abs=1e-6)
    assert "2 of 3 samples" in s.reason and "sample 2" in s.reason
    assert not score(["30 days", "60 days"]).passed
    assert score(["30 days", "60 days"], samples_rule="any").passed
    assert not score(["30 days", "30 days", "60 days"], samples_rule="all").passed


def test_reason_says_what_was_expected_and_what_was_found():
    s = score(["It is 60 days."], "normalized")
    assert "'30 days'" in s.reason and "60 days" in s.reason


def test_bad_settings_are_config_problems_naming_the_field():
    with pytest.raises(ConfigProblem) as e:
        make(ScorerConfig("accuracy", "fuzzy", {"treshold": 0.9}))
    assert e.value.field == "treshold" and "did you mean 'threshold'" in e.value.message
    with pytest.raises(ConfigProblem) as e:
        make(ScorerConfig("accuracy", "fuzy"))
    assert "did you mean 'fuzzy'" in e.value.message
    with pytest.raises(ConfigProblem):
        make(ScorerConfig("accuracy", "choice"))
