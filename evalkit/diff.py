"""Compare two runs: verdict changes, paired significance, flipped cases, provenance changes.

`compare(old, new)` returns a `Diff` value; rendering it (text, Markdown, JSON) lives in
`evalkit.report.diffview`, and `triggered(diff, fail_on)` applies the CI conditions of
`--fail-on`. Nothing here prints.

Pairing: a case is the same case in both runs when its suite name and case id match. A case
counts for a metric's paired test when both runs scored that metric for it (errored cases and
metrics that do not apply are left out). Rates old → new come from the summaries, so a diff
still works when a run has no `cases.jsonl` (teams often commit summaries only); it then
says that no paired test was possible.

Memory: `cases.jsonl` files are sorted by (suite, case id), so the first pass walks both
side by side (a merge join) and keeps only counts — discordant pairs per PoC, metric and
tag, changed prompts per suite — plus the flipped and one-run-only cases; a second pass
picks up outputs and reasons for the flipped cases only. Two million-case runs diff in a
few MB. A file out of that order (edited by hand) is read into memory instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.errors import UsageError
from evalkit.resultfiles import iter_case_rows, load_summary, resolve
from evalkit.significance import describe, mcnemar_p

__all__ = [
    "FAIL_ON",
    "VerdictChange",
    "MetricChange",
    "CaseRef",
    "FlippedCase",
    "ProvenanceChange",
    "Diff",
    "compare",
    "triggered",
    "metric_order",
]

FAIL_ON = ("regression", "verdict-drop", "any-flip")
_SEVERITY = {"continue": 0, "redesign": 1, "stop": 2}
_KNOWN_METRICS = ("accuracy", "consistency", "hallucination")
# Outputs kept per flipped case are cut to this many characters (renderers trim further).
_KEEP_CHARS = 500

Key = tuple[str, str]  # (suite, case id)


def metric_order(names: Iterable[str]) -> list[str]:
    """The three built-in metrics first, in DESIGN.md's order, then the others by name."""
    names = set(names)
    return [m for m in _KNOWN_METRICS if m in names] + sorted(names - set(_KNOWN_METRICS))


@dataclass(frozen=True, slots=True)
class VerdictChange:
    """One PoC's verdict in both runs (None where the PoC is absent from that run)."""

    poc: str
    old: str | None
    new: str | None
    reasons_added: tuple[str, ...] = ()
    reasons_removed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def worse(self) -> bool:
        """Both runs judged the PoC and the new verdict is more severe."""
        if self.old is None or self.new is None:
            return False
        return _SEVERITY.get(self.new, 0) > _SEVERITY.get(self.old, 0)


@dataclass(frozen=True, slots=True)
class MetricChange:
    """A metric's failure rate old → new for one PoC (`tag` None) or one tag of it.

    Rates are None where that run has no such metric/tag. `shared` is how many cases both
    runs scored on this metric; `newly_failing`/`newly_passing` are the discordant pairs;
    `p` is the exact McNemar p-value (None when there were no per-case results to pair).
    """

    poc: str
    metric: str
    tag: str | None
    old_rate: float | None
    new_rate: float | None
    old_failures: int | None
    old_total: int | None
    new_failures: int | None
    new_total: int | None
    shared: int
    newly_failing: int
    newly_passing: int
    p: float | None
    significant: bool
    sentence: str

    @property
    def delta(self) -> float | None:
        if self.old_rate is None or self.new_rate is None:
            return None
        return round(self.new_rate - self.old_rate, 6)

    @property
    def worse(self) -> bool:
        """Significantly more cases newly fail than newly pass."""
        return self.significant and self.newly_failing > self.newly_passing


@dataclass(frozen=True, slots=True)
class CaseRef:
    suite: str
    case: str
    poc: str


