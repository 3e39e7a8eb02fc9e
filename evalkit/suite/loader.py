"""Load and validate suite files: the back end of `evalkit validate` and of every run.

`load_suites(paths)` reads every suite file, and reports every problem of every file in
one `SuiteError` (the user fixes them all in one go instead of one per run):

1. parse YAML/JSON keeping lines (`positions`, `json_lines`); syntax errors, binary garbage and empty
   files become located problems, never tracebacks;
2. validate against the shipped JSON Schema (`schema_check`), worded for people;
3. semantic checks per file (`build`): ids, template variables, registries, scorer
   settings, bars, `cases_from` rows (streamed once), and what the file may do without
   the runner's opt-in (`evalkit.clients.trust`: run programs, read outside its project,
   choose where a key is sent);
4. cross-file checks: suite names are unique; the suites of one PoC agree on each
   metric's thresholds and on the confidence level (a PoC pools their cases), and on its
   phase (one PoC is in one step; the phase words its one verdict), and on the PoC-level
   keys `volume`, `budget_per_month` and `requires` (`poc_keys`).

Warnings (e.g. `tolerable: 0`) never block; they come back in `LoadResult.warnings`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from evalkit.clients.trust import OPT_IN, Trust, suite_file_refusal
from evalkit.errors import Problem, SuiteError, UsageError
from evalkit.suite.build import check_and_build
from evalkit.suite.file_report import FileReport
from evalkit.suite.json_lines import parse_json
from evalkit.suite.poc_keys import poc_key_problems
from evalkit.suite.positions import parse_yaml
from evalkit.suite.schema_check import field_path, schema_problems
from evalkit.values import Suite, Threshold

__all__ = [
    "LoadResult",
    "find_suite_files",
    "load_suites",
    "SUITE_EXTENSIONS",
    "SCHEMA_CHECKED_ENV",
    "schema_checked_by_parent",
]

SUITE_EXTENSIONS = (".yaml", ".yml", ".json")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Valid suites, sorted by suite name, and the warnings found while loading them."""

    suites: tuple[Suite, ...]
    warnings: tuple[Problem, ...]


