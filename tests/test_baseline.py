"""The committed baseline (results/baseline/summary.json, which the CI workflow diffs pull
requests against) must be what the demo suites produce now: a change that moves a verdict
or a rate must move the baseline in the same commit."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_committed_baseline_matches_a_fresh_demo_run(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "evalkit",
            "run",
            "suites/",
            "--out",
            str(tmp_path / "now"),
            "--exit-zero",
            "--no-progress",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    fresh = json.loads((tmp_path / "now" / "summary.json").read_text(encoding="utf-8"))
    committed = json.loads(
        (ROOT / "results" / "baseline" / "summary.json").read_text(encoding="utf-8")
    )
    for doc in (fresh, committed):
        del doc["run"]
    assert fresh == committed, (
        "results/baseline/summary.json is stale: run `evalkit run suites/ --out results/baseline --exit-zero` "
        "and commit it"
    )
