"""The consistency scorer: every method, the default's key-fact checks, and duplicates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.errors import ConfigProblem
from evalkit.scorers.consistency import make
from evalkit.values import Case, Prompt, Score, ScorerConfig, ScoringInput, Source, Suite

SUITE = Suite(
    name="s", poc="p", path=Path("/tmp/s.yaml"), sha256="", prompt=Prompt("{{q}}"), cases=()
)


def _item(
    outputs: list[str],
    sources: list[Source] | None = None,
    variants: list[int] | None = None,
    prior: dict[str, Score] | None = None,
) -> ScoringInput:
    n = len(outputs)
    var = tuple(variants or [0] * n)
    labels = (
        tuple(f"sample {i}" for i in range(n))
        if not any(var)
        else tuple(f"variant {v} sample {i}" for i, v in enumerate(var))
    )
    return ScoringInput(
        SUITE,
        Case(id="c", vars={}),
        tuple(outputs),
        labels,
        var,
        tuple(sources or ["live"] * n),
        prior or {},
    )


def _score(outputs: list[str], method: str | None = None, **kw: Any) -> Score:
    params: dict[str, Any] = {k: kw.pop(k) for k in ("threshold", "agree", "duplicates") if k in kw}
    result = make(ScorerConfig("consistency", method, params)).score(_item(outputs, **kw))
    assert result is not None
    return result


# -- default method -----------------------------------------------------------------------
def test_consistency_is_one_when_all_samples_agree() -> None:
    result = _score(["30 days", "30 days.", "Within 30 days."])
    assert result.passed and result.score == 1.0


def test_different_numbers_disagree_and_the_reason_names_the_odd_sample() -> None:
    result = _score(["30 days", "30 days", "60 days"])
    assert not result.passed and result.score == pytest.approx(2 / 3)
    assert (
        "sample 2 says '60 days'" in result.reason and "samples 0, 1 say '30 days'" in result.reason
    )
    assert "different numbers" in result.reason


def test_full_width_and_ascii_digits_agree() -> None:
    assert _score(["３０日", "30日"]).passed


@pytest.mark.parametrize(
    "pair",
    [
        ["It is covered.", "It is not covered."],
        ["対象です。", "対象外です。"],
        ["返品できます。", "返品できません。"],
        ["Yes, it is.", "No, it is not."],
    ],
)
def test_negation_and_yes_no_polarity_disagree(pair: list[str]) -> None:
    assert not _score(pair).passed


def test_refusal_mixed_with_answers_disagrees_but_refusals_agree() -> None:
    assert not _score(["30 days", "I don't know."]).passed
    assert _score(["わかりません。", "お答えできません。"]).passed


@pytest.mark.parametrize(
    ("outputs", "odd_one"),
    [
        (["I don't know.", "30 days", "I don't know."], "answers where the other declines"),
        (["30 days", "I don't know.", "30 days"], "declines where the other answers"),
        (
            ["わかりません。", "30日です。", "お答えできません。"],
            "answers where the other declines",
        ),
        (["30日です。", "わかりません。", "30日以内です。"], "declines where the other answers"),
    ],
)
def test_the_reason_says_which_side_declines(outputs: list[str], odd_one: str) -> None:
    """The reason quotes the odd sample: the wording is about that sample, not the others."""
    result = _score(outputs)
    assert f"sample 1 says '{outputs[1]}' ({odd_one})" in result.reason


def test_a_declining_clause_inside_an_answer_is_not_a_refusal() -> None:
    assert not _score(
        ["I don't know.", "Phone support is not included in the Free plan; add it for $45."]
    ).passed
    assert not _score(
        ["お答えできません。", "規程には記載がありませんが、一般的には3日です。"]
    ).passed


def test_paraphrases_of_the_same_answer_agree() -> None:
    assert _score(
        [
            "You have 30 days to request a refund.",
            "Refunds are accepted within 30 days of purchase.",
        ]
    ).passed
    assert _score(
        ["返金は購入から30日以内に可能です。", "購入後30日以内であれば返金できます。"]
    ).passed
    assert _score(["The capital is Paris.", "Paris is the capital of France."]).passed


def test_different_names_disagree() -> None:
    assert not _score(["The capital is Paris.", "The capital is Lyon."]).passed


def test_variants_are_compared_with_samples() -> None:
    result = _score(["30日です。", "30日です。", "60日です。"], variants=[0, 0, 1])
    assert not result.passed and "variant 1 sample 2" in result.reason


def test_single_output_is_not_scored() -> None:
    assert make(ScorerConfig("consistency")).score(_item(["30 days"])) is None


def test_threshold_lets_a_majority_pass() -> None:
    assert _score(["30 days", "30 days", "60 days"], threshold=0.6).passed


# -- other methods ---------------------------------------------------------------------------
def test_modal_compares_normalised_short_answers() -> None:
    assert _score(["Tokyo", "tokyo.", " TOKYO"], "modal").passed
    result = _score(["Tokyo", "Osaka", "Tokyo"], "modal")
    assert not result.passed and result.score == pytest.approx(2 / 3)


def test_pairwise_is_mean_rapidfuzz_similarity() -> None:
    same = _score(
        ["The refund window is thirty days.", "The refund window is thirty days long."], "pairwise"
    )
    assert same.passed and same.score > 0.9
    assert not _score(
        ["The refund window is thirty days.", "Shipping is free for members."], "pairwise"
    ).passed


def test_outcomes_needs_all_correct_or_all_wrong() -> None:
    def prior(samples: list[float]) -> dict[str, Score]:
        return {"accuracy": Score(True, 1.0, "", {"samples": samples})}

    scorer = make(ScorerConfig("consistency", "outcomes"))
    assert scorer.score(_item(["a", "b", "c"], prior=prior([1.0, 1.0, 1.0]))).passed  # type: ignore[union-attr]
    assert scorer.score(_item(["a", "b", "c"], prior=prior([0.0, 0.0, 0.0]))).passed  # type: ignore[union-attr]
    mixed = scorer.score(_item(["a", "b", "c"], prior=prior([1.0, 0.0, 1.0])))
    assert mixed is not None and not mixed.passed and "sample 1 wrong" in mixed.reason


def test_outcomes_without_accuracy_outcomes_is_not_scored() -> None:
    assert make(ScorerConfig("consistency", "outcomes")).score(_item(["a", "b"])) is None


# -- independence of repeated samples ----------------------------------------------------------
def test_identical_replay_outputs_are_recorded_as_duplicates() -> None:
    result = _score(["30 days", "30 days", "30 days"], sources=["replay"] * 3)
    assert result.passed
    assert result.details["sources"] == {"replay": 3}
    assert result.details["duplicates"] == [["sample 0", "sample 1", "sample 2"]]
    assert result.details["independent"] is False and "independent samples" in result.reason


def test_identical_live_outputs_are_not_duplicates() -> None:
    result = _score(["30 days", "30 days"], sources=["live", "live"])
    assert "duplicates" not in result.details and "independent" not in result.details


def test_collapse_counts_repeated_recordings_once() -> None:
    scorer = make(ScorerConfig("consistency", None, {"duplicates": "collapse"}))
    assert scorer.score(_item(["30 days"] * 3, sources=["cache"] * 3)) is None
    result = scorer.score(_item(["30 days", "30 days", "60 days"], sources=["replay"] * 3))
    assert (
        result is not None
        and result.score == pytest.approx(0.5)
        and "counted once" in result.reason
    )


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("vote", {}),
        (None, {"threshold": 2}),
        (None, {"duplicates": "drop"}),
        (None, {"treshold": 0.5}),
    ],
)
def test_bad_settings_are_config_problems(method: str | None, params: dict[str, Any]) -> None:
    with pytest.raises(ConfigProblem):
        make(ScorerConfig("consistency", method, params))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(max_size=40), min_size=2, max_size=4),
    st.sampled_from(["equivalent", "modal", "pairwise"]),
)
def test_scores_stay_between_zero_and_one(outputs: list[str], method: str) -> None:
    result = make(ScorerConfig("consistency", method)).score(_item(outputs))
    assert result is not None and 0.0 <= result.score <= 1.0


def test_kanji_numerals_agree_with_digits() -> None:
    assert _score(["三十日以内です。", "30日以内です。"]).passed
    assert not _score(["三十日以内です。", "60日以内です。"]).passed


# -- realistic answers: additions are not disagreements ------------------------------------
def _score_q(outputs: list[str], question: str) -> Score:
    n = len(outputs)
    item = ScoringInput(
        SUITE,
        Case(id="c", vars={"q": question}),
        tuple(outputs),
        tuple(f"sample {i}" for i in range(n)),
        (0,) * n,
        tuple[Source, ...](["live"] * n),
    )
    result = make(ScorerConfig("consistency")).score(item)
    assert result is not None
    return result


@pytest.mark.parametrize(
    "pair",
    [
        # a negated clause that adds a contrast, not a denial of the other answer
        [
            "That's expected! Your card is charged when your order ships, not when you place it.",
            "We only charge your card when your order ships, so you'll see the charge then.",
        ],
        # the answer denies and asserts in one sentence ("isn't X — it's Y")
        [
            "Your card isn't charged at the time of ordering — it's charged when the order ships.",
            "We only charge your card when your order ships.",
        ],
        # a negation over no content word
        ["Don't worry, it can take up to 24 hours.", "It can take up to 24 hours."],
        # "as long as it hasn't shipped" says what "until it ships" says
        [
            "Yes, as long as the order hasn't shipped yet. Go to Orders > Edit address.",
            "You can change the shipping address until your order ships.",
        ],
        # an extra negated detail about something else
        [
            "Express is not offered for PO boxes. You can still choose standard shipping.",
            "Unfortunately, express isn't offered for PO boxes, so use a street address.",
        ],
    ],
)
def test_added_negated_clauses_do_not_make_answers_disagree(pair: list[str]) -> None:
    result = _score(pair)
    assert result.passed, result.reason


@pytest.mark.parametrize(
    "pair",
    [
        [
            "子どもが1歳になるまで取得できます。保育所に入れない場合は最長2歳まで延長可能です。",
            "お子さんが１歳になるまで育児休業を取得できます。",
        ],
        [
            "22時以降の帰宅であればタクシーを利用できます。それより早い時間の場合は対象外です。",
            "タクシーの利用は、22時以降の帰宅時に限られています。",
        ],
        ["１０日です。", "最初に付与される有給休暇は10日です（入社6か月後）。"],
        [
            "はい、有給休暇は半日単位で取得できます。また、時間単位での取得も年5日分まで可能です。",
            "はい、できます。就業規則では半日単位での取得が認められています。",
        ],
    ],
)
def test_japanese_answers_that_add_a_detail_still_agree(pair: list[str]) -> None:
    result = _score(pair)
    assert result.passed, result.reason


@pytest.mark.parametrize(
    ("template", "variables", "outputs"),
    [
        (
            "Handbook:\n{{handbook}}\n\nQuestion: {{question}}",
            {
                "question": "Which VPN client do we use?",
                "handbook": "We use GlobalProtect; Cisco AnyConnect was retired.",
            },
            ["We use GlobalProtect.", "GlobalProtect.", "We use Cisco AnyConnect."],
        ),
        (
            "{{policy}}\n\nQ: {{text}}",  # labelled "Q:", the document by its name
            {
                "text": "Which VPN client do we use?",
                "policy": "We use GlobalProtect; Cisco AnyConnect was retired.",
            },
            ["We use GlobalProtect.", "GlobalProtect.", "We use Cisco AnyConnect."],
        ),
        (
            "資料: {{a}}\n\n{{b}}",  # no question label: the document's label decides
            {
                "b": "経費精算のシステムは？",
                "a": "経費はジョブカンで申請する。マネーフォワードは廃止した。",
            },
            ["ジョブカンです。", "ジョブカンで申請します。", "マネーフォワードです。"],
        ),
    ],
)
def test_names_from_the_documents_in_the_prompt_are_the_answers_content(
    template: str, variables: dict[str, str], outputs: list[str]
) -> None:
    """Only names the question gives are echoes; a handbook's names are what answers say."""
    suite = Suite(
        name="s", poc="p", path=Path("/tmp/s.yaml"), sha256="", prompt=Prompt(template), cases=()
    )
    n = len(outputs)
    item = ScoringInput(
        suite,
        Case(id="c", vars=variables),
        tuple(outputs),
        tuple(f"sample {i}" for i in range(n)),
        (0,) * n,
        tuple[Source, ...](["live"] * n),
    )
    result = make(ScorerConfig("consistency")).score(item)
    assert result is not None and not result.passed
    assert "different names" in result.reason


