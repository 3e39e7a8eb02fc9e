"""The API key never leaves the client: not in errors, describe(), cache or replay files."""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.clients.cache import CachingClient
from evalkit.clients.record import RecordingClient

KEY = "sk-test-NEVER-LEAK-4f9a8b7c6d5e"


def test_api_key_never_appears_in_errors_describe_or_files(
    tmp_path: Path, server, make_client, make_request, complete_all, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    # A server that rejects the key and quotes it back in its error body (some do).
    server.configure(api_key="something-else", responses={"q": "answer"})
    spec_messages = []
    for faults in (
        [],
        [{"kind": "error", "status": 500}],
        [{"kind": "malformed"}],
        [{"kind": "error", "status": 400}],
    ):
        server.configure(faults=faults)
        c = make_client("openai:m", base_url=server.url, max_retries=1)
        [done] = complete_all(c, [make_request(prompt="q")])
        assert done.error is not None
        spec_messages.append(done.error)
        assert KEY not in json.dumps(c.describe())
    assert all(KEY not in m and "NEVER-LEAK" not in m for m in spec_messages)
    # Now accept the key and write cache + replay files.
    server.configure(api_key=KEY, faults=[])
    inner = make_client("openai:m", base_url=server.url)
    recorder = RecordingClient(CachingClient(inner, tmp_path / "cache"), tmp_path / "rec.jsonl")
    [done] = complete_all(recorder, [make_request(prompt="q")])
    assert done.output == "answer"
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 2
    for path in written:
        assert KEY not in path.read_text(), path


def test_anthropic_key_is_redacted_from_server_echoes(
    server, make_client, make_request, complete_all, monkeypatch
):
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    server.configure(faults=[{"kind": "error", "status": 500}])
    c = make_client("anthropic:c", base_url=server.url, max_retries=0)
    [done] = complete_all(c, [make_request(prompt=KEY)])  # the server's message may quote input
    assert done.error is not None and KEY not in done.error
