"""Which cases of each suite this run answers: its shard (`--shard I/N`), its subset
(`--case`, `--tag`, `--limit`), minus the cases a resumed journal already holds."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from evalkit.run.options import RunOptions
from evalkit.suite.case_files import FileCases
from evalkit.values import Case, Suite

__all__ = ["CaseSelection", "case_hash", "in_shard"]


def case_hash(suite: str, case_id: str) -> int:
    """Stable 64-bit hash of a case key (shards, resume bookkeeping)."""
    digest = hashlib.blake2b(f"{suite}\x00{case_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def in_shard(suite: str, case_id: str, shard: tuple[int, int] | None) -> bool:
    """True when the case belongs to shard I of N (by case-id hash, so stable across runs
    and independent of case order)."""
    if shard is None:
        return True
    index, count = shard
    return case_hash(suite, case_id) % count == index - 1


@dataclass(slots=True)
class CaseSelection:
    """`todo(suite)` streams the suite's cases to run; `matched` collects the `--case`
    values that named a case (the others are reported after the run). `done`: the
    `case_hash`es of cases a resumed journal already holds."""

    options: RunOptions
    done: set[int] = field(default_factory=set)
    matched: set[str] = field(default_factory=set)

    def todo(self, suite: Suite) -> Iterator[Case]:
        cases: Iterable[Case] = suite.cases
        shard = self.options.shard
        if shard is not None:
            name = suite.name
            if isinstance(cases, FileCases) and cases.window is not None:
                pass  # a `run --workers` worker's own window of the file: its shard already
            elif isinstance(cases, FileCases):  # skip other shards' rows before building cases
                cases = cases.select(lambda case_id: in_shard(name, case_id, shard))
            else:
                cases = (c for c in cases if in_shard(name, c.id, shard))
        if self.options.subset:
            cases = self.options.subset.select(suite.name, cases, self.matched)
        done = self.done
        for case in cases:
            if done and case_hash(suite.name, case.id) in done:
                continue
            yield case

    def unmatched(self) -> tuple[str, ...]:
        """The `--case` values that named no case of the suites run."""
        subset = self.options.subset
        return tuple(sorted(subset.cases - self.matched)) if subset else ()
