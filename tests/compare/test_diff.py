"""`evalkit diff`: comparing two hand-made result folders (README format), and its CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from evalkit.cli.diff import command
from evalkit.compare.diff import Diff, compare, triggered
from evalkit.errors import UsageError
from evalkit.report.diffview import render_json, render_markdown, render_text


def _write(folder: Path, summary: dict[str, Any], rows: list[dict[str, Any]] | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True))
    if rows is not None:
        (folder / "cases.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    return folder


def _summary(
    verdict: str, reasons: list[str], acc: tuple[int, int], model: str, sha: str
) -> dict[str, Any]:
    failures, total = acc
    return {
        "schema_version": 1,
        "verdict": verdict,
        "pocs": {
            "bot": {
                "verdict": verdict,
                "reasons": reasons,
                "cases": 31,
                "metrics": {
                    "accuracy": {
                        "failures": failures,
                        "total": total,
                        "rate": round(failures / total, 6),
                        "ci": [0.0, 0.5],
                        "tolerable": 0.1,
                        "stop": 0.4,
                        "status": "miss",
                    },
                    "consistency": {
                        "failures": 1,
                        "total": total,
                        "rate": round(1 / total, 6),
                        "ci": [0.0, 0.2],
                        "tolerable": 0.1,
                        "stop": 0.5,
                        "status": "miss",
                    },
                },
                "tags": {
                    "billing": {
                        "accuracy": {"failures": 0, "total": 5, "rate": 0.0, "ci": [0, 0.4]}
                    }
                },
            }
        },
        "provenance": {
            "evalkit_version": "0.1.0",
            "suites": {
                "faq": {
                    "sha256": sha,
                    "poc": "bot",
                    "client": {"spec": "openai:" + model, "model": model},
                    "samples": 3,
                    "params": {},
                    "seed": 0,
                }
            },
            "options": {"shard": None, "samples": None},
        },
        "run": {"started_at": "2026-01-01T00:00:00Z"},
    }


def _row(
    case: str,
    acc: bool | None,
    cons: bool = True,
    output: str = "30 days",
    prompt: str = "Q?",
    tags: list[str] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "suite": "faq",
        "poc": "bot",
        "case": case,
        "prompt": prompt,
        "outputs": [output, output],
        "scores": {},
    }
    if tags:
        row["tags"] = tags
    if error:
        row["error"], row["error_kind"], row["scores"] = error, "timeout", {}
        return row
    if acc is not None:
        row["scores"]["accuracy"] = {
            "passed": acc,
            "score": float(acc),
            "reason": "matches '30 days'" if acc else "expected '30 days', found other",
        }
    row["scores"]["consistency"] = {
        "passed": cons,
        "score": float(cons),
        "reason": "samples agree" if cons else "samples disagree",
    }
    return row


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    """30 shared cases: 10 newly fail accuracy (c00–c09), 2 newly pass (c20, c21); c05 also
    newly fails consistency; c29 errors in the new run; 'gone' and 'added' are one-sided."""
    old_rows, new_rows = [], []
    for i in range(30):
        case = f"c{i:02d}"
        tags = ["billing"] if i < 5 else None
        old_rows.append(
            _row(case, acc=i not in (20, 21), tags=tags, output=f"old answer {i} | 30 days")
        )
        if i == 29:
            new_rows.append(_row(case, acc=None, error="timed out after 30 s"))
            continue
        new_rows.append(
            _row(
                case,
                acc=not (i < 10),
                cons=i != 5,
                tags=tags,
                output=f"new answer {i} | 60 days " + "x" * 400,
                prompt="Q changed?" if i == 3 else "Q?",
            )
        )
    old_rows.append(_row("gone", acc=True))
    new_rows.append(_row("added", acc=True))
    old_rows.sort(key=lambda r: r["case"])
    new_rows.sort(key=lambda r: r["case"])
    old = _write(
        tmp_path / "old",
        _summary("continue", ["all metrics within their bars"], (2, 30), "gpt-a", "1" * 64),
        old_rows,
    )
    new = _write(
        tmp_path / "new",
        _summary(
            "redesign",
            ["accuracy: 34.5% failed is above the tolerable 10.0%"],
            (10, 29),
            "gpt-b",
            "2" * 64,
        ),
        new_rows,
    )
    return old, new


def _metric(diff: Diff, metric: str, tag: str | None = None) -> Any:
    return next(m for m in diff.metrics if m.metric == metric and m.tag == tag)


def test_verdict_change_is_reported_with_reasons_added_and_removed(runs: tuple[Path, Path]) -> None:
    diff = compare(*runs)
    (bot,) = diff.verdicts
    assert (bot.old, bot.new, bot.worse) == ("continue", "redesign", True)
    assert bot.reasons_added == ("accuracy: 34.5% failed is above the tolerable 10.0%",)
    assert bot.reasons_removed == ("all metrics within their bars",)


def test_paired_mcnemar_counts_only_cases_both_runs_scored(runs: tuple[Path, Path]) -> None:
    acc = _metric(compare(*runs), "accuracy")
    assert (acc.newly_failing, acc.newly_passing) == (10, 2)
    assert acc.shared == 29  # c29 errored in the new run; 'gone'/'added' are one-sided
    assert acc.p == pytest.approx(0.0386, abs=1e-4)
    assert acc.significant and acc.worse
    assert acc.sentence == "10 cases newly fail accuracy, 2 newly pass; significant (p = 0.039)"
    assert (
        acc.old_rate == pytest.approx(2 / 30, abs=1e-6) and acc.delta is not None and acc.delta > 0
    )


def test_small_changes_say_not_enough_cases_to_tell(runs: tuple[Path, Path]) -> None:
    diff = compare(*runs)
    assert _metric(diff, "consistency").sentence.endswith("not enough cases to tell")
    billing = _metric(diff, "accuracy", "billing")
    assert (billing.newly_failing, billing.shared) == (5, 5)
    assert (
        billing.sentence
        == "5 cases newly fail accuracy [billing], 0 newly pass; not enough cases to tell"
    )


def test_flipped_cases_list_newly_failing_first_with_both_outputs(runs: tuple[Path, Path]) -> None:
    flipped = compare(*runs).flipped
    assert [f.case for f in flipped] == [f"c{i:02d}" for i in range(10)] + ["c20", "c21"]
    c05 = flipped[5]
    assert c05.newly_failing == ("accuracy", "consistency")
    assert c05.old_outputs[0] == "old answer 5 | 30 days"
    assert c05.new_outputs[0].startswith("new answer 5") and len(c05.new_outputs[0]) <= 500
    assert c05.new_reasons == {
        "accuracy": "expected '30 days', found other",
        "consistency": "samples disagree",
    }
    assert flipped[-1].newly_passing == ("accuracy",)


def test_cases_in_only_one_run_are_listed_separately(runs: tuple[Path, Path]) -> None:
    diff = compare(*runs)
    assert [r.case for r in diff.only_old] == ["gone"]
    assert [r.case for r in diff.only_new] == ["added"]


def test_provenance_changes_name_model_suite_file_and_prompts(runs: tuple[Path, Path]) -> None:
    changes = {(p.suite, p.what): (p.old, p.new) for p in compare(*runs).provenance}
    assert changes[("faq", "model")] == ("gpt-a", "gpt-b")
    assert changes[("faq", "suite file")] == ("1" * 64, "2" * 64)
    assert changes[("faq", "prompts")][1] == "1 case prompt changed"


def test_fail_on_conditions(runs: tuple[Path, Path]) -> None:
    diff = compare(*runs)
    assert triggered(diff, ["verdict-drop"]) == ["verdict-drop: bot went continue → redesign"]
    regression = triggered(diff, ["regression"])
    assert any(r.startswith("regression: bot accuracy") for r in regression)
    assert triggered(diff, ["any-flip"]) == ["any-flip: 12 cases changed pass/fail"]
    assert triggered(diff, []) == []


def test_identical_runs_trigger_nothing(runs: tuple[Path, Path]) -> None:
    old, _ = runs
    diff = compare(old, old / "summary.json")
    assert triggered(diff, ["regression", "verdict-drop", "any-flip"]) == []
    assert not diff.flipped and not diff.provenance


def test_regression_triggers_without_a_verdict_drop(tmp_path: Path) -> None:
    rows_old = [_row(f"c{i:02d}", acc=True) for i in range(20)]
    rows_new = [_row(f"c{i:02d}", acc=i >= 8) for i in range(20)]
    old = _write(tmp_path / "o", _summary("redesign", ["r"], (0, 20), "m", "s"), rows_old)
    new = _write(tmp_path / "n", _summary("redesign", ["r"], (8, 20), "m", "s"), rows_new)
    diff = compare(old, new)
    assert triggered(diff, ["verdict-drop"]) == []
    assert triggered(diff, ["regression"]) == [
        "regression: bot accuracy: 8 cases newly fail accuracy, 0 newly pass; significant (p = 0.008)"
    ]


def test_improvement_is_significant_but_not_a_regression(tmp_path: Path) -> None:
    rows_old = [_row(f"c{i:02d}", acc=i >= 8) for i in range(20)]
    rows_new = [_row(f"c{i:02d}", acc=True) for i in range(20)]
    old = _write(tmp_path / "o", _summary("redesign", ["r"], (8, 20), "m", "s"), rows_old)
    new = _write(tmp_path / "n", _summary("redesign", ["r"], (0, 20), "m", "s"), rows_new)
    acc = _metric(compare(old, new), "accuracy")
    assert acc.significant and not acc.worse
    assert triggered(compare(old, new), ["regression"]) == []


def test_summary_only_baseline_still_compares_verdicts(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = runs
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "summary.json").write_text((old / "summary.json").read_text())
    diff = compare(bare, new)
    assert not diff.paired and "no cases.jsonl" in diff.notes[0]
    assert _metric(diff, "accuracy").p is None
    assert triggered(diff, ["verdict-drop"]) == ["verdict-drop: bot went continue → redesign"]


def test_unknown_fail_on_is_a_usage_error(runs: tuple[Path, Path]) -> None:
    with pytest.raises(UsageError, match="expected one of regression, verdict-drop, any-flip"):
        triggered(compare(*runs), ["everything"])


def test_markdown_has_tables_and_escapes_cell_text(runs: tuple[Path, Path]) -> None:
    text = render_markdown(compare(*runs))
    assert "| bot | continue | **redesign** | ⚠️ worse |" in text
    assert "significant (p = 0.039)" in text
    assert "old answer 5 \\| 30 days" in text  # a pipe in an output cannot break the table
    assert "e-0" not in text


def test_json_output_is_sorted_and_complete(runs: tuple[Path, Path]) -> None:
    text = render_json(compare(*runs))
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert len(data["flipped"]) == 12
    acc = next(m for m in data["metrics"] if m["metric"] == "accuracy" and m["tag"] is None)
    assert acc["p"] == pytest.approx(0.038574, abs=1e-6) and acc["worse"] is True


def test_text_output_trims_outputs_and_prints_plain_p_values(runs: tuple[Path, Path]) -> None:
    text = render_text(compare(*runs))
    assert "continue → redesign  (worse)" in text
    assert "(p = 0.039)" in text
    assert "x" * 200 not in text  # long outputs are trimmed
    assert "Only in the old run (1): faq/gone" in text


def test_cli_exits_3_when_a_fail_on_condition_triggers(runs: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(command, [str(runs[0]), str(runs[1]), "--fail-on", "verdict-drop"])
    assert result.exit_code == 3, result.output
    assert "continue → redesign" in result.output


def test_cli_exits_0_without_fail_on_or_when_nothing_triggers(runs: tuple[Path, Path]) -> None:
    assert CliRunner().invoke(command, [str(runs[0]), str(runs[1])]).exit_code == 0
    same = CliRunner().invoke(command, [str(runs[0]), str(runs[0]), "--fail-on", "any-flip"])
    assert same.exit_code == 0, same.output


@pytest.mark.parametrize(("fail_on", "code"), [((), 0), (("--fail-on", "verdict-drop"), 3)])
def test_cli_into_a_closed_pipe_ends_quietly_with_its_own_exit_code(
    runs: tuple[Path, Path], fail_on: tuple[str, ...], code: int
) -> None:
    """`evalkit diff OLD NEW | head` whose reader has gone: no traceback, and the gate's 3
    (or 0) rather than click's 1 for a broken pipe."""
    import os
    import subprocess
    import sys

    from cli_runner import ROOT

    read, write = os.pipe()
    os.close(read)  # every write to stdout now fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "evalkit", "diff", str(runs[0]), str(runs[1]), *fail_on],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        os.close(write)
    assert done.returncode == code, done.stderr
    assert done.stderr == ("fail-on verdict-drop: bot went continue → redesign\n" if code else "")


