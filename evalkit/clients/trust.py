"""What a suite file may make evalkit do on its own, and what needs the runner's opt-in.

Suite files are untrusted input (DESIGN.md, Trust): they arrive in pull requests, while
the person or pipeline running `evalkit run` holds the API keys. Unless the runner opts in
on the command line (`--trust-suites`) or in the environment (`EVALKIT_TRUST_SUITES=1`) —
never in a file a pull request could change — nothing a suite file says may

- run a program: a suite's `client: command:…`, or a judge's `command:` client;
- read a file outside the suite's project (`cases_from`, a `replay:` file of the suite's
  client or judge). The project is the nearest folder at or above the suite file (symlinks
  resolved) that holds `.git` or `pyproject.toml`, else the suite file's own folder; paths
  are resolved (symlinks, `..`) before they are compared. The suite file itself must
  resolve inside the project of the place it was found (`suite_file_refusal`): a
  `suites/x.json` symlinked to a credentials file is not read, so none of it is quoted;
- send a credential to a host the runner did not choose: a `base_url` from a suite must be
  on this machine (localhost, 127.0.0.0/8, ::1) and is refused when the client would send
  a key with it; `api_key_env` from a suite may only name the chosen provider's usual
  variable (`USUAL_KEY_ENVS`; none for plugin clients).

The runner's own choices always win and are never refused here: `--client` replaces every
suite's `client` and drops the suite's `base_url` and `api_key_env` (`RUNNER_ONLY`);
`--base-url` and `--api-key-env` replace the suite's. `--judge` does the same for every
judge (`evalkit.scorers._judge.runner_judge`), with `--judge-base-url` and
`--judge-api-key-env`: the model's `--base-url` and key never reach a judge. A URL carrying credentials
(`user:pw@`) is refused from anyone (`url_problem`): it would be copied into logs and files;
so is a query or fragment, which would swallow the endpoint path evalkit appends and let a
suite POST its `extra_body` to any path of a local server (a Docker API, say).

Stdlib only and no I/O at import: the suite loader calls this for every suite file.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "TRUST_FLAG",
    "TRUST_ENV",
    "OPT_IN",
    "RUNNER_ONLY",
    "USUAL_KEY_ENVS",
    "Refusal",
    "Trust",
    "client_refusals",
    "default_key_env",
    "file_refusal",
    "is_loopback",
    "project_root",
    "safe_url",
    "suite_file_refusal",
    "url_problem",
]

TRUST_FLAG = "--trust-suites"
TRUST_ENV = "EVALKIT_TRUST_SUITES"
OPT_IN = f"if you trust this suite file, pass {TRUST_FLAG} or set {TRUST_ENV}=1"

# Client options that say where requests go and which key they carry: with the runner's
# `--client`, a suite's values for them are not used.
RUNNER_ONLY = ("base_url", "api_key_env")

# The variables the built-in HTTP clients read their key from by default; a suite may name
# only these (for the client it chooses). Plugins: none.
USUAL_KEY_ENVS: Mapping[str, tuple[str, ...]] = {
    "openai": ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"),
    "anthropic": ("ANTHROPIC_API_KEY",),
}

_PROJECT_MARKERS = (".git", "pyproject.toml")


@dataclass(frozen=True, slots=True)
class Trust:
    """The runner's choices that decide what suite files may do (resolved by the CLI).

    `suites` is the opt-in (`--trust-suites` / `EVALKIT_TRUST_SUITES=1`): every check here
    is off. `client` is the runner's `--client` (None: each suite's own client is used and
    checked); `options` the client options the runner gave (`--base-url`,
    `--api-key-env`, ...), which win over a suite's; `judge_options` the same for judge
    clients (`--judge-base-url`, `--judge-api-key-env`); `judge` the runner's `--judge`
    (None: each metric's own judge client, checked). The default is the strictest:
    nothing trusted, every suite's own client used.
    """

    suites: bool = False
    client: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    judge_options: Mapping[str, Any] = field(default_factory=dict)
    judge: str | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """One thing a suite file may not do without the opt-in. `option` is None for the
    client spec itself, else the client option refused ("base_url", "api_key_env")."""

    option: str | None
    message: str
    hint: str


def default_key_env(name: str, options: Mapping[str, Any]) -> str | None:
    """The variable a built-in HTTP client reads its key from (None: not a built-in HTTP
    client). Azure mode (`azure`, `api_version` or `deployment` set) reads the Azure one."""
    if options.get("api_key_env"):
        return str(options["api_key_env"])
    if name == "openai":
        azure = options.get("azure") or options.get("api_version") or options.get("deployment")
        return "AZURE_OPENAI_API_KEY" if azure else "OPENAI_API_KEY"
    if name == "anthropic":
        return "ANTHROPIC_API_KEY"
    return None


def url_problem(url: str, *, key_flag: str = "--api-key-env") -> str | None:
    """Why `url` cannot be a base URL (None when it can): it must be http(s) with a host,
    and must not carry credentials (`user:pw@`), which would be copied into logs, error
    messages and result files. The message never repeats the credentials; it tells the
    user to name the key's variable with `key_flag`, the option that goes with this URL
    (`--judge-api-key-env` for `--judge-base-url`)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.username is not None or parts.password is not None:
        return (
            "a URL must not carry credentials (user:password@): they would be written to logs, "
            "error messages and result files; put the key in an environment variable and name "
            f"it with {key_flag}"
        )
    if parts.scheme not in ("http", "https") or not host:
        return "expected an http:// or https:// URL with a host, e.g. http://127.0.0.1:8000/v1"
    if parts.query or parts.fragment or url.rstrip().endswith(("?", "#")):
        # evalkit appends the endpoint's path (`/chat/completions`): a `?` or `#` would
        # swallow it and send the request (and its body) to any path of the server.
        return (
            "a base URL takes no query (?…) or fragment (#…): evalkit appends the endpoint "
            "path to it, e.g. http://127.0.0.1:8000/v1"
        )
    return None


def safe_url(url: str) -> str:
    """`url` for a message: credentials, if any, replaced by `***`."""
    try:
        parts = urlsplit(url)
        if parts.username is None and parts.password is None:
            return url
        host = parts.netloc.rpartition("@")[2]
        return parts._replace(netloc=f"***@{host}").geturl()
    except ValueError:
        return "(an unparseable URL)"


def is_loopback(url: str) -> bool:
    """Whether `url` is a valid base URL whose host is this machine: `localhost`, an
    address in 127.0.0.0/8, or ::1 (exact host names only: `localhost.example.com` and
    `127.0.0.1@evil.example` are not)."""
    if url_problem(url) is not None:
        return False
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def project_root(suite_file: Path) -> Path:
    """The project a suite file belongs to: the nearest folder at or above it (symlinks
    resolved) that holds `.git` or `pyproject.toml`, else the suite file's own folder."""
    return _project(suite_file)[0]


def _project(suite_file: Path) -> tuple[Path, str]:
    """The project root and how it was found, in words for a message."""
    folder = suite_file.resolve().parent
    for candidate in (folder, *folder.parents):
        for marker in _PROJECT_MARKERS:
            if (candidate / marker).exists():
                return candidate, f"the suite's project {candidate} (it holds {marker})"
    return folder, f"the suite's project {folder} (its folder: no .git or pyproject.toml above it)"


def suite_file_refusal(path: Path) -> str | None:
    """Why a suite file may not be read (None when it may): it is a symlink (or lies in a
    symlinked folder) resolving outside the project of the place it was found — the
    nearest folder at or above that place holding `.git` or `pyproject.toml`, else its
    folder. Checked before the file is read, so that nothing of it reaches a message."""
    place = Path(os.path.abspath(path)).parent
    root = place
    for candidate in (place, *place.parents):
        if any((candidate / marker).exists() for marker in _PROJECT_MARKERS):
            root = candidate
            break
    real = path.resolve()
    if real.is_relative_to(root.resolve()):
        return None
    return f"it resolves to {real}, outside the project {root} where it was found"


def _outside(path: Path, root: Path) -> Path | None:
    """The resolved `path` when it is outside `root`, else None."""
    real = path.resolve()
    return None if real.is_relative_to(root) else real


def file_refusal(target: Path, display: str, suite_file: Path) -> str | None:
    """Why the suite file may not read `target` (None when it may): it, or for a folder
    anything in it, resolves outside the suite's project. `display` names it as written.
    Meant to be checked before the target's existence, so that a refusal never tells
    whether a file outside the project exists."""
    root, where = _project(suite_file)
    real = _outside(target, root)
    if real is not None:
        via = "" if real == Path(os.path.abspath(target)) else f" (it resolves to {real})"
        return f"{display} is outside {where}{via}"
    if target.is_dir():
        for current, dirs, files in os.walk(target):
            for name in (*dirs, *files):
                inner = Path(current) / name
                real = _outside(inner, root)
                if real is not None:
                    return (
                        f"{display} holds {inner.name}, which resolves to {real}, outside {where}"
                    )
    return None


def _replay_path(arg: str, base_dir: Path) -> Path:
    """Where `replay:ARG` reads from (as `evalkit.clients.replay.make` resolves it)."""
    path = Path(arg)
    return path if path.is_absolute() else Path(os.path.normpath(base_dir / path))


def client_refusals(
    spec: str,
    options: Mapping[str, Any],
    suite_file: Path,
    *,
    runner_options: Mapping[str, Any] | None = None,
    judge: bool = False,
    environ: Mapping[str, str] | None = None,
) -> list[Refusal]:
    """What a client chosen by a suite file (`spec` with the suite's `options`) would do
    that needs the runner's opt-in; empty when nothing. `runner_options` are the command
    line's client options, which win over the suite's (a `base_url` or `api_key_env` the
    runner gave is the runner's choice). `judge` words the messages for a judge client.
    `environ` (default `os.environ`) tells whether a key would be sent."""
    runner = runner_options or {}
    env = os.environ if environ is None else environ
    name, _, arg = spec.partition(":")
    name = name.strip()
    fix = OPT_IN if judge else f"give the client yourself with --client, or {OPT_IN}"
    if name == "command":
        who = "a judge `command:` client" if judge else "`client: command:…`"
        return [
            Refusal(
                None,
                f"{who} would run the program {arg.strip()!r} on this machine, and a suite "
                "file may not run programs",
                fix,
            )
        ]
    if name == "replay":
        if not arg:
            return []
        problem = file_refusal(
            _replay_path(arg, suite_file.parent), f"the replay file {arg}", suite_file
        )
        hint = "keep recordings inside the project, " + (
            OPT_IN if judge else f"give the file yourself with --client replay:FILE, or {OPT_IN}"
        )
        return [Refusal(None, problem, hint)] if problem else []
    refusals: list[Refusal] = []
    flag = "judge-" if judge else ""  # the runner's flags for this client: --[judge-]base-url
    effective = {**options, **runner}
    key_env = default_key_env(name, effective)
    suite_key_env = options.get("api_key_env") if "api_key_env" not in runner else None
    if suite_key_env is not None:
        usual = USUAL_KEY_ENVS.get(name, ())
        if suite_key_env not in usual:
            allowed = (
                f"for the {name} client: {' or '.join(usual)}"
                if usual
                else f"and the {name} client has none"
            )
            refusals.append(
                Refusal(
                    "api_key_env",
                    f"names the variable {suite_key_env}: a suite file may only name the key "
                    f"variable the provider usually uses ({allowed}), so that it cannot send "
                    "another secret of this machine to a server",
                    f"name it yourself with --{flag}api-key-env {suite_key_env}, or {OPT_IN}",
                )
            )
    base_url = options.get("base_url") if "base_url" not in runner else None
    if base_url is not None:
        url = str(base_url)
        shown = safe_url(url)
        if not is_loopback(url):
            refusals.append(
                Refusal(
                    "base_url",
                    f"sends requests to {shown}, a server chosen by the suite file (a suite may "
                    "only point at this machine: localhost, 127.0.0.1 or ::1)",
                    f"choose the server yourself with --{flag}base-url, or {OPT_IN}",
                )
            )
        elif key_env is not None and env.get(key_env):
            refusals.append(
                Refusal(
                    "base_url",
                    f"{key_env} is set, so the runner's key would be sent to {shown}, a server "
                    "chosen by the suite file",
                    f"choose the server yourself with --{flag}base-url, unset {key_env}, or {OPT_IN}",
                )
            )
    return refusals
