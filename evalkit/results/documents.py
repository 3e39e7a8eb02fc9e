"""The result documents as types: `summary.json` and a `cases.jsonl` row.

Why: the summary is built in one place (`evalkit.results.summary`), read in many (report,
diff, merge, the terminal table, review), and its shape is a published contract
(`result_summary.schema.json`, `result_row.schema.json`, README "Result files"). These
`TypedDict`s say that shape to the type checker, so a reader that asks for a key the
document does not have, or treats a rate as a string, is caught before it runs. They
describe; they do not check: a document read from disk is checked against the JSON Schema
first (`evalkit.results.check`), and keys these types do not name are allowed there (a
newer evalkit may add some), so readers of such keys use `.get`.

Required keys are the schema's `required`; every other key is `NotRequired` (or the whole
mapping `total=False`).
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

__all__ = [
    "Counts",
    "Assessment",
    "Errors",
    "Critical",
    "SuiteBlock",
    "PocSummary",
    "Summary",
    "ScoreEntry",
    "CaseRow",
]

VerdictName = Literal["continue", "redesign", "stop"]
StatusName = Literal["pass", "miss", "stop", "unjudged"]


class Counts(TypedDict):
    """Failures of one metric over the cases it applies to, with the Wilson interval
    (`rate` and `ci` are None when there are no cases)."""

    failures: int
    total: int
    rate: NotRequired[float | None]
    ci: NotRequired[list[float] | None]


class Assessment(Counts):
    """A metric (or one tag of it) against its bar: `status` is the verdict rule's outcome;
    `needed` how many cases in total would settle it; `layer` "review" for the metrics
    reviewers measure; `review` the human-review correction (README "Human review")."""

    confidence: NotRequired[float]
    tolerable: NotRequired[float | None]
    stop: NotRequired[float | None]
    status: NotRequired[StatusName]
    needed: NotRequired[int]
    by_tag: NotRequired[dict[str, Assessment]]
    layer: NotRequired[Literal["review"]]
    review: NotRequired[dict[str, Any]]


class Errors(TypedDict, total=False):
    """Client errors of a PoC against its error budget (a share of cases)."""

    count: int
    rate: float
    budget: float
    within: bool


class Critical(TypedDict, total=False):
    """The PoC's `critical: true` cases: how many, and which failed or errored."""

    total: int
    failed: list[str]
    failed_count: int
    errored: list[str]
    errored_count: int


class SuiteBlock(TypedDict, total=False):
    """One suite's share of a PoC: its cases, errors and per-metric counts."""

    cases: int
    errors: int
    metrics: dict[str, Counts]


class PocSummary(TypedDict):
    """`pocs.<poc>`: the verdict with its reasons, and the evidence behind it."""

    verdict: VerdictName
    phase: NotRequired[Literal["poc", "mvp", "production"]]
    reasons: NotRequired[list[str]]
    unsettled: NotRequired[list[str]]
    reason_codes: NotRequired[list[dict[str, Any]]]
    cases: NotRequired[int]
    errors: NotRequired[Errors]
    critical: NotRequired[Critical]
    metrics: NotRequired[dict[str, Assessment]]
    evidence: NotRequired[dict[str, list[str]]]
    cost_projection: NotRequired[dict[str, Any]]
    suites: NotRequired[dict[str, SuiteBlock]]
    review: NotRequired[dict[str, Any]]
    tags: NotRequired[dict[str, dict[str, Counts]]]


class Summary(TypedDict):
    """`summary.json`: `run` holds every volatile value, so two runs of the same thing
    differ only there; `provenance` says where the run came from."""

    schema_version: int
    pocs: dict[str, PocSummary]
    verdict: NotRequired[VerdictName]
    provenance: NotRequired[dict[str, Any]]
    run: NotRequired[dict[str, Any]]
    review: NotRequired[dict[str, Any]]


class ScoreEntry(TypedDict):
    """`scores.<metric>` of a row: the case-level pass/fail, a score in [0, 1], and the
    reason in words; `details` holds the scorer's JSON extras."""

    passed: bool
    score: float
    reason: str
    details: NotRequired[dict[str, Any]]
    reason_code: NotRequired[list[Any]]  # `reason` as codes (`evalkit._i18n.Said`)


class CaseRow(TypedDict):
    """One line of `cases.jsonl` (README "Result files"): a case's outputs and scores, or
    its client error."""

    suite: str
    poc: str
    case: str
    tags: NotRequired[list[str]]
    critical: NotRequired[bool]
    answerable: NotRequired[bool]
    prompt: NotRequired[str]
    references: NotRequired[list[Any]]
    context: NotRequired[str]
    forbidden: NotRequired[list[str]]
    outputs: NotRequired[list[str | None]]
    labels: NotRequired[list[str]]
    sources: NotRequired[list[str]]
    scores: NotRequired[dict[str, ScoreEntry]]
    error: NotRequired[str]
    error_kind: NotRequired[str | None]
    latency_s: NotRequired[float | None]
    tokens: NotRequired[dict[str, int | None]]
    cost: NotRequired[dict[str, Any]]
