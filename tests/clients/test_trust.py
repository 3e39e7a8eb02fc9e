"""Suite files are untrusted input (DESIGN.md, Trust; issue 13): without the runner's
opt-in (`--trust-suites` / `EVALKIT_TRUST_SUITES=1`) nothing a suite file says may run a
program, read outside its project, or send a credential to a host the runner did not
choose; the runner's `--client` / `--base-url` win over the suite's.

Each test plays the attacker's suite (or the unlucky user) as a user would run it: a
separate `evalkit` process, a loopback listener that records every header it receives,
and marker files that only a program run by evalkit could create."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cli_runner import evalkit

from evalkit.clients import build_client, parse_spec
from evalkit.clients.trust import Trust, client_refusals, is_loopback, project_root
from evalkit.errors import SuiteError, UsageError
from evalkit.run.pipeline import RunOptions, run
from evalkit.suite.loader import load_suites

PY = sys.executable
KEY = "sk-runner-secret-0123456789"
NO_KEYS = {"OPENAI_API_KEY": "", "AZURE_OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": ""}


# --- a listener that records what reaches it --------------------------------------------
class Listener:
    """A loopback HTTP server answering every POST like an OpenAI-compatible (and
    Anthropic) server, recording the path and headers of each request."""

    def __init__(self, reply: str = "30 days") -> None:
        seen: list[dict[str, str]] = []
        self.seen = seen

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
                body = json.dumps(
                    {
                        "choices": [{"message": {"content": reply}}],
                        "content": [{"type": "text", "text": reply}],
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def keys(self) -> list[str]:
        """The credentials each request carried (empty string: none)."""
        return [
            h.get("authorization", "") or h.get("x-api-key", "") or h.get("api-key", "")
            for h in self.seen
        ]


@contextmanager
def listening(reply: str = "30 days") -> Iterator[Listener]:
    listener = Listener(reply)
    thread = threading.Thread(target=listener.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        listener.server.shutdown()
        listener.server.server_close()


# --- suites ---------------------------------------------------------------------------------
def project(tmp_path: Path) -> Path:
    """A project folder (it holds pyproject.toml) with a suites/ folder."""
    root = tmp_path / "proj"
    (root / "suites").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    return root


def write_suite(folder: Path, extra: str = "", cases: str | None = None) -> Path:
    """A one-case suite; `extra` YAML lines appended (client, client_options, scorers...)."""
    body = (
        cases
        if cases is not None
        else (
            "cases:\n  - id: a\n    vars: {q: 'How long?'}\n    reference: 30 days\n"
            "    context: Refunds are accepted within 30 days.\n"
        )
    )
    path = folder / "s.yaml"
    path.write_text(
        "suite: s\npoc: p\nprompt: {template: 'Q: {{q}}'}\nsamples: 1\n"
        + body
        + "thresholds:\n  accuracy: {tolerable: 0.5, stop: 0.9}\n"
        + extra,
        encoding="utf-8",
    )
    return path


def recording(folder: Path, name: str = "rec.jsonl", case: str = "a") -> Path:
    path = folder / name
    path.write_text(json.dumps({"case": case, "output": "30 days"}) + "\n", encoding="utf-8")
    return path


def marker_command(marker: Path, reply: str = "") -> str:
    """A command line that creates `marker` (proof that it ran) and answers `reply`, or
    echoes its input."""
    answer = repr(reply) if reply else "sys.stdin.read()"
    code = f"open({str(marker)!r}, 'w').close(); import sys; print({answer})"
    return f'command:{PY} -c "{code}"'


def run_args(suite: Path, *more: str) -> tuple[str, ...]:
    return ("run", str(suite), "--out", str(suite.parent / "out"), "--no-progress", *more)


# --- 1. keys go only where the runner chose -------------------------------------------------
@pytest.mark.parametrize(
    ("client", "key_env"), [("openai:m", "OPENAI_API_KEY"), ("anthropic:m", "ANTHROPIC_API_KEY")]
)
def test_a_suite_base_url_never_receives_the_runners_key(tmp_path, client, key_env):
    root = project(tmp_path)
    with listening() as host:
        suite = write_suite(
            root / "suites",
            f"client: {client}\nclient_options: {{base_url: '{host.url}', max_retries: 0}}\n",
        )
        r = evalkit(*run_args(suite), cwd=root, env={**NO_KEYS, key_env: KEY})
        assert host.seen == []  # not one request, let alone the key
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and KEY not in r.stderr + r.stdout
    assert "s.yaml:" in r.stderr and "client_options.base_url" in r.stderr
    assert f"{key_env} is set" in r.stderr
    assert "--base-url" in r.stderr and "--trust-suites" in r.stderr
    assert "EVALKIT_TRUST_SUITES=1" in r.stderr
    assert not (suite.parent / "out" / "cases.jsonl").exists()


def test_a_suite_base_url_on_another_host_is_refused_even_without_a_key(tmp_path):
    root = project(tmp_path)
    for url in ("http://evil.example/v1", "http://127.0.0.1@evil.example/v1"):
        suite = write_suite(
            root / "suites", f"client: openai:m\nclient_options: {{base_url: '{url}'}}\n"
        )
        r = evalkit("validate", str(suite), cwd=root, env=NO_KEYS)
        assert r.returncode == 2, r.stderr
        assert "client_options.base_url" in r.stderr and "a server chosen by the suite" in r.stderr
        assert "Traceback" not in r.stderr


def test_with_the_opt_in_a_suite_base_url_receives_the_key(tmp_path):
    root = project(tmp_path)
    with listening() as host:
        suite = write_suite(
            root / "suites",
            f"client: openai:m\nclient_options: {{base_url: '{host.url}', max_retries: 0}}\n",
        )
        env = {**NO_KEYS, "OPENAI_API_KEY": KEY}
        by_flag = evalkit(*run_args(suite, "--trust-suites"), cwd=root, env=env)
        assert by_flag.returncode in (0, 10, 20), by_flag.stderr
        by_env = evalkit(
            *run_args(suite, "--no-resume"), cwd=root, env={**env, "EVALKIT_TRUST_SUITES": "1"}
        )
        assert by_env.returncode in (0, 10, 20), by_env.stderr
        assert host.keys() == [f"Bearer {KEY}"] * 2


def test_a_loopback_base_url_without_a_key_is_allowed_and_sent_no_credential(tmp_path):
    root = project(tmp_path)
    with listening() as host:
        suite = write_suite(
            root / "suites",
            f"client: openai:m\nclient_options: {{base_url: '{host.url}', max_retries: 0}}\n",
        )
        r = evalkit(*run_args(suite), cwd=root, env=NO_KEYS)
        assert r.returncode in (0, 10, 20), r.stderr
        assert host.keys() == [""]


@pytest.mark.parametrize("tail", ["/containers/create?name=x", "/containers/create#", "/v1?"])
def test_a_base_url_with_a_query_or_fragment_is_refused(tmp_path, tail):
    """A `?` or `#` would swallow the endpoint path evalkit appends, so a suite could POST
    its extra_body to any path of a local server (an unauthenticated Docker API on
    127.0.0.1:2375, say). Refused from the suite and from the runner alike."""
    root = project(tmp_path)
    with listening() as host:
        suite = write_suite(
            root / "suites",
            f"client: openai:m\nclient_options: {{base_url: '{host.url}{tail}', "
            "extra_body: {Image: alpine}, max_retries: 0}\n",
        )
        r = evalkit(*run_args(suite), cwd=root, env=NO_KEYS)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "query" in r.stdout + r.stderr
        r = evalkit(
            *run_args(suite, "--client", "openai:m", "--base-url", f"{host.url}{tail}"),
            cwd=root,
            env=NO_KEYS,
        )
        assert r.returncode == 2 and "query" in r.stderr
        assert host.seen == []


def test_an_azure_deployment_name_cannot_rewrite_the_path(tmp_path):
    root = project(tmp_path)
    with listening() as host:
        suite = write_suite(
            root / "suites",
            f"client: openai:m\nclient_options: {{base_url: '{host.url}', "
            "deployment: '../../containers/create', api_version: '1&x=y', max_retries: 0}\n",
        )
        evalkit(*run_args(suite), cwd=root, env=NO_KEYS)
        paths = [seen["path"] for seen in host.seen]
        assert paths and all(
            "/openai/deployments/..%2F..%2Fcontainers%2Fcreate/" in p for p in paths
        )
        assert all("api-version=1%26x%3Dy" in p for p in paths)


def test_the_runners_client_does_not_follow_the_suites_base_url(tmp_path, monkeypatch):
    """The issue's probe: `--client openai:…` with a suite's `client_options.base_url`
    sent the runner's key to the suite's host. The provider's own URL is played by a
    second listener, so no request leaves this machine."""
    import evalkit.clients.openai as openai_client

    root = project(tmp_path)
    with listening() as suite_host, listening() as provider:
        monkeypatch.setattr(openai_client, "DEFAULT_BASE_URL", provider.url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        write_suite(
            root / "suites",
            f"client: openai:m\nclient_options: {{base_url: '{suite_host.url}', "
            "api_key_env: OPENAI_API_KEY, max_retries: 0}\n",
        )
        trust = Trust(client="openai:gpt-4o-mini")
        loaded = load_suites([root / "suites"], trust)
        warned = {w.field for w in loaded.warnings}
        assert {"client_options.base_url", "client_options.api_key_env"} <= warned
        run(loaded.suites, RunOptions(out_dir=tmp_path / "out", client="openai:gpt-4o-mini"))
        assert suite_host.seen == []
        assert provider.keys() == [f"Bearer {KEY}"]


def test_a_suite_may_name_only_the_providers_usual_key_variable(tmp_path):
    root = project(tmp_path)
    env = {**NO_KEYS, "GITHUB_TOKEN": "ghp_secret"}
    for client, var, ok in [
        ("openai:m", "GITHUB_TOKEN", False),
        ("openai:m", "AWS_SECRET_ACCESS_KEY", False),
        ("anthropic:m", "OPENAI_API_KEY", False),
        ("openai:m", "AZURE_OPENAI_API_KEY", True),
        ("anthropic:m", "ANTHROPIC_API_KEY", True),
    ]:
        suite = write_suite(
            root / "suites", f"client: {client}\nclient_options: {{api_key_env: {var}}}\n"
        )
        r = evalkit("validate", str(suite), cwd=root, env=env)
        assert (r.returncode == 0) is ok, (client, var, r.stderr)
        if not ok:
            assert "client_options.api_key_env" in r.stderr and var in r.stderr
            assert f"--api-key-env {var}" in r.stderr and "--trust-suites" in r.stderr
    # The runner naming the variable makes it the runner's choice.
    write_suite(root / "suites", "client: openai:m\nclient_options: {api_key_env: GITHUB_TOKEN}\n")
    with pytest.raises(SuiteError):
        load_suites([root / "suites"])
    load_suites([root / "suites"], Trust(options={"api_key_env": "GITHUB_TOKEN"}))


def test_a_base_url_with_credentials_is_a_usage_error_not_a_traceback(tmp_path):
    root = project(tmp_path)
    suite = write_suite(root / "suites")
    r = evalkit(
        *run_args(suite, "--client", "openai:m", "--base-url", "http://user:pw0rd@127.0.0.1:9/v1"),
        cwd=root,
        env={**NO_KEYS, "OPENAI_API_KEY": KEY},
    )
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "pw0rd" not in r.stderr
    assert "--base-url" in r.stderr and "credentials" in r.stderr
    # From a trusted suite too, and from code: refused when the client is built.
    with pytest.raises(UsageError, match="credentials") as caught:
        build_client(parse_spec("openai:m", root, {"base_url": "https://u:pw0rd@host/v1"}))
    assert "pw0rd" not in str(caught.value)


def test_loopback_means_this_machine_exactly():
    assert is_loopback("http://localhost:11434/v1") and is_loopback("http://127.0.0.2/v1")
    assert is_loopback("http://[::1]:8000/v1")
    for url in (
        "http://localhost.evil.example/v1",
        "http://127.0.0.1@evil.example/v1",
        "http://user:pw@127.0.0.1/v1",
        "http://10.0.0.1/v1",
        "file:///etc/passwd",
        "127.0.0.1:8000",
    ):
        assert not is_loopback(url), url


# --- 2. no programs -----------------------------------------------------------------------
def test_a_suite_command_client_is_not_run(tmp_path):
    root = project(tmp_path)
    marker = tmp_path / "ran"
    suite = write_suite(root / "suites", f"client: {json.dumps(marker_command(marker))}\n")
    r = evalkit(*run_args(suite), cwd=root)
    assert r.returncode == 2, r.stderr
    assert not marker.exists()
    assert "s.yaml:" in r.stderr and " client: " in r.stderr and "run programs" in r.stderr
    assert "--client" in r.stderr and "--trust-suites" in r.stderr
    v = evalkit("validate", str(suite), cwd=root)
    assert v.returncode == 2 and "run programs" in v.stderr


@pytest.mark.parametrize("opt_in", ["flag", "env"])
def test_a_suite_command_client_runs_with_the_opt_in(tmp_path, opt_in):
    root = project(tmp_path)
    marker = tmp_path / "ran"
    suite = write_suite(root / "suites", f"client: {json.dumps(marker_command(marker))}\n")
    args, env = (
        (("--trust-suites",), {}) if opt_in == "flag" else ((), {"EVALKIT_TRUST_SUITES": "1"})
    )
    r = evalkit(*run_args(suite, *args), cwd=root, env=env)
    assert r.returncode in (0, 10, 20), r.stderr
    assert marker.exists()


def test_the_opt_in_reaches_the_workers_of_a_parallel_run(tmp_path):
    root = project(tmp_path)
    marker = tmp_path / "ran"
    suite = write_suite(root / "suites", f"client: {json.dumps(marker_command(marker))}\n")
    refused = evalkit(*run_args(suite, "--workers", "2"), cwd=root)
    assert refused.returncode == 2 and not marker.exists()
    r = evalkit(*run_args(suite, "--workers", "2", "--trust-suites"), cwd=root)
    assert r.returncode in (0, 10, 20), r.stderr
    assert marker.exists()


def test_the_env_opt_in_is_off_when_set_to_zero(tmp_path):
    root = project(tmp_path)
    marker = tmp_path / "ran"
    suite = write_suite(root / "suites", f"client: {json.dumps(marker_command(marker))}\n")
    r = evalkit(*run_args(suite), cwd=root, env={"EVALKIT_TRUST_SUITES": "0"})
    assert r.returncode == 2 and not marker.exists()


def test_a_command_client_given_by_the_runner_runs(tmp_path):
    root = project(tmp_path)
    marker = tmp_path / "ran"
    suite = write_suite(root / "suites")
    r = evalkit(*run_args(suite, "--client", marker_command(marker)), cwd=root)
    assert r.returncode in (0, 10, 20), r.stderr
    assert marker.exists()


def judged_suite(folder: Path, judge_client: str) -> Path:
    recording(folder)
    return write_suite(
        folder,
        "client: replay:rec.jsonl\nscorers:\n  hallucination:\n"
        f"    judge: {{client: {json.dumps(judge_client)}, mode: decide}}\n",
    )


def test_a_judge_command_does_not_run_even_when_the_runner_replays(tmp_path):
    root = project(tmp_path)
    marker = tmp_path / "judged"
    suite = judged_suite(root / "suites", marker_command(marker, "SUPPORTED"))
    recording(root, "runner.jsonl")
    r = evalkit(*run_args(suite, "--client", "replay:runner.jsonl"), cwd=root)
    assert r.returncode == 2, r.stderr
    assert not marker.exists()
    assert "scorers.hallucination.judge.client" in r.stderr and "run programs" in r.stderr
    assert "--trust-suites" in r.stderr
    trusted = evalkit(
        *run_args(suite, "--client", "replay:runner.jsonl", "--trust-suites"), cwd=root
    )
    assert trusted.returncode in (0, 10, 20), trusted.stderr
    assert marker.exists()


def test_a_judge_base_url_never_receives_the_runners_key(tmp_path):
    root = project(tmp_path)
    with listening() as host:
        recording(root / "suites")
        suite = write_suite(
            root / "suites",
            "client: replay:rec.jsonl\nscorers:\n  hallucination:\n"
            f"    judge: {{client: 'openai:judge', mode: decide, options: {{base_url: '{host.url}'}}}}\n",
        )
        r = evalkit(*run_args(suite), cwd=root, env={**NO_KEYS, "OPENAI_API_KEY": KEY})
        assert host.seen == []
    assert r.returncode == 2, r.stderr
    assert "scorers.hallucination.judge.options.base_url" in r.stderr


def test_the_runners_judge_flags_choose_the_judges_server_in_every_worker(tmp_path):
    """A judge's `options.base_url` from the suite is refused; `--judge-base-url` is the
    runner's choice, also in the worker processes of `--workers`."""
    root = project(tmp_path)
    recording(root / "suites")
    suite = write_suite(
        root / "suites",
        "client: replay:rec.jsonl\nscorers:\n  hallucination:\n"
        "    judge: {client: 'openai:judge', mode: decide, "
        "options: {base_url: 'http://evil.example/v1', api_key_env: GITHUB_TOKEN}}\n",
    )
    with pytest.raises(SuiteError) as caught:
        load_suites([suite])
    fields = {p.field for p in caught.value.problems}
    assert fields == {
        "scorers.hallucination.judge.options.base_url",
        "scorers.hallucination.judge.options.api_key_env",
    }
    assert "--judge-base-url" in str(caught.value) and "--judge-api-key-env" in str(caught.value)
    with listening("SUPPORTED") as judge_host:
        runner = {"base_url": judge_host.url, "api_key_env": "OPENAI_API_KEY"}
        load_suites([suite], Trust(judge_options=runner))
        r = evalkit(
            *run_args(suite, "--workers", "2", "--judge-base-url", judge_host.url),
            *("--judge-api-key-env", "OPENAI_API_KEY"),
            cwd=root,
            env=NO_KEYS,
        )
        assert r.returncode in (0, 10, 20), r.stderr
        assert judge_host.keys() == [""]


