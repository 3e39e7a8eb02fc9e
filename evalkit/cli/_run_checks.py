"""What `evalkit run` reads and checks before anything runs: the judge's flags, the replay
files, the baseline, the subset, the reviews, and the flags its worker processes get. Each
problem is a usage error (exit 2) that names the flag, so no request is sent for a run
that would fail."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

__all__ = [
    "check_baseline",
    "parse_judge_pricing",
    "preflight",
    "read_reviews",
    "runner_judge_spec",
    "selects_any",
    "subset_and_judge",
    "subset_text",
    "worker_flags",
]


def parse_judge_pricing(value: str | None) -> dict[str, Any] | None:
    """`IN,OUT[,CURRENCY]` (prices per million tokens, ≥ 0) → a `pricing` mapping."""
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",")]
    try:
        if len(parts) not in (2, 3) or (len(parts) == 3 and not parts[2]):
            raise ValueError
        prices = [float(p) for p in parts[:2]]
        if not all(p >= 0 and p != float("inf") for p in prices):
            raise ValueError
    except ValueError:
        raise click.BadParameter(
            f"expected IN,OUT[,CURRENCY]: the price per million input and output tokens, "
            f"numbers ≥ 0 (e.g. 0.15,0.60 or 15,60,JPY), got {value!r}",
            param_hint="--judge-pricing",
        ) from None
    currency = parts[2] if len(parts) == 3 else "USD"
    return {"input_per_million": prices[0], "output_per_million": prices[1], "currency": currency}


def runner_judge_spec(spec: str | None) -> str | None:
    """`--judge SPEC` with a relative `replay:` path made absolute (against the current
    directory, as `--client`'s): the judge's client is built against each suite's folder,
    and `--workers` processes must read the same file."""
    if spec is None:
        return None
    name, sep, arg = spec.partition(":")
    if name.strip() == "replay" and sep and arg and not Path(arg).is_absolute():
        return f"replay:{Path(os.path.normpath(Path.cwd() / arg))}"
    return spec


def preflight(
    suites: Any, client_spec: str | None, record: Path | None, judge: str | None = None
) -> None:
    """Refuse, before anything runs, replay files that do not exist (naming the suite)."""
    from evalkit.errors import UsageError
    from evalkit.run.preflight import missing_replay_files

    if record is not None and client_spec is None:
        return  # recording from the suites' client: the replay file is what gets written
    problems = missing_replay_files(suites, client_spec, judge)
    if problems:
        raise UsageError("\nerror: ".join(problems))


def check_baseline(baseline: Path) -> None:
    """Read and check the `--baseline` result whole — its summary and every row, with the
    readers' file:line messages — before any request is sent: a typo or a damaged file
    found after the run would have cost the whole run's calls."""
    from evalkit.errors import ResultError, UsageError
    from evalkit.results.reader import iter_case_rows, load_summary, resolve

    try:
        paths = resolve(baseline)
        load_summary(paths.summary)
        if paths.cases is not None:
            for _ in iter_case_rows(paths.cases):
                pass
    except ResultError as exc:
        raise UsageError(f"--baseline: {exc}\nnothing was run") from exc


def subset_and_judge(
    case_ids: tuple[str, ...],
    tags: tuple[str, ...],
    limit: int | None,
    judge_base_url: str | None,
    judge_api_key_env: str | None,
    workers: int | None,
    shard: tuple[int, int] | None,
) -> tuple[Any, dict[str, Any]]:
    """The run's `Subset` and the judge's client settings, checked."""
    from evalkit.clients.trust import safe_url, url_problem
    from evalkit.run.subset import Subset

    subset = Subset(limit, frozenset(tags), frozenset(case_ids))
    if subset and ((workers or 1) > 1 or shard is not None):
        raise click.UsageError(
            "--case, --tag and --limit cannot be combined with --workers or --shard"
        )
    # The key that goes with the judge's URL is named by --judge-api-key-env, not --api-key-env.
    problem = (
        url_problem(judge_base_url, key_flag="--judge-api-key-env") if judge_base_url else None
    )
    if judge_base_url and problem:
        raise click.BadParameter(
            f"{safe_url(judge_base_url)}: {problem}", param_hint="--judge-base-url"
        )
    judge: dict[str, Any] = {}
    if judge_base_url:
        judge["base_url"] = judge_base_url
    if judge_api_key_env:
        judge["api_key_env"] = judge_api_key_env
    return subset, judge


def selects_any(suites: Any, subset: Any) -> bool:
    """Whether `subset` keeps at least one case of `suites` (reads up to the first match;
    a `cases_from` file is streamed, not held)."""
    matched: set[str] = set()
    return any(
        next(subset.select(suite.name, suite.cases, matched), None) is not None for suite in suites
    )


def subset_text(subset: Any) -> str:
    parts = [f"--case {c}" for c in sorted(subset.cases)]
    parts += [f"--tag {t}" for t in sorted(subset.tags)]
    if subset.limit is not None:
        parts.append(f"--limit {subset.limit}")
    return " ".join(parts)


def read_reviews(files: tuple[Path, ...]) -> tuple[dict[str, Any], ...]:
    """The `--reviews` files read and checked whole before any request is sent (exit 2
    listing every problem): a typo in a sheet found after the run would cost its calls."""
    if not files:
        return ()
    from evalkit.review.rerun import read_review_files

    return tuple(read_review_files(files))


def worker_flags(options: dict[str, object], no_resume: bool, trust_suites: bool) -> list[str]:
    """The command-line flags each `--workers` process gets: the runner's `options` (flag →
    value, None: not given), `--no-resume`, `--trust-suites`."""
    flags = [str(x) for flag, value in options.items() if value is not None for x in (flag, value)]
    if no_resume:
        flags.append("--no-resume")
    if trust_suites:
        flags.append("--trust-suites")
    return flags
