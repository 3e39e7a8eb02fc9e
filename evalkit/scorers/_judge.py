"""The optional judge layer: ask a model whether an output is supported by the knowledge.

Why: lexical support (the other layers) cannot see a paraphrase that keeps the words but
changes the meaning, or an inference the knowledge does not license. Any configured client
can judge; offline tests use the replay client, whose recordings are keyed like any other
request: suite name, case id, variant 0, sample = the output's index in the case.

The judge replies with a verdict on its first line — SUPPORTED or UNSUPPORTED — and a
short reasoning after it. `_judge_prompts.parse_verdict` reads that robustly (case, markdown, "Verdict:"
prefixes, NOT SUPPORTED / HALLUCINATED / YES / NO spellings, Japanese 「支持されない」…).
A reply that cannot be read, or a judge call that fails, is never a pass: `Judge.verdict`
raises `ScoringCallFailed`, and the engine records the case as an error
(`error_kind` "judge-unreadable" / "judge-error"), counted against the error budget.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from evalkit.errors import ConfigProblem, ScoringCallFailed
from evalkit.scorers._judge_prompts import (
    equivalence_request,
    grade_request,
    judge_request,
    parse_equivalence,
    parse_grade,
    parse_verdict,
)
from evalkit.values import Pricing, Request, ScorerConfig, ScoringInput, Suite

__all__ = [
    "JudgeConfig",
    "Judge",
    "JudgeClients",
    "runner_judge",
    "wants_judge",
    "judge_usage",
    "with_runner_options",
]


@dataclass(frozen=True, slots=True)
class JudgeConfig:
    """`client` is a client spec resolved against the suite's folder; `mode` "add" makes
    an UNSUPPORTED verdict one more reason to fail (the lexical layers still apply);
    "decide" lets the judge's verdict replace the claims and specifics layers; "verify"
    asks the judge only about outputs the claims/specifics layers flag, and a SUPPORTED
    verdict clears those findings (a precision filter: one call per flagged output).
    `pricing` is the judge model's price per million tokens (None: its cost is not
    estimated); a runner's `--judge` naming another client drops it (`runner_judge`)."""

    client: str
    mode: str = "add"
    options: Mapping[str, Any] = field(default_factory=dict)
    pricing: Pricing | None = None

    @staticmethod
    def parse(value: Any) -> JudgeConfig | None:
        if value is None or value is False:
            return None
        if isinstance(value, str):
            return JudgeConfig(client=value)
        if isinstance(value, Mapping) and "client" not in value:
            raise ConfigProblem(
                "judge.client",
                "no client: nothing says which model judges",
                'give one (client: "openai:gpt-4o-mini"), or leave it to the runner: '
                "`evalkit run --judge SPEC` chooses the client of every judge",
            )
        if not isinstance(value, Mapping) or not isinstance(value.get("client"), str):
            raise ConfigProblem(
                "judge",
                f"expected a client spec or a mapping with 'client', got {value!r}",
                'e.g. judge: {client: "replay:judge.jsonl"}, or leave the client to the '
                "runner: `evalkit run --judge SPEC` chooses it for every judge",
            )
        unknown = sorted(set(value) - {"client", "mode", "options", "pricing"})
        if unknown:
            raise ConfigProblem(
                f"judge.{unknown[0]}", "unknown setting", "known: client, mode, options, pricing"
            )
        mode = value.get("mode", "add")
        if mode not in ("add", "decide", "verify"):
            raise ConfigProblem("judge.mode", f"expected add, decide or verify, got {mode!r}")
        options = value.get("options", {})
        if not isinstance(options, Mapping):
            raise ConfigProblem("judge.options", f"expected a mapping, got {options!r}")
        return JudgeConfig(
            client=value["client"],
            mode=mode,
            options=dict(options),
            pricing=_pricing(value.get("pricing")),
        )


def _pricing(raw: Any) -> Pricing | None:
    """A judge's `pricing` mapping (as the suite's own `pricing`), checked."""
    if raw is None:
        return None
    expected = "e.g. pricing: {input_per_million: 0.15, output_per_million: 0.60, currency: USD}"
    if not isinstance(raw, Mapping):
        raise ConfigProblem("judge.pricing", f"expected a mapping, got {raw!r}", expected)
    unknown = sorted(set(raw) - {"input_per_million", "output_per_million", "currency"})
    if unknown:
        raise ConfigProblem(f"judge.pricing.{unknown[0]}", "unknown setting", expected)
    prices = []
    for name in ("input_per_million", "output_per_million"):
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ConfigProblem(
                f"judge.pricing.{name}", f"expected a number ≥ 0, got {value!r}", expected
            )
        prices.append(float(value))
    currency = raw.get("currency", "USD")
    if not isinstance(currency, str) or not currency:
        raise ConfigProblem("judge.pricing.currency", f"expected a currency code, got {currency!r}")
    return Pricing(prices[0], prices[1], currency)


