"""The scorers agree with human labels on our own labelled set (English and Japanese).

`fixtures/labelled/hallucination.jsonl`: one output per item, `hallucinated` is the human
label and `layer` the layer that should catch it (null for clean outputs; "judge" for
known blind spots of the lexical layers). Items the lexical layers get wrong are marked
`blind_spot`; the tests pin every outcome by id: the marked items, and only they, disagree
with their labels.
`fixtures/labelled/consistency.jsonl`: a case's outputs (and optionally the `question`
they answer and other `vars` given with it, such as a handbook), `consistent` is the human
label.
Also runs the HaluEval benchmark's core when `../shared/data` is present (under `CI=true`
its absence fails): measured 0.966 accuracy at the defaults, 0.968 with the opt-in
`relations: true` (binding every claim); 0.980 before the issue-12 rebuild, with rules that
flagged most real RAG answers. The floors sit just under the measured figures, so a change
that costs more than a few HaluEval items fails here; the issue's target is 0.95.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from infra import missing_infrastructure

from evalkit.scorers import consistency, hallucination
from evalkit.values import Case, Prompt, ScorerConfig, ScoringInput, Suite

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "fixtures" / "labelled"
SUITE = Suite(
    name="labelled",
    poc="p",
    path=LABELLED / "suite.yaml",
    sha256="",
    prompt=Prompt("{{question}}"),
    cases=(),
)


def _rows(name: str) -> list[dict[str, Any]]:
    with (LABELLED / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _hallucination_item(row: dict[str, Any]) -> ScoringInput:
    case = Case(
        id=row["id"],
        vars={"question": row["question"]},
        references=tuple(row.get("references", ())),
        context=row.get("context"),
        forbidden=tuple(row.get("forbidden", ())),
        answerable=row.get("answerable", True),
    )
    return ScoringInput(SUITE, case, (row["output"],), ("sample 0",), (0,), ("replay",))


def _consistency_item(row: dict[str, Any]) -> ScoringInput:
    n = len(row["outputs"])
    variants = tuple(row.get("variants", [0] * n))
    labels = (
        tuple(f"sample {i}" for i in range(n))
        if not any(variants)
        else tuple(f"variant {v} sample {i}" for i, v in enumerate(variants))
    )
    return ScoringInput(
        SUITE,
        Case(
            id=row["id"],
            vars={
                **row.get("vars", {}),
                **({"question": row["question"]} if "question" in row else {}),
            },
        ),
        tuple(row["outputs"]),
        labels,
        variants,
        tuple(row.get("sources", ["live"] * n)),
    )


def test_labelled_set_has_enough_english_and_japanese_items() -> None:
    rows = _rows("hallucination.jsonl") + _rows("consistency.jsonl")
    assert len(rows) >= 60
    assert {r["lang"] for r in rows} == {"en", "ja"}
    layers = {r["layer"] for r in _rows("hallucination.jsonl") if r["hallucinated"]}
    assert layers == {"forbidden", "claims", "specifics", "abstention", "judge"}


def _scorer(row: dict[str, Any]) -> Any:
    """The defaults, or the settings an item names (`"settings": {"relations": true}`
    marks what only the opt-in HaluEval-derived relation checks catch)."""
    return hallucination.make(ScorerConfig("hallucination", None, row.get("settings") or {}))


def test_hallucination_scorer_agrees_with_human_labels() -> None:
    """Pinned by id: every item agrees with its label except the marked blind spots, which
    must be exactly the ones that disagree (a blind spot the scorer starts to get right is
    reported too, so its mark comes off)."""
    rows = _rows("hallucination.jsonl")
    wrong = {}
    for row in rows:
        result = _scorer(row).score(_hallucination_item(row))
        assert result is not None, row["id"]
        if (not result.passed) != row["hallucinated"]:
            wrong[row["id"]] = result.reason
    blind = {r["id"] for r in rows if r.get("blind_spot")}
    assert set(wrong) - blind == set(), {k: wrong[k] for k in set(wrong) - blind}
    assert blind - set(wrong) == set(), f"now right, unmark blind_spot: {blind - set(wrong)}"


def test_each_layer_catches_its_own_labelled_items() -> None:
    missed: dict[str, list[str]] = defaultdict(list)
    for row in _rows("hallucination.jsonl"):
        if not row["hallucinated"] or row["layer"] == "judge":
            continue  # "judge" items are lexical blind spots: only a judge model sees them
        result = _scorer(row).score(_hallucination_item(row))
        assert result is not None
        if row["layer"] not in result.details["layers"]:
            missed[row["layer"]].append(row["id"])
    assert not missed, dict(missed)


def test_consistency_default_agrees_with_human_labels() -> None:
    """Pinned by id, as for hallucination: only the marked blind spots disagree."""
    scorer = consistency.make(ScorerConfig("consistency"))
    rows = _rows("consistency.jsonl")
    wrong = {}
    for row in rows:
        result = scorer.score(_consistency_item(row))
        assert result is not None, row["id"]
        if result.passed != row["consistent"]:
            wrong[row["id"]] = result.reason
    blind = {r["id"] for r in rows if r.get("blind_spot")}
    assert set(wrong) - blind == set(), {k: wrong[k] for k in set(wrong) - blind}
    assert blind - set(wrong) == set(), f"now right, unmark blind_spot: {blind - set(wrong)}"


DATA = ROOT.parent / "shared" / "data" / "halueval-qa" / "qa-dev.jsonl"


def test_halueval_detection_accuracy_stays_at_its_measured_floors() -> None:
    if not DATA.exists():
        missing_infrastructure("HaluEval data not present at ../shared/data")
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    try:
        import halueval
    finally:
        sys.path.pop(0)
    rows = halueval.load(DATA)
    result = halueval.score_direct(rows)
    assert result["accuracy"] >= 0.96, result["misses"][:10]  # measured 0.966
    assert result["precision"] >= 0.98
    result = halueval.score_direct(rows, {"relations": True})
    assert result["accuracy"] >= 0.96, result["misses"][:10]  # measured 0.968
    assert result["precision"] >= 0.98
