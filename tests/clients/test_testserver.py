"""The test server itself: loopback only, runnable as a process, log and runtime config."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest

from evalkit.testing.testserver import ServerConfig, running_server


def test_refuses_any_host_but_loopback():
    with pytest.raises(ValueError, match="127.0.0.1 only"):
        with running_server(host="0.0.0.0"):
            pass


def test_unknown_setting_or_fault_kind_is_refused():
    with pytest.raises(ValueError, match="unknown test-server settings: latency"):
        ServerConfig.from_mapping({"latency": 5})
    with pytest.raises(ValueError, match="unknown fault kind 'explode'"):
        ServerConfig.from_mapping({"faults": [{"kind": "explode"}]})


def _post(url: str, payload: dict) -> dict:
    req = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_config_endpoint_changes_behaviour_at_run_time_and_log_keeps_order(server):
    server_cfg = _post(f"{server.root}/_config", {"echo_prefix": "E:", "api_key": "hidden"})
    assert server_cfg["echo_prefix"] == "E:" and server_cfg["api_key"] == "[set]"
    _post(f"{server.root}/_config", {"api_key": None})
    for prompt in ("one", "two"):
        reply = _post(
            f"{server.url}/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": prompt}]},
        )
        assert reply["choices"][0]["message"]["content"] == f"E:{prompt}"
    with urllib.request.urlopen(f"{server.root}/_log", timeout=10) as resp:
        log = json.loads(resp.read())
    assert [(e["n"], e["prompt"]) for e in log] == [(0, "one"), (1, "two")]


def test_runs_as_a_process_prints_its_url_and_stops_on_sigterm():
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalkit.testing.testserver", "--port", "0", "--echo-prefix", "P "],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        reply = _post(
            f"{url}/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "x"}]},
        )
        assert reply["choices"][0]["message"]["content"] == "P x"
        proc.terminate()
        assert proc.wait(10) == 0  # SIGTERM is a clean stop
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_first_per_request_faults_each_request_key_separately():
    with running_server(faults=[{"kind": "error", "first_per_request": 1}]) as srv:
        state = srv.state
        assert state.choose_fault("p", "k1") is not None
        assert state.choose_fault("p", "k1") is None
        assert state.choose_fault("p", "k2") is not None


def test_rate_faults_are_seeded_and_match_limits_them_to_marked_prompts():
    with running_server(faults=[{"kind": "error", "rate": 0.5, "match": "[flaky]"}], seed=7) as srv:
        picks = [srv.state.choose_fault(f"[flaky] q{i}", f"k{i}") is not None for i in range(200)]
        assert 70 < sum(picks) < 130
        assert srv.state.choose_fault("steady", "k") is None
        srv.configure(seed=7)  # same seed, same sequence
        again = [srv.state.choose_fault(f"[flaky] q{i}", f"k{i}") is not None for i in range(200)]
        assert again == picks


def test_running_server_is_its_base_url(make_client, make_request, complete_all):
    with running_server(echo_prefix="u:") as url:
        assert url == f"http://127.0.0.1:{url.port}/v1" and url.startswith("http://127.0.0.1:")
        [done] = complete_all(make_client("openai:m", base_url=url), [make_request(prompt="x")])
        assert done.output == "u:x" and len(url.log()) == 1


def _chat(prompt: str) -> bytes:
    return json.dumps({"model": "m", "messages": [{"role": "user", "content": prompt}]}).encode()


def test_keep_alive_connection_answers_requests_in_order(server):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for prompt in ("one", "two"):  # the same socket, one request after the other
            conn.request("POST", "/v1/chat/completions", _chat(prompt))
            with conn.getresponse() as resp:
                assert resp.status == 200 and resp.getheader("Connection") is None
                assert json.loads(resp.read())["choices"][0]["message"]["content"] == prompt
        conn.request("GET", "/nowhere")
        with conn.getresponse() as resp:
            assert resp.status == 404 and "no route" in resp.read().decode()
    finally:
        conn.close()


def test_pipelined_and_chunked_requests_are_answered_in_arrival_order(server):
    import socket

    server.configure(latency_ms=5)
    first = _chat("first")
    chunked = _chat("second")
    raw = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
        % (len(first), first)
        + b"POST /chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        + b"Connection: close\r\n\r\n%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n"
        % (5, chunked[:5], len(chunked) - 5, chunked[5:])
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(raw[:40])  # arrives in pieces, as over a real network
        sock.sendall(raw[40:])
        received = b""
        while chunk := sock.recv(65536):  # the server closes after the second answer
            received += chunk
    answers = [part for part in received.split(b"HTTP/1.1 ")[1:]]
    assert [a.split(b"\r\n", 1)[0] for a in answers] == [b"200 OK", b"200 OK"]
    assert b'"content":"first"' in answers[0] and b'"content":"second"' in answers[1]
    assert b"Connection: close" in answers[1]


def test_malformed_request_gets_400_and_the_connection_closes(server):
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        received = sock.recv(65536)
        assert received.startswith(b"HTTP/1.1 400 ") and sock.recv(65536) == b""
