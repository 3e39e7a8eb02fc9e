"""The OpenAI-compatible client against the real test server: shapes, faults, retries."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from evalkit.errors import MissingDependency, UsageError
from evalkit.values import ModelParams


def test_completion_carries_output_tokens_and_latency(
    server, make_client, make_request, complete_all
):
    server.configure(latency_ms=20, responses={"What is 2+2?": "4"})
    [done] = complete_all(
        make_client("openai:m", base_url=server.url), [make_request(prompt="What is 2+2?")]
    )
    assert done.ok and done.output == "4" and done.source == "live"
    assert done.input_tokens == 3 and done.output_tokens == 1
    assert done.latency_s is not None and done.latency_s >= 0.02


def test_request_body_carries_model_params_and_messages(
    server, make_client, make_request, complete_all
):
    params = ModelParams(temperature=0.2, top_p=0.9, max_tokens=50, stop=("\n",), seed=7)
    req = make_request(prompt="hi", system="be brief", params=params)
    complete_all(make_client("openai:my-model", base_url=server.url), [req])
    [entry] = server.log()
    assert entry["model"] == "my-model" and entry["prompt"] == "hi"
    assert entry["params"] == {
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 50,
        "seed": 7,
        "stop": ["\n"],
    }
    assert (entry["suite"], entry["case"], entry["variant"], entry["sample"]) == ("s", "c1", 0, 0)


def test_transient_500s_are_retried_and_attempts_match_server_log(
    server, make_client, make_request, complete_all
):
    server.configure(faults=[{"kind": "error", "status": 503, "first_per_request": 2}])
    c = make_client("openai:m", base_url=server.url)
    results = complete_all(c, [make_request(f"c{i}", f"p{i}") for i in range(4)])
    assert all(r.ok for r in results)
    assert c.stats.attempts == len(server.log()) == 12
    assert c.stats.retries == 8 and c.stats.requests == 4


def test_gives_up_after_max_retries_with_last_error(
    server, make_client, make_request, complete_all
):
    server.configure(faults=[{"kind": "error", "status": 500}])
    c = make_client("openai:m", base_url=server.url, max_retries=2)
    [done] = complete_all(c, [make_request()])
    assert done.output is None and done.error_kind == "http-500"
    assert "after 3 attempts" in done.error and "last error: HTTP 500" in done.error
    assert len(server.log()) == 3 == c.stats.attempts


@pytest.mark.parametrize("kind", ["malformed", "drop", "error-body"])
def test_malformed_dropped_and_error_bodies_are_retried(
    kind, server, make_client, make_request, complete_all
):
    server.configure(faults=[{"kind": kind, "first": 1}])
    c = make_client("openai:m", base_url=server.url)
    [done] = complete_all(c, [make_request(prompt="fine")])
    assert done.output == "fine"
    assert [e["fault"] for e in server.log()] == [kind, None]


def test_hang_past_timeout_is_retried(server, make_client, make_request, complete_all):
    server.configure(faults=[{"kind": "hang", "first": 1}])
    c = make_client("openai:m", base_url=server.url, timeout_s=0.3)
    started = time.monotonic()
    [done] = complete_all(c, [make_request(prompt="late")])
    assert done.output == "late" and time.monotonic() - started >= 0.3
    assert c.stats.attempts == 2


def test_timeout_without_retries_is_a_timeout_error(
    server, make_client, make_request, complete_all
):
    server.configure(faults=[{"kind": "hang"}])
    [done] = complete_all(
        make_client("openai:m", base_url=server.url, timeout_s=0.2, max_retries=0), [make_request()]
    )
    assert done.error_kind == "timeout" and "within 0.2 s" in done.error


def test_retry_after_seconds_is_honoured(server, make_client, make_request, complete_all):
    server.configure(faults=[{"kind": "rate-limit", "retry_after": 0.5, "first": 1}])
    c = make_client("openai:m", base_url=server.url)
    started = time.monotonic()
    [done] = complete_all(c, [make_request()])
    assert done.ok and time.monotonic() - started >= 0.5
    assert c.limits.rate_limited == 1


def test_429_without_retry_after_backs_off_and_slows_the_limiter(
    server, make_client, make_request, complete_all
):
    server.configure(faults=[{"kind": "rate-limit", "first": 2}])
    c = make_client("openai:m", base_url=server.url, concurrency=8)
    [done] = complete_all(c, [make_request()])
    assert done.ok and c.stats.attempts == 3
    assert c.limits.window < 8  # halved twice, regrown a little by the success


def test_rate_limit_exhausted_is_an_error_not_an_exception(
    server, make_client, make_request, complete_all
):
    server.configure(faults=[{"kind": "rate-limit", "retry_after": 0}])
    [done] = complete_all(
        make_client("openai:m", base_url=server.url, max_retries=1), [make_request()]
    )
    assert (
        done.error_kind == "rate-limited"
        and "after 2 attempts" in done.error
        and "429" in done.error
    )


def test_401_fails_fast_naming_the_key_variable(
    server, make_client, make_request, complete_all, monkeypatch
):
    monkeypatch.setenv("EVALKIT_TEST_KEY", "sk-wrong-0123456789abcdef")
    server.configure(api_key="sk-right")
    [done] = complete_all(
        make_client("openai:m", base_url=server.url, api_key_env="EVALKIT_TEST_KEY"),
        [make_request()],
    )
    assert done.error_kind == "auth"
    assert done.error.startswith(
        f"openai:m: HTTP 401 from {server.url}/chat/completions: check EVALKIT_TEST_KEY"
    )
    assert len(server.log()) == 1  # not retried


def test_400_is_not_retried(server, make_client, make_request, complete_all):
    server.configure(faults=[{"kind": "error", "status": 400}])
    [done] = complete_all(make_client("openai:m", base_url=server.url), [make_request()])
    assert done.error_kind == "http-400" and "check the model name" in done.error
    assert len(server.log()) == 1


def test_right_key_is_sent_as_bearer_token(
    server, make_client, make_request, complete_all, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-right")
    server.configure(api_key="sk-right")
    [done] = complete_all(make_client("openai:m", base_url=server.url), [make_request(prompt="ok")])
    assert done.output == "ok"


def test_null_content_and_missing_usage_are_tolerated(
    server, make_client, make_request, complete_all
):
    server.configure(usage=False, faults=[{"kind": "null-content", "match": "tool"}])
    results = complete_all(
        make_client("openai:m", base_url=server.url),
        [make_request("a", "call a tool"), make_request("b", "plain")],
    )
    assert results[0].output == "" and results[0].ok
    assert (
        results[1].output == "plain"
        and results[1].input_tokens is None
        and results[1].output_tokens is None
    )


def test_connection_refused_is_retried_then_reported(make_client, make_request, complete_all):
    c = make_client("openai:m", base_url="http://127.0.0.1:9/v1", max_retries=1)
    [done] = complete_all(c, [make_request()])
    assert done.error_kind == "connection" and "after 2 attempts" in done.error


def test_azure_mode_uses_deployment_url_api_version_and_api_key_header(
    server, make_client, make_request, complete_all, monkeypatch
):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "az-key")
    server.configure(api_key="az-key")
    c = make_client(
        "openai:gpt-4o", base_url=server.root, deployment="dep1", api_version="2024-06-01"
    )
    [done] = complete_all(c, [make_request(prompt="azure")])
    assert done.output == "azure"
    [entry] = server.log()
    assert (
        entry["path"] == "/openai/deployments/dep1/chat/completions"
        and entry["query"] == "api-version=2024-06-01"
    )


def test_missing_key_for_the_default_openai_url_is_a_usage_error(monkeypatch, make_client):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(UsageError, match="set OPENAI_API_KEY"):
        make_client("openai:gpt-4o-mini")


def test_model_is_required(make_client):
    with pytest.raises(UsageError, match="openai:MODEL"):
        make_client("openai")


def test_bad_option_is_a_usage_error(server, make_client):
    with pytest.raises(UsageError, match="'timeout_s': expected a number, got 'soon'"):
        make_client("openai:m", base_url=server.url, timeout_s="soon")


def test_importing_clients_does_not_import_aiohttp():
    code = (
        "import sys, evalkit.clients, evalkit.clients.openai, evalkit.clients.anthropic, evalkit.clients.cache, "
        "evalkit.clients.record, evalkit.clients.command, evalkit.testing.testserver; "
        "assert 'aiohttp' not in sys.modules, 'aiohttp imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_aiohttp_names_the_install_line(monkeypatch, make_client):
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    with pytest.raises(MissingDependency, match=r"pip install 'evalkit\[http\]'"):
        make_client("openai:m", base_url="http://127.0.0.1:9/v1")


def test_describe_names_the_key_variable_not_the_key(monkeypatch, make_client):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-describe")
    c = make_client("openai:gpt-4o-mini", timeout_s=5)
    assert c.describe() == {
        "spec": "openai:gpt-4o-mini",
        "model": "gpt-4o-mini",
        "url": "https://api.openai.com/v1/chat/completions",
        "api_key_env": "OPENAI_API_KEY",
    }


def test_request_key_header_survives_japanese_and_slashes(
    server, make_client, make_request, complete_all
):
    req = make_request("返金/期間", "返金の期限は？", sample=2, variant=1, suite="faq/ja")
    [done] = complete_all(make_client("openai:m", base_url=server.url), [req])
    assert done.output == "返金の期限は？"
    [entry] = server.log()
    assert (entry["suite"], entry["case"], entry["variant"], entry["sample"]) == (
        "faq/ja",
        "返金/期間",
        1,
        2,
    )


def test_azure_mode_needs_a_base_url(make_client, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "k")
    with pytest.raises(UsageError, match="Azure OpenAI needs base_url"):
        make_client("openai:gpt-4o", api_version="2024-06-01")


def test_body_json_is_compact_keeps_non_ascii_and_falls_back_for_huge_integers():
    from evalkit.common.jsonio import dumps_compact

    messages = [{"role": "user", "content": '日本語 "quoted"\n'}]
    assert (
        dumps_compact(messages) == '[{"role":"user","content":"日本語 \\"quoted\\"\\n"}]'.encode()
    )
    assert dumps_compact({"n": 2**70}) == b'{"n":1180591620717411303424}'  # beyond orjson