# Client options that say where requests go and which key they carry (as
# `evalkit.clients.trust.RUNNER_ONLY`): with the runner's `--judge`, a suite's are not used.
_RUNNER_ONLY = ("base_url", "api_key_env")


def wants_judge(config: ScorerConfig) -> bool:
    """Whether the metric asks a judge: a `judge:` setting, or a method that is one
    (accuracy and consistency `method: judge`, a rubric)."""
    if config.params.get("judge") not in (None, False):
        return True
    return config.method == "rubric" or (
        config.method == "judge" and config.metric in ("accuracy", "consistency")
    )


def runner_judge(
    config: ScorerConfig,
    spec: str | None,
    options: Mapping[str, Any],
    pricing: Mapping[str, Any] | None = None,
) -> ScorerConfig:
    """`config` with the runner's judge: `spec` (`--judge`, None: the suite's own client)
    as the client of its judge, `options` (`--judge-base-url`, `--judge-api-key-env`)
    over the judge's own `options`, and `pricing` (`--judge-pricing`) as its `pricing`.
    A metric that asks no judge (`wants_judge`) is left alone: the runner chooses which
    model judges, the suite whether one does.

    With `spec`, the suite's `base_url` and `api_key_env` for its judge are dropped (the
    runner chose the client; a suite cannot redirect it), and so is its `pricing` unless
    it names that same client (else it prices another model)."""
    if not (spec or options or pricing) or not wants_judge(config):
        return config
    raw = config.params.get("judge")
    judge: dict[str, Any] = (
        {"client": raw} if isinstance(raw, str) else dict(raw) if isinstance(raw, Mapping) else {}
    )
    own = judge.get("options")
    own = dict(own) if isinstance(own, Mapping) else {}
    if spec is not None:
        if judge.get("client") != spec:
            judge.pop("pricing", None)
        judge["client"] = spec
        own = {k: v for k, v in own.items() if k not in _RUNNER_ONLY}
    merged = {**own, **options}
    if merged or "options" in judge:
        judge["options"] = merged
    if pricing:
        judge["pricing"] = dict(pricing)
    return ScorerConfig(config.metric, config.method, {**config.params, "judge": judge})


class JudgeClients:
    """The judge clients of one run, shared by every `Judge` in it: one client per spec,
    folder and options, wrapped by `wrap` (the run's cache and `--judge-record`), so that
    judges of several metrics asking the same model share its connections and limits and
    write one recording. Closed once, by the pipeline, when the run ends."""

    def __init__(self, wrap: Callable[[Any], Any] | None = None) -> None:
        self.wrap = wrap
        self._clients: dict[tuple[str, str | None, str, str], Any] = {}

    def get(self, settings: Any) -> Any:
        import json

        from evalkit.clients import build_client

        key = (
            settings.name,
            settings.arg,
            str(settings.base_dir),
            json.dumps(settings.options, sort_keys=True, default=str),
        )
        if key not in self._clients:
            client = build_client(settings)
            self._clients[key] = self.wrap(client) if self.wrap is not None else client
        return self._clients[key]

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


