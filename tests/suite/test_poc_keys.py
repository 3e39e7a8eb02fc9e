"""PoC-level suite keys (volume, budget_per_month, requires): written once or the same in
every suite of a PoC, with the pricing a projection needs; located errors otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import SuiteError
from evalkit.suite.loader import load_suites
from evalkit.verdict.rules import policies

PRICING = "pricing: {input_per_million: 1, output_per_million: 2, currency: JPY}\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def suite(name: str, extra: str = "", poc: str = "p") -> str:
    return f"suite: {name}\npoc: {poc}\nprompt: {{template: x}}\ncases: [{{id: a}}]\n{extra}"


def problems(*files: tuple[str, str]) -> list:
    for name, text in files:
        Path(name).write_text(text, encoding="utf-8")
    with pytest.raises(SuiteError) as info:
        load_suites([name for name, _ in files])
    return list(info.value.problems)


def test_keys_written_once_apply_to_the_whole_poc() -> None:
    Path("a.yaml").write_text(
        suite("a", PRICING + "volume: {per_month: 4000}\nbudget_per_month: 20000\n")
        + "requires: [review, budget]\n"
    )
    Path("b.yaml").write_text(suite("b", PRICING))
    loaded = load_suites(["a.yaml", "b.yaml"])
    assert loaded.warnings == ()
    policy = policies(loaded.suites)["p"]
    assert (policy.volume_per_month, policy.budget_per_month, policy.currency) == (
        4000,
        20000,
        "JPY",
    )
    assert policy.requires == ("review", "budget")


def test_suites_of_one_poc_that_disagree_name_both_files_and_lines() -> None:
    (p,) = problems(
        ("a.yaml", suite("a", PRICING + "volume: {per_month: 4000}\n")),
        ("b.yaml", suite("b", PRICING + "volume:\n  per_month: 5000\n")),
    )
    assert (p.file, p.line, p.field) == ("b.yaml", 7, "volume.per_month")
    assert p.message == (
        "PoC 'p' is one feature, but this file sets volume.per_month to 5000 and a.yaml:6 sets 4000"
    )
    assert "same value in every suite of the PoC" in p.hint
    (r,) = problems(
        ("a.yaml", suite("a", "requires: [review]\n")),
        ("b.yaml", suite("b", "requires: [review, latency]\n")),
    )
    assert (r.file, r.field) == ("b.yaml", "requires")
    assert "[review, latency]" in r.message and "a.yaml:5 sets [review]" in r.message


def test_a_budget_needs_a_volume_and_a_volume_needs_pricing() -> None:
    (p,) = problems(("a.yaml", suite("a", PRICING + "budget_per_month: 100\n")))
    assert (p.line, p.field) == (6, "budget_per_month")
    assert "no monthly volume" in p.message and "volume: {per_month: N}" in p.hint
    (q,) = problems(("a.yaml", suite("a", "volume: {per_month: 10}\n")))
    assert (q.line, q.field) == (5, "volume")
    assert "needs the model's prices" in q.message and q.hint.startswith("add pricing:")


def test_one_currency_per_projected_poc_and_a_warning_for_an_unpriced_suite() -> None:
    usd = "pricing: {input_per_million: 1, output_per_million: 2}\n"
    (p,) = problems(
        ("a.yaml", suite("a", PRICING + "volume: {per_month: 10}\n")),
        ("b.yaml", suite("b", usd)),
    )
    assert (p.file, p.field) == ("b.yaml", "pricing.currency")
    assert "prices in USD and a.yaml:5 in JPY" in p.message
    Path("a.yaml").write_text(suite("a", PRICING + "volume: {per_month: 10}\n"))
    Path("b.yaml").write_text(suite("b"))
    (w,) = load_suites(["a.yaml", "b.yaml"]).warnings
    assert w.file == "b.yaml" and "add nothing to PoC 'p''s monthly cost projection" in w.message


def test_requires_names_review_budget_or_a_metric_with_a_did_you_mean() -> None:
    (p,) = problems(("a.yaml", suite("a", "requires: [review, latncy]\n")))
    assert (p.line, p.field) == (5, "requires[1]")
    assert p.message == (
        "expected review, budget or a metric name, got 'latncy' (did you mean 'latency'?)"
    )
    (q,) = problems(("a.yaml", suite("a", "requires: review\n")))
    assert q.field == "requires"  # the schema: a list


def test_other_pocs_are_not_bound_by_a_pocs_keys() -> None:
    Path("a.yaml").write_text(suite("a", PRICING + "volume: {per_month: 10}\n", poc="p1"))
    Path("b.yaml").write_text(suite("b", "volume: {per_month: 20}\n" + PRICING, poc="p2"))
    assert len(load_suites(["a.yaml", "b.yaml"]).suites) == 2