# --- 3. no files outside the project ---------------------------------------------------------
CASE_ROW = '{"id": "leak", "vars": {"q": "TOP-SECRET-LINE"}, "reference": "x"}\n'


def outside_sources(tmp_path: Path, root: Path) -> dict[str, str]:
    """cases_from values that reach a file outside the project, each a different way."""
    outside = tmp_path / "outside.jsonl"
    outside.write_text(CASE_ROW, encoding="utf-8")
    (root / "suites" / "link.jsonl").symlink_to(outside)
    (root / "suites" / "data").mkdir()
    (root / "suites" / "data" / "part.arrow").symlink_to(outside)
    return {
        "dotdot": "../../outside.jsonl",
        "absolute": str(outside),
        "symlink": "link.jsonl",
        "folder holding a symlink": "data",
    }


def test_cases_from_outside_the_project_is_refused(tmp_path):
    root = project(tmp_path)
    for how, source in outside_sources(tmp_path, root).items():
        suite = write_suite(root / "suites", cases=f"cases_from: '{source}'\n")
        for args in (("validate", str(suite)), run_args(suite)):
            r = evalkit(*args, cwd=root)
            assert r.returncode == 2, (how, r.stderr)
            assert "cases_from" in r.stderr and "outside the suite's project" in r.stderr, how
            assert "--trust-suites" in r.stderr and "TOP-SECRET-LINE" not in r.stdout + r.stderr
        assert not (suite.parent / "out" / "cases.jsonl").exists()


