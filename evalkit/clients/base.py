"""The client seam: one async method, plus an optional synchronous one.

Why async: real HTTP clients must keep hundreds of requests in flight on one core; one
`async def complete(request) -> Completion` serves OpenAI-compatible, Anthropic, command
and plugin clients alike. Why a synchronous `complete_now`: a run whose clients answer from
memory (replay, cache) needs no event loop, so asyncio and the ssl module it loads (~6 MB a
process, and their import time) are never imported. Not for speed: on the scale load
(`tests/benchmarks/scale.py`, 30,000 quoting cases, one process, alternated three times)
awaiting `complete` for every replayed request cost 86-89 µs of CPU a case against 86 µs.

Contract: `complete` never raises for a per-request failure; it returns
`Completion(output=None, error=..., error_kind=...)`. It may raise only for programming
errors (bugs), which the CLI reports as internal errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.values import Completion, Request

__all__ = ["Client", "ClientSettings"]


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How to build a client from a spec string `NAME[:ARG]`.

    `arg` is what follows the first colon (a model name, a file, a command); `base_dir`
    is where relative paths in `arg` resolve (the suite's folder when the spec comes from a
    suite, the current directory when it comes from the command line). `options` carries
    client-specific settings resolved once by the CLI (base URL, API-key variable,
    timeout, retries, ...); each client documents the keys it reads.
    """

    name: str
    arg: str | None
    base_dir: Path
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> str:
        return self.name if self.arg is None else f"{self.name}:{self.arg}"


class Client:
    """Base class for model clients. Subclasses implement `complete`.

    `spec` identifies the client in provenance ("replay:fixtures/x.jsonl",
    "openai:gpt-4o-mini"); `model` is the model name where there is one.
    """

    spec: str = ""
    model: str | None = None
    # True when `complete_now` always answers (never None) and `close_now` releases
    # everything: a run with only such clients and sync scorers needs no event loop.
    answers_now: bool = False

    @property
    def wants_prompt_sha256(self) -> bool:
        """Whether this client reads `Request.prompt_sha256`. False lets the engine leave
        it empty (hashing every prompt costs ~4% of a replayed run): a replay file that
        records no hash, for instance. Wrappers (cache, recording) keep the default."""
        return True

    async def complete(self, request: Request) -> Completion:
        raise NotImplementedError

    def complete_now(self, request: Request) -> Completion | None:
        """Answer without I/O if possible (replay, cache hit); None means "await complete"."""
        return None

    async def aclose(self) -> None:
        """Release connections; called once when the run ends."""
        return None

    def close_now(self) -> None:
        """`aclose` for runs without an event loop (see `answers_now`)."""
        return None

    def describe(self) -> dict[str, Any]:
        """Provenance: spec, model and any non-secret settings that affect outputs."""
        return {"spec": self.spec, "model": self.model}
