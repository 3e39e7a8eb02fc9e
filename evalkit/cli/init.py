"""`evalkit init [DIR]` — write a commented example suite and its recorded outputs.

The two files run as written (`evalkit run DIR/NAME.yaml`, offline): a newcomer edits a
working suite instead of starting from a blank page. Existing files are never overwritten
unless `--force`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

__all__ = ["command"]


@click.command(name="init")
@click.argument("folder", default="suites", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--lang",
    type=click.Choice(["en", "ja"]),
    default="en",
    show_default=True,
    help="Language of the comments and the example cases (ja: Japanese).",
)
@click.option("--name", default=None, help="Suite name (default: my-suite, or my-suite-ja).")
@click.option("--force", is_flag=True, help="Overwrite the two files if they exist.")
def command(folder: Path, lang: str, name: str | None, force: bool) -> int:
    """Write FOLDER/NAME.yaml (a commented example suite) and FOLDER/NAME.replay.jsonl
    (its recorded outputs), ready for `evalkit run FOLDER/NAME.yaml`."""
    import re

    from evalkit.cli import echo_err, echo_out
    from evalkit.cli._starter import REPLAYS, SUITES

    name = name or ("my-suite" if lang == "en" else "my-suite-ja")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise click.BadParameter(
            f"{name!r}: use letters, digits, '.', '_' and '-' (it names the files)",
            param_hint="--name",
        )
    suite_file = folder / f"{name}.yaml"
    replay_file = folder / f"{name}.replay.jsonl"
    existing = [p for p in (suite_file, replay_file) if p.exists()]
    if existing and not force:
        echo_err(
            f"error: {', '.join(map(str, existing))} already exist"
            f"{'s' if len(existing) == 1 else ''}; pass --force to overwrite, or --name "
            "another name"
        )
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    results = f"results/{name}"
    text = SUITES[lang].format(
        schema_line=_schema_line(folder),
        name=name,
        suite_path=suite_file.as_posix(),
        replay_name=replay_file.name,
        replay_path=replay_file.as_posix(),
        results=results,
    )
    suite_file.write_text(text, encoding="utf-8")
    with replay_file.open("w", encoding="utf-8") as handle:
        for case, variant, sample, output in REPLAYS[lang]:
            line: dict[str, object] = {"suite": name, "case": case, "sample": sample}
            if variant:
                line["variant"] = variant
            line["output"] = output
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    echo_out(f"Wrote {suite_file} and {replay_file}.")
    echo_out(f"Next: evalkit run {suite_file.as_posix()}")
    return 0


def _schema_line(folder: Path) -> str:
    """The `yaml-language-server` comment that lets editors check the file as it is typed
    (a path to the installed package's schema, relative when it can be)."""
    import evalkit.suite

    schema = Path(evalkit.suite.__file__).resolve().parent / "schema.json"
    try:
        shown = os.path.relpath(schema, folder.resolve())
    except ValueError:  # another drive (Windows)
        shown = str(schema)
    return f"# yaml-language-server: $schema={Path(shown).as_posix()}\n#\n"
