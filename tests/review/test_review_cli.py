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


def _run(tmp: Path, *, cases: int = 40, wrong: int = 12, tolerable: float = 0.1) -> Path:
    """A result of one suite whose first `wrong` cases answer 'no' (accuracy fails them,
    exact match) and the rest 'yes'; case c00 is critical and its question Japanese."""
    replay = tmp / "r.replay.jsonl"
    rows = []
    suite_cases = []
    for i in range(cases):
        cid = f"c{i:02d}"
        answer = "no" if i < wrong else "yes"
        rows.append({"case": cid, "sample": 0, "output": answer if i else "いいえ"})
        case = {"id": cid, "vars": {"q": "返品できますか" if i == 0 else f"question {i}?"}}
        case["reference"] = "yes"
        if i == 0:
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
