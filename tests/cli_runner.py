"""`evalkit` as a user runs it: a separate process, from a given folder (shared by tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# A locale that asks for English: what a test of the language precedence runs under.
ENGLISH_LOCALE = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def demo_suite_copy(folder: Path, name: str, changed: str | None = None) -> Path:
    """The demo suite `name` written into `folder` with its replay recording beside it;
    `changed`: a line of the suite to alter (its first occurrence gets "-not-said"), so
    that a case expects another answer and flips against a run of the suite as shipped."""
    text = (ROOT / "suites" / f"{name}.yaml").read_text("utf-8")
    text = text.replace("replay:../fixtures/", "replay:")  # the recording copied beside it
    if changed is not None:
        assert changed in text
        text = text.replace(changed, changed + "-not-said", 1)
    folder.mkdir(exist_ok=True)
    shutil.copy(ROOT / "fixtures" / f"{name}.replay.jsonl", folder)
    (folder / f"{name}.yaml").write_text(text, "utf-8")
    return folder / f"{name}.yaml"


def evalkit(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, **kw: Any
) -> subprocess.CompletedProcess[str]:
    """Run `python -m evalkit ARGS` in `cwd` with this checkout importable and `env` added
    to the environment; output captured."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        **kw,
    )
