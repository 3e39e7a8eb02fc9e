"""Under CI=true a missing piece of test infrastructure fails the run; elsewhere it skips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _pytest(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_needs_a_browser.py"
    test.write_text(
        "from infra import missing_infrastructure, require_module\n"
        "def test_browser():\n"
        "    missing_infrastructure('no chromium found')\n"
        "def test_module():\n"
        "    require_module('no_such_module_for_evalkit', 'pip install it')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize("ci", ["true", "1"])
def test_missing_infrastructure_fails_under_ci(tmp_path: Path, ci: str) -> None:
    r = _pytest(tmp_path, ci)
    assert r.returncode == 1, r.stdout
    assert "2 failed" in r.stdout and "CI=true" in r.stdout


@pytest.mark.parametrize("ci", [None, "false"])
def test_missing_infrastructure_skips_elsewhere(tmp_path: Path, ci: str | None) -> None:
    r = _pytest(tmp_path, ci)
    assert r.returncode == 0, r.stdout
    assert "2 skipped" in r.stdout
