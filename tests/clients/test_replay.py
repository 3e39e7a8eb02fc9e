"""The replay client: lookup rules, missing and stale recordings, malformed files."""

import asyncio
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.clients import build_client, parse_spec
from evalkit.common.render import prompt_sha256
from evalkit.errors import UsageError
from evalkit.values import Message, Request

MESSAGES = (Message("user", "Q: refund?"),)
SHA = prompt_sha256(MESSAGES)


def request(case="a", sample=0, suite="s", variant=0):
    return Request(suite, case, variant, sample, MESSAGES, SHA)


def client_for(tmp_path: Path, rows):
    path = tmp_path / "rec.jsonl"
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8"
    )
    return build_client(parse_spec("replay:rec.jsonl", tmp_path))


def test_replays_the_recorded_sample_and_marks_its_source(tmp_path):
    c = client_for(
        tmp_path,
        [{"case": "a", "sample": 0, "output": "x"}, {"case": "a", "sample": 1, "output": "y"}],
    )
    assert c.complete_now(request(sample=1)).output == "y"
    assert c.complete_now(request()).source == "replay"
    assert asyncio.run(c.complete(request())).output == "x"


def test_a_line_naming_the_suite_wins_over_one_without(tmp_path):
    c = client_for(
        tmp_path,
        [{"case": "a", "output": "generic"}, {"case": "a", "output": "mine", "suite": "s"}],
    )
    assert c.complete_now(request()).output == "mine"
    assert c.complete_now(request(suite="other")).output == "generic"


def test_missing_recording_is_a_per_request_error_with_a_clear_reason(tmp_path):
    c = client_for(tmp_path, [{"case": "a", "output": "x"}])
    got = c.complete_now(request(sample=2))
    assert got.output is None and got.error_kind == "missing-recording"
    assert "no recording for case 'a' sample 2" in got.error


def test_stale_prompt_hash_is_refused_with_a_re_record_message(tmp_path):
    c = client_for(tmp_path, [{"case": "a", "output": "x", "prompt_sha256": "f" * 64}])
    got = c.complete_now(request())
    assert got.error_kind == "stale-recording"
    assert "re-record" in got.error


def test_matching_prompt_hash_is_accepted(tmp_path):
    c = client_for(tmp_path, [{"case": "a", "output": "x", "prompt_sha256": SHA}])
    assert c.complete_now(request()).output == "x"


@pytest.mark.parametrize("big", [False, True])
def test_prompts_are_hashed_only_for_a_replay_file_that_records_hashes(tmp_path, monkeypatch, big):
    """The engine leaves `prompt_sha256` empty for a file without hashes; one hash anywhere
    (in-memory or on-disk index) makes every request carry it, so staleness is still seen."""
    from evalkit.clients import replay

    if big:
        monkeypatch.setattr(replay, "LARGE_FILE_BYTES", 0)
    plain = [{"case": f"c{i}", "output": "x"} for i in range(20)]
    assert client_for(tmp_path, plain).wants_prompt_sha256 is False
    hashed = [*plain, {"case": "a", "output": "x", "prompt_sha256": "f" * 64}]
    assert client_for(tmp_path, hashed).wants_prompt_sha256 is True


def test_variants_are_keyed_separately(tmp_path):
    c = client_for(
        tmp_path, [{"case": "a", "output": "v0"}, {"case": "a", "variant": 1, "output": "v1"}]
    )
    assert c.complete_now(request(variant=1)).output == "v1"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "rec.jsonl:1: not valid JSON"),
        ('["a"]', "expected a JSON object"),
        ('{"output": "x"}', "'case' must be the case id"),
        ('{"case": "a", "output": 3}', "'output' must be a string"),
        ('{"case": "a", "output": "x", "sample": -1}', "'sample' must be a whole number"),
    ],
)
def test_malformed_file_is_a_usage_error_naming_the_line(tmp_path, line, message):
    c = client_for(tmp_path, [line])
    with pytest.raises(UsageError, match=message):
        c.complete_now(request())


def test_missing_file_is_a_usage_error(tmp_path):
    c = build_client(parse_spec("replay:nope.jsonl", tmp_path))
    with pytest.raises(UsageError, match="replay file not found"):
        c.complete_now(request())


