"""Fit the long-answer risk model (`evalkit/scorers/_calibration.py`) on human labels, and
check it on data it was not fitted on (a script that prints figures, not a test).

    python tests/benchmarks/fit_support.py [--data ../shared/data]

Data: RAGTruth dev and JHARS (`judgement.py`'s loaders and halves: RAGTruth by source,
JHARS by question, so one source's answers stay in one half). Long answers (more than two
sentences or 40 words) give the model's features; short answers keep the scorer's claim
checks, whose decisions count in the figures as they do in the scorer.

Fit: L2-regularised logistic regression (C = 1, intercept not penalised) by iteratively
reweighted least squares, deterministic. Threshold: the one (0.20 … 0.60, step 0.01) that
maximises RAGTruth's response-level F1 while JHARS's false alarms stay at or under 10%.

Prints, side by side on each held-out half: the hand-set bar (support < min_support) and
the model fitted and thresholded on the other half; then the model fitted on both halves,
as a block to paste into `_calibration.py`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import judgement  # noqa: E402


@dataclass(slots=True)
class Row:
    set: str  # "ragtruth" | "jhars"
    half: str  # "even" | "odd"
    label: bool
    long: bool
    x: tuple[float, ...]  # the model's features (long answers)
    support: float  # 1 - unsupported share (long answers)
    short_flag: bool  # the claim checks' decision (short answers)


def rows(data: Path) -> list[Row]:
    from evalkit.scorers._calibration import features
    from evalkit.scorers._evidence import unsupported_units
    from evalkit.scorers._grounding import make_plan
    from evalkit.scorers._language import is_short_answer
    from evalkit.scorers.hallucination import make
    from evalkit.values import ScorerConfig, ScoringInput

    scorer = make(ScorerConfig("hallucination", None, {}))
    out = []
    for name, load, folder in (
        ("ragtruth", judgement.load_ragtruth, data / "ragtruth"),
        ("jhars", judgement.load_jhars, data / "jhars"),
    ):
        suite = judgement._suite(name)
        for half in ("even", "odd"):
            for item in load(folder, half):
                inp = ScoringInput(
                    suite, item.case, (item.output,), ("sample 0",), (0,), ("replay",)
                )
                if is_short_answer(item.output):
                    result = scorer.score(inp)
                    flag = result is not None and not result.passed
                    out.append(Row(name, half, item.hallucinated, False, (), 1.0, flag))
                    continue
                plan = make_plan(inp, ())
                s = unsupported_units(item.output, plan.texts, plan.question_text)
                out.append(
                    Row(name, half, item.hallucinated, True, features(s), 1 - s.share, False)
                )
    return out


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """(intercept, weights…) of the logistic regression (see the module docstring)."""
    x1 = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x1.shape[1])
    penalty = np.diag([0.0] + [l2] * x.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(x1 @ w)))
        grad = x1.T @ (p - y) + penalty @ w
        hess = x1.T @ (x1 * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-12:
            break
    return w


def predict(w: np.ndarray, r: Row, threshold: float) -> bool:
    if not r.long:
        return r.short_flag
    z = w[0] + float(np.dot(w[1:], r.x))
    return 1 / (1 + np.exp(-z)) > threshold


def figures(rs: list[Row], flags: list[bool]) -> tuple[float, float, float]:
    """RAGTruth F1, JHARS false-alarm rate, JHARS recall."""
    rt = [(r.label, f) for r, f in zip(rs, flags, strict=True) if r.set == "ragtruth"]
    tp = sum(y and f for y, f in rt)
    f1 = 2 * tp / max(1, 2 * tp + sum(f and not y for y, f in rt) + sum(y and not f for y, f in rt))
    jh = [(r.label, f) for r, f in zip(rs, flags, strict=True) if r.set == "jhars"]
    fa = sum(f and not y for y, f in jh) / max(1, sum(not y for y, _ in jh))
    recall = sum(f and y for y, f in jh) / max(1, sum(y for y, _ in jh))
    return f1, fa, recall


def pick(w: np.ndarray, rs: list[Row]) -> float:
    best = (-1.0, 0.5)
    for threshold in np.arange(0.20, 0.605, 0.01):
        f1, fa, _ = figures(rs, [predict(w, r, threshold) for r in rs])
        if fa <= 0.10 and f1 > best[0]:
            best = (f1, float(threshold))
    return round(best[1], 2)


def train(rs: list[Row]) -> tuple[np.ndarray, float]:
    long = [r for r in rs if r.long]
    w = fit(np.array([r.x for r in long]), np.array([float(r.label) for r in long]))
    return w, pick(w, rs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args(argv)
    from evalkit.scorers.hallucination import Settings

    min_support = Settings().min_support
    everything = rows(args.data)
    print(f"{'held-out half':<14} {'rule':<34} {'RAGTruth F1':>11} {'JHARS FA':>9} {'JHARS R':>8}")
    for held in ("even", "odd"):
        test = [r for r in everything if r.half == held]
        hand = [r.short_flag if not r.long else r.support < min_support for r in test]
        f1, fa, rec = figures(test, hand)
        print(f"{held:<14} {f'support < {min_support}':<34} {f1:>11.3f} {fa:>9.1%} {rec:>8.2f}")
        w, threshold = train([r for r in everything if r.half != held])
        f1, fa, rec = figures(test, [predict(w, r, threshold) for r in test])
        rule = f"model of the other half, > {threshold}"
        print(f"{held:<14} {rule:<34} {f1:>11.3f} {fa:>9.1%} {rec:>8.2f}")
    w, threshold = train(everything)
    f1, fa, rec = figures(everything, [predict(w, r, threshold) for r in everything])
    print(f"\nfitted on both halves (in-sample: RAGTruth F1 {f1:.3f}, JHARS FA {fa:.1%}):")
    print(f"WEIGHTS = ({', '.join(f'{v:.4f}' for v in w[1:])})")
    print(f"INTERCEPT = {w[0]:.4f}")
    print(f"MAX_RISK = {threshold}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