class Judge:
    """Builds its client lazily (relative paths resolve against the first suite's folder)
    and caches it per folder; from `shared` (the run's `JudgeClients`) when the pipeline
    set it, which then closes them."""

    def __init__(self, config: JudgeConfig) -> None:
        self.config = config
        self._clients: dict[str, Any] = {}
        self.shared: JudgeClients | None = None
        # Usage of this judge's calls, reported apart from the model's (`judge_usage`).
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.token_reports = 0

    def client(self, item: ScoringInput) -> Any:
        from evalkit.clients import build_client, parse_spec

        key = str(item.suite.base_dir)
        if key not in self._clients:
            settings = parse_spec(
                self.config.client, item.suite.base_dir, dict(self.config.options)
            )
            shared = self.shared
            self._clients[key] = shared.get(settings) if shared else build_client(settings)
        return self._clients[key]

    async def aclose(self) -> None:
        """Close the clients this judge built (HTTP sessions); shared ones are the
        pipeline's to close."""
        clients, self._clients = list(self._clients.values()), {}
        if self.shared is not None:
            return
        for client in clients:
            await client.aclose()

    async def _ask(self, item: ScoringInput, index: int, request: Request) -> str:
        """The judge's reply text; raises `ScoringCallFailed` when the call fails."""
        client = self.client(item)
        done = client.complete_now(request)
        completion = done if done is not None else await client.complete(request)
        self.calls += 1
        if completion.input_tokens is not None or completion.output_tokens is not None:
            self.token_reports += 1
            self.input_tokens += completion.input_tokens or 0
            self.output_tokens += completion.output_tokens or 0
        if completion.error is not None or completion.output is None:
            raise ScoringCallFailed(
                f"judge ({self.config.client}) failed on {_label(item, index)}: "
                f"{completion.error or 'no output'}",
                "judge-error",
            )
        return str(completion.output)

    def _unreadable(self, item: ScoringInput, index: int, reply: str, expected: str) -> NoReturn:
        flat = " ".join(reply.split())
        shown = flat if len(flat) <= 160 else flat[:159] + "…"
        raise ScoringCallFailed(
            f"judge ({self.config.client}) reply on {_label(item, index)} cannot be read: "
            f"expected {expected} on its first line, got {shown!r}",
            "judge-unreadable",
        )

    async def verdict(
        self, item: ScoringInput, index: int, knowledge: str, question: str
    ) -> dict[str, Any]:
        """{"verdict": "supported"|"unsupported", "reasoning": str}. Raises
        `ScoringCallFailed` when the call fails or the reply has no readable verdict."""
        reply = await self._ask(item, index, judge_request(item, index, knowledge, question))
        supported, reasoning = parse_verdict(reply)
        if supported is None:
            self._unreadable(item, index, reply, "SUPPORTED or UNSUPPORTED")
        return {"verdict": "supported" if supported else "unsupported", "reasoning": reasoning}

    async def grade(
        self, item: ScoringInput, index: int, question: str, references: list[str], context: str
    ) -> dict[str, Any]:
        """{"grade": "correct"|"partial"|"incorrect", "reasoning": str}; raises as `verdict`."""
        request = grade_request(item, index, question, references, context)
        reply = await self._ask(item, index, request)
        grade, reasoning = parse_grade(reply)
        if grade is None:
            self._unreadable(item, index, reply, "CORRECT, PARTIAL or INCORRECT")
        return {"grade": grade, "reasoning": reasoning}

    async def equivalence(
        self, item: ScoringInput, outputs: list[str], question: str
    ) -> tuple[list[list[int]], str]:
        """(groups of indices into `outputs`, reasoning); raises as `verdict`."""
        reply = await self._ask(item, 0, equivalence_request(item, outputs, question))
        groups, reasoning = parse_equivalence(reply, len(outputs))
        if groups is None:
            self._unreadable(item, 0, reply, 'a JSON object {"groups": [[1, 2], [3]]}')
        return groups, reasoning


def judge_usage(scorers: Sequence[Any]) -> dict[str, Any] | None:
    """The judge calls of a run's scorers and their token counts, for the summary's `run`
    block apart from the model's `tokens`; None when no scorer has a judge. `input` and
    `output` are None when no judge reply reported usage (a replay file records none).
    Each call is counted once: scorers that share a reply (rubrics) made one call.

    `cost`: per currency, the estimate from the judges' `pricing` and the tokens their
    replies reported (`{"total", "calls"}`, the calls priced); empty when no judge has
    pricing or none reported usage. Replies from the cache count as if made, as the
    model's cost does: it says what judging these cases costs."""
    judges = [j for s in scorers if isinstance(j := getattr(s, "judge", None), Judge)]
    if not judges:
        return None
    reported = any(j.token_reports for j in judges)
    cost: dict[str, dict[str, Any]] = {}
    for j in judges:
        price = j.config.pricing
        if price is None or not j.token_reports:
            continue
        entry = cost.setdefault(price.currency, {"total": 0.0, "calls": 0})
        entry["total"] += price.cost(j.input_tokens, j.output_tokens)
        entry["calls"] += j.calls
    return {
        "calls": sum(j.calls for j in judges),
        "input": sum(j.input_tokens for j in judges) if reported else None,
        "output": sum(j.output_tokens for j in judges) if reported else None,
        "cost": dict(sorted(cost.items())),
    }


def _label(item: ScoringInput, index: int) -> str:
    return item.labels[index] if index < len(item.labels) else f"sample {index}"


def with_runner_options(
    suite: Suite,
    options: Mapping[str, Any],
    spec: str | None = None,
    pricing: Mapping[str, Any] | None = None,
) -> Suite:
    """`suite` with the runner's judge (`runner_judge`) for every metric that asks one:
    `--judge SPEC` as its client, `--judge-base-url` / `--judge-api-key-env` over its
    `options`, `--judge-pricing` as its `pricing`. Idempotent (the loader applies it, and the
    pipeline again).

    Why flags of their own rather than `--client` / `--base-url`: the judge is usually a
    different model than the one evaluated, often on another server (the model on a local
    vLLM, the judge at a hosted API), so the model's server or key must not silently
    become the judge's."""
    if not options and spec is None and not pricing:
        return suite
    scorers = {m: runner_judge(c, spec, options, pricing) for m, c in suite.scorers.items()}
    return replace(suite, scorers=scorers)
