"""The metrics reviewers measure — unusable, major_correction, high_risk — as failure rates
with bars under `thresholds:`: not measured (never a pass) without reviews, judged like any
metric with them, refused with a located message where a suite misuses them."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli_runner import evalkit  # noqa: E402

from evalkit.verdict.stats import wilson  # noqa: E402

BARS = {
    "accuracy": {"tolerable": 0.5, "stop": 0.9},
    "unusable": {"tolerable": 0.2, "stop": 0.6},
    "high_risk": {"tolerable": 0.05, "stop": 0.5},
}


def _suite(tmp: Path, thresholds: dict, scorers: dict | None = None, cases: int = 40) -> Path:
    rows = [{"case": f"c{i:02d}", "sample": 0, "output": "yes"} for i in range(cases)]
    (tmp / "r.replay.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    suite = {
        "suite": "s",
        "poc": "p",
        "prompt": {"template": "{{q}}"},
        "client": "replay:r.replay.jsonl",
        "scorers": scorers if scorers is not None else {"accuracy": {"method": "exact"}},
        "thresholds": thresholds,
        "cases": [
            {"id": f"c{i:02d}", "vars": {"q": f"q{i}"}, "reference": "yes"} for i in range(cases)
        ],
    }
    (tmp / "s.json").write_text(json.dumps(suite, ensure_ascii=False, indent=1), "utf-8")
    return tmp / "s.json"


def _sheet(tmp: Path, res: Path, name: str, answers: dict[str, dict[str, str]]) -> Path:
    """Every case of `res` in a sheet; `answers[case]` (or `answers["*"]`) filled in."""
    evalkit("review", "sample", str(res), "--n", "1000", "--out", str(tmp / "drawn.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp / "drawn.csv").read_text("utf-8-sig"), newline="")))
    for r in rows:
        r.update(answers.get(r["case"], answers.get("*", {})))
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    (tmp / name).write_text("\ufeff" + buf.getvalue(), encoding="utf-8", newline="")
    return tmp / name


def _summary(res: Path) -> dict:
    return json.loads((res / "summary.json").read_text("utf-8"))


def test_without_reviews_the_review_metrics_are_not_measured_and_never_pass(
    tmp_path: Path,
) -> None:
    res = tmp_path / "res"
    proc = evalkit("run", str(_suite(tmp_path, BARS)), "--out", str(res))
    assert proc.returncode == 10, proc.stdout + proc.stderr  # accuracy passes; not continue
    p = _summary(res)["pocs"]["p"]
    block = p["metrics"]["unusable"]
    assert block["layer"] == "review" and block["total"] == 0 and block["status"] == "unjudged"
    assert block["tolerable"] == 0.2 and block["rate"] is None
    assert "major_correction" not in p["metrics"]  # no bar, no reviews: nothing to say
    assert (
        "unusable: not measured — no reviewed case answers the sheet's usable column, so its bar "
        "cannot be checked; draw a sample with evalkit review sample and import it"
    ) in p["reasons"]
    assert any(u.startswith("high_risk: not measured") for u in p["unsettled"])
    assert "unusable: not measured" in proc.stdout  # terminal reasons and unsettled list


def test_with_reviews_they_are_judged_on_a_wilson_interval_over_the_reviewed_cases(
    tmp_path: Path,
) -> None:
    res = tmp_path / "res"
    evalkit("run", str(_suite(tmp_path, BARS)), "--out", str(res))
    answers = {"*": {"usable": "yes", "risk": "low", "reviewer": "a"}}
    answers["c00"] = {"usable": "no", "risk": "high", "reviewer": "a"}
    answers["c01"] = {"usable": "no", "risk": "medium", "reviewer": "a"}
    answers["c02"] = {"comment": "not sure", "reviewer": "a"}  # answered neither column
    sheet = _sheet(tmp_path, res, "f.csv", answers)
    proc = evalkit("review", "import", str(res), str(sheet))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    p = _summary(res)["pocs"]["p"]
    unusable = p["metrics"]["unusable"]
    assert (unusable["failures"], unusable["total"]) == (2, 39)  # c02 did not answer
    assert unusable["ci"] == pytest.approx(list(wilson(2, 39, 0.95)), abs=1e-6)
    assert unusable["status"] == "pass" and unusable["layer"] == "review"
    high = p["metrics"]["high_risk"]
    assert (high["failures"], high["total"], high["status"]) == (1, 39, "miss")
    assert p["verdict"] == "redesign"
    assert not any("not measured" in r for r in p["reasons"])  # measured now
    assert any(
        r.startswith(
            "high_risk: reviewers marked 1 of 39 reviewed cases high risk if shipped (2.6%, "
            "95% CI 0.5%–13.2%); within the tolerable 5.0% but the interval reaches above it — "
            "not enough evidence: about "
        )
        for r in p["reasons"]
    )
    assert any(
        r.startswith("unusable: reviewers marked 2 of 39 reviewed cases not usable as is")
        and r.endswith("within the tolerable 20.0% even at the interval's upper end")
        for r in p["reasons"]
    )
    # No bar and nobody answered: not among the metrics; counted as nothing in the block.
    assert "major_correction" not in p["metrics"]
    assert p["review"]["major_correction"]["total"] == 0
    assert p["review"]["unusable"] == {
        "failures": 2,
        "total": 39,
        "rate": unusable["rate"],
        "ci": unusable["ci"],
    }
    # The summary still reads back (its schema knows the review blocks).
    assert evalkit("report", str(res)).returncode == 0
    # Judged again from reviews.jsonl alone: the same reasons, none twice.
    assert evalkit("review", "import", str(res)).returncode == 0
    assert _summary(res)["pocs"]["p"]["reasons"] == p["reasons"]


def test_a_review_metric_beyond_its_stop_limit_stops_the_poc(tmp_path: Path) -> None:
    res = tmp_path / "res"
    evalkit("run", str(_suite(tmp_path, BARS)), "--out", str(res))
    sheet = _sheet(tmp_path, res, "f.csv", {"*": {"usable": "no", "reviewer": "a"}})
    proc = evalkit("review", "import", str(res), str(sheet))
    assert proc.returncode == 0, proc.stderr
    p = _summary(res)["pocs"]["p"]
    assert p["verdict"] == "stop" and p["metrics"]["unusable"]["status"] == "stop"
    assert any("confidently beyond the stop limit 60.0%" in r for r in p["reasons"])


def test_conflicting_reviewers_tie_on_the_failing_side(tmp_path: Path) -> None:
    res = tmp_path / "res"
    evalkit("run", str(_suite(tmp_path, BARS)), "--out", str(res))
    a = _sheet(tmp_path, res, "a.csv", {"*": {"usable": "yes", "reviewer": "佐藤"}})
    b = _sheet(tmp_path, res, "b.csv", {"c00": {"usable": "no", "reviewer": "鈴木"}})
    c = _sheet(tmp_path, res, "c.csv", {"c00": {"usable": "yes", "reviewer": "高橋"}})
    assert evalkit("review", "import", str(res), str(a), str(b)).returncode == 0
    assert _summary(res)["pocs"]["p"]["metrics"]["unusable"]["failures"] == 1  # 1–1: fails
    assert evalkit("review", "import", str(res), str(c)).returncode == 0
    assert _summary(res)["pocs"]["p"]["metrics"]["unusable"]["failures"] == 0  # 2–1: usable


@pytest.mark.parametrize(
    ("thresholds", "scorers", "expected"),
    [
        (
            {
                "unusable": {
                    "tolerable": 0.1,
                    "stop": 0.4,
                    "by_tag": {"x": {"tolerable": 0.1, "stop": 0.4}},
                }
            },
            {},
            "thresholds.unusable.by_tag: unusable has no per-tag bars",
        ),
        (
            {"unusable": {"tolerable": 0.1, "stop": 0.4}},
            {"accuracy": {}, "unusable": {}},
            "scorers.unusable: unusable is measured by human reviewers (the review sheet's usable "
            "column), not by a scorer",
        ),
        (
            {"high_risk": {"tolerable": 0.5, "stop": 0.4}},
            {},
            "thresholds.high_risk.tolerable: expected tolerable <= stop",
        ),
    ],
)
def test_suites_that_misuse_a_review_metric_are_refused_with_the_field_and_the_fix(
    tmp_path: Path, thresholds: dict, scorers: dict, expected: str
) -> None:
    path = _suite(tmp_path, thresholds, {**{"accuracy": {}}, **scorers})
    proc = evalkit("validate", str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert expected in out and f"{path}:" in out


def test_a_suite_with_only_review_bars_runs_no_scorer_for_them(tmp_path: Path) -> None:
    path = _suite(tmp_path, {"unusable": {"tolerable": 0.3, "stop": 0.6}}, scorers={})
    assert evalkit("validate", str(path)).returncode == 0
    res = tmp_path / "res"
    assert evalkit("run", str(path), "--out", str(res)).returncode == 10
    rows = [json.loads(x) for x in (res / "cases.jsonl").read_text("utf-8").splitlines()]
    assert all(r["scores"] == {} for r in rows)