def test_a_name_the_question_gives_is_not_a_different_answer() -> None:
    pair = [
        "Shipping to Toronto costs a flat rate of $12.00 (7-10 business days).",
        "For Canada we charge a $12.00 flat rate. Delivery takes 7-10 business days.",
    ]
    assert _score_q(pair, "How much is shipping to Toronto?").passed
    assert not _score(["The capital is Paris.", "The capital is Lyon."]).passed


@pytest.mark.parametrize(
    "pair",
    [
        [
            "はい、必要です。領収書は金額にかかわらず添付することになっています。",
            "1万円未満の少額の支出であれば、領収書の添付は不要です。",
        ],
        ["Gift cards are refundable.", "Gift cards are not refundable."],
        ["対象です。", "対象外です。"],
        ["コアタイムは10時から15時です。", "コアタイムは10時から16時となっています。"],
    ],
)
def test_a_clause_that_denies_what_the_other_answer_states_still_disagrees(
    pair: list[str],
) -> None:
    assert not _score(pair).passed


# -- answer leads beyond yes/no ----------------------------------------------------------------
@pytest.mark.parametrize(
    "pair",
    [
        [
            "Almost! Free delivery starts with orders over $40, so at exactly $40 you still pay $4.99.",
            "Yes! Orders of $40 and up get free delivery.",
        ],
        ["Not quite — the plan renews monthly.", "Yes, the plan renews monthly."],
        ["Absolutely not.", "Absolutely!"],
        ["Unfortunately, we don't deliver on Sundays.", "Yes, Sunday delivery is available."],
        ["残念ながら、パート社員は利用できません。", "はい、パート社員も利用可能です。"],
        ["いいえ、まだです。", "はい、もう発送済みです。"],
    ],
)
def test_a_no_like_lead_disagrees_with_a_yes(pair: list[str]) -> None:
    result = _score(pair)
    assert not result.passed and "opposite yes/no" in result.reason


