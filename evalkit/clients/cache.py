"""`CachingClient`: an on-disk cache in front of any client.

Key (`cache_key`): SHA-256 over the inner client's identity (`describe()`: spec, model,
base URL and other output-affecting settings — the clients keep transport knobs such as
timeouts, concurrency and retries out of `describe()`, so changing them keeps the cache),
the request's output-affecting `ModelParams`, the rendered messages, the variant and the
**sample index** — so the N samples of one case stay N independent model calls instead
of one answer repeated N times. Suite and case names are not in the key: the same rendered
prompt asked again (in another suite, or after renaming a case) is the same model call.

Storage: one small JSON file per key, `DIR/ab/abcdef….json` (sharded by the first two hex
digits so no folder grows huge), written to a temporary file and renamed — a crash never
leaves a half-written entry, and concurrent writers of one key simply both win. Errors are
never cached: a failed call is tried again next run.

Hits are answered by `complete_now` (no event-loop round trip) with `source="cache"`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from evalkit.clients.base import Client
from evalkit.common.filemode import match_umask
from evalkit.common.jsonio import escape_surrogates
from evalkit.values import Completion, Request

__all__ = ["CachingClient", "TRANSPORT_KEYS", "cache_key"]

_VERSION = 1  # bump when the key definition or the entry format changes
# Settings that never change an output, dropped from `describe()` before hashing — in case
# a (plugin) client reports them as provenance.
TRANSPORT_KEYS = frozenset(
    {
        "api_key_env",
        "timeout_s",
        "max_retries",
        "concurrency",
        "rpm",
        "tpm",
        "backoff_s",
        "backoff_max_s",
    }
)


def cache_key(identity: dict[str, Any], request: Request) -> str:
    """The hex SHA-256 naming `request`'s cache entry for a client with `identity`."""
    material = {
        "v": _VERSION,
        "client": identity,
        "params": request.params.as_dict(),
        "messages": [[m.role, m.content] for m in request.messages],
        "variant": request.variant,
        "sample": request.sample,
    }
    blob = json.dumps(
        material, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class CachingClient(Client):
    """Serve from `directory` when possible; otherwise ask `inner` and store successes."""

    def __init__(self, inner: Client, directory: Path) -> None:
        self.inner = inner
        self.directory = Path(directory)
        self.spec = inner.spec
        self.model = inner.model
        self._identity = {k: v for k, v in inner.describe().items() if k not in TRANSPORT_KEYS}
        self.hits = 0
        self.misses = 0
        self.writes = 0

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def key(self, request: Request) -> str:
        return cache_key(self._identity, request)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def _read(self, key: str) -> Completion | None:
        try:
            with open(self._path(key), "rb") as handle:
                entry = json.loads(handle.read())
            output = entry["output"]
            if not isinstance(output, str):
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, or damaged by hand: a miss, rewritten on success
        return Completion(
            output=output,
            latency_s=entry.get("latency_s"),
            input_tokens=entry.get("input_tokens"),
            output_tokens=entry.get("output_tokens"),
            source="cache",
        )

    def _write(self, key: str, completion: Completion) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "output": completion.output,
            "latency_s": completion.latency_s,
            "input_tokens": completion.input_tokens,
            "output_tokens": completion.output_tokens,
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        match_umask(fd)  # not mkstemp's 0600: the mode the umask allows
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(
                    escape_surrogates(json.dumps(entry, ensure_ascii=False)).encode("utf-8")
                )
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        self.writes += 1

    def complete_now(self, request: Request) -> Completion | None:
        hit = self._read(self.key(request))
        if hit is not None:
            self.hits += 1
            return hit
        inner = self.inner.complete_now(request)
        if inner is not None:
            self.misses += 1
            self._store(request, inner)
        return inner

    async def complete(self, request: Request) -> Completion:
        key = self.key(request)
        hit = self._read(key)
        if hit is not None:
            self.hits += 1
            return hit
        self.misses += 1
        completion = await self.inner.complete(request)
        self._store(request, completion, key)
        return completion

    def _store(self, request: Request, completion: Completion, key: str | None = None) -> None:
        # Only live successes: errors must be retried next run, and replayed/cached outputs
        # already live on disk elsewhere.
        if completion.ok and completion.output is not None and completion.source == "live":
            self._write(key or self.key(request), completion)

    async def aclose(self) -> None:
        await self.inner.aclose()
