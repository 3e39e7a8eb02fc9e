"""The monthly cost projection (evalkit.verdict.projection) and how a budget enters the verdict."""

from __future__ import annotations

import json
import math
from html import escape as html_escape
from pathlib import Path

import pytest
from cli_runner import evalkit
from hypothesis import given
from hypothesis import strategies as st

from evalkit._i18n import cost_line
from evalkit.report.html import build_html
from evalkit.report.markdown import render_summary as render_markdown
from evalkit.results.reader import load_summary
from evalkit.testing.testserver import running_server
from evalkit.values import Bar, Threshold, Verdict
from evalkit.verdict.aggregate import Aggregator, aggregator_add_json, aggregator_to_json
from evalkit.verdict.projection import CostSums, project, projection_document
from evalkit.verdict.rules import PocPolicy, judge
from evalkit.verdict.stats import t_value

# Hand-computed example used by several tests below. Four priced cases costing 0.001,
# 0.002, 0.003 and 0.004 USD per answer, 10,000 answers a month, 95%:
#   mean m = 0.010 / 4 = 0.0025            → monthly = 10,000 × 0.0025 = 25.00
#   s² = ((−0.0015)² + (−0.0005)² + 0.0005² + 0.0015²) / 3 = 5e-6 / 3 → s = 0.00129099
#   t(0.975, df 3) = 3.182446 (printed t tables)
#   half-width = 3.182446 × 0.00129099 × 10,000 × √(1/4 + 1/10,000)
#              = 41.08507 × 0.5001000 = 20.54671
#   interval = [25 − 20.54671, 25 + 20.54671] = [4.45329, 45.54671]
# Budget 40 straddles it; with m priced cases the half-width would be
#   m = 5: 2.776445 × 12.9099 × √(0.2001) = 16.03 > 15 (the gap 40 − 25)
#   m = 6: 2.570582 × 12.9099 × √(0.16677) = 13.55 ≤ 15  → 6 cases would settle it.
COSTS = (0.001, 0.002, 0.003, 0.004)
LO, HI = 4.45329, 45.54671


def _sums(costs=COSTS) -> CostSums:
    sums = CostSums()
    for c in costs:
        sums.add(c)
    return sums


def test_t_quantiles_match_printed_tables() -> None:
    for df, expected in [(1, 12.706205), (2, 4.302653), (3, 3.182446), (9, 2.262157)]:
        assert t_value(0.95, df) == pytest.approx(expected, abs=1e-6)
    assert t_value(0.99, 4) == pytest.approx(4.604095, abs=1e-6)
    assert t_value(0.90, 10) == pytest.approx(1.812461, abs=1e-6)
    # Either side of the switch to the series, and far out: continuous, towards z.
    assert t_value(0.95, 300) == pytest.approx(1.967903, abs=1e-6)
    assert t_value(0.95, 301) == pytest.approx(1.967877, abs=1e-6)
    assert t_value(0.95, 1000) == pytest.approx(1.962339, abs=1e-6)


def test_projection_matches_the_hand_computed_example() -> None:
    p = project(_sums(), unpriced=1, per_month=10_000, currency="USD")
    assert p.per_answer == pytest.approx(0.0025)
    assert p.monthly == pytest.approx(25.0)
    assert p.ci == pytest.approx((LO, HI), abs=1e-5)
    assert (p.priced, p.unpriced, p.status, p.budget) == (4, 1, "unjudged", None)


def test_budget_above_the_interval_passes_straddled_is_a_miss_with_cases_needed_below_is_over() -> (
    None
):
    within = project(_sums(), 0, 10_000, "USD", budget=50)
    assert (within.status, within.over, within.needed) == ("pass", False, None)
    straddled = project(_sums(), 0, 10_000, "USD", budget=40)
    assert (straddled.status, straddled.over, straddled.needed) == ("miss", False, 6)
    over = project(_sums(), 0, 10_000, "USD", budget=4)
    assert (over.status, over.over, over.needed) == ("miss", True, None)
    # The edges: a budget equal to the upper end passes; one equal to the lower end is
    # not confidently exceeded.
    assert project(_sums(), 0, 10_000, "USD", budget=HI + 1e-6).status == "pass"
    assert project(_sums(), 0, 10_000, "USD", budget=LO + 1e-6).over is False


