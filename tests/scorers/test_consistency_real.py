"""The consistency scorer's figures on real outputs stay at their measured floors
(`tests/benchmarks/consistency_real.py`, README "Consistency"): a change that makes two
faithful answers disagree more often, or lets planted slips through, fails here."""

from __future__ import annotations

import sys
from pathlib import Path

from infra import missing_infrastructure

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"

# Measured 0.130 / 0.164, 0.127 / 0.040, 0.068 / 0.206, 0.200 (room for one or two pairs).
CEILINGS = {
    ("JHARS", "faithful pairs judged inconsistent"): 0.14,
    ("RAGTruth QA", "faithful pairs judged inconsistent"): 0.18,
    ("JHARS", "a changed number missed"): 0.14,
    ("RAGTruth QA", "a changed number missed"): 0.08,
    ("JHARS", "a denied statement missed"): 0.08,
    ("RAGTruth QA", "a denied statement missed"): 0.24,
    ("HaluEval QA", "right vs hallucinated answer missed"): 0.21,
}


def test_consistency_on_real_answers_stays_at_its_measured_floors() -> None:
    if not all((DATA / name).exists() for name in ("jhars", "ragtruth", "halueval-qa")):
        missing_infrastructure("the dev sets are not present at ../shared/data")
    sys.path.insert(0, str(ROOT))
    try:
        from tests.benchmarks.consistency_real import figures
    finally:
        sys.path.pop(0)
    got = figures(DATA)
    assert set(got) == set(CEILINGS)
    over = {key: share for key, (_, share) in got.items() if share > CEILINGS[key]}
    assert not over, over
