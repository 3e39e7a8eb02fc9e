"""`evalkit merge` knows what a complete run is (issue 13, item 7): shards record `I/N`,
and a missing, repeated or mixed shard is refused (exit 2) naming what is wrong; only
`--partial` accepts missing shards, and the merged summary then says so. The probes run
the CLI on the demo suites as a user does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cli_runner import ROOT, evalkit


def _summary(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return data


def _run(out: Path, *args: str, cwd: Path = ROOT) -> Path:
    done = evalkit("run", "suites/", "--out", str(out), "--no-progress", *args, cwd=cwd)
    # 4: a suite whose every case errored (e.g. --samples beyond the recordings): results
    # are written all the same, and that is all these tests need.
    assert done.returncode in (0, 10, 20, 4), done.stderr
    assert (out / "summary.json").is_file()
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo suites in three shards, in two shards, and whole."""
    base = tmp_path_factory.mktemp("runs")
    out = {f"s{k}": _run(base / f"s{k}", "--shard", f"{k}/3") for k in (1, 2, 3)}
    out["h2"] = _run(base / "h2", "--shard", "2/2")
    out["whole"] = _run(base / "whole")
    return out


def merge(*args: str | Path, cwd: Path = ROOT) -> Any:
    return evalkit("merge", *map(str, args), cwd=cwd)


def test_a_shard_run_records_which_shard_it_is(runs: dict[str, Path]) -> None:
    assert _summary(runs["s2"])["provenance"]["options"]["shard"] == "2/3"
    assert _summary(runs["whole"])["provenance"]["options"]["shard"] is None


