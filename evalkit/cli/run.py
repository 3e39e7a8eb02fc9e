"""`evalkit run PATH...` — run suites, print the verdict table, exit with the verdict's code.

The command resolves its options once, chooses where the cases run
(`evalkit.run.executors`), runs, and hands the outcome to `_run_report`; the checks made
before anything runs are in `_run_checks`. Size (over 400 lines): most of it is the
click options, one per flag, which belong beside the command they configure."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from evalkit.cli import echo_err
from evalkit.cli._lang import lang_option

__all__ = ["command", "default_out_dir", "parse_shard"]


def parse_shard(value: str | None) -> tuple[int, int] | None:
    """`I/N` with 1 ≤ I ≤ N → (I, N)."""
    if value is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise click.BadParameter(
            f"expected I/N with 1 ≤ I ≤ N (e.g. 2/4), got {value!r}", param_hint="--shard"
        )
    return int(m.group(1)), int(m.group(2))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "run"


def default_out_dir(
    paths: tuple[str, ...], client: str | None, shard: tuple[int, int] | None
) -> Path:
    """`results/<paths>[--<client>][--shard-I-of-N]`: the same arguments give the same
    folder, which is what lets a re-run resume an interrupted one."""
    name = "+".join(_slug(Path(p).stem or Path(p).resolve().name) for p in paths)
    if client:
        name += "--" + _slug(client)
    if shard:
        name += f"--shard-{shard[0]}-of-{shard[1]}"
    return Path("results") / name


def _subset_dir(out: Path, subset: Any) -> Path:
    """The default result folder of a subset run is its own (`…--tag-billing`), so a
    quick look at a few cases never overwrites, or resumes, the whole run's folder."""
    return out.with_name(f"{out.name}--{_slug(subset.slug())}") if subset else out


