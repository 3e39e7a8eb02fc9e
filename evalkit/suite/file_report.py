"""What checking one suite file yields (`FileReport`): the suite, or the problems and
warnings with their lines, and the facts the cross-file checks compare. Its own module so
that `build` (per file) and `poc_keys` (across files) can both use it without importing
each other."""

from __future__ import annotations

from dataclasses import dataclass, field

from evalkit.errors import Problem
from evalkit.suite.positions import Parsed, Path_
from evalkit.suite.schema_check import field_path
from evalkit.values import Suite, Threshold

__all__ = ["FileReport"]


@dataclass(slots=True)
class FileReport:
    """What one file yielded: the suite (None when it has errors), problems, warnings, and
    the facts the cross-file checks compare (with their lines)."""

    file: str
    suite: Suite | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    name: str | None = None
    poc: str | None = None
    thresholds: dict[str, Threshold] = field(default_factory=dict)
    confidence: float | None = 0.95  # None: set but invalid (the schema reported it)
    phase: str | None = "poc"  # None: set but invalid (the schema reported it)
    # PoC-level keys (`evalkit.suite.poc_keys`); None: not set (or invalid)
    volume: float | None = None
    budget: float | None = None
    requires: tuple[str, ...] | None = None
    currency: str | None = None  # pricing.currency when the file sets pricing
    parsed: Parsed = field(default_factory=Parsed)

    def line(self, path: Path_, key: bool = False) -> int:
        return self.parsed.line_of(path, key=key) or 1

    def error(self, path: Path_, message: str, hint: str = "", key: bool = False) -> None:
        self.problems.append(
            Problem(self.file, self.line(path, key), field_path(path), message, hint)
        )

    def warn(self, path: Path_, message: str, hint: str = "") -> None:
        self.warnings.append(
            Problem(self.file, self.line(path), field_path(path), message, hint, "warning")
        )
