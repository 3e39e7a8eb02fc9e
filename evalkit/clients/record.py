"""Record mode: write a run's outputs as a replay file, so CI can replay without keys.

`RecordingClient(inner, path)` wraps the real client. Every successful completion is
appended at once (one JSON line, flushed) to `path` as a replay line

    {"suite", "case", "variant" (only when non-zero), "sample", "output", "prompt_sha256"}

so a run killed half-way keeps what it recorded. `finalize()` (called by `aclose`)
rewrites the file sorted by suite, case, variant, sample, one line per key (the newest
recording wins), atomically — the file diffs cleanly in review.

Re-recording only what changed: with `rerecord_stale=True` the client answers from the
existing file whenever it holds an up-to-date recording (same `prompt_sha256`) and calls
the inner client only for missing or stale ones; `stale_keys(path, requests)` gives the
same answer as a set, for a pipeline that wants to count or list them first.

Intended CLI (wired by the pipeline): `evalkit run SUITE --client openai:MODEL --record
fixtures/x.jsonl` records everything; adding `--rerecord-stale` re-records only the
cases whose prompt changed or that have no recording yet.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import IO, Any

from evalkit.clients.base import Client
from evalkit.common.filemode import match_umask
from evalkit.common.jsonio import escape_surrogates
from evalkit.errors import UsageError
from evalkit.values import Completion, Request

__all__ = ["RecordingClient", "read_recordings", "replay_line", "stale_keys", "write_recordings"]

RequestKey = tuple[str, str, int, int]  # Request.key: suite, case, variant, sample
_LineKey = tuple[str | None, str, int, int]  # a recording's key; suite may be absent


def replay_line(request: Request, output: str) -> dict[str, Any]:
    """The replay-file row for one recorded output."""
    row: dict[str, Any] = {"suite": request.suite, "case": request.case_id}
    if request.variant:
        row["variant"] = request.variant
    row.update(sample=request.sample, output=output, prompt_sha256=request.prompt_sha256)
    return row


def _line_key(row: dict[str, Any]) -> _LineKey:
    return (row.get("suite"), row["case"], int(row.get("variant", 0)), int(row.get("sample", 0)))


def read_recordings(path: Path) -> list[dict[str, Any]]:
    """The rows of a replay file ([] when it does not exist). A malformed final line
    without a newline (a recording killed mid-write) is dropped; any other malformed line
    is a `UsageError` naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    rows: list[dict[str, Any]] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("case"), str):
                raise ValueError("expected an object with a 'case' id")
            _line_key(row)
        except (ValueError, TypeError) as exc:
            if number == len(lines):  # the unterminated last line: an interrupted write
                break
            raise UsageError(
                f"{path}:{number}: not a replay line ({exc}); fix or delete the line"
            ) from None
        rows.append(row)
    return rows


def write_recordings(
    path: Path, rows: Iterable[dict[str, Any]], keep: Collection[RequestKey] | None = None
) -> int:
    """Write `rows` sorted and de-duplicated (later rows win) atomically; returns the count.
    With `keep`, rows of other keys are dropped (cases removed from the suite)."""
    latest: dict[_LineKey, dict[str, Any]] = {}
    for row in rows:
        key = _line_key(row)
        if keep is not None and (key[0] is None or (key[0], key[1], key[2], key[3]) not in keep):
            continue
        latest[key] = row
    ordered = sorted(
        latest.items(), key=lambda item: (item[0][0] or "", item[0][1], item[0][2], item[0][3])
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    match_umask(fd)  # not mkstemp's 0600: the mode the umask allows
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for _, row in ordered:
                handle.write(escape_surrogates(json.dumps(row, ensure_ascii=False)) + "\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return len(ordered)


def _ends_without_newline(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() == 0:
                return False
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) != b"\n"
    except FileNotFoundError:
        return False


def _index(rows: Iterable[dict[str, Any]]) -> dict[_LineKey, dict[str, Any]]:
    return {_line_key(row): row for row in rows}


def _lookup(index: dict[_LineKey, dict[str, Any]], request: Request) -> dict[str, Any] | None:
    """The recording replay would use: the request's suite first, then a suite-less line."""
    row = index.get((request.suite, request.case_id, request.variant, request.sample))
    if row is None:
        row = index.get((None, request.case_id, request.variant, request.sample))
    return row


def _fresh(row: dict[str, Any] | None, request: Request) -> bool:
    if row is None or not isinstance(row.get("output"), str):
        return False
    sha = row.get("prompt_sha256")
    return sha is None or sha == request.prompt_sha256


def stale_keys(replay_path: Path, requests: Iterable[Request]) -> set[RequestKey]:
    """Keys of `requests` that the replay file cannot answer: no recording, or one made
    for a different prompt (its `prompt_sha256` differs). These are what `--rerecord-stale`
    sends to the live client."""
    index = _index(read_recordings(replay_path))
    return {r.key for r in requests if not _fresh(_lookup(index, r), r)}


class RecordingClient(Client):
    """Record `inner`'s successful outputs to the replay file at `path`.

    `suites`: record only requests of these suites (None: all). `rerecord_stale`: answer
    up-to-date recordings from the file instead of calling `inner` (source "replay").
    Errors are never recorded (replay must not learn a failure as an output).
    """

    def __init__(
        self,
        inner: Client,
        path: Path,
        suites: Collection[str] | None = None,
        *,
        rerecord_stale: bool = False,
    ) -> None:
        self.inner = inner
        self.path = Path(path)
        self.suites = None if suites is None else frozenset(suites)
        self.spec = inner.spec
        self.model = inner.model
        self.rerecord_stale = rerecord_stale
        self.recorded = 0
        existing = read_recordings(self.path)  # validate before the run spends money
        self._index = _index(existing) if rerecord_stale else {}
        self._handle: IO[str] | None = None
        if _ends_without_newline(self.path):
            # An interrupted recording: drop its half line (read_recordings did) so that
            # appending starts on a line of its own.
            write_recordings(self.path, existing)

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def _append(self, request: Request, completion: Completion) -> Completion:
        if (
            completion.ok
            and completion.output is not None
            and (self.suites is None or request.suite in self.suites)
        ):
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = open(self.path, "a", encoding="utf-8", newline="\n")
            self._handle.write(
                escape_surrogates(
                    json.dumps(replay_line(request, completion.output), ensure_ascii=False)
                )
                + "\n"
            )
            self._handle.flush()
            self.recorded += 1
        return completion

    def complete_now(self, request: Request) -> Completion | None:
        if self.rerecord_stale:
            row = _lookup(self._index, request)
            if _fresh(row, request):
                assert row is not None
                return Completion(output=row["output"], source="replay")
        completion = self.inner.complete_now(request)
        return None if completion is None else self._append(request, completion)

    async def complete(self, request: Request) -> Completion:
        now = self.complete_now(request) if self.rerecord_stale else None
        if now is not None:
            return now
        return self._append(request, await self.inner.complete(request))

    def finalize(self, keep: Collection[RequestKey] | None = None) -> int:
        """Rewrite the file sorted and de-duplicated (see the module docstring); returns
        the number of lines. Safe to call more than once."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if not self.path.exists() and keep is None:
            return 0
        return write_recordings(self.path, read_recordings(self.path), keep)

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            self.finalize()