def test_a_suite_file_symlinked_out_of_the_project_is_not_read(tmp_path):
    """A pull request can add `suites/x.yaml` as a symlink to a credentials file: loading
    it would quote its content in the error ("expected a mapping ..., got '...'")."""
    root = project(tmp_path)
    secret = tmp_path / "token.yaml"
    secret.write_text("TOP-SECRET-TOKEN for the registry\n", encoding="utf-8")
    write_suite(root / "suites")
    (root / "suites" / "x.yaml").symlink_to(secret)
    (root / "suites" / "linked").symlink_to(tmp_path, target_is_directory=True)
    for args in (("validate", "suites"), ("validate", "suites/linked/token.yaml")):
        r = evalkit(*args, cwd=root)
        assert r.returncode == 2, r.stderr
        assert "TOP-SECRET-TOKEN" not in r.stdout + r.stderr
        assert "outside the project" in r.stderr and "--trust-suites" in r.stderr
    (root / "suites" / "x.yaml").unlink()
    assert evalkit("validate", "suites", cwd=root).returncode == 0  # a linked folder is not walked
    inside = root / "suites" / "again.yaml"
    inside.symlink_to(root / "suites" / "s.yaml")  # a symlink within the project is fine
    assert evalkit("validate", str(inside), cwd=root).returncode == 0


