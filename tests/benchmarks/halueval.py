"""HaluEval QA benchmark for the hallucination scorer (a script, not a test).

Reads `<repo>/../shared/data/halueval-qa/qa-dev.jsonl` (knowledge, question, right_answer,
hallucinated_answer), builds one case per item — knowledge as `context`, the question in
`vars`, no reference answer — with both answers as its two recorded outputs, scores them
offline and prints detection accuracy, precision and recall (hallucinated = positive) and
CPU microseconds per scored output (each item's context is indexed once for its two
answers, so this includes indexing a fresh ~600-character knowledge text per item).

    python tests/benchmarks/halueval.py [--data FILE] [--pipeline] [--half even|odd]

`--half` scores only the items with an even (or odd) index: develop a change on one half,
confirm it on the other (the 2-fold check that guards against tuning to this file).

`--pipeline` writes a suite YAML and a replay JSONL into a temporary folder and runs
`python -m evalkit run` on it, reading the verdicts back from `cases.jsonl`; without it the
scorer is called directly (the same `ScoringInput` the pipeline builds).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "halueval-qa" / "qa-dev.jsonl"


def load(path: Path = DATA) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _suite(path: Path) -> Any:
    from evalkit.values import Prompt, Suite

    return Suite(
        name="halueval-qa",
        poc="halueval",
        path=path,
        sha256="",
        prompt=Prompt("{{question}}"),
        cases=(),
    )


def metrics(labels: Iterable[bool], predicted: Iterable[bool]) -> dict[str, float]:
    """Accuracy, precision and recall with hallucinated = positive."""
    pairs = list(zip(labels, predicted, strict=True))
    tp = sum(1 for y, p in pairs if y and p)
    fp = sum(1 for y, p in pairs if not y and p)
    fn = sum(1 for y, p in pairs if y and not p)
    correct = sum(1 for y, p in pairs if y == p)
    return {
        "items": len(pairs),
        "accuracy": correct / len(pairs) if pairs else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
    }


def score_direct(
    rows: list[dict[str, str]], params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Score every answer with the hallucination scorer called directly (one output per
    ScoringInput, so each answer gets its own verdict)."""
    from evalkit.scorers.hallucination import make
    from evalkit.values import Case, ScorerConfig, ScoringInput

    scorer = make(ScorerConfig("hallucination", None, params or {}))
    suite = _suite(ROOT / "halueval.yaml")
    labels, predicted, misses = [], [], []
    items = []
    for i, row in enumerate(rows):
        case = Case(id=f"q{i:04d}", vars={"question": row["question"]}, context=row["knowledge"])
        for answer, hallucinated in (
            (row["right_answer"], False),
            (row["hallucinated_answer"], True),
        ):
            items.append(
                (
                    ScoringInput(suite, case, (answer,), ("sample 0",), (0,), ("replay",)),
                    hallucinated,
                )
            )
    start = time.process_time()  # CPU time: the machine may be shared
    results = [scorer.score(item) for item, _ in items]
    elapsed = time.process_time() - start
    for (item, hallucinated), result in zip(items, results, strict=True):
        flagged = result is not None and not result.passed
        labels.append(hallucinated)
        predicted.append(flagged)
        if flagged != hallucinated:
            misses.append(
                {
                    "case": item.case.id,
                    "output": item.outputs[0],
                    "hallucinated": hallucinated,
                    "reason": result.reason if result else None,
                }
            )
    out: dict[str, Any] = dict(metrics(labels, predicted))
    out["us_per_output"] = elapsed / len(items) * 1e6
    out["misses"] = misses
    return out


def score_pipeline(rows: list[dict[str, str]]) -> dict[str, Any]:
    """Write a suite + replay file, run `python -m evalkit run`, read `cases.jsonl` back.

    Each item becomes two cases (`qNNNN-right`, `qNNNN-halu`) with one recorded sample each.
    """
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases, replay, truth = [], [], {}
        for i, row in enumerate(rows):
            for kind, answer in (
                ("right", row["right_answer"]),
                ("halu", row["hallucinated_answer"]),
            ):
                cid = f"q{i:04d}-{kind}"
                cases.append(
                    {"id": cid, "vars": {"question": row["question"]}, "context": row["knowledge"]}
                )
                replay.append({"case": cid, "sample": 0, "output": answer})
                truth[cid] = kind == "halu"
        suite = {
            "suite": "halueval-qa",
            "poc": "halueval",
            "prompt": {"template": "{{question}}"},
            "samples": 1,
            "client": "replay:replay.jsonl",
            "cases": cases,
            "scorers": {"hallucination": {}},
            "thresholds": {"hallucination": {"tolerable": 0.5, "stop": 0.9}},
        }
        (folder / "halueval.yaml").write_text(
            yaml.safe_dump(suite, allow_unicode=True), encoding="utf-8"
        )
        (folder / "replay.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in replay), encoding="utf-8"
        )
        out = folder / "out"
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "evalkit",
                "run",
                str(folder / "halueval.yaml"),
                "--out",
                str(out),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - start
        if not (out / "cases.jsonl").exists():
            raise RuntimeError(
                f"evalkit run failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}"
            )
        labels, predicted = [], []
        for line in (out / "cases.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            score = row.get("scores", {}).get("hallucination")
            labels.append(truth[row["case"]])
            predicted.append(score is not None and not score["passed"])
        result: dict[str, Any] = dict(metrics(labels, predicted))
        result["us_per_output_end_to_end"] = elapsed / len(labels) * 1e6
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--pipeline", action="store_true", help="go through `python -m evalkit run`"
    )
    parser.add_argument("--misses", action="store_true", help="list the misclassified answers")
    parser.add_argument(
        "--half", choices=("even", "odd"), help="only the items with an even / odd index"
    )
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    rows = load(args.data)
    if args.half:
        rows = rows[0::2] if args.half == "even" else rows[1::2]
    result = score_pipeline(rows) if args.pipeline else score_direct(rows)
    misses = result.pop("misses", [])
    print(json.dumps(result, indent=2))
    if args.misses:
        for m in misses:
            print(json.dumps(m, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