def test_nothing_priced_or_one_case_gives_no_interval_and_no_invented_cost() -> None:
    none = project(CostSums(), unpriced=31, per_month=4000, currency="JPY", budget=20000)
    assert (none.monthly, none.ci, none.status, none.unpriced) == (None, None, "unjudged", 31)
    one = project(_sums((0.5,)), 0, 4000, "JPY", budget=20000)
    assert (one.monthly, one.ci, one.status) == (2000.0, None, "unjudged")


def test_a_cases_cost_is_divided_by_its_calls_and_errored_cases_are_left_out() -> None:
    agg = Aggregator()
    rows = [
        {"outputs": ["a", "b"], "cost": {"amount": 0.004, "currency": "USD"}},  # 2 samples
        {"outputs": ["a"], "cost": {"amount": 0.001, "currency": "USD"}},
        {"outputs": ["a"]},  # replayed: no token usage, no cost
        {"outputs": [None], "error": "timeout", "cost": {"amount": 0.5, "currency": "USD"}},
    ]
    for i, row in enumerate(rows):
        agg.add_row({"suite": "s", "poc": "p", "case": f"c{i}", "scores": {}, **row})
    sums = agg.pocs["p"].costs["USD"]
    assert (sums.n, sums.total) == (2, pytest.approx(0.003))  # 0.004/2 + 0.001
    v = judge("p", agg.pocs["p"], PocPolicy({}, volume_per_month=1000, currency="USD"))
    assert v.projection is not None and v.projection.unpriced == 1  # the replayed case
    # Counts written by one worker and added in another give the same sums.
    other = Aggregator()
    aggregator_add_json(other, aggregator_to_json(agg))
    assert other.pocs["p"].costs["USD"] == sums


def _policy(budget: float | None, **kw) -> PocPolicy:
    return PocPolicy(
        {"accuracy": Threshold(Bar(0.10, 0.40))},
        volume_per_month=10_000,
        budget_per_month=budget,
        currency="USD",
        **kw,
    )


def _tally():
    agg = Aggregator()
    for i in range(50):
        agg.add(
            poc="p",
            suite="s",
            case_id=f"c{i}",
            tags=(),
            critical=False,
            errored=False,
            passed={"accuracy": True},
        )
    for c in COSTS:
        agg.add_cost("p", "USD", c, 1)
    return agg.pocs["p"]


def test_a_budget_the_projection_exceeds_or_straddles_keeps_the_verdict_from_continue() -> None:
    assert judge("p", _tally(), _policy(None)).verdict is Verdict.CONTINUE
    within = judge("p", _tally(), _policy(50))
    assert within.verdict is Verdict.CONTINUE
    assert within.texts[-1] == (
        "monthly cost: projected 25.00 USD for 10,000 answers a month (95% interval "
        "4.45 USD–45.55 USD, from 4 cases with a known cost), within the budget 50.00 USD even "
        "at the interval's upper end"
    )
    over = judge("p", _tally(), _policy(4))
    assert over.verdict is Verdict.REDESIGN  # never a stop: cost is redesigned, not fatal
    assert "over the budget 4.00 USD (the whole interval is above it)" in over.texts[-1]
    straddled = judge("p", _tally(), _policy(40))
    assert straddled.verdict is Verdict.REDESIGN
    assert straddled.texts[-1].endswith(
        "straddles the budget 40.00 USD — not yet confirmed: about 6 cases with a known cost "
        "in total would settle it"
    )
    nothing = judge("p", _tally().__class__(cases=50), _policy(50))
    assert nothing.verdict is Verdict.REDESIGN
    assert "not projected — none of the 50 cases has a known cost" in nothing.texts[-1]


def test_the_one_line_summary_reads_the_summary_block() -> None:
    doc = projection_document(project(_sums(), 1, 10_000, "USD", budget=40))
    assert cost_line(doc) == (
        "Monthly cost: 25.00 USD projected for 10,000 answers (95% interval 4.45 USD–45.55 USD; "
        "0.0025 USD per answer from 4 of 5 cases with a known cost), straddling the budget "
        "40.00 USD (not yet confirmed)"
    )
    unmeasured = projection_document(project(CostSums(), 31, 4000, "JPY", budget=20000))
    assert cost_line(unmeasured) == (
        "Monthly cost: not projected for 4,000 answers — none of the 31 cases has a known cost "
        "(no token usage was reported, as replayed outputs never do); the budget 20,000 JPY is "
        "unchecked"
    )


