"""One writer per result folder: an OS lock on `DIR/.evalkit.lock`, held for a whole run.

Why: two runs writing into one `--out` at once used to interleave their journals and final
renames and both exit 0, leaving a summary that claims cases its `cases.jsonl` does not
hold. A run (and `run --workers`' parent, and `merge --out`) holds the folder's lock from
before it reads a journal until its final write is done; a second one is refused at once,
with who holds the folder.

Why an OS lock and not "the lock file exists": the kernel releases `flock` when the
holding process ends, however it ends (`kill -9`, a crash, a reboot), so a lock can never
outlive its run and there is nothing stale to clean up: a file left by a killed run is
simply locked again. A run removes the file before letting go of it, and a run that
locked a file that is no longer at its path tries again, so two runs never hold two
different files. While held the file names its holder (pid, host, start time, command),
for the message a refused run prints.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from evalkit.errors import UsageError

__all__ = ["LOCK_NAME", "FolderInUse", "hold_folder"]

LOCK_NAME = ".evalkit.lock"


class FolderInUse(UsageError):
    """Another process holds the result folder (exit 2)."""


@contextmanager
def hold_folder(folder: Path) -> Iterator[None]:
    """Hold `folder` (created if missing) for the duration of the block, or raise
    `FolderInUse` naming the holder. The lock belongs to this open file, so a second
    `hold_folder` of the same folder is refused even within one process."""
    from evalkit.results.writer import unwritable  # results imports nothing from here

    path = folder / LOCK_NAME
    while True:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            failure = unwritable(exc, folder, "")
            if failure is exc:
                raise
            raise failure from exc
        if not _try_lock(fd):
            holder = _holder(fd)
            os.close(fd)
            raise FolderInUse(
                f"{folder} is in use by another evalkit run ({holder}); wait for it to "
                "finish, or give this run another --out folder. Two runs writing into one "
                "folder would mix their results."
            )
        if _still_there(path, fd):
            break
        os.close(fd)  # its holder removed the file as we opened it: take the new one
    try:
        _write_holder(fd)
        yield
    finally:
        # Removed while still held, so no run ever locks a file that is no longer there
        # (`_still_there`); the folder is left as the run found it, plus its results.
        if sys.platform != "win32":
            path.unlink(missing_ok=True)
        else:  # pragma: no cover - an open file cannot be removed there
            os.ftruncate(fd, 0)
        os.close(fd)  # releases the lock


def _still_there(path: Path, fd: int) -> bool:
    """Whether `fd` is still the file at `path`: a holder removes it before letting go."""
    try:
        named, held = os.stat(path), os.fstat(fd)
    except FileNotFoundError:
        return False
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - no Windows runner in CI
        import msvcrt

        # A byte far past the holder text, so that a refused run can still read it.
        os.lseek(fd, 1 << 30, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _write_holder(fd: int) -> None:
    holder = {
        "pid": os.getpid(),
        "host": platform.node(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["evalkit", *sys.argv[1:]])[:500],
    }
    text = json.dumps(holder, sort_keys=True).encode("utf-8") + b"\n"
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, text)


def _holder(fd: int) -> str:
    """Who holds the lock, as the holder wrote it (it may not have written it yet)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        holder = json.loads(os.read(fd, 4096).decode("utf-8"))
        return (
            f"pid {holder['pid']} on {holder['host']}, started {holder['started_at']}: "
            f"{holder['command']}"
        )
    except (OSError, ValueError, KeyError, TypeError):
        return "holder not yet known"
