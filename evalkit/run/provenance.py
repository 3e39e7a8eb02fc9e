"""Where a run came from (`provenance`, stored in `summary.json`) and the fingerprint a
journal must carry to be resumed: the provenance plus the size and modification time of
every `cases_from` file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit import __version__
from evalkit.clients import Client
from evalkit.run.options import RunOptions
from evalkit.suite.case_files import FileCases
from evalkit.suite.language import suite_language
from evalkit.values import Suite
from evalkit.verdict.rules import policy_document

__all__ = ["provenance", "fingerprint"]


def provenance(
    suites: Sequence[Suite], clients: Mapping[str, Client], options: RunOptions
) -> dict[str, Any]:
    """The `provenance` block: versions, each suite's file hash, client, parameters, seed,
    policy and language, and the run's own options."""
    return {
        "evalkit_version": __version__,
        "suites": {
            s.name: {
                "path": s.path.as_posix(),
                "sha256": s.sha256,
                "poc": s.poc,
                "client": clients[s.name].describe(),
                "samples": options.samples or s.samples,
                "params": s.params.as_dict(),
                "seed": s.seed,
                "policy": policy_document(s),
                "language": suite_language(s),
            }
            for s in suites
        },
        "options": {
            "shard": f"{options.shard[0]}/{options.shard[1]}" if options.shard else None,
            "samples": options.samples,
            **({"subset": options.subset.describe()} if options.subset else {}),
            **({"judge": _runner_judge(options)} if options.judge or options.judge_options else {}),
        },
    }


def fingerprint(provenance: Mapping[str, Any], suites: Sequence[Suite] = ()) -> str:
    """What a journal must have been written under to be resumed: the provenance, and the
    size and modification time of every `cases_from` file (the suite's hash does not
    cover them: an edited reference must not be resumed with the old scores)."""
    files = []
    for s in suites:
        if isinstance(s.cases, FileCases) and s.cases.path.exists():
            st = s.cases.path.stat()
            files.append([str(s.cases.path), st.st_size, st.st_mtime_ns])
    blob = json.dumps([provenance, files], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _runner_judge(options: RunOptions) -> dict[str, Any]:
    """The runner's judge in provenance: another judge is another run (never resumed
    into this one). The key's variable is named, never its value."""
    out: dict[str, Any] = {"client": options.judge}
    out.update(sorted(options.judge_options.items()))
    return out
