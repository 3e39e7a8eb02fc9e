"""The consistency scorer on real LLM outputs (a script that prints figures, not a test).

Does the default consistency scorer (`consistency: {}`) call two real answers to one
question equivalent when they are, and different when they are not? Pairs of outputs are
scored as the two samples of one case, the question in its vars:

- **agreement** — two answers that human annotators found faithful to the same source,
  written by different models: JHARS (Japanese, 3 models per question) and RAGTruth QA
  (English, 6 models per question; a pair where one answer declines and the other answers
  is left out: those do disagree). The figure is the share judged *inconsistent*: false
  alarms, since two faithful answers cannot contradict each other on the facts, though
  they may pick different details (answers of one model sampled again vary less than
  answers of different models: an upper bound on the false alarms of real samples);
- **disagreement, real** — HaluEval QA dev: the right answer against the hallucinated
  one written for the same question: the share judged *consistent* is missed;
- **disagreement, planted** — each faithful long answer (JHARS, RAGTruth QA) against
  itself with one slip planted: its first number of two or more digits changed (+1 on
  its first digit run; a list's numbering is left alone), or its first affirmative
  statement denied (`perturbed_replays._deny`). The share judged consistent is missed;
  some plantings deny nothing a reader would mind ("the answer to the question is:" →
  "… is not:", an "is" inside an "until" clause), so the denial figure is not all misses.

    python tests/benchmarks/consistency_real.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import halueval, judgement  # noqa: E402
from tests.benchmarks.perturbed_replays import _deny  # noqa: E402

# A number of two or more digits that is not a list's numbering ("1. ", 「(2)」).
_NUMBER = re.compile(r"(?<![\d,.])\d{2,}(?![\d])")


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def jhars(folder: Path) -> Iterator[tuple[str, list[tuple[str, bool]]]]:
    """(question, [(answer, hallucinated)]) per JHARS question."""
    for row in _jsonl(folder / "annotated_data_strict.jsonl"):
        answers = []
        for value in row.values():
            if isinstance(value, dict):
                sentences = value["annotations"]["aggregated"]["sentence_annotations"]
                bad = any(s["hallucination_type"] != "No_hallucination" for s in sentences)
                answers.append((value["response"], bad))
        yield row["question"], answers


def ragtruth_qa(folder: Path) -> Iterator[tuple[str, list[tuple[str, bool]]]]:
    """(question, [(answer, hallucinated)]) per RAGTruth QA source."""
    questions = {s["source_id"]: s.get("question") for s in _jsonl(folder / "sources.jsonl")}
    by_source: dict[str, list[tuple[str, bool]]] = {}
    for r in _jsonl(folder / "responses.jsonl"):
        if r["task"] == "QA":
            by_source.setdefault(r["source_id"], []).append((r["response"], bool(r["spans"])))
    for source, answers in by_source.items():
        yield questions[source] or "", answers


def _changed_number(text: str) -> str | None:
    m = _NUMBER.search(text)
    if m is None:
        return None
    return text[: m.start()] + str(int(m.group()) + 1) + text[m.end() :]


def figures(data: Path) -> dict[tuple[str, str], tuple[int, float]]:
    """(set, figure) → (pairs, share) for every figure of the module docstring."""
    from evalkit.common.refusal import is_refusal
    from evalkit.scorers import consistency
    from evalkit.scorers._language import is_short_answer
    from evalkit.values import Case, ScorerConfig, ScoringInput

    scorer = consistency.make(ScorerConfig("consistency"))
    suite = judgement._suite("real")

    def consistent(question: str, a: str, b: str) -> bool:
        item = ScoringInput(
            suite,
            Case(id="pair", vars={"question": question}),
            (a, b),
            ("sample 0", "sample 1"),
            (0, 0),
            ("live", "live"),
        )
        result = scorer.score(item)
        assert result is not None
        return result.passed

    counts: Counter[tuple[str, str]] = Counter()
    totals: Counter[tuple[str, str]] = Counter()
    for name, load, folder in (
        ("JHARS", jhars, data / "jhars"),
        ("RAGTruth QA", ragtruth_qa, data / "ragtruth"),
    ):
        for question, answers in load(folder):
            faithful = [a for a, bad in answers if not bad]
            for a, b in itertools.combinations(faithful, 2):
                if is_refusal(a) != is_refusal(b):
                    continue
                totals[(name, FALSE_ALARMS)] += 1
                counts[(name, FALSE_ALARMS)] += not consistent(question, a, b)
            for a in faithful:
                if is_refusal(a) or is_short_answer(a):
                    continue
                for kind, planted in (
                    (NUMBER_MISSED, _changed_number(a)),
                    (DENIAL_MISSED, (_deny(a) or (None,))[0]),
                ):
                    if planted is None:
                        continue
                    totals[(name, kind)] += 1
                    counts[(name, kind)] += consistent(question, a, planted)
    for row in halueval.load(data / "halueval-qa" / "qa-dev.jsonl"):
        key = ("HaluEval QA", HALUEVAL_MISSED)
        totals[key] += 1
        counts[key] += consistent(row["question"], row["right_answer"], row["hallucinated_answer"])
    return {key: (n, counts[key] / n) for key, n in totals.items()}


FALSE_ALARMS = "faithful pairs judged inconsistent"
NUMBER_MISSED = "a changed number missed"
DENIAL_MISSED = "a denied statement missed"
HALUEVAL_MISSED = "right vs hallucinated answer missed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    print(f"{'set':<12} {'figure':<40} {'n':>5} {'share':>7}")
    for (name, figure), (n, share) in figures(args.data).items():
        print(f"{name:<12} {figure:<40} {n:>5} {share:>7.3f}")


if __name__ == "__main__":
    main()
