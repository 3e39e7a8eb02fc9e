"""The command client: a local program per request."""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

import pytest

from evalkit.clients import build_client, parse_spec
from evalkit.errors import UsageError
from evalkit.values import ModelParams

PY = shlex.quote(sys.executable)


def _command(code: str, base_dir: Path = Path("."), **options):
    return build_client(parse_spec(f"command:{PY} -c {shlex.quote(code)}", base_dir, options))


def test_stdout_is_the_output_without_trailing_newline(make_request, complete_all):
    c = _command("import sys; print(sys.stdin.read().upper())")
    [done] = complete_all(c, [make_request(prompt="hello there", system="ignored in text mode")])
    assert done.ok and done.output == "HELLO THERE" and done.latency_s is not None


def test_json_input_carries_messages_params_case_and_sample(make_request, complete_all):
    c = _command(
        "import sys, json; d = json.load(sys.stdin); print(json.dumps(d, sort_keys=True))",
        input="json",
    )
    req = make_request("case-7", "q", sample=2, system="sys", params=ModelParams(temperature=0.5))
    [done] = complete_all(c, [req])
    assert json.loads(done.output) == {
        "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "q"}],
        "params": {"temperature": 0.5},
        "suite": "s",
        "case": "case-7",
        "variant": 0,
        "sample": 2,
    }


def test_nonzero_exit_is_an_error_with_code_and_stderr_tail(make_request, complete_all):
    c = _command("import sys; sys.stderr.write('x' * 2000 + ' model crashed'); sys.exit(3)")
    [done] = complete_all(c, [make_request()])
    assert done.output is None and done.error_kind == "command-exit"
    assert "exited with code 3" in done.error and done.error.endswith("model crashed")
    assert len(done.error) < 700


def test_timeout_kills_the_program(make_request, complete_all):
    c = _command("import time; time.sleep(30)", timeout_s=0.3)
    started = time.monotonic()
    [done] = complete_all(c, [make_request()])
    assert done.error_kind == "timeout" and "0.3 s" in done.error
    assert time.monotonic() - started < 5


def test_runs_in_the_suite_folder(tmp_path, make_request, complete_all):
    (tmp_path / "answer.txt").write_text("from the suite folder")
    c = _command("print(open('answer.txt').read())", base_dir=tmp_path)
    [done] = complete_all(c, [make_request()])
    assert done.output == "from the suite folder"


def test_unknown_program_is_a_usage_error():
    with pytest.raises(UsageError, match="program 'no-such-program-xyz' not found"):
        build_client(parse_spec("command:no-such-program-xyz --flag", Path("."), {}))


def test_bad_input_option_is_a_usage_error():
    with pytest.raises(UsageError, match="'input': expected 'text' or 'json'"):
        _command("print(1)", input="yaml")
