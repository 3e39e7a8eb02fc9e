"""One output's hallucination check (`Check`) and a case's result from its outputs'
checks (`combine`): the bookkeeping half of the hallucination scorer, kept apart from its
layers so that each module stays small.

Contract of `combine`: `passed` applies the samples rule to the outputs' passes; `score`
is the mean of their scores, clamped to [0, 1]; `reason` names the flagged outputs (at
most three, three findings each); `details` holds per-sample scores and passes, the
layers that fired, the flagged outputs' findings and claims, and the judge's verdicts
when there are any.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evalkit._i18n import Said
from evalkit.scorers.base import apply_samples_rule
from evalkit.values import Score

__all__ = ["Check", "Finding", "claim_record", "combine"]

# The one-output reasons without a note, worded once (the common case: one clean output).
_CLEAN = Said("hal.clean", {"n": "1"})
_CLEAN_DECLINED = Said("hal.clean_declined", {"n": "1", "declined": "1"})
_CLEAN_TEXT = (_CLEAN.text(), _CLEAN)
_CLEAN_DECLINED_TEXT = (_CLEAN_DECLINED.text(), _CLEAN_DECLINED)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a layer found in one output: the layer that found it and what the
    reason says (the claim quoted, then what is wrong with it), as codes (`Said`)."""

    layer: str
    said: Said

    @property
    def text(self) -> str:
        return self.said.text()


@dataclass(slots=True)
class Check:
    """One output's outcome, accumulated over the layers: the `findings` that stand, the
    ones a later layer `cleared` (a judge that reads the claim as supported), the lowest
    layer score, and the flagged claims' details. The output passes when no finding
    stands."""

    score: float = 1.0
    findings: list[Finding] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    cleared: list[dict[str, str]] = field(default_factory=list)
    declined: bool = False
    note: Said | None = None  # how a pass measured, when not all is stated (`_layers.support`)

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def layers(self) -> list[str]:
        """The layers of the standing findings, in the order they fired."""
        return list(dict.fromkeys(f.layer for f in self.findings))

    @property
    def texts(self) -> list[str]:
        return [f.text for f in self.findings]

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def fail(self, layer: str, said: Said) -> None:
        self.findings.append(Finding(layer, said))

    def clear(self, layers: frozenset[str], by: str, why: str) -> None:
        """Withdraw the findings of `layers`, recording who cleared them and why."""
        kept = []
        for f in self.findings:
            if f.layer in layers:
                self.cleared.append({"layer": f.layer, "finding": f.text, "by": by, "why": why})
            else:
                kept.append(f)
        self.findings = kept


def claim_record(
    claim: str,
    missing: list[str],
    unbound: list[str],
    names: list[str],
    negation: bool,
    layers: list[str],
) -> dict[str, Any]:
    """A flagged claim as `details` lists it."""
    return {
        "claim": claim,
        "missing": missing,
        "unbound": unbound,
        "names": names,
        "negation": negation,
        "layers": layers,
    }


def combine(
    checks: Sequence[Check],
    labels: Sequence[str],
    rule: str | float,
    verdicts: list[dict[str, Any]],
) -> Score:
    """The case's `Score` from its outputs' checks (see the module docstring); `labels`
    name the outputs in reasons ("sample 2"; empty: numbered)."""
    if len(checks) == 1 and checks[0].passed and not verdicts:
        # The common case (one clean output), built directly: same result as below.
        # Positional: a keyword call of the frozen dataclass costs more, once per case.
        c = checks[0]
        score = c.score
        if c.declined or c.note is None:
            text, code = _CLEAN_DECLINED_TEXT if c.declined else _CLEAN_TEXT
        else:
            said = Said("hal.clean_note", {"n": "1", "note": c.note})
            text, code = said.text(), said
        return Score(
            True,  # one clean output passes every rule: majority, all, any, a share
            score if 0.0 <= score <= 1.0 else max(0.0, min(1.0, score)),
            text,
            {"samples": [round(score, 6)], "passed": [True], "layers": [], "outputs": []},
            code,
        )
    if len(checks) == 1 and not verdicts:
        # One flagged output (the common failure), built directly: same result as below.
        c = checks[0]
        label = labels[0] if labels else "sample 0"
        score = (0 + c.score) / 1  # as `sum(...) / n` gives it
        said = Said("hal.one", {"output": _flagged(label, c)})
        return Score(
            apply_samples_rule([False], rule),
            max(0.0, min(1.0, score)),
            said.text(),
            {
                "samples": [round(c.score, 6)],
                "passed": [False],
                "layers": sorted(set(c.layers)),
                "outputs": [{"label": label, "findings": c.texts, "claims": c.claims}],
            },
            said,
        )
    passes = [c.passed for c in checks]
    n = len(checks)
    passed = apply_samples_rule(passes, rule)
    ok = sum(passes)
    score = sum(c.score for c in checks) / n
    labels = labels or tuple(f"sample {i}" for i in range(n))
    bad = [_flagged(labels[i], c) for i, c in enumerate(checks) if not c.passed]
    if not bad:
        declined = sum(c.declined for c in checks)
        noted = [(labels[i], c) for i, c in enumerate(checks) if c.note is not None]
        if declined:
            said = Said("hal.clean_declined", {"n": str(n), "declined": str(declined)})
        elif n == 1 and noted:
            said = Said("hal.clean_note", {"n": "1", "note": noted[0][1].note})
        elif noted:  # the least supported output says how close the case came
            label, least = min(noted, key=lambda lc: lc[1].score)
            said = Said("hal.clean_least", {"n": str(n), "label": label, "note": least.note})
        else:
            said = Said("hal.clean", {"n": str(n)})
    elif n == 1:
        said = Said("hal.one", {"output": bad[0]})
    else:
        values: dict[str, Any] = {"n": str(n), "rule": str(rule), "outputs": tuple(bad[:3])}
        if len(bad) > 3:
            values["more"] = str(len(bad) - 3)
        if passed:
            said = Said("hal.some_pass", {"ok": str(ok), **values})
        else:
            said = Said("hal.some_fail", {"bad": str(n - ok), **values})
    reason = said.text()
    details: dict[str, Any] = {
        "samples": [round(c.score, 6) for c in checks],
        "passed": passes,
        "layers": sorted({layer for c in checks for layer in c.layers}),
        "outputs": [
            {"label": labels[i], "findings": c.texts, "claims": c.claims}
            for i, c in enumerate(checks)
            if not c.passed
        ],
    }
    cleared = [
        {"label": labels[i], "cleared": c.cleared} for i, c in enumerate(checks) if c.cleared
    ]
    if cleared:
        details["cleared"] = cleared
    if verdicts:
        details["judge"] = verdicts
    return Score(passed, max(0.0, min(1.0, score)), reason, details, said)


def _flagged(label: str, check: Check) -> Said:
    """A flagged output as its reason names it: its label, then its first three findings."""
    return Said(
        "hal.output", {"label": label, "findings": tuple(f.said for f in check.findings[:3])}
    )
