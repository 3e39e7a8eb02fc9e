"""`evalkit run … --reviews FILE`: a re-run keeps the reviews of the outputs it reproduces,
reports the others stale with why, and resume, --workers, --shard and merge keep them."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli_runner import evalkit  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "human-review"


def _suite(tmp: Path, *, cases: int = 40, wrong: int = 12, extra: dict | None = None) -> Path:
    """A suite whose first `wrong` cases answer 'no' (exact match fails them), the rest 'yes'."""
    rows = []
    suite_cases = []
    for i in range(cases):
        cid = f"c{i:02d}"
        rows.append({"case": cid, "sample": 0, "output": "no" if i < wrong else "yes"})
        suite_cases.append({"id": cid, "vars": {"q": f"question {i}?"}, "reference": "yes"})
    (tmp / "r.replay.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    suite = {
        "suite": "s",
        "poc": "p",
        "prompt": {"template": "{{q}}"},
        "samples": 1,
        "client": "replay:r.replay.jsonl",
        "scorers": {"accuracy": {"method": "exact"}},
        "thresholds": {"accuracy": {"tolerable": 0.1, "stop": 0.5}},
        "cases": suite_cases,
        **(extra or {}),
    }
    (tmp / "s.json").write_text(json.dumps(suite, ensure_ascii=False), "utf-8")
    return tmp / "s.json"


def _change_outputs(tmp: Path, *cases: str) -> None:
    path = tmp / "r.replay.jsonl"
    rows = [json.loads(x) for x in path.read_text("utf-8").splitlines()]
    for r in rows:
        if r["case"] in cases:
            r["output"] = "yes, sure"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")


def _filled_sheet(tmp: Path, res: Path, name: str = "f.csv", **cells: str) -> Path:
    """Every case of `res` drawn into a sheet, reviewed: 'no' is a right answer."""
    evalkit("review", "sample", str(res), "--n", "1000", "--out", str(tmp / "drawn.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp / "drawn.csv").read_text("utf-8-sig"), newline="")))
    for r in rows:
        r.update({"human_accuracy": "pass", "usable": "yes", "reviewer": "a", **cells})
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    (tmp / name).write_text("\ufeff" + buf.getvalue(), encoding="utf-8", newline="")
    return tmp / name


def _summary(res: Path) -> dict:
    return json.loads((res / "summary.json").read_text("utf-8"))


def _review_lines(res: Path) -> list[dict]:
    return [json.loads(x) for x in (res / "reviews.jsonl").read_text("utf-8").splitlines()]


def test_run_with_reviews_judges_on_the_corrected_rate_and_a_rerun_adds_no_duplicate(
    tmp_path: Path,
) -> None:
    suite = _suite(tmp_path)
    first = tmp_path / "first"
    assert evalkit("run", str(suite), "--out", str(first)).returncode == 10  # 30% flagged
    sheet = _filled_sheet(tmp_path, first)
    res = tmp_path / "res"
    proc = evalkit("run", str(suite), "--out", str(res), "--reviews", str(sheet))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Reviews: 40 from {res / 'reviews.jsonl'} count in the verdict" in proc.stdout
    p = _summary(res)["pocs"]["p"]
    assert p["verdict"] == "continue" and p["metrics"]["accuracy"]["review"]["rate"] == 0.0
    assert "stale" not in proc.stdout and _summary(res)["review"]["stale"] == []
    assert len(_review_lines(res)) == 40
    again = evalkit("run", str(suite), "--out", str(res), "--reviews", str(sheet))
    assert again.returncode == 0 and len(_review_lines(res)) == 40  # not appended twice
    # Without --reviews, a re-run into the folder keeps the folder's reviews.
    plain = evalkit("run", str(suite), "--out", str(res))
    assert plain.returncode == 0 and _summary(res)["pocs"]["p"]["verdict"] == "continue"


def test_reviews_of_outputs_the_rerun_changed_are_stale_and_the_output_says_why(
    tmp_path: Path,
) -> None:
    suite = _suite(tmp_path)
    res = tmp_path / "res"
    evalkit("run", str(suite), "--out", str(res))
    sheet = _filled_sheet(tmp_path, res)
    assert evalkit("review", "import", str(res), str(sheet)).returncode == 0
    _change_outputs(tmp_path, "c00", "c01", "c02")
    proc = evalkit("run", str(suite), "--out", str(res), "--reviews", str(sheet))
    assert proc.returncode in (0, 10), proc.stderr
    assert "stale, not used (3: 3 outputs changed since review): s/c00 (a: outputs" in proc.stdout
    assert "review these cases again with a new sheet" in proc.stdout
    s = _summary(res)
    assert s["review"]["stale_why"] == {"outputs changed since review": 3}
    assert s["review"]["used"] == 37
    block = s["pocs"]["p"]["metrics"]["accuracy"]["review"]
    assert block["cases"] == 37  # the stale ones are not used
    assert len(_review_lines(res)) == 40  # the sheet's lines were there already


def test_reviews_of_cases_a_run_lacks_are_stale_with_that_reason(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    res = tmp_path / "res"
    evalkit("run", str(suite), "--out", str(res))
    sheet = _filled_sheet(tmp_path, res)
    sub = tmp_path / "sub"
    proc = evalkit(
        "run", str(suite), "--out", str(sub), "--case", "c00", "--case", "c20",
        "--reviews", str(sheet),
    )  # fmt: skip
    assert proc.returncode in (0, 10), proc.stderr
    assert "38 case not in this result" in proc.stdout
    assert "count again when a run includes them" in proc.stdout
    assert _summary(sub)["review"]["stale_why"] == {"case not in this result": 38}


def test_bad_review_files_stop_the_run_before_anything_is_written(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    res = tmp_path / "res"
    evalkit("run", str(suite), "--out", str(res))
    _filled_sheet(tmp_path, res, name="bad.csv", risk="HIGH!")
    out = tmp_path / "never"
    proc = evalkit("run", str(suite), "--out", str(out), "--reviews", str(tmp_path / "bad.csv"))
    assert proc.returncode == 2
    assert (
        "bad.csv:2:" in proc.stderr and "risk: expected low, medium, high or blank" in proc.stderr
    )
    assert "nothing was run" in proc.stderr and not out.exists()
    missing = evalkit("run", str(suite), "--out", str(out), "--reviews", str(tmp_path / "no.csv"))
    assert missing.returncode == 2 and "no.csv: no such file" in missing.stderr
    torn = tmp_path / "bad.jsonl"
    torn.write_text('{"suite": "s"}\n', "utf-8")
    proc = evalkit("run", str(suite), "--out", str(out), "--reviews", str(torn))
    assert proc.returncode == 2 and "bad.jsonl:1:" in proc.stderr and not out.exists()


def test_reviews_carry_from_another_result_folder_or_its_reviews_jsonl(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    old = tmp_path / "old"
    evalkit("run", str(suite), "--out", str(old))
    assert evalkit("review", "import", str(old), str(_filled_sheet(tmp_path, old))).returncode == 0
    for given in (old, old / "reviews.jsonl"):
        new = tmp_path / f"new-{given.name}"
        proc = evalkit("run", str(suite), "--out", str(new), "--reviews", str(given))
        assert proc.returncode == 0, proc.stderr
        assert _review_lines(new) == _review_lines(old)  # the audit trail travels unchanged
        assert _summary(new)["pocs"]["p"]["verdict"] == "continue"


def test_a_resumed_run_keeps_the_reviews(tmp_path: Path) -> None:
    from evalkit.clients import build_client, parse_spec
    from evalkit.run.options import RunOptions
    from evalkit.run.provenance import fingerprint, provenance
    from evalkit.suite.loader import load_suites

    suite_file = _suite(tmp_path)
    full = tmp_path / "full"
    evalkit("run", str(suite_file), "--out", str(full))
    sheet = _filled_sheet(tmp_path, full)
    # An interrupted run: a journal of 15 finished cases and the meta it leaves.
    res = tmp_path / "res"
    res.mkdir()
    (suite,) = load_suites([str(suite_file)]).suites
    client = build_client(parse_spec(suite.client, suite.base_dir))  # type: ignore[arg-type]
    meta = fingerprint(provenance([suite], {"s": client}, RunOptions(out_dir=res)), [suite])
    (res / "cases.partial.meta.json").write_text(json.dumps({"fingerprint": meta}))
    rows = (full / "cases.jsonl").read_text("utf-8").splitlines(True)[:15]
    (res / "cases.partial.jsonl").write_text("".join(rows), "utf-8")
    proc = evalkit("run", str(suite_file), "--out", str(res), "--reviews", str(sheet))
    assert proc.returncode == 0, proc.stderr
    assert "Resumed: 15 cases" in proc.stdout
    assert _summary(res)["review"]["used"] == 40


@pytest.mark.parametrize("how", ["workers", "shards"])
def test_workers_and_merged_shards_keep_the_reviews(tmp_path: Path, how: str) -> None:
    suite = _suite(tmp_path)
    full = tmp_path / "full"
    evalkit("run", str(suite), "--out", str(full))
    sheet = _filled_sheet(tmp_path, full)
    res = tmp_path / "res"
    if how == "workers":
        proc = evalkit(
            "run", str(suite), "--out", str(res), "--workers", "2", "--reviews", str(sheet)
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert not (res / ".workers").exists()
    else:
        for k in (1, 2):
            shard = tmp_path / f"shard{k}"
            proc = evalkit(
                "run", str(suite), "--shard", f"{k}/2", "--out", str(shard),
                "--reviews", str(sheet),
            )  # fmt: skip
            assert "case not in this result" in proc.stdout  # the other shard's cases
        proc = evalkit(
            "merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(res)
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert len(_review_lines(res)) == 40  # each shard had all 40: kept once
    assert f"Reviews: 40 from {res / 'reviews.jsonl'}" in proc.stdout
    s = _summary(res)
    assert s["pocs"]["p"]["verdict"] == "continue" and s["review"]["stale"] == []


def test_japanese_sheets_and_conflicting_reviewers_via_run(tmp_path: Path) -> None:
    # The worked example's Japanese sheet, given to run: the same verdict as review import.
    shutil.copytree(EXAMPLE, tmp_path / "ex")
    res = tmp_path / "ja"
    proc = evalkit(
        "run", str(tmp_path / "ex" / "order-status-ja.yaml"), "--out", str(res),
        "--reviews", str(tmp_path / "ex" / "review-ja-hanako.csv"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    entry = _summary(res)["pocs"]["注文ボット"]
    assert entry["verdict"] == "continue"
    assert any(r["reviewer"] == "山田花子" for r in _review_lines(res))
    # Two reviewers disagree on every case: a tie fails, for the label and for usable.
    suite = _suite(tmp_path, extra={"thresholds": {"accuracy": {"tolerable": 0.1, "stop": 0.5}}})
    first = tmp_path / "first"
    evalkit("run", str(suite), "--out", str(first))
    a = _filled_sheet(tmp_path, first, name="a.csv", reviewer="佐藤")
    b = _filled_sheet(
        tmp_path, first, name="b.csv", reviewer="鈴木", human_accuracy="fail", usable="no"
    )
    res = tmp_path / "both"
    proc = evalkit("run", str(suite), "--out", str(res), "--reviews", str(a), "--reviews", str(b))
    assert proc.returncode == 20, proc.stdout + proc.stderr  # every case fails: stop
    p = _summary(res)["pocs"]["p"]
    review = p["metrics"]["accuracy"]["review"]
    assert review["rate"] == 1.0 and review["reviewers"]["agreement"] == 0.0
    assert p["review"]["unusable"]["failures"] == 40
