"""The scorers' per-case reasons as codes (`evalkit._i18n.Said`): the English wording is the
stored `reason` (a contract), the codes stored beside it word the same reason in Japanese,
and a report words a stored reason again only where its codes still say the stored text."""

from __future__ import annotations

import json
import re
import string
from typing import Any

import pytest
from scorers.test_labelled_set import (
    _consistency_item,
    _hallucination_item,
    _rows,
    _scorer,
)

from evalkit._i18n import Said, case_reason_text
from evalkit._i18n._case_reasons import CASE_REASONS
from evalkit.scorers import consistency
from evalkit.values import Score, ScorerConfig


def _stored(score: Score) -> dict[str, Any]:
    """`scores.<metric>` as cases.jsonl holds it (through JSON, as a report reads it)."""
    assert score.said is not None
    return json.loads(json.dumps({"reason": score.reason, "reason_code": score.said.document()}))


# English literal runs of the plain-string templates ("not in the knowledge", "outputs
# agree"): a Japanese reason that contains one was left (partly) untranslated.
def _phrases(template: str) -> list[str]:
    """The template's literal runs of two words or more, cut to whole words (a run glued to
    a value, "{n} second{s}, within", loses its partial word)."""
    out = []
    parsed = list(string.Formatter().parse(template))
    for i, (part, *_) in enumerate(parsed):
        words = part.split()
        if i > 0 and part[:1].isalnum():  # glued to the value before it
            words = words[1:]
        if parsed[i][1] is not None and part[-1:].isalnum():  # glued to the value after it
            words = words[:-1]
        phrase = " ".join(words).strip(" :;'()—-,")
        if len(phrase.split()) >= 2:
            out.append(phrase)
    return out


_SKELETON = sorted(
    {
        phrase
        for template in CASE_REASONS["en"].values()
        if isinstance(template, str)
        for phrase in _phrases(template)
    }
)


def _untranslated(japanese: str) -> list[str]:
    """The English phrases left in a Japanese reason, outside what it quotes (「…」: an
    output's text is shown as written)."""
    unquoted = re.sub(r"「[^「」]*」", "「」", japanese)
    return [s for s in _SKELETON if s in unquoted]


def test_the_skeleton_holds_the_phrases_it_is_meant_to_find() -> None:
    assert "not in the knowledge" in _SKELETON
    found = _untranslated("3 of 3 outputs agree: the knowledge negates it")
    assert {"outputs agree", "the knowledge negates it"} <= set(found)
    assert _untranslated("3件の出力がすべて一致：「30 days」") == []


@pytest.mark.parametrize("row", _rows("hallucination.jsonl"), ids=lambda r: r["id"])
def test_every_hallucination_reason_of_the_labelled_set_is_worded_in_japanese(
    row: dict[str, Any],
) -> None:
    score = _scorer(row).score(_hallucination_item(row))
    assert score is not None
    stored = _stored(score)
    said = Said.from_document(stored["reason_code"])
    assert said is not None and said.text("en") == score.reason
    japanese = case_reason_text(stored, "ja")
    assert japanese != score.reason
    assert re.search(r"ハルシネーション", japanese), japanese
    assert _untranslated(japanese) == []


@pytest.mark.parametrize("row", _rows("consistency.jsonl"), ids=lambda r: r["id"])
def test_every_consistency_reason_of_the_labelled_set_is_worded_in_japanese(
    row: dict[str, Any],
) -> None:
    scorer = consistency.make(ScorerConfig("consistency", row.get("method"), {}))
    score = scorer.score(_consistency_item(row))
    if score is None:
        return
    stored = _stored(score)
    assert Said.from_document(stored["reason_code"]).text("en") == score.reason  # type: ignore[union-attr]
    japanese = case_reason_text(stored, "ja")
    assert japanese != score.reason and "件" in japanese
    assert _untranslated(japanese) == []


def _several(outputs: list[str], method: str | None = None, **params: Any) -> Score:
    row = {"id": "x", "outputs": outputs, "question": "How long is the refund window?"}
    scorer = consistency.make(ScorerConfig("consistency", method, params))
    score = scorer.score(_consistency_item(row))
    assert score is not None
    return score


@pytest.mark.parametrize(
    ("outputs", "method", "japanese"),
    [
        (["30 days.", "30 days.", "14 days."], None, "数値が異なる"),
        (["Yes, within 30 days.", "No.", "Yes."], None, "はい／いいえが逆"),
        (["I don't know.", "30 days", "30 days"], None, "他方は回答しているのに回答を辞退"),
        (["30 days", "thirty days", "two weeks"], "pairwise", "ペアごとの類似度の平均"),
        (["30 days", "30 days"], "modal", "2件の出力がすべて一致"),
    ],
)
def test_consistency_reasons_say_what_differs_in_japanese(
    outputs: list[str], method: str | None, japanese: str
) -> None:
    score = _several(outputs, method)
    worded = case_reason_text(_stored(score), "ja")
    assert japanese in worded, worded
    assert _untranslated(worded) == []


def test_a_reason_edited_by_hand_is_shown_as_written() -> None:
    said = Said("hal.one", {"output": Said("hal.output", {"label": "sample 0", "findings": ()})})
    stored = {"reason": "reviewed: fine after all", "reason_code": said.document()}
    assert case_reason_text(stored, "ja") == "reviewed: fine after all"
    assert case_reason_text({**stored, "reason": said.text()}, "ja").startswith(
        "ハルシネーション：サンプル0"
    )


@pytest.mark.parametrize(
    "code",
    [
        None,
        "hal.clean",  # not a list
        ["no.such.code", {}],
        ["hal.clean", {"n": 3}],  # a value that is not text
        ["hal.clean", {"n": ["x", {}]}],  # a nested reason of an unknown code
        ["hal.some_pass", {"outputs": {"all": ["x"]}}],  # an item that is no reason
        ["hal.clean", {}],  # a value the wording needs is missing
    ],
)
def test_codes_that_do_not_fit_fall_back_to_the_stored_reason(code: Any) -> None:
    stored = {
        "reason": "no hallucination in 3 outputs: every claim is supported",
        "reason_code": code,
    }
    assert case_reason_text(stored, "ja") == stored["reason"]
    assert case_reason_text(stored, "en") == stored["reason"]


def test_a_result_written_before_the_codes_shows_its_english_reason() -> None:
    assert case_reason_text({"reason": "all 3 outputs agree: '30 days'"}, "ja") == (
        "all 3 outputs agree: '30 days'"
    )


def test_samples_rules_and_labels_are_worded_in_japanese() -> None:
    flagged = Said(
        "hal.output", {"label": "variant 1 sample 2", "findings": (Said("hal.negated"),)}
    )
    said = Said(
        "hal.some_fail",
        {"bad": "2", "n": "3", "rule": "0.5", "outputs": (flagged,), "more": "1"},
    )
    assert said.text() == (
        "2 of 3 outputs hallucinate (at least 50% must be free of it): "
        "variant 1 sample 2: the knowledge negates it | … 1 more"
    )
    assert said.text("ja") == (
        "3件中2件にハルシネーション（50%以上がハルシネーションなしである必要あり）："
        "バリアント1 サンプル2：根拠資料はこれを否定している | …ほか1件"
    )
