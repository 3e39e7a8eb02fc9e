"""Hallucination scorer speed (a script that prints figures, not a test).

Prints CPU microseconds per scored output, median of `--repeat` runs, with every scorer
cache emptied before each run (so nothing carries over from a previous run), for:

(a) the scale load of `tests/benchmarks/scale.py` (`make_files`): a fresh ~500-character
    English context per case, a one-sentence output that quotes its last sentence (95%)
    or changes its number (5%), default settings; also split into those two kinds;
(a') the same cases with outputs that paraphrase their context (`scale.py --shape
    paraphrase`): the answer reworded plus one policy sentence reworded;
(d) cases sharing one ~7,000-character knowledge document (a RAG suite's policy var),
    each output paraphrasing one of its sentences (`shared_document_items`);
(b) the HaluEval QA outputs of `tests/benchmarks/halueval.py` (when `../shared` is there);
(c) the labelled set `fixtures/labelled/hallucination.jsonl`.

    python tests/benchmarks/hallucination_speed.py [--cases 20000] [--repeat 5]

The scorer is called directly (`HallucinationScorer.score` on the `ScoringInput` the
pipeline builds), so the figures are the scorer's own cost, not the pipeline's.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.halueval import DATA, load  # noqa: E402
from tests.benchmarks.scale import _PARAPHRASES, _SENTENCES, paraphrased_output  # noqa: E402


def clear_caches() -> None:
    """Empty every `functools.lru_cache` of the text and scorer modules."""
    import evalkit.common.text
    from evalkit import scorers

    modules = [evalkit.common.text] + [
        m
        for name, m in sys.modules.items()
        if name.startswith(scorers.__name__ + ".") and m is not None
    ]
    for module in modules:
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


def _suite(template: str) -> Any:
    from evalkit.values import Prompt, Suite

    return Suite(
        name="speed",
        poc="speed",
        path=ROOT / "speed.yaml",
        sha256="",
        prompt=Prompt(template),
        cases=(),
    )


def scale_items(n: int, seed: int, shape: str = "quote") -> list[tuple[Any, bool]]:
    """(item, changed) pairs shaped like `scale.make_files` rows (same text, same 5%);
    `shape` "paraphrase" words the outputs as `make_files(..., shape="paraphrase")` does."""
    from evalkit.values import Case, ScoringInput

    rnd = random.Random(seed)
    wording = random.Random(f"paraphrase-{seed}")
    suite = _suite("{{q}}")
    out = []
    for i in range(n):
        values = {k: rnd.randint(2, 90) for k in "dpsthgcr"}
        total = values["t"] * 37
        context = (
            " ".join(s.format(**values) for s in _SENTENCES) + f" Order {i} totals {total} yen."
        )
        case = Case(
            id=f"c{i:07d}",
            vars={"q": f"What is the total of order {i}?"},
            references=(str(total),),
            context=context,
        )
        wrong = rnd.random() < 0.05
        said = total + 1 if wrong else total
        if shape == "paraphrase":
            output = paraphrased_output(wording, i, said, values)
        else:
            output = f"Order {i} totals {said} yen."
        out.append((ScoringInput(suite, case, (output,), ("sample 0",), (0,), ("replay",)), wrong))
    return out


def shared_document_items(n: int, seed: int) -> list[Any]:
    """Cases that share one knowledge document, as a RAG suite's policy var does: a
    ~7,000-character document (the scale sentences for 16 products), one question per
    case, outputs that paraphrase one of its sentences (`scale._PARAPHRASES`)."""
    from evalkit.values import Case, ScoringInput

    rnd = random.Random(seed)
    suite = _suite("{{policy}}\n\nQ: {{q}}")
    products = [{k: rnd.randint(2, 90) for k in "dpsthgcr"} for _ in range(16)]
    document = "\n".join(
        f"Product {p}: " + " ".join(s.format(**v) for s in _SENTENCES)
        for p, v in enumerate(products)
    )
    items = []
    for i in range(n):
        p, k = rnd.randrange(len(products)), rnd.randrange(len(_SENTENCES))
        output = f"For product {p}: " + rnd.choice(_PARAPHRASES[k]).format(**products[p])
        case = Case(id=f"d{i:06d}", vars={"policy": document, "q": f"Question {i} on product {p}?"})
        items.append(ScoringInput(suite, case, (output,), ("sample 0",), (0,), ("replay",)))
    return items


def halueval_items() -> list[Any]:
    from evalkit.values import Case, ScoringInput

    if not DATA.exists():
        return []
    suite = _suite("{{question}}")
    items = []
    for i, row in enumerate(load(DATA)):
        case = Case(id=f"q{i:04d}", vars={"question": row["question"]}, context=row["knowledge"])
        for answer in (row["right_answer"], row["hallucinated_answer"]):
            items.append(ScoringInput(suite, case, (answer,), ("sample 0",), (0,), ("replay",)))
    return items


def labelled_items() -> list[Any]:
    from evalkit.values import Case, ScoringInput

    suite = _suite("{{question}}")
    items = []
    path = ROOT / "fixtures" / "labelled" / "hallucination.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        case = Case(
            id=r["id"],
            vars={"question": r["question"]},
            references=tuple(r.get("references", ())),
            context=r.get("context"),
            forbidden=tuple(r.get("forbidden", ())),
            answerable=r.get("answerable", True),
        )
        items.append(ScoringInput(suite, case, (r["output"],), ("sample 0",), (0,), ("replay",)))
    return items


def us_per_output(score: Callable[[Any], Any], items: Sequence[Any]) -> float:
    clear_caches()
    start = time.process_time()  # CPU time: the machine is shared
    for item in items:
        score(item)
    return (time.process_time() - start) / max(1, len(items)) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000, help="scale-load cases per run")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from evalkit.scorers.hallucination import make
    from evalkit.values import ScorerConfig

    scorer = make(ScorerConfig("hallucination", None, {}))
    rows: dict[str, list[float]] = {}
    halu, labelled = halueval_items(), labelled_items()
    for run in range(args.repeat):
        pairs = scale_items(args.cases, seed=run)
        reworded = scale_items(args.cases, seed=run, shape="paraphrase")
        groups = {
            "(a) scale load, all": [item for item, _ in pairs],
            "(a) … quoting the context (95%)": [item for item, wrong in pairs if not wrong],
            "(a) … number changed (5%)": [item for item, wrong in pairs if wrong],
            "(a') scale load, paraphrased": [item for item, _ in reworded],
            "(d) one shared document": shared_document_items(args.cases // 10, seed=run),
            "(b) HaluEval QA outputs": halu,
            "(c) labelled set": labelled,
        }
        for name, items in groups.items():
            if items:
                rows.setdefault(name, []).append(us_per_output(scorer.score, items))
    print(f"{'load':<34} {'outputs':>8} {'µs/output':>10}  (median of {args.repeat}, CPU time)")
    sizes = {
        "(a) scale load, all": args.cases,
        "(a') scale load, paraphrased": args.cases,
        "(d) one shared document": args.cases // 10,
        "(b) HaluEval QA outputs": len(halu),
        "(c) labelled set": len(labelled),
    }
    for name, values in rows.items():
        size = sizes.get(name, "")
        print(f"{name:<34} {size!s:>8} {statistics.median(values):>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
