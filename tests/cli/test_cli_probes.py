"""Findings of a QA round on the command line: a closed pipe on stderr keeps the run's own
exit code, a bad `--baseline` or an empty `--case`/`--tag` selection is refused before
anything runs or is written, the judge's URL message names the judge's flag, and `merge`
never writes over one of its inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import ROOT, evalkit


def write_suite(folder: Path, *, wrong: int = 0, client: str | None = None) -> Path:
    """A 20-case accuracy suite whose replay file answers the first `wrong` cases wrongly."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = "\n".join(
        f'  - {{id: c{i:02d}, vars: {{q: "{i} + 0?"}}, reference: "{i}", tags: [t{i % 2}]}}'
        for i in range(20)
    )
    (folder / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: 'Q: {{q}}'}\ncases:\n"
        + cases
        + f"\nclient: {client or 'replay:s.replay.jsonl'}\n"
        "scorers: {accuracy: {method: exact}}\n"
        "thresholds: {accuracy: {tolerable: 0.2, stop: 0.9}}\n",
        encoding="utf-8",
    )
    with (folder / "s.replay.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(20):
            answer = "no idea" if i < wrong else str(i)
            fh.write(json.dumps({"case": f"c{i:02d}", "output": answer}) + "\n")
    return folder / "s.yaml"


def counting_client(folder: Path) -> tuple[str, Path]:
    """A `command:` client that answers right and appends a line to a log per request."""
    log = folder / "calls.log"
    script = folder / "model.py"
    script.write_text(
        "import re, sys\n"
        f"open({str(log)!r}, 'a').write('call\\n')\n"
        "print(re.search(r'(\\d+) \\+ 0', sys.stdin.read()).group(1))\n",
        encoding="utf-8",
    )
    return f"command:{sys.executable} {script}", log


def into_closed_pipe(*args: str, cwd: Path = ROOT) -> int:
    """`evalkit ARGS 2>&1 | head -1` where head has already gone: every write to stdout
    and to stderr fails with EPIPE. The exit code."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "evalkit", *args],
            cwd=cwd,
            stdout=write,
            stderr=write,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        os.close(write)
    return done.returncode


# -- 1: stderr into a closed pipe -----------------------------------------------------------


def test_a_broken_run_into_a_closed_pipe_still_exits_4(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", client="command:python3 nonexistent_script.py")
    code = into_closed_pipe(
        "run", str(suite), "--trust-suites", "--no-progress", "--out", str(tmp_path / "o")
    )
    assert code == 4


def test_a_fail_on_gate_into_a_closed_pipe_still_exits_3(tmp_path: Path) -> None:
    good = write_suite(tmp_path / "good")
    assert (
        evalkit("run", str(good), "--out", str(tmp_path / "base"), "--no-progress").returncode == 0
    )
    bad = write_suite(tmp_path / "bad", wrong=8)
    code = into_closed_pipe(
        *("run", str(bad), "--out", str(tmp_path / "pr"), "--no-progress"),
        *("--baseline", str(tmp_path / "base"), "--fail-on", "verdict-drop"),
    )
    assert code == 3


def test_a_usage_error_into_a_closed_pipe_still_exits_2(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite")
    assert into_closed_pipe("run", str(suite), "--case", "nope", "--no-progress") == 2
    assert into_closed_pipe("validate", str(tmp_path / "missing.yaml")) == 2
    assert into_closed_pipe("show", str(tmp_path / "no-result"), "c00") == 2
    assert into_closed_pipe("report", str(tmp_path / "no-result")) == 2


# -- 2: --baseline is checked before the run ------------------------------------------------


def test_a_missing_baseline_is_refused_before_any_request(tmp_path: Path) -> None:
    client, log = counting_client(tmp_path)
    suite = write_suite(tmp_path / "suite")
    out = tmp_path / "o"
    r = evalkit(
        *("run", str(suite), "--client", client, "--trust-suites", "--no-progress"),
        *("--out", str(out), "--baseline", str(tmp_path / "typo")),
    )
    assert r.returncode == 2, r.stdout + r.stderr
    assert "no such result folder" in r.stderr and "--baseline" in r.stderr
    assert not log.exists()  # no request was sent
    assert not out.exists()


def test_a_damaged_baseline_is_refused_before_the_run_with_its_line(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite")
    base = tmp_path / "base"
    assert evalkit("run", str(suite), "--out", str(base), "--no-progress").returncode == 0
    rows = (base / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    rows[2] = rows[2][: len(rows[2]) // 2]  # cut short, as a crash would
    (base / "cases.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    client, log = counting_client(tmp_path)
    out = tmp_path / "o"
    r = evalkit(
        *("run", str(suite), "--client", client, "--trust-suites", "--no-progress"),
        *("--out", str(out), "--baseline", str(base)),
    )
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{base / 'cases.jsonl'}:3: not valid JSON" in r.stderr
    assert not log.exists() and not out.exists()


# -- 3: an empty selection writes nothing ---------------------------------------------------


@pytest.mark.parametrize("flag", ["--case", "--tag"])
def test_a_selection_that_matches_nothing_writes_no_folder(tmp_path: Path, flag: str) -> None:
    suite = write_suite(tmp_path / "suite")
    r = evalkit("run", str(suite), flag, "nope", "--no-progress", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "no case matches" in r.stderr
    assert not (tmp_path / "results").exists()


def test_a_selection_that_matches_nothing_leaves_an_existing_out_untouched(
    tmp_path: Path,
) -> None:
    suite = write_suite(tmp_path / "suite")
    out = tmp_path / "o"
    out.mkdir()
    r = evalkit("run", str(suite), "--tag", "nope", "--out", str(out), "--no-progress")
    assert r.returncode == 2, r.stdout + r.stderr
    assert list(out.iterdir()) == []


def test_a_selection_that_matches_some_cases_still_runs(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite")
    r = evalkit("run", str(suite), "--tag", "t1", "--no-progress", cwd=tmp_path)
    assert r.returncode in (0, 10, 20), r.stdout + r.stderr
    assert "(10 cases)" in r.stdout


# -- 4: the judge's URL message names the judge's flag --------------------------------------


def test_a_judge_url_with_credentials_names_the_judge_key_flag(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite")
    r = evalkit("run", str(suite), "--judge-base-url", "http://u:p@host/v1", cwd=tmp_path)
    assert r.returncode == 2
    message = " ".join(r.stderr.split())  # click wraps long lines
    assert "--judge-api-key-env" in message
    assert "with --api-key-env" not in message
    assert "u:p" not in r.stderr


def test_a_model_url_with_credentials_names_the_model_key_flag(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite")
    r = evalkit("run", str(suite), "--base-url", "http://u:p@host/v1", cwd=tmp_path)
    assert r.returncode == 2
    assert "with --api-key-env" in " ".join(r.stderr.split())


# -- 5: merge never writes over an input ----------------------------------------------------


@pytest.fixture
def shards(tmp_path: Path) -> tuple[Path, Path]:
    suite = write_suite(tmp_path / "suite")
    out = []
    for i in (1, 2):
        folder = tmp_path / f"s{i}"
        r = evalkit("run", str(suite), "--shard", f"{i}/2", "--out", str(folder), "--no-progress")
        assert r.returncode in (0, 10, 20), r.stdout + r.stderr
        out.append(folder)
    return out[0], out[1]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("target", ["s1", "s1/sub", "suite/../s2"])
def test_merge_refuses_an_out_that_is_or_is_inside_an_input(
    shards: tuple[Path, Path], tmp_path: Path, target: str
) -> None:
    before = [snapshot(s) for s in shards]
    r = evalkit("merge", str(shards[0]), str(shards[1]), "--out", str(tmp_path / target))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "--out" in r.stderr and "input" in r.stderr
    assert [snapshot(s) for s in shards] == before
    assert not (tmp_path / "s1" / "sub").exists()


def test_merge_refuses_an_out_that_is_an_input_named_by_its_summary(
    shards: tuple[Path, Path], tmp_path: Path
) -> None:
    before = snapshot(shards[0])
    r = evalkit(
        "merge",
        str(shards[0] / "summary.json"),
        str(shards[1]),
        "--out",
        str(shards[0]),
        cwd=tmp_path,
    )
    assert r.returncode == 2, r.stdout + r.stderr
    assert snapshot(shards[0]) == before


def test_merge_into_a_new_folder_still_works(shards: tuple[Path, Path], tmp_path: Path) -> None:
    r = evalkit("merge", str(shards[0]), str(shards[1]), "--out", str(tmp_path / "m"))
    assert r.returncode in (0, 10, 20), r.stdout + r.stderr
    assert (tmp_path / "m" / "summary.json").is_file()
