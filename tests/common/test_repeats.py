from __future__ import annotations

import tracemalloc
from array import array
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.common import repeats
from evalkit.common.repeats import repeated_in
from evalkit.suite.case_files import stable_hash

hashes = st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=300)


def _blocks(values: list[int], size: int):
    return lambda: (array("q", values[i : i + size]) for i in range(0, len(values), size))


@settings(max_examples=200)
@given(
    values=hashes, repeats_of=st.lists(st.integers(0, 299), max_size=20), size=st.integers(1, 64)
)
def test_the_filter_finds_exactly_the_hashes_that_repeat_in_one_part_or_many(
    values: list[int], repeats_of: list[int], size: int
) -> None:
    values = values + [values[i] for i in repeats_of if i < len(values)]
    expected = {h for h, n in Counter(values).items() if n > 1}
    assert repeated_in(_blocks(values, size)) == expected
    with pytest.MonkeyPatch.context() as patch:  # a filter of 64 bits: up to 150 parts
        patch.setattr(repeats, "PART_BITS", 64)
        assert repeated_in(_blocks(values, size)) == expected


def test_the_filter_stays_within_its_part_size_however_many_hashes(monkeypatch) -> None:
    # As a million hashes in a 1 MB filter (4 parts), scaled down: 4 KB, 30,000 hashes.
    monkeypatch.setattr(repeats, "PART_BITS", 1 << 15)
    # Case ids as a cases file has them: `stable_hash`'s high half is far from uniform.
    values = [stable_hash(f"c{i:07d}") for i in range(30_000)]
    twice = values[5]

    def blocks():  # 1,024 hashes (8 KB) at a time
        for start in range(0, len(values), 1024):
            yield array("q", values[start : start + 1024])
        yield array("q", [twice])

    tracemalloc.start()
    try:
        found = repeated_in(blocks)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found == {twice}
    # One filter of 32 bits a hash would take 120 KB alone; the chance hits take ~60 KB.
    assert peak < 120_000
