"""The replay client: answers from recorded outputs, offline. The default for demos and CI.

Recording format (DESIGN.md): JSONL, one line per sample, with `case` (id), `sample`
(0-based, default 0), `output` (text), optional `suite`, optional `variant` (0-based
paraphrase index, default 0) and optional `prompt_sha256` (see `evalkit.common.render`).

Lookup: a line naming the request's suite wins over a line with no `suite`. A request with
no recording is a per-case error ("missing-recording"); a recording whose `prompt_sha256`
differs from the request's rendered prompt is refused ("stale-recording") with a message
saying to re-record — that is how CI catches prompt edits. A missing or malformed file is
a usage error (the whole run cannot mean anything).

Size (over 400 lines): the client and its three stores (in memory for small files, an
SQLite index for large ones, a forward-reading stream over that index), which must give
the same answer to the same lookup; their figures are in each class's docstring.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

from orjson import loads as _fast_loads

from evalkit.clients.base import Client, ClientSettings
from evalkit.common.jsonio import loads
from evalkit.common.repeats import repeated
from evalkit.errors import UsageError
from evalkit.values import Completion, Request

__all__ = ["ReplayClient", "make"]

_Row = tuple[str | None, str, str | None]  # (suite, output, prompt_sha256)

# Above this size the recordings are not held in a dict but read from the file as the run
# asks for them (`_StreamStore`, with a temporary SQLite index when the file's order does
# not allow that), so a million-line replay file is served in bounded memory. 2 MB of
# JSONL is ~15 MB as Python objects; per `--workers` worker, since each serves its own cases.
LARGE_FILE_BYTES = 2 * 1024 * 1024

_Recording = tuple[int, str, int, int, _Row]  # line number, case, variant, sample, row


class _MemoryStore:
    """Recordings in a dict, kept small: the usual recording (variant 0, sample 0, one
    line, no suite, no hash) is stored as its case id → output text, about half the
    memory of a (case, variant, sample) → [row] entry."""

    def __init__(self) -> None:
        self._plain: dict[str, str] = {}
        self._rows: dict[tuple[str, int, int], list[_Row]] = {}
        self.has_sha = False  # some recording carries a prompt_sha256

    def add(self, lineno: int, case: str, variant: int, sample: int, row: _Row) -> None:
        if row[2] is not None:
            self.has_sha = True
        if variant == 0 and sample == 0 and row[0] is None and row[2] is None:
            if case not in self._plain and (case, 0, 0) not in self._rows:
                self._plain[case] = row[1]
                return
        if variant == 0 and sample == 0 and case in self._plain:
            self._rows[(case, 0, 0)] = [(None, self._plain.pop(case), None)]
        self._rows.setdefault((case, variant, sample), []).append(row)

    def done(self) -> None:
        return None

    def get(self, case: str, variant: int, sample: int) -> list[_Row]:
        if variant == 0 and sample == 0:
            output = self._plain.get(case)
            if output is not None:
                return [(None, output, None)]
        return self._rows.get((case, variant, sample), [])

    def close(self) -> None:
        self._plain.clear()
        self._rows.clear()


class _DiskStore:
    """Recordings in a throw-away SQLite file (stdlib): bounded memory, indexed lookups.

    Why chunks: one indexed query costs ~11 µs from Python, more than scoring a simple
    case (measured on the scale load's shape — a 1M-line file shuffled in blocks of 1,000,
    one `--workers 2` worker's 500k lookups in case order: 5 µs a lookup with chunks,
    14-18 µs without, 2.6 s against 7-9 s a worker). Recordings are usually written in about the order cases run, so a lookup loads
    the whole `_CHUNK` of lines around the one it found into a dict, and the next cases
    are answered from it (the last `_CHUNKS_KEPT` chunks are kept: bounded memory). Keys
    recorded on more than one line (per-suite recordings) are always queried, so the
    suite-wins rule sees every line.

    Loading a chunk costs about as much as 100 queries, so it must pay: every `_PROBE`
    chunk loads are judged together, and when under a tenth of the lines they loaded were
    asked for (a file in random order), lookups query alone for the next `_skip` lookups —
    a number that doubles each time chunks fail again, so a random file pays almost
    nothing for the probing and an ordered stretch is found again."""

    _BATCH = 5000
    _CHUNK = 1024
    _CHUNKS_KEPT = 4
    _PROBE = 4

    def __init__(self) -> None:
        import sqlite3
        import tempfile

        fd, name = tempfile.mkstemp(prefix="evalkit-replay-", suffix=".sqlite")
        os.close(fd)
        self._path = Path(name)
        self._db = sqlite3.connect(name, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE r (c TEXT, v INTEGER, s INTEGER, suite TEXT, out TEXT, sha TEXT)"
        )
        self._pending: list[tuple[Any, ...]] = []
        self._multi: set[tuple[str, int, int]] = set()
        self._ahead: dict[tuple[str, int, int], _Row] = {}
        self._chunks: dict[int, list[tuple[str, int, int]]] = {}  # loaded chunk → its keys
        self._probe = [0, 0, 0]  # this probe's chunk loads, lines loaded, lines asked for
        self._skip = 0  # lookups left that query without loading chunks
        self._next_skip = 1024
        self.has_sha = False  # some recording carries a prompt_sha256

    def add(self, lineno: int, case: str, variant: int, sample: int, row: _Row) -> None:
        if row[2] is not None:
            self.has_sha = True
        self._pending.append((case, variant, sample, *row))
        if len(self._pending) >= self._BATCH:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?)", self._pending)
        self._pending.clear()

    def done(self) -> None:
        self._flush()
        self._db.execute("CREATE INDEX k ON r (c, v, s)")
        self._db.commit()
        self._multi = {
            (c, v, s)
            for c, v, s in self._db.execute(
                "SELECT c, v, s FROM r GROUP BY c, v, s HAVING COUNT(*) > 1"
            )
        }

    def get(self, case: str, variant: int, sample: int) -> list[_Row]:
        key = (case, variant, sample)
        row = self._ahead.pop(key, None)
        if row is not None:
            self._probe[2] += 1
            return [row]
        cur = self._db.execute(
            "SELECT rowid, suite, out, sha FROM r WHERE c = ? AND v = ? AND s = ? ORDER BY rowid",
            key,
        )
        found = cur.fetchall()
        if len(found) == 1 and key not in self._multi:
            if self._skip:
                self._skip -= 1
            else:
                self._load_chunk(found[0][0] // self._CHUNK)
                self._ahead.pop(key, None)
        return [(suite, out, sha) for _, suite, out, sha in found]

    def _load_chunk(self, chunk: int) -> None:
        if chunk in self._chunks:
            return
        if len(self._chunks) >= self._CHUNKS_KEPT:
            oldest = next(iter(self._chunks))
            for key in self._chunks.pop(oldest):
                self._ahead.pop(key, None)
        keys = []
        for c, v, s, suite, out, sha in self._db.execute(
            "SELECT c, v, s, suite, out, sha FROM r WHERE rowid >= ? AND rowid < ?",
            (chunk * self._CHUNK, (chunk + 1) * self._CHUNK),
        ):
            key = (c, v, s)
            if key not in self._multi:
                self._ahead[key] = (suite, out, sha)
                keys.append(key)
        self._chunks[chunk] = keys
        probe = self._probe
        probe[0] += 1
        probe[1] += len(keys)
        if probe[0] >= self._PROBE:
            if probe[2] * 10 < probe[1]:  # chunks do not pay here: query alone for a while
                self._skip, self._next_skip = self._next_skip, min(self._next_skip * 2, 1 << 20)
            else:
                self._next_skip = 1024
            self._probe = [0, 0, 0]

    def close(self) -> None:
        self._db.close()
        self._path.unlink(missing_ok=True)


class _StreamStore:
    """Recordings of a large file, read from it in file order as the run asks for them.

    Why: a big replay file is usually in about the order its cases run (written as they
    finished, or sorted by ids the cases file is sorted by too). So the first pass
    (validation) keeps only a bit per line (is it ours?) and 8 bytes per recording (its
    key's hash, to find keys recorded on more than one line), and a lookup then reads the
    file forward from where the last one stopped, holding the recordings it passes in a
    dict until they are asked for. Each line is parsed once more and nothing is indexed:
    a worker's first pass over a million-line file took 1.5 s instead of 2.8 s with
    `_DiskStore`'s inserts, and lookups cost about the same. Measured again side by side
    (issue 18, the scale load's shape as in `_DiskStore`): 2.9-3.1 s of CPU a worker for
    reading and 500k lookups, against 4.8-5.1 s with `_DiskStore` alone — ~4 s of the 1M
    quoting run's CPU; the side-by-side run without it (and two other small speed paths)
    took 100.4-100.7 s of CPU against 78.7-90.9 s, so it stays.

    Bounded memory: beyond `_AHEAD_MAX` held recordings the older half is dropped — lines
    long passed and never asked for, such as the few of other workers' lines that a
    `run --workers` worker's id filter lets through, or a file in another order.

    Exact in every case: a key on several lines (per-suite recordings: every line must
    be seen), or a lookup that reads to the end of the file without finding its key
    (missing, asked for twice, or dropped) hands this and every later lookup to a
    `_DiskStore` built from the same lines."""

    _AHEAD_MAX = 20_000  # ~5 MB of held recordings

    def __init__(
        self,
        path: Path,
        read: Callable[..., Iterator[_Recording]],
        parse: Callable[[bytes, int], dict[str, Any]],
    ) -> None:
        self._path = path
        self._read = read  # ReplayClient._recordings
        self._parse = parse  # ReplayClient._parse
        self._ours = bytearray()  # bit per line number: a recording this store serves
        self._hashes: array[int] = array("q")
        self._ahead: dict[tuple[str, int, int], _Row] = {}
        self._handle: IO[bytes] | None = None  # the forward scan's, and its last line number
        self._lineno = 0
        self._disk: _DiskStore | None = None
        self.has_sha = False

    def add(self, lineno: int, case: str, variant: int, sample: int, row: _Row) -> None:
        if row[2] is not None:
            self.has_sha = True
        byte = lineno >> 3
        if byte >= len(self._ours):
            self._ours.extend(bytes(byte + 4096 - len(self._ours)))
        self._ours[byte] |= 1 << (lineno & 7)
        self._hashes.append(hash((case, variant, sample)))

    def done(self) -> None:
        several = repeated(self._hashes)
        self._hashes = array("q")
        if several:
            self._to_disk()

    def get(self, case: str, variant: int, sample: int) -> list[_Row]:
        if self._disk is not None:
            return self._disk.get(case, variant, sample)
        key = (case, variant, sample)
        row = self._ahead.pop(key, None)
        if row is not None:
            return [row]
        if self._handle is None:
            self._handle = self._path.open("rb")
        # The scan, inline (it reads every line of a million-line file once more): our
        # lines by their bit, the usual ones decoded without `_recordings`' checks (they
        # passed them), any other by `_parse` again (which names the line if it has
        # become malformed since: the file changed while the run was reading it).
        ahead, limit, ours, size = self._ahead, self._AHEAD_MAX, self._ours, len(self._ours)
        lineno = self._lineno
        try:
            for line in self._handle:
                lineno += 1
                if lineno >> 3 >= size or not ours[lineno >> 3] & (1 << (lineno & 7)):
                    continue
                try:
                    raw = _fast_loads(line)
                    k = (raw["case"], raw.get("variant", 0), raw.get("sample", 0))
                    row = (raw.get("suite"), raw["output"], raw.get("prompt_sha256"))
                except (ValueError, KeyError, TypeError, AttributeError):
                    full = self._parse(line, lineno)
                    k = (full["case"], full["variant"], full["sample"])
                    row = (full["suite"], full["output"], full["sha"])
                if k == key:
                    return [row]
                ahead[k] = row
                if len(ahead) > limit:  # keep the newer half (a rebuilt dict: no holes)
                    ahead = self._ahead = dict(islice(ahead.items(), len(ahead) // 2, None))
        finally:
            self._lineno = lineno
        return self._to_disk().get(case, variant, sample)

    def _to_disk(self) -> _DiskStore:
        self._close_reader()
        disk = self._disk = _DiskStore()
        try:
            with self._path.open("rb") as fh:
                for lineno, c, v, s, row in self._read(fh, self._ours):
                    disk.add(lineno, c, v, s, row)
            disk.done()
        except BaseException:
            disk.close()
            self._disk = None
            raise
        return disk

    def _close_reader(self) -> None:
        self._ahead.clear()
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._lineno = 0

    def close(self) -> None:
        self._close_reader()
        if self._disk is not None:
            self._disk.close()
            self._disk = None


class ReplayClient(Client):
    """Serves recorded outputs; the file is read once, on first use."""

    def __init__(self, path: Path, shown: str) -> None:
        self.path = path
        self.spec = f"replay:{shown}"
        self.model = None
        self._shown = shown
        self._store: _MemoryStore | _StreamStore | None = None
        self._keep: Callable[[str], bool] | None = None
        self._done_with: Callable[[], None] | None = None

    def keep_only(
        self, keep: Callable[[str], bool], done_with: Callable[[], None] | None = None
    ) -> None:
        """Index only recordings whose case id passes `keep` (before first use): a
        `run --workers` worker that will never ask for the other cases skips them. Lines
        are still all read, so a malformed one is reported the same. `done_with` is
        called once `keep` is no longer needed (before the store's own bookkeeping, so
        that the two never hold memory at the same time)."""
        self._keep = keep
        self._done_with = done_with

    def load(self) -> None:
        """Read and index the recordings now rather than on first use."""
        self._load()

    def _load(self) -> _MemoryStore | _StreamStore:
        if self._store is not None:
            return self._store
        if not self.path.is_file():
            raise UsageError(f"replay file not found: {self._shown} (resolved to {self.path})")
        big = self.path.stat().st_size > LARGE_FILE_BYTES
        store: _MemoryStore | _StreamStore = (
            _StreamStore(self.path, self._recordings, self._parse) if big else _MemoryStore()
        )
        add, keep = store.add, self._keep
        try:
            with self.path.open("rb") as fh:
                for lineno, case, variant, sample, row in self._recordings(fh):
                    if keep is None or keep(case):
                        add(lineno, case, variant, sample, row)
            if self._done_with is not None:
                self._done_with()
            store.done()
        except BaseException:
            store.close()
            raise
        self._store = store
        self._keep = None
        return store

    def _recordings(self, fh: IO[bytes], only: bytearray | None = None) -> Iterator[_Recording]:
        """The recordings of an open replay file, in file order, checked. With `only` (a
        bit per line number), other lines are skipped without being parsed."""
        for lineno, line in enumerate(fh, 1):
            if only is not None and (
                lineno >> 3 >= len(only) or not only[lineno >> 3] & (1 << (lineno & 7))
            ):
                continue
            if line.isspace():
                continue
            # The common line ({"case": ..., "output": ...}, maybe "sample") is taken
            # directly; anything else gets `_parse`'s checks and messages. Every `--workers`
            # worker reads the whole file: on the scale load's 1M-line file this took
            # 1.1 s a worker, `_parse` for every line 2.8 s (CPU, side by side).
            try:
                raw = _fast_loads(line)
            except ValueError:
                raw = None
            if (
                raw.__class__ is dict
                and len(raw) <= 3
                and raw.get("case").__class__ is str
                and raw["case"]
                and raw.get("output").__class__ is str
                and raw.get("sample", 0).__class__ is int
                and raw.get("sample", 0) >= 0
                and (len(raw) == 2 or "sample" in raw)
            ):
                yield lineno, raw["case"], 0, raw.get("sample", 0), (None, raw["output"], None)
                continue
            row = self._parse(line, lineno)
            yield (
                lineno,
                row["case"],
                row["variant"],
                row["sample"],
                (row["suite"], row["output"], row["sha"]),
            )

    answers_now = True

    @property
    def wants_prompt_sha256(self) -> bool:
        """Only when some recording carries a `prompt_sha256` to check."""
        return self._load().has_sha

    async def aclose(self) -> None:
        self.close_now()

    def close_now(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _parse(self, line: bytes, lineno: int) -> dict[str, Any]:
        where = f"{self._shown}:{lineno}"
        try:
            raw = loads(line[3:] if lineno == 1 and line.startswith(b"\xef\xbb\xbf") else line)
        except UnicodeDecodeError:
            raise UsageError(f"{where}: not UTF-8 text; save the file as UTF-8") from None
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"{where}: not valid JSON ({exc.msg}); each line must be one JSON object"
            ) from None
        if not isinstance(raw, dict):
            raise UsageError(f"{where}: expected a JSON object, got {type(raw).__name__}")
        case, output = raw.get("case"), raw.get("output")
        if not isinstance(case, str) or not case:
            raise UsageError(f"{where}: 'case' must be the case id (a string), got {case!r}")
        if not isinstance(output, str):
            raise UsageError(f"{where}: 'output' must be a string, got {output!r}")
        sample, variant = raw.get("sample", 0), raw.get("variant", 0)
        for name, value in (("sample", sample), ("variant", variant)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise UsageError(f"{where}: '{name}' must be a whole number ≥ 0, got {value!r}")
        suite, sha = raw.get("suite"), raw.get("prompt_sha256")
        if suite is not None and not isinstance(suite, str):
            raise UsageError(f"{where}: 'suite' must be a string, got {suite!r}")
        if sha is not None and not isinstance(sha, str):
            raise UsageError(f"{where}: 'prompt_sha256' must be a hex string, got {sha!r}")
        return {
            "case": case,
            "output": output,
            "sample": sample,
            "variant": variant,
            "suite": suite,
            "sha": sha,
        }

    def complete_now(self, request: Request) -> Completion:
        rows = (self._store or self._load()).get(request.case_id, request.variant, request.sample)
        if len(rows) == 1:  # the usual recording: one line, no suite, no hash
            suite, output, sha = rows[0]
            if suite is None and sha is None:
                return Completion(output, None, None, None, None, None, "replay")
        chosen = next((r for r in rows if r[0] == request.suite), None) or next(
            (r for r in rows if r[0] is None), None
        )
        what = f"case '{request.case_id}'" + (
            f" variant {request.variant}" if request.variant else ""
        )
        if chosen is None:
            return Completion(
                output=None,
                error=f"no recording for {what} sample {request.sample} (suite '{request.suite}') in {self._shown}",
                error_kind="missing-recording",
                source="replay",
            )
        _, output, sha = chosen
        if sha is not None and sha != request.prompt_sha256:
            return Completion(
                output=None,
                error=(
                    f"recording for {what} sample {request.sample} in {self._shown} was made for a different "
                    f"prompt (recorded prompt_sha256 {sha[:12]}…, now {request.prompt_sha256[:12]}…): "
                    "the prompt changed, re-record it (evalkit run --record)"
                ),
                error_kind="stale-recording",
                source="replay",
            )
        return Completion(output=output, source="replay")

    async def complete(self, request: Request) -> Completion:
        return self.complete_now(request)

    def describe(self) -> dict[str, Any]:
        return {"spec": self.spec, "model": None}


def make(settings: ClientSettings) -> ReplayClient:
    """`replay:FILE.jsonl` — FILE relative to `settings.base_dir`."""
    if not settings.arg:
        raise UsageError("the replay client needs a file: replay:path/to/recorded.jsonl")
    path = Path(settings.arg)
    if path.is_absolute():
        return ReplayClient(path, settings.arg)
    resolved = Path(
        os.path.normpath(settings.base_dir / path)
    )  # "suites/../fixtures/x" → "fixtures/x"
    return ReplayClient(resolved, resolved.as_posix())
