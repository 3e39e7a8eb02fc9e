"""Which 64-bit hashes occur more than once, in bounded memory.

Shared by the `cases_from` validation (duplicate case ids in a million-row file) and the
replay client (a recording key on more than one line): both keep 8 bytes per row and must
not hold a million keys as Python objects to find the few that repeat.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable, Iterable

__all__ = ["FILTER_BITS", "SORT_ROWS", "repeated", "repeated_in"]

# Below this many rows a plain sort is cheap; above, a bit filter keeps memory small.
SORT_ROWS = 200_000
FILTER_BITS = 1 << 25  # 4 MB: ~3% of a million hashes collide by chance in the filter


def repeated(hashes: array[int]) -> set[int]:
    """Hash values that occur more than once. Few rows: a plain sort (about 40 bytes per
    row, transient). Many: two passes through a 4 MB bit filter — the first collects values
    whose bit was already set (every repeat, plus a few percent of chance hits), the second
    counts only those — so memory stays a few MB at a million rows."""
    if len(hashes) < 2:
        return set()
    if len(hashes) < SORT_ROWS:
        ordered = sorted(hashes)
        return {a for a, b in itertools.pairwise(ordered) if a == b}
    return repeated_in(lambda: (hashes,))


def repeated_in(blocks: Callable[[], Iterable[array[int]]]) -> set[int]:
    """`repeated`'s bit filter over hashes that arrive in blocks (read twice through
    `blocks()`), so they never have to be in memory all at once."""
    seen = bytearray(FILTER_BITS >> 3)
    mask = FILTER_BITS - 1
    maybe: set[int] = set()
    for block in blocks():
        for h in block:
            bit = h & mask
            byte, flag = bit >> 3, 1 << (bit & 7)
            if seen[byte] & flag:
                maybe.add(h)
            else:
                seen[byte] |= flag
    del seen
    if not maybe:
        return set()
    counts: dict[int, int] = {}
    for block in blocks():
        for h in block:
            if h in maybe:
                counts[h] = counts.get(h, 0) + 1
    return {h for h, n in counts.items() if n > 1}
