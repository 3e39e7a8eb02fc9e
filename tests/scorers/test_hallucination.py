"""The hallucination scorer, layer by layer, plus the judge layer through the replay client."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.common.render import prompt_sha256
from evalkit.errors import ConfigProblem
from evalkit.scorers.hallucination import JudgedHallucinationScorer, make
from evalkit.values import Case, Prompt, Score, ScorerConfig, ScoringInput, Source, Suite

POLICY = "Refunds are accepted within 30 days of purchase. Shipping fees are not refunded."
JA_POLICY = "返金は購入日から30日以内に受け付けます。送料は返金の対象外です。"


def _suite(folder: Path = Path("/tmp")) -> Suite:
    return Suite(
        name="s",
        poc="p",
        path=folder / "s.yaml",
        sha256="",
        prompt=Prompt("{{question}}"),
        cases=(),
    )


def _item(
    outputs: list[str],
    question: str = "How long do I have to ask for a refund?",
    folder: Path = Path("/tmp"),
    **case: Any,
) -> ScoringInput:
    c = Case(id=case.pop("id", "c1"), vars={"question": question}, **case)
    n = len(outputs)
    sources = tuple[Source, ...](["replay"] * n)
    return ScoringInput(
        _suite(folder), c, tuple(outputs), tuple(f"sample {i}" for i in range(n)), (0,) * n, sources
    )


# Binding of every claim, not only of a one-claim answer (`relations: true`).
RELATIONS = {"relations": True}


def _score(outputs: list[str], params: dict[str, Any] | None = None, **case: Any) -> Score:
    result = make(ScorerConfig("hallucination", None, params or {})).score(_item(outputs, **case))
    assert result is not None
    return result


# -- layer 1: forbidden answers ------------------------------------------------------------
def test_forbidden_answer_in_the_output_is_a_hallucination() -> None:
    result = _score(["Refunds are possible for 60 days."], forbidden=("60 days",))
    assert not result.passed and "forbidden" in result.details["layers"]
    assert "60 days" in result.reason


def test_forbidden_answer_mentioned_only_to_deny_it_is_not_a_match() -> None:
    assert _score(["It is not 60 days."], forbidden=("60 days",)).passed
    assert _score(["60日ではありません。"], question="期限は？", forbidden=("60日",)).passed


def test_forbidden_number_does_not_match_inside_a_longer_number() -> None:
    assert _score(["It takes 160 days."], forbidden=("60 days",)).passed


def test_truthfulqa_rule_flags_an_output_closer_to_a_false_answer() -> None:
    refs, bad = ("No, it is not visible from space",), ("Yes, it is visible from space",)
    assert not _score(["Yes, you can see it from space."], references=refs, forbidden=bad).passed
    assert _score(["No, it is not visible from space."], references=refs, forbidden=bad).passed


# -- layer 2: unsupported claims ------------------------------------------------------------
def test_unsupported_claim_is_named_with_its_missing_words() -> None:
    result = _score(["You have 30 days. Refunds are paid as store vouchers."], context=POLICY)
    assert not result.passed and result.score == pytest.approx(0.5)
    assert "vouchers" in result.reason and "store" in result.reason


LONG_EN = (
    "Refunds are accepted within 30 days of purchase. Shipping fees are not refunded. So if you"
    " bought it last week, you can still ask for your money back, but the shipping fees stay."
)


def test_a_passing_long_answer_says_how_close_it_came_not_that_everything_is_stated() -> None:
    """A long answer passes on its calibrated risk, not on full support: the reason gives
    its support, its risk against the bar and the words the knowledge does not state."""
    result = _score([LONG_EN], context=POLICY)
    assert result.passed
    assert "every claim" not in result.reason
    assert "support 0.8" in result.reason and "≤ 0.33" in result.reason
    assert "bought" in result.reason  # "week" weighs too little to be named
    ja = "返金は購入日から30日以内に受け付けます。送料は返金の対象外です。購入から一週間なら、まだ返金を申し込めます。ただし送料は戻りません。"
    result = _score([ja], context=JA_POLICY, question="返金の期限は？")
    assert result.passed and "≤ 0.33" in result.reason and "週間" in result.reason
    # Fully stated: nothing to qualify.
    stated = _score([f"{POLICY} {POLICY} Shipping fees are not refunded."], context=POLICY)
    assert stated.reason.endswith("every claim is supported by the knowledge")
    # Several outputs: the least supported one is named.
    both = _score([f"{POLICY} {POLICY} {POLICY}", LONG_EN], context=POLICY)
    assert both.passed and "least supported, sample 1: support 0.8" in both.reason


def test_json_in_a_code_fence_is_checked_field_by_field_as_bare_json_is() -> None:
    """Models often fence their JSON ("```json … ```"). Read as prose, a long document
    was judged on its support share, and a wrong total passed at risk 0.32."""
    ctx = (
        "Invoice PF-0093 from Pixelforge Studio LLC, 12 Harbor Road, Portland, to Northwind"
        " Outfitters. Items: logo design 1200 USD, brand guide 800 USD, website mockups 1000"
        " USD. Total due: 3000 USD by 2025-04-30."
    )
    question = "Extract vendor, invoice_no, total, currency, due_date and items as JSON."
    items = [("logo design", 1200), ("brand guide", 800), ("website mockups", 1000)]
    doc = json.dumps(
        {
            "vendor": "Pixelforge Studio LLC",
            "invoice_no": "PF-0093",
            "total": 3500,
            "currency": "USD",
            "due_date": "2025-04-30",
            "items": [{"name": n, "amount": a} for n, a in items],
            "vendor_address": "12 Harbor Road, Portland",
            "customer": "Northwind Outfitters",
            "payment_terms": "Payment by bank transfer to the account on the invoice,"
            " reference PF-0093, within the due date",
            "contact": "billing at Pixelforge Studio LLC",
        }
    )
    bare = _score([doc], context=ctx, question=question)
    fenced = _score([f"```json\n{doc}\n```"], context=ctx, question=question)
    assert not bare.passed and not fenced.passed
    assert fenced.reason == bare.reason
    assert "'total: 3500' — not in the knowledge: 3500" in fenced.reason


def test_a_risk_on_the_bar_is_printed_with_the_decimals_that_tell_it_apart() -> None:
    from evalkit.scorers._layers import _versus

    assert _versus(0.3304, ">", 0.33) == "0.3304 > 0.33"
    assert _versus(0.41, ">", 0.33) == "0.41 > 0.33"
    assert _versus(0.3352, ">", 0.335) == "0.3352 > 0.335"  # a bar set to 3 decimals
    assert _versus(0.2, "≤", 0.5) == "0.20 ≤ 0.50"


@given(
    st.floats(0, 1, allow_nan=False),
    st.integers(0, 10_000).map(lambda n: n / 10_000),  # a bar of up to 4 decimals
)
def test_the_printed_risk_and_bar_compare_as_the_numbers_do(value: float, bar: float) -> None:
    from evalkit.scorers._layers import _versus

    shown_value, sign, shown_bar = _versus(value, ">" if value > bar else "≤", bar).split()
    assert float(shown_bar) == bar  # the bar as set, not rounded
    if value > bar and float(shown_value) != value:  # rounded: still above the bar
        assert float(shown_value) > bar or abs(value - bar) < 5e-7
    if value <= bar:
        assert float(shown_value) <= bar + 5e-7


def test_answer_that_echoes_the_question_is_supported() -> None:
    assert _score(["You have 30 days to ask for a refund."], context=POLICY).passed


def test_an_option_of_an_either_or_question_needs_the_knowledge_not_the_echo() -> None:
    ctx = "Mara Quill founded the clinic in 1990. Before that, she worked as a doctor."
    question = "Was the clinic's founder a lawyer or a doctor?"
    picked_wrong = _score(["The founder was a lawyer."], context=ctx, question=question)
    assert not picked_wrong.passed and "lawyer" in picked_wrong.reason
    assert _score(["The founder was a doctor."], context=ctx, question=question).passed


def test_without_options_keeps_yes_no_questions_and_drops_offered_options() -> None:
    from evalkit.scorers._grounding import without_options

    assert "shipping" in without_options("Do I pay shipping or not?")
    kept = without_options("Who is older, Glenn Hughes or Ross Lynch?")
    assert "Hughes" not in kept and "Lynch" not in kept and "older" in kept
    assert without_options("How long is the refund window?") == "How long is the refund window?"


def test_claim_contradicting_a_negation_in_the_knowledge_is_unsupported() -> None:
    result = _score(
        ["Shipping fees are refunded too."], context=POLICY, question="Are shipping fees refunded?"
    )
    assert not result.passed and "negates" in result.reason


def test_facts_stitched_from_different_sentences_are_unsupported() -> None:
    ctx = "The Basic plan includes email support. The Premium plan includes phone support."
    result = _score(
        ["The Basic plan includes phone support."],
        context=ctx,
        question="Which plan has phone support?",
    )
    assert not result.passed and "together" in result.reason


def test_a_word_the_knowledge_lacks_does_not_exempt_the_rest_of_the_claim_from_binding() -> None:
    ctx = "Oslo opens at 9 and closes at 5. Bergen opens at 10 and closes at 6."
    swapped = _score(["The Oslo shop closes at 6."], context=ctx, question="When does it close?")
    assert not swapped.passed and "together" in swapped.reason
    assert _score(
        ["The Oslo shop closes at 5."], context=ctx, question="When does it close?"
    ).passed


def test_an_answer_of_several_claims_may_infer_across_sentences_unless_relations_is_on() -> None:
    # The second claim joins two sentences (standard shipping's price; PO boxes); binding
    # every claim reads it as stitched, the default binds only an answer of one claim.
    ctx = "Express shipping is not offered for PO boxes. Standard shipping costs $5."
    answer = "Express shipping isn't offered for PO boxes. Standard shipping to a PO box costs $5."
    question = "Can I get express shipping to my PO box?"
    assert _score([answer], context=ctx, question=question).passed
    every_claim = _score([answer], RELATIONS, context=ctx, question=question)
    assert not every_claim.passed and "together" in every_claim.reason


def test_a_labelled_line_binds_its_label_to_every_sentence_on_it() -> None:
    # "Basic: …" scopes every sentence of its line, as a bullet does; the label of another
    # line does not. Binding used to flag the first (its label sits in the first sentence).
    ctx = (
        "Basic: Email support is included. Calls are answered within 2 days.\n"
        "Premium: Phone support is included. Calls are answered within 4 hours."
    )
    question = "How fast are calls answered?"
    right = _score(
        ["On Basic, calls are answered within 2 days."], RELATIONS, context=ctx, question=question
    )
    assert right.passed, right.reason
    swapped = _score(
        ["On Basic, calls are answered within 4 hours."], RELATIONS, context=ctx, question=question
    )
    assert not swapped.passed and "together" in swapped.reason


def test_japanese_knowledge_that_writes_a_name_in_latin_letters_supports_its_abbreviation() -> None:
    # The abbreviation keys were read after case-folding the Japanese text: "EU" for
    # "European Union" was unsupported there, though found in English knowledge.
    ctx = "欧州連合（European Union）の本部はブリュッセルにある。加盟国は27か国である。"
    question = "本部はどこですか？"
    assert _score(["EUの本部はブリュッセルにあります。"], context=ctx, question=question).passed
    unstated = _score(["NATOの本部はブリュッセルです。"], context=ctx, question=question)
    assert not unstated.passed and "NATO" in unstated.reason


@pytest.mark.parametrize(
    ("knowledge", "output", "passes"),
    [
        # "n't" inside a word negates nothing ("don'ts").
        (
            "Our guide lists the do's and don'ts of packing.",
            "The guide lists the do's and don'ts of packing.",
            True,
        ),
        # The typographic apostrophe is an apostrophe, on either side.
        ("Gift cards can't be returned.", "Gift cards can’t be returned.", True),
        ("Gift cards can’t be returned.", "Gift cards can't be returned.", True),
        ("Gift cards can’t be returned.", "Gift cards can be returned.", False),
        ("Gift cards can't be returned.", "Gift cards can be returned.", False),
    ],
)
def test_negation_reads_apostrophes_as_a_writer_means_them(
    knowledge: str, output: str, passes: bool
) -> None:
    result = _score([output], context=knowledge, question="Tell me about gift cards.")
    assert result.passed is passes, result.reason


def test_an_abbreviation_before_a_lower_case_word_or_a_number_does_not_end_the_sentence() -> None:
    # "e.g. the main one" and "Form No. 5" used to cut their sentence in two, so a claim
    # drawn from the whole sentence was "never stated together".
    ctx = "Our Oslo shop, e.g. the main one, opens at 9. Bergen opens at 10."
    assert _score(["The Oslo shop opens at 9."], context=ctx, question="When?").passed
    ctx = "Returns use Form No. 5 within 30 days. Exchanges use Form 7."
    assert _score(["Returns use Form 5 within 30 days."], context=ctx, question="How?").passed
    assert not _score(["Returns use Form 7 within 30 days."], context=ctx, question="How?").passed


@pytest.mark.parametrize(
    ("knowledge", "output", "passes"),
    [
        ("The lowest temperature in Oslo was -12 degrees.", "It was 12 degrees in Oslo.", False),
        ("The lowest temperature in Oslo was 12 degrees.", "It was -12 degrees in Oslo.", False),
        ("The lowest temperature in Oslo was −12 degrees.", "It was -12 degrees in Oslo.", True),
        ("Delivery takes 10-12 days.", "Delivery takes 12 days at most.", True),  # a range
    ],
)
def test_a_minus_sign_is_part_of_the_number(knowledge: str, output: str, passes: bool) -> None:
    result = _score([output], context=knowledge, question="What was the temperature?")
    assert result.passed is passes, result.reason


def test_japanese_claims_are_checked_by_character_bigrams() -> None:
    q = "送料は返金されますか？"
    assert _score(["いいえ、送料は返金の対象外です。"], context=JA_POLICY, question=q).passed
    assert not _score(["はい、送料も返金の対象です。"], context=JA_POLICY, question=q).passed
    assert not _score(["返金はポイントで行います。"], context=JA_POLICY, question=q).passed


def test_claims_layer_can_be_switched_off() -> None:
    out = ["Refunds are paid as store vouchers."]
    assert not _score(out, context=POLICY).passed
    assert _score(out, {"claims": False}, context=POLICY).passed


# -- layer 3: fabricated specifics ------------------------------------------------------------
def test_number_absent_from_the_knowledge_is_a_fabricated_specific() -> None:
    result = _score(["You have 60 days."], context=POLICY)
    assert not result.passed and result.details["layers"] == ["specifics"]


def test_full_width_digits_match_the_knowledge() -> None:
    assert _score(
        ["購入日から３０日以内です。"], context=JA_POLICY, question="返金の期限は？"
    ).passed


def test_name_absent_from_the_knowledge_is_a_fabricated_specific() -> None:
    result = _score(
        ["Ask Linda Park, the store manager."],
        context="Refunds over $500 need a store manager.",
        question="Who approves big refunds?",
    )
    assert not result.passed and "linda" in result.reason.lower()


def test_specifics_are_checked_against_references_when_there_is_no_context() -> None:
    assert not _score(["About 45 days."], references=("30 days",)).passed
    assert _score(["You get your money back within 30 days."], references=("30 days",)).passed


# -- layer 4: abstention ----------------------------------------------------------------------
def test_answering_an_unanswerable_case_is_a_hallucination() -> None:
    result = _score(
        ["The CEO's number is 555-0199."], answerable=False, question="CEO's phone number?"
    )
    assert not result.passed and result.details["layers"] == ["abstention"]


def test_declining_is_never_a_hallucination() -> None:
    assert _score(["I don't know."], answerable=False).passed
    assert _score(["お答えできません。"], answerable=False).passed
    assert _score(["I'm not sure, sorry."], context=POLICY).passed


def test_abstention_layer_can_be_switched_off() -> None:
    assert (
        make(ScorerConfig("hallucination", None, {"abstention": False})).score(
            _item(["Monday."], answerable=False)
        )
        is None
    )


# -- case rule, applicability, configuration -----------------------------------------------------
def test_case_fails_by_majority_of_samples_by_default_and_on_any_with_all() -> None:
    outs = ["30 days.", "30 days.", "60 days."]
    assert _score(outs, context=POLICY).passed
    result = _score(outs, {"samples_rule": "all"}, context=POLICY)
    assert not result.passed and "sample 2" in result.reason
    assert result.score == pytest.approx(2 / 3)


def test_case_without_knowledge_is_not_scored() -> None:
    assert make(ScorerConfig("hallucination")).score(_item(["30 days."])) is None


def test_knowledge_vars_count_as_grounding_text() -> None:
    scorer = make(ScorerConfig("hallucination", None, {"knowledge_vars": ["question"]}))
    result = scorer.score(_item(["Refunds are paid in Bitcoin."], question=POLICY))
    assert result is not None and not result.passed


@pytest.mark.parametrize(
    "params",
    [
        {"claim": True},
        {"min_support": 2},
        {"min_coverage": 0.5},
        {"samples_rule": "most"},
        {"judge": 3},
        {"judge": {"client": "replay:x", "mode": "vote"}},
    ],
)
def test_bad_settings_are_config_problems(params: dict[str, Any]) -> None:
    with pytest.raises(ConfigProblem):
        make(ScorerConfig("hallucination", None, params))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=3))
def test_scores_stay_between_zero_and_one(outputs: list[str]) -> None:
    result = make(ScorerConfig("hallucination")).score(
        _item(outputs, context=POLICY, forbidden=("60 days",))
    )
    assert result is not None and 0.0 <= result.score <= 1.0
    json.dumps(result.details)


# -- layer 5: the judge, offline through the replay client ----------------------------------------
def _judged(params: dict[str, Any]) -> JudgedHallucinationScorer:
    scorer = make(ScorerConfig("hallucination", None, params))
    assert isinstance(scorer, JudgedHallucinationScorer)  # it has `ascore`
    return scorer


def _judge_file(folder: Path, replies: list[str]) -> None:
    lines = [json.dumps({"case": "c1", "sample": i, "output": r}) for i, r in enumerate(replies)]
    (folder / "judge.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_judge_verdict_and_reasoning_are_recorded(tmp_path: Path) -> None:
    _judge_file(
        tmp_path,
        [
            "SUPPORTED\nMatches the policy.",
            "UNSUPPORTED\nThe policy refunds purchases, it does not purchase refunds.",
        ],
    )
    scorer = _judged({"judge": {"client": "replay:judge.jsonl"}})
    # The second output keeps every word and number of the policy and swaps their roles:
    # what only a judge sees.
    outputs = ["Within 30 days.", "Purchases are accepted within 30 days of a refund."]
    item = _item(outputs, folder=tmp_path, context=POLICY)
    result = asyncio.run(scorer.ascore(item))
    assert result is not None
    verdicts = result.details["judge"]
    assert [v["verdict"] for v in verdicts] == ["supported", "unsupported"]
    assert "does not purchase refunds" in verdicts[1]["reasoning"]
    assert "judge" in result.details["layers"] and result.details["passed"] == [True, False]


def test_judge_request_is_keyed_by_case_output_index_and_what_was_asked(tmp_path: Path) -> None:
    from evalkit.scorers._judge_prompts import judge_request

    item = _item(["a", "b"], folder=tmp_path, context=POLICY)
    request = judge_request(item, 1, POLICY, "q")
    # The suite key names the judge's kind, so an accuracy grade of the same output
    # (sample 1 too) can live in the same recording.
    assert request.key == ("s#judge:hallucination", "c1", 0, 1)
    assert request.prompt_sha256 == prompt_sha256(request.messages)


def test_judge_request_speaks_the_cases_language(tmp_path: Path) -> None:
    from evalkit.scorers._judge_prompts import SYSTEM, SYSTEM_JA, judge_request, parse_verdict

    english = judge_request(_item(["30 days."], folder=tmp_path, context=POLICY), 0, POLICY, "q")
    japanese = judge_request(
        _item(["30日以内です。"], folder=tmp_path, context=JA_POLICY), 0, JA_POLICY, "返金は？"
    )
    assert english.messages[0].content == SYSTEM
    assert japanese.messages[0].content == SYSTEM_JA
    assert "裏付けられていますか" in japanese.messages[1].content
    # A Japanese judge's reply is read like an English one.
    assert parse_verdict("UNSUPPORTED\n資料には60日とは書かれていません。")[0] is False
    assert parse_verdict("支持される\n資料の通りです。")[0] is True


def test_a_failed_judge_call_is_an_error_never_a_pass(tmp_path: Path) -> None:
    from evalkit.errors import ScoringCallFailed

    _judge_file(tmp_path, ["SUPPORTED"])  # no recording for sample 1
    scorer = _judged({"judge": "replay:judge.jsonl"})
    with pytest.raises(ScoringCallFailed, match="failed on sample 1") as raised:
        asyncio.run(scorer.ascore(_item(["30 days.", "30 days."], folder=tmp_path, context=POLICY)))
    assert raised.value.kind == "judge-error"


def test_judge_in_decide_mode_replaces_the_lexical_claims_layers(tmp_path: Path) -> None:
    _judge_file(tmp_path, ["Verdict: supported\nA paraphrase of the policy."])
    scorer = _judged({"judge": {"client": "replay:judge.jsonl", "mode": "decide"}})
    item = _item(
        ["Your money comes back as vouchers within a month."], folder=tmp_path, context=POLICY
    )
    assert not make(ScorerConfig("hallucination")).score(item).passed  # type: ignore[union-attr]
    result = asyncio.run(scorer.ascore(item))
    assert result is not None and result.passed


def test_judge_in_verify_mode_clears_lexical_findings_it_reads_as_supported(
    tmp_path: Path,
) -> None:
    outputs = [
        "Your money comes back as vouchers within a month.",  # flagged by the lexical layers
        "Refunds are paid in Bitcoin.",  # flagged
        "Within 30 days.",  # clean: the judge is not asked
    ]
    _judge_file(tmp_path, ["SUPPORTED\nA paraphrase.", "UNSUPPORTED\nNo Bitcoin in the policy."])
    lexical = make(ScorerConfig("hallucination")).score(
        _item(outputs, folder=tmp_path, context=POLICY)
    )
    assert lexical is not None and lexical.details["passed"] == [False, False, True]
    scorer = _judged({"judge": {"client": "replay:judge.jsonl", "mode": "verify"}})
    result = asyncio.run(scorer.ascore(_item(outputs, folder=tmp_path, context=POLICY)))
    assert result is not None and result.details["passed"] == [True, False, True]
    cleared = result.details["cleared"]
    assert [c["label"] for c in cleared] == ["sample 0"]
    assert (
        cleared[0]["cleared"][0]["by"] == "judge"
        and "paraphrase" in cleared[0]["cleared"][0]["why"].lower()
    )
    verdicts = result.details["judge"]
    assert [v.get("verdict") for v in verdicts] == ["supported", "unsupported", None]
    assert "Bitcoin" in result.reason  # the finding the judge did not clear still stands


def test_judge_in_verify_mode_never_clears_a_known_false_answer(tmp_path: Path) -> None:
    _judge_file(tmp_path, ["SUPPORTED"])
    scorer = _judged({"judge": {"client": "replay:judge.jsonl", "mode": "verify"}})
    item = _item(["60 days."], folder=tmp_path, context=POLICY, forbidden=("60 days",))
    result = asyncio.run(scorer.ascore(item))
    assert result is not None and not result.passed
    assert result.details["judge"][0]["verdict"] is None  # not asked


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("SUPPORTED\nok", True),
        ("**UNSUPPORTED**", False),
        ("Not supported.", False),
        ("Verdict: Supported", True),
        ("No", False),
        ("hmm", None),
        ("支持されない", False),
    ],
)
def test_judge_verdict_parsing_is_robust(reply: str, verdict: bool | None) -> None:
    from evalkit.scorers._judge_prompts import parse_verdict

    assert parse_verdict(reply)[0] is verdict


def test_question_word_found_in_another_sentence_does_not_break_binding_without_names() -> None:
    ctx = "Refunds are accepted within 30 days of purchase. Orders over $500 need approval."
    assert _score(
        ["Orders can be refunded within 30 days of purchase."],
        context=ctx,
        question="Can I return my order after 30 days?",
    ).passed


def test_empty_output_asserts_nothing_and_is_not_a_hallucination() -> None:
    assert _score([""], answerable=False).passed
    assert _score(["   "], context=POLICY).passed


def test_kanji_numerals_in_the_knowledge_support_digits_in_the_output() -> None:
    ctx = "返金は購入日から三十日以内に受け付けます。"
    assert _score(["30日以内です。"], context=ctx, question="返金の期限は？").passed
    assert not _score(["60日以内です。"], context=ctx, question="返金の期限は？").passed


def test_kanji_numeral_parsing() -> None:
    from evalkit.scorers._numerals import all_numbers

    assert all_numbers("三万五千円") == [35000.0]
    assert all_numbers("二〇二五年") == [2025.0]
    assert all_numbers("1万円") == [10000.0]
    assert all_numbers("一部の商品、数万円") == []


# -- realistic answers: what a human grader would not call unsupported --------------------
SHIPPING = (
    "Standard shipping (US): 3-5 business days, $5.99, free on orders over $50. "
    "Express shipping (US): 1-2 business days, $14.99. "
    "Canada: standard shipping only, 7-10 business days, $12.00 flat rate. "
    "We don't ship on weekends or public holidays. "
    "You can change the shipping address until the order ships."
)


@pytest.mark.parametrize(
    "output",
    [
        "I'm sorry, we don't ship on public holidays.",
        "Unfortunately, express shipping takes 1-2 business days.",
        "Sorry to hear that! Please note that express shipping costs $14.99.",
        "Good news: express shipping takes 1-2 business days.",
    ],
)
def test_courtesy_words_are_not_unsupported_claims(output: str) -> None:
    result = _score([output], context=SHIPPING, question="How fast is express?")
    assert result.passed, result.reason


@pytest.mark.parametrize(
    "output",
    [
        "申し訳ありませんが、送料は返金の対象外です。",
        "ご愁傷様です。返金は購入日から30日以内に受け付けます。",
        "恐れ入りますが、返金は30日以内に受け付けます。",
    ],
)
def test_japanese_courtesy_formulas_are_not_unsupported_claims(output: str) -> None:
    assert _score([output], context=JA_POLICY, question="返金できますか？").passed


def test_light_verbs_and_generic_words_are_not_unsupported_claims() -> None:
    outputs = ["Express shipping takes 1-2 business days and costs $14.99, if you need it."]
    assert _score(outputs, context=SHIPPING, question="How fast is express?").passed


def test_japanese_formal_nouns_and_compounds_of_known_words_are_supported() -> None:
    context = "保育所に入れない場合は最長2歳まで延長できる。子の出生後8週間以内に、最大4週間の産後パパ育休を取得できる。"
    for output in (
        "保育所に入れない場合は、最長2歳まで延長可能です。",  # 延長 + generic 可能
        "最大4週間取得できます。",  # 週間 + 取得: a compound of two known words
    ):
        assert _score([output], context=context, question="延長できますか？").passed, output
    # A compound with an unknown part is still unsupported.
    assert not _score(["最長3歳まで延長可能です。"], context=context, question="延長は？").passed


def test_topic_words_of_the_knowledge_need_not_be_bound_to_one_sentence() -> None:
    result = _score(
        ["Shipping to Canada is a $12.00 flat rate."], context=SHIPPING, question="Canada?"
    )
    assert result.passed, result.reason


def test_negation_that_scopes_over_no_content_word_is_not_a_negated_claim() -> None:
    result = _score(
        ["Don't worry, express shipping takes 1-2 business days."],
        context=SHIPPING,
        question="How fast is express?",
    )
    assert result.passed, result.reason


def test_a_negated_claim_may_draw_on_an_until_sentence() -> None:
    result = _score(
        ["Yes, as long as the order hasn't shipped yet."],
        context=SHIPPING,
        question="Can I change the shipping address of my order?",
    )
    assert result.passed, result.reason


def test_a_negated_claim_against_a_positive_statement_is_still_a_clash() -> None:
    result = _score(
        ["Express shipping does not cost $14.99."], context=SHIPPING, question="Express?"
    )
    assert not result.passed


# -- what counts as knowledge: context, document-like vars, the system prompt -------------
def _vars_item(
    outputs: list[str], vars_: dict[str, str], template: str, system: str | None = None, **case: Any
) -> ScoringInput:
    suite = Suite(
        name="s",
        poc="p",
        path=Path("/tmp/s.yaml"),
        sha256="",
        prompt=Prompt(template, system),
        cases=(),
    )
    c = Case(id="c1", vars=vars_, **case)
    n = len(outputs)
    sources = tuple[Source, ...](["replay"] * n)
    return ScoringInput(
        suite, c, tuple(outputs), tuple(f"sample {i}" for i in range(n)), (0,) * n, sources
    )


def _score_item(item: ScoringInput, params: dict[str, Any] | None = None) -> Score | None:
    return make(ScorerConfig("hallucination", None, params or {})).score(item)


TEMPLATE = "Policy:\n{{policy}}\n\nCustomer question: {{question}}"


def test_a_long_var_is_knowledge_so_a_misattributed_number_is_caught() -> None:
    # "$5.99" is in the policy, but for US standard shipping: as knowledge, it must be
    # bound to Canada to support this claim; as question text it would count as echoed.
    item = _vars_item(
        ["Shipping to Canada costs $5.99."],
        {"policy": SHIPPING, "question": "How much is shipping to Canada?"},
        TEMPLATE,
    )
    result = _score_item(item, RELATIONS)
    assert result is not None and not result.passed, result


def test_a_fabricated_amount_is_caught_when_the_rules_are_a_var() -> None:
    rules = "経費精算規程。" + "1件3万円以上の支出は事前申請が必要である。" * 3 + JA_POLICY * 4
    item = _vars_item(
        ["5万円以上の支出は事前申請が必要です。"],
        {"rules": rules, "question": "事前申請はいくらからですか？"},
        "規程:\n{{rules}}\n\n質問: {{question}}",
    )
    result = _score_item(item)
    assert (
        result is not None
        and not result.passed
        and ("50000" in result.reason or "5万" in result.reason)
    )


def test_short_vars_and_vars_labelled_as_the_question_are_question_text() -> None:
    from evalkit.scorers.hallucination import is_knowledge_var

    long_text = "x " * 150
    assert is_knowledge_var("policy", long_text, [TEMPLATE])
    assert not is_knowledge_var("policy", "short", [TEMPLATE])
    assert not is_knowledge_var("question", long_text, [TEMPLATE])
    assert not is_knowledge_var("body", long_text, ["Customer question: {{body}}"])
    assert is_knowledge_var("notes", "short", [TEMPLATE], knowledge_vars=["notes"])
    assert not is_knowledge_var("policy", long_text, [TEMPLATE], knowledge_vars=["notes"])


def test_a_question_label_at_the_very_start_of_the_template_is_read() -> None:
    from evalkit.scorers.hallucination import is_knowledge_var

    long_text = "従業員は入社6か月後に10日の有給休暇を取得できます。" * 10
    assert not is_knowledge_var("q", long_text, ["質問：{{q}}"])
    assert not is_knowledge_var("q", long_text, ["Question: {{q}}"])


def test_a_long_system_prompt_adds_support_but_never_grounds_a_case_alone() -> None:
    system = "社内ヘルプデスクです。以下の就業規則だけを根拠に答えてください。" + JA_POLICY * 6
    grounded = _vars_item(
        ["就業規則では、送料は返金の対象外です。"],
        {"question": "送料は返金されますか？"},
        "質問: {{question}}",
        system,
        context="送料は返金の対象外です。",
    )
    result = _score_item(grounded)
    assert result is not None and result.passed, result
    alone = _vars_item(["何でも答えます。"], {"question": "?"}, "質問: {{question}}", system)
    assert _score_item(alone) is None


# -- comparative questions ----------------------------------------------------------------
COMPARE_KB = (
    "The Alder Gazette (1850–1901) was a weekly newspaper printed in Leeds. "
    "The Birch Courier is a daily newspaper founded in 1923 in York."
)


@pytest.mark.parametrize(
    ("output", "hallucinated"),
    [
        ("The Alder Gazette.", False),
        ("The Birch Courier was founded first.", True),
        ("The Birch Courier was founded before the Alder Gazette.", True),
    ],
)
def test_comparative_question_answer_must_pick_the_option_the_years_support(
    output: str, hallucinated: bool
) -> None:
    question = "Which newspaper was founded first, the Alder Gazette or the Birch Courier?"
    result = _score([output], RELATIONS, context=COMPARE_KB, question=question)
    assert result.passed is not hallucinated, result.reason


# -- structured output --------------------------------------------------------------------
INVOICE = (
    "MAPLE LEAF PACKAGING LTD.\nToronto, ON\nINVOICE\nInvoice no.: MLP-55120\n"
    "Total due: CAD 1,406.85\nPayment due: 2025-04-04\n" + "Thank you for your business. " * 5
)
INVOICE_TEMPLATE = (
    'Return JSON with "vendor", "invoice_no", "total", "currency" (ISO code: USD, EUR, CAD, '
    'JPY) and "due_date".\n\nInvoice:\n{{invoice_text}}'
)


def _invoice(output: str) -> Score | None:
    return _score_item(_vars_item([output], {"invoice_text": INVOICE}, INVOICE_TEMPLATE))


def test_json_output_is_checked_field_by_field() -> None:
    ok = (
        'Here is the extracted data:\n```json\n{"vendor": "Maple Leaf Packaging Ltd.", '
        '"invoice_no": "MLP-55120", "total": 1406.85, "currency": "CAD", '
        '"due_date": "2025-04-04"}\n```'
    )
    result = _invoice(ok)
    assert result is not None and result.passed, result
    bad = _invoice('{"vendor": "Maple Leaf Packaging Ltd.", "due_date": "2025-04-17"}')
    assert bad is not None and not bad.passed and "due_date: 2025-04-17" in bad.reason


def test_an_option_listed_in_the_prompt_is_no_evidence_for_a_specific() -> None:
    result = _invoice('{"vendor": "Maple Leaf Packaging Ltd.", "currency": "USD"}')
    assert result is not None and not result.passed and "usd" in result.reason.lower()


# -- fabricated names stitched from real words ------------------------------------------
BASES = (
    "Tyndall Air Force Base is 12 miles east of Panama City, Florida. "
    "Lawrence M. Tanenbaum owns part of Insight Sports."
)


def test_a_multi_word_name_must_be_written_as_a_whole_somewhere() -> None:
    question = "Which air force base is near Panama City?"
    result = _score(["Panama City Air Force Base."], context=BASES, question=question)
    assert not result.passed and "Panama City Air Force Base" in result.reason
    assert _score(["Tyndall Air Force Base."], context=BASES, question=question).passed


def test_name_phrases_survive_initials_and_split_at_and() -> None:
    from evalkit.scorers._support import name_phrases

    assert _score(["Lawrence M. Tanenbaum."], context=BASES, question="Who owns it?").passed
    assert name_phrases("Both Anne Frank and John Kennedy Toole wrote.") == (
        "Anne Frank",
        "John Kennedy Toole",
    )
    assert name_phrases("Lord Black of Crossharbour, Dolce & Gabbana") == (
        "Lord Black of Crossharbour",
        "Dolce & Gabbana",
    )


# -- questions about two entities, and who did what ---------------------------------------
AUTHORS = (
    "Mara Quill (born 1950) is an American author of spy novels. "
    "Tobias Wren (born 1961) is a British author of thrillers."
)


def test_a_both_answer_must_hold_for_each_entity() -> None:
    question = "Mara Quill and Tobias Wren are what?"
    result = _score(["Both are American authors."], RELATIONS, context=AUTHORS, question=question)
    assert not result.passed and "Tobias Wren" in result.reason
    assert _score(["Both are authors."], RELATIONS, context=AUTHORS, question=question).passed


FILM = (
    "Her first role was in the film Lantern Bay. "
    "Lantern Bay is a 2003 drama film directed by Oren Vasko and starring Ida Lund."
)


@pytest.mark.parametrize(
    ("output", "hallucinated"),
    [
        ("Ida Lund directed Lantern Bay.", True),
        ("Lantern Bay was directed by Ida Lund.", True),
        ("Oren Vasko directed Lantern Bay.", False),
    ],
)
def test_the_agent_of_a_work_must_be_the_one_the_knowledge_names(
    output: str, hallucinated: bool
) -> None:
    result = _score(
        [output], RELATIONS, context=FILM, question="Who directed the film Ida Lund was in?"
    )
    assert result.passed is not hallucinated, result.reason


def test_the_replaced_min_coverage_setting_names_its_successor() -> None:
    with pytest.raises(ConfigProblem) as err:
        make(ScorerConfig("hallucination", None, {"min_coverage": 0.5}))
    assert "min_support" in str(err.value)


@pytest.mark.parametrize(
    ("context", "output", "said", "stated"),
    [
        ("The library closes at 6 PM.", "The library opens at 6 PM.", "opens", "close"),
        ("受付の開始日は4月1日です。", "受付の終了日は4月1日です。", "終了日", "開始日"),
    ],
)
def test_an_opposite_of_what_the_knowledge_states_is_named(
    context: str, output: str, said: str, stated: str
) -> None:
    result = make(ScorerConfig("hallucination", None, {})).score(
        _item([output], context=context, question="?")
    )
    assert result is not None and not result.passed
    assert f"says '{said}' where the knowledge says '{stated}'" in result.reason


def test_claims_are_cut_at_dashes_and_after_a_leading_reason() -> None:
    from evalkit.scorers._support import split_claims

    assert split_claims("Unfortunately not — we only offer standard shipping.") == (
        "Unfortunately not",
        "we only offer standard shipping.",
    )
    assert split_claims("The tour – Beyoncé's sixth – opened in Miami.") == (
        "The tour",
        "Beyoncé's sixth",
        "opened in Miami.",
    )
    assert split_claims("A 2010–2012 range, New York-based.") == (
        "A 2010–2012 range, New York-based.",
    )
    assert split_claims("Since we don't ship on weekends, it ships on Monday.") == (
        "Since we don't ship on weekends",
        "it ships on Monday.",
    )
    # A time, "as of", and a condition are not reasons of their own.
    for text in (
        "Since 2010, it has had 5 stores.",
        "As of 2020, it had 5 stores.",
        "If you order today, it ships.",
    ):
        assert split_claims(text) == (text,)


def test_an_appositive_after_a_name_is_a_claim_of_its_own_within_one_statement() -> None:
    from evalkit.scorers._support import one_statement, split_claims

    parts = split_claims("John Smith, a British actor, starred in Heat.")
    assert parts == ("John Smith, a British actor", "John Smith starred in Heat.")
    assert one_statement(parts)  # still bound, piece by piece, as a one-claim answer
    for text in (
        "In 2016, the tour opened at Marlins Park, drawing a crowd.",  # an opening phrase
        "However, the store, a small shop, opens at 9.",  # an opening word
        "The shop, which opened in 2010, sells books.",  # a relative clause
        "Heat, the film was long, slow and loud.",  # a clause (an auxiliary), not an aside
        "Tokyo, Osaka, Kyoto, Nara are cities.",  # a list
    ):
        assert split_claims(text) == (text,), text
    assert not one_statement(("The shop opens at 9.", "The shop closes at 6."))
    assert not one_statement(("Yes, it is open.", "Yes it is."))


def test_a_sentence_opening_with_a_pronoun_is_indexed_with_the_name_before_it() -> None:
    """The name only: facts of the two sentences are still not bound together."""
    context = "Heat is a 1995 crime film directed by Michael Mann. It stars Al Pacino."
    scorer = make(ScorerConfig("hallucination", None, {}))
    faithful = scorer.score(_item(["Heat stars Al Pacino."], context=context, question="?"))
    assert faithful is not None and faithful.passed, faithful
    stitched = scorer.score(_item(["Heat stars Michael Mann."], context=context, question="?"))
    assert stitched is not None and not stitched.passed
    assert "never stated together in the knowledge: stars" in stitched.reason
    # Only after a sentence that opens with a name; "In 1995, …" names no subject.
    other = "In 1995, Michael Mann directed a film. It stars Al Pacino."
    result = scorer.score(_item(["Michael Mann stars Al Pacino."], context=other, question="?"))
    assert result is not None and not result.passed


def test_a_capitalised_no_inside_a_claim_is_a_title_not_a_negation() -> None:
    from evalkit.scorers._support import claim_units, negation_scope

    claim = 'Garth Brooks performed all the songs on "No Fences".'
    assert negation_scope(claim, claim_units(claim)) == ()
    claim = "No, Garth Brooks did not perform it."  # the answer's "No," and a real "not"
    units = claim_units(claim)
    assert [units[j].text for j in negation_scope(claim, units)] == ["perform"]


def test_a_japanese_denial_of_a_light_verb_scopes_over_its_clause() -> None:
    """「取得できません」: 取得 is no claim unit, so the cue's few characters hold none; the
    denial is of its clause, back to the comma (not of the topic before it)."""
    from evalkit.scorers._support import claim_units, negation_scope

    claim = "育児休業は、子が1歳になるまで取得できません。"
    units = claim_units(claim)
    assert sorted(units[j].text for j in negation_scope(claim, units)) == ["1", "子", "歳"]
    claim = "保育所に入れない場合は延長できます。"  # the cue holds a unit: as before
    units = claim_units(claim)
    assert "保育所" in [units[j].text for j in negation_scope(claim, units)]
    knowledge = "子が1歳になるまで育児休業を取得できる。"
    denial = _score(["育児休業は、子が1歳になるまで取得できません。"], context=knowledge)
    assert not denial.passed and "negates what the knowledge does not negate" in denial.reason


def test_an_english_denial_of_a_light_verb_scopes_over_its_subject() -> None:
    from evalkit.scorers._support import claim_units, negation_scope

    claim = "Deletion is not completed."  # "completed" is no claim unit
    units = claim_units(claim)
    assert [units[j].text for j in negation_scope(claim, units)] == ["deletion"]
    claim = "Don't worry, deletion is completed within 30 days."  # courtesy: no subject
    assert negation_scope(claim, claim_units(claim)) == ()
    knowledge = "Deletion is completed within 30 days."
    assert not _score(["Deletion is not completed."], context=knowledge).passed


@given(st.text(alphabet="TheAbc Xyz,.' aofwsIt", max_size=60))
def test_an_appositive_cut_keeps_every_word_and_the_pronoun_reading_any_text(text: str) -> None:
    from evalkit.scorers._knowledge import _resolve_pronoun
    from evalkit.scorers._support import _appositive

    pieces = _appositive(text)
    if len(pieces) == 2:  # "X, aside" and "X predicate": every word of the text is kept
        assert set(text.replace(",", " ").split()) == set(
            " ".join(pieces).replace(",", " ").split()
        )
    resolved = _resolve_pronoun(text, "The Abc Xyz was here.")
    assert resolved == text or resolved.startswith("The Abc Xyz ")
