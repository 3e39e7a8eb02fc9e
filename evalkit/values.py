"""Immutable values passed between evalkit's steps. Stdlib only.

Nothing here does I/O. Raw YAML/JSON dicts never cross a module boundary: the suite loader
turns them into these values, and every later step (expand, execute, score, aggregate,
judge, write) takes and returns them.

Data flow: `Suite` (with `Case`s) → `Request`s → `Completion`s → `ScoringInput` →
`Score` per metric → `CaseResult` → aggregated counts → verdict.

Size (over 400 lines): the one vocabulary every stage shares, kept in one module so that
the import order (`tests/test_layers.py`) has a single bottom and a reader one place to
look.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

_T = TypeVar("_T")


def quick_init(cls: type[_T]) -> type[_T]:
    """Give a frozen, slotted dataclass a cheaper `__init__`: same signature and defaults,
    still immutable afterwards. Why: a frozen dataclass fills each field through
    `object.__setattr__`; storing through the slot's own descriptor costs 0.3-1.0 µs less
    per construction (CaseResult 1.1 against 2.1 µs). The per-case values (`Case`,
    `Request`, `Completion`, `ScoringInput`, `Score`, `CaseResult`, the scorers' `Plan`)
    are built ~12 times per case: ~5 µs of the ~85 µs of CPU a quoting case costs on the
    scale load. Measured side by side (issue 18, `tests/benchmarks/scale.py`, 1M quoting
    cases, 2 workers, two rounds): without it and two other small speed paths the run
    took 100.4-100.7 s of CPU against 78.7-90.9 s, so it stays.
    Apply it under `@dataclass(frozen=True, slots=True)`."""
    names: dict[str, Any] = {"_MISSING": MISSING}
    params, body = [], []
    for f in fields(cls):  # type: ignore[arg-type]
        if not f.init or f.kw_only:
            raise TypeError(f"quick_init: {cls.__name__}.{f.name} needs the generated __init__")
        names[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        if f.default is not MISSING:
            names[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not MISSING:
            names[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            body.append(f"if {f.name} is _MISSING: {f.name} = _factory_{f.name}()")
        else:
            params.append(f.name)
        body.append(f"_set_{f.name}(self, {f.name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + "".join(f"    {b}\n" for b in body)
    exec(source, names)  # noqa: S102 — generated from the dataclass's own field list
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    setattr(cls, "__init__", init)  # noqa: B010 — a plain assignment reads as a method override
    return cls


# A reference answer: text, or a JSON object/array for the `json` accuracy method.
Reference = str | Mapping[str, Any] | list[Any]

# The three metrics DESIGN.md names. Plugins may add more metric names.
ACCURACY = "accuracy"
CONSISTENCY = "consistency"
HALLUCINATION = "hallucination"


class Verdict(StrEnum):
    """Per-PoC decision. Ordered by severity: CONTINUE < REDESIGN < STOP."""

    CONTINUE = "continue"
    REDESIGN = "redesign"
    STOP = "stop"

    @property
    def severity(self) -> int:
        return {"continue": 0, "redesign": 1, "stop": 2}[self.value]

    @staticmethod
    def worst(verdicts: Iterable[Verdict]) -> Verdict:
        """The most severe verdict; `redesign` when there is none (nothing was judged)."""
        return max(verdicts, key=lambda v: v.severity, default=Verdict.REDESIGN)

    @property
    def exit_code(self) -> int:
        """The CLI exit code DESIGN.md pins: 0 continue, 10 redesign, 20 stop."""
        return {"continue": 0, "redesign": 10, "stop": 20}[self.value]


# The step a feature is in (DESIGN.md "Two layers and three phases"): it words the verdict
# and names what the next step needs; it never changes the verdict rules.
Phase = Literal["poc", "mvp", "production"]
PHASES: tuple[Phase, ...] = ("poc", "mvp", "production")


# Metrics the reviewers measure rather than a scorer (README "Human review"): name →
# (the review sheet's column, the answer there that counts as a failure). A suite sets
# their bars under `thresholds:` like any metric; their failure rate is over the reviewed
# cases, so without reviews they are not measured (never a pass).
REVIEW_METRICS: Mapping[str, tuple[str, str]] = {
    "unusable": ("usable", "no"),
    "major_correction": ("correction", "major"),
    "high_risk": ("risk", "high"),
}


class Status(StrEnum):
    """One metric (or one tag of a metric) against its bar."""

    PASS = "pass"  # interval upper bound <= tolerable
    MISS = "miss"  # neither pass nor stop-level: includes "not enough evidence"
    STOP = "stop"  # interval lower bound > stop
    UNJUDGED = "unjudged"  # no threshold, or no cases scored


@quick_init
@dataclass(frozen=True, slots=True)
class Case:
    """One input of a suite, with the knowledge scorers check outputs against.

    `vars` fill the prompt template. `variants` are alternative `vars` (each a full
    mapping, already merged over `vars`) that paraphrase the same question and should get
    equivalent answers. `references` are acceptable answers (empty: no reference);
    `forbidden` are known-false answers. `answerable=False` means the right behaviour is to
    decline. `line` is where the case starts in its source file (for error messages).
    """

    id: str
    vars: Mapping[str, Any]
    references: tuple[Reference, ...] = ()
    context: str | None = None
    forbidden: tuple[str, ...] = ()
    answerable: bool = True
    tags: tuple[str, ...] = ()
    critical: bool = False
    variants: tuple[Mapping[str, Any], ...] = ()
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Bar:
    """Failure-rate bar: `tolerable` (highest rate for continue) and `stop`, both in [0, 1]."""

    tolerable: float
    stop: float


@dataclass(frozen=True, slots=True)
class Threshold:
    """A metric's bar for all cases, plus optional stricter/looser bars per tag."""

    bar: Bar
    by_tag: Mapping[str, Bar] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScorerConfig:
    """What the suite asked of one metric's scorer.

    `method` None means the scorer's default (its best general method). `params` are the
    remaining keys of the suite's `scorers.<metric>` mapping; the scorer validates them when
    built and raises `SuiteError` naming the field.
    """

    metric: str
    method: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Prompt:
    """`template` with `{{var}}` placeholders (plain substitution, never code)."""

    template: str
    system: str | None = None


@dataclass(frozen=True, slots=True)
class ModelParams:
    """Output-affecting request parameters (they are part of the cache key). None = unset."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("temperature", "top_p", "max_tokens", "seed"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.stop:
            out["stop"] = list(self.stop)
        return out


@dataclass(frozen=True, slots=True)
class Pricing:
    """Price per million input / output tokens, for a cost estimate of the run."""

    input_per_million: float
    output_per_million: float
    currency: str = "USD"

    def cost(self, input_tokens: int | None, output_tokens: int | None) -> float:
        return (
            (input_tokens or 0) * self.input_per_million
            + (output_tokens or 0) * self.output_per_million
        ) / 1e6


class CaseSource(Protocol):
    """Re-iterable stream of cases (a tuple for inline cases, a file reader for
    `cases_from`). Iterating twice reads twice; nothing holds all cases in memory."""

    def __iter__(self) -> Iterator[Case]: ...


@dataclass(frozen=True, slots=True)
class Suite:
    """A validated suite file.

    `client` is the suite's default client spec (None: the CLI's `--client` is required);
    `base_dir` is the suite file's folder, against which relative paths in the suite
    (`cases_from`, a replay file) resolve. `sha256` hashes the suite file's bytes.
    `confidence` is the Wilson interval's level; `error_budget` the largest share of cases
    that may end in a client error for `continue` (point estimate); `phase` the step the
    PoC is in (it words the verdict; all suites of a PoC agree on it). `client_options` are
    the suite's client settings (base URL, key variable, limits); command-line flags win.
    `language` is the `language:` key (None: not set; `evalkit.suite.language` then reads
    the suite's text), the language the terminal and reports speak by default.
    """

    name: str
    poc: str
    path: Path
    sha256: str
    prompt: Prompt
    cases: CaseSource
    description: str = ""
    samples: int = 1
    client: str | None = None
    scorers: Mapping[str, ScorerConfig] = field(default_factory=dict)
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)
    params: ModelParams = field(default_factory=ModelParams)
    confidence: float = 0.95
    error_budget: float = 0.05
    critical_failure: Literal["redesign", "stop"] = "redesign"
    phase: Phase = "poc"
    seed: int = 0
    pricing: Pricing | None = None
    language: Literal["en", "ja"] | None = None
    client_options: Mapping[str, Any] = field(default_factory=dict)
    # PoC-level facts (all suites of a PoC that set them agree; README "Monthly cost
    # projection", "Required evidence"). None: not set in this file.
    volume_per_month: float | None = None
    budget_per_month: float | None = None
    requires: tuple[str, ...] | None = None

    @property
    def base_dir(self) -> Path:
        return self.path.parent


@quick_init
@dataclass(frozen=True, slots=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


@quick_init
@dataclass(frozen=True, slots=True)
class Request:
    """One model call: a case's rendered prompt for one (variant, sample).

    `variant` 0 is the case's own `vars`; 1..n are its `variants`. `sample` is 0-based.
    `key` is stable across runs (suite, case, variant, sample) and names the request in
    replay files, caches and journals. `prompt_sha256` is defined in `evalkit.common.render`;
    it is empty when the client said it does not read it (`Client.wants_prompt_sha256`).
    """

    suite: str
    case_id: str
    variant: int
    sample: int
    messages: tuple[Message, ...]
    prompt_sha256: str
    params: ModelParams = field(default_factory=ModelParams)

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.suite, self.case_id, self.variant, self.sample)


Source = Literal["live", "replay", "cache"]

# `PLAIN_LABELS[n]`: the labels of a case with n samples and no variants ("sample 0" …
# "sample n-1"), up to 64 — one shared tuple each, which result rows leave out.
PLAIN_LABELS = tuple(tuple(f"sample {i}" for i in range(n)) for n in range(65))


@quick_init
@dataclass(frozen=True, slots=True)
class Completion:
    """What a client returned for one request: an output, or an error (never both).

    A failing call is a value, not an exception: `error` says why in words a user can act
    on, `error_kind` classifies it (e.g. "missing-recording", "stale-recording", "timeout",
    "http-500", "auth"). `latency_s` is wall time of the call (None when not measured);
    token counts are None when the client does not report them. `source` says whether the
    output came from a live call, a replay file or the cache (consistency must know when
    repeats are not independent).
    """

    output: str | None
    error: str | None = None
    error_kind: str | None = None
    latency_s: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    source: Source = "live"

    @property
    def ok(self) -> bool:
        return self.error is None


@quick_init
@dataclass(frozen=True, slots=True)
class ScoringInput:
    """Everything a scorer sees for one case: all its outputs scored together.

    `outputs` lists every sample of every variant, in order (variant 0 samples first);
    `labels` names each one for reasons ("sample 2", "variant 1 sample 0"); `variants`
    gives each output's variant index. `prior` holds the scores of metrics already scored
    for this case (accuracy is scored first, so consistency can use its outcomes); the
    engine passes a read-only view that grows as the case's scorers finish, so read it
    while scoring rather than keeping it. `sources` gives each output's `Completion.source`;
    `latencies` and `tokens` its call time and token counts (the operational bars).
    """

    suite: Suite
    case: Case
    outputs: tuple[str, ...]
    labels: tuple[str, ...]
    variants: tuple[int, ...]
    sources: tuple[Source, ...] = ()
    prior: Mapping[str, Score] = field(default_factory=dict)
    latencies: tuple[float | None, ...] = ()  # each output's call time (None: not measured)
    tokens: tuple[tuple[int | None, int | None], ...] = ()  # (input, output) per output


@quick_init
@dataclass(frozen=True, slots=True)
class Score:
    """One metric's result for one case.

    `passed` is the case-level pass/fail (after the samples rule); `score` is in [0, 1]
    (1 = best); `reason` says what was expected and what was found. `details` holds
    JSON-serialisable extras (per-sample scores, claims, judge reasoning) for reports.
    `said` is the reason as codes and values (`evalkit._i18n.Said`), which `cases.jsonl`
    stores beside it (`reason_code`) for a Japanese case, so that a report words it again.
    """

    passed: bool
    score: float
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)
    # `reason` as a code tree (`evalkit._i18n.Said`); None where a scorer (a plugin's)
    # words its reason only in English.
    said: Any = None


class Scorer(Protocol):
    """Turns a case's outputs into one metric's `Score`.

    Returns None when the metric does not apply to the case (e.g. accuracy on a case with
    no reference that is answerable): such cases are left out of that metric's denominator.
    Built from a `ScorerConfig` by a factory registered under the metric name.
    """

    metric: str

    def score(self, item: ScoringInput) -> Score | None: ...


class AsyncScorer(Scorer, Protocol):
    """A scorer that asks a model (an LLM judge): the pipeline awaits `ascore`, and its
    `score` raises (it cannot answer without the call)."""

    async def ascore(self, item: ScoringInput) -> Score | None: ...


@quick_init
@dataclass(frozen=True, slots=True)
class CaseResult:
    """A finished case: its outputs and per-metric scores, or the client error.

    `error` is set when any request of the case failed; such a case is not scored (its
    `scores` is empty) and counts against the error budget, not as a pass or a fail.
    """

    suite: str
    poc: str
    case_id: str
    tags: tuple[str, ...]
    critical: bool
    outputs: tuple[str | None, ...]
    labels: tuple[str, ...]
    scores: Mapping[str, Score]
    error: str | None = None
    error_kind: str | None = None
    sources: tuple[Source, ...] = ()
    latency_s: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    prompt: tuple[Message, ...] = ()