def test_large_files_with_per_suite_lines_are_indexed_on_disk_with_the_same_answers(
    tmp_path, monkeypatch
):
    import evalkit.clients.replay as replay

    rows = [
        {"case": f"c{i}", "sample": s, "output": f"o{i}-{s}"}
        for i in reversed(range(50))
        for s in (1, 0)
    ]
    rows.append({"case": "c3", "sample": 0, "output": "mine", "suite": "s"})
    monkeypatch.setattr(replay, "LARGE_FILE_BYTES", 10)
    c = client_for(tmp_path, rows)
    assert c.complete_now(request("c7", sample=1)).output == "o7-1"
    assert c.complete_now(request("c3")).output == "mine"
    assert c.complete_now(request("c99")).error_kind == "missing-recording"
    assert isinstance(c._store, replay._StreamStore)
    assert c._store._disk is not None  # "c3" is on two lines: every line must be seen
    asyncio.run(c.aclose())


def test_a_large_file_in_case_order_is_read_as_the_run_asks_without_an_index(tmp_path, monkeypatch):
    import evalkit.clients.replay as replay

    monkeypatch.setattr(replay, "LARGE_FILE_BYTES", 10)
    rows = [{"case": f"c{i}", "output": f"o{i}"} for i in range(100)]
    rows[10], rows[12] = rows[12], rows[10]  # a little out of order, as recordings are
    c = client_for(tmp_path, rows)
    assert [c.complete_now(request(f"c{i}")).output for i in range(100)] == [
        f"o{i}" for i in range(100)
    ]
    store = c._store
    assert isinstance(store, replay._StreamStore)
    assert store._disk is None and not store._ahead
    # Asked again (a second suite sharing the file): the index answers it.
    assert c.complete_now(request("c5")).output == "o5"
    assert store._disk is not None
    asyncio.run(c.aclose())


@settings(max_examples=30, deadline=None)
@given(
    order=st.permutations(list(range(40))),
    chunk=st.sampled_from([1, 3, 8, 64]),
    ahead=st.sampled_from([2, 5, 1000]),
    per_suite=st.booleans(),
)
def test_large_files_answer_like_memory_in_any_lookup_order(
    tmp_path_factory, order, chunk, ahead, per_suite
):
    """Whatever the order of lookups (and repeats, and misses), the stream store — with
    its fallback to the disk index when the order, the held lines or several lines per
    key demand it — answers exactly as the in-memory store does."""
    import evalkit.clients.replay as replay

    folder = tmp_path_factory.mktemp("r")
    rows = [{"case": f"c{i}", "output": f"o{i}"} for i in range(30)]
    if per_suite:
        rows += [{"case": "c5", "output": "for s", "suite": "s"}]
    rows += [{"case": f"c{i}", "output": f"v{i}", "sample": 1} for i in range(30, 40)]
    rows.append({"case": "c99", "output": "?", "prompt_sha256": SHA})
    memory = client_for(folder, rows)
    memory.complete_now(request("c0"))  # loaded now, in memory
    saved = replay.LARGE_FILE_BYTES, replay._DiskStore._CHUNK, replay._StreamStore._AHEAD_MAX
    replay.LARGE_FILE_BYTES, replay._DiskStore._CHUNK, replay._StreamStore._AHEAD_MAX = (
        10,
        chunk,
        ahead,
    )
    try:
        big = client_for(folder, rows)
        asked = [*order, 99, *order[:5], 77]  # and again: answers never run out; 77: missing
        for i in asked:
            req = request(f"c{i}", sample=1 if 30 <= i < 40 else 0)
            assert big.complete_now(req) == memory.complete_now(req)
        assert isinstance(big._store, replay._StreamStore)
        assert big.wants_prompt_sha256 is memory.wants_prompt_sha256 is True
    finally:
        replay.LARGE_FILE_BYTES, replay._DiskStore._CHUNK, replay._StreamStore._AHEAD_MAX = saved
        asyncio.run(big.aclose())


