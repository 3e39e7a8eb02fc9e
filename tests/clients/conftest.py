"""Fixtures for the client tests: a real test server on 127.0.0.1 (fresh per test) and
small builders, exposed as fixtures so the tests work under any pytest import mode."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from evalkit.clients import build_client, parse_spec
from evalkit.clients.base import Client
from evalkit.common.render import prompt_sha256
from evalkit.testing.testserver import RunningServer, running_server
from evalkit.values import Completion, Message, ModelParams, Request


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with running_server() as running:
        yield running


def _request(
    case: str = "c1",
    prompt: str = "hello",
    *,
    sample: int = 0,
    variant: int = 0,
    suite: str = "s",
    system: str | None = None,
    params: ModelParams | None = None,
) -> Request:
    messages: tuple[Message, ...] = (Message("user", prompt),)
    if system is not None:
        messages = (Message("system", system), *messages)
    return Request(
        suite, case, variant, sample, messages, prompt_sha256(messages), params or ModelParams()
    )


def _client(spec: str, **options: Any) -> Client:
    options.setdefault("backoff_s", 0.01)
    return build_client(parse_spec(spec, Path("."), options))


def _complete_all(c: Client, requests: Sequence[Request]) -> list[Completion]:
    async def go() -> list[Completion]:
        try:
            return list(await asyncio.gather(*(c.complete(r) for r in requests)))
        finally:
            await c.aclose()

    return asyncio.run(go())


@pytest.fixture
def make_request() -> Callable[..., Request]:
    """`make_request(case, prompt, sample=, variant=, suite=, system=, params=)`."""
    return _request


@pytest.fixture
def make_client() -> Callable[..., Client]:
    """`make_client("openai:m", base_url=..., **options)`; back-off shortened for tests."""
    return _client


@pytest.fixture
def complete_all() -> Callable[[Client, Sequence[Request]], list[Completion]]:
    """Run all requests concurrently through a client, then close it."""
    return _complete_all