@click.command(name="run")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--client",
    "client_spec",
    metavar="SPEC",
    help="Client for every suite, overriding their own: replay:FILE.jsonl, openai:MODEL, "
    "anthropic:MODEL, command:CMD, or NAME[:ARG] for a plugin.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Result folder (default: results/<paths>[--<client>]).",
)
@click.option(
    "--samples", type=click.IntRange(min=1), help="Samples per case, overriding the suites'."
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    help="Requests in flight at once (default: the suite's client_options.concurrency, else 8).",
)
@click.option(
    "--rpm",
    type=click.FloatRange(min=0, min_open=True),
    help="Requests-per-minute limit for HTTP clients.",
)
@click.option(
    "--tpm",
    type=click.FloatRange(min=0, min_open=True),
    help="Tokens-per-minute limit for HTTP clients.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to spread the cases over on this machine (CPU-bound scoring uses one core "
    "each); results equal a one-process run's. Default: one per core (up to 4) for a replayed "
    "run of 50,000+ cases from JSONL files, else 1.",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Where cases run: this process, or a Ray cluster (needs `pip install 'evalkit[ray]'`; "
    "for CPU-heavy scorers or local models, not API-bound runs).",
)
@click.option(
    "--ray-address",
    metavar="HOST:PORT",
    help="With --executor ray: the cluster's head address (default: start a local cluster).",
)
@click.option(
    "--shard",
    "shard_text",
    metavar="I/N",
    help="Run only a deterministic 1/N slice of every suite.",
)
@click.option("--base-url", help="Base URL for HTTP clients (OpenAI-compatible servers).")
@click.option(
    "--trust-suites",
    is_flag=True,
    envvar="EVALKIT_TRUST_SUITES",
    help="Let suite files run programs (command clients and judges), read files outside their "
    "project and choose where a key is sent (see the README's Trust section). Also: "
    "EVALKIT_TRUST_SUITES=1.",
)
@click.option("--api-key-env", metavar="VAR", help="Environment variable holding the API key.")
@click.option("--timeout", type=click.FloatRange(min=0.1), help="Per-request timeout in seconds.")
@click.option(
    "--no-resume", is_flag=True, help="Start over instead of resuming an interrupted run in --out."
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 instead of the verdict's 10 or 20. Never hides a --fail-on gate (3), a "
    "broken run (4) or stale recordings (2).",
)
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="On-disk cache of model outputs (keyed by client, model, parameters, prompt and sample index).",
)
@click.option(
    "--record",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every output to this replay file (with prompt_sha256), so CI can replay without keys.",
)
@click.option(
    "--rerecord-stale",
    is_flag=True,
    help="With --record: call the model only for cases whose recording is missing or stale.",
)
@click.option(
    "--junit",
    "junit_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write JUnit XML: one testcase per case × metric.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="After the run, diff against this result and apply --fail-on (exit 3 when it triggers).",
)
@click.option(
    "--reviews",
    "review_files",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Reviews to keep: a filled review sheet (CSV), a result's reviews.jsonl, or a result "
    "folder; repeatable. Added to OUT/reviews.jsonl; reviews of outputs this run changed are "
    'stale and not used (README "Human review").',
)
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    type=click.Choice(["regression", "verdict-drop", "any-flip"]),
    help="With --baseline: the condition that fails the run (repeatable; default verdict-drop).",
)
@click.option(
    "--case",
    "case_ids",
    multiple=True,
    metavar="ID",
    help="Run only this case (its id, or SUITE/ID); repeatable.",
)
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", help="Run only cases with this tag; repeatable."
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Run only the first N cases of each suite (after --case / --tag).",
)
@click.option(
    "--judge",
    "judge_spec",
    metavar="SPEC",
    help="Client of every judge of the run (the metrics that ask one), overriding the "
    "suites' own: e.g. openai:gpt-4o-mini, or replay:FILE.jsonl of recorded judge replies. "
    "Never takes --base-url or --api-key-env: give --judge-base-url / --judge-api-key-env.",
)
@click.option(
    "--judge-pricing",
    metavar="IN,OUT[,CURRENCY]",
    help="Price of the judge model per million input and output tokens (e.g. 0.15,0.60 or "
    "15,60,JPY): the judges' cost is estimated apart from the model's (run.judge_tokens.cost).",
)
@click.option(
    "--judge-record",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every judge reply to this replay file, so CI can replay the judge "
    "(--judge replay:FILE) without keys.",
)
@click.option(
    "--judge-base-url",
    metavar="URL",
    help="Base URL for the judges' client (over their `options.base_url`); "
    "--base-url is the evaluated model's, which is often on another server.",
)
@click.option(
    "--judge-api-key-env",
    metavar="VAR",
    help="Environment variable holding the judge client's API key.",
)
@lang_option
def command(
    paths: tuple[str, ...],
    client_spec: str | None,
    out_dir: Path | None,
    samples: int | None,
    concurrency: int | None,
    rpm: float | None,
    tpm: float | None,
    workers: int,
    executor: str,
    ray_address: str | None,
    shard_text: str | None,
    base_url: str | None,
    trust_suites: bool,
    api_key_env: str | None,
    timeout: float | None,
    no_resume: bool,
    exit_zero: bool,
    no_progress: bool,
    cache_dir: Path | None,
    record: Path | None,
    rerecord_stale: bool,
    junit_file: Path | None,
    baseline: Path | None,
    fail_on: tuple[str, ...],
    case_ids: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
    limit: int | None = None,
    judge_base_url: str | None = None,
    judge_api_key_env: str | None = None,
    review_files: tuple[Path, ...] = (),
    lang: str | None = None,
    judge_spec: str | None = None,
    judge_record: Path | None = None,
    judge_pricing: str | None = None,
) -> int:
    """Run the suites in PATH... (suite files or folders of suites).

    Without --client each suite uses its own `client:`. Writes OUT/summary.json and
    OUT/cases.jsonl, prints a table per PoC, and exits 0 (continue), 10 (redesign) or
    20 (stop) — the worst verdict — unless --exit-zero; 3 when a --fail-on gate triggers,
    4 when every case of a suite ended in a client error (a broken run, not a verdict).
    """
    from evalkit._i18n import say
    from evalkit.cli._lang import suites_language
    from evalkit.cli._run_checks import (
        check_baseline,
        parse_judge_pricing,
        preflight,
        read_reviews,
        runner_judge_spec,
        selects_any,
        subset_and_judge,
        subset_text,
        worker_flags,
    )
    from evalkit.cli._run_report import progress_bar, report_run
    from evalkit.clients.trust import Trust, safe_url, url_problem
    from evalkit.run.executors import WorkerProcesses, choose_executor
    from evalkit.run.options import RunOptions, WorkerStopped
    from evalkit.suite.case_files import worker_slice

    shard = parse_shard(shard_text)
    problem = url_problem(base_url, key_flag="--api-key-env") if base_url else None
    if base_url and problem:
        raise click.BadParameter(f"{safe_url(base_url)}: {problem}", param_hint="--base-url")
    if executor == "ray" and (record is not None or (workers or 1) > 1):
        raise click.UsageError("--executor ray cannot be combined with --record or --workers")
    if ray_address is not None and executor != "ray":
        raise click.UsageError("--ray-address needs --executor ray")
    if (workers or 1) > 1 and (shard is not None or record is not None):
        raise click.UsageError("--workers cannot be combined with --shard or --record")
    if fail_on and baseline is None:
        raise click.UsageError("--fail-on needs --baseline RESULT to compare against")
    if baseline is not None:
        check_baseline(baseline)
    reviews = read_reviews(review_files)
    subset, judge_options = subset_and_judge(
        case_ids, tags, limit, judge_base_url, judge_api_key_env, workers, shard
    )
    judge_spec = runner_judge_spec(judge_spec)
    judge_price = parse_judge_pricing(judge_pricing)
    if judge_record is not None and ((workers or 1) > 1 or executor == "ray"):
        raise click.UsageError("--judge-record cannot be combined with --workers or --executor ray")
    runner = {"base_url": base_url, "api_key_env": api_key_env}
    trust = Trust(
        trust_suites,
        client_spec,
        {k: v for k, v in runner.items() if v},
        judge_options,
        judge=judge_spec,
    )
    # Workers load the suites again: they must check them with the same choices.
    flags = worker_flags(
        {
            "--client": client_spec,
            "--samples": samples,
            "--concurrency": concurrency,
            "--rpm": rpm,
            "--tpm": tpm,
            "--base-url": base_url,
            "--api-key-env": api_key_env,
            "--timeout": timeout,
            "--cache": cache_dir,
            "--judge": judge_spec,  # replay paths made absolute: the same file in every worker
            "--judge-pricing": judge_pricing,
            "--judge-base-url": judge_base_url,
            "--judge-api-key-env": judge_api_key_env,
        },
        no_resume,
        trust_suites,
    )
    worker = worker_slice()  # the one read of EVALKIT_SLICE: worker K of N of `run --workers`
    loaded, chosen = choose_executor(
        paths,
        trust,
        workers=workers,
        ray=executor == "ray",
        ray_address=ray_address,
        client=client_spec,
        one_process=bool(shard or record or judge_record or subset),
        worker=worker,
        flags=flags,
    )
    for warning in loaded.warnings:
        echo_err(str(warning))
    preflight(loaded.suites, client_spec, record, judge_spec)
    if subset and not selects_any(loaded.suites, subset):
        # Decided before the pipeline writes the result folder: an empty selection leaves
        # no folder (or an existing --out untouched) and sends no request.
        echo_err(
            f"error: no case matches {subset_text(subset)} in {', '.join(paths)}; "
            "`evalkit validate` lists the suites, and each case's id and tags are in the suite"
        )
        return 2
    options = RunOptions(
        out_dir=out_dir or _subset_dir(default_out_dir(paths, client_spec, shard), subset),
        client=client_spec,
        client_options=_client_options(concurrency, rpm, tpm, base_url, api_key_env, timeout),
        samples=samples,
        concurrency=concurrency,
        shard=shard,
        resume=not no_resume,
        cache_dir=cache_dir,
        record=record,
        rerecord_stale=rerecord_stale,
        judge_options=judge_options,
        judge=judge_spec,
        judge_pricing=judge_price,
        judge_record=judge_record,
        subset=subset or None,
        worker=worker,
    )
    if rerecord_stale and record is None:
        raise click.UsageError("--rerecord-stale needs --record FILE")
    if isinstance(chosen, WorkerProcesses):
        echo_err(say("op_workers", suites_language(lang, loaded.suites), n=chosen.count))
    bar = progress_bar(loaded.suites, shard, no_progress) if chosen.shows_progress else None
    try:
        outcome = chosen.run(loaded.suites, options, progress=bar.update_one if bar else None)
    except WorkerStopped as stopped:  # a worker has printed the problems it found
        return stopped.code
    except KeyboardInterrupt:
        if bar:
            bar.close()
        if worker is not None:  # a --workers worker: its parent tells the user
            return 130
        echo_err(say("op_interrupted", suites_language(lang, loaded.suites), out=options.out_dir))
        return 130
    finally:
        if bar:
            bar.close()
    if outcome.unmatched:
        language = suites_language(lang, loaded.suites)
        for case_id in outcome.unmatched:
            echo_err(say("op_unmatched_case", language, case=case_id))
    return report_run(outcome, junit_file, baseline, fail_on, exit_zero, reviews, lang)


def _client_options(
    concurrency: int | None,
    rpm: float | None,
    tpm: float | None,
    base_url: str | None,
    api_key_env: str | None,
    timeout: float | None,
) -> dict[str, object]:
    """The command line's client settings, over each suite's own."""
    options: dict[str, object] = {}
    for name, value in (("concurrency", concurrency), ("rpm", rpm), ("tpm", tpm)):
        if value is not None:
            options[name] = value
    if base_url:
        options["base_url"] = base_url
    if api_key_env:
        options["api_key_env"] = api_key_env
    if timeout:
        options["timeout_s"] = timeout
    return options
