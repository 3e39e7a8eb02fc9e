"""Checks that need the file system, made before a run starts and by `evalkit validate`.

Why: a replay file that does not exist used to surface only when the first case asked for
a recording, as `replay file not found: x.jsonl` — no suite named, no fix suggested — and
`validate` (which reads suite files, not the files they name) said ok. Here every replay
file a run would read is looked for up front, and a missing one is reported with the
suite that names it and how to make it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from evalkit.values import Suite

__all__ = ["missing_replay_files"]


def _replay_path(spec: str, base: Path) -> Path | None:
    name, sep, arg = spec.partition(":")
    if name.strip() != "replay" or not sep or not arg:
        return None
    path = Path(arg)
    # Normalised for the messages ("suites/../fixtures/x.jsonl" → "fixtures/x.jsonl").
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


def missing_replay_files(
    suites: Sequence[Suite], client: str | None = None, judge: str | None = None
) -> list[str]:
    """One message per missing replay file: the model's (the runner's `client`, resolved
    against the current directory, or else each suite's own) and each judge's (the
    runner's `judge`, likewise, or else each suite's own)."""
    problems: list[str] = []
    if judge is not None:
        path = _replay_path(judge, Path.cwd())
        if path is not None and not path.is_file():
            problems.append(
                f"--judge {judge}: replay file not found (resolved to {path}); record the "
                "judge's replies first with `evalkit run SUITE --judge openai:MODEL "
                f"--judge-record {path}`, or correct the path"
            )
    if client is not None:
        path = _replay_path(client, Path.cwd())
        if path is not None and not path.is_file():
            problems.append(
                f"--client {client}: replay file not found (resolved to {path}); record it "
                f"first with `evalkit run SUITE --client openai:MODEL --record "
                f"{client.partition(':')[2]}`, or correct the path"
            )
    for suite in suites:
        specs: list[tuple[str, str]] = []
        if client is None and suite.client:
            specs.append(("client", suite.client))
        for metric, config in sorted(suite.scorers.items()) if judge is None else ():
            own = config.params.get("judge")
            spec = own.get("client") if isinstance(own, Mapping) else own
            if isinstance(spec, str):
                specs.append((f"scorers.{metric}.judge", spec))
        for field, spec in specs:
            path = _replay_path(spec, suite.base_dir)
            if path is None or path.is_file():
                continue
            shown = spec.partition(":")[2]
            how = (
                f"record it first: `evalkit run {suite.path} --client openai:MODEL --record {path}`"
                if field == "client"
                else "write the judge's replies there (JSON lines: case, sample, output), or "
                "record them with `evalkit run --judge openai:MODEL --judge-record FILE`"
            )
            problems.append(
                f"{suite.path}: {field}: suite '{suite.name}' names the replay file {shown}, "
                f"which does not exist (resolved to {path}); {how}, or correct `{field}` "
                "(relative paths resolve against the suite file's folder)"
            )
    return problems
