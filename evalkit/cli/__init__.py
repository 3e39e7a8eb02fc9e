"""The `evalkit` command line: the only place that prints or exits.

Subcommands live in their own modules (`evalkit/cli/<name>.py`, each exposing a click
command named `command`) and are imported only when invoked, so `evalkit --help` stays
fast. Exit codes (DESIGN.md): 0 continue, 10 redesign, 20 stop (worst verdict), 3 a
`--fail-on` condition, 4 a broken run (every case of a suite ended in a client error),
2 invalid input or usage error, 1 internal error.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from typing import Any

import click

from evalkit import __version__

__all__ = ["main", "cli", "echo_out", "echo_err"]

# name → one-line help, shown by `evalkit --help` without importing the modules.
_COMMANDS = {
    "run": "Run suites against a client and write results with a verdict per PoC.",
    "validate": "Check suite files without running them.",
    "diff": "Compare two result folders: what flipped, and is it significant.",
    "report": "Render a result folder as Markdown or a self-contained HTML report.",
    "merge": "Combine shard result folders into one result folder.",
    "show": "Show one case of a result in full: prompt, outputs, knowledge, each scorer's reason.",
    "init": "Write a commented example suite and its recorded outputs to start from.",
    "review": "Human review: sample cases into a sheet, import filled sheets (corrects the verdict).",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [
            name
            for name in _COMMANDS
            if importlib.util.find_spec(f"evalkit.cli.{name}") is not None
        ]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        try:
            module = importlib.import_module(f"evalkit.cli.{cmd_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"evalkit.cli.{cmd_name}":
                return None
            raise
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _COMMANDS[name]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evalkit")
def cli() -> None:
    """evalkit — evaluate LLM outputs for PoC decisions (continue / redesign / stop).

    Exit codes: 0 continue, 10 redesign, 20 stop, 3 --fail-on triggered, 4 broken run
    (every case of a suite got a client error), 2 invalid input or usage error, 1 internal
    error.
    """


def _silence(stream: Any) -> None:
    """After the reader of `stream` (stdout or stderr) went away (`evalkit run … 2>&1 |
    head`): send the rest of its output nowhere, so neither a later write nor the exit-time
    flush fails."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stream (captured in tests)
        pass


def echo_out(text: str = "", nl: bool = True) -> None:
    """`click.echo` to stdout that keeps going when the pipe's reader has closed it (the
    command still finishes its work and exits with its own code)."""
    try:
        click.echo(text, nl=nl)
    except BrokenPipeError:
        _silence(sys.stdout)


def echo_err(text: str = "", nl: bool = True) -> None:
    """`echo_out` for stderr: warnings, `error: …` and `fail-on …` lines. A closed stderr
    must not turn the command's own exit code into click's 1 (click's `main` maps a broken
    pipe to 1), so the message is dropped and the command ends as it would have."""
    try:
        click.echo(text, nl=nl, err=True)
    except BrokenPipeError:
        _silence(sys.stderr)


def _escape_unencodable_output() -> None:
    """Print what the terminal's encoding cannot hold as a backslash escape instead of
    crashing: a model's reply may hold a lone UTF-16 surrogate ("\\ud800" is valid JSON),
    which no encoding writes, and `show`, `diff` and the run's tables print model text."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or unusual stream: leave it as it is
                pass


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: user mistakes print a message and exit 2 (no
    traceback); unexpected exceptions print the traceback and exit 1."""
    from evalkit.errors import UsageError

    _escape_unencodable_output()
    try:
        rc = cli.main(args=argv, prog_name="evalkit", standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        echo_err("Aborted.")
        sys.exit(130)
    except click.ClickException as exc:
        try:
            exc.show()
        except BrokenPipeError:  # `evalkit … 2>&1 | head`: the exit code still tells
            _silence(sys.stderr)
        sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
    except UsageError as exc:
        echo_err(f"error: {exc}")
        sys.exit(2)
    except KeyboardInterrupt:
        echo_err("Interrupted.")
        sys.exit(130)
    except BrokenPipeError:  # `evalkit report … | head`: the reader has what it wanted
        _silence(sys.stdout)
        _silence(sys.stderr)
        sys.exit(0)
    except Exception:
        try:
            traceback.print_exc()
        except BrokenPipeError:
            _silence(sys.stderr)
        echo_err("evalkit: internal error (a bug) — please report it with the traceback above")
        sys.exit(1)