@pytest.mark.parametrize(
    "pair",
    [
        # bad news that affirms is not a "no": both say the fee applies
        ["Unfortunately, a $10 replacement fee applies.", "Yes, there is a $10 replacement fee."],
        ["Unfortunately, yes: the fee is $10.", "Yes, the fee is $10."],
        # a courtesy is not an answer
        [
            "No problem! You can change the date on your booking page.",
            "Yes, you can change the date.",
        ],
        # "almost" as a quantifier is not a lead
        [
            "Almost all items can be returned within 30 days.",
            "Yes, most items can be returned within 30 days.",
        ],
        ["Not quite: you need $10 more.", "No, you need another $10."],
        ["残念ながら、対象外です。", "いいえ、対象外です。"],
    ],
)
def test_leads_that_answer_alike_still_agree(pair: list[str]) -> None:
    result = _score(pair)
    assert result.passed, result.reason


# -- a number against words in the same place ---------------------------------------------------
@pytest.mark.parametrize(
    ("pair", "how"),
    [
        (
            ["翌月10日までに申請してください。", "締め切りは翌月末です。"],
            "'翌月末' where the other says '翌月10日'",
        ),
        (["入社6か月後に付与されます。", "入社直後に付与されます。"], "入社直"),
        (
            ["Submit it by the 10th of next month.", "Submit it by the end of next month."],
            "end of next month",
        ),
        (
            [
                "Payment is due on the 1st of each month.",
                "Payment is due in the middle of each month.",
            ],
            "middle of each month",
        ),
    ],
)
def test_a_number_whose_place_the_other_fills_with_words_disagrees(
    pair: list[str], how: str
) -> None:
    result = _score(pair)
    assert not result.passed and how in result.reason, result.reason


