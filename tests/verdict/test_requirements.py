"""Evidence a phase requires (evalkit.verdict.requirements): missing evidence keeps the verdict
from continue, the reason says what to add, and a suite's `requires:` replaces the list."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import evalkit

from evalkit.review.apply import apply_reviews
from evalkit.review.sheet import outputs_sha256
from evalkit.values import Bar, Threshold, Verdict
from evalkit.verdict.aggregate import Aggregator, PocTally, Tally
from evalkit.verdict.rules import PocPolicy, judge

BARS = {"accuracy": Threshold(Bar(0.10, 0.40))}


def _tally(n: int = 50) -> PocTally:
    agg = Aggregator()
    for i in range(n):
        agg.add(
            poc="p",
            suite="s",
            case_id=f"c{i}",
            tags=(),
            critical=False,
            errored=False,
            passed={"accuracy": True},
        )
    return agg.pocs["p"]


def _reviewed(n: int = 50) -> PocTally:
    """`_tally` where reviewers answered the correction column for 5 cases (none major)."""
    tally = _tally(n)
    tally.metrics["major_correction"] = Tally(0, 5)
    return tally


def test_a_poc_requires_nothing_beyond_its_bars() -> None:
    v = judge("p", _tally(), PocPolicy(BARS, phase="poc"))
    assert (v.verdict, v.requires, v.missing) == (Verdict.CONTINUE, (), ())


def test_an_mvp_without_reviews_is_redesign_and_says_how_to_get_them() -> None:
    v = judge("p", _tally(), PocPolicy(BARS, phase="mvp"))
    assert (v.verdict, v.requires, v.missing) == (Verdict.REDESIGN, ("review",), ("review",))
    assert v.texts[-1] == (
        "required evidence for the MVP phase is missing: the human correction rate — no "
        "review of this PoC states how much correction an answer needs; draw a sample "
        "(evalkit review sample), fill in its correction column and import it (evalkit review "
        "import) (what the MVP phase requires by default; a suite's requires: changes the list)"
    )
    reviewed = judge("p", _reviewed(), PocPolicy(BARS, phase="mvp"))
    assert (reviewed.verdict, reviewed.missing) == (Verdict.CONTINUE, ())


def test_production_also_requires_latency_and_cost_bars_and_names_what_to_set() -> None:
    v = judge("p", _reviewed(), PocPolicy(BARS, phase="production"))
    assert v.verdict is Verdict.REDESIGN and v.missing == ("latency", "cost")
    assert "a latency bar — set scorers.latency.max_s and thresholds.latency" in v.texts[-2]
    assert v.texts[-1].endswith(
        "a cost bar — set pricing, scorers.cost.max_usd and thresholds.cost"
    )
    # Never a stop: missing evidence is a redesign whatever else holds.
    assert judge("p", PocTally(), PocPolicy(BARS, phase="production")).verdict is Verdict.REDESIGN


def test_a_suites_requires_replaces_the_phase_list() -> None:
    nothing = judge("p", _tally(), PocPolicy(BARS, phase="production", requires=()))
    assert nothing.verdict is Verdict.CONTINUE
    own = judge("p", _tally(), PocPolicy(BARS, phase="poc", requires=("accuracy", "budget")))
    assert own.missing == ("budget",) and own.verdict is Verdict.REDESIGN
    assert own.texts[-1] == (
        "required evidence for the PoC phase is missing: a monthly budget — set volume: "
        "{per_month: N} and budget_per_month to judge the projected monthly cost (named in the "
        "suites' requires:)"
    )
    hall = judge("p", _tally(), PocPolicy(BARS, requires=("hallucination",)))
    assert hall.texts[-1].startswith(
        "required evidence for the PoC phase is missing: a hallucination bar — set "
        "thresholds.hallucination (tolerable and stop)"
    )


def _mvp_result(tmp: Path) -> Path:
    """An MVP suite whose 40 cases all pass accuracy: only the reviews are missing."""
    (tmp / "r.jsonl").write_text(
        "".join(json.dumps({"case": f"c{i:02d}", "output": "yes"}) + "\n" for i in range(40))
    )
    suite = {
        "suite": "s",
        "poc": "p",
        "phase": "mvp",
        "prompt": {"template": "{{q}}"},
        "client": "replay:r.jsonl",
        "scorers": {"accuracy": {"method": "exact"}},
        "thresholds": {"accuracy": {"tolerable": 0.1, "stop": 0.5}},
        "cases": [
            {"id": f"c{i:02d}", "vars": {"q": f"q{i}"}, "reference": "yes"} for i in range(40)
        ],
    }
    (tmp / "s.json").write_text(json.dumps(suite))
    r = evalkit("run", str(tmp / "s.json"), "--out", str(tmp / "res"), "--no-progress")
    assert r.returncode == 10, r.stdout + r.stderr
    assert "required evidence for the MVP phase is missing" in r.stdout
    return tmp / "res"


def _review(case: str, correction: str | None) -> dict:
    return {
        "suite": "s",
        "case": case,
        "outputs_sha256": outputs_sha256(["yes"]),
        "reviewer": "kato",
        "imported_at": "2026-01-01T00:00:00+00:00",
        "source": "sheet.csv:2",
        "labels": {"accuracy": "pass"},
        "usable": "yes",
        "correction": correction,
        "risk": None,
        "comment": "",
    }


def test_imported_reviews_that_state_a_correction_satisfy_the_mvp(tmp_path: Path) -> None:
    res = _mvp_result(tmp_path)
    summary = json.loads((res / "summary.json").read_text())
    assert summary["pocs"]["p"]["evidence"] == {"requires": ["review"], "missing": ["review"]}
    rows = [json.loads(line) for line in (res / "cases.jsonl").read_text().splitlines()]
    # Reviews that leave the correction column blank do not measure the correction rate.
    blank = apply_reviews(summary, rows, [_review("c00", None)]).summary["pocs"]["p"]
    assert blank["verdict"] == "redesign" and blank["evidence"]["missing"] == ["review"]
    done = apply_reviews(summary, rows, [_review("c00", "none"), _review("c01", "minor")])
    poc = done.summary["pocs"]["p"]
    assert poc["evidence"]["missing"] == []
    # (Two reviews leave the corrected accuracy interval wide: that reason stays, on its own.)
    assert not any("required evidence" in r for r in poc["reasons"])
    assert not any("human correction rate" in u for u in poc["unsettled"])
