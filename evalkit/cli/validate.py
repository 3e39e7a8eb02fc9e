"""`evalkit validate PATH...` — check suites without running them (exit 0 ok, 2 invalid)."""

from __future__ import annotations

import click

from evalkit.cli import echo_err, echo_out

__all__ = ["command"]


@click.command(name="validate")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--client",
    "client_spec",
    metavar="SPEC",
    help="Check the suites as `run --client SPEC` would use them: their own client and its "
    "base_url / api_key_env are then not used, so not refused.",
)
@click.option(
    "--judge",
    "judge_spec",
    metavar="SPEC",
    help="Check the suites as `run --judge SPEC` would use them: every judge's client is "
    "then the runner's (a suite may leave it out), so the suites' are not refused.",
)
@click.option(
    "--trust-suites",
    is_flag=True,
    envvar="EVALKIT_TRUST_SUITES",
    help="Allow what `run --trust-suites` allows: command clients and judges, files outside "
    "the suite's project, a base_url that receives a key. Also: EVALKIT_TRUST_SUITES=1.",
)
def command(
    paths: tuple[str, ...], client_spec: str | None, trust_suites: bool, judge_spec: str | None
) -> int:
    """Check the suite files in PATH... and report every problem at once:
    file, line, field, what was expected and how to fix it."""
    from evalkit.cli._run_checks import runner_judge_spec
    from evalkit.clients.trust import Trust
    from evalkit.errors import SuiteError
    from evalkit.suite.loader import load_suites

    judge_spec = runner_judge_spec(judge_spec)
    try:
        loaded = load_suites(list(paths), Trust(trust_suites, client_spec, judge=judge_spec))
    except SuiteError as exc:
        errors = [p for p in exc.problems if p.severity != "warning"]
        for problem in exc.problems:
            echo_err(str(problem))
        echo_err(
            f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found; nothing was run.",
        )
        return 2
    for warning in loaded.warnings:
        echo_err(str(warning))
    from evalkit.run.preflight import missing_replay_files

    missing = missing_replay_files(loaded.suites, client_spec, judge_spec)
    if missing:
        for message in missing:
            echo_err(message)
        n = len(missing)
        echo_err(f"{n} problem{'s' if n != 1 else ''} found; nothing was run.")
        return 2
    pocs = sorted({s.poc for s in loaded.suites})
    n = len(loaded.suites)
    echo_out(
        f"ok: {n} suite{'s' if n != 1 else ''}, {len(pocs)} PoC{'s' if len(pocs) != 1 else ''} "
        f"({', '.join(pocs)})"
    )
    return 0
