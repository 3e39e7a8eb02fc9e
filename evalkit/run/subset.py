"""Running part of a suite: `evalkit run --case ID --tag T --limit N`.

Why: while writing a suite or chasing one failure, re-running every case costs time and
tokens. A subset is the runner's choice for one run; it is recorded in `provenance`
(so a subset's result never passes for a whole run's, and a journal left by a whole run is
not resumed by a subset, or the other way round).

Contract of `Subset.select`: a case is kept when it matches every filter given — its id
(or `suite/id`) is one of `cases`, it has at least one of `tags` — and at most `limit`
cases are kept per suite, the first in the suite's order. Stdlib only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from evalkit.values import Case

__all__ = ["Subset"]


@dataclass(frozen=True, slots=True)
class Subset:
    """`limit` None: no limit; empty `cases` / `tags`: that filter is off."""

    limit: int | None = None
    tags: frozenset[str] = frozenset()
    cases: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return self.limit is not None or bool(self.tags) or bool(self.cases)

    def select(self, suite: str, cases: Iterable[Case], matched: set[str]) -> Iterator[Case]:
        """The cases of `suite` in the subset; adds each `--case` value that matched to
        `matched` (so the caller can name those that matched nothing)."""
        kept = 0
        for case in cases:
            if self.limit is not None and kept >= self.limit:
                return
            if self.cases:
                qualified = f"{suite}/{case.id}"
                hit = qualified if qualified in self.cases else case.id
                if hit not in self.cases:
                    continue
                matched.add(hit)
            if self.tags and not self.tags.intersection(case.tags):
                continue
            kept += 1
            yield case

    def describe(self) -> dict[str, object]:
        """As recorded in `provenance.options.subset` (sorted, so stable)."""
        return {"limit": self.limit, "tags": sorted(self.tags), "cases": sorted(self.cases)}

    def slug(self) -> str:
        """A short name for the default result folder (`--limit-5`, `--tag-billing`, …)."""
        parts = []
        if self.cases:
            parts.append("case-" + "+".join(sorted(self.cases)))
        if self.tags:
            parts.append("tag-" + "+".join(sorted(self.tags)))
        if self.limit is not None:
            parts.append(f"limit-{self.limit}")
        return "--".join(parts)
