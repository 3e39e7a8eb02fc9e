"""Files written through a temporary file get the mode the user's umask allows.

Why: `tempfile.mkstemp` creates its file 0600 whatever the umask, and an atomic write
(temp file + rename) keeps that mode — so result files, reports and recordings were
readable by their owner only, which breaks CI artifacts and shared folders. A file made
with `open()` would be 0666 minus the umask; `match_umask` gives the temporary file that
mode before it is renamed into place. Stdlib only.
"""

from __future__ import annotations

import os
import threading

__all__ = ["match_umask", "umask"]

_lock = threading.Lock()
_umask: int | None = None


def umask() -> int:
    """The process's umask, read once (from /proc where it can be, since setting and
    restoring it to read it is visible to other threads for an instant)."""
    global _umask
    with _lock:
        if _umask is None:
            _umask = _read_umask()
        return _umask


def _read_umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def match_umask(fd: int) -> None:
    """Give the open file `fd` the mode a newly created regular file would have."""
    os.fchmod(fd, 0o666 & ~umask())