def test_cli_writes_markdown_to_a_file(runs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "diff.md"
    result = CliRunner().invoke(
        command, [str(runs[0]), str(runs[1]), "--format", "markdown", "--out", str(out)]
    )
    assert result.exit_code == 0 and result.output == ""
    assert out.read_text().startswith("## evalkit diff")


def test_cli_exits_2_with_a_message_for_a_missing_folder(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    result = CliRunner().invoke(command, [str(tmp_path / "nope"), str(runs[1])])
    assert result.exit_code == 2
    assert "no such result folder" in result.output


def test_cli_exits_2_for_a_corrupt_summary(runs: tuple[Path, Path]) -> None:
    (runs[0] / "summary.json").write_text('{"schema_version": 1, "pocs": {')
    result = CliRunner().invoke(command, [str(runs[0]), str(runs[1])])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output and "summary.json:1" in result.output


def test_cli_exits_2_for_a_corrupt_case_line_and_names_the_line(runs: tuple[Path, Path]) -> None:
    path = runs[1] / "cases.jsonl"
    lines = path.read_text().splitlines()
    lines[2] = lines[2][:20]
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(command, [str(runs[0]), str(runs[1])])
    assert result.exit_code == 2
    assert "cases.jsonl:3: not valid JSON" in result.output


def test_diff_of_ten_thousand_cases_is_quick(tmp_path: Path) -> None:
    rows_old = [_row(f"c{i:05d}", acc=i % 7 != 0, output="a" * 200) for i in range(10_000)]
    rows_new = [_row(f"c{i:05d}", acc=i % 5 != 0, output="b" * 200) for i in range(10_000)]
    old = _write(tmp_path / "o", _summary("redesign", ["r"], (1429, 10_000), "m", "s"), rows_old)
    new = _write(tmp_path / "n", _summary("redesign", ["r"], (2000, 10_000), "m", "s"), rows_new)
    start = time.perf_counter()
    diff = compare(old, new)
    render_markdown(diff)
    assert time.perf_counter() - start < 5
    acc = _metric(diff, "accuracy")
    assert acc.worse and acc.shared == 10_000


def test_unchanged_rows_are_left_out_of_markdown_but_kept_in_json(runs: tuple[Path, Path]) -> None:
    old, _ = runs
    diff = compare(old, old)
    text = render_markdown(diff)
    assert "no failure rate changed" in text
    assert f"{len(diff.metrics)} unchanged metric/tag rows not shown." in text
    assert len(json.loads(render_json(diff))["metrics"]) == len(diff.metrics)


def test_flipped_case_shows_only_the_samples_that_changed(tmp_path: Path) -> None:
    old_row = _row("c00", acc=True)
    new_row = _row("c00", acc=False)
    old_row["outputs"], new_row["outputs"] = ["same", "30 days"], ["same", "60 days"]
    old = _write(tmp_path / "o", _summary("redesign", ["r"], (0, 1), "m", "s"), [old_row])
    new = _write(tmp_path / "n", _summary("redesign", ["r"], (1, 1), "m", "s"), [new_row])
    text = render_text(compare(old, new))
    assert 'sample 1  old: "30 days"' in text and 'new: "60 days"' in text
    assert "sample 0" not in text


def test_cli_json_format_parses(runs: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(command, [str(runs[0]), str(runs[1]), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["verdict"] == {"old": "continue", "new": "redesign"}


def test_a_result_file_out_of_case_order_diffs_the_same(runs: tuple[Path, Path]) -> None:
    old, new = runs
    expected = compare(old, new)
    lines = (new / "cases.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (new / "cases.jsonl").write_text("".join(reversed(lines)), encoding="utf-8")
    assert compare(old, new) == expected
