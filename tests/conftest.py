"""Shared test helpers: build suites as values (no loader needed) and replay files."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from evalkit.values import Bar, Case, Prompt, ScorerConfig, Suite, Threshold

# The terminal and the reports follow the locale (README "Japanese output"): the tests that
# read English output must not depend on the developer's. Tests of the locale set their own.
for _name in ("LC_ALL", "LC_MESSAGES", "LANG"):
    if os.environ.get(_name, "").lower().startswith("ja"):
        os.environ[_name] = "C.UTF-8"


def make_suite(
    tmp: Path,
    cases: Sequence[Case],
    outputs: dict[str, Sequence[str]] | None = None,
    *,
    name: str = "s",
    poc: str = "p",
    samples: int = 1,
    tolerable: float = 0.1,
    stop: float = 0.4,
    **kw: Any,
) -> Suite:
    """A suite with accuracy thresholds whose replay file holds `outputs[case_id]`."""
    replay = tmp / f"{name}.replay.jsonl"
    with replay.open("w", encoding="utf-8") as fh:
        for case_id, outs in (outputs or {}).items():
            for i, out in enumerate(outs):
                fh.write(
                    json.dumps({"case": case_id, "sample": i, "output": out}, ensure_ascii=False)
                    + "\n"
                )
    return Suite(
        name=name,
        poc=poc,
        path=tmp / f"{name}.yaml",
        sha256="0" * 64,
        prompt=Prompt("Q: {{q}}", system="Answer briefly."),
        cases=tuple(cases),
        samples=samples,
        client=f"replay:{replay.name}",
        scorers={"accuracy": ScorerConfig("accuracy")},
        thresholds={"accuracy": Threshold(Bar(tolerable, stop))},
        **kw,
    )


@pytest.fixture
def suite_factory(tmp_path: Path):
    def factory(*args: Any, **kw: Any) -> Suite:
        return make_suite(tmp_path, *args, **kw)

    return factory
