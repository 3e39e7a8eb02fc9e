"""Semantic checks on one parsed suite file, and its conversion into a `Suite` value.

The JSON Schema has already checked shapes and types (`schema_check`); this module checks
what a schema cannot: unique case ids, template variables present in every case, metric
and client names known to the registries, scorer settings accepted by the scorer itself,
`tolerable <= stop`, consistency having something to compare; the cases themselves are
checked in `build_cases` (which reads `cases_from` sources once, streaming, to find bad
rows before a run starts). It also refuses what a suite file may not do without the
runner's opt-in (`evalkit.clients.trust`): run a program, read outside its project, choose
where a key is sent.

It runs even when the schema found errors, so one pass reports everything: each check
looks only at the parts whose types it can trust (isinstance guards), and the `Suite` is
built only when the file has no errors at all. Raw dicts end here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, cast

from evalkit.clients.trust import (
    RUNNER_ONLY,
    Trust,
    client_refusals,
)
from evalkit.common.render import placeholders
from evalkit.errors import ConfigProblem, RegistryError
from evalkit.suite.build_cases import case_source
from evalkit.suite.file_report import FileReport
from evalkit.suite.poc_keys import read_poc_keys
from evalkit.suite.positions import Path_
from evalkit.values import (
    CONSISTENCY,
    PHASES,
    REVIEW_METRICS,
    Bar,
    ModelParams,
    Phase,
    Pricing,
    Prompt,
    ScorerConfig,
    Suite,
    Threshold,
)

__all__ = ["check_and_build"]

TOLERABLE_ZERO_HINT = (
    "a zero failure rate can never be confirmed by a finite number of cases; mark the cases "
    "that must never fail critical: true, or set a small tolerable rate (e.g. 0.02) with enough cases"
)


def _num(value: Any) -> float | None:
    """A real number (not a bool), else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def check_and_build(
    report: FileReport,
    data: Mapping[str, Any],
    path: Path,
    trust: Trust | None = None,
    worker: tuple[int, int] | None = None,
) -> None:
    """Run every semantic check on `data`; set `report.suite` when the file is clean.
    `trust`: what the runner chose (see `evalkit.clients.trust`; default the strictest).
    `worker`: (K, N) in worker K of N of `run --workers` (see `case_files.prepare`)."""
    trust = trust if trust is not None else Trust()
    prompt = _prompt(data)
    names = _template_vars(prompt)
    cases, has_variants = case_source(report, data, path, names, trust, worker)
    samples = data.get("samples", 1)
    # Else the schema has reported it already; a second error about it would mislead.
    samples_ok = isinstance(samples, int) and not isinstance(samples, bool) and samples >= 1
    samples = int(samples) if _num(samples) is not None else 1
    scorers = _scorers(report, data)
    thresholds = _thresholds(report, data)
    for metric in thresholds:
        if metric not in REVIEW_METRICS:  # reviewers measure these, not a scorer
            scorers.setdefault(metric, ScorerConfig(metric))  # a bar implies the default scorer
    _build_scorers(report, scorers, path, trust, data)
    if "cost" in scorers and data.get("pricing") is None:
        report.error(
            ("thresholds", "cost") if "cost" in thresholds else ("scorers", "cost"),
            "the cost bar needs the model's prices",
            "add pricing: {input_per_million: 0.15, output_per_million: 0.60} (your model's)",
        )
    if CONSISTENCY in scorers and samples_ok and samples < 2 and not has_variants:
        where: Path_ = (
            ("thresholds", CONSISTENCY) if CONSISTENCY in thresholds else ("scorers", CONSISTENCY)
        )
        report.error(
            where,
            f"consistency needs at least 2 samples or variants, but samples is {samples} and no case has variants",
            "set samples: 3",
            key=True,
        )
    client = data.get("client")
    if isinstance(client, str) and client:
        _check_client(report, client)
    _trust_client(report, data, path, trust)
    report.name = data.get("suite") if isinstance(data.get("suite"), str) else None
    report.poc = data.get("poc") if isinstance(data.get("poc"), str) else None
    confidence = _num(data.get("confidence", 0.95))
    report.confidence = confidence if confidence is not None and 0 < confidence < 1 else None
    report.thresholds = thresholds
    phase = data.get("phase", "poc")
    report.phase = phase if phase in PHASES else None
    read_poc_keys(report, data)
    if (
        report.problems
        or prompt is None
        or cases is None
        or report.name is None
        or report.poc is None
    ):
        return
    report.suite = Suite(
        name=report.name,
        poc=report.poc,
        path=path,
        sha256="",
        prompt=prompt,
        cases=cases,
        description=str(data.get("description", "")),
        samples=samples,
        client=client if isinstance(client, str) else None,
        scorers=scorers,
        thresholds=thresholds,
        params=_params(data.get("params") or {}),
        confidence=float(data.get("confidence", 0.95)),
        error_budget=float(data.get("error_budget", 0.05)),
        critical_failure=cast(
            Literal["redesign", "stop"], data.get("critical_failure", "redesign")
        ),
        phase=cast(Phase, report.phase),
        seed=int(data.get("seed", 0)),
        pricing=_pricing(data.get("pricing")),
        language=data.get("language") if data.get("language") in ("en", "ja") else None,
        client_options=dict(data.get("client_options") or {}),
        volume_per_month=report.volume,
        budget_per_month=report.budget,
        requires=report.requires,
    )


