"""The case-by-case half of `evalkit diff`: both runs' `cases.jsonl` side by side.

Memory: `cases.jsonl` files are sorted by (suite, case id), so the first pass (`CaseWalk`)
walks both side by side (a merge join) and keeps only counts — discordant pairs per PoC,
metric and tag, changed prompts per suite — plus the flipped and one-run-only cases; a
second pass (`with_outputs`) picks up outputs and reasons (worded in the diff's language:
`case_reason_text`) for the flipped cases only. Two
million-case runs diff in a few MB. A file out of that order (edited by hand) is read into
memory instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from evalkit._i18n import case_reason_text
from evalkit.results.documents import CaseRow
from evalkit.results.reader import iter_case_rows

__all__ = ["CaseRef", "FlippedCase", "CaseWalk", "with_outputs", "metric_order", "Key"]

_KNOWN_METRICS = ("accuracy", "consistency", "hallucination")
# Outputs kept per flipped case are cut to this many characters (renderers trim further).
_KEEP_CHARS = 500

Key = tuple[str, str]  # (suite, case id)


def metric_order(names: Iterable[str]) -> list[str]:
    """The three built-in metrics first, in DESIGN.md's order, then the others by name."""
    names = set(names)
    return [m for m in _KNOWN_METRICS if m in names] + sorted(names - set(_KNOWN_METRICS))


@dataclass(frozen=True, slots=True)
class CaseRef:
    suite: str
    case: str
    poc: str


@dataclass(frozen=True, slots=True)
class FlippedCase:
    """A shared case whose pass/fail changed on at least one metric.

    `old_reasons`/`new_reasons` map each flipped metric to its scorer's reason in that run,
    worded in the language `with_outputs` was given (a Japanese case's, where its codes are
    stored; any other as `cases.jsonl` holds it).
    Outputs are cut to a few hundred characters (a diff shows them, it does not archive them).
    """

    suite: str
    case: str
    poc: str
    newly_failing: tuple[str, ...]
    newly_passing: tuple[str, ...]
    old_outputs: tuple[str | None, ...] = ()
    new_outputs: tuple[str | None, ...] = ()
    old_reasons: Mapping[str, str] | None = None
    new_reasons: Mapping[str, str] | None = None


@dataclass(slots=True)
class _CaseState:
    poc: str
    tags: frozenset[str]
    passed: dict[str, bool]
    prompt: bytes | None


def _state(row: CaseRow) -> _CaseState:
    scores = row.get("scores") or {}
    passed = {
        m: bool(s["passed"])
        for m, s in scores.items()
        if isinstance(s, dict) and isinstance(s.get("passed"), bool)
    }
    prompt = row.get("prompt")
    digest = (
        hashlib.blake2b(prompt.encode("utf-8"), digest_size=8).digest()
        if isinstance(prompt, str)
        else None
    )
    tags = row.get("tags") or ()
    return _CaseState(
        poc=str(row.get("poc", "")),
        tags=frozenset(str(t) for t in tags),
        passed=passed,
        prompt=digest,
    )


class _Unsorted(Exception):
    """A `cases.jsonl` is not in (suite, case id) order: walk it from memory instead."""


def _in_order(path: Path) -> Iterator[tuple[Key, _CaseState]]:
    previous: Key | None = None
    for row in iter_case_rows(path):
        key = (row["suite"], row["case"])
        if previous is not None and key <= previous:
            raise _Unsorted(str(path))
        previous = key
        yield key, _state(row)


def _from_memory(path: Path) -> Iterator[tuple[Key, _CaseState]]:
    states = {(row["suite"], row["case"]): _state(row) for row in iter_case_rows(path)}
    return iter(sorted(states.items()))


_Flip = tuple[str, list[str], list[str]]  # (poc, newly failing metrics, newly passing)


