"""Record mode: live outputs → replay file → the replay client, and re-recording stale cases."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from evalkit.clients.base import Client
from evalkit.clients.record import RecordingClient, read_recordings, stale_keys, write_recordings
from evalkit.clients.replay import ReplayClient
from evalkit.errors import UsageError
from evalkit.values import Completion, Request


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_record_then_replay_round_trip(
    tmp_path: Path, server, make_client, make_request, complete_all
):
    server.configure(responses={"q-b": ["b0", "b1"]})
    path = tmp_path / "fixtures" / "rec.jsonl"
    reqs = [
        make_request("b", "q-b", sample=1),
        make_request("a", "q-a"),
        make_request("b", "q-b", sample=0),
        make_request("a", "q-a2", variant=1),
    ]
    recorder = RecordingClient(make_client("openai:m", base_url=server.url), path)
    live = complete_all(recorder, reqs)  # aclose() finalizes
    assert recorder.recorded == 4
    rows = _lines(path)
    assert [(r["case"], r.get("variant", 0), r["sample"]) for r in rows] == [
        ("a", 0, 0),
        ("a", 1, 0),
        ("b", 0, 0),
        ("b", 0, 1),
    ]
    assert "variant" not in rows[0] and rows[1]["variant"] == 1
    assert set(rows[0]) == {"suite", "case", "sample", "output", "prompt_sha256"}
    replay = ReplayClient(path, str(path))
    for req, done in zip(reqs, live, strict=True):
        again = replay.complete_now(req)
        assert again.ok and again.output == done.output and again.source == "replay"


def test_each_recording_is_on_disk_before_the_run_ends(tmp_path: Path, make_request):
    path = tmp_path / "rec.jsonl"
    recorder = RecordingClient(_Fixed("kept"), path)
    asyncio.run(recorder.complete(make_request("a", "q")))
    assert _lines(path)[0]["output"] == "kept"  # flushed, though finalize has not run
    recorder.finalize()


def test_errors_are_not_recorded(tmp_path: Path, server, make_client, make_request, complete_all):
    server.configure(faults=[{"kind": "error", "status": 400, "match": "bad"}])
    path = tmp_path / "rec.jsonl"
    complete_all(
        RecordingClient(make_client("openai:m", base_url=server.url), path),
        [make_request("ok", "fine"), make_request("no", "bad prompt")],
    )
    assert [r["case"] for r in _lines(path)] == ["ok"]


def test_stale_keys_lists_changed_and_missing_recordings(tmp_path: Path, make_request):
    path = tmp_path / "rec.jsonl"
    write_recordings(
        path,
        [
            {
                "suite": "s",
                "case": "same",
                "sample": 0,
                "output": "x",
                "prompt_sha256": make_request("same", "p").prompt_sha256,
            },
            {
                "suite": "s",
                "case": "edited",
                "sample": 0,
                "output": "x",
                "prompt_sha256": make_request("edited", "old").prompt_sha256,
            },
            {"case": "nosha", "sample": 0, "output": "x"},
        ],
    )
    reqs = [
        make_request("same", "p"),
        make_request("edited", "new"),
        make_request("nosha", "any"),
        make_request("new-case", "p"),
    ]
    assert stale_keys(path, reqs) == {("s", "edited", 0, 0), ("s", "new-case", 0, 0)}
    assert stale_keys(tmp_path / "absent.jsonl", reqs[:1]) == {("s", "same", 0, 0)}


def test_rerecord_stale_calls_the_model_only_for_stale_cases(
    tmp_path: Path, server, make_client, make_request, complete_all
):
    path = tmp_path / "rec.jsonl"
    complete_all(
        RecordingClient(make_client("openai:m", base_url=server.url), path),
        [make_request("a", "qa"), make_request("b", "qb")],
    )
    server.clear_log()
    server.configure(echo_prefix="v2 ")
    recorder = RecordingClient(
        make_client("openai:m", base_url=server.url), path, rerecord_stale=True
    )
    reqs = [make_request("a", "qa"), make_request("b", "qb edited"), make_request("c", "qc")]
    done = complete_all(recorder, reqs)
    assert sorted(e["case"] for e in server.log()) == ["b", "c"]
    assert [d.output for d in done] == ["qa", "v2 qb edited", "v2 qc"] and done[
        0
    ].source == "replay"
    rows = _lines(path)
    assert [(r["case"], r["output"]) for r in rows] == [
        ("a", "qa"),
        ("b", "v2 qb edited"),
        ("c", "v2 qc"),
    ]
    assert stale_keys(path, reqs) == set()


def test_finalize_deduplicates_newest_wins_and_can_prune(tmp_path: Path, make_request):
    path = tmp_path / "rec.jsonl"
    path.write_text(
        '{"suite": "s", "case": "b", "sample": 0, "output": "old"}\n'
        '{"suite": "s", "case": "a", "sample": 0, "output": "a"}\n'
        '{"suite": "s", "case": "b", "sample": 0, "output": "new"}\n'
    )
    recorder = RecordingClient(_Never(), path)
    assert recorder.finalize() == 2
    assert [r["output"] for r in _lines(path)] == ["a", "new"]
    assert recorder.finalize(keep={("s", "a", 0, 0)}) == 1


def test_interrupted_last_line_is_dropped_and_appending_starts_a_new_line(
    tmp_path: Path, make_request
):
    path = tmp_path / "rec.jsonl"
    path.write_text(
        '{"suite": "s", "case": "a", "sample": 0, "output": "a"}\n{"suite": "s", "case": "b", "outp'
    )
    recorder = RecordingClient(_Fixed("fresh"), path)
    done = asyncio.run(recorder.complete(make_request("c", "q")))
    assert done.output == "fresh"
    asyncio.run(recorder.aclose())
    assert [r["case"] for r in _lines(path)] == ["a", "c"]


def test_malformed_line_in_the_middle_is_a_usage_error(tmp_path: Path):
    path = tmp_path / "rec.jsonl"
    path.write_text('not json\n{"case": "a", "output": "x"}\n')
    with pytest.raises(UsageError, match=r"rec.jsonl:1: not a replay line"):
        read_recordings(path)


class _Never(Client):
    spec = "never"

    async def complete(self, request: Request) -> Completion:
        raise AssertionError("must not be called")


class _Fixed(Client):
    spec = "fixed"

    def __init__(self, output: str) -> None:
        self.output = output

    async def complete(self, request: Request) -> Completion:
        return Completion(self.output)
