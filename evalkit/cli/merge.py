"""`evalkit merge DIR... --out DIR` — combine shard results; exits like `run`."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from evalkit.cli import echo_err, echo_out
from evalkit.cli._lang import lang_option

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
    "--exit-zero",
    is_flag=True,
    help="Exit 0 instead of the verdict's 10 or 20. Never hides a broken run (4).",
)
@lang_option
def command(
    sources: tuple[Path, ...], out_dir: Path, partial: bool, exit_zero: bool, lang: str | None
) -> int:
    """Merge the result folders of `evalkit run --shard I/N` (every shard 1/N … N/N of one
    run, each once) into one, re-judged from the per-case rows; exits 0/10/20 with the
    worst verdict, like `run`, and 4 when every case of a suite ended in a client error (a
    broken run). A missing, repeated or mixed shard is refused (exit 2), and so is an --out
    folder another run or merge is writing; --partial accepts missing shards."""
    from evalkit._i18n import say
    from evalkit.cli._broken import EXIT_BROKEN, broken_error, broken_headline
    from evalkit.cli._lang import output_language
    from evalkit.cli._table import render_summary
    from evalkit.cli.review import review_notes
    from evalkit.results.folderlock import hold_folder
    from evalkit.results.summary import broken_suites
    from evalkit.review.rerun import keep_reviews
    from evalkit.run.merge import merge
    from evalkit.run.shards import parse_held
    from evalkit.values import Verdict

    _refuse_out_among_inputs(sources, out_dir)
    created = not out_dir.exists()
    try:
        with hold_folder(out_dir):  # one writer per result folder, as for `run`
            summary, _ = merge(list(sources), out_dir, partial=partial)
    except BaseException:
        if created:  # a refused merge leaves no empty folder behind
            with contextlib.suppress(OSError):
                out_dir.rmdir()
        raise
    applied = keep_reviews(out_dir, _source_reviews(sources))
    if applied is not None:
        summary = applied.summary
    colour = sys.stdout.isatty()
    broken = broken_suites(summary)
    language = output_language(lang, summary)
    if broken:  # said first: the verdict below is not about the model
        echo_out(broken_headline(broken, out_dir, colour=colour, lang=language))
    echo_out(render_summary(summary, colour=colour, lang=language))
    held = summary["provenance"]["options"].get("shard")
    if held is not None:
        indices, of = parse_held(held)
        shards = ", ".join(f"{i}/{of}" for i in sorted(indices))
        echo_out(say("op_partial_merge", language, shards=shards, of=of, out=out_dir))
    else:
        echo_out(say("op_merged", language, n=len(sources), out=out_dir))
    if applied is not None:
        for line in review_notes(applied, out_dir, language):
            echo_out(line)
    if broken:  # --exit-zero never hides a broken run
        echo_err(broken_error(broken, language))
        return EXIT_BROKEN
    if exit_zero:
        return 0
    return Verdict(summary["verdict"]).exit_code


def _source_reviews(sources: tuple[Path, ...]) -> list[dict[str, object]]:
    """The review lines of the folders merged (their `reviews.jsonl`, where they have one):
    the merged folder keeps them, as a re-run keeps its folder's."""
    from evalkit.results.reader import resolve
    from evalkit.review.apply import read_reviews

    lines: list[dict[str, object]] = []
    for source in sources:
        lines += read_reviews(resolve(source).summary.parent)
    return lines


def _refuse_out_among_inputs(sources: tuple[Path, ...], out_dir: Path) -> None:
    """Refuse, before anything is written, an --out that is one of the inputs (or a folder
    inside one): the merge would replace a shard with the merged result, and a failed
    merge would leave neither. A source named by its summary.json or cases.jsonl stands
    for its folder; symlinks and `..` are resolved first."""
    from evalkit.errors import UsageError

    out = out_dir.resolve()
    for source in sources:
        folder = (source.parent if source.is_file() else source).resolve()
        if out == folder or folder in out.parents:
            where = "is" if out == folder else "is inside"
            raise UsageError(
                f"--out {out_dir} {where} the input {source}: merging would write over a "
                "shard it reads; give a new folder (e.g. --out results/merged)"
            )
