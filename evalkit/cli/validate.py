"""`evalkit validate PATH...` — check suites without running them (exit 0 ok, 2 invalid)."""

from __future__ import annotations

import click

__all__ = ["command"]


@click.command(name="validate")
@click.argument("paths", nargs=-1, required=True)
def command(paths: tuple[str, ...]) -> int:
    """Check the suite files in PATH... and report every problem at once:
    file, line, field, what was expected and how to fix it."""
    from evalkit.errors import SuiteError
    from evalkit.suite.loader import load_suites

    try:
        loaded = load_suites(list(paths))
    except SuiteError as exc:
        errors = [p for p in exc.problems if p.severity != "warning"]
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(
            f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found; nothing was run.",
            err=True,
        )
        return 2
    for warning in loaded.warnings:
        click.echo(str(warning), err=True)
    pocs = sorted({s.poc for s in loaded.suites})
    click.echo(f"ok: {len(loaded.suites)} suites, {len(pocs)} PoCs ({', '.join(pocs)})")
    return 0
