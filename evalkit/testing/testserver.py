"""An OpenAI-compatible (and Anthropic-shaped) test server with fault injection.

For tests, benchmarks and users' CI: a real HTTP server on the loopback interface that the
real clients talk to. It binds 127.0.0.1 only (any other host is refused: this server
answers anybody who can reach it and must never be exposed).

Endpoints:
- `POST /v1/chat/completions` — OpenAI shape; `POST /v1/messages` — Anthropic shape.
  The output is deterministic: `responses[prompt]` when the last user message is in the
  lookup table (a list is indexed by the sample number, cycling), else `echo_prefix +
  prompt`. `usage` counts whitespace-separated words.
- `GET /_log` — every request received, in arrival order: `n`, `path`, `key` (the client's
  `X-Evalkit-Request: suite/case/variant/sample` header), `suite`, `case`, `variant`,
  `sample`, `prompt`, `model`, `params` (the other body fields), `query`, `t` (monotonic
  arrival time), `fault` (the injected fault kind or null); `DELETE /_log` clears it.
- `GET /_config`, `POST /_config` — read / change the configuration at run time (fields
  given replace the current ones; fault counters restart).

Configuration (`ServerConfig`): `latency_ms` added to every model request; `api_key` (when
set, requests without it get 401 — whose body quotes the key presented, like some real
servers do, so tests can check that clients never repeat it); `faults`, a list of rules
tried in order, the first that applies wins. A rule (`Fault`) has a `kind`:
`error` (HTTP `status`, default 500), `rate-limit` (429 with `Retry-After: retry_after`
seconds, or as an HTTP date when `retry_after_date` is true, or no header when null),
`malformed` (200 with a broken JSON body), `hang` (no answer for `hang_s` seconds),
`drop` (the connection is closed without an answer), `null-content` (200 with
`content: null`), `error-body` (200 with an `{"error": ...}` body); and a selection:
`match` (substring of the prompt), then `first` (only the first N matching requests),
`first_per_request` (the first N attempts of each distinct request key), `rate`
(probability, from a seeded generator). No selection = every matching request.

HTTP/1.1 is served by `evalkit.testing.testserver_http` (a small `asyncio.Protocol`, not
`aiohttp.web`: this server shares the benchmark machine with the client it measures, and
costs ~55 µs of CPU per request where aiohttp's server cost ~130-170 µs, which made the
HTTP load's request phase up to 57% longer; figures in `evalkit.testing.testserver_http`).

One module on purpose (past the usual ~400 lines) for everything the tests configure and
read; users' CI starts it with `python -m`. `running_server(**config)` runs it in a
background thread for tests; `python -m
evalkit.testing.testserver --port 0 --latency-ms 50` runs it as a process and prints its base URL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any
from urllib.parse import unquote

import orjson

from evalkit.testing.testserver_http import Connection, HttpRequest

__all__ = [
    "Fault",
    "ServerConfig",
    "ServerState",
    "RunningServer",
    "running_server",
    "serve",
    "main",
]

LOOPBACK = "127.0.0.1"
FAULT_KINDS = ("error", "rate-limit", "malformed", "hang", "drop", "null-content", "error-body")


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault-injection rule (see the module docstring)."""

    kind: str
    status: int = 500
    retry_after: float | None = None
    retry_after_date: bool = False
    hang_s: float = 3600.0
    match: str | None = None
    first: int | None = None
    first_per_request: int | None = None
    rate: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}"
            )


@dataclass(frozen=True, slots=True)
class ServerConfig:
    latency_ms: float = 0.0
    faults: tuple[Fault, ...] = ()
    responses: Mapping[str, str | list[str]] = field(default_factory=dict)
    echo_prefix: str = ""
    api_key: str | None = None
    usage: bool = True
    seed: int = 0

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], base: ServerConfig | None = None
    ) -> ServerConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(
                f"unknown test-server settings: {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
            )
        changes = dict(data)
        if "faults" in changes:
            changes["faults"] = tuple(
                f if isinstance(f, Fault) else Fault(**f) for f in changes["faults"] or ()
            )
        return replace(base or cls(), **changes)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["api_key"] = None if self.api_key is None else "[set]"
        return out


