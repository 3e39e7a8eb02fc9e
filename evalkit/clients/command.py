"""`command:CMD` — run a local program once per request.

The command line is split with `shlex.split` (no shell: quoting works as in a shell, but
pipes and `$VARS` do not) and run with the suite's folder as working directory, so a
suite's `client: command:python bot.py` finds `bot.py` next to the suite.

Input on stdin, chosen by the `input` option:
- `text` (default): the rendered user message (the last user message; a system prompt is
  not sent — use `json` when the program needs it);
- `json`: `{"messages": [{"role", "content"}...], "params": {...}, "suite", "case",
  "variant", "sample"}`.

Output: stdout decoded as UTF-8, trailing newlines removed. A non-zero exit is a per-case
error (`error_kind` "command-exit") whose reason carries the exit code and the tail of
stderr; a run past `timeout_s` (default 60) kills the program (`error_kind` "timeout").
"""

from __future__ import annotations

import asyncio
import json
import shlex
import shutil
import time
from pathlib import Path
from typing import Any

from evalkit.clients.base import Client, ClientSettings
from evalkit.clients.http import option_number
from evalkit.errors import UsageError
from evalkit.values import Completion, Request

__all__ = ["CommandClient", "make"]

_STDERR_TAIL = 500  # characters of stderr quoted in an error reason


class CommandClient(Client):
    wants_prompt_sha256 = False  # the program gets the messages, never the prompt's hash

    def __init__(self, settings: ClientSettings) -> None:
        if not settings.arg or not settings.arg.strip():
            raise UsageError(
                "the command client needs a command line: command:CMD, e.g. command:python bot.py"
            )
        try:
            self.argv = shlex.split(settings.arg)
        except ValueError as exc:
            raise UsageError(f"command client: cannot split {settings.arg!r}: {exc}") from None
        self.cwd: Path = settings.base_dir
        program = self.argv[0]
        local = (self.cwd / program) if "/" in program and not Path(program).is_absolute() else None
        if shutil.which(program, path=None) is None and not (local is not None and local.is_file()):
            raise UsageError(
                f"command client: program '{program}' not found (looked on PATH and in {self.cwd})"
            )
        mode = str(settings.options.get("input", "text"))
        if mode not in ("text", "json"):
            raise UsageError(
                f"command client option 'input': expected 'text' or 'json', got {mode!r}"
            )
        self.input_mode = mode
        self.timeout_s: float = option_number(settings.options, "timeout_s", 60.0)
        self.spec = settings.spec
        self.model = None

    def describe(self) -> dict[str, Any]:
        return {"spec": self.spec, "model": None, "input": self.input_mode}

    def _stdin(self, request: Request) -> bytes:
        if self.input_mode == "json":
            payload = {
                "messages": [{"role": m.role, "content": m.content} for m in request.messages],
                "params": request.params.as_dict(),
                "suite": request.suite,
                "case": request.case_id,
                "variant": request.variant,
                "sample": request.sample,
            }
            return json.dumps(payload, ensure_ascii=False).encode("utf-8")
        user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        return user.encode("utf-8")

    async def complete(self, request: Request) -> Completion:
        name = self.argv[0]
        started = time.perf_counter()
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=self.cwd,
            )
        except OSError as exc:
            return Completion(
                None, error=f"command '{name}' could not start: {exc}", error_kind="command-start"
            )
        try:
            stdout, stderr = await asyncio.wait_for(
                proc.communicate(self._stdin(request)), self.timeout_s
            )
        except TimeoutError:
            await _kill(proc)
            return Completion(
                None,
                error=f"command '{name}' did not finish within {self.timeout_s:g} s (killed)",
                error_kind="timeout",
            )
        except BaseException:
            await _kill(proc)  # cancelled (Ctrl-C): leave no orphan behind
            raise
        latency = time.perf_counter() - started
        if proc.returncode != 0:
            tail = stderr.decode("utf-8", "replace").strip()[-_STDERR_TAIL:]
            said = f": {tail}" if tail else " (no stderr)"
            return Completion(
                None,
                error=f"command '{name}' exited with code {proc.returncode}{said}",
                error_kind="command-exit",
                latency_s=latency,
            )
        output = stdout.decode("utf-8", "replace").rstrip("\r\n")
        return Completion(output=output, latency_s=latency)


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass
        try:
            await asyncio.wait_for(proc.wait(), 5)
        except (TimeoutError, asyncio.CancelledError):
            pass


def make(settings: ClientSettings) -> CommandClient:
    return CommandClient(settings)
