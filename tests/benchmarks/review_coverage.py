"""Coverage of the corrected failure-rate interval, by simulation (a script that prints
figures; `tests/review/test_review_correct.py` runs a small fixed-seed version).

Each trial draws N cases from a population with a known true failure rate; a fallible
scorer flags a failing case with probability `sensitivity` and a passing one with
probability `false_alarm`; reviewers label a random `reviews` cases of each automatic
outcome (flagged / not). Over many seeds, it counts how often the corrected 95% interval
(`evalkit.review.correct.corrected_rate`) and the raw scorer's Wilson interval hold the true
rate. A good interval covers it about 95% of the time.

    python tests/benchmarks/review_coverage.py [--trials 1000] [--draws 4000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evalkit.review.correct import Stratum, corrected_rate  # noqa: E402
from evalkit.verdict.stats import wilson  # noqa: E402


@dataclass(frozen=True, slots=True)
class Coverage:
    trials: int
    corrected: float  # share of trials whose corrected interval holds the true rate
    raw: float  # the same for the scorer's own Wilson interval
    corrected_width: float  # mean width
    raw_width: float


def simulate(
    trials: int,
    *,
    true_rate: float = 0.15,
    sensitivity: float = 0.8,
    false_alarm: float = 0.2,
    cases: int = 200,
    reviews: int = 30,
    confidence: float = 0.95,
    draws: int = 4_000,
    seed: int = 0,
) -> Coverage:
    rng = random.Random(seed)
    hit_c = hit_r = 0
    width_c = width_r = 0.0
    for trial in range(trials):
        flagged: list[bool] = []
        unflagged: list[bool] = []
        for _ in range(cases):
            fails = rng.random() < true_rate
            flag = rng.random() < (sensitivity if fails else false_alarm)
            (flagged if flag else unflagged).append(fails)
        strata = []
        for flag, group in ((True, flagged), (False, unflagged)):
            picked = rng.sample(group, min(reviews, len(group)))
            strata.append(Stratum(flag, len(group), len(picked), sum(picked)))
        c = corrected_rate(strata, confidence, draws=draws, seed=trial)
        r = wilson(len(flagged), cases, confidence)
        hit_c += c.ci[0] <= true_rate <= c.ci[1]
        hit_r += r[0] <= true_rate <= r[1]
        width_c += c.ci[1] - c.ci[0]
        width_r += r[1] - r[0]
    return Coverage(trials, hit_c / trials, hit_r / trials, width_c / trials, width_r / trials)


SCENARIOS = {
    # name: (true rate, sensitivity, false-alarm rate, cases, reviews per stratum)
    "flags too much (issue 15's example)": (0.15, 0.8, 0.2, 200, 30),
    "misses failures": (0.20, 0.5, 0.05, 200, 30),
    "rare failures, small review": (0.05, 0.9, 0.1, 300, 20),
    "good scorer": (0.10, 0.95, 0.02, 500, 25),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=4000)
    args = parser.parse_args()
    print(f"{'scenario':40} {'corrected cover':>15} {'width':>7} {'raw cover':>10} {'width':>7}")
    for name, (p, sens, fa, n, k) in SCENARIOS.items():
        start = time.perf_counter()
        c = simulate(
            args.trials,
            true_rate=p,
            sensitivity=sens,
            false_alarm=fa,
            cases=n,
            reviews=k,
            draws=args.draws,
        )
        print(
            f"{name:40} {c.corrected:>15.3f} {c.corrected_width:>7.3f} {c.raw:>10.3f} "
            f"{c.raw_width:>7.3f}   ({time.perf_counter() - start:.1f} s)"
        )
    print(
        f"nominal 0.95, {args.trials} trials each (binomial sd ≈ {(0.95 * 0.05 / args.trials) ** 0.5:.3f})"
    )


if __name__ == "__main__":
    main()
