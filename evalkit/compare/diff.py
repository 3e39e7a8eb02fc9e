"""Compare two runs: verdict changes, paired significance, flipped cases, provenance changes.

`compare(old, new)` returns a `Diff` value; rendering it (text, Markdown, JSON) lives in
`evalkit.report.diffview`, and `triggered(diff, fail_on)` applies the CI conditions of
`--fail-on`. Nothing here prints.

Pairing: a case is the same case in both runs when its suite name and case id match. A case
counts for a metric's paired test when both runs scored that metric for it (errored cases and
metrics that do not apply are left out). Rates old → new come from the summaries, so a diff
still works when a run has no `cases.jsonl` (teams often commit summaries only); it then
says that no paired test was possible.

The case-by-case part (both `cases.jsonl` files walked side by side in bounded memory)
is `evalkit.compare.cases`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit._i18n import reason_texts, say
from evalkit.compare.cases import CaseRef, CaseWalk, FlippedCase, metric_order, with_outputs
from evalkit.compare.reviews import ReviewChange, ReviewFlip, review_changes, review_flips
from evalkit.compare.significance import describe, mcnemar_p
from evalkit.errors import UsageError
from evalkit.results.documents import Summary
from evalkit.results.reader import load_summary, resolve

__all__ = [
    "FAIL_ON",
    "VerdictChange",
    "MetricChange",
    "CaseRef",
    "FlippedCase",
    "ProvenanceChange",
    "ReviewChange",
    "ReviewFlip",
    "Diff",
    "compare",
    "triggered",
    "metric_order",
    "verdict_text",
]

FAIL_ON = ("regression", "verdict-drop", "any-flip")
_SEVERITY = {"continue": 0, "redesign": 1, "stop": 2}


@dataclass(frozen=True, slots=True)
class VerdictChange:
    """One PoC's verdict in both runs (None where the PoC is absent from that run), and the
    reasons one run gives and the other does not, worded in the diff's language."""

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
    # The review layer (`evalkit.compare.reviews`): reviewed metrics old → new, and the
    # reviewers' judgements that flipped on cases reviewed in both; the new result's
    # stale reviews per reason.
    review: tuple[ReviewChange, ...] = ()
    review_flips: tuple[ReviewFlip, ...] = ()
    review_stale: Mapping[str, int] | None = None
    # The language the diff's sentences are worded in (its notes, each metric's `sentence`,
    # the verdict reasons added or removed, the flipped cases' reasons) and its renderings
    # read; "en" for `--format json`, whose text is the stored contract.
    lang: str = "en"


def compare(old: Path | str, new: Path | str, alpha: float = 0.05, lang: str = "en") -> Diff:
    """Diff two results (folders or summary files), its sentences worded in `lang` (the
    flipped cases' reasons: see `with_outputs`; the verdict reasons: see `_verdicts`).
    Raises `ResultError` on unreadable input."""
    if not 0 < alpha < 1:
        raise UsageError(f"alpha must be between 0 and 1, got {alpha}")
    old_paths, new_paths = resolve(old), resolve(new)
    old_sum, new_sum = load_summary(old_paths.summary), load_summary(new_paths.summary)
    notes: list[str] = []
    paired = old_paths.cases is not None and new_paths.cases is not None
    walk = CaseWalk()
    if paired:
        walk = CaseWalk.of(old_paths.cases, new_paths.cases)  # type: ignore[arg-type]
    else:
        which = say("diff_old" if old_paths.cases is None else "diff_new", lang)
        notes.append(say("diff_note_unpaired", lang, which=which))
    flipped: list[FlippedCase] = []
    if walk.flips:
        flipped = with_outputs(walk.flips, old_paths.cases, new_paths.cases, lang)
    return Diff(
        old=str(old),
        new=str(new),
        alpha=alpha,
        old_verdict=old_sum.get("verdict"),
        new_verdict=new_sum.get("verdict"),
        verdicts=tuple(_verdicts(old_sum, new_sum, lang)),
        metrics=tuple(_metrics(old_sum, new_sum, walk.counts, paired, alpha, lang)),
        flipped=tuple(flipped),
        only_old=tuple(sorted(walk.only_old, key=lambda r: (r.suite, r.case))),
        only_new=tuple(sorted(walk.only_new, key=lambda r: (r.suite, r.case))),
        provenance=tuple(_provenance(old_sum, new_sum, walk.prompts, lang)),
        paired=paired,
        notes=tuple(notes),
        review=tuple(review_changes(old_sum, new_sum)),
        review_flips=tuple(review_flips(old_paths.summary.parent, new_paths.summary.parent))
        if paired
        else (),
        review_stale=(new_sum.get("review") or {}).get("stale_why") or None,
        lang=lang,
    )


def verdict_text(verdict: str | None, lang: str = "en", absent: str = "None") -> str:
    """A verdict value as the diff says it: the value itself in English ("continue"), its
    word in another language ("続行"); `absent` where that run has no such PoC."""
    if verdict is None:
        return absent
    return say(f"verdict_badge_{verdict}", lang) if verdict in _SEVERITY else verdict


