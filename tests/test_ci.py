"""What CI runs: the shipped workflow runs the project's own checks, and `.ci/run` fails
under CI=true when the browser tests cannot have their browser."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_github_workflow_has_a_job_running_the_projects_checks() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "evalkit.yml").read_text())
    runs = [
        step.get("run", "") for job in workflow["jobs"].values() for step in job.get("steps", [])
    ]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    test_command = re.search(r"^(python3 -m venv .*\.ci/check)$", readme, re.M)
    assert test_command is not None
    ci_run = (ROOT / ".ci" / "run").read_text()
    assert test_command.group(1) in ci_run
    assert any(r.strip() == ".ci/run" or test_command.group(1) in r for r in runs), runs


def _fake_bin(folder: Path) -> Path:
    """A PATH with no browser, an `id` that says "not root", and a `python3` that leaves a
    mark instead of installing anything."""
    folder.mkdir()
    for name in ("dirname", "cat"):
        found = shutil.which(name)
        assert found is not None
        (folder / name).symlink_to(found)
    for name, body in (("id", "echo 1000"), ("python3", f": > {folder / 'installed'}; exit 7")):
        script = folder / name
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


def _ci_run(tmp_path: Path, ci: str | None) -> tuple[subprocess.CompletedProcess[str], Path]:
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy2(ROOT / ".ci" / "run", repo / ".ci" / "run")  # verbatim
    fake = _fake_bin(tmp_path / "bin")
    env = {"PATH": str(fake), "HOME": str(tmp_path)}
    if ci is not None:
        env["CI"] = ci
    bash = shutil.which("bash")
    assert bash is not None
    r = subprocess.run(
        [bash, str(repo / ".ci" / "run")], capture_output=True, text=True, env=env, timeout=60
    )
    return r, fake / "installed"


def test_ci_run_fails_under_ci_when_no_browser_can_be_had(tmp_path: Path) -> None:
    r, installed = _ci_run(tmp_path, "true")
    assert r.returncode == 1, r.stderr
    assert "no chromium" in r.stderr and "CI=true" in r.stderr
    assert not installed.exists()  # failed before installing anything


def test_ci_run_goes_on_without_a_browser_outside_ci(tmp_path: Path) -> None:
    r, installed = _ci_run(tmp_path, None)
    assert "browser tests will be skipped" in r.stderr
    assert installed.exists() and r.returncode == 7
