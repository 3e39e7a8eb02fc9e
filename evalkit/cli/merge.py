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
    "--partial",
    is_flag=True,
    help="Merge even though some shards of the run are missing; the merged summary's "
    "reasons then say which, and its verdict is about those shards' cases only.",
)
@click.option(
    "--exit-zero", is_flag=True, help="Exit 0 whenever results were written, whatever the verdict."
)
def command(sources: tuple[Path, ...], out_dir: Path, partial: bool, exit_zero: bool) -> int:
    """Merge the result folders of `evalkit run --shard I/N` (every shard 1/N … N/N of one
    run, each once) into one, re-judged from the per-case rows; exits 0/10/20 with the
    worst verdict, like `run`. A missing, repeated or mixed shard is refused (exit 2);
    --partial accepts missing shards."""
    from evalkit.cli._table import render_summary
    from evalkit.merge import merge
    from evalkit.shards import parse_held
    from evalkit.values import Verdict

    summary, _ = merge(list(sources), out_dir, partial=partial)
    click.echo(render_summary(summary, colour=sys.stdout.isatty()))
    held = summary["provenance"]["options"].get("shard")
    if held is not None:
        indices, of = parse_held(held)
        click.echo(
            f"PARTIAL merge: shards {', '.join(f'{i}/{of}' for i in sorted(indices))} of {of} "
            f"into {out_dir}; the verdicts above are about these shards' cases only, not the "
            "whole run"
        )
    else:
        click.echo(f"Merged {len(sources)} result folders into {out_dir}")
    if exit_zero:
        return 0
    return Verdict(summary["verdict"]).exit_code