def triggered(diff: Diff, fail_on: Sequence[str]) -> list[str]:
    """Which `--fail-on` conditions hold, each as a line saying why (empty: none).

    - `verdict-drop`: a PoC's verdict got worse (continue → redesign/stop, redesign → stop).
    - `regression`: a PoC-level metric got significantly worse (McNemar p < alpha, more cases
      newly failing than newly passing), or a verdict drop. Per-tag rows do not trigger it:
      testing every tag would raise false alarms by sheer number of tests.
    - `any-flip`: any shared case changed pass/fail on any metric.

    Worded in the diff's language; each line starts with the condition's name as typed.
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
                out.append(
                    say(
                        "diff_fail_verdict_drop",
                        diff.lang,
                        poc=v.poc,
                        old=verdict_text(v.old, diff.lang),
                        new=verdict_text(v.new, diff.lang),
                    )
                )
    if "regression" in wanted:
        for m in diff.metrics:
            if m.tag is None and m.worse:
                out.append(
                    say(
                        "diff_fail_regression",
                        diff.lang,
                        poc=m.poc,
                        metric=m.metric,
                        sentence=m.sentence,
                    )
                )
    if "any-flip" in wanted and diff.flipped:
        out.append(say("diff_fail_any_flip", diff.lang, n=len(diff.flipped)))
    return out


def _verdicts(old: Summary, new: Summary, lang: str = "en") -> list[VerdictChange]:
    """Each PoC's verdict in both runs, and the reasons one run gives and the other does
    not: compared as stored (English, the contract), worded in `lang` from their codes
    (`reason_texts`: a reason without a code stays as stored)."""
    out = []
    for poc in sorted(old["pocs"].keys() | new["pocs"].keys()):
        o: Mapping[str, Any] = old["pocs"].get(poc) or {}
        n: Mapping[str, Any] = new["pocs"].get(poc) or {}
        o_reasons, n_reasons = list(o.get("reasons") or []), list(n.get("reasons") or [])
        o_worded, n_worded = reason_texts(o, lang), reason_texts(n, lang)
        out.append(
            VerdictChange(
                poc=poc,
                old=o.get("verdict"),
                new=n.get("verdict"),
                reasons_added=tuple(
                    w for r, w in zip(n_reasons, n_worded, strict=True) if r not in o_reasons
                ),
                reasons_removed=tuple(
                    w for r, w in zip(o_reasons, o_worded, strict=True) if r not in n_reasons
                ),
            )
        )
    return out


def _rate_block(poc: Mapping[str, Any], metric: str, tag: str | None) -> dict[str, Any]:
    """A PoC's counts of `metric` (of one tag: its own bar, or its rate among the tags);
    empty when the PoC has none (a PoC only one side has)."""
    block: Any
    if tag is None:
        block = (poc.get("metrics") or {}).get(metric)
    else:
        block = ((poc.get("tags") or {}).get(tag) or {}).get(metric)
        if block is None:
            block = (((poc.get("metrics") or {}).get(metric) or {}).get("by_tag") or {}).get(tag)
    return block if isinstance(block, dict) else {}


def _tags_of(poc: Mapping[str, Any]) -> set[str]:
    tags = set((poc.get("tags") or {}).keys())
    for block in (poc.get("metrics") or {}).values():
        if isinstance(block, dict):
            tags |= set((block.get("by_tag") or {}).keys())
    return tags


def _metrics(
    old: Summary,
    new: Summary,
    counts: Mapping[tuple[str, str, str | None], list[int]],
    paired: bool,
    alpha: float,
    lang: str = "en",
) -> list[MetricChange]:
    """`counts`: discordant pairs per (poc, metric, tag or None) from the shared cases."""
    out: list[MetricChange] = []
    for poc in sorted(old["pocs"].keys() | new["pocs"].keys()):
        o_poc: Mapping[str, Any] = old["pocs"].get(poc) or {}
        n_poc: Mapping[str, Any] = new["pocs"].get(poc) or {}
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
                    sentence = describe(label, b, c, alpha, lang)
                else:
                    p, sentence = None, say("diff_untestable", lang)
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
    old: Summary, new: Summary, prompts: Mapping[str, int], lang: str = "en"
) -> list[ProvenanceChange]:
    """What changed in how the runs were made; `what` is a name (English, for tools), the
    values of "suite" and "prompts" are worded in `lang`."""
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
                    say("diff_present", lang) if suite in o_suites else None,
                    say("diff_present", lang) if suite in n_suites else None,
                )
            )
            continue
        for what, path in _SUITE_FIELDS:
            a, b = _dig(o_suites[suite], path), _dig(n_suites[suite], path)
            if a != b:
                out.append(ProvenanceChange(what, suite, a, b))
        if suite in prompts:
            changed = say("diff_prompts_changed", lang, n=prompts[suite])
            out.append(ProvenanceChange("prompts", suite, None, changed))
    if o_prov.get("options") != n_prov.get("options"):
        out.append(ProvenanceChange("options", None, o_prov.get("options"), n_prov.get("options")))
    return out
