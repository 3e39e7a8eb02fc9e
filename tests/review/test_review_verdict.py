"""The verdict judged on a reviewed metric's corrected rate (evalkit.verdict.rules.Reviewed)."""

from __future__ import annotations

from evalkit._i18n import Reason
from evalkit.values import Bar, Status, Threshold, Verdict
from evalkit.verdict.aggregate import PocTally, Tally
from evalkit.verdict.rules import PocPolicy, Reviewed, judge

POLICY = PocPolicy(thresholds={"hallucination": Threshold(Bar(0.10, 0.40), {})})
EVIDENCE_TEXT = (
    "scorer flags 31.0% (62/200); reviewers confirmed 14 of 30 flagged and found 1 of 30 "
    "unflagged failing"
)
EVIDENCE = {
    "flag_rate": "31.0%",
    "flagged": "62",
    "scored": "200",
    "confirmed": "14",
    "flagged_reviewed": "30",
    "found": "1",
    "unflagged_reviewed": "30",
}


def test_the_evidence_values_word_the_evidence_sentence() -> None:
    assert Reason("review_evidence", EVIDENCE).text() == EVIDENCE_TEXT


def _tally() -> PocTally:
    return PocTally(cases=200, metrics={"hallucination": Tally(62, 200)})


def test_scorer_rate_alone_misses_but_the_corrected_interval_passes() -> None:
    assert judge("p", _tally(), POLICY).verdict is Verdict.REDESIGN
    v = judge("p", _tally(), POLICY, {"hallucination": Reviewed(0.03, (0.01, 0.07), EVIDENCE)})
    assert v.verdict is Verdict.CONTINUE
    a = v.metrics["hallucination"]
    assert a.status is Status.PASS and a.rate == 0.31  # the scorer's rate is kept beside it
    assert v.texts[0].startswith(
        f"hallucination: {EVIDENCE_TEXT}; corrected 3.0% (95% CI 1.0%–7.0%)"
    )


def test_corrected_interval_straddling_the_bar_says_how_many_reviews_would_settle_it() -> None:
    r = Reviewed(0.152, (0.098, 0.224), EVIDENCE, more_reviews=45)
    v = judge("p", _tally(), POLICY, {"hallucination": r})
    assert v.verdict is Verdict.REDESIGN
    assert v.texts[0] == (
        f"hallucination: {EVIDENCE_TEXT}; corrected 15.2% (95% CI 9.8%–22.4%), above the tolerable "
        "10.0% (stop at 40.0%); the interval straddles a bar: about 45 more reviews would "
        "settle it"
    )
    between = judge(
        "p", _tally(), POLICY, {"hallucination": Reviewed(0.17, (0.11, 0.27), EVIDENCE)}
    )
    assert between.texts[0].endswith("above the tolerable 10.0% (stop at 40.0%)")
    never = Reviewed(0.152, (0.098, 0.224), EVIDENCE, more_reviews=None)
    assert (
        judge("p", _tally(), POLICY, {"hallucination": never})
        .texts[0]
        .endswith("reviewing every case would not settle it: more cases are needed")
    )


def test_corrected_interval_beyond_the_stop_limit_stops() -> None:
    v = judge("p", _tally(), POLICY, {"hallucination": Reviewed(0.6, (0.5, 0.7), EVIDENCE)})
    assert v.verdict is Verdict.STOP and "confidently beyond the stop limit 40.0%" in v.texts[0]