@pytest.mark.parametrize(
    "pair",
    [
        ["10日です。", "10日です（入社6か月後）。"],
        ["Yes, it's covered.", "Yes — it's covered up to $500."],
        # a particle between the words and the number binds nothing
        ["在宅勤務手当は月額5,000円です。", "在宅勤務手当は月額で支給されます。"],
        # 「期間中」 says "during", not a value in the number's place
        ["試用期間3か月の間は対象外です。", "試用期間中は対象外です。"],
        # a duration counted from a point: "the date of delivery" fills no place of it
        [
            "Return items within 30 days of delivery.",
            "Returns are counted from the date of delivery.",
        ],
        ["翌月１０日までに申請してください。", "翌月十日が締め切りです。"],
        ["Payment is due on the 1st of each month.", "Payment is due on the first of each month."],
    ],
)
def test_an_added_number_with_nothing_in_its_place_still_agrees(pair: list[str]) -> None:
    result = _score(pair)
    assert result.passed, result.reason


# -- long answers: claim by claim ----------------------------------------------------------
LONG_EN = (
    "To cook pollock, preheat the oven to 350 degrees. Season the fillets with salt, pepper "
    "and lemon juice. Bake them for 15 minutes, until the fish flakes easily with a fork."
)
LONG_EN_OTHER = (
    "Preheat your oven to 350 degrees before you start. Brush the pollock with olive oil and "
    "season it with Cajun spice. Bake the fillets for 15 minutes, until they flake with a fork."
)
LONG_JA = (
    "SNS(ソーシャル・ネットワーキング・サービス)とは、Web上で社会的ネットワークを構築できる"
    "サービスです。代表的なものにFacebookやInstagramがあります。利用者は友人と写真や近況を"
    "共有できます。"
)
LONG_JA_OTHER = (
    "ソーシャル・ネットワーキング・サービス(SNS)とは、インターネット上で社会的ネットワークを"
    "構築できるサービスです。利用者は友人と近況や写真を共有できます。日本ではLINEも広く"
    "使われています。"
)