class ServerState:
    """Configuration, fault counters and the request log (shared with the test thread)."""

    def __init__(self, config: ServerConfig) -> None:
        self.lock = threading.Lock()
        self.log: list[dict[str, Any]] = []
        self.configure(config)

    def configure(self, config: ServerConfig) -> None:
        with self.lock:
            self.config = config
            self._matched = [0] * len(config.faults)
            self._per_request: list[dict[str, int]] = [{} for _ in config.faults]
            self._rng = random.Random(config.seed)

    def choose_fault(self, prompt: str, key: str) -> Fault | None:
        with self.lock:
            for i, fault in enumerate(self.config.faults):
                if fault.match is not None and fault.match not in prompt:
                    continue
                self._matched[i] += 1
                if fault.first is not None and self._matched[i] > fault.first:
                    continue
                if fault.first_per_request is not None:
                    seen = self._per_request[i].get(key, 0) + 1
                    self._per_request[i][key] = seen
                    if seen > fault.first_per_request:
                        continue
                if fault.rate is not None and self._rng.random() >= fault.rate:
                    continue
                return fault
        return None

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            entry["n"] = len(self.log)
            self.log.append(entry)

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(e) for e in self.log]

    def clear(self) -> None:
        with self.lock:
            self.log.clear()


def _key_fields(key: str) -> dict[str, Any]:
    """Split the client's `suite/case/variant/sample` header (suite and case are
    percent-encoded; None fields when absent)."""
    parts = key.rsplit("/", 3)
    out: dict[str, Any] = {"suite": None, "case": None, "variant": None, "sample": None}
    if len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit():
        out.update(
            suite=unquote(parts[0]),
            case=unquote(parts[1]),
            variant=int(parts[2]),
            sample=int(parts[3]),
        )
    return out


def _error(message: str, kind: str = "server_error", **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, **extra}}


def _fault_reply(fault: Fault) -> tuple[Any, int, dict[str, str]] | None:
    """(JSON payload or raw bytes, status, headers) for a fault answered with a response;
    None for faults that shape a normal answer (null-content)."""
    if fault.kind == "error":
        return _error(f"injected HTTP {fault.status}"), fault.status, {}
    if fault.kind == "rate-limit":
        headers = {}
        if fault.retry_after is not None:
            if fault.retry_after_date:
                from email.utils import formatdate

                headers["Retry-After"] = formatdate(time.time() + fault.retry_after, usegmt=True)
            else:
                headers["Retry-After"] = f"{fault.retry_after:g}"
        return _error("injected rate limit", "rate_limit_error"), 429, headers
    if fault.kind == "malformed":
        return b'{"choices": [{"message": {"content": "trunc', 200, {}
    if fault.kind == "error-body":
        return _error("injected error body"), 200, {}
    return None


def _answer(
    shape: str, config: ServerConfig, body: dict[str, Any], entry: dict[str, Any], null: bool
) -> dict[str, Any]:
    """The successful OpenAI- or Anthropic-shaped reply; usage counts words."""
    output = _output(config, entry["prompt"], entry["sample"])
    words_in = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
    words_in += len(str(body.get("system", "")).split())
    words_out = len(output.split())
    if shape == "anthropic":
        payload: dict[str, Any] = {
            "id": f"msg_{entry['n']}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": [] if null else [{"type": "text", "text": output}],
            "stop_reason": "end_turn",
        }
        if config.usage:
            payload["usage"] = {"input_tokens": words_in, "output_tokens": words_out}
        return payload
    message = {"role": "assistant", "content": None if null else output}
    payload = {
        "id": f"chatcmpl-{entry['n']}",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model"),
        "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
    }
    if config.usage:
        payload["usage"] = {
            "prompt_tokens": words_in,
            "completion_tokens": words_out,
            "total_tokens": words_in + words_out,
        }
    return payload


_MODEL_ROUTES = {
    "/v1/chat/completions": "openai",
    "/chat/completions": "openai",
    "/v1/messages": "anthropic",
}


def _json(payload: Any) -> bytes:
    try:
        return orjson.dumps(payload)
    except TypeError:  # e.g. an integer beyond 64 bits in a logged request
        return json.dumps(payload).encode()


def _route(path: str) -> str | None:
    """The handler name for `path` (None: not found)."""
    shape = _MODEL_ROUTES.get(path)
    if shape is not None:
        return shape
    if path in ("/_log", "/_config"):
        return path
    parts = path.split("/")  # Azure: /openai/deployments/{deployment}/chat/completions
    if len(parts) == 6 and parts[1:3] == ["openai", "deployments"] and parts[3]:
        if parts[4:] == ["chat", "completions"]:
            return "openai"
    return None