@dataclass(frozen=True, slots=True)
class FlippedCase:
    """A shared case whose pass/fail changed on at least one metric.

    `old_reasons`/`new_reasons` map each flipped metric to its scorer's reason in that run.
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


@dataclass(frozen=True, slots=True)
class ProvenanceChange:
    """Something that changed in how the runs were made: `what` names it (e.g. "suite file",
    "model", "prompts"), `suite` is None for run-wide items."""

    what: str
    suite: str | None
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Diff:
    """Everything `evalkit diff` reports about two runs. `paired` is False when either run
    has no `cases.jsonl`: rates are then compared without a significance test."""

    old: str
    new: str
    alpha: float
    old_verdict: str | None
    new_verdict: str | None
    verdicts: tuple[VerdictChange, ...]
    metrics: tuple[MetricChange, ...]
    flipped: tuple[FlippedCase, ...]
    only_old: tuple[CaseRef, ...]
    only_new: tuple[CaseRef, ...]
    provenance: tuple[ProvenanceChange, ...]
    paired: bool
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class _CaseState:
    poc: str
    tags: frozenset[str]
    passed: dict[str, bool]
    prompt: bytes | None


def compare(old: Path | str, new: Path | str, alpha: float = 0.05) -> Diff:
    """Diff two results (folders or summary files). Raises `ResultError` on unreadable input."""
    if not 0 < alpha < 1:
        raise UsageError(f"alpha must be between 0 and 1, got {alpha}")
    old_paths, new_paths = resolve(old), resolve(new)
    old_sum, new_sum = load_summary(old_paths.summary), load_summary(new_paths.summary)
    notes: list[str] = []
    paired = old_paths.cases is not None and new_paths.cases is not None
    walk = _Walk()
    if paired:
        walk = _Walk.of(old_paths.cases, new_paths.cases)  # type: ignore[arg-type]
    else:
        which = "old" if old_paths.cases is None else "new"
        notes.append(
            f"the {which} run has no cases.jsonl, so no case-by-case (paired) comparison "
            "was possible: only rates and verdicts are compared"
        )
    flipped: list[FlippedCase] = []
    if walk.flips:
        flipped = _with_outputs(walk.flips, old_paths.cases, new_paths.cases)
    return Diff(
        old=str(old),
        new=str(new),
        alpha=alpha,
        old_verdict=old_sum.get("verdict"),
        new_verdict=new_sum.get("verdict"),
        verdicts=tuple(_verdicts(old_sum, new_sum)),
        metrics=tuple(_metrics(old_sum, new_sum, walk.counts, paired, alpha)),
        flipped=tuple(flipped),
        only_old=tuple(sorted(walk.only_old, key=lambda r: (r.suite, r.case))),
        only_new=tuple(sorted(walk.only_new, key=lambda r: (r.suite, r.case))),
        provenance=tuple(_provenance(old_sum, new_sum, walk.prompts)),
        paired=paired,
        notes=tuple(notes),
    )


def triggered(diff: Diff, fail_on: Sequence[str]) -> list[str]:
    """Which `--fail-on` conditions hold, each as a line saying why (empty: none).

    - `verdict-drop`: a PoC's verdict got worse (continue → redesign/stop, redesign → stop).
    - `regression`: a PoC-level metric got significantly worse (McNemar p < alpha, more cases
      newly failing than newly passing), or a verdict drop. Per-tag rows do not trigger it:
      testing every tag would raise false alarms by sheer number of tests.
    - `any-flip`: any shared case changed pass/fail on any metric.
    """
    unknown = [name for name in fail_on if name not in FAIL_ON]
    if unknown:
        raise UsageError(
            f"unknown --fail-on condition {unknown[0]!r}: expected one of {', '.join(FAIL_ON)}"
        )
    wanted = set(fail_on)
    out: list[str] = []
    if wanted & {"verdict-drop", "regression"}:
        for v in diff.verdicts:
            if v.worse:
                out.append(f"verdict-drop: {v.poc} went {v.old} → {v.new}")
    if "regression" in wanted:
        for m in diff.metrics:
            if m.tag is None and m.worse:
                out.append(f"regression: {m.poc} {m.metric}: {m.sentence}")
    if "any-flip" in wanted and diff.flipped:
        n = len(diff.flipped)
        out.append(f"any-flip: {n} case{'s' if n != 1 else ''} changed pass/fail")
    return out


def _state(row: dict[str, Any]) -> _CaseState:
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


class _Walk:
    """The first pass: both runs' cases side by side, in key order, kept as counts."""

    def __init__(self) -> None:
        # (poc, metric, tag or None) → [shared, newly failing, newly passing]
        self.counts: dict[tuple[str, str, str | None], list[int]] = {}
        self.prompts: dict[str, int] = {}  # suite → shared cases whose prompt changed
        self.flips: dict[Key, _Flip] = {}
        self.only_old: list[CaseRef] = []
        self.only_new: list[CaseRef] = []

    @classmethod
    def of(cls, old: Path, new: Path) -> _Walk:
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


def _with_outputs(flips: dict[Key, _Flip], old: Path | None, new: Path | None) -> list[FlippedCase]:
    """Second pass: outputs and reasons of the flipped cases only."""
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
                        m: str(s.get("reason", ""))[:_KEEP_CHARS]
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


def _verdicts(old: dict[str, Any], new: dict[str, Any]) -> list[VerdictChange]:
    out = []
    for poc in sorted(old["pocs"].keys() | new["pocs"].keys()):
        o, n = old["pocs"].get(poc) or {}, new["pocs"].get(poc) or {}
        o_reasons, n_reasons = list(o.get("reasons") or []), list(n.get("reasons") or [])
        out.append(
            VerdictChange(
                poc=poc,
                old=o.get("verdict"),
                new=n.get("verdict"),
                reasons_added=tuple(r for r in n_reasons if r not in o_reasons),
                reasons_removed=tuple(r for r in o_reasons if r not in n_reasons),
            )
        )
    return out


