"""`evalkit review sample` and `evalkit review import` on a real result folder."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli_runner import evalkit  # noqa: E402

from evalkit.review.sheet import choose, outputs_sha256, sheet_text  # noqa: E402


def _run(
    tmp: Path, *, cases: int = 40, wrong: int = 12, tolerable: float = 0.1, critical: bool = True
) -> Path:
    """A result of one suite whose first `wrong` cases answer 'no' (accuracy fails them,
    exact match) and the rest 'yes'; case c00 (critical unless told) has a Japanese
    question and answer."""
    replay = tmp / "r.replay.jsonl"
    rows = []
    suite_cases = []
    for i in range(cases):
        cid = f"c{i:02d}"
        answer = "no" if i < wrong else "yes"
        rows.append({"case": cid, "sample": 0, "output": answer if i else "いいえ"})
        case = {"id": cid, "vars": {"q": "返品できますか" if i == 0 else f"question {i}?"}}
        case["reference"] = "yes"
        if i == 0 and critical:
            case["critical"] = True
        suite_cases.append(case)
    replay.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    suite = {
        "suite": "s",
        "poc": "p",
        "prompt": {"template": "{{q}}"},
        "samples": 1,
        "client": "replay:r.replay.jsonl",
        "scorers": {"accuracy": {"method": "exact"}},
        "thresholds": {"accuracy": {"tolerable": tolerable, "stop": 0.5}},
        "cases": suite_cases,
    }
    (tmp / "s.json").write_text(json.dumps(suite, ensure_ascii=False), "utf-8")
    out = tmp / "res"
    proc = evalkit("run", str(tmp / "s.json"), "--out", str(out))
    assert proc.returncode in (0, 10, 20), proc.stderr
    return out


def _sheet(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheet tools need for Japanese
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_sample_writes_a_stratified_sheet_with_every_critical_case(tmp_path: Path) -> None:
    res = _run(tmp_path)
    proc = evalkit(
        "review", "sample", str(res), "--n", "10", "--seed", "3", "--out", str(tmp_path / "s.csv")
    )
    assert proc.returncode == 0, proc.stderr
    rows = _sheet(tmp_path / "s.csv")
    ids = [r["case"] for r in rows]
    assert "c00" in ids  # critical, always in
    assert len(rows) == 11
    flagged = [r for r in rows if r["scorer_accuracy"] == "fail" and r["case"] != "c00"]
    assert len(flagged) == 5  # equal shares of the two strata (11 flagged, 28 passed)
    c00 = next(r for r in rows if r["case"] == "c00")
    assert (
        c00["critical"] == "yes"
        and c00["prompt"] == "返品できますか"
        and c00["outputs"] == "いいえ"
    )
    assert c00["outputs_sha256"] == outputs_sha256(["いいえ"])
    for col in ("human_accuracy", "usable", "correction", "risk", "comment", "reviewer"):
        assert col in rows[0] and rows[0][col] == ""
    assert "reason_accuracy" in rows[0]
    again = tmp_path / "again.csv"
    evalkit("review", "sample", str(res), "--n", "10", "--seed", "3", "--out", str(again))
    assert again.read_bytes() == (tmp_path / "s.csv").read_bytes()  # seeded: reproducible


def test_choose_gives_each_stratum_an_equal_share_and_small_ones_all_they_have() -> None:
    rows = [
        {"suite": "s", "case": f"f{i}", "scores": {"m": {"passed": False}}} for i in range(3)
    ] + [{"suite": "s", "case": f"p{i}", "scores": {"m": {"passed": True}}} for i in range(50)]
    rows.append({"suite": "s", "case": "err", "error": "boom", "scores": {}})
    chosen = choose(rows, 20, seed=1)
    assert {c for _, c in chosen if c.startswith("f")} == {"f0", "f1", "f2"}
    assert sum(c.startswith("p") for _, c in chosen) == 17
    assert ("s", "err") not in chosen  # no output to review
    assert choose(rows, 20, seed=1) == chosen and choose(rows, 20, seed=2) != chosen


def test_sheet_guards_cells_a_spreadsheet_would_run_as_formulas() -> None:
    row = {"suite": "s", "case": "c", "outputs": ['=HYPERLINK("x")'], "scores": {}}
    text = sheet_text([row], [])
    got = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert got["outputs"] == '\'=HYPERLINK("x")'


def test_sample_of_a_missing_result_is_a_usage_error(tmp_path: Path) -> None:
    proc = evalkit(
        "review", "sample", str(tmp_path / "nope"), "--n", "5", "--out", str(tmp_path / "x.csv")
    )
    assert proc.returncode == 2 and "no such result" in proc.stderr


def _fill(sheet: Path, out: Path, **by_case: dict[str, str]) -> Path:
    """Copy `sheet` to `out` with the cells of `by_case[case]` (or of `by_case["*"]`) set."""
    rows = _sheet(sheet)
    for r in rows:
        r.update(by_case.get(r["case"], by_case.get("*", {})))
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    out.write_text("\ufeff" + buf.getvalue(), encoding="utf-8", newline="")
    return out


def _summary(res: Path) -> dict:
    return json.loads((res / "summary.json").read_text("utf-8"))


def test_import_judges_on_the_corrected_rate_when_reviewers_overrule_the_scorer(
    tmp_path: Path,
) -> None:
    # 120 cases, the scorer fails 30 (25%, far above the tolerable 10%); reviewers, who
    # see all of them, find the 'no' answers acceptable: the corrected rate is 0.
    res = _run(tmp_path, cases=120, wrong=30, critical=False)
    before = _summary(res)
    assert before["pocs"]["p"]["verdict"] == "redesign"
    evalkit("review", "sample", str(res), "--n", "120", "--out", str(tmp_path / "s.csv"))
    filled = _fill(
        tmp_path / "s.csv",
        tmp_path / "filled.csv",
        **{"*": {"human_accuracy": "pass", "reviewer": "山田", "usable": "yes"}},
        c01={"human_accuracy": "Pass", "reviewer": "山田", "comment": "言い換えで正しい"},
    )
    proc = evalkit("review", "import", str(res), str(filled))
    assert proc.returncode == 0, proc.stderr
    after = _summary(res)
    p = after["pocs"]["p"]
    assert p["verdict"] == "continue" and after["verdict"] == "continue"
    review = p["metrics"]["accuracy"]["review"]
    assert review["cases"] == 120 and review["rate"] == 0.0
    assert review["ci"][1] <= 0.1
    assert review["scorer_precision"] == 0.0 and review["scorer_recall"] is None
    assert review["kappa"] == 0.0 and review["agreement"] == 0.75
    assert p["metrics"]["accuracy"]["rate"] == 0.25  # the scorer's own rate stays
    assert p["metrics"]["accuracy"]["status"] == "pass"
    assert any(
        "scorer flags 25.0% (30/120); reviewers confirmed 0 of 30 flagged" in r
        and "corrected 0.0%" in r
        for r in p["reasons"]
    )
    lines = [json.loads(x) for x in (res / "reviews.jsonl").read_text("utf-8").splitlines()]
    assert len(lines) == 120
    c01 = next(x for x in lines if x["case"] == "c01")
    assert c01["reviewer"] == "山田" and c01["comment"] == "言い換えで正しい"
    assert c01["labels"] == {"accuracy": "pass"} and c01["imported_at"]
    assert c01["source"].endswith(":3")
    assert evalkit("report", str(res)).returncode == 0  # still a valid result folder
    assert "山田" not in proc.stderr


def test_import_refuses_bad_values_and_unknown_cases_with_their_place(tmp_path: Path) -> None:
    res = _run(tmp_path)
    evalkit("review", "sample", str(res), "--n", "6", "--out", str(tmp_path / "s.csv"))
    first = _sheet(tmp_path / "s.csv")[0]["case"]
    filled = _fill(
        tmp_path / "s.csv",
        tmp_path / "bad.csv",
        **{
            "*": {"human_accuracy": "pass", "reviewer": "a"},
            first: {"human_accuracy": "ok", "reviewer": "a", "risk": "高"},
        },
    )
    before = (res / "summary.json").read_bytes()
    proc = evalkit("review", "import", str(res), str(filled))
    assert proc.returncode == 2
    cols = list(_sheet(tmp_path / "s.csv")[0])
    col = cols.index("human_accuracy") + 1
    assert f"bad.csv:2:{col}: human_accuracy: expected pass, fail or blank, got 'ok'" in proc.stderr
    assert (
        f"bad.csv:2:{cols.index('risk') + 1}: risk: expected low, medium, high or blank, got '高'"
        in proc.stderr
    )
    assert "nothing was imported" in proc.stderr
    assert not (res / "reviews.jsonl").exists() and (res / "summary.json").read_bytes() == before

    unknown = _fill(
        tmp_path / "s.csv",
        tmp_path / "unknown.csv",
        **{"*": {"human_accuracy": "fail", "reviewer": "a", "case": "zz"}},
    )
    proc = evalkit("review", "import", str(res), str(unknown))
    assert proc.returncode == 2 and "unknown case 'zz' of suite 's'" in proc.stderr
    assert f"unknown.csv:2:{cols.index('case') + 1}:" in proc.stderr

    nobody = _fill(tmp_path / "s.csv", tmp_path / "nobody.csv", **{"*": {"human_accuracy": "fail"}})
    proc = evalkit("review", "import", str(res), str(nobody))
    assert proc.returncode == 2 and "reviewer is blank" in proc.stderr


def test_stale_reviews_are_reported_and_not_used(tmp_path: Path) -> None:
    res = _run(tmp_path)
    evalkit("review", "sample", str(res), "--n", "40", "--out", str(tmp_path / "s.csv"))
    filled = _fill(
        tmp_path / "s.csv",
        tmp_path / "f.csv",
        **{"*": {"human_accuracy": "fail", "reviewer": "a"}},
        c05={"human_accuracy": "pass", "reviewer": "a", "outputs_sha256": "0000000000000000"},
    )
    proc = evalkit("review", "import", str(res), str(filled))
    assert proc.returncode == 0, proc.stderr
    assert (
        "stale, not used (1: 1 outputs changed since review): s/c05 (a: outputs changed since "
        "review)" in proc.stdout
    )
    review = _summary(res)["pocs"]["p"]["metrics"]["accuracy"]["review"]
    assert review["cases"] == 39 and _summary(res)["review"]["stale"] == [
        "s/c05 (a: outputs changed since review)"
    ]


def test_several_reviewers_later_reviews_replace_earlier_ones_and_agreement_is_reported(
    tmp_path: Path,
) -> None:
    res = _run(tmp_path)
    evalkit("review", "sample", str(res), "--n", "40", "--out", str(tmp_path / "s.csv"))
    a = _fill(
        tmp_path / "s.csv", tmp_path / "a.csv", **{"*": {"human_accuracy": "pass", "reviewer": "a"}}
    )
    b = _fill(
        tmp_path / "s.csv", tmp_path / "b.csv", **{"*": {"human_accuracy": "fail", "reviewer": "b"}}
    )
    assert evalkit("review", "import", str(res), str(a), str(b)).returncode == 0
    r = _summary(res)["pocs"]["p"]["metrics"]["accuracy"]["review"]
    assert r["reviewers"]["pairs"] == 40 and r["reviewers"]["agreement"] == 0.0
    assert r["rate"] == 1.0  # a 1-1 tie counts as a failure
    # Reviewer b changes their mind: only their latest review counts.
    b2 = _fill(
        tmp_path / "s.csv",
        tmp_path / "b2.csv",
        **{"*": {"human_accuracy": "pass", "reviewer": "b"}},
    )
    assert evalkit("review", "import", str(res), str(b2)).returncode == 0
    r = _summary(res)["pocs"]["p"]["metrics"]["accuracy"]["review"]
    assert r["reviewers"]["agreement"] == 1.0 and r["rate"] == 0.0
    assert len((res / "reviews.jsonl").read_text("utf-8").splitlines()) == 120  # all kept
    # With no sheet, the summary is judged again from reviews.jsonl alone.
    (res / "summary.json").write_text(json.dumps({**_summary(res), "verdict": "stop"}), "utf-8")
    assert evalkit("review", "import", str(res)).returncode == 0
    assert _summary(res)["pocs"]["p"]["metrics"]["accuracy"]["review"]["rate"] == 0.0


def test_import_without_reviews_of_a_stratum_does_not_correct_and_says_why(tmp_path: Path) -> None:
    res = _run(tmp_path)
    evalkit("review", "sample", str(res), "--n", "40", "--out", str(tmp_path / "s.csv"))
    rows = _sheet(tmp_path / "s.csv")
    flagged_only = {
        r["case"]: {"human_accuracy": "fail", "reviewer": "a"}
        for r in rows
        if r["scorer_accuracy"] == "fail"
    }
    f = _fill(tmp_path / "s.csv", tmp_path / "f.csv", **flagged_only)
    proc = evalkit("review", "import", str(res), str(f))
    assert proc.returncode == 0, proc.stderr
    m = _summary(res)["pocs"]["p"]["metrics"]["accuracy"]
    assert m["review"]["rate"] is None and "unflagged cases have no review" in m["review"]["note"]
    assert "unflagged cases have no review" in proc.stdout


def test_readme_documents_the_review_commands_as_the_cli_has_them() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Human review", 1)[1].split("\n## ", 1)[0]
    for text in ("evalkit review sample", "evalkit review import", "--n 60", "--seed", "--out"):
        assert text in section, text
    listed = evalkit("review", "--help").stdout
    assert "sample" in listed and "import" in listed
    assert "review" in evalkit("--help").stdout
    options = evalkit("review", "sample", "--help").stdout
    for flag in ("--n", "--seed", "--out", "--html"):
        assert flag in options
