"""`openai:MODEL` — OpenAI-compatible chat completions over HTTP (aiohttp).

Speaks `POST {base_url}/chat/completions`, which OpenAI, Azure OpenAI, vLLM, Ollama,
llama.cpp server, LM Studio and LiteLLM all serve. Options (`ClientSettings.options`):

- `base_url` — default `https://api.openai.com/v1` (e.g. `http://localhost:11434/v1` for Ollama);
- `api_key_env` — the environment variable holding the key, read once when the client is
  built (default `OPENAI_API_KEY`; `AZURE_OPENAI_API_KEY` in Azure mode). The key never
  comes from a suite file and never appears in `describe()`, errors or files. Without a
  key, requests to the default OpenAI URL are refused at build time; other servers (local
  ones need none) are called without an `Authorization` header;
- Azure: `api_version` (turns Azure mode on; sent as `?api-version=`), optional
  `deployment` (URL becomes `{base_url}/openai/deployments/{deployment}`), key sent in the
  `api-key` header; `azure: true` forces Azure mode;
- `extra_body` — a mapping merged into every request body (server-specific parameters);
- transport: `timeout_s` (60), `max_retries` (4), `concurrency` (8), `rpm`, `tpm`,
  `backoff_s` (0.5), `backoff_max_s` (30), `max_retry_after_s` (120).

Request body: `model`, `messages`, and the request's `ModelParams` (temperature, top_p,
max_tokens, stop, seed). The constant head of the body is JSON-encoded once per distinct
`ModelParams`, only the messages per request. `content: null` (a refusal or a tool call)
gives the `refusal` text when there is one, else an empty output; missing `usage` gives
`None` token counts.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

from evalkit.clients.base import ClientSettings
from evalkit.clients.http import Failure, HttpClient, Parsed, checked_base_url, server_message
from evalkit.clients.trust import default_key_env
from evalkit.common.jsonio import dumps_compact
from evalkit.errors import UsageError
from evalkit.values import ModelParams, Request

__all__ = ["OpenAIClient", "make", "DEFAULT_BASE_URL"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIClient(HttpClient):
    provider = "openai"

    def __init__(self, settings: ClientSettings) -> None:
        if not settings.arg:
            raise UsageError(
                "the openai client needs a model: openai:MODEL, e.g. openai:gpt-4o-mini"
            )
        options = settings.options
        base_url = checked_base_url(options, DEFAULT_BASE_URL)
        api_version = options.get("api_version")
        deployment = options.get("deployment")
        self.azure = bool(options.get("azure") or api_version or deployment)
        key_env = str(default_key_env("openai", options))
        key = os.environ.get(key_env) or None
        if key is None and base_url == DEFAULT_BASE_URL:
            raise UsageError(
                f"the openai client needs an API key: set {key_env} in the environment "
                "(or name another variable with --api-key-env / the api_key_env option)"
            )
        if self.azure:
            if "base_url" not in options:
                raise UsageError(
                    "Azure OpenAI needs base_url, e.g. https://RESOURCE.openai.azure.com (with deployment)"
                )
            if not api_version:
                raise UsageError(
                    "Azure OpenAI needs the api_version option, e.g. api_version: 2024-06-01"
                )
            # Quoted: a deployment name from a suite cannot rewrite the path ("x/../..").
            name = quote(str(deployment), safe="") if deployment else ""
            root = f"{base_url}/openai/deployments/{name}" if deployment else base_url
            url = f"{root}/chat/completions?api-version={quote(str(api_version), safe='')}"
            headers = {"api-key": key} if key else {}
        else:
            url = f"{base_url}/chat/completions"
            headers = {"Authorization": f"Bearer {key}"} if key else {}
        extra = options.get("extra_body") or {}
        if not isinstance(extra, dict):
            raise UsageError(
                f"client option 'extra_body': expected a mapping, got {type(extra).__name__}"
            )
        self.extra_body: dict[str, Any] = dict(extra)
        super().__init__(settings, url=url, headers=headers, secret=key, key_env=key_env)
        self._heads: dict[ModelParams, bytes] = {}

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        if self.extra_body:
            out["extra_body"] = self.extra_body
        return out

    def _head(self, params: ModelParams) -> bytes:
        """`{"model":...,<params>,"messages":` — encoded once per distinct params."""
        head = self._heads.get(params)
        if head is None:
            fields = {"model": self.model, **params.as_dict(), **self.extra_body}
            text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
            head = (text[:-1] + ',"messages":').encode("utf-8")
            self._heads[params] = head
        return head

    def encode(self, request: Request) -> bytes:
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        return self._head(request.params) + dumps_compact(messages) + b"}"

    def parse(self, payload: Any) -> Parsed | Failure:
        choices = payload.get("choices") if isinstance(payload, dict) else None
        if not choices or not isinstance(choices, list) or not isinstance(choices[0], dict):
            if isinstance(payload, dict) and "error" in payload:
                said = server_message(json.dumps(payload).encode())
                return Failure("api-error", f"error from {self.url}: {said}", True)
            return Failure("bad-response", f"response from {self.url} has no choices", True)
        message = choices[0].get("message") or {}
        content = message.get("content") if isinstance(message, dict) else None
        if content is None:
            content = message.get("refusal") or "" if isinstance(message, dict) else ""
        elif isinstance(content, list):  # content parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        usage = payload.get("usage") or {}
        return str(content), _int(usage, "prompt_tokens"), _int(usage, "completion_tokens")


def _int(usage: Any, name: str) -> int | None:
    value = usage.get(name) if isinstance(usage, dict) else None
    return value if isinstance(value, int) else None


def make(settings: ClientSettings) -> OpenAIClient:
    return OpenAIClient(settings)
