"""`evalkit` as a user runs it: a separate process, from a given folder (shared by tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


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
