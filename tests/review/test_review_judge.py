"""Calibration of a judge model against human reviews: where a metric's outcomes came from
a judge, the review block labels the agreement with the reviewers as the judge's
(`decided_by`, `review.judge`), measured like the scorer's (share agreeing, Cohen's kappa)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from evalkit.review.correct import agreement
from tests.cli_runner import evalkit

# Ten cases; the model's answers, and what the (replayed) judge says of them.
ANSWERS = {
    f"c{i}": ("Refunds are accepted within 45 days." if i < 3 else "Within 30 days.")
    for i in range(10)
}
# The judge grades c0-c4 INCORRECT, c5-c9 CORRECT (against the reference "30 days")…
GRADES = {c: "INCORRECT" if int(c[1]) < 5 else "CORRECT" for c in ANSWERS}
# …and, asked only about what the lexical layers flag (the unstated "45 days" of c0-c2),
# wrongly clears c0 and c1.
VERDICTS = {"c0": "SUPPORTED", "c1": "SUPPORTED", "c2": "UNSUPPORTED"}


def _result(tmp: Path) -> Path:
    (tmp / "pyproject.toml").write_text("", encoding="utf-8")
    model = [{"case": c, "output": o} for c, o in ANSWERS.items()]
    judge = [{"suite": "s#judge:accuracy", "case": c, "output": g} for c, g in GRADES.items()]
    judge += [
        {"suite": "s#judge:hallucination", "case": c, "output": v} for c, v in VERDICTS.items()
    ]
    for name, lines in (("model.jsonl", model), ("judge.jsonl", judge)):
        (tmp / name).write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    suite = {
        "suite": "s",
        "poc": "p",
        "prompt": {"template": "{{q}}"},
        "client": "replay:model.jsonl",
        "scorers": {
            "accuracy": {"method": "judge", "judge": "replay:judge.jsonl"},
            "hallucination": {"judge": {"client": "replay:judge.jsonl", "mode": "verify"}},
        },
        "thresholds": {
            "accuracy": {"tolerable": 0.1, "stop": 0.5},
            "hallucination": {"tolerable": 0.1, "stop": 0.5},
        },
        "cases": [
            {
                "id": c,
                "vars": {"q": "How long do I have to ask for a refund?"},
                "reference": "30 days",
                "context": "Refunds are accepted within 30 days of purchase.",
            }
            for c in ANSWERS
        ],
    }
    (tmp / "s.json").write_text(json.dumps(suite), "utf-8")
    done = evalkit("run", "s.json", "--out", "res", cwd=tmp)
    assert done.returncode in (0, 10, 20), done.stderr
    return tmp / "res"


def _review(tmp: Path, res: Path, labels: dict[str, dict[str, str]]) -> Any:
    sample = evalkit("review", "sample", str(res), "--n", "10", "--out", str(tmp / "s.csv"))
    assert sample.returncode == 0, sample.stderr
    rows = list(csv.DictReader(io.StringIO((tmp / "s.csv").read_text("utf-8-sig"), newline="")))
    for row in rows:
        row.update(labels[row["case"]], reviewer="rev")
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    (tmp / "filled.csv").write_text("\ufeff" + buf.getvalue(), encoding="utf-8", newline="")
    done = evalkit("review", "import", str(res), str(tmp / "filled.csv"))
    assert done.returncode in (0, 10, 20), done.stderr
    return done


def test_the_judges_agreement_with_reviewers_is_reported_per_judged_metric(tmp_path: Path) -> None:
    res = _result(tmp_path)
    rows = {r["case"]: r for r in map(json.loads, (res / "cases.jsonl").read_text().splitlines())}
    assert [c for c in ANSWERS if not rows[c]["scores"]["accuracy"]["passed"]] == list(GRADES)[:5]
    assert [c for c in ANSWERS if not rows[c]["scores"]["hallucination"]["passed"]] == ["c2"]

    # The reviewers: c0-c2 are wrong and hallucinate (45 days); c3 and c4 are right (the
    # judge graded them wrong). So the judge agrees on accuracy for 8 of 10 cases, and on
    # hallucination for 1 of the 3 cases it was asked about (it cleared c0 and c1).
    wrong = {"human_accuracy": "fail", "human_hallucination": "fail"}
    right = {"human_accuracy": "pass", "human_hallucination": "pass"}
    labels = {c: wrong if c in ("c0", "c1", "c2") else right for c in ANSWERS}
    done = _review(tmp_path, res, labels)
    metrics = json.loads((res / "summary.json").read_text("utf-8"))["pocs"]["p"]["metrics"]

    acc = metrics["accuracy"]["review"]
    assert acc["decided_by"] == "judge"  # every case's outcome is the judge's grade
    expected = agreement([(c < "c5", c in ("c0", "c1", "c2")) for c in sorted(ANSWERS)])
    assert expected is not None and expected.agreement == 0.8
    assert acc["judge"]["agreement"] == acc["agreement"] == expected.agreement
    assert expected.kappa is not None
    assert acc["judge"]["kappa"] == acc["kappa"] == round(expected.kappa, 6) == 0.6
    assert acc["judge"]["cases"] == acc["judge"]["judged_cases"] == 10

    hal = metrics["hallucination"]["review"]
    assert hal["decided_by"] == "scorer and judge"  # verify: asked about flagged outputs only
    assert hal["judge"]["judged_cases"] == 3 and hal["judge"]["cases"] == 3
    assert hal["judge"]["agreement"] == 0.333333  # summary floats have six decimals
    assert hal["agreement"] == 0.8  # the scorer's over all ten reviewed cases

    assert "accuracy: the judge agrees with the reviewers on 8 of 10 reviewed cases (80.0%" in (
        done.stdout
    )
    assert "hallucination: the judge agrees with the reviewers on 1 of 3 reviewed cases" in (
        done.stdout
    )
