"""The long-answer risk model: its shipped weights are what its fitting script gives on
the dev sets (so the docstring's "how it was fitted" stays true), and the risk it gives
rises with what an answer leaves unstated."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from infra import missing_infrastructure

from evalkit.scorers import _calibration
from evalkit.scorers._evidence import Support
from evalkit.scorers._language import NAME, NUMBER, WORD, Unit

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"


def _support(*missing: Unit, share: float = 0.2, total: float = 10.0) -> Support:
    return Support(tuple(missing), share, total=total)


def test_risk_rises_with_unstated_numbers_names_and_share() -> None:
    base = _calibration.risk(_support())
    number = _calibration.risk(_support(Unit("n5", "5", NUMBER, 1.0)))
    name = _calibration.risk(_support(Unit("tobias", "Tobias", NAME, 1.0)))
    word = _calibration.risk(_support(Unit("vouchers", "vouchers", WORD, 0.8)))
    assert base < word and base < number and base < name
    assert _calibration.risk(_support(share=0.6)) > _calibration.risk(_support(share=0.1))
    assert 0.0 < base < 1.0


def test_the_shipped_weights_are_what_the_fitting_script_gives() -> None:
    if not (DATA / "ragtruth").exists() or not (DATA / "jhars").exists():
        missing_infrastructure("the dev sets are not present at ../shared/data")
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    try:
        import fit_support
    finally:
        sys.path.pop(0)
    weights, threshold = fit_support.train(fit_support.rows(DATA))
    assert tuple(round(float(w), 4) for w in weights[1:]) == _calibration.WEIGHTS
    assert round(float(weights[0]), 4) == _calibration.INTERCEPT
    assert threshold == _calibration.MAX_RISK


@pytest.mark.parametrize("max_risk", [0.0, 1.0])
def test_max_risk_bounds_are_accepted(max_risk: float) -> None:
    from evalkit.scorers.hallucination import make
    from evalkit.values import ScorerConfig

    assert (
        make(ScorerConfig("hallucination", None, {"max_risk": max_risk})).settings.max_risk
        == max_risk
    )