costs = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=2, max_size=40)


@given(costs, st.floats(1.0, 1e7), st.floats(0.0, 1e6))
def test_the_interval_holds_the_projection_and_a_bigger_budget_never_reads_worse(
    values, per_month, budget
) -> None:
    p = project(_sums(values), 0, per_month, "USD", budget=budget)
    assert p.ci is not None and p.monthly is not None
    assert 0 <= p.ci[0] <= p.monthly + 1e-9 * max(1.0, p.monthly) and p.monthly <= p.ci[1]
    assert p.status == ("pass" if p.ci[1] <= budget else "miss")
    assert p.over == (p.ci[0] > budget)
    rank = {"miss": 0, "pass": 1}
    bigger = project(_sums(values), 0, per_month, "USD", budget=budget * 2 + 1)
    assert rank[bigger.status] >= rank[p.status] and (bigger.over <= p.over)
    if p.needed is not None:  # that many cases at the same mean and spread settle it
        assert p.needed > len(values)
        assert math.isfinite(p.needed)


def _live_suite(folder: Path) -> Path:
    """12 cases of growing length (so their costs differ), two samples each, priced in yen."""
    cases = "\n".join(
        f"  - id: c{i:02d}\n    vars: {{q: '{' '.join(['word'] * (5 + 7 * i))}'}}\n"
        "    reference: word"
        for i in range(12)
    )
    path = folder / "s.yaml"
    path.write_text(
        "suite: s\npoc: p\nprompt: {template: 'Q: {{q}}'}\nsamples: 2\n"
        "pricing: {input_per_million: 2000, output_per_million: 8000, currency: JPY}\n"
        "volume: {per_month: 20000}\nbudget_per_month: 9000\n"
        "scorers: {accuracy: {method: contains}}\n"
        "thresholds:\n  accuracy: {tolerable: 0.1, stop: 0.4}\n"
        f"cases:\n{cases}\n",
        encoding="utf-8",
    )
    return path


def test_a_live_run_projects_its_cost_and_shards_merge_to_the_same_projection(
    tmp_path: Path,
) -> None:
    suite = _live_suite(tmp_path)
    with running_server(echo_prefix="") as url:
        base = ("--client", "openai:m", "--base-url", url, "--no-progress")
        r = evalkit("run", str(suite), "--out", "whole", *base, cwd=tmp_path)
        assert r.returncode == 10, r.stderr
        for i in (1, 2):
            s = evalkit(
                "run", str(suite), "--out", f"sh{i}", "--shard", f"{i}/2", *base, cwd=tmp_path
            )
            assert s.returncode in (0, 10), s.stderr
    assert evalkit("merge", "sh1", "sh2", "--out", "merged", cwd=tmp_path).returncode == 10
    whole = load_summary(tmp_path / "whole")  # schema-checked
    block = whole["pocs"]["p"]["cost_projection"]
    # The echo server counts words as tokens; every case costs what its two calls cost.
    rows = [json.loads(x) for x in (tmp_path / "whole" / "cases.jsonl").read_text().splitlines()]
    per_answer = [row["cost"]["amount"] / len(row["outputs"]) for row in rows]
    assert block["priced_cases"] == 12 and block["per_answer"] == pytest.approx(
        sum(per_answer) / 12, rel=1e-6
    )
    assert block["monthly"] == pytest.approx(20000 * block["per_answer"], rel=1e-6)
    assert block["status"] == "miss" and block["over_budget"] is False  # straddles 9,000 yen
    merged = load_summary(tmp_path / "merged")["pocs"]["p"]["cost_projection"]
    assert merged == block
    line = cost_line(block)
    assert line.startswith("Monthly cost: ") and "straddling the budget 9,000 JPY" in line
    assert f"  {line}" in r.stdout
    assert line in render_markdown(whole)
    assert f'<p class="cost-projection">{html_escape(line)}</p>' in build_html(tmp_path / "whole")