def test_a_refusal_does_not_tell_whether_a_file_outside_exists(tmp_path):
    root = project(tmp_path)
    suite = write_suite(root / "suites", cases="cases_from: /no/such/file.jsonl\n")
    r = evalkit("validate", str(suite), cwd=root)
    assert r.returncode == 2 and "outside the suite's project" in r.stderr
    assert "does not exist" not in r.stderr


def test_cases_from_outside_the_project_is_read_with_the_opt_in(tmp_path):
    root = project(tmp_path)
    source = outside_sources(tmp_path, root)["dotdot"]
    suite = write_suite(root / "suites", cases=f"cases_from: '{source}'\n")
    recording(root, "leak.jsonl", case="leak")
    r = evalkit(
        *run_args(suite, "--client", "replay:leak.jsonl"),
        cwd=root,
        env={"EVALKIT_TRUST_SUITES": "1"},
    )
    assert r.returncode in (0, 10, 20), r.stderr
    assert "leak" in (suite.parent / "out" / "cases.jsonl").read_text()


def test_the_project_is_the_nearest_folder_holding_git_or_pyproject(tmp_path):
    root = project(tmp_path)
    (root / "fixtures").mkdir()
    (root / "fixtures" / "c.jsonl").write_text(CASE_ROW, encoding="utf-8")
    suite = write_suite(root / "suites", cases="cases_from: ../fixtures/c.jsonl\n")
    assert project_root(suite) == root.resolve()
    load_suites([suite])  # a sibling folder inside the project: fine
    (root / "pyproject.toml").unlink()  # no marker: the project is the suite's own folder
    assert project_root(suite) == suite.parent.resolve()
    with pytest.raises(SuiteError, match="outside the suite's project"):
        load_suites([suite])
    (root / ".git").mkdir()
    load_suites([suite])


