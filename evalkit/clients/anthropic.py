"""`anthropic:MODEL` — the Anthropic Messages API over HTTP (aiohttp).

`POST {base_url}/messages` with `x-api-key` and `anthropic-version` headers. System
messages go to the top-level `system` field; `max_tokens` is required by the API, so it
defaults to 1024 (option `max_tokens`, or the suite's params). `stop` becomes
`stop_sequences`; `seed` is not supported by the API and is not sent. Options:
`base_url` (default `https://api.anthropic.com/v1`), `api_key_env` (default
`ANTHROPIC_API_KEY`; read when the client is built, never written anywhere),
`anthropic_version` (default `2023-06-01`), `max_tokens`, and the transport options of
`evalkit.clients.http` (`timeout_s`, `max_retries`, `concurrency`, `rpm`, `tpm`, ...).
"""

from __future__ import annotations

import json
import os
from typing import Any

from evalkit.clients.base import ClientSettings
from evalkit.clients.http import (
    Failure,
    HttpClient,
    Parsed,
    checked_base_url,
    option_number,
    server_message,
)
from evalkit.clients.trust import default_key_env
from evalkit.common.jsonio import dumps_compact
from evalkit.errors import UsageError
from evalkit.values import ModelParams, Request

__all__ = ["AnthropicClient", "make", "DEFAULT_BASE_URL"]

DEFAULT_BASE_URL = "https://api.anthropic.com/v1"
DEFAULT_VERSION = "2023-06-01"


class AnthropicClient(HttpClient):
    provider = "anthropic"

    def __init__(self, settings: ClientSettings) -> None:
        if not settings.arg:
            raise UsageError(
                "the anthropic client needs a model: anthropic:MODEL, e.g. anthropic:claude-3-5-haiku-latest"
            )
        options = settings.options
        base_url = checked_base_url(options, DEFAULT_BASE_URL)
        key_env = str(default_key_env("anthropic", options))
        key = os.environ.get(key_env) or None
        if key is None and base_url == DEFAULT_BASE_URL:
            raise UsageError(
                f"the anthropic client needs an API key: set {key_env} in the environment "
                "(or name another variable with --api-key-env / the api_key_env option)"
            )
        headers = {"anthropic-version": str(options.get("anthropic_version") or DEFAULT_VERSION)}
        if key:
            headers["x-api-key"] = key
        self.default_max_tokens: int = option_number(
            options, "max_tokens", 1024, minimum=1, integer=True
        )
        super().__init__(
            settings, url=f"{base_url}/messages", headers=headers, secret=key, key_env=key_env
        )
        self._heads: dict[ModelParams, str] = {}

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "default_max_tokens": self.default_max_tokens}

    def _head(self, params: ModelParams) -> str:
        head = self._heads.get(params)
        if head is None:
            fields: dict[str, Any] = {
                "model": self.model,
                "max_tokens": params.max_tokens or self.default_max_tokens,
            }
            if params.temperature is not None:
                fields["temperature"] = params.temperature
            if params.top_p is not None:
                fields["top_p"] = params.top_p
            if params.stop:
                fields["stop_sequences"] = list(params.stop)
            head = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))[:-1]
            self._heads[params] = head
        return head

    def encode(self, request: Request) -> bytes:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        messages = [
            {"role": m.role, "content": m.content} for m in request.messages if m.role != "system"
        ]
        head = self._head(request.params).encode("utf-8")
        if system:
            head += b',"system":' + dumps_compact(system)
        return head + b',"messages":' + dumps_compact(messages) + b"}"

    def parse(self, payload: Any) -> Parsed | Failure:
        if not isinstance(payload, dict):
            return Failure("bad-response", f"response from {self.url} is not a JSON object", True)
        if payload.get("type") == "error" or "error" in payload:
            said = server_message(json.dumps(payload).encode())
            return Failure("api-error", f"error from {self.url}: {said}", True)
        blocks = payload.get("content")
        if not isinstance(blocks, list):
            return Failure("bad-response", f"response from {self.url} has no content list", True)
        text = "".join(
            b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text"
        )
        usage = payload.get("usage") or {}
        tokens_in = usage.get("input_tokens") if isinstance(usage, dict) else None
        tokens_out = usage.get("output_tokens") if isinstance(usage, dict) else None
        return (
            text,
            tokens_in if isinstance(tokens_in, int) else None,
            tokens_out if isinstance(tokens_out, int) else None,
        )


def make(settings: ClientSettings) -> AnthropicClient:
    return AnthropicClient(settings)
