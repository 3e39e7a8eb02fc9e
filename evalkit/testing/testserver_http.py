"""The test server's HTTP/1.1 plumbing: a small `asyncio.Protocol`, no framework.

Why not `aiohttp.web`: the test server shares the 2-core benchmark machine with the
client it measures (`tests/benchmarks/http_load.py`), so its CPU is taken from the
client's. Measured side by side (issue 18: the same server routed through `aiohttp.web`,
load B — 5,000 requests at concurrency 256 — four alternating rounds of 3-5 runs):
aiohttp.web took 0.60-0.84 s of server CPU (~130-170 µs a request) where this takes
0.25-0.32 s (~55 µs), and the client's request phase grew from 1.61-2.22 s to 1.76-2.57 s
(bare loop) and from 1.57-2.27 s to 2.01-3.15 s (`evalkit run --workers 2`, +28-57% in
each round): the README's load-B figures need this server. What it speaks: HTTP/1.1 and 1.0, keep-alive
(`Connection: close` honoured), bodies by Content-Length or chunked, `Expect:
100-continue`; one request at a time per connection, so pipelined requests are answered
in arrival order. A malformed request gets 400 and the connection closes. Responses are
always JSON with a Content-Length. Routing and the model behaviour live in
`evalkit.testing.testserver`, which gives each parsed `HttpRequest` to its `Handler`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import unquote

import orjson

__all__ = ["Connection", "Handler", "HttpRequest"]

_MAX_HEAD = 64 * 1024
_MAX_BODY = 64 * 1024 * 1024
_REASONS: dict[int, str] = {}


def _reason(status: int) -> str:
    reason = _REASONS.get(status)
    if reason is None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        _REASONS[status] = reason
    return reason


class Handler(Protocol):
    """What a `Connection` serves: `handle` answers each request (now or later) through
    `conn.respond` or `conn.drop`; `connections` holds the open connections."""

    connections: set[Connection]

    def handle(self, conn: Connection, request: HttpRequest) -> None: ...


class HttpRequest:
    """One parsed HTTP request (header names lower-cased)."""

    __slots__ = ("method", "path", "query", "headers", "body", "keep_alive")

    def __init__(
        self, method: str, target: str, headers: dict[str, str], body: bytes, keep_alive: bool
    ) -> None:
        path, _, self.query = target.partition("?")
        self.method, self.headers = method, headers
        self.path = unquote(path) if "%" in path else path
        self.body, self.keep_alive = body, keep_alive


class Connection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, one request at a time per connection (a pipelined request
    waits in the buffer until the previous answer is written, so answers keep their order).
    Bodies by Content-Length or chunked; `Expect: 100-continue` is honoured."""

    def __init__(self, server: Handler) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.busy = False  # a request is being answered
        self.parsing = False
        self.continued = False
        self.timer: asyncio.TimerHandle | None = None
        self.keep_alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        self.transport = None
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._next()

    def later(self, delay: float, callback: Any, *args: Any) -> None:
        """Run `callback(*args)` after `delay` seconds unless the connection goes first."""
        self.timer = asyncio.get_running_loop().call_later(delay, callback, *args)

    def respond(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        self.timer = None
        transport = self.transport
        if transport is None:  # the client went away while we were "thinking"
            return
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items()) if headers else ""
        if not self.keep_alive:
            extra += "Connection: close\r\n"
        head = (
            f"HTTP/1.1 {status} {_reason(status)}\r\n"
            f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            f"{extra}\r\n"
        )
        transport.write(head.encode("latin-1") + body)
        self.busy = False
        if not self.keep_alive:
            transport.close()
        elif self.buffer and not self.parsing:
            self._next()

    def drop(self) -> None:
        """Close the connection without an answer (the `drop` fault)."""
        self.timer = None
        if self.transport is not None:
            self.transport.close()

    def _next(self) -> None:
        self.parsing = True
        try:
            while not self.busy and self.transport is not None:
                request = self._parse()
                if request is None:
                    return
                self.busy, self.keep_alive = True, request.keep_alive
                self.server.handle(self, request)
        finally:
            self.parsing = False

    def _parse(self) -> HttpRequest | None:
        buffer = self.buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > _MAX_HEAD:
                self._refuse(400, "request head too large")
            return None
        lines = buffer[:end].decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ")
            if not version.startswith("HTTP/1."):
                raise ValueError(version)
            headers = {}
            for line in lines[1:]:
                name, colon, value = line.partition(":")
                if not colon:
                    raise ValueError(line)
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", "").lower():
                taken = _dechunk(buffer, end + 4)
                if taken is None:
                    return None
                body, used = taken
            else:
                length = int(headers.get("content-length", "0"))
                if not 0 <= length <= _MAX_BODY:
                    raise ValueError(length)
                used = end + 4 + length
                if len(buffer) < used:
                    self._continue(headers)
                    return None
                body = bytes(buffer[end + 4 : used])
        except ValueError:
            self._refuse(400, "malformed HTTP request")
            return None
        del buffer[:used]
        self.continued = False
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        return HttpRequest(method, target, headers, body, keep_alive)

    def _continue(self, headers: dict[str, str]) -> None:
        if not self.continued and headers.get("expect", "").lower() == "100-continue":
            self.continued = True
            assert self.transport is not None
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _refuse(self, status: int, message: str) -> None:
        self.buffer.clear()
        self.busy, self.keep_alive = True, False
        error = {"error": {"message": message, "type": "invalid_request_error"}}
        self.respond(status, orjson.dumps(error))


def _dechunk(buffer: bytearray, start: int) -> tuple[bytes, int] | None:
    """(body, bytes used) of a complete chunked body at `start`; None while incomplete;
    ValueError when malformed."""
    body = bytearray()
    at = start
    while True:
        eol = buffer.find(b"\r\n", at)
        if eol < 0:
            return None
        size = int(bytes(buffer[at:eol]).split(b";")[0], 16)
        if size == 0:
            trailer_end = buffer.find(b"\r\n\r\n", eol)  # "0\r\n" then trailers, "\r\n"
            if buffer[eol : eol + 4] == b"\r\n\r\n":
                return bytes(body), eol + 4
            return None if trailer_end < 0 else (bytes(body), trailer_end + 4)
        if len(body) + size > _MAX_BODY:
            raise ValueError(size)
        if len(buffer) < eol + 2 + size + 2:
            return None
        body += buffer[eol + 2 : eol + 2 + size]
        at = eol + 2 + size + 2
