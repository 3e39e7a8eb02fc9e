"""The on-disk cache wrapper: keys, hits, misses, errors never cached."""

from __future__ import annotations

import asyncio
from pathlib import Path

from evalkit.clients.base import Client
from evalkit.clients.cache import CachingClient
from evalkit.values import Completion, ModelParams, Request


class Counting(Client):
    """Answers `out-N` (N = call number) or an error for prompts containing 'fail'."""

    spec = "fake:m"
    model = "m"

    def __init__(self) -> None:
        self.calls = 0

    async def complete(self, request: Request) -> Completion:
        self.calls += 1
        if "fail" in request.messages[-1].content:
            return Completion(None, error="boom", error_kind="http-500")
        return Completion(f"out-{self.calls}", latency_s=0.5, input_tokens=3, output_tokens=1)


def _ask(client: Client, request: Request) -> Completion:
    now = client.complete_now(request)
    return now if now is not None else asyncio.run(client.complete(request))


def test_second_ask_is_a_cache_hit_answered_synchronously(tmp_path: Path, make_request):
    inner = Counting()
    cache = CachingClient(inner, tmp_path)
    first = _ask(cache, make_request())
    hit = cache.complete_now(make_request())
    assert first.source == "live" and hit is not None and hit.source == "cache"
    assert hit.output == first.output and hit.input_tokens == 3 and inner.calls == 1
    assert (cache.hits, cache.misses) == (1, 1)


def test_cache_survives_a_new_client_instance(tmp_path: Path, make_request):
    _ask(CachingClient(Counting(), tmp_path), make_request())
    inner = Counting()
    assert (
        _ask(CachingClient(inner, tmp_path), make_request()).output == "out-1" and inner.calls == 0
    )


def test_sample_index_is_in_the_key(tmp_path: Path, make_request):
    cache = CachingClient(Counting(), tmp_path)
    outputs = [_ask(cache, make_request(sample=i)).output for i in range(3)]
    assert outputs == ["out-1", "out-2", "out-3"]
    assert cache.key(make_request(sample=0)) != cache.key(make_request(sample=1))


def test_params_and_messages_are_in_the_key_but_suite_and_case_are_not(
    tmp_path: Path, make_request
):
    cache = CachingClient(Counting(), tmp_path)
    base = cache.key(make_request())
    assert cache.key(make_request(params=ModelParams(temperature=0.7))) != base
    assert cache.key(make_request(prompt="other")) != base
    assert cache.key(make_request(system="be terse")) != base
    assert cache.key(make_request(variant=1)) != base
    assert cache.key(make_request(case="renamed", suite="other")) == base


def test_transport_knobs_are_not_in_the_key(tmp_path: Path, make_client, make_request):
    fast = make_client(
        "openai:m",
        base_url="http://127.0.0.1:9/v1",
        timeout_s=5,
        max_retries=0,
        concurrency=2,
        rpm=10,
    )
    slow = make_client(
        "openai:m", base_url="http://127.0.0.1:9/v1", timeout_s=300, max_retries=9, concurrency=64
    )
    other_model = make_client("openai:n", base_url="http://127.0.0.1:9/v1")
    other_key_var = make_client(
        "openai:m", base_url="http://127.0.0.1:9/v1", api_key_env="OTHER_KEY"
    )
    other_server = make_client("openai:m", base_url="http://127.0.0.1:8/v1")
    req = make_request()
    assert CachingClient(fast, tmp_path).key(req) == CachingClient(slow, tmp_path).key(req)
    assert CachingClient(other_key_var, tmp_path).key(req) == CachingClient(fast, tmp_path).key(req)
    assert CachingClient(other_model, tmp_path).key(req) != CachingClient(fast, tmp_path).key(req)
    assert CachingClient(other_server, tmp_path).key(req) != CachingClient(fast, tmp_path).key(req)


def test_errors_are_never_cached(tmp_path: Path, make_request):
    inner = Counting()
    cache = CachingClient(inner, tmp_path)
    assert _ask(cache, make_request(prompt="fail")).error == "boom"
    assert cache.complete_now(make_request(prompt="fail")) is None
    _ask(cache, make_request(prompt="fail"))
    assert inner.calls == 2 and cache.writes == 0
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_damaged_entry_is_a_miss_and_gets_rewritten(tmp_path: Path, make_request):
    cache = CachingClient(Counting(), tmp_path)
    _ask(cache, make_request())
    [entry] = [p for p in tmp_path.rglob("*.json")]
    assert entry.parent.name == entry.name[:2]  # sharded by the first two hex digits
    entry.write_text("{not json")
    assert cache.complete_now(make_request()) is None
    assert _ask(cache, make_request()).output == "out-2"
    assert cache.complete_now(make_request()).output == "out-2"
    assert not list(tmp_path.rglob(".tmp-*"))


def test_cached_real_client_does_not_call_the_server_again(
    tmp_path: Path, server, make_client, make_request, complete_all
):
    reqs = [make_request(f"c{i}", f"p{i}", sample=s) for i in range(3) for s in range(2)]
    complete_all(CachingClient(make_client("openai:m", base_url=server.url), tmp_path), reqs)
    assert len(server.log()) == 6
    again = CachingClient(make_client("openai:m", base_url=server.url, timeout_s=1), tmp_path)
    assert all(again.complete_now(r) is not None for r in reqs)
    assert len(server.log()) == 6