def test_a_large_file_is_read_forward_whatever_its_lines_look_like(tmp_path, monkeypatch):
    """A byte-order mark, a sample number beyond 64 bits, extra fields: the forward read
    decodes every line the first pass accepted, as the first pass did."""
    import evalkit.clients.replay as replay

    monkeypatch.setattr(replay, "LARGE_FILE_BYTES", 10)
    huge = 2**70
    lines = [
        json.dumps({"case": "c0", "output": "first"}),
        json.dumps({"case": "c1", "output": "hashed", "prompt_sha256": SHA}),
        json.dumps({"case": "c2", "output": "huge", "sample": huge}),
        json.dumps({"case": "c3", "output": "v", "variant": 1}),
    ]
    path = tmp_path / "rec.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")
    c = build_client(parse_spec("replay:rec.jsonl", tmp_path))
    got = [
        c.complete_now(request("c0")).output,
        c.complete_now(request("c1")).output,
        c.complete_now(request("c2", sample=huge)).output,
        c.complete_now(request("c3", variant=1)).output,
    ]
    assert got == ["first", "hashed", "huge", "v"]
    assert c._store._disk is None  # all served by the forward read
    asyncio.run(c.aclose())


def test_a_large_file_that_turns_malformed_during_the_run_names_the_line(tmp_path, monkeypatch):
    import evalkit.clients.replay as replay

    monkeypatch.setattr(replay, "LARGE_FILE_BYTES", 10)
    rows = [{"case": f"c{i}", "output": f"o{i}"} for i in range(4)]
    c = client_for(tmp_path, rows)
    c.load()  # the first pass: every line fine
    text = (tmp_path / "rec.jsonl").read_text().splitlines()
    text[2] = "{broken" + " " * (len(text[2]) - 7)  # same size: line numbers hold
    (tmp_path / "rec.jsonl").write_text("\n".join(text) + "\n")
    with pytest.raises(UsageError, match=r"rec\.jsonl:3: not valid JSON"):
        c.complete_now(request("c3"))
    asyncio.run(c.aclose())


@pytest.mark.parametrize("in_order", [True, False])
def test_the_disk_index_loads_chunks_only_while_they_pay(tmp_path, monkeypatch, in_order):
    """Ordered lookups are served from loaded chunks; random ones soon stop loading them
    (a chunk costs ~100 queries: loading one per lookup made a shuffled million-line
    file take minutes per worker)."""
    import random

    import evalkit.clients.replay as replay

    monkeypatch.setattr(replay, "LARGE_FILE_BYTES", 10)
    monkeypatch.setattr(replay._StreamStore, "_AHEAD_MAX", 2)
    monkeypatch.setattr(replay._DiskStore, "_CHUNK", 64)
    n = 4000
    c = client_for(tmp_path, [{"case": f"c{i}", "output": f"o{i}"} for i in range(n)])
    order = list(range(n))
    if not in_order:
        random.Random(1).shuffle(order)
    loads = 0
    original = replay._DiskStore._load_chunk

    def counted(self, chunk):
        nonlocal loads
        loads += 1
        original(self, chunk)

    assert c.complete_now(request("c0")).output == c.complete_now(request("c0")).output
    assert c._store._disk is not None  # asked twice: served by the index from now on
    monkeypatch.setattr(replay._DiskStore, "_load_chunk", counted)
    assert all(c.complete_now(request(f"c{i}")).output == f"o{i}" for i in order)
    if in_order:
        assert loads <= n // 64 + 2  # each chunk once
    else:
        assert loads < 40  # a few probes, then queries alone
    asyncio.run(c.aclose())


def test_lines_never_asked_for_do_not_push_a_large_file_onto_the_index(tmp_path, monkeypatch):
    """A `run --workers` worker's id filter lets a few of the other workers' lines
    through; past the held limit the oldest are dropped instead of giving up the forward
    read, and a dropped line asked for after all is still answered (by the index)."""
    import evalkit.clients.replay as replay

    monkeypatch.setattr(replay, "LARGE_FILE_BYTES", 10)
    monkeypatch.setattr(replay._StreamStore, "_AHEAD_MAX", 8)
    c = client_for(tmp_path, [{"case": f"c{i}", "output": f"o{i}"} for i in range(200)])
    asked = [i for i in range(200) if i % 4 == 0]  # three lines in four never asked for
    assert [c.complete_now(request(f"c{i}")).output for i in asked] == [f"o{i}" for i in asked]
    assert c._store._disk is None and len(c._store._ahead) <= 8
    assert c.complete_now(request("c1")).output == "o1"  # dropped long ago: the index
    assert c._store._disk is not None
    asyncio.run(c.aclose())
