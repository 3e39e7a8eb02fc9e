"""Gates that must not pass by accident: `--exit-zero` never hides a `--fail-on` gate, and
a run whose every case ended in a client error reads (and exits) as broken, not as a verdict."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from cli_runner import evalkit


def write_suite(folder: Path, outputs: dict[str, str], *, client: str | None = None) -> Path:
    """A 20-case accuracy suite whose replay file answers `outputs[case]` (default: right)."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = "\n".join(
        f'  - {{id: c{i:02d}, vars: {{q: "{i} + 0?"}}, reference: "{i}"}}' for i in range(20)
    )
    (folder / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: 'Q: {{q}}'}\ncases:\n"
        + cases
        + f"\nclient: {client or 'replay:s.replay.jsonl'}\n"
        "scorers: {accuracy: {method: exact}}\n"
        "thresholds: {accuracy: {tolerable: 0.2, stop: 0.9}}\n",
        encoding="utf-8",
    )
    with (folder / "s.replay.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(20):
            case = f"c{i:02d}"
            fh.write(json.dumps({"case": case, "output": outputs.get(case, str(i))}) + "\n")
    return folder / "s.yaml"


def test_exit_zero_never_hides_a_fail_on_gate(tmp_path: Path) -> None:
    good = write_suite(tmp_path / "good", {})
    r = evalkit("run", str(good), "--out", str(tmp_path / "base"), "--no-progress")
    assert r.returncode == 0, r.stdout + r.stderr  # continue
    bad = write_suite(tmp_path / "bad", {f"c{i:02d}": "no idea" for i in range(8)})
    args = ("run", str(bad), "--out", str(tmp_path / "pr"), "--no-progress")
    gate = ("--baseline", str(tmp_path / "base"), "--fail-on", "verdict-drop")
    r = evalkit(*args, *gate, "--exit-zero")
    assert "fail-on verdict-drop" in r.stderr
    assert r.returncode == 3, r.stdout + r.stderr
    # --exit-zero still neutralises the verdict itself when no gate triggers.
    r = evalkit(*args, "--exit-zero")
    assert r.returncode == 0, r.stdout + r.stderr
    r = evalkit(*args)
    assert r.returncode in (10, 20)


def test_a_run_where_every_case_errors_is_broken_not_a_verdict(tmp_path: Path) -> None:
    script = tmp_path / "model.sh"
    script.write_text('#!/bin/sh\necho "model crashed: out of memory" >&2\nexit 1\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    suite = write_suite(tmp_path / "suite", {})
    for extra in ((), ("--exit-zero",)):
        r = evalkit(
            *("run", str(suite), "--client", f"command:{script}", "--out", str(tmp_path / "o")),
            *("--no-progress", *extra),
        )
        assert r.returncode == 4, (extra, r.stdout, r.stderr)
        first = r.stdout.splitlines()[0]
        assert first.startswith("BROKEN RUN: every case of suite 's' (20 cases)"), r.stdout
        # The first errors are shown with their case ids and messages, before the table.
        head = r.stdout.split("PoC p:")[0]
        assert "s/c00 [command-exit]:" in head and "model crashed: out of memory" in head
        assert head.count("model crashed") == 5
        assert "change scope, prompt or data" not in r.stdout
        assert "the run is broken" in r.stderr


def test_a_run_with_some_client_errors_is_still_a_verdict(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", {})
    lines = (suite.parent / "s.replay.jsonl").read_text().splitlines()
    (suite.parent / "s.replay.jsonl").write_text("\n".join(lines[2:]) + "\n")  # c00, c01 missing
    r = evalkit("run", str(suite), "--out", str(tmp_path / "o"), "--no-progress")
    assert r.returncode == 10, r.stdout + r.stderr  # over the error budget: redesign
    assert "BROKEN" not in r.stdout


def test_help_documents_exit_code_4() -> None:
    r = evalkit("--help")
    assert "4 broken run" in " ".join(r.stdout.split())


def test_readme_exit_codes_table_lists_4() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Exit codes", 1)[1].split("###", 1)[0]
    assert "| 4 |" in table and "broken" in table
