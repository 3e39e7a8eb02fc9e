"""Where a run's cases are answered is chosen once, at the top (`choose_executor`), and the
worker slice (`EVALKIT_SLICE`) is read from the environment in one place only."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from evalkit.clients.trust import Trust
from evalkit.run.executors import Local, OnRay, WorkerProcesses, choose_executor

PACKAGE = Path(__file__).resolve().parents[2] / "evalkit"
SUITE = """suite: small
poc: p
prompt: {template: "{{q}}"}
cases_from: cases.jsonl
client: replay:replay.jsonl
scorers: {accuracy: {}}
thresholds: {accuracy: {tolerable: 0.1, stop: 0.5}}
"""


@pytest.fixture
def suite_file(tmp_path: Path) -> Path:
    rows = [{"id": f"c{n}", "vars": {"q": str(n)}, "reference": str(n)} for n in range(5)]
    (tmp_path / "cases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "replay.jsonl").write_text(
        "".join(json.dumps({"case": r["id"], "output": r["reference"]}) + "\n" for r in rows)
    )
    (tmp_path / "s.yaml").write_text(SUITE)
    return tmp_path / "s.yaml"


def chosen(suite_file: Path, **given: object) -> object:
    choice: dict[str, object] = {
        "workers": None,
        "ray": False,
        "ray_address": None,
        "client": None,
        "one_process": False,
        "worker": None,
    }
    choice.update(given)
    return choose_executor([str(suite_file)], Trust(), **choice)[1]  # type: ignore[arg-type]


def test_each_flag_chooses_its_executor(suite_file: Path) -> None:
    assert chosen(suite_file) == Local()  # a small replayed run stays in this process
    assert chosen(suite_file, workers=1) == Local()
    assert chosen(suite_file, workers=3, flags=("--cache", "c")) == WorkerProcesses(
        3, (str(suite_file),), ("--cache", "c")
    )
    assert chosen(suite_file, ray=True, ray_address="head:6379") == OnRay("head:6379")
    assert chosen(suite_file, ray=True) == OnRay(None)


def test_a_worker_reads_only_its_window_of_the_cases(suite_file: Path) -> None:
    first, _ = choose_executor(
        [str(suite_file)],
        Trust(),
        workers=None,
        ray=False,
        ray_address=None,
        client=None,
        one_process=True,
        worker=(1, 2),
    )
    second, _ = choose_executor(
        [str(suite_file)],
        Trust(),
        workers=None,
        ray=False,
        ray_address=None,
        client=None,
        one_process=True,
        worker=(2, 2),
    )
    ids = [[c.id for c in loaded.suites[0].cases] for loaded in (first, second)]
    assert ids[0] and ids[1] and sorted(ids[0] + ids[1]) == [f"c{n}" for n in range(5)]


def test_the_worker_slice_is_read_from_the_environment_by_the_cli_only() -> None:
    """`EVALKIT_SLICE` is resolved once, at the top, and passed down (`RunOptions.worker`,
    `load_suites(..., worker=)`): no step below the CLI reads it."""
    readers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "worker_slice":
                readers.append(path.relative_to(PACKAGE).as_posix())
            if isinstance(node, ast.Constant) and node.value == "EVALKIT_SLICE":
                assert path.name == "case_files.py", (
                    f"{path}: EVALKIT_SLICE named outside SLICE_ENV"
                )
    assert readers == ["cli/run.py"]