def test_a_replay_file_outside_the_project_is_refused_for_a_suite_but_not_the_runner(tmp_path):
    root = project(tmp_path)
    recording(tmp_path, "outside.jsonl")
    (root / "suites" / "link.jsonl").symlink_to(tmp_path / "outside.jsonl")
    for spec in (
        "replay:../../outside.jsonl",
        f"replay:{tmp_path / 'outside.jsonl'}",
        "replay:link.jsonl",
    ):
        suite = write_suite(root / "suites", f"client: '{spec}'\n")
        r = evalkit(*run_args(suite), cwd=root)
        assert r.returncode == 2, (spec, r.stderr)
        assert " client: " in r.stderr and "outside the suite's project" in r.stderr
        assert "--client replay:FILE" in r.stderr and "--trust-suites" in r.stderr
    # The same file named by the runner is the runner's choice.
    suite = write_suite(root / "suites")
    r = evalkit(*run_args(suite, "--client", f"replay:{tmp_path / 'outside.jsonl'}"), cwd=root)
    assert r.returncode in (0, 10, 20), r.stderr


def test_a_judge_replay_file_outside_the_project_is_refused(tmp_path):
    root = project(tmp_path)
    recording(tmp_path, "judge.jsonl")
    suite = judged_suite(root / "suites", "replay:../../judge.jsonl")
    with pytest.raises(SuiteError, match="outside the suite's project") as caught:
        load_suites([suite])
    assert caught.value.problems[0].field == "scorers.hallucination.judge.client"
    load_suites([suite], Trust(suites=True))


