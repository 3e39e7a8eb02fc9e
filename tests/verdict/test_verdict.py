"""The verdict rules of DESIGN.md."""

from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.values import Bar, Status, Threshold, Verdict
from evalkit.verdict.aggregate import Aggregator, PocTally, Tally
from evalkit.verdict.rules import PocPolicy, assess, judge
from evalkit.verdict.stats import wilson

BAR = Bar(tolerable=0.10, stop=0.40)


def tally_of(
    n,
    *,
    errored=lambda i: False,
    critical=lambda i: False,
    ok=lambda i: True,
    tags=lambda i: (),
    metric="accuracy",
):
    """A PoC's counts over `n` cases whose properties are functions of the case index."""
    agg = Aggregator()
    for i in range(n):
        agg.add(
            poc="p",
            suite="s",
            case_id=f"c{i}",
            tags=tags(i),
            critical=critical(i),
            errored=errored(i),
            passed={metric: ok(i)},
        )
    return agg.pocs["p"]


def tally_with(failures: int, total: int, metric: str = "accuracy") -> PocTally:
    """`failures` failing cases out of `total`."""
    return tally_of(total, ok=lambda i: i >= failures, metric=metric)


def policy(**thresholds: Threshold) -> PocPolicy:
    return PocPolicy(thresholds=thresholds or {"accuracy": Threshold(BAR)})


def test_metric_passes_only_when_the_interval_upper_bound_is_within_tolerable():
    assert assess("accuracy", Tally(0, 40), BAR, 0.95).status is Status.PASS
    assert assess("accuracy", Tally(0, 20), BAR, 0.95).status is Status.MISS


def test_metric_is_stop_level_only_when_the_lower_bound_exceeds_stop():
    assert assess("accuracy", Tally(30, 50), BAR, 0.95).status is Status.STOP
    assert assess("accuracy", Tally(5, 10), BAR, 0.95).status is Status.MISS


def test_continue_when_every_metric_passes():
    v = judge("p", tally_with(0, 50), policy())
    assert v.verdict is Verdict.CONTINUE
    assert "within the tolerable 10.0%" in v.texts[0]


def test_thin_evidence_is_redesign_and_says_how_many_cases_are_needed():
    v = judge("p", tally_with(0, 20), policy())
    assert v.verdict is Verdict.REDESIGN
    assert "not enough evidence" in v.texts[0]
    assert "about 35 cases in total would be needed" in v.texts[0]


def test_stop_when_a_metric_is_confidently_beyond_stop_and_reason_names_rate_interval_and_bar():
    v = judge("p", tally_with(30, 50), policy())
    assert v.verdict is Verdict.STOP
    assert v.texts[0].startswith("accuracy: 60.0% of cases failed (30/50, 95% CI")
    assert "stop limit 40.0%" in v.texts[0]


def test_per_tag_bar_can_fail_a_metric_that_passes_overall():
    tally = tally_of(100, ok=lambda i: i >= 3, tags=lambda i: ("billing",) if i < 10 else ())
    thr = Threshold(Bar(0.10, 0.40), by_tag={"billing": Bar(0.02, 0.10)})
    v = judge("p", tally, policy(accuracy=thr))
    assert v.metrics["accuracy"].status is Status.PASS
    assert v.by_tag["accuracy"]["billing"].status is Status.STOP
    assert v.verdict is Verdict.STOP
    assert any(r.startswith("accuracy[billing]") for r in v.texts)


def test_metric_without_threshold_is_reported_but_does_not_decide():
    t = tally_with(0, 50)
    for _i in range(50):
        t.metrics.setdefault("consistency", Tally()).add(False)
    v = judge("p", t, policy())
    assert v.metrics["consistency"].status is Status.UNJUDGED
    assert v.verdict is Verdict.CONTINUE


def test_failed_critical_case_is_redesign_by_default_and_stop_when_suite_says_so():
    tally = tally_of(60, critical=lambda i: i == 0, ok=lambda i: i != 0)
    assert judge("p", tally, policy()).verdict is Verdict.REDESIGN
    stopping = PocPolicy(
        thresholds={"accuracy": Threshold(BAR)}, critical_stop_suites=frozenset({"s"})
    )
    v = judge("p", tally, stopping)
    assert v.verdict is Verdict.STOP
    assert "s/c0: accuracy" in v.texts[0]


