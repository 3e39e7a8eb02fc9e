"""A model reply holding a lone UTF-16 surrogate (`"\\ud800"` is valid JSON; a live server
can send it) is stored faithfully or escaped everywhere it goes, never a crash: the
recording written by `--record`, the `--cache` entry, and whatever the CLI prints
(`show`, `diff`). The journal, summary and reports are covered in test_pipeline.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from cli_runner import evalkit

from evalkit.clients.base import Client
from evalkit.clients.cache import CachingClient
from evalkit.clients.record import RecordingClient, read_recordings
from evalkit.clients.replay import ReplayClient
from evalkit.values import Completion, Request

ODD = "It is \ud800 30 days \udfff."


class _Odd(Client):
    spec = "fake:m"
    model = "m"

    def __init__(self) -> None:
        self.calls = 0

    async def complete(self, request: Request) -> Completion:
        self.calls += 1
        return Completion(ODD)


def test_a_recording_of_a_lone_surrogate_is_escaped_and_replays_as_returned(
    tmp_path: Path, make_request
) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = RecordingClient(_Odd(), path)
    request = make_request("a", "q")
    assert asyncio.run(recorder.complete(request)).output == ODD
    path.read_text(encoding="utf-8")  # strict UTF-8: escaped, never written raw
    assert [r["output"] for r in read_recordings(path)] == [ODD]
    recorder.finalize()  # the sorted rewrite too
    assert "\\ud800" in path.read_text(encoding="utf-8")
    again = ReplayClient(path, str(path)).complete_now(request)
    assert again is not None and again.output == ODD


def test_a_cached_lone_surrogate_is_stored_and_read_back_as_returned(
    tmp_path: Path, make_request
) -> None:
    inner = _Odd()
    cache = CachingClient(inner, tmp_path / "cache")
    assert asyncio.run(cache.complete(make_request())).output == ODD
    hit = CachingClient(_Odd(), tmp_path / "cache").complete_now(make_request())
    assert hit is not None and hit.output == ODD and hit.source == "cache"


def _result(folder: Path, output: str) -> None:
    folder.mkdir()
    row = {
        "suite": "s",
        "poc": "p",
        "case": "a",
        "outputs": [output],
        "scores": {"accuracy": {"passed": True, "score": 1.0, "reason": f"found {output}"}},
    }
    (folder / "cases.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")


def test_show_prints_a_lone_surrogate_escaped_instead_of_crashing(tmp_path: Path) -> None:
    _result(tmp_path / "r", ODD)
    for extra in ((), ("--json",)):
        done = evalkit("show", "r/cases.jsonl", "a", *extra, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "\\ud800" in done.stdout and "Traceback" not in done.stderr


def test_diff_prints_a_changed_output_with_a_lone_surrogate(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: '{{q}}'}\nclient: replay:r.jsonl\n"
        "cases:\n  - {id: a, vars: {q: one}, reference: '30 days'}\n"
        "scorers: {accuracy: {}}\nthresholds: {accuracy: {tolerable: 0.1, stop: 0.4}}\n",
        encoding="utf-8",
    )
    for name, output in (("old", "60 days"), ("new", ODD)):
        line = json.dumps({"case": "a", "output": output})  # escaped, as a JSON writer does
        (tmp_path / "r.jsonl").write_text(line + "\n", encoding="utf-8")
        done = evalkit("run", "s.yaml", "--out", name, "--no-progress", cwd=tmp_path)
        assert done.returncode in (0, 10, 20), done.stderr
    done = evalkit("diff", "old", "new", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "\\ud800" in done.stdout and "Traceback" not in done.stderr