def test_validate_with_the_runners_client_does_not_refuse_the_suites_own(tmp_path):
    root = project(tmp_path)
    suite = write_suite(root / "suites", "client: 'command:python3 bot.py'\n")
    assert evalkit("validate", str(suite), cwd=root).returncode == 2
    recording(root, "x.jsonl")
    r = evalkit("validate", str(suite), "--client", "replay:x.jsonl", cwd=root)
    assert r.returncode == 0, r.stderr
    assert evalkit("validate", str(suite), "--trust-suites", cwd=root).returncode == 0


def test_refusals_name_the_opt_in_and_nothing_is_refused_when_trusted(tmp_path):
    suite = tmp_path / "s.yaml"
    refusals = client_refusals(
        "openai:m",
        {"base_url": "http://evil.example/v1", "api_key_env": "GITHUB_TOKEN"},
        suite,
        environ={},
    )
    assert {r.option for r in refusals} == {"base_url", "api_key_env"}
    assert all("--trust-suites" in r.hint and "EVALKIT_TRUST_SUITES=1" in r.hint for r in refusals)
    # The runner's own --base-url / --api-key-env are not the suite's to be refused.
    assert not client_refusals(
        "openai:m",
        {"base_url": "http://evil.example/v1", "api_key_env": "GITHUB_TOKEN"},
        suite,
        runner_options={"base_url": "https://api.example/v1", "api_key_env": "MY_KEY"},
        environ={"MY_KEY": "k"},
    )
