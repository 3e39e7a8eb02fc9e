"""The clients of one run: one per distinct (spec, folder, settings), shared by the suites
that name the same, wrapped in the cache and the recording the runner asked for.

Which client a suite gets: the runner's `--client` over the suite's own `client:`; the
suite's client settings, then the command line's on top (with `--client`, never the suite's
settings that say where requests go or which key they carry: `trust.RUNNER_ONLY`). In a
`run --workers` worker each setting that limits load (requests in flight, per-minute
requests and tokens) is its share of the whole run's, so `--workers` never puts more load
on an API than one process would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.clients import Client, build_client, parse_spec
from evalkit.clients.base import ClientSettings
from evalkit.clients.replay import ReplayClient
from evalkit.clients.trust import RUNNER_ONLY
from evalkit.errors import UsageError
from evalkit.run.options import RunOptions
from evalkit.suite.case_files import IdFilter
from evalkit.values import Suite

__all__ = ["RunClients", "share", "share_of_limits"]


@dataclass(slots=True)
class RunClients:
    """`by_suite`: each suite's client; `settings`: each suite's client settings (what a Ray
    task rebuilds its client from); `distinct`: every client once, to close."""

    by_suite: dict[str, Client] = field(default_factory=dict)
    settings: dict[str, ClientSettings] = field(default_factory=dict)
    distinct: list[Client] = field(default_factory=list)

    @classmethod
    def build(cls, suites: Sequence[Suite], options: RunOptions) -> RunClients:
        if options.record is not None and options.client is None:
            _check_one_recorded_client(suites)
        out = cls()
        clients: dict[tuple[str, Path, str], Client] = {}
        replayed: list[ReplayClient] = []  # a worker's: they index only its own recordings
        for suite in suites:
            spec, base = _client_key(suite, options)
            settings = {**_suite_client_options(suite, options), **options.client_options}
            if options.worker is not None:
                settings = share_of_limits(settings, *options.worker)
            key = (spec, base, json.dumps(settings, sort_keys=True, default=str))
            out.settings[suite.name] = parse_spec(spec, base, settings)
            if key not in clients:
                built = build_client(out.settings[suite.name])
                if options.own_ids is not None and isinstance(built, ReplayClient):
                    replayed.append(built)
                clients[key] = _wrapped(built, options)
            out.by_suite[suite.name] = clients[key]
        out.distinct = list(clients.values())
        if options.own_ids is not None:
            _index_own_recordings(replayed, options.own_ids)
        return out

    def close_now(self) -> None:
        for client in self.distinct:
            client.close_now()

    async def aclose(self) -> None:
        for client in self.distinct:
            await client.aclose()


def _index_own_recordings(replayed: Sequence[ReplayClient], own_ids: IdFilter) -> None:
    """Before the run, so that the filter's memory is released before the run, and as soon
    as the last replay file's first pass is done with it."""
    for n, replay in enumerate(replayed, 1):
        replay.keep_only(own_ids.may_hold, own_ids.release if n == len(replayed) else None)
        replay.load()
    own_ids.release()


def _client_key(suite: Suite, options: RunOptions) -> tuple[str, Path]:
    if options.client is not None:
        return options.client, Path.cwd()
    if suite.client is None:
        raise UsageError(
            f"{suite.path}: suite '{suite.name}' names no client; add `client: replay:FILE.jsonl` "
            "to the suite or pass --client SPEC"
        )
    return suite.client, suite.base_dir


def _suite_client_options(suite: Suite, options: RunOptions) -> dict[str, Any]:
    """The suite's client settings that apply: all of them for its own client; with the
    runner's `--client`, not those that say where requests go and which key they carry
    (`trust.RUNNER_ONLY`): the runner chose the client, so a suite cannot redirect it."""
    if options.client is None:
        return dict(suite.client_options)
    return {k: v for k, v in suite.client_options.items() if k not in RUNNER_ONLY}


def _check_one_recorded_client(suites: Sequence[Suite]) -> None:
    """`--record` without `--client` records from the suites' own client, which must then be
    one and the same (one replay file is written from one model)."""
    named = sorted({(s.client or "", s.base_dir.as_posix()) for s in suites})
    if len(named) == 1 and named[0][0]:
        return
    listed = ", ".join(f"{s.name}: {s.client or '(none)'}" for s in suites[:5])
    raise UsageError(
        "--record writes one replay file from one model, but these suites name "
        f"{'no client' if not any(c for c, _ in named) else 'different clients'} ({listed}); "
        "pass --client SPEC to record them all from one (e.g. --client openai:gpt-4o-mini)"
    )


def _wrapped(client: Client, options: RunOptions) -> Client:
    """Cache in front of the live client, recording in front of both, so a recording
    holds every output of the run whether it came from the model or the cache."""
    if options.cache_dir is not None:
        from evalkit.clients.cache import CachingClient

        client = CachingClient(client, options.cache_dir)
    if options.record is not None:
        from evalkit.clients.record import RecordingClient

        client = RecordingClient(client, options.record, rerecord_stale=options.rerecord_stale)
    return client


def share(limit: int, k: int, n: int) -> int:
    """Worker K's part of an integer limit split N ways (parts add up to it; at least 1)."""
    return max(1, limit // n + (1 if k <= limit % n else 0))


def share_of_limits(settings: Mapping[str, Any], k: int, n: int) -> dict[str, Any]:
    """Client settings for worker K of N: the requests in flight and the per-minute
    request and token limits are the whole run's, split among the workers, so that
    `--workers` never puts more load on an API than one process would."""
    out = dict(settings)
    for name in ("rpm", "tpm"):
        value = out.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            out[name] = value / n
    value = out.get("concurrency")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        out["concurrency"] = share(value, k, n)
    return out