def test_client_errors_beyond_the_budget_rule_out_continue():
    tally = tally_of(60, errored=lambda i: i < 6)
    v = judge("p", tally, policy())
    assert v.verdict is Verdict.REDESIGN
    assert v.texts[0].startswith("client errors: 6 of 60 cases (10.0%)")
    assert v.metrics["accuracy"].total == 54  # errored cases are not scored


def test_errors_within_budget_are_reported_but_allow_continue():
    tally = tally_of(100, errored=lambda i: i < 2)
    v = judge("p", tally, policy())
    assert v.verdict is Verdict.CONTINUE
    assert any("within the error budget" in r for r in v.texts)


def test_no_thresholds_is_never_continue():
    v = judge("p", tally_with(0, 100), PocPolicy(thresholds={}))
    assert v.verdict is Verdict.REDESIGN


@settings(max_examples=300, deadline=None)
@given(
    total=st.integers(1, 300),
    a=st.integers(0, 300),
    b=st.integers(0, 300),
    tolerable=st.floats(0.01, 0.5),
    gap=st.floats(0.0, 0.5),
)
def test_verdict_is_monotone_in_failure_count(total, a, b, tolerable, gap):
    lo_f, hi_f = sorted((min(a, total), min(b, total)))
    pol = PocPolicy(thresholds={"accuracy": Threshold(Bar(tolerable, min(1.0, tolerable + gap)))})
    better = judge("p", tally_with(lo_f, total), pol).verdict
    worse = judge("p", tally_with(hi_f, total), pol).verdict
    assert better.severity <= worse.severity


@settings(max_examples=300, deadline=None)
@given(total=st.integers(1, 300), f=st.integers(0, 300), tolerable=st.floats(0.01, 0.5))
def test_never_continue_when_the_interval_crosses_the_bar(total, f, tolerable):
    f = min(f, total)
    pol = PocPolicy(thresholds={"accuracy": Threshold(Bar(tolerable, min(1.0, tolerable * 2)))})
    v = judge("p", tally_with(f, total), pol)
    if wilson(f, total)[1] > tolerable:
        assert v.verdict is not Verdict.CONTINUE
    else:
        assert v.verdict is Verdict.CONTINUE


@given(
    st.lists(st.tuples(st.booleans(), st.booleans(), st.sampled_from(["x", "y"])), max_size=60),
    st.randoms(),
)
def test_aggregation_is_order_independent(rows, rnd):
    def build(order):
        agg = Aggregator()
        for i in order:
            ok, err, tag = rows[i]
            agg.add(
                poc="p",
                suite="s",
                case_id=f"c{i}",
                tags=(tag,),
                critical=i % 5 == 0,
                errored=err,
                passed={"accuracy": ok},
            )
        return agg.pocs.get("p")

    order = list(range(len(rows)))
    first = build(order)
    rnd.shuffle(order)
    second = build(order)
    if first is None:
        assert second is None
        return
    assert (
        first.metrics == second.metrics
        and first.tags == second.tags
        and first.errors == second.errors
    )
    assert sorted(first.critical_failed) == sorted(second.critical_failed)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["p", "q"]),
            st.sampled_from(["s", "t"]),
            st.booleans(),  # errored
            st.booleans(),  # critical
            st.lists(st.sampled_from(["x", "y"]), max_size=2),
            st.dictionaries(st.sampled_from(["accuracy", "hallucination"]), st.booleans()),
        ),
        max_size=40,
    )
)
def test_counting_a_result_equals_counting_its_fields(cases):
    """`add_result`'s shortcut for the usual case counts exactly what `add` counts."""
    from evalkit.values import CaseResult, Score

    by_result, by_fields = Aggregator(), Aggregator()
    for i, (poc, suite, errored, critical, tags, passed) in enumerate(cases):
        scores = {} if errored else {m: Score(ok, float(ok), "") for m, ok in passed.items()}
        by_result.add_result(
            CaseResult(
                suite,
                poc,
                f"c{i}",
                tuple(tags),
                critical,
                ("o",),
                ("sample 0",),
                scores,
                "boom" if errored else None,
            )
        )
        by_fields.add(
            poc=poc,
            suite=suite,
            case_id=f"c{i}",
            tags=tags,
            critical=critical,
            errored=errored,
            passed={} if errored else passed,
        )
    assert by_result.pocs == by_fields.pocs
