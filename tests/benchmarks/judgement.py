"""Hallucination scorer against human judgement (a script that prints figures, not a test).

Scores the hallucination scorer over real LLM outputs whose hallucinations people labelled,
from `<repo>/../shared/data/` (read each folder's README.md):

- `ragtruth`: RAGTruth (English; QA over web passages, news summaries, overviews of a
  business from its structured data). One case per response: the source's `context` as
  context, the QA question (or a short instruction for Summary / Data2txt) as
  `vars["question"]`. Hallucinated = at least one human-marked span. Prints precision,
  recall and F1 of "hallucinated" overall, per task and per model, next to the F1 of
  flagging every response (2b/(1+b), b = base rate) and the published anchors.
- `jhars`: JHARS (Japanese RAG answers of three models). One case per (item, model):
  `reference_text` as context, the question in vars. Hallucinated = any sentence whose
  `hallucination_type` is not `No_hallucination`. Mostly faithful answers, so the headline
  figure is the false-alarm rate FP / (FP + TN); recall, precision, F1 too, per model.
- `halueval`: HaluEval QA, loaded and scored by `tests/benchmarks/halueval.py`
  (`load`, `score_direct`): accuracy, precision, recall.

For each set: CPU microseconds per scored output (`time.process_time`, the machine may be
shared; it includes indexing each context, once per response) and the number scored. A
scoring call that raises is counted as an error and left out of the figures, and the first
traceback is printed (for HaluEval, `score_direct` scores the whole set at once, so a raise
there loses that set). Ends with a table of targets, met or not met.

    python tests/benchmarks/judgement.py [--sets ragtruth,jhars,halueval] [--params JSON]
        [--half even|odd] [--misses N] [--json FILE]
        [--judge SPEC [--judge-mode verify|decide|add] [--judge-base-url URL]
         [--judge-api-key-env VAR] [--concurrency N]]

`--judge SPEC` adds the judge layer (any client spec, e.g. `openai:MODEL` with
`--judge-base-url` for a local server): `verify` (the default) asks it only about outputs
the offline layers flag, so its figures show how much a judge clears; a failed or
unreadable judge reply counts as an error, not a pass. No model can be downloaded here:
the mechanics are tested with the loopback test server (`tests/scorers/test_judge_benchmark.py`),
and judge figures belong in the README only where measured, with the model named.

`--params` is the hallucination scorer's mapping (as under `scorers.hallucination` in a
suite), e.g. `--params '{"min_coverage": 0.8}'`. `--half` keeps the items with an even (or
odd) index: by source for RAGTruth (every response to a source lands in the same half), by
item for JHARS and HaluEval; develop a change on one half and confirm it on the other.
`--misses N` prints N misclassified outputs per set (false alarms and misses alternating),
truncated, with the scorer's reason. `--json FILE` writes every figure (sorted keys, 4
decimals, atomic write).

Exit status: 0 when the figures were printed (targets met or not: this is a measurement,
not a gate), 2 when a selected set's data is missing or `--params` is rejected.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import halueval  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SETS = ("ragtruth", "jhars", "halueval")
SCHEMA_VERSION = 1

# What the models were asked for Summary / Data2txt (RAGTruth has no question there).
INSTRUCTIONS = {
    "Summary": "Summarize the following news article.",
    "Data2txt": "Write an objective overview of the business from its structured data.",
}

# Response-level F1 on the full RAGTruth test split (ragtruth/README.md).
RAGTRUTH_ANCHORS = {
    "prompting GPT-4-turbo": 0.634,
    "SelfCheckGPT (GPT-3.5)": 0.588,
    "fine-tuned Llama-2-13B": 0.787,
    "LettuceDetect-large (fine-tuned encoder)": 0.792,
}


@dataclass(frozen=True, slots=True)
class Target:
    set: str
    group: str
    figure: str
    op: str  # ">=" or "<="
    bound: float

    def met(self, value: float) -> bool:
        return value >= self.bound if self.op == ">=" else value <= self.bound


TARGETS = (
    Target("ragtruth", "all", "f1", ">=", 0.65),
    Target("ragtruth", "all", "precision", ">=", 0.55),
    Target("jhars", "all", "false_alarm", "<=", 0.10),
    Target("halueval", "all", "accuracy", ">=", 0.95),
)


@dataclass(frozen=True, slots=True)
class Item:
    """One output with its human label. `groups` names the breakdowns it counts in,
    e.g. ("task=QA", "model=gpt-4-0613"); every item also counts in "all"."""

    case: Any  # evalkit.values.Case (imported lazily, with the scorer)
    output: str
    hallucinated: bool
    groups: tuple[str, ...]


@dataclass(slots=True)
class SetResult:
    """Figures for one set. `groups` maps "all" / "task=QA" / … to `confusion()` dicts;
    `error` is set when the whole set could not be scored."""

    name: str
    scored: int = 0
    errors: int = 0
    # The scorer returned None (counted as not flagged); None: not known (HaluEval).
    not_applicable: int | None = 0
    first_traceback: str = ""
    us_per_output: float = 0.0
    groups: dict[str, dict[str, float]] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


_T = TypeVar("_T")


def _half(rows: Sequence[_T], half: str | None) -> list[_T]:
    if half is None:
        return list(rows)
    return list(rows[0::2] if half == "even" else rows[1::2])


def _suite(name: str) -> Any:
    from evalkit.values import Prompt, Suite

    path = ROOT / f"{name}.yaml"  # never read: the cases are built here
    return Suite(name=name, poc=name, path=path, sha256="", prompt=Prompt("{{question}}"), cases=())


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_ragtruth(folder: Path, half: str | None) -> list[Item]:
    from evalkit.values import Case

    sources = _half(_jsonl(folder / "sources.jsonl"), half)
    by_id = {s["source_id"]: s for s in sources}
    items = []
    for r in _jsonl(folder / "responses.jsonl"):
        source = by_id.get(r["source_id"])
        if source is None:  # the other half
            continue
        question = source["question"] if r["task"] == "QA" else INSTRUCTIONS[r["task"]]
        case = Case(id=f"rt{r['id']}", vars={"question": question}, context=source["context"])
        groups = (f"task={r['task']}", f"model={r['model']}")
        items.append(Item(case, r["response"], bool(r["spans"]), groups))
    return items


def load_jhars(folder: Path, half: str | None) -> list[Item]:
    from evalkit.values import Case

    items = []
    for row in _half(_jsonl(folder / "annotated_data_strict.jsonl"), half):
        for model, answer in row.items():
            if not isinstance(answer, dict):  # id, question, reference_text
                continue
            sentences = answer["annotations"]["aggregated"]["sentence_annotations"]
            hallucinated = any(s["hallucination_type"] != "No_hallucination" for s in sentences)
            case = Case(
                id=f"jh{row['id']}-{model}",
                vars={"question": row["question"]},
                context=row["reference_text"],
            )
            items.append(Item(case, answer["response"], hallucinated, (f"model={model}",)))
    return items


def load_halueval(path: Path, half: str | None) -> list[Item]:
    """HaluEval QA as items (the right and the hallucinated answer of each row), for a
    judged run; without a judge the set goes through `halueval.score_direct`."""
    from evalkit.values import Case

    items = []
    for i, row in enumerate(_half(halueval.load(path), half)):
        case = Case(id=f"q{i:04d}", vars={"question": row["question"]}, context=row["knowledge"])
        items.append(Item(case, row["right_answer"], False, ()))
        items.append(Item(case, row["hallucinated_answer"], True, ()))
    return items


def confusion(labels: Iterable[bool], predicted: Iterable[bool]) -> dict[str, float]:
    """Counts and rates with hallucinated = positive. `flag_all_f1` is the F1 of flagging
    everything (2b/(1+b), b = base rate); rates with an empty denominator are 0."""
    pairs = list(zip(labels, predicted, strict=True))
    tp = sum(1 for y, p in pairs if y and p)
    fp = sum(1 for y, p in pairs if not y and p)
    fn = sum(1 for y, p in pairs if y and not p)
    tn = len(pairs) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    base = (tp + fn) / len(pairs) if pairs else 0.0
    return {
        "items": len(pairs),
        "hallucinated": tp + fn,
        "flagged": tp + fp,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "false_alarm": fp / (fp + tn) if fp + tn else 0.0,
        "accuracy": (tp + tn) / len(pairs) if pairs else 0.0,
        "flag_all_f1": 2 * base / (1 + base) if pairs else 0.0,
    }


def _outcomes(
    inputs: list[Any], scorer: Any, concurrency: int
) -> list[tuple[Any, str | None, float]]:
    """(result, traceback or None, CPU seconds) per input: `score` in turn, or, for a
    scorer with a judge (`ascore`), on one event loop with `concurrency` calls in flight
    (the judge's client lives on that loop; CPU is then shared and not per item)."""
    if not hasattr(scorer, "ascore"):
        out = []
        for inp in inputs:
            start = time.process_time()  # CPU time: the machine may be shared
            try:
                result, failure = scorer.score(inp), None
            except Exception:
                result, failure = None, traceback.format_exc()
            out.append((result, failure, time.process_time() - start))
        return out
    import asyncio

    async def run_all() -> list[tuple[Any, str | None, float]]:
        gate = asyncio.Semaphore(concurrency)

        async def one(inp: Any) -> tuple[Any, str | None, float]:
            async with gate:
                try:
                    return await scorer.ascore(inp), None, 0.0
                except Exception:
                    return None, traceback.format_exc(), 0.0

        try:
            return list(await asyncio.gather(*(one(inp) for inp in inputs)))
        finally:
            await scorer.aclose()

    start = time.process_time()
    out = asyncio.run(run_all())
    share = (time.process_time() - start) / max(1, len(out))
    return [(r, f, share) for r, f, _ in out]


def score_items(name: str, items: list[Item], scorer: Any, concurrency: int = 8) -> SetResult:
    """Score each item on its own (one output per `ScoringInput`, as `halueval.score_direct`
    does). A raise is counted and the item left out; a `None` result counts as not flagged.
    A judge's failed or unreadable reply raises (`ScoringCallFailed`): counted as an error."""
    from evalkit.values import ScoringInput

    suite = _suite(name)
    inputs = [
        ScoringInput(suite, item.case, (item.output,), ("sample 0",), (0,), ("replay",))
        for item in items
    ]
    out = SetResult(name)
    kept: list[tuple[Item, bool]] = []
    cpu = 0.0
    for item, (result, failure, spent) in zip(
        items, _outcomes(inputs, scorer, concurrency), strict=True
    ):
        cpu += spent
        if failure is not None:
            out.errors += 1
            if not out.first_traceback:
                out.first_traceback = f"{item.case.id}:\n{failure}"
            continue
        out.not_applicable = (out.not_applicable or 0) + (result is None)
        flagged = result is not None and not result.passed
        kept.append((item, flagged))
        if flagged != item.hallucinated:
            out.misses.append(
                {
                    "case": item.case.id,
                    "groups": list(item.groups),
                    "hallucinated": item.hallucinated,
                    "output": item.output,
                    "reason": result.reason if result is not None else None,
                }
            )
    out.scored = len(kept)
    out.us_per_output = cpu / len(items) * 1e6 if items else 0.0  # per call, raises included
    kinds = [g.split("=")[0] for g in items[0].groups] if items else []  # task, then model
    names = sorted({g for item, _ in kept for g in item.groups})
    names = ["all", *sorted(names, key=lambda g: (kinds.index(g.split("=")[0]), g))]
    for g in names:
        pairs = [(item.hallucinated, p) for item, p in kept if g == "all" or g in item.groups]
        out.groups[g] = confusion((y for y, _ in pairs), (p for _, p in pairs))
    return out


def score_halueval(path: Path, half: str | None, params: dict[str, Any]) -> SetResult:
    """HaluEval QA through `halueval.score_direct` (its loading and scoring, not a copy)."""
    out = SetResult("halueval", not_applicable=None)
    rows = _half(halueval.load(path), half)
    try:
        figures = halueval.score_direct(rows, params)
    except Exception:
        out.error = "score_direct raised; no figures for this set"
        out.errors = 1
        out.first_traceback = traceback.format_exc()
        return out
    out.scored = int(figures["items"])
    out.us_per_output = figures["us_per_output"]
    out.groups["all"] = {k: figures[k] for k in ("items", "accuracy", "precision", "recall")}
    out.misses = [
        {
            "case": m["case"],
            "groups": [],
            "hallucinated": m["hallucinated"],
            "output": m["output"],
            "reason": m["reason"],
        }
        for m in figures["misses"]
    ]
    return out


def _interleave(misses: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """Up to n misses, false alarms and missed hallucinations alternating (in file order
    within each kind), so a set dominated by one kind still shows the other."""
    kinds = [[m for m in misses if not m["hallucinated"]], [m for m in misses if m["hallucinated"]]]
    picked: list[dict[str, Any]] = []
    i = 0
    while len(picked) < n and any(i < len(k) for k in kinds):
        picked.extend(k[i] for k in kinds if i < len(k))
        i += 1
    return picked[:n]


def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _table(result: SetResult, columns: Sequence[tuple[str, str, str]]) -> list[str]:
    """One line per group: (header, key, format) columns after the group name."""
    width = max(len(g) for g in result.groups)
    lines = [f"  {'group':<{width}} " + " ".join(f"{h:>{max(len(h), 7)}}" for h, _, _ in columns)]
    for g, fig in result.groups.items():
        cells = [f"{fig[k]:{fmt}}" for _, k, fmt in columns]
        lines.append(
            f"  {g:<{width}} "
            + " ".join(
                f"{c:>{max(len(h), 7)}}" for c, (h, _, _) in zip(cells, columns, strict=True)
            )
        )
    return lines


_COUNTS = [("n", "items", ".0f"), ("halluc", "hallucinated", ".0f"), ("flagged", "flagged", ".0f")]
_RAGTRUTH = [*_COUNTS, ("prec", "precision", ".3f"), ("recall", "recall", ".3f")]
_RAGTRUTH += [("F1", "f1", ".3f"), ("flag-all F1", "flag_all_f1", ".3f")]
_JHARS = [*_COUNTS, ("false alarms", "false_alarm", ".1%"), ("recall", "recall", ".3f")]
_JHARS += [("prec", "precision", ".3f"), ("F1", "f1", ".3f")]
_HALUEVAL = [("n", "items", ".0f"), ("accuracy", "accuracy", ".3f")]
_HALUEVAL += [("prec", "precision", ".3f"), ("recall", "recall", ".3f")]


def report(result: SetResult, misses: int) -> list[str]:
    """The printed block for one set."""
    lines = [
        f"{result.name}: {result.scored} scored"
        + ("" if result.not_applicable is None else f" ({result.not_applicable} not applicable)")
        + f", {result.errors} errors, "
        f"{result.us_per_output:.0f} µs CPU per output"
    ]
    if result.error:
        lines.append(f"  {result.error}")
    if result.first_traceback:
        lines.append("  first error:\n" + result.first_traceback.rstrip())
    if result.groups:
        columns = {"ragtruth": _RAGTRUTH, "jhars": _JHARS, "halueval": _HALUEVAL}[result.name]
        lines += _table(result, columns)
    if result.name == "ragtruth":
        anchors = ", ".join(f"{k} {v:.3f}" for k, v in RAGTRUTH_ANCHORS.items())
        lines.append(f"  published response-level F1 (full test split): {anchors}")
    if misses:
        shown = _interleave(result.misses, misses)
        lines.append(f"  misclassified: {len(result.misses)} (showing {len(shown)})")
        for m in shown:
            kind = "missed hallucination" if m["hallucinated"] else "false alarm"
            where = " ".join([m["case"], *m["groups"]])
            lines.append(f"  - {kind} [{where}]: {_short(m['output'], 240)}")
            reason = m["reason"] if m["reason"] is not None else "(None: the metric did not apply)"
            lines.append(f"      reason: {_short(reason, 240)}")
    return lines


def check_targets(results: dict[str, SetResult]) -> list[dict[str, Any]]:
    rows = []
    for t in TARGETS:
        res = results.get(t.set)
        value = res.groups.get(t.group, {}).get(t.figure) if res else None
        status = "not run" if res is None else "no figure" if value is None else None
        rows.append(
            {
                "set": t.set,
                "figure": t.figure,
                "target": f"{t.op} {t.bound:g}",
                "value": value,
                "status": status or ("met" if t.met(value or 0.0) else "not met"),
            }
        )
    return rows


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Sorted keys, 4 decimals, temp file + rename (never a half-written file)."""
    text = json.dumps(_rounded(payload), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder holding the sets")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated subset")
    parser.add_argument("--params", default="{}", help="hallucination scorer params (JSON)")
    parser.add_argument(
        "--half", choices=("even", "odd"), help="only the items with an even / odd index"
    )
    parser.add_argument("--misses", type=int, default=0, metavar="N", help="misclassified per set")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures as JSON")
    parser.add_argument("--judge", metavar="SPEC", help="add a judge: a client spec")
    parser.add_argument(
        "--judge-mode", choices=("verify", "decide", "add"), default="verify", help="judge mode"
    )
    parser.add_argument("--judge-base-url", metavar="URL", help="the judge's server")
    parser.add_argument("--judge-api-key-env", metavar="VAR", help="the judge's key variable")
    parser.add_argument("--concurrency", type=int, default=8, help="judge calls in flight")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.sets.split(",") if s.strip()]
    if unknown := [s for s in chosen if s not in SETS]:
        parser.error(f"--sets: unknown {', '.join(unknown)} (choose from {', '.join(SETS)})")
    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as e:
        parser.error(f"--params: not JSON ({e})")
    if not isinstance(params, dict):
        parser.error(f"--params: expected a JSON object, got {args.params}")
    if args.judge:
        options = {
            k: v
            for k, v in (("base_url", args.judge_base_url), ("api_key_env", args.judge_api_key_env))
            if v
        }
        params["judge"] = {"client": args.judge, "mode": args.judge_mode, "options": options}

    from evalkit.scorers.hallucination import make
    from evalkit.values import ScorerConfig

    try:
        scorer = make(ScorerConfig("hallucination", None, params))
    except Exception as e:  # the scorer's own message says which key and why
        print(f"--params rejected by the hallucination scorer: {e}", file=sys.stderr)
        return 2

    files = {
        "ragtruth": args.data / "ragtruth" / "responses.jsonl",
        "jhars": args.data / "jhars" / "annotated_data_strict.jsonl",
        "halueval": args.data / "halueval-qa" / "qa-dev.jsonl",
    }
    loaders: dict[str, Callable[[Path, str | None], list[Item]]] = {
        "ragtruth": load_ragtruth,
        "jhars": load_jhars,
    }
    status = 0
    results: dict[str, SetResult] = {}
    for name in chosen:
        if not files[name].exists():
            print(f"{name}: no data at {files[name]}", file=sys.stderr)
            status = 2
            continue
        if name == "halueval" and not args.judge:
            results[name] = score_halueval(files[name], args.half, params)
        elif name == "halueval":
            items = load_halueval(files[name], args.half)
            results[name] = score_items(name, items, scorer, args.concurrency)
        else:
            items = loaders[name](files[name].parent, args.half)
            results[name] = score_items(name, items, scorer, args.concurrency)
        print("\n".join(report(results[name], args.misses)) + "\n", flush=True)

    targets = check_targets(results)
    print(f"{'set':<9} {'figure':<12} {'value':>7}  {'target':<7}  status")
    for t in targets:
        value = "-" if t["value"] is None else f"{t['value']:.3f}"
        print(f"{t['set']:<9} {t['figure']:<12} {value:>7}  {t['target']:<7}  {t['status']}")

    if args.json:
        write_json(
            args.json,
            {
                "schema_version": SCHEMA_VERSION,
                "params": params,
                "half": args.half,
                "ragtruth_anchors": RAGTRUTH_ANCHORS,
                "sets": {
                    name: {
                        "scored": r.scored,
                        "errors": r.errors,
                        "not_applicable": r.not_applicable,
                        "error": r.error or None,
                        "misclassified": len(r.misses),
                        "us_per_output": r.us_per_output,
                        "groups": r.groups,
                    }
                    for name, r in results.items()
                },
                "targets": targets,
            },
        )
    return status


if __name__ == "__main__":
    raise SystemExit(main())