def _rate_block(poc: dict[str, Any], metric: str, tag: str | None) -> dict[str, Any]:
    if tag is None:
        block = (poc.get("metrics") or {}).get(metric)
    else:
        block = ((poc.get("tags") or {}).get(tag) or {}).get(metric)
        if block is None:
            block = (((poc.get("metrics") or {}).get(metric) or {}).get("by_tag") or {}).get(tag)
    return block if isinstance(block, dict) else {}


def _tags_of(poc: dict[str, Any]) -> set[str]:
    tags = set((poc.get("tags") or {}).keys())
    for block in (poc.get("metrics") or {}).values():
        if isinstance(block, dict):
            tags |= set((block.get("by_tag") or {}).keys())
    return tags


def _metrics(
    old: dict[str, Any],
    new: dict[str, Any],
    counts: Mapping[tuple[str, str, str | None], list[int]],
    paired: bool,
    alpha: float,
) -> list[MetricChange]:
    """`counts`: discordant pairs per (poc, metric, tag or None) from the shared cases."""
    out: list[MetricChange] = []
    for poc in sorted(old["pocs"].keys() | new["pocs"].keys()):
        o_poc, n_poc = old["pocs"].get(poc) or {}, new["pocs"].get(poc) or {}
        metrics = metric_order(set(o_poc.get("metrics") or {}) | set(n_poc.get("metrics") or {}))
        tags = sorted(_tags_of(o_poc) | _tags_of(n_poc))
        for tag in (None, *tags):
            for metric in metrics:
                ob, nb = _rate_block(o_poc, metric, tag), _rate_block(n_poc, metric, tag)
                if not ob and not nb:
                    continue
                total, b, c = counts.get((poc, metric, tag), [0, 0, 0])
                label = metric if tag is None else f"{metric} [{tag}]"
                if paired:
                    p: float | None = mcnemar_p(b, c)
                    sentence = describe(label, b, c, alpha)
                else:
                    p, sentence = None, "no per-case results: the change cannot be tested"
                out.append(
                    MetricChange(
                        poc=poc,
                        metric=metric,
                        tag=tag,
                        old_rate=ob.get("rate"),
                        new_rate=nb.get("rate"),
                        old_failures=ob.get("failures"),
                        old_total=ob.get("total"),
                        new_failures=nb.get("failures"),
                        new_total=nb.get("total"),
                        shared=total,
                        newly_failing=b,
                        newly_passing=c,
                        p=p,
                        significant=p is not None and p < alpha,
                        sentence=sentence,
                    )
                )
    return out


_SUITE_FIELDS = (
    ("suite file", ("sha256",)),
    ("client", ("client", "spec")),
    ("model", ("client", "model")),
    ("params", ("params",)),
    ("samples", ("samples",)),
    ("seed", ("seed",)),
    ("poc", ("poc",)),
)


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _provenance(
    old: dict[str, Any], new: dict[str, Any], prompts: Mapping[str, int]
) -> list[ProvenanceChange]:
    o_prov, n_prov = old.get("provenance") or {}, new.get("provenance") or {}
    out: list[ProvenanceChange] = []
    if o_prov.get("evalkit_version") != n_prov.get("evalkit_version"):
        out.append(
            ProvenanceChange(
                "evalkit version",
                None,
                o_prov.get("evalkit_version"),
                n_prov.get("evalkit_version"),
            )
        )
    o_suites, n_suites = o_prov.get("suites") or {}, n_prov.get("suites") or {}
    for suite in sorted(o_suites.keys() | n_suites.keys()):
        if suite not in o_suites or suite not in n_suites:
            out.append(
                ProvenanceChange(
                    "suite",
                    suite,
                    "present" if suite in o_suites else None,
                    "present" if suite in n_suites else None,
                )
            )
            continue
        for what, path in _SUITE_FIELDS:
            a, b = _dig(o_suites[suite], path), _dig(n_suites[suite], path)
            if a != b:
                out.append(ProvenanceChange(what, suite, a, b))
        if suite in prompts:
            n = prompts[suite]
            out.append(
                ProvenanceChange(
                    "prompts", suite, None, f"{n} case prompt{'s' if n != 1 else ''} changed"
                )
            )
    if o_prov.get("options") != n_prov.get("options"):
        out.append(ProvenanceChange("options", None, o_prov.get("options"), n_prov.get("options")))
    return out