def _pricing(raw: Any) -> Pricing | None:
    """The schema has checked the shape; absent means no cost estimate."""
    if not isinstance(raw, Mapping):
        return None
    return Pricing(
        input_per_million=float(raw["input_per_million"]),
        output_per_million=float(raw["output_per_million"]),
        currency=str(raw.get("currency", "USD")),
    )


def _prompt(data: Mapping[str, Any]) -> Prompt | None:
    raw = data.get("prompt")
    if not isinstance(raw, Mapping) or not isinstance(raw.get("template"), str):
        return None
    system = raw.get("system")
    return Prompt(template=raw["template"], system=system if isinstance(system, str) else None)


def _template_vars(prompt: Prompt | None) -> tuple[str, ...]:
    if prompt is None:
        return ()
    found = dict.fromkeys(placeholders(prompt.template))
    found.update(dict.fromkeys(placeholders(prompt.system or "")))
    return tuple(found)


def _scorers(report: FileReport, data: Mapping[str, Any]) -> dict[str, ScorerConfig]:
    from evalkit.scorers import check_metric

    raw = data.get("scorers")
    out: dict[str, ScorerConfig] = {}
    if not isinstance(raw, Mapping):
        return out
    for metric, settings in raw.items():
        if metric in REVIEW_METRICS:
            report.error(
                ("scorers", metric),
                f"{metric} is measured by human reviewers (the review sheet's "
                f"{REVIEW_METRICS[metric][0]} column), not by a scorer",
                f"remove scorers.{metric}; set its bar under thresholds.{metric} and import "
                "reviews (evalkit review import, or evalkit run --reviews)",
                key=True,
            )
            continue
        unknown = check_metric(metric, settings)  # a name of the suite's own: a rubric
        if unknown:
            report.error(("scorers", metric), unknown, key=True)
            continue
        if settings is None:
            settings = {}
        if not isinstance(settings, Mapping):
            continue  # the schema reported it
        method = settings.get("method")
        params = {k: v for k, v in settings.items() if k != "method"}
        out[metric] = ScorerConfig(metric, method if isinstance(method, str) else None, params)
    return out


def _build_scorers(
    report: FileReport,
    scorers: dict[str, ScorerConfig],
    path: Path,
    trust: Trust,
    data: Mapping[str, Any],
) -> None:
    """Let each scorer validate its own settings (it knows its methods and parameters).
    ImportError is not caught: a built-in scorer module that fails to import is a bug.
    The runner's judge (`--judge` and its options) is laid over `scorers` in place first.
    A judge's client is chosen by the suite whatever the runner's `--client`: checked
    like a suite's own client."""
    from evalkit.scorers import build_scorer

    for metric, config in list(scorers.items()):
        if trust.judge is not None or trust.judge_options:
            # The runner's judge, before the scorer checks its settings: a suite may leave
            # the judge's client to the runner (`judge: {mode: verify}`, a rubric without
            # `judge`), and the runner's choices are not the suite's to be refused.
            from evalkit.scorers._judge import runner_judge

            config = scorers[metric] = runner_judge(config, trust.judge, trust.judge_options)
        try:
            scorer = build_scorer(config)
        except ConfigProblem as exc:
            report.error(("scorers", metric, exc.field), exc.message, exc.hint)
            continue
        except RegistryError as exc:
            report.error(("scorers", metric), str(exc), key=True)
            continue
        if not trust.suites and trust.judge is None:
            _trust_judge(report, metric, scorer, path, data, trust)


def _trust_judge(
    report: FileReport,
    metric: str,
    scorer: Any,
    path: Path,
    data: Mapping[str, Any],
    trust: Trust,
) -> None:
    from evalkit.scorers._judge import Judge

    judge = getattr(scorer, "judge", None)
    if not isinstance(judge, Judge):
        return
    scorers = data.get("scorers")
    raw = scorers.get(metric) if isinstance(scorers, Mapping) else None
    here: Path_ = ("scorers", metric, "judge")
    if isinstance(raw, Mapping) and isinstance(raw.get("judge"), Mapping):
        here = (*here, "client")
    refusals = client_refusals(
        judge.config.client,
        judge.config.options,
        path,
        runner_options=trust.judge_options,
        judge=True,
    )
    for refusal in refusals:
        where = here if refusal.option is None else (*here[:3], "options", refusal.option)
        report.error(where, f"{_ACTION} {refusal.message}", refusal.hint)


