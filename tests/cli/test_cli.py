"""The command line as a user meets it: start-up cost, exit codes, docs that match."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import evalkit

from evalkit.cli.run import default_out_dir, parse_shard

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "datasets",
    "pyarrow",
    "pandas",
    "aiohttp",
    "httpx",
    "yaml",
    "jsonschema",
    "rapidfuzz",
    "tqdm",
    "numpy",
)


def test_importing_the_cli_imports_no_heavy_module():
    code = f"import sys, evalkit.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_help_lists_every_command_and_the_exit_codes():
    r = evalkit("--help")
    assert r.returncode == 0
    for name in ("run", "validate", "diff", "report", "merge"):
        assert re.search(rf"^\s+{name}\s", r.stdout, re.M), name
    assert "20 stop" in r.stdout


def test_readme_documents_every_command_and_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("run", "validate", "diff", "report", "merge"):
        assert f"evalkit {name} " in readme
    test_command = re.search(r"^(python3 -m venv .*\.ci/check)$", readme, re.M)
    assert test_command, "README must give the test command"
    assert test_command.group(1) in (ROOT / ".ci" / "run").read_text()
    assert "evalkit run suites/" in readme


def test_run_options_in_readme_exist_in_help():
    r = evalkit("run", "--help")
    for flag in ("--client", "--out", "--samples", "--concurrency", "--shard", "--exit-zero"):
        assert flag in r.stdout


def test_missing_path_is_a_usage_error_without_traceback(tmp_path):
    r = evalkit("run", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


def test_malformed_suite_exits_2_with_a_located_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "suite: x\npoc: y\nprompt: {template: 'hi {{name}}'}\ncases:\n  - id: a\n    vars: {}\n"
    )
    r = evalkit("validate", str(bad))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "bad.yaml:" in r.stderr and "name" in r.stderr


def test_unknown_client_gets_a_did_you_mean(tmp_path):
    r = evalkit("run", "suites/", "--client", "replya:x.jsonl", "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert "did you mean 'replay'" in r.stderr


@pytest.mark.parametrize(("text", "expected"), [("1/4", (1, 4)), (" 4 / 4 ", (4, 4)), (None, None)])
def test_shard_parses_i_of_n(text, expected):
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["0/4", "5/4", "a/b", "1"])
def test_bad_shard_is_refused(text):
    import click

    with pytest.raises(click.BadParameter):
        parse_shard(text)


def test_default_out_dir_is_stable_for_the_same_arguments():
    assert default_out_dir(("suites/",), None, None) == Path("results/suites")
    assert default_out_dir(("suites/a.yaml",), "openai:gpt-4o", (1, 2)) == Path(
        "results/a--openai-gpt-4o--shard-1-of-2"
    )


def test_workers_spread_the_run_over_processes_and_merge_to_the_same_result(tmp_path):
    import json

    one = evalkit("run", "suites/", "--out", str(tmp_path / "one"), "--no-progress")
    two = evalkit("run", "suites/", "--out", str(tmp_path / "two"), "--workers", "2")
    assert one.returncode == two.returncode
    docs = [json.loads((tmp_path / d / "summary.json").read_text()) for d in ("one", "two")]
    for doc in docs:
        del doc["run"], doc["provenance"]
    assert docs[0] == docs[1]
    assert (tmp_path / "one" / "cases.jsonl").read_bytes() == (
        tmp_path / "two" / "cases.jsonl"
    ).read_bytes()


def test_workers_refuse_shard_and_record():
    r = evalkit("run", "suites/", "--workers", "2", "--shard", "1/2")
    assert r.returncode == 2 and "--workers cannot be combined" in r.stderr


def test_readme_documents_every_key_the_suite_schema_accepts():
    import json

    schema = json.loads((ROOT / "evalkit" / "suite" / "schema.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Every suite key", 1)[1].split("\n## ", 1)[0]
    props = schema["properties"]
    keys = set(props)
    for nested in ("prompt", "client_options", "params", "pricing"):
        keys |= set(props[nested].get("properties", {}))
    keys |= set(schema["$defs"]["case"]["properties"])
    keys |= set(schema["$defs"]["threshold"]["properties"])
    mapping = next(s for s in props["cases_from"]["anyOf"] if s.get("type") == "object")
    keys |= set(mapping["properties"])
    missing = sorted(k for k in keys if f"`{k}`" not in section and f".{k}`" not in section)
    assert not missing, f"README 'Every suite key' does not mention: {missing}"


def test_readme_documents_init_show_and_the_subset_flags():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in (
        "evalkit init",
        "evalkit show ",
        "--case ID",
        "--tag TAG",
        "--limit N",
        "--judge-base-url",
        "--config FILE",
    ):
        assert text in readme, text
    r = evalkit("--help")
    for name in ("show", "init"):
        assert re.search(rf"^\s+{name}\s", r.stdout, re.M), name