def find_suite_files(paths: Sequence[str | Path]) -> list[Path]:
    """Suite files named by `paths`: a file is taken as is; a folder contributes every
    .yaml/.yml/.json file below it (sorted; hidden entries and folders written by
    `datasets.save_to_disk` are skipped). Paths keep the form
    they were given in (relative stays relative). Raises `UsageError` for a missing path,
    a file with another extension, or a folder with no suite files."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(_suites_below(path))
            if not inside:
                raise UsageError(f"{path}: no suite files (.yaml, .yml, .json) in this folder")
            found.extend(inside)
        elif path.is_file():
            if path.suffix.lower() not in SUITE_EXTENSIONS:
                raise UsageError(
                    f"{path}: expected a suite file (.yaml, .yml or .json) or a folder"
                )
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(os.path.normpath(os.path.abspath(path)), path)
    return list(unique.values())


# Files `datasets.Dataset.save_to_disk` writes: such a folder is a case source, not suites.
_DATASET_MARKERS = ("dataset_info.json", "state.json", "dataset_dict.json")


def _suites_below(folder: Path) -> list[Path]:
    found: list[Path] = []
    for current, dirs, files in os.walk(folder):
        here = Path(current)
        dirs[:] = [d for d in dirs if not d.startswith(".") and not _is_dataset_folder(here / d)]
        found.extend(
            here / f
            for f in files
            if not f.startswith(".") and Path(f).suffix.lower() in SUITE_EXTENSIONS
        )
    return found


def _is_dataset_folder(folder: Path) -> bool:
    return any((folder / marker).is_file() for marker in _DATASET_MARKERS)


def load_suites(
    paths: Sequence[str | Path],
    trust: Trust | None = None,
    worker: tuple[int, int] | None = None,
) -> LoadResult:
    """Load every suite under `paths` (see `find_suite_files`). Raises `SuiteError` with
    every error of every file; returns the suites and warnings when there are none.

    `trust` is what the runner chose (the default, `Trust()`, is the strictest: nothing
    trusted, each suite's own client checked). A run must use the same choices it loaded
    with: with `trust.client` None the suites' own clients are checked and may be used.
    `worker`: (K, N) in worker K of N of `run --workers`: each JSONL `cases_from` file is
    read and checked only in the worker's own window of it."""
    trust = trust if trust is not None else Trust()
    reports = [load_file(path, trust, worker) for path in find_suite_files(paths)]
    problems = [p for r in reports for p in r.problems]
    problems.extend(_cross_file(reports))
    if problems:
        raise SuiteError(problems)
    suites = sorted((r.suite for r in reports if r.suite is not None), key=lambda s: s.name)
    warnings = tuple(w for r in reports for w in r.warnings)
    return LoadResult(tuple(suites), warnings)


def load_file(
    path: Path, trust: Trust | None = None, worker: tuple[int, int] | None = None
) -> FileReport:
    """Parse, validate and build one suite file; never raises for bad content."""
    display = str(path)
    report = FileReport(display)
    refused = None if trust is not None and trust.suites else suite_file_refusal(path)
    if refused is not None:  # before reading: nothing of the target may reach a message
        report.problems.append(
            Problem(
                display,
                None,
                "(file)",
                f"refused (a suite file is untrusted input): {refused}",
                f"copy the suite into the project, or {OPT_IN}",
            )
        )
        return report
    try:
        blob = path.read_bytes()
    except OSError as exc:
        report.problems.append(
            Problem(display, None, "(file)", f"cannot read the file: {exc.strerror or exc}")
        )
        return report
    try:
        text = blob.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = blob.count(b"\n", 0, exc.start) + 1
        report.problems.append(
            Problem(
                display,
                line,
                "(file)",
                "expected UTF-8 text, found bytes that are not",
                "is this a suite file? save it as UTF-8",
            )
        )
        return report
    parsed = parse_json(text) if path.suffix.lower() == ".json" else parse_yaml(text)
    report.parsed = parsed
    for issue in parsed.issues:
        report.problems.append(
            Problem(
                display,
                issue.line or 1,
                field_path(issue.path) or "(file)",
                issue.message,
                issue.hint,
            )
        )
    if parsed.data is None:
        if not parsed.issues:
            report.problems.append(
                Problem(
                    display,
                    1,
                    "(file)",
                    "the file is empty",
                    "a suite needs at least suite, poc, prompt and cases",
                )
            )
        return report
    digest = hashlib.sha256(blob).hexdigest()
    if worker is None or digest not in schema_checked_by_parent():
        report.problems.extend(schema_problems(parsed, display))
    if isinstance(parsed.data, dict):
        check_and_build(report, parsed.data, path, trust if trust is not None else Trust(), worker)
    report.problems.sort(key=lambda p: (p.file != display, p.line or 0, p.field))
    if report.suite is not None:
        if report.problems:  # pragma: no cover - check_and_build only builds clean files
            report.suite = None
        else:
            report.suite = replace(report.suite, sha256=digest)
    return report


# Set by `evalkit run --workers` for its workers: the SHA-256 of each suite file the parent
# has just validated without a problem (space-separated). A worker skips the JSON Schema
# check of a file with those very bytes: the check would find nothing, and a worker that
# never checks a schema never imports jsonschema (~6 MB of each worker's peak memory and
# ~50 ms of its CPU). Every other check still runs in the worker.
SCHEMA_CHECKED_ENV = "EVALKIT_SCHEMA_CHECKED_SUITES"


def schema_checked_by_parent() -> frozenset[str]:
    """The suite files' SHA-256s in `SCHEMA_CHECKED_ENV` (read when a worker loads)."""
    return frozenset(os.environ.get(SCHEMA_CHECKED_ENV, "").split())


def _bar_text(threshold: Threshold) -> str:
    text = f"tolerable {threshold.bar.tolerable:g}, stop {threshold.bar.stop:g}"
    if threshold.by_tag:
        tags = ", ".join(
            f"{t}: {b.tolerable:g}/{b.stop:g}" for t, b in sorted(threshold.by_tag.items())
        )
        text += f", by_tag {{{tags}}}"
    return text


def _phase_line(report: FileReport) -> int:
    """The `phase` line, or the `poc` line when the file leaves phase at its default."""
    return report.line(("phase",) if ("phase",) in report.parsed.lines else ("poc",))


def _phase_text(report: FileReport) -> str:
    if ("phase",) not in report.parsed.lines:
        return f"{report.phase} (no phase key: the default)"
    return str(report.phase)


def _cross_file(reports: list[FileReport]) -> list[Problem]:
    problems: list[Problem] = []
    by_name: dict[str, FileReport] = {}
    by_poc: dict[str, FileReport] = {}
    metric_owner: dict[tuple[str, str], FileReport] = {}
    by_phase: dict[str, FileReport] = {}
    for report in reports:
        if report.name is not None:
            first = by_name.setdefault(report.name, report)
            if first is not report:
                problems.append(
                    Problem(
                        report.file,
                        report.line(("suite",)),
                        "suite",
                        f"suite name '{report.name}' is also used by {first.file}:{first.line(('suite',))}",
                        "suite names must be unique across the suites run together",
                    )
                )
        if report.poc is None:
            continue
        first = by_poc.setdefault(report.poc, report)
        if first.confidence is None:
            by_poc[report.poc] = first = report
        if (
            first is not report
            and report.confidence is not None
            and first.confidence != report.confidence
        ):
            problems.append(
                Problem(
                    report.file,
                    report.line(("confidence",)),
                    "confidence",
                    f"PoC '{report.poc}' pools the cases of its suites, but this file uses confidence "
                    f"{report.confidence:g} and {first.file} uses {first.confidence or 0:g}",
                    "use the same confidence in every suite of a PoC",
                )
            )
        phase_owner = by_phase.setdefault(report.poc, report)
        if report.phase is None:  # invalid: the schema has said so
            pass
        elif phase_owner.phase is None:
            by_phase[report.poc] = report
        elif phase_owner.phase != report.phase:
            problems.append(
                Problem(
                    report.file,
                    _phase_line(report),
                    "phase",
                    f"PoC '{report.poc}' has one verdict, so one phase, but this file says "
                    f"{_phase_text(report)} and {phase_owner.file}:{_phase_line(phase_owner)} says "
                    f"{_phase_text(phase_owner)}",
                    f"set the same phase (e.g. phase: {phase_owner.phase}) in every suite of the PoC",
                )
            )
        for metric, threshold in report.thresholds.items():
            owner = metric_owner.setdefault((report.poc, metric), report)
            other = owner.thresholds[metric]
            if owner is not report and other != threshold:
                problems.append(
                    Problem(
                        report.file,
                        report.line(("thresholds", metric)),
                        f"thresholds.{metric}",
                        f"PoC '{report.poc}' pools the cases of its suites, but this file sets {metric} to "
                        f"{_bar_text(threshold)} and {owner.file}:{owner.line(('thresholds', metric))} sets {_bar_text(other)}",
                        "use the same thresholds for a metric in every suite of a PoC",
                    )
                )
    problems.extend(poc_key_problems(reports))
    return problems