def test_two_of_three_shards_are_refused_naming_the_missing_one(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    done = merge(runs["s1"], runs["s2"], "--out", tmp_path / "m")
    assert done.returncode == 2, done.stdout
    assert "incomplete run: shard 3/3 missing" in done.stderr
    assert f"have 1/3 from {runs['s1']}, 2/3 from {runs['s2']}" in done.stderr
    assert "--partial" in done.stderr
    assert not (tmp_path / "m").exists()  # refused before the folder was made


def test_a_partial_merge_says_so_in_every_reason_and_records_the_shards_it_holds(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    done = merge(runs["s1"], runs["s2"], "--out", tmp_path / "m", "--partial")
    assert done.returncode in (0, 10, 20), done.stderr
    assert "PARTIAL merge: shards 1/3, 2/3 of 3" in done.stdout
    summary = _summary(tmp_path / "m")
    assert summary["provenance"]["options"]["shard"] == "1,2/3"
    for poc, block in summary["pocs"].items():
        first = block["reasons"][0]
        assert first.startswith("PARTIAL: merged only shards 1/3, 2/3"), poc
        assert f"({block['cases']} cases); shard 3/3 is missing" in first
    report = evalkit("report", str(tmp_path / "m"))
    assert report.returncode == 0 and "PARTIAL: merged only shards 1/3, 2/3" in report.stdout


def test_a_partial_merge_completed_by_the_missing_shard_equals_the_complete_merge(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    assert merge(runs["s1"], runs["s3"], "--out", tmp_path / "p", "--partial").returncode != 2
    done = merge(tmp_path / "p", runs["s2"], "--out", tmp_path / "m")
    assert done.returncode in (0, 10, 20), done.stderr
    assert merge(*(runs[f"s{k}"] for k in (1, 2, 3)), "--out", tmp_path / "all").returncode != 2
    a, b = _summary(tmp_path / "m"), _summary(tmp_path / "all")
    assert a["pocs"] == b["pocs"] and a["verdict"] == b["verdict"]
    assert a["provenance"]["options"]["shard"] is None
    assert (tmp_path / "m" / "cases.jsonl").read_bytes() == (
        tmp_path / "all" / "cases.jsonl"
    ).read_bytes()
    whole = _summary(runs["whole"])
    assert b["pocs"] == whole["pocs"]


@pytest.mark.parametrize("partial", [(), ("--partial",)])
def test_a_shard_given_twice_is_refused_even_with_partial(
    runs: dict[str, Path], tmp_path: Path, partial: tuple[str, ...]
) -> None:
    done = merge(runs["s1"], runs["s1"], runs["s2"], runs["s3"], "--out", tmp_path / "m", *partial)
    assert done.returncode == 2
    assert f"{runs['s1']} is given twice" in done.stderr
    copy = shutil.copytree(runs["s2"], tmp_path / "s2-again")
    done = merge(runs["s1"], runs["s2"], copy, runs["s3"], "--out", tmp_path / "m", *partial)
    assert done.returncode == 2
    assert f"shard 2/3 is given twice: in {runs['s2']} and in {copy}" in done.stderr


def test_a_whole_run_merged_with_a_shard_of_it_is_refused(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    done = merge(runs["whole"], runs["s1"], "--out", tmp_path / "m", "--partial")
    assert done.returncode == 2
    assert f"{runs['whole']} is a whole run (no --shard)" in done.stderr
    assert f"{runs['s1']} is shard 1/3" in done.stderr


def test_shards_of_different_splits_are_refused(runs: dict[str, Path], tmp_path: Path) -> None:
    done = merge(runs["s1"], runs["s2"], runs["h2"], "--out", tmp_path / "m", "--partial")
    assert done.returncode == 2
    assert "different splits" in done.stderr and f"{runs['h2']} is shard 2/2" in done.stderr
    assert "with or without --partial" in done.stderr


def test_a_shard_run_with_other_settings_is_refused_naming_them(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    other = _run(tmp_path / "s3-samples", "--shard", "3/3", "--samples", "2")
    done = merge(runs["s1"], runs["s2"], other, "--out", tmp_path / "m")
    assert done.returncode == 2
    assert f"suite refund-faq: samples differs (3 in {runs['s1']}, 2 in {other})" in done.stderr
    assert f"option samples: None in {runs['s1']}, 2 in {other}" in done.stderr


def test_a_shard_of_an_edited_suite_is_refused_naming_the_suite_hash(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "suites", project / "suites")
    shutil.copytree(ROOT / "fixtures", project / "fixtures")
    (project / "pyproject.toml").write_text("")
    suite = project / "suites" / "refund-faq.yaml"
    suite.write_text(suite.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    other = _run(tmp_path / "s3-edited", "--shard", "3/3", cwd=project)
    done = merge(runs["s1"], runs["s2"], other, "--out", tmp_path / "m")
    assert done.returncode == 2
    assert "suite refund-faq: suite file hash differs" in done.stderr
    assert "suite shipping-faq" not in done.stderr


def test_a_shard_whose_rows_do_not_match_its_summary_is_refused(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    cut = shutil.copytree(runs["s3"], tmp_path / "s3-cut")
    lines = (cut / "cases.jsonl").read_bytes().splitlines(keepends=True)
    (cut / "cases.jsonl").write_bytes(b"".join(lines[:-1]))
    done = merge(runs["s1"], runs["s2"], cut, "--out", tmp_path / "m")
    assert done.returncode == 2
    assert "cases.jsonl holds" in done.stderr and "files of two different runs" in done.stderr
    assert not (tmp_path / "m" / "cases.jsonl").exists()
    # A summary without the record of its rows file (older evalkit): the counts tell.
    summary = _summary(cut)
    summary["run"].pop("cases_file", None)
    (cut / "summary.json").write_text(json.dumps(summary))
    done = merge(runs["s1"], runs["s2"], cut, "--out", tmp_path / "m")
    assert done.returncode == 2
    assert (
        f"{cut}: its cases.jsonl has {len(lines) - 1} rows but its summary.json counts "
        f"{len(lines)} cases" in done.stderr
    )
    assert not (tmp_path / "m" / "cases.jsonl").exists()


def test_shards_whose_rows_overlap_are_refused(runs: dict[str, Path], tmp_path: Path) -> None:
    """A folder that claims shard 3/3 but holds shard 1/3's rows."""
    fake = shutil.copytree(runs["s1"], tmp_path / "fake3")
    summary = _summary(fake)
    summary["provenance"]["options"]["shard"] = "3/3"
    (fake / "summary.json").write_text(json.dumps(summary))
    done = merge(runs["s1"], runs["s2"], fake, "--out", tmp_path / "m")
    assert done.returncode == 2 and "shards overlap" in done.stderr


def test_a_summary_without_the_policy_merge_needs_is_refused(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    bare = shutil.copytree(runs["s1"], tmp_path / "bare")
    summary = _summary(bare)
    del summary["provenance"]["suites"]["refund-faq"]["policy"]
    (bare / "summary.json").write_text(json.dumps(summary))
    done = merge(bare, runs["s2"], runs["s3"], "--out", tmp_path / "m")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "provenance.suites.refund-faq.policy: missing" in done.stderr
