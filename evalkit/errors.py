"""The exception tree. Stdlib only; everything else imports from here.

- `EvalkitError`: base of every error evalkit raises on purpose.
  - `UsageError`: the user asked for something that cannot be done (bad flag, unknown
    client name, missing file). The CLI prints the message and exits 2, no traceback.
    - `SuiteError`: one or more located problems in suite files (all of them at once).
    - `RegistryError`: an unknown or unloadable client/scorer name, with a did-you-mean.
    - `MissingDependency`: an optional package is not installed; says what to pip install.
  - `ResultError`: a result folder or file cannot be read.
  - `ResultWriteError`: a result folder cannot be written (disk full, no permission).
  - `ScoringCallFailed`: a judge's call failed or its reply cannot be read; the engine
    turns it into a per-case error value.

Per-call client failures are *not* exceptions that escape the engine: they become
`Completion(error=...)` values (see `evalkit.values`) and are counted, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass


class EvalkitError(Exception):
    """Base class of evalkit's deliberate errors."""


class UsageError(EvalkitError):
    """A user mistake: printed without a traceback, exit code 2."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in an input file.

    `line` is 1-based (None when the position is unknown); `field` is a path such as
    `cases[3].reference`; `message` says what was expected and found, `hint` how to fix it.
    `severity` is "error" (blocks the run) or "warning" (printed, does not block).
    """

    file: str
    line: int | None
    field: str
    message: str
    hint: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        tag = "warning: " if self.severity == "warning" else ""
        return f"{where}:{field} {tag}{self.message}{hint}"


class SuiteError(UsageError):
    """Every problem found in one pass over the suite files."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RegistryError(UsageError):
    """Unknown or broken plugin name (client or scorer)."""


class MissingDependency(UsageError):
    """An optional dependency is missing; the message carries the pip install line."""

    def __init__(self, package: str, extra: str, why: str) -> None:
        super().__init__(f"{why} needs the '{package}' package: pip install 'evalkit[{extra}]'")


class ResultError(UsageError):
    """A result folder or file that cannot be read (missing, corrupt, wrong schema)."""


class ScoringCallFailed(EvalkitError):
    """A scorer's own model call (an LLM judge) failed, or its reply cannot be read. The
    engine records the case as a client error of `kind` ("judge-error",
    "judge-unreadable"), counted against the error budget like any other: never scored as
    a pass or a failure."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class ResultWriteError(UsageError):
    """The result folder cannot be written: the disk is full, or it is read-only or not
    ours. Not a bug (exit 2): the message names the path and what to do, and what was
    finished is kept for the rerun."""


class ConfigProblem(EvalkitError):
    """A scorer or client rejected its settings. The suite loader turns it into a located
    `Problem` (it knows the file and line); `field` is relative to the scorer's mapping,
    e.g. "threshold" for `scorers.accuracy.threshold`."""

    def __init__(self, field: str, message: str, hint: str = "") -> None:
        self.field = field
        self.message = message
        self.hint = hint
        super().__init__(f"{field}: {message}" + (f" ({hint})" if hint else ""))
