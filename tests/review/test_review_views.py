"""The review layer where people read results: the terminal table, the Markdown and HTML
reports (the scorer against the reviewers, the corrected rate) and `evalkit diff` (what
flipped in the review layer between two results)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli_runner import evalkit  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "human-review"
SUITE = EXAMPLE / "order-status.yaml"
ALICE = EXAMPLE / "review-en-alice.csv"

# The worked example's accuracy review: 2 of 10 flagged confirmed, 0 of 10 unflagged
# failing; kappa = (0.6 - 0.5) / (1 - 0.5) over the 20 reviewed cases.
ROW = ["accuracy", "20", "20.0%", "100.0%", "0.20", "–", "7.0%", "2.4%–25.5%"]


def _reviewed(tmp: Path, name: str, *sheets: Path) -> tuple[Path, str]:
    out = tmp / name
    args = [a for s in sheets for a in ("--reviews", str(s))]
    proc = evalkit("run", str(SUITE), "--out", str(out), "--no-progress", *args)
    assert proc.returncode in (0, 10), proc.stderr
    return out, proc.stdout


def test_run_prints_the_scorer_against_the_reviewers_and_the_corrected_rate(
    tmp_path: Path,
) -> None:
    _, stdout = _reviewed(tmp_path, "res", ALICE)
    assert "human review (the status is judged on the corrected rate):" in stdout
    assert (
        "   - accuracy: 20 reviewed; scorer precision 20.0%, recall 100.0%, κ 0.20; "
        "corrected 7.0% (2.4%–25.5%)"
    ) in stdout


def test_markdown_and_html_reports_show_the_review_layer(tmp_path: Path) -> None:
    res, _ = _reviewed(tmp_path, "res", ALICE)
    md = evalkit("report", str(res)).stdout
    assert "**Human review**" in md
    assert "| " + " | ".join(ROW) + " |" in md
    html_file = tmp_path / "r.html"
    proc = evalkit("report", str(res), "--html", str(html_file))
    assert proc.returncode == 0, proc.stderr
    page = html_file.read_text("utf-8")
    assert '<table class="review">' in page
    assert "<tr>" + "".join(f"<td>{c}</td>" for c in ROW) + "</tr>" in page
    # A result without reviews shows no review section.
    plain, _ = _reviewed(tmp_path, "plain")
    assert "Human review" not in evalkit("report", str(plain)).stdout


def test_reports_say_how_many_reviews_are_stale_and_why(tmp_path: Path) -> None:
    sheet = tmp_path / "moved.csv"
    rows = list(csv.reader(io.StringIO(ALICE.read_text("utf-8-sig"), newline="")))
    col = rows[0].index("outputs_sha256")
    rows[1][col] = "0" * 16  # reviewed outputs the result does not have
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    sheet.write_text("\ufeff" + buf.getvalue(), "utf-8")
    res, stdout = _reviewed(tmp_path, "res", sheet)
    assert "stale, not used (1: 1 outputs changed since review)" in stdout
    md = evalkit("report", str(res)).stdout
    assert "1 review stale, not used: 1 outputs changed since review" in md


def test_diff_shows_what_flipped_in_the_review_layer(tmp_path: Path) -> None:
    old, _ = _reviewed(tmp_path, "old")  # the scorer alone: accuracy misses its bar
    new, _ = _reviewed(tmp_path, "new", ALICE)  # reviewed: passes on the corrected rate
    text = evalkit("diff", str(old), str(new))
    assert text.returncode == 0, text.stderr
    assert "Review layer, old → new" in text.stdout
    assert (
        "    accuracy: status miss → pass; corrected – → 7.0% (2.4%–25.5%); reviewed – → 20; "
        "scorer precision – → 20.0%, recall – → 100.0%, kappa – → 0.20  ← flipped"
    ) in text.stdout
    # A reviewer changes their mind on one case in a copy of the reviewed result.
    rows = list(csv.reader(io.StringIO(ALICE.read_text("utf-8-sig"), newline="")))
    head = rows[0]
    first = next(r for r in rows[1:] if r[head.index("human_accuracy")] == "pass")
    first[head.index("human_accuracy")] = "fail"
    first[head.index("usable")] = "no"
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    changed = tmp_path / "changed.csv"
    changed.write_text("\ufeff" + buf.getvalue(), "utf-8")
    newer, _ = _reviewed(tmp_path, "newer", changed)
    case = first[head.index("case")]
    text = evalkit("diff", str(new), str(newer)).stdout
    assert "Reviewers' judgements that flipped (cases reviewed in both): 2" in text
    assert f"    ✗ order-status/{case} accuracy: pass → fail" in text
    assert f"    ✗ order-status/{case} unusable: pass → fail" in text
    md = evalkit("diff", str(new), str(newer), "--format", "markdown").stdout
    assert "### Review layer" in md and f"order-status/{case} accuracy: pass → fail" in md
    data = json.loads(evalkit("diff", str(new), str(newer), "--format", "json").stdout)
    assert {"suite": "order-status", "case": case, "poc": "order-bot", "what": "accuracy",
            "old": "pass", "new": "fail"} in data["review"]["flipped"]  # fmt: skip
    (metric,) = data["review"]["metrics"]
    assert metric["old"]["rate"] < metric["new"]["rate"]
    # No reviews on either side: no review section at all.
    plain = evalkit("diff", str(old), str(old)).stdout
    assert "Review layer" not in plain


def test_the_review_layer_speaks_japanese_for_a_japanese_suite(tmp_path: Path) -> None:
    out = tmp_path / "ja"
    proc = evalkit(
        "run", str(EXAMPLE / "order-status-ja.yaml"), "--out", str(out), "--no-progress",
        "--reviews", str(EXAMPLE / "review-ja-hanako.csv"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "人手レビュー（判定は補正後の失敗率で行っています）：" in proc.stdout
    assert (
        "   - accuracy：レビュー20件、スコアラーの適合率 10.0%・再現率 100.0%・κ 0.10、"
        "補正後 3.3%（1.0%–21.4%）"
    ) in proc.stdout
    assert f"レビュー：{out / 'reviews.jsonl'} のうち20件を判定に使用しました" in proc.stdout
    md = evalkit("report", str(out), "--lang", "ja").stdout
    assert "**人手レビュー**" in md and "| 指標 | レビュー件数 | スコアラーの適合率 |" in md
    english = evalkit("report", str(out), "--lang", "en").stdout
    assert "**Human review**" in english
