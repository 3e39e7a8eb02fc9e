"""A suite file's cases, checked: inline `cases` (unique ids, every template variable
present, unused variables warned about) or a `cases_from` source (its path inside the
project unless the runner trusts the suite, its format, and its rows read once, streamed,
or left to the `--workers` processes). Part of `build`'s semantic checks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from evalkit.clients.trust import OPT_IN, Trust, file_refusal
from evalkit.errors import MissingDependency
from evalkit.suite.case_files import (
    FileCases,
    FileCheck,
    Format,
    checked_elsewhere,
    guess_format,
    prepare,
)
from evalkit.suite.case_rows import RowSpec, row_to_case
from evalkit.suite.file_report import FileReport
from evalkit.suite.positions import Path_
from evalkit.suite.schema_check import field_path
from evalkit.values import Case, CaseSource

__all__ = ["case_source"]


def case_source(
    report: FileReport,
    data: Mapping[str, Any],
    path: Path,
    names: tuple[str, ...],
    trust: Trust,
    worker: tuple[int, int] | None,
) -> tuple[CaseSource | None, bool]:
    """The suite's case source and whether any case has variants (None on problems)."""
    if "cases" in data and "cases_from" not in data:
        return _inline_cases(report, data.get("cases"), names)
    if "cases_from" in data and "cases" not in data:
        return _file_cases(report, data["cases_from"], path, names, trust, worker)
    return None, False


def _inline_cases(
    report: FileReport, raw: Any, names: tuple[str, ...]
) -> tuple[CaseSource | None, bool]:
    if not isinstance(raw, list):
        return None, False
    bad_paths = {p.field for p in report.problems}
    seen: dict[str, int] = {}
    cases: list[Case] = []
    ok = True
    for i, item in enumerate(raw):
        here: Path_ = ("cases", i)
        if not isinstance(item, Mapping):
            ok = False
            continue
        case_id = item.get("id")
        label = case_id if isinstance(case_id, str) else f"#{i}"
        if isinstance(case_id, str):
            if case_id in seen:
                report.error(
                    (*here, "id"),
                    f"duplicate case id '{case_id}' (first at line {seen[case_id]})",
                    "case ids must be unique within a suite",
                )
            else:
                seen[case_id] = report.line(here)
        variables = item.get("vars", {})
        if isinstance(variables, Mapping):
            where: Path_ = (*here, "vars") if "vars" in item else here
            for name in names:
                if name not in variables:
                    report.error(
                        where,
                        f"the template uses {{{{{name}}}}} but case '{label}' has no var '{name}'",
                        f"add {name} to the case's vars",
                    )
        prefix = field_path(here)
        if any(
            f == prefix or f.startswith(prefix + ".") or f.startswith(prefix + "[")
            for f in bad_paths
        ):
            ok = False
            continue
        case = row_to_case(item, i + 1, report.line(here), RowSpec())
        if isinstance(case, Case):
            cases.append(case)
        else:
            ok = False
            for issue in case:
                report.error((*here, issue.field), issue.message, issue.hint)
    _unused_vars(report, raw, names)
    has_variants = any(c.variants for c in cases)
    return (tuple(cases) if ok else None), has_variants


def _unused_vars(report: FileReport, raw: list[Any], names: tuple[str, ...]) -> None:
    """Warn, once per var name, about inline case vars the prompt never uses: the model
    never sees them, which usually means a typo in a name or a YAML value cut short (in a
    flow mapping, 「{question: 6,000円の…}」 ends at the comma and leaves a var named
    「000円の…」). Not an error: a var may carry knowledge for the scorers
    (`knowledge_vars`) on purpose."""
    unused: dict[str, list[tuple[int, str]]] = {}
    for i, item in enumerate(raw):
        variables = item.get("vars") if isinstance(item, Mapping) else None
        if not isinstance(variables, Mapping):
            continue
        label = item.get("id") if isinstance(item.get("id"), str) else f"#{i}"
        for name in variables:
            if isinstance(name, str) and name not in names:
                unused.setdefault(name, []).append((i, label))
    for name, where in unused.items():
        first, labels = where[0][0], [label for _, label in where]
        shown = ", ".join(labels[:3]) + (f" (+{len(labels) - 3} more)" if len(labels) > 3 else "")
        report.warn(
            ("cases", first, "vars", name),
            f"var '{name}' is not used by the prompt (cases {shown}): the model never sees it",
            "use it in prompt.template as {{" + name + "}}, fix its name, or quote a value "
            "that holds a comma",
        )


def _file_cases(
    report: FileReport,
    raw: Any,
    path: Path,
    names: tuple[str, ...],
    trust: Trust,
    worker: tuple[int, int] | None,
) -> tuple[CaseSource | None, bool]:
    if isinstance(raw, str):
        spec: Mapping[str, Any] = {"path": raw}
        where: Path_ = ("cases_from",)
    elif isinstance(raw, Mapping) and isinstance(raw.get("path"), str):
        spec, where = raw, ("cases_from", "path")
    else:
        return None, False
    rel = str(spec["path"])
    target = path.parent / rel
    display = os.path.normpath(os.path.join(os.path.dirname(report.file), rel))
    if not trust.suites:  # before the existence check: say nothing about outside files
        refused = file_refusal(target, display, path)
        if refused is not None:
            report.error(
                where,
                f"a suite file may not read outside its project: {refused}",
                f"move the file into the project, or {OPT_IN}",
            )
            return None, False
    if not target.exists():
        report.error(
            where,
            f"expected an existing file or folder, but {display} does not exist",
            "cases_from paths are relative to the suite file's folder",
        )
        return None, False
    fmt = spec.get("format") or guess_format(target)
    if fmt not in ("jsonl", "csv", "datasets"):
        if "format" not in spec:
            report.error(
                where,
                f"cannot tell the format of {display} from its name",
                "set format: jsonl, csv or datasets (long form: cases_from: {path: ..., format: ...})",
            )
        return None, False
    if fmt != "datasets" and target.is_dir():
        report.error(where, f"expected a {fmt} file, but {display} is a folder")
        return None, False
    fields = spec.get("fields") if isinstance(spec.get("fields"), Mapping) else {}
    source = FileCases(
        path=target,
        display=display,
        format=cast(Format, fmt),
        spec=RowSpec(
            fields=tuple((str(k), str(v)) for k, v in (fields or {}).items()),
            placeholders=names,
            lenient=fmt == "datasets",
        ),
        split=spec.get("split") if isinstance(spec.get("split"), str) else None,
    )
    try:
        prepared = prepare(source, worker)
        if isinstance(prepared, FileCheck):  # rows checked by `run --workers` workers
            return source, prepared.has_variants
        source = prepared
        result = checked_elsewhere(source) or source.check()
    except MissingDependency as exc:
        report.error(where, str(exc))
        return None, False
    except OSError as exc:
        report.error(where, f"cannot read {display}: {exc.strerror or exc}")
        return None, False
    report.problems.extend(result.problems)
    # A worker's window may hold no variants where another's does: the parent, which saw
    # the whole file, has already judged whether consistency has something to compare.
    has_variants = result.has_variants or source.window is not None
    if result.problems:
        return None, has_variants
    return (
        replace(source, count=result.rows, has_variants=result.has_variants, window_ids=result.ids),
        has_variants,
    )
