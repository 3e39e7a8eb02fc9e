"""The unsettled list: what the next phase needs that a run did not measure or settle,
derived from the summary's own facts, in summary.json, the terminal and the reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli_runner import ROOT, evalkit

from evalkit.cli._table import render_summary
from evalkit.report.html import _poc_section
from evalkit.report.markdown import render_summary as markdown
from evalkit.verdict.unsettled import unsettled, unsettled_texts


def _block(failures: int, total: int, ci: list[float], status: str, **extra: Any) -> dict:
    return {
        "failures": failures,
        "total": total,
        "rate": failures / total if total else None,
        "ci": ci if total else None,
        "tolerable": 0.1,
        "stop": 0.4,
        "status": status,
        **extra,
    }


def _projection(**extra: Any) -> dict[str, Any]:
    """A monthly cost projection confirmed within its budget (nothing left open)."""
    block = {
        "currency": "USD",
        "per_month": 10000,
        "priced_cases": 40,
        "unpriced_cases": 0,
        "per_answer": 0.0025,
        "monthly": 25.0,
        "ci": [20.0, 30.0],
        "confidence": 0.95,
        "budget_per_month": 50.0,
        "status": "pass",
        "over_budget": False,
    }
    block.update(extra)
    return block


def _poc(**extra: Any) -> dict[str, Any]:
    poc: dict[str, Any] = {
        "verdict": "continue",
        "reasons": ["r"],
        "cases": 100,
        "errors": {"count": 0, "rate": 0.0, "budget": 0.05, "within": True},
        "metrics": {
            "accuracy": _block(2, 100, [0.005, 0.07], "pass"),
            "latency": _block(1, 100, [0.0, 0.05], "pass"),
            "cost": _block(0, 100, [0.0, 0.04], "pass"),
        },
        "review": {"cases": 10},
        "cost_projection": _projection(),
    }
    poc.update(extra)
    return poc


def _keys(poc: dict[str, Any], summary: dict[str, Any] | None = None) -> list[str]:
    return [u.key for u in unsettled(poc, summary or {"pocs": {"p": poc}})]


def test_a_run_with_every_bar_measured_and_reviewed_leaves_nothing_unsettled() -> None:
    assert _keys(_poc()) == []


def test_missing_latency_and_cost_bars_are_unsettled() -> None:
    poc = _poc()
    del poc["metrics"]["latency"], poc["metrics"]["cost"]
    assert _keys(poc) == ["no_latency_bar", "no_cost_bar"]


def test_a_latency_bar_on_replayed_outputs_is_not_measured_not_invented() -> None:
    poc = _poc()
    poc["metrics"]["latency"] = _block(0, 0, [], "unjudged")
    poc["metrics"]["cost"] = _block(0, 0, [], "unjudged")
    assert _keys(poc) == ["latency_unmeasured", "cost_unmeasured"]
    assert (
        "replayed or cached outputs carry no response time"
        in unsettled_texts(poc, {"pocs": {"p": poc}})[0]
    )


def test_no_review_blocks_means_the_human_layer_is_unsettled() -> None:
    poc = _poc()
    del poc["review"]
    assert _keys(poc) == ["no_reviews"]
    poc["metrics"]["accuracy"]["review"] = {"reviewed": 5}
    assert _keys(poc) == []


def test_an_interval_straddling_a_bar_is_not_enough_evidence_with_cases_needed() -> None:
    poc = _poc()
    poc["metrics"]["accuracy"] = _block(
        5, 100, [0.02, 0.11], "miss", needed=180, by_tag={"x": _block(3, 8, [0.14, 0.69], "miss")}
    )
    text = unsettled_texts(poc, {"pocs": {"p": poc}})
    assert text == [
        "accuracy: not enough evidence — its interval 2.0%–11.0% straddles the tolerable 10.0%; "
        "about 180 cases in total would settle it",
        "accuracy[x]: not enough evidence — its interval 14.0%–69.0% straddles the stop 40.0%",
    ]


def test_a_miss_between_the_bars_is_settled() -> None:
    poc = _poc()
    poc["metrics"]["accuracy"] = _block(20, 100, [0.13, 0.29], "miss")
    assert _keys(poc) == []


def test_error_budget_used_up_and_stale_recordings_are_unsettled() -> None:
    poc = _poc(errors={"count": 9, "rate": 0.09, "budget": 0.05, "within": False})
    summary = {"pocs": {"p": poc}, "run": {"errors": {"stale-recording": 9}}}
    assert _keys(poc, summary) == ["error_budget", "stale"]
    assert (
        "9 of 100 cases (9.0%) got no output, over the error budget of 5.0%"
        in (unsettled_texts(poc, summary)[0])
    )


def test_a_partial_merge_and_a_lone_shard_are_unsettled() -> None:
    poc = _poc(reasons=["PARTIAL: merged only shard 1/2 (50 cases); ..."])
    assert _keys(poc) == ["partial_merge"]
    alone = _poc()
    shard = {"pocs": {"p": alone}, "provenance": {"options": {"shard": "1/2"}}}
    assert _keys(alone, shard) == ["shard"]


def test_terminal_markdown_and_html_list_it_after_the_reasons() -> None:
    poc = _poc()
    del poc["review"]
    summary = {"schema_version": 1, "verdict": "continue", "pocs": {"p": poc}}
    terminal = render_summary(summary, colour=False)
    assert terminal.index("reasons:") < terminal.index("unsettled for the next phase:")
    assert "   - human review: none" in terminal
    text = markdown(summary)
    assert text.index("- r") < text.index("**Unsettled for the next phase:**")
    assert "- human review: none" in text
    html = _poc_section("p", poc, summary)
    assert '<ul class="unsettled"><li>human review: none' in html


def test_run_writes_the_list_into_summary_json(tmp_path: Path) -> None:
    r = evalkit("run", str(ROOT / "suites"), "--out", str(tmp_path / "r"), "--exit-zero")
    assert r.returncode == 0, r.stderr
    pocs = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))["pocs"]
    hr = pocs["社内規程QA"]["unsettled"]
    # A production service: what its phase requires comes first, then its unchecked budget.
    assert hr[:4] == [
        "human correction rate: required for the production phase but not measured — review "
        "a sample (evalkit review sample) and fill in its correction column",
        "latency: required for the production phase but no bar is set — set "
        "scorers.latency.max_s and thresholds.latency and run against the live model",
        "cost: required for the production phase but no bar is set — set pricing, "
        "scorers.cost.max_usd and thresholds.cost",
        "monthly cost: not projected — no case has a known cost (no token usage was reported, "
        "as replayed outputs never do); run against the live model",
    ]
    # A PoC requires none of it: the same gaps read as plain open points.
    assert pocs["support-bot"]["unsettled"][:4] == [
        "latency: no bar — set scorers.latency.max_s and thresholds.latency and run against "
        "the live model to judge response time",
        "cost: no bar — set pricing, scorers.cost.max_usd and thresholds.cost to judge the "
        "cost per case",
        "monthly cost: no projection — set volume: {per_month: N} with pricing (and "
        "budget_per_month) to project what the feature costs a month",
        "human review: none — how often a person must correct the answers is unmeasured; "
        "draw a sample with evalkit review sample",
    ]
    assert any(u.startswith("accuracy[経費]: not enough evidence") for u in hr)
    assert "unsettled for the next phase:" in r.stdout


def test_a_projection_straddling_its_budget_is_unsettled_with_the_cases_that_would_settle_it() -> (
    None
):
    poc = _poc(cost_projection=_projection(status="miss", ci=[20.0, 60.0], needed=130))
    assert unsettled_texts(poc, {"pocs": {"p": poc}}) == [
        "monthly cost: its interval 20.00 USD–60.00 USD straddles the budget 50.00 USD; about "
        "130 cases with a known cost in total would settle it"
    ]
    over = _poc(cost_projection=_projection(status="miss", ci=[55.0, 60.0], over_budget=True))
    assert _keys(over) == []  # over the budget is settled: a miss, not an open point


def test_a_projection_without_priced_cases_or_budget_is_unsettled() -> None:
    none = _projection(monthly=None, ci=None, per_answer=None, priced_cases=0, status="unjudged")
    assert _keys(_poc(cost_projection=none)) == ["projection_unmeasured"]
    single = _projection(ci=None, priced_cases=1, status="unjudged")
    assert _keys(_poc(cost_projection=single)) == ["projection_single"]
    free = _projection(budget_per_month=None, status="unjudged")
    assert unsettled_texts(_poc(cost_projection=free), {}) == [
        "monthly cost: projected 25.00 USD, but no budget_per_month to judge it against"
    ]
    assert _keys(_poc(cost_projection=None)) == ["no_volume"]


def test_missing_required_evidence_is_unsettled_in_the_phase_words_instead_of_the_plain_gap() -> (
    None
):
    poc = _poc(phase="mvp", evidence={"requires": ["review", "budget"], "missing": ["review"]})
    del poc["review"], poc["metrics"]["latency"]
    keys = _keys(poc)
    assert keys == ["required_review", "no_latency_bar"]  # not also "no_reviews"
    assert unsettled_texts(poc, {})[0].startswith(
        "human correction rate: required for the MVP phase but not measured"
    )
    poc["evidence"]["missing"] = ["budget", "accuracy"]
    assert unsettled_texts(poc, {})[:2] == [
        "monthly budget: required for the MVP phase but not set — set volume and budget_per_month",
        "accuracy: required for the MVP phase but no bar is set — set thresholds.accuracy",
    ]
