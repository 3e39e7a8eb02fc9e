"""Operational bars: latency, cost and tokens per case, scored at their edges; a replayed
output has no latency (the case is left out, not given an invented time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import evalkit

from evalkit.errors import ConfigProblem
from evalkit.scorers import build_scorer
from evalkit.values import Case, Pricing, Prompt, ScorerConfig, ScoringInput, Suite


def _item(
    latencies: tuple[float | None, ...] = (),
    tokens: tuple[tuple[int | None, int | None], ...] = (),
    sources: tuple[str, ...] = ("live",),
    pricing: Pricing | None = None,
) -> ScoringInput:
    suite = Suite(
        name="s",
        poc="p",
        path=Path("s.yaml"),
        sha256="0",
        prompt=Prompt("{{q}}"),
        cases=(),
        pricing=pricing,
    )
    n = len(sources)
    return ScoringInput(
        suite,
        Case(id="c", vars={"q": "?"}),
        ("x",) * n,
        tuple(f"sample {i}" for i in range(n)),
        (0,) * n,
        sources,  # type: ignore[arg-type]
        {},
        latencies,
        tokens,
    )


def _scorer(metric: str, **params: object):  # type: ignore[no-untyped-def]
    return build_scorer(ScorerConfig(metric, None, params))


@pytest.mark.parametrize(("took", "passed"), [(4.99, True), (5.0, True), (5.01, False)])
def test_latency_at_its_edge(took: float, passed: bool) -> None:
    score = _scorer("latency", max_s=5).score(_item(latencies=(took,)))
    assert score is not None and score.passed is passed


def test_latency_fails_a_case_when_any_response_is_late_by_default() -> None:
    item = _item(latencies=(1.0, 7.5, 2.0), sources=("live", "live", "live"))
    score = _scorer("latency", max_s=5).score(item)
    assert score is not None and not score.passed and "sample 1 7.50 s" in score.reason
    majority = _scorer("latency", max_s=5, samples_rule="majority").score(item)
    assert majority is not None and majority.passed


def test_a_replayed_output_has_no_latency() -> None:
    replayed = _item(latencies=(None,), sources=("replay",))
    assert _scorer("latency", max_s=5).score(replayed) is None
    cached = _item(latencies=(0.001,), sources=("cache",))
    assert _scorer("latency", max_s=5).score(cached) is None


PRICES = Pricing(input_per_million=0.15, output_per_million=0.60)


@pytest.mark.parametrize(
    ("tokens", "passed", "cost"),
    [
        # 1000 in + 500 out = 0.00015 + 0.0003 = 0.00045
        (((1000, 500),), True, 0.00045),
        (((2000, 1000),), True, 0.0009),
        (((2000, 1001),), False, 0.0009006),
    ],
)
def test_cost_per_case_from_the_suites_pricing(
    tokens: tuple[tuple[int, int], ...], passed: bool, cost: float
) -> None:
    score = _scorer("cost", max_usd=0.0009).score(_item(tokens=tokens, pricing=PRICES))
    assert score is not None and score.passed is passed
    assert score.details["cost"] == pytest.approx(cost)


def test_cost_adds_every_sample_of_the_case() -> None:
    item = _item(tokens=((1000, 500), (1000, 500)), sources=("live", "live"), pricing=PRICES)
    score = _scorer("cost", max_usd=1).score(item)
    assert score is not None and score.details["cost"] == pytest.approx(0.0009)


def test_no_reported_tokens_no_cost_and_no_tokens_score() -> None:
    item = _item(tokens=((None, None),), pricing=PRICES)
    assert _scorer("cost", max_usd=1).score(item) is None
    assert _scorer("tokens", max=10).score(item) is None


@pytest.mark.parametrize(("used", "passed"), [((1500, 500), True), ((1500, 501), False)])
def test_tokens_at_its_edge(used: tuple[int, int], passed: bool) -> None:
    score = _scorer("tokens", max=2000).score(_item(tokens=(used,)))
    assert score is not None and score.passed is passed


@pytest.mark.parametrize(
    ("metric", "params"),
    [
        ("latency", {}),
        ("cost", {}),
        ("tokens", {}),
        ("latency", {"max_s": -1}),
        ("cost", {"max_usd": "x"}),
    ],
)
def test_bad_settings_are_config_problems(metric: str, params: dict[str, object]) -> None:
    with pytest.raises(ConfigProblem):
        _scorer(metric, **params)


def test_a_live_run_judges_latency_and_cost_against_their_bars(tmp_path: Path) -> None:
    """Through `evalkit run` against the loopback server (50 ms per request): latency and
    cost land in summary.json as metrics with the usual fields."""
    from evalkit.testing.testserver import running_server

    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    cases = "".join(
        f"  - {{id: c{i}, vars: {{q: question {i}}}, reference: x}}\n" for i in range(4)
    )
    (tmp_path / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: '{{q}}'}\n"
        "pricing: {input_per_million: 0.15, output_per_million: 0.60}\n"
        "scorers:\n  latency: {max_s: 0.02}\n  cost: {max_usd: 1}\n"
        "thresholds:\n  latency: {tolerable: 0.1, stop: 0.5}\n  cost: {tolerable: 0.1, stop: 0.5}\n"
        f"cases:\n{cases}",
        encoding="utf-8",
    )
    with running_server(latency_ms=50) as url:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "evalkit",
                "run",
                "s.yaml",
                "--out",
                "out",
                "--client",
                "openai:m",
                "--base-url",
                str(url),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={**__import__("os").environ, "OPENAI_API_KEY": "k"},
        )
    assert done.returncode in (10, 20), done.stdout + done.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    metrics = summary["pocs"]["p"]["metrics"]
    assert metrics["latency"]["failures"] == 4  # 50 ms > 20 ms: every case is late
    assert metrics["cost"]["failures"] == 0 and metrics["cost"]["total"] == 4


def test_cost_without_pricing_is_a_suite_error(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: '{{q}}'}\nclient: replay:r.jsonl\n"
        "scorers:\n  cost: {max_usd: 0.01}\n"
        "cases:\n  - {id: a, vars: {q: x}}\n",
        encoding="utf-8",
    )
    (tmp_path / "r.jsonl").write_text('{"case": "a", "sample": 0, "output": "x"}\n')
    done = evalkit("validate", "s.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "pricing" in done.stdout + done.stderr
