"""Result files, reports and recordings get the mode the user's umask allows (CI
artifacts, shared folders), not mkstemp's 0600."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import ROOT


def _evalkit(umask: int, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(umask),  # noqa: PLW1509 — the point of the test
    )


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: 'Q: {{q}}'}\n"
        "cases:\n  - {id: a, vars: {q: x}, reference: '1'}\n"
        "client: replay:src.jsonl\nthresholds: {accuracy: {tolerable: 0.2, stop: 0.9}}\n"
    )
    (tmp_path / "src.jsonl").write_text(json.dumps({"case": "a", "output": "1"}) + "\n")
    r = _evalkit(
        umask,
        "run",
        "s.yaml",
        "--out",
        "o",
        "--junit",
        "o/junit.xml",
        "--record",
        "rec.jsonl",
        cwd=tmp_path,
    )
    assert r.returncode == 10, r.stderr
    r = _evalkit(umask, "report", "o", "--html", "o/report.html", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for name in ("o/summary.json", "o/cases.jsonl", "o/junit.xml", "o/report.html", "rec.jsonl"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name
