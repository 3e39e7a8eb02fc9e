"""The Anthropic Messages client against the test server's /v1/messages."""

from __future__ import annotations

from evalkit.values import ModelParams


def test_system_prompt_is_top_level_and_max_tokens_defaults_to_1024(
    server, make_client, make_request, complete_all
):
    server.configure(responses={"Capital of France?": "Paris"})
    req = make_request(
        prompt="Capital of France?",
        system="Answer in one word.",
        params=ModelParams(temperature=0.0, stop=("END",), seed=3),
    )
    [done] = complete_all(make_client("anthropic:claude-x", base_url=server.url), [req])
    assert done.output == "Paris" and done.input_tokens == 7 and done.output_tokens == 1
    [entry] = server.log()
    assert entry["path"] == "/v1/messages" and entry["model"] == "claude-x"
    assert entry["params"] == {
        "max_tokens": 1024,
        "temperature": 0.0,
        "stop_sequences": ["END"],
        "system": "Answer in one word.",
    }


def test_suite_max_tokens_wins_over_the_default(server, make_client, make_request, complete_all):
    req = make_request(params=ModelParams(max_tokens=10))
    complete_all(make_client("anthropic:c", base_url=server.url, max_tokens=99), [req])
    assert server.log()[0]["params"]["max_tokens"] == 10


def test_key_goes_in_x_api_key_and_auth_failure_names_the_variable(
    server, make_client, make_request, complete_all, monkeypatch
):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-right")
    server.configure(api_key="sk-ant-right")
    [ok] = complete_all(
        make_client("anthropic:c", base_url=server.url), [make_request(prompt="yes")]
    )
    assert ok.output == "yes"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong")
    [bad] = complete_all(make_client("anthropic:c", base_url=server.url), [make_request()])
    assert (
        bad.error_kind == "auth"
        and "check ANTHROPIC_API_KEY" in bad.error
        and "sk-ant-wrong" not in bad.error
    )


def test_overloaded_5xx_is_retried(server, make_client, make_request, complete_all):
    server.configure(faults=[{"kind": "error", "status": 529, "first": 1}])
    c = make_client("anthropic:c", base_url=server.url)
    [done] = complete_all(c, [make_request(prompt="again")])
    assert done.output == "again" and c.stats.attempts == 2


def test_empty_content_list_gives_empty_output(server, make_client, make_request, complete_all):
    server.configure(faults=[{"kind": "null-content"}])
    [done] = complete_all(make_client("anthropic:c", base_url=server.url), [make_request()])
    assert done.ok and done.output == ""
