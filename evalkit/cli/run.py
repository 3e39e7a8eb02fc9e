"""`evalkit run PATH...` — run suites, print the verdict table, exit with the verdict's code."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from evalkit.cli import echo_err, echo_out
from evalkit.cli._lang import lang_option
from evalkit.values import Verdict

__all__ = ["command", "default_out_dir", "parse_judge_pricing", "parse_shard", "runner_judge_spec"]


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
    from evalkit.clients.trust import Trust, safe_url, url_problem
    from evalkit.run.pipeline import RunOptions, run
    from evalkit.suite.loader import load_suites

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
        _check_baseline(baseline)
    reviews = _read_reviews(review_files)
    subset, judge_options = _subset_and_judge(
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
    forwarded: dict[str, object] = {
        "--client": client_spec,
        "--samples": samples,
        "--concurrency": concurrency,
        "--rpm": rpm,
        "--tpm": tpm,
        "--base-url": base_url,
        "--api-key-env": api_key_env,
        "--timeout": timeout,
        "--cache": cache_dir,
        # Workers load the suites again: they must check them with the same choices.
        "--judge": judge_spec,  # replay paths made absolute: the same file in every worker
        "--judge-pricing": judge_pricing,
        "--judge-base-url": judge_base_url,
        "--judge-api-key-env": judge_api_key_env,
    }
    ending: dict[str, Any] = {
        "junit_file": junit_file,
        "baseline": baseline,
        "fail_on": fail_on,
        "exit_zero": exit_zero,
        "reviews": reviews,
        "lang": lang,
    }
    if workers is not None and workers > 1:
        out = out_dir or default_out_dir(paths, client_spec, None)
        return _run_workers(paths, workers, out, forwarded, no_resume, ending, trust)
    in_worker = bool(os.environ.get("EVALKIT_SLICE"))
    replayed = client_spec is None or client_spec.startswith("replay:")
    one_process = bool(shard or record or judge_record or in_worker or subset)
    if workers is None and replayed and not one_process and executor != "ray":
        # Workers may be chosen by themselves: load without reading JSONL rows first, so
        # that, if they are, each validates its own window (no serial pass here).
        from evalkit.suite.case_files import jsonl_rows_checked_by_workers

        with jsonl_rows_checked_by_workers():
            loaded = load_suites(list(paths), trust)
        auto = _auto_workers(loaded, client_spec)
        if auto > 1:
            for warning in loaded.warnings:
                echo_err(str(warning))
            out = out_dir or default_out_dir(paths, client_spec, None)
            return _run_workers(paths, auto, out, forwarded, no_resume, ending, trust, loaded)
        if _has_unread_rows(loaded):  # one process after all: validate the rows here
            loaded = load_suites(list(paths), trust)
    else:
        loaded = load_suites(list(paths), trust)
    for warning in loaded.warnings:
        echo_err(str(warning))
    _preflight(loaded.suites, client_spec, record, judge_spec)
    if subset and not _selects_any(loaded.suites, subset):
        # Decided before the pipeline writes the result folder: an empty selection leaves
        # no folder (or an existing --out untouched) and sends no request.
        echo_err(
            f"error: no case matches {_subset_text(subset)} in {', '.join(paths)}; "
            "`evalkit validate` lists the suites, and each case's id and tags are in the suite"
        )
        return 2
    client_options: dict[str, object] = {}
    for name, value in (("concurrency", concurrency), ("rpm", rpm), ("tpm", tpm)):
        if value is not None:
            client_options[name] = value
    if base_url:
        client_options["base_url"] = base_url
    if api_key_env:
        client_options["api_key_env"] = api_key_env
    if timeout:
        client_options["timeout_s"] = timeout
    options = RunOptions(
        out_dir=out_dir or _subset_dir(default_out_dir(paths, client_spec, shard), subset),
        client=client_spec,
        client_options=client_options,
        samples=samples,
        concurrency=concurrency,
        shard=shard,
        resume=not no_resume,
        cache_dir=cache_dir,
        record=record,
        rerecord_stale=rerecord_stale,
        executor="ray" if executor == "ray" else "local",
        ray_address=ray_address,
        judge_options=judge_options,
        judge=judge_spec,
        judge_pricing=judge_price,
        judge_record=judge_record,
        subset=subset or None,
    )
    if rerecord_stale and record is None:
        raise click.UsageError("--rerecord-stale needs --record FILE")
    if in_worker:  # a `run --workers` worker: wait for the parent's go
        from evalkit.run.workers import own_ids, worker_ready

        options = replace(options, own_ids=own_ids(loaded.suites))
        if not worker_ready(loaded.suites, options.out_dir):
            return 2
    bar = _progress_bar(loaded.suites, shard, no_progress)
    try:
        outcome = run(loaded.suites, options, progress=bar.update_one if bar else None)
    except KeyboardInterrupt:
        if bar:
            bar.close()
        if in_worker:  # a --workers worker: its parent tells the user
            return 130
        echo_err(
            f"\nInterrupted. Finished cases are kept in {options.out_dir}; run the same command again "
            "to resume without calling the model for them.",
        )
        return 130
    finally:
        if bar:
            bar.close()
    for case_id in outcome.unmatched:
        echo_err(f"warning: --case {case_id}: no case of the suites run has this id")
    return _report(
        outcome.summary,
        outcome.out_dir,
        (outcome.cases, 0),
        outcome.resumed,
        outcome.stale_count,
        outcome.stale,
        junit_file,
        baseline,
        fail_on,
        exit_zero,
        reviews,
        lang,
    )


def _read_reviews(files: tuple[Path, ...]) -> tuple[dict[str, Any], ...]:
    """The `--reviews` files read and checked whole before any request is sent (exit 2
    listing every problem): a typo in a sheet found after the run would cost its calls."""
    if not files:
        return ()
    from evalkit.review.rerun import read_review_files

    return tuple(read_review_files(files))


def _report(
    summary: dict[str, Any],
    out_dir: Path,
    what: tuple[int, int],
    resumed: int,
    stale_count: int,
    stale: tuple[str, ...],
    junit_file: Path | None,
    baseline: Path | None,
    fail_on: tuple[str, ...],
    exit_zero: bool,
    reviews: tuple[dict[str, Any], ...] = (),
    lang: str | None = None,
) -> int:
    """Keep the folder's reviews (with `--reviews`' added: `evalkit.review.rerun`), then
    print the table and what else the user asked for (in `lang`, or the language the
    result's suites speak); `what` is (cases, workers merged from: 0 for none); the exit
    code (one ending for a single-process run and for `--workers`)."""
    from evalkit._i18n import say
    from evalkit.cli._broken import EXIT_BROKEN, broken_error, broken_headline
    from evalkit.cli._lang import output_language
    from evalkit.cli._table import render_summary
    from evalkit.cli.review import review_notes
    from evalkit.results.summary import broken_suites
    from evalkit.review.rerun import keep_reviews

    applied = keep_reviews(out_dir, reviews)
    if applied is not None:
        summary = applied.summary
    broken = broken_suites(summary)
    if broken:  # said first: the verdict below is not about the model
        echo_out(broken_headline(broken, out_dir, colour=sys.stdout.isatty()))
    language = output_language(lang, summary)
    echo_out(render_summary(summary, colour=sys.stdout.isatty(), lang=language))
    for currency, cost in summary["run"].get("cost", {}).items():
        echo_out(
            say(
                "run_cost",
                language,
                total=f"{cost['total']:.4f}",
                currency=currency,
                cases=cost["cases"],
                per_case=f"{cost['per_case']:.6f}",
            )
        )
    judged = summary["run"].get("judge_tokens") or {}
    for currency, cost in (judged.get("cost") or {}).items():
        per_case = cost.get("per_case")
        echo_out(
            say(
                "run_judge_cost",
                language,
                total=f"{cost['total']:.4f}",
                currency=currency,
                calls=cost["calls"],
                per_case="" if per_case is None else f"{per_case:.6f}",
            )
        )
    if resumed:
        echo_out(f"Resumed: {resumed} cases were taken from the interrupted run.")
    echo_out(
        say(
            "run_results",
            language,
            summary=out_dir / "summary.json",
            cases=out_dir / "cases.jsonl",
            what=say("run_what", language, n=what[0], workers=what[1]),
        )
    )
    if applied is not None:
        for line in review_notes(applied, out_dir, language):
            echo_out(line)
    if junit_file is not None:
        from evalkit.report.junit import write_junit

        write_junit(out_dir, junit_file)
        echo_out(f"JUnit XML: {junit_file}")
    gate: list[str] = []
    if baseline is not None:
        from evalkit.compare.diff import compare, triggered
        from evalkit.report.diffview import render_text

        diff = compare(baseline, out_dir)
        echo_out(render_text(diff), nl=False)
        gate = triggered(diff, fail_on or ("verdict-drop",))
        for reason in gate:
            echo_err(f"fail-on {reason}")
    if stale_count:
        examples = f", e.g. {', '.join(stale[:5])}" if stale else ""
        echo_err(
            f"error: {stale_count} recorded outputs were made for a different prompt (stale recordings)"
            f"{examples}. The prompt changed since they were recorded: re-record them "
            "(evalkit run --record) before trusting this verdict.",
        )
        return 2
    if broken:
        echo_err(broken_error(broken))
        return EXIT_BROKEN
    if gate:  # --exit-zero never hides a gate: it only neutralises the verdict's code
        return 3
    if exit_zero:
        return 0
    return Verdict(summary["verdict"]).exit_code


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


def _preflight(
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


def _check_baseline(baseline: Path) -> None:
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


def _subset_and_judge(
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


def _selects_any(suites: Any, subset: Any) -> bool:
    """Whether `subset` keeps at least one case of `suites` (reads up to the first match;
    a `cases_from` file is streamed, not held)."""
    matched: set[str] = set()
    return any(
        next(subset.select(suite.name, suite.cases, matched), None) is not None for suite in suites
    )


def _subset_text(subset: Any) -> str:
    parts = [f"--case {c}" for c in sorted(subset.cases)]
    parts += [f"--tag {t}" for t in sorted(subset.tags)]
    if subset.limit is not None:
        parts.append(f"--limit {subset.limit}")
    return " ".join(parts)


def _subset_dir(out: Path, subset: Any) -> Path:
    """The default result folder of a subset run is its own (`…--tag-billing`), so a
    quick look at a few cases never overwrites, or resumes, the whole run's folder."""
    return out.with_name(f"{out.name}--{_slug(subset.slug())}") if subset else out


def _run_workers(
    paths: tuple[str, ...],
    workers: int,
    out_dir: Path,
    options: dict[str, object],
    no_resume: bool,
    ending: dict[str, Any],
    trust: Any,
    loaded: Any = None,
) -> int:
    """`run --workers N`. `loaded`: suites this process has already validated whole (the
    automatic choice of workers); else they are loaded here with rows left to the workers."""
    from evalkit.run.workers import WorkerStopped, run_workers
    from evalkit.suite.case_files import jsonl_rows_checked_by_workers
    from evalkit.suite.loader import load_suites

    if loaded is None:
        with jsonl_rows_checked_by_workers():  # each worker validates its own window of rows
            # Suite problems once, before any worker starts.
            loaded = load_suites(list(paths), trust)
        for warning in loaded.warnings:
            echo_err(str(warning))
    client_spec, judge_spec = options.get("--client"), options.get("--judge")
    _preflight(
        loaded.suites,
        client_spec if isinstance(client_spec, str) else None,
        None,
        judge_spec if isinstance(judge_spec, str) else None,
    )
    forwarded = [
        str(x) for flag, value in options.items() if value is not None for x in (flag, value)
    ]
    if no_resume:
        forwarded.append("--no-resume")
    if trust.suites:
        forwarded.append("--trust-suites")
    echo_err(f"Running {workers} worker processes…")
    try:
        summary, _ = run_workers(paths, forwarded, workers, out_dir, loaded.suites)
    except WorkerStopped as stopped:  # a worker has printed the problems it found
        return stopped.code
    except KeyboardInterrupt:
        echo_err(
            f"\nInterrupted. Finished cases are kept in {out_dir}; run the same command again "
            "to resume without calling the model for them.",
        )
        return 130
    shards = summary["run"].get("shards", [])
    stale = sum(int(r.get("errors", {}).get("stale-recording", 0)) for r in shards)
    cases = sum(p.get("cases", 0) for p in summary["pocs"].values())
    return _report(
        summary,
        out_dir,
        (cases, workers),
        sum(int(r.get("resumed_cases", 0) or 0) for r in shards),
        stale,
        (),
        **ending,
    )


def _auto_workers(loaded: Any, client_spec: str | None) -> int:
    """Workers to use when --workers is not given: all cores (at most 4) for a large
    replayed run — `cases_from` JSONL files of at least `_AUTO_BYTES` in all (about 50,000
    cases) and only replay clients, so scoring is the bottleneck and no API sees more
    load — else 1."""
    from evalkit.suite.case_files import FileCases

    cores = min(os.cpu_count() or 1, 4)
    if cores < 2:
        return 1
    size = 0
    for suite in loaded.suites:
        spec = client_spec or suite.client or ""
        if not spec.startswith("replay:"):
            return 1
        if isinstance(suite.cases, FileCases) and suite.cases.format == "jsonl":
            size += suite.cases.path.stat().st_size
    return cores if size >= _AUTO_BYTES else 1


_AUTO_BYTES = 16 << 20


def _has_unread_rows(loaded: Any) -> bool:
    """Whether a suite was loaded with its JSONL rows left unvalidated."""
    from evalkit.suite.case_files import FileCases

    return any(
        isinstance(s.cases, FileCases) and s.cases.format == "jsonl" and s.cases.count is None
        for s in loaded.suites
    )


class _Bar:
    """A tqdm progress bar on stderr, one tick per finished case."""

    def __init__(self, total: int | None) -> None:
        from tqdm import tqdm  # imported only when a bar is shown (~30 ms)

        self._bar = tqdm(
            total=total, unit="case", desc="evalkit", file=sys.stderr, dynamic_ncols=True
        )

    def update_one(self, _result: object) -> None:
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


def _progress_bar(suites: object, shard: tuple[int, int] | None, no_progress: bool) -> _Bar | None:
    """A bar when stderr is a terminal and --no-progress is not given."""
    if no_progress or not sys.stderr.isatty():
        return None
    return _Bar(_count(suites) if shard is None else None)


def _count(suites: object) -> int | None:
    """Cases to run, for the bar: inline cases, plus the rows validation counted in
    `cases_from` files; None when unknown."""
    total = 0
    for suite in suites:  # type: ignore[attr-defined]
        cases = suite.cases
        size = len(cases) if isinstance(cases, tuple) else getattr(cases, "count", None)
        if size is None:
            return None
        total += size
    return total
