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
# `repeated_in`'s filter: at most 1 MB, ~32 bits a hash (~3% chance hits), in parts beyond.
PART_BITS = 1 << 23
BITS_PER_HASH = 32


def repeated(hashes: array[int]) -> set[int]:
    """Hash values that occur more than once. Few rows: a plain sort (about 40 bytes per
    row, transient). Many: `repeated_in`'s bit filter — a pass collects values whose bit was
    already set (every repeat, plus a few percent of chance hits), the last counts only
    those — so memory stays about a MB at a million rows."""
    if len(hashes) < 2:
        return set()
    if len(hashes) < SORT_ROWS:
        ordered = sorted(hashes)
        return {a for a, b in itertools.pairwise(ordered) if a == b}
    return repeated_in(lambda: (hashes,))


def repeated_in(blocks: Callable[[], Iterable[array[int]]]) -> set[int]:
    """`repeated`'s bit filter over hashes that arrive in blocks (read through `blocks()`
    once to count them, once per part and once more when some may repeat), so they never
    have to be in memory all at once.

    The filter is at most `PART_BITS` (1 MB): with more than `PART_BITS / BITS_PER_HASH`
    hashes the hash space is cut into parts by the bits just above the filter's (the low
    bits: `stable_hash`'s high half, an Adler-32, is far from uniform on ids that differ in
    a few characters) and each part gets the filter in turn, at ~32 bits a hash (~3% chance
    hits). The `run --workers` parent checks ids across windows with it, at its peak
    memory: on `scale.py`'s 100,000-case load a 4 MB filter took its peak from 35.2 to 40.6
    MB. A million uniform hashes in 32 blocks: 5.7 → 2.6 MB at the peak (tracemalloc; the
    rest is the chance hits' set), 0.39 / 0.45 → 0.65 / 0.80 s of CPU (4 parts)."""
    total = sum(len(block) for block in blocks())
    if total < 2:
        return set()
    bits = min(PART_BITS, _power_of_two(total * BITS_PER_HASH))
    parts = -(-total * BITS_PER_HASH // bits)  # ceil
    mask, shift = bits - 1, bits.bit_length() - 1
    maybe: set[int] = set()
    for part in range(parts):
        seen = bytearray(bits >> 3)
        for block in blocks():
            for h in block:
                if parts > 1 and (h >> shift) % parts != part:
                    continue
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


def _power_of_two(n: int) -> int:
    """The smallest power of two ≥ n (n ≥ 1)."""
    return 1 << (n - 1).bit_length()
