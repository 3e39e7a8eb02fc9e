"""`evalkit merge DIR... --out DIR` — combine shard results; exits like `run`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["command"]


@click.command(name="merge")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the merged summary.json and cases.jsonl.",
)
@click.option(
    "--exit-zero", is_flag=True, help="Exit 0 whenever results were written, whatever the verdict."
)
def command(sources: tuple[Path, ...], out_dir: Path, exit_zero: bool) -> int:
    """Merge result folders of `evalkit run --shard I/N` into one, re-judged from the
    per-case rows; exits 0/10/20 with the worst verdict, like `run`."""
    from evalkit.cli._table import render_summary
    from evalkit.merge import merge
    from evalkit.values import Verdict

    summary, _ = merge(list(sources), out_dir)
    click.echo(render_summary(summary, colour=sys.stdout.isatty()))
    click.echo(f"Merged {len(sources)} result folders into {out_dir}")
    if exit_zero:
        return 0
    return Verdict(summary["verdict"]).exit_code