class _Server:
    """Routes requests to the model endpoints and the `/_log`, `/_config` endpoints."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.connections: set[Connection] = set()

    def close_connections(self) -> None:
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.close()

    def handle(self, conn: Connection, request: HttpRequest) -> None:
        route = _route(request.path)
        state, method = self.state, request.method
        if route is None:
            conn.respond(404, _json(_error(f"no route {request.path}", "not_found")))
        elif route in ("openai", "anthropic"):
            if method == "POST":
                self.model_call(conn, request, route)
            else:
                conn.respond(405, _json(_error("use POST", "invalid_request_error")))
        elif route == "/_log" and method == "GET":
            conn.respond(200, _json(state.snapshot()))
        elif route == "/_log" and method == "DELETE":
            state.clear()
            conn.respond(200, _json({"cleared": True}))
        elif route == "/_config" and method == "GET":
            conn.respond(200, _json(state.config.as_json()))
        elif route == "/_config" and method == "POST":
            try:
                state.configure(ServerConfig.from_mapping(json.loads(request.body), state.config))
            except (ValueError, TypeError, AttributeError) as exc:
                conn.respond(400, _json(_error(str(exc), "invalid_request_error")))
            else:
                conn.respond(200, _json(state.config.as_json()))
        else:
            conn.respond(405, _json(_error(f"{method} not allowed", "invalid_request_error")))

    def model_call(self, conn: Connection, request: HttpRequest, shape: str) -> None:
        try:
            try:
                body = orjson.loads(request.body)
            except orjson.JSONDecodeError:
                body = json.loads(request.body)  # as the standard library reads (UTF-16, ...)
            messages = body["messages"]
            prompt = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
        except (ValueError, KeyError, TypeError, AttributeError):
            bad = _error("expected a JSON body with messages", "invalid_request_error")
            conn.respond(400, _json(bad))
            return
        headers = request.headers
        key = headers.get("x-evalkit-request", "")
        state = self.state
        config = state.config
        entry = {
            "path": request.path,
            "query": request.query,
            "key": key or None,
            **_key_fields(key),
            "prompt": prompt,
            "model": body.get("model"),
            "params": {k: v for k, v in body.items() if k not in ("model", "messages")},
            "fault": None,
            "t": time.monotonic(),
        }
        if config.api_key is not None:
            presented = (
                headers.get("x-api-key")
                or headers.get("api-key")
                or headers.get("authorization", "").removeprefix("Bearer ")
            )
            if presented != config.api_key:
                entry["fault"] = "auth"
                state.record(entry)
                # Quotes the key presented, as some real servers do (clients must not repeat it).
                text = f"Incorrect API key provided: {presented}"
                auth = _error(text, "invalid_request_error", code="invalid_api_key")
                conn.respond(401, _json(auth))
                return
        fault = state.choose_fault(prompt, key or prompt)
        entry["fault"] = fault.kind if fault else None
        state.record(entry)
        if config.latency_ms:
            conn.later(
                config.latency_ms / 1000.0, self.finish, conn, shape, config, body, entry, fault
            )
        else:
            self.finish(conn, shape, config, body, entry, fault)

    def finish(
        self,
        conn: Connection,
        shape: str,
        config: ServerConfig,
        body: dict[str, Any],
        entry: dict[str, Any],
        fault: Fault | None,
    ) -> None:
        """The answer, once the configured latency has passed."""
        if fault is not None:
            if fault.kind == "hang":
                conn.later(fault.hang_s, conn.respond, 504, _json(_error("hung")))
                return
            if fault.kind == "drop":
                conn.drop()
                return
            canned = _fault_reply(fault)
            if canned is not None:
                payload, status, headers = canned
                raw = payload if isinstance(payload, bytes) else _json(payload)
                conn.respond(status, raw, headers)
                return
        null = fault is not None and fault.kind == "null-content"
        conn.respond(200, _json(_answer(shape, config, body, entry, null)))


def _output(config: ServerConfig, prompt: str, sample: int | None) -> str:
    answer = config.responses.get(prompt)
    if answer is None:
        return config.echo_prefix + prompt
    if isinstance(answer, list):
        return str(answer[(sample or 0) % len(answer)]) if answer else ""
    return str(answer)


def _check_host(host: str) -> None:
    if host != LOOPBACK:
        raise ValueError(
            f"the test server binds {LOOPBACK} only (got host {host!r}): it must never be reachable from other machines"
        )


async def _start(state: ServerState, host: str, port: int) -> tuple[asyncio.Server, _Server, int]:
    _check_host(host)
    handler = _Server(state)
    server = await asyncio.get_running_loop().create_server(
        lambda: Connection(handler), host, port, backlog=4096
    )
    return server, handler, int(server.sockets[0].getsockname()[1])


async def _stop(server: asyncio.Server, handler: _Server) -> None:
    server.close()
    handler.close_connections()  # hung requests included
    await server.wait_closed()


class RunningServer(str):
    """A test server running in a background thread (see `running_server`).

    It *is* its base URL (`http://127.0.0.1:PORT/v1`, what clients take as `base_url`), so
    `with running_server() as url:` works; it also offers `.url`, `.root` (without `/v1`,
    where `/_log` and `/_config` live), `.port`, `.log()`, `.clear_log()`, `.configure()`.
    """

    state: ServerState
    port: int
    root: str
    url: str

    def __new__(cls, state: ServerState, port: int) -> RunningServer:
        root = f"http://{LOOPBACK}:{port}"
        self = super().__new__(cls, f"{root}/v1")
        self.state, self.port, self.root, self.url = state, port, root, f"{root}/v1"
        return self

    def log(self) -> list[dict[str, Any]]:
        return self.state.snapshot()

    def clear_log(self) -> None:
        self.state.clear()

    def configure(self, **changes: Any) -> None:
        self.state.configure(ServerConfig.from_mapping(changes, self.state.config))


@contextmanager
def running_server(host: str = LOOPBACK, port: int = 0, **config: Any) -> Iterator[RunningServer]:
    """Start the server in a thread with its own event loop; yield it (a `RunningServer`,
    which is the base URL string); stop it. `config` takes `ServerConfig` fields."""
    _check_host(host)
    state = ServerState(ServerConfig.from_mapping(config))
    loop = asyncio.new_event_loop()
    started: dict[str, Any] = {}
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            started["server"], started["handler"], started["port"] = loop.run_until_complete(
                _start(state, host, port)
            )
        except BaseException as exc:  # reported to the caller below
            started["error"] = exc
            ready.set()
            return
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="evalkit-testserver", daemon=True)
    thread.start()
    ready.wait(30)
    if "error" in started:
        raise started["error"]
    try:
        yield RunningServer(state, started["port"])
    finally:
        stop = _stop(started["server"], started["handler"])
        asyncio.run_coroutine_threadsafe(stop, loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


async def serve(
    config: ServerConfig, host: str = LOOPBACK, port: int = 0, on_ready: Any = None
) -> None:
    """Run until cancelled or SIGTERM; `on_ready(port)` is called once the socket is bound."""
    import signal

    state = ServerState(config)
    server, handler, bound = await _start(state, host, port)
    done = asyncio.Event()
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, done.set)
    except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
        pass
    if on_ready is not None:
        on_ready(bound)
    try:
        await done.wait()
    finally:
        await _stop(server, handler)


def main(argv: list[str] | None = None) -> int:
    """`python -m evalkit.testing.testserver --port 0 [--latency-ms 50] [--config FILE.json]`:
    prints the base URL (`http://127.0.0.1:PORT/v1`) on its first line, then serves until killed."""
    parser = argparse.ArgumentParser(
        prog="python -m evalkit.testing.testserver", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--host", default=LOOPBACK, help="must be 127.0.0.1 (loopback only)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency-ms", type=float, default=None)
    parser.add_argument("--echo-prefix", default=None)
    parser.add_argument(
        "--config", default=None, help="JSON file with ServerConfig fields (faults, responses, ...)"
    )
    args = parser.parse_args(argv)
    data: dict[str, Any] = {}
    if args.config:
        with open(args.config, encoding="utf-8") as handle:
            data.update(json.load(handle))
    if args.latency_ms is not None:
        data["latency_ms"] = args.latency_ms
    if args.echo_prefix is not None:
        data["echo_prefix"] = args.echo_prefix
    try:
        _check_host(args.host)
        config = ServerConfig.from_mapping(data)
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))

    def ready(port: int) -> None:
        print(f"http://{LOOPBACK}:{port}/v1", flush=True)

    try:
        asyncio.run(serve(config, args.host, args.port, ready))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
