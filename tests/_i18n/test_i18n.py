"""The words around a verdict in English and Japanese (`evalkit._i18n`): every key worded in
both languages, reasons as codes that word the same facts in either language, and the
language chosen by --lang, the suites' language or the locale."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit._i18n import (
    LANGS,
    TABLES,
    Reason,
    choose_language,
    locale_language,
    reason_texts,
    stored_reasons,
    text_language,
)
from evalkit._i18n._reasons import REASONS
from evalkit.run.shards import Coverage
from evalkit.values import Bar, Threshold
from evalkit.verdict.aggregate import PocTally, Tally
from evalkit.verdict.projection import CostSums
from evalkit.verdict.rules import PocPolicy, Reviewed, judge

# -- the tables are complete -----------------------------------------------------------------


def _missing(reference: Mapping[str, Any], other: Mapping[str, Any], path: str = "") -> list[str]:
    """Keys (dotted, nested) that `reference` has and `other` lacks."""
    out = []
    for key, value in reference.items():
        where = f"{path}.{key}" if path else key
        if key not in other:
            out.append(where)
        elif isinstance(value, Mapping):
            out.extend(_missing(value, other[key], where))
    return out


def test_every_key_worded_in_english_is_worded_in_every_language() -> None:
    problems = []
    for name, table in TABLES.items():
        assert set(table) == set(LANGS), name
        for lang in LANGS:
            problems += [f"{name}: {lang} lacks {k}" for k in _missing(table["en"], table[lang])]
            problems += [f"{name}: en lacks {k}" for k in _missing(table[lang], table["en"])]
    assert problems == []


def test_the_completeness_check_names_a_key_one_language_lacks() -> None:
    en = {"poc": {"continue": "go", "stop": "stop"}, "x": "y"}
    ja = {"poc": {"continue": "続行"}}
    assert _missing(en, ja) == ["poc.stop", "x"]


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _pairs(en: Any, other: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    if isinstance(en, Mapping):
        return [p for k in en for p in _pairs(en[k], other[k], f"{path}.{k}")]
    return [(path, en, other)]


# Templates that fill different values on purpose (the caller passes both).
_OWN_VALUES = {
    ".md_title": "English shows the verdict value (redesign), Japanese its word (再設計)",
}


def test_string_templates_fill_the_same_values_in_every_language() -> None:
    """A Japanese template that names a value English does not (or drops one) would fail at
    run time or say less: both fill the same {values}."""
    for name, table in TABLES.items():
        for lang in LANGS:
            for path, en, other in _pairs(table["en"], table[lang]):
                if isinstance(en, str) and isinstance(other, str) and path not in _OWN_VALUES:
                    assert _fields(en) == _fields(other), (lang, name, path)


# -- every reason code, worded in both languages ----------------------------------------------

BAR = Bar(0.10, 0.40)
EVIDENCE = {
    "flag_rate": "31.0%",
    "flagged": "62",
    "scored": "200",
    "confirmed": "14",
    "flagged_reviewed": "30",
    "found": "1",
    "unflagged_reviewed": "30",
}


def _tally(failures: int, total: int, **extra: Any) -> PocTally:
    return PocTally(cases=total, metrics={"accuracy": Tally(failures, total)}, **extra)


def _policy(bar: Bar = BAR, **extra: Any) -> PocPolicy:
    return PocPolicy(thresholds={"accuracy": Threshold(bar)}, **extra)


def _every_reason() -> list[Reason]:
    """At least one reason of every code the verdict, a merge and a review write."""
    reasons: list[Reason] = []
    for failures, total, bar in [
        (0, 60, BAR),  # pass
        (40, 50, BAR),  # stop
        (10, 40, BAR),  # miss
        (0, 20, BAR),  # short of evidence: cases needed
        (0, 20, Bar(0.0, 0.4)),  # tolerable 0
        (1, 10, BAR),  # on the bar
        (0, 0, BAR),  # unscored
    ]:
        reasons += judge("p", _tally(failures, total), _policy(bar)).reasons
    reasons += judge("p", _tally(0, 50), PocPolicy(thresholds={})).reasons
    for rate, ci, more in [
        (0.03, (0.01, 0.07), None),  # pass
        (0.6, (0.5, 0.7), None),  # stop
        (0.2, (0.15, 0.3), None),  # miss between the bars
        (0.152, (0.098, 0.224), 45),  # straddles: more reviews
        (0.152, (0.098, 0.224), None),  # straddles: more cases
    ]:
        reviewed = {"accuracy": Reviewed(rate, ci, EVIDENCE, more)}
        reasons += judge("p", _tally(62, 200), _policy(), reviewed).reasons
    critical = _tally(
        0,
        60,
        critical_failed=[f"s/c{i}: accuracy" for i in range(5)],
        critical_failed_count=7,
        critical_failed_suites={"s"},
        critical_errored=["s/c9"],
        critical_errored_count=1,
        errors=6,
    )
    reasons += judge("p", critical, _policy(critical_stop_suites=frozenset({"s"}))).reasons
    reasons += judge("p", critical, _policy()).reasons
    reasons += judge("p", _tally(0, 100, errors=2), _policy()).reasons
    for failures, total in [(0, 0), (0, 60), (40, 50), (0, 20), (1, 10), (10, 40)]:
        review = PocTally(cases=60, metrics={"unusable": Tally(failures, total)})
        reasons += judge("p", review, PocPolicy(thresholds={"unusable": Threshold(BAR)})).reasons
    reasons += _cost_and_evidence_reasons()
    reasons += [Coverage((1,), 2).reason(30), Coverage((1, 3), 4).reason(60)]
    reasons += [Reason("review_evidence", EVIDENCE), Reason("text", {"text": "as written"})]
    return reasons


def _cost_and_evidence_reasons() -> list[Reason]:
    """The monthly budget's reasons (every outcome) and the phase's missing evidence."""
    reasons: list[Reason] = []
    priced = _tally(0, 60)
    for cost in (0.001, 0.002, 0.003, 0.004):
        priced.costs.setdefault("USD", CostSums()).add(cost)
    one = _tally(0, 60)
    one.costs["USD"] = CostSums(1, 0.002, 0.000004)
    for tally, per_month, budget in [
        (priced, 10_000, 50.0),  # within
        (priced, 10_000, 4.0),  # over
        (priced, 10_000, 40.0),  # straddles: cases needed
        (priced, 1, 0.003),  # straddles: a month's own variation spans it
        (one, 10_000, 50.0),  # a single priced case
        (_tally(0, 60), 10_000, 50.0),  # nothing priced
    ]:
        policy = _policy(volume_per_month=per_month, budget_per_month=budget, currency="USD")
        reasons += judge("p", tally, policy).reasons
    everything = ("review", "budget", "latency", "cost", "hallucination")
    reasons += judge("p", _tally(0, 60), _policy(phase="production", requires=everything)).reasons
    reasons += judge("p", _tally(0, 60), _policy(phase="mvp")).reasons
    return reasons


_NUMBER = re.compile(r"\d+(?:\.\d+)?%?")


def test_every_reason_code_is_written_somewhere_and_worded_in_japanese() -> None:
    reasons = _every_reason()
    assert {r.code for r in reasons} == set(REASONS["en"])
    for r in reasons:
        en, ja = r.text("en"), r.text("ja")
        assert ja != en or r.code == "text"
        assert re.search(r"[\u3040-\u30ff]", ja) or r.code == "text", ja
        # The same numbers, formatted the same way (Japanese may add, never drop or reformat).
        assert set(_NUMBER.findall(en)) <= set(_NUMBER.findall(ja)), (en, ja)


def test_the_codes_word_the_english_sentences_the_verdict_always_wrote() -> None:
    v = judge("p", _tally(0, 20), _policy())
    assert v.texts[0] == (
        "accuracy: 0.0% of cases failed (0/20, 95% CI 0.0%–16.1%); the observed rate is within "
        "the tolerable 10.0% but the interval reaches above it — not enough evidence: about 35 "
        "cases in total would be needed at the observed rate (have 20)"
    )
    assert v.reasons[0].text("ja") == (
        "accuracy：失敗率 0.0%（0/20件、95%信頼区間 0.0%–16.1%）。実測値は許容値 10.0% 以内"
        "ですが、区間の上限が許容値を超えており、根拠が不十分です。この失敗率のままであれば、"
        "合計約35件のケースが必要です（現在20件）"
    )


@given(
    failures=st.integers(0, 300),
    extra=st.integers(0, 300),
    tolerable=st.floats(0.0, 0.5),
    gap=st.floats(0.0, 0.5),
    errors=st.integers(0, 30),
)
def test_any_verdict_reads_the_same_numbers_in_japanese(
    failures: int, extra: int, tolerable: float, gap: float, errors: int
) -> None:
    total = failures + extra
    tally = _tally(failures, total, errors=errors)
    tally.cases = total + errors
    for r in judge("p", tally, _policy(Bar(tolerable, min(1.0, tolerable + gap)))).reasons:
        en, ja = r.text("en"), r.text("ja")
        assert set(_NUMBER.findall(en)) <= set(_NUMBER.findall(ja)), (en, ja)


# -- reasons read back from a summary ---------------------------------------------------------


def _poc_block(reasons: list[Reason]) -> dict[str, Any]:
    return {"reasons": [r.text() for r in reasons], "reason_codes": [r.document() for r in reasons]}


def test_a_summary_block_words_its_reasons_again_in_japanese() -> None:
    reasons = list(judge("p", _tally(10, 40), _policy()).reasons)
    block = _poc_block(reasons)
    assert reason_texts(block, "en") == block["reasons"]
    assert reason_texts(block, "ja") == [r.text("ja") for r in reasons]
    assert stored_reasons(block) == reasons


def test_reasons_without_codes_or_with_codes_that_disagree_stay_as_written() -> None:
    reasons = list(judge("p", _tally(10, 40), _policy()).reasons)
    old = {"reasons": [r.text() for r in reasons]}  # written before the codes
    assert reason_texts(old, "ja") == old["reasons"]
    edited = _poc_block(reasons)
    edited["reasons"][0] = "accuracy: edited by hand"
    assert reason_texts(edited, "ja")[0] == "accuracy: edited by hand"
    unknown = _poc_block(reasons)
    unknown["reason_codes"][0] = {"code": "from-a-newer-evalkit", "values": {}}
    assert reason_texts(unknown, "ja")[0] == unknown["reasons"][0]
    broken = _poc_block(reasons)
    broken["reason_codes"][0]["values"] = {}  # values that do not fill the template
    assert reason_texts(broken, "ja")[0] == broken["reasons"][0]


# -- which language ---------------------------------------------------------------------------


def test_text_language_recognises_japanese_and_nothing_else() -> None:
    assert text_language(["あなたは社内ヘルプデスクです。有給休暇は何日ですか？"]) == "ja"
    assert text_language(["Policy: refunds within 30 days. 社内規程QA"]) is None  # a name only
    assert text_language(["退货政策：三十天内可以退款。"]) is None  # Chinese: no kana
    assert text_language(["", "12345"]) is None


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "ja_JP.UTF-8", "LC_ALL": "C.UTF-8"}, "en"),  # LC_ALL wins
        ({"LANG": "C", "LC_MESSAGES": "ja_JP"}, "ja"),
        ({"LC_ALL": "", "LANG": "ja"}, "ja"),  # an empty variable is unset
    ],
)
def test_locale_language_follows_posix_precedence(
    environ: dict[str, str], expected: str | None
) -> None:
    assert locale_language(environ) == expected


def test_choose_language_precedence() -> None:
    ja_locale = {"LANG": "ja_JP.UTF-8"}
    assert choose_language("en", ["ja"], ja_locale) == "en"  # --lang first
    assert choose_language(None, ["ja", "ja"], {}) == "ja"  # the suites' one language
    assert choose_language(None, ["en"], ja_locale) == "en"
    assert choose_language(None, ["ja", None], {}) == "en"  # mixed: the locale, else English
    assert choose_language(None, ["ja", None], ja_locale) == "ja"
    assert choose_language(None, [], {}) == "en"