def test_long_answers_that_pick_different_details_agree() -> None:
    """Two explanations agree where their claims agree: a name (Cajun, LINE, Facebook) or a
    detail that only one answer's claims mention is coverage, not a disagreement."""
    assert _score([LONG_EN, LONG_EN_OTHER]).passed
    assert _score([LONG_JA, LONG_JA_OTHER]).passed


def test_long_answers_disagree_where_a_claim_and_its_counterpart_differ() -> None:
    changed = LONG_EN_OTHER.replace("15 minutes", "25 minutes")
    result = _score([LONG_EN, changed])
    assert not result.passed and "different numbers" in result.reason
    assert not _score([LONG_EN, LONG_EN.replace("350", "450")]).passed
    denied = LONG_JA_OTHER.replace("共有できます", "共有できません")
    assert not _score([LONG_JA, denied]).passed
    # A name in place of the other's, in a claim that otherwise says the same thing.
    swapped = LONG_EN_OTHER.replace("350 degrees before you start", "350 degrees in a Weber grill")
    assert _score([LONG_EN, swapped]).passed  # an added detail: nothing in its place
    # The two share a name (VPN) and say the same thing around the ones they swap.
    tool_a = (
        "We use GlobalProtect for the company VPN on laptops. Connect before you open the "
        "intranet. Ask IT if it fails."
    )
    tool_b = tool_a.replace("GlobalProtect", "Cisco AnyConnect")
    assert not _score([tool_a, tool_b]).passed
    # Common loanwords of Japanese are paraphrase, not names that disagree.
    web = (
        "SNSとは、Web上で人と人をつなぐサービスです。友人と写真を共有できます。広告で運営されます。"
    )
    net = web.replace("Web上", "インターネット上")
    assert _score([web, net]).passed


def test_list_numbering_is_no_number_an_answer_states() -> None:
    assert _score(["1. 119番に通報します。", "3. 119番に通報してください。"]).passed
    assert _score(["2) Call 911.", "4) Call 911 right away."]).passed


@pytest.mark.parametrize(
    "pair",
    [
        # 不可欠 (indispensable), 不可逆 (irreversible), おこない (do): no negation
        ["日当たりの良い場所が必要です。", "日当たりの良い場所が不可欠です。"],
        ["受容体に不可逆的に結合します。", "受容体に結合します。"],
        ["冬には日本近海へ渡ります。", "冬になると日本近海への渡りをおこないます。"],
        # a negation at a clause's end, before に, or as なく: both answers deny
        ["被毛がない猫です。", "被毛がなく、皮膚が見える猫です。"],
        ["賃金が支払われず、収入が減ります。", "賃金が支払われないため収入が減ります。"],
        ["完全に乾燥させずに食べます。", "完全には乾燥させないで食べます。"],
    ],
)
def test_japanese_negation_cues_are_read_as_grammar_reads_them(pair: list[str]) -> None:
    assert _score(pair).passed, pair


@pytest.mark.parametrize(
    "pair",
    [["Canada", "Alaska"], ["Cheshire", "Lancashire"], ["England", "Scotland"], ["東京", "大阪"]],
)
def test_short_answers_that_share_no_content_disagree(pair: list[str]) -> None:
    """Letters in common ("Cheshire" / "Lancashire": 0.67 by rapidfuzz) are no agreement
    when the two answers share no content unit at all (HaluEval QA's right and
    hallucinated answers: `tests/benchmarks/consistency_real.py`)."""
    assert not _score(pair).passed, pair


def test_short_answers_that_share_content_still_agree() -> None:
    assert _score(["Victorian era", "the Victorian era"]).passed
    assert _score(["Yes, it is mandatory.", "Yes, required."]).passed