_ACTION = "refused (a suite file is untrusted input):"


def _trust_client(report: FileReport, data: Mapping[str, Any], path: Path, trust: Trust) -> None:
    """Refuse what the suite's own client would do without the opt-in; with the runner's
    `--client`, say that the suite's `base_url`/`api_key_env` are not used."""
    client = data.get("client")
    options = data.get("client_options")
    if not isinstance(options, Mapping):
        options = {}
    if trust.client is not None:
        for name in RUNNER_ONLY:
            if name in options and name not in trust.options:
                report.warn(
                    ("client_options", name),
                    f"not used: --client on the command line chooses the client, and the "
                    f"suite's {name} with it",
                    f"give --{name.replace('_', '-')} on the command line to choose it",
                )
        return
    if trust.suites or not isinstance(client, str) or not client:
        return
    for refusal in client_refusals(client, options, path, runner_options=trust.options):
        where: Path_ = ("client",) if refusal.option is None else ("client_options", refusal.option)
        report.error(where, f"{_ACTION} {refusal.message}", refusal.hint)


def _thresholds(report: FileReport, data: Mapping[str, Any]) -> dict[str, Threshold]:
    from evalkit.scorers import check_metric

    raw = data.get("thresholds")
    scorers = data.get("scorers")
    out: dict[str, Threshold] = {}
    if not isinstance(raw, Mapping):
        return out
    for metric, spec in raw.items():
        here: Path_ = ("thresholds", metric)
        own = scorers.get(metric) if isinstance(scorers, Mapping) else None
        unknown = None if metric in REVIEW_METRICS else check_metric(metric, own)
        if unknown:
            report.error(here, unknown, key=True)
            continue
        bar = _bar(report, here, spec)
        if bar is None:
            continue
        by_tag: dict[str, Bar] = {}
        tags = spec.get("by_tag")
        if metric in REVIEW_METRICS and tags is not None:
            report.error(
                (*here, "by_tag"),
                f"{metric} has no per-tag bars: reviewers' answers are counted over all the "
                "PoC's reviewed cases",
                f"remove thresholds.{metric}.by_tag",
                key=True,
            )
            tags = None
        if isinstance(tags, Mapping):
            for tag, tag_spec in tags.items():
                tag_bar = _bar(report, (*here, "by_tag", tag), tag_spec)
                if tag_bar is not None:
                    by_tag[tag] = tag_bar
        out[metric] = Threshold(bar, by_tag)
    return out


def _bar(report: FileReport, here: Path_, spec: Any) -> Bar | None:
    if not isinstance(spec, Mapping):
        return None
    tolerable, stop = _num(spec.get("tolerable")), _num(spec.get("stop"))
    if tolerable is None or stop is None or not (0 <= tolerable <= 1 and 0 <= stop <= 1):
        return None  # the schema reported it
    if tolerable > stop:
        report.error(
            (*here, "tolerable"),
            f"expected tolerable <= stop, got tolerable {tolerable:g} above stop {stop:g}",
            "tolerable is the bar for continue, stop the (higher) failure rate that stops the PoC",
        )
        return None
    if tolerable == 0:
        report.warn(
            (*here, "tolerable"),
            "tolerable: 0 can never be confirmed (the interval's upper bound is always above 0)",
            TOLERABLE_ZERO_HINT,
        )
    return Bar(tolerable, stop)


def _check_client(report: FileReport, spec: str) -> None:
    from evalkit.clients import REGISTRY

    name = spec.partition(":")[0].strip()
    if not name:
        report.error(
            ("client",),
            f"expected a client spec NAME[:ARG], got {spec!r}",
            "e.g. replay:fixtures/x.jsonl",
        )
        return
    unknown = REGISTRY.check(name)
    if unknown:
        report.error(("client",), unknown)


def _params(raw: Mapping[str, Any]) -> ModelParams:
    stop = raw.get("stop", ())
    return ModelParams(
        temperature=_num(raw.get("temperature")),
        top_p=_num(raw.get("top_p")),
        max_tokens=int(raw["max_tokens"]) if _num(raw.get("max_tokens")) is not None else None,
        stop=(stop,) if isinstance(stop, str) else tuple(stop),
        seed=int(raw["seed"]) if _num(raw.get("seed")) is not None else None,
    )