class CaseWalk:
    """The first pass: both runs' cases side by side, in key order, kept as counts."""

    def __init__(self) -> None:
        # (poc, metric, tag or None) → [shared, newly failing, newly passing]
        self.counts: dict[tuple[str, str, str | None], list[int]] = {}
        self.prompts: dict[str, int] = {}  # suite → shared cases whose prompt changed
        self.flips: dict[Key, _Flip] = {}
        self.only_old: list[CaseRef] = []
        self.only_new: list[CaseRef] = []

    @classmethod
    def of(cls, old: Path, new: Path) -> CaseWalk:
        """Walk two `cases.jsonl` files (from memory if either is out of order)."""
        try:
            walk = cls()
            walk._join(_in_order(old), _in_order(new))
        except _Unsorted:
            walk = cls()
            walk._join(_from_memory(old), _from_memory(new))
        return walk

    def _join(
        self, old: Iterator[tuple[Key, _CaseState]], new: Iterator[tuple[Key, _CaseState]]
    ) -> None:
        a, b = next(old, None), next(new, None)
        while a is not None or b is not None:
            if b is None or (a is not None and a[0] < b[0]):
                assert a is not None
                self.only_old.append(CaseRef(suite=a[0][0], case=a[0][1], poc=a[1].poc))
                a = next(old, None)
            elif a is None or b[0] < a[0]:
                self.only_new.append(CaseRef(suite=b[0][0], case=b[0][1], poc=b[1].poc))
                b = next(new, None)
            else:
                self._shared(a[0], a[1], b[1])
                a, b = next(old, None), next(new, None)

    def _shared(self, key: Key, o: _CaseState, n: _CaseState) -> None:
        poc = n.poc or o.poc
        both = metric_order(o.passed.keys() & n.passed.keys())
        tags = (None, *sorted(o.tags | n.tags))
        failing, passing = [], []
        for metric in both:
            was, now = o.passed[metric], n.passed[metric]
            for tag in tags:
                tally = self.counts.setdefault((poc, metric, tag), [0, 0, 0])
                tally[0] += 1
                tally[1] += was and not now
                tally[2] += now and not was
            if was and not now:
                failing.append(metric)
            elif now and not was:
                passing.append(metric)
        if failing or passing:
            self.flips[key] = (poc, failing, passing)
        if o.prompt is not None and n.prompt is not None and o.prompt != n.prompt:
            self.prompts[key[0]] = self.prompts.get(key[0], 0) + 1


def with_outputs(
    flips: dict[Key, _Flip], old: Path | None, new: Path | None, lang: str = "en"
) -> list[FlippedCase]:
    """Second pass: outputs and reasons (in `lang`) of the flipped cases only."""
    sides: list[dict[Key, tuple[tuple[str | None, ...], dict[str, str]]]] = []
    for path in (old, new):
        found: dict[Key, tuple[tuple[str | None, ...], dict[str, str]]] = {}
        if path is not None:
            for row in iter_case_rows(path):
                key = (row["suite"], row["case"])
                if key in flips:
                    outputs = tuple(
                        o[:_KEEP_CHARS] if isinstance(o, str) else None
                        for o in (row.get("outputs") or ())
                    )
                    reasons = {
                        m: case_reason_text(s, lang)[:_KEEP_CHARS]
                        for m, s in (row.get("scores") or {}).items()
                        if isinstance(s, dict)
                    }
                    found[key] = (outputs, reasons)
        sides.append(found)
    result: list[FlippedCase] = []
    for key, (poc, failing, passing) in flips.items():
        old_out, old_reasons = sides[0].get(key, ((), {}))
        new_out, new_reasons = sides[1].get(key, ((), {}))
        result.append(
            FlippedCase(
                suite=key[0],
                case=key[1],
                poc=poc,
                newly_failing=tuple(failing),
                newly_passing=tuple(passing),
                old_outputs=old_out,
                new_outputs=new_out,
                old_reasons={m: old_reasons.get(m, "") for m in failing + passing},
                new_reasons={m: new_reasons.get(m, "") for m in failing + passing},
            )
        )
    # Newly failing first (any metric newly failing), then newly passing; stable by key.
    result.sort(key=lambda f: (not f.newly_failing, f.suite, f.case))
    return result
