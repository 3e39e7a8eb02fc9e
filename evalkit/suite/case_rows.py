"""One row of a `cases_from` source → a `Case`, with cheap hand-written checks.

Why hand-written and not the JSON Schema: rows are checked one by one in a streaming pass
over files of up to millions of rows, and jsonschema costs ~27 µs per row (~27 s per pass
over the 1M-case scale load, `tests/benchmarks/scale.py`); these checks cost a few
isinstance calls (~5 µs a row, profiled on the same load). The rules match the schema's `case` definition so that an
inline case and a file row are held to the same format, with the same wording
("expected a string or a list of strings, got 42 (quote it)").

How a row maps onto a case (`RowSpec`):

- With no `fields` mapping, a row carries case fields directly under their own names
  (`id`, `vars`, `reference`, `references`, `context`, `forbidden`, `answerable`, `tags`,
  `critical`, `variants`). When the row has no `vars` column, every other column becomes a
  template variable (so a CSV `id,question,reference` needs no mapping); when it has one,
  any other column is an error (most likely a typo of a case field).
- With `fields: {<case field>: <column>}`, the named columns feed those case fields and
  `vars.<name>: <column>` feeds one variable. Columns not named in the mapping still act
  as case fields when they carry a case field's name the mapping does not set, and as
  variables otherwise (unless there is a `vars` column, or `fields` maps `vars` to one).
- A missing or null value means "not set". A row without an id gets `row-<n>` (n is the
  1-based row number). An integer id is accepted as its decimal text.
- `lenient` (datasets sources, whose columns are typed): numbers in text fields are taken
  as their text instead of being an error, since the user cannot "quote" a parquet column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalkit.common.registry import did_you_mean
from evalkit.suite.schema_check import describe
from evalkit.values import Case

__all__ = ["CASE_FIELDS", "RowSpec", "RowIssue", "row_to_case", "row_parts"]

CASE_FIELDS = (
    "id",
    "vars",
    "reference",
    "references",
    "context",
    "forbidden",
    "answerable",
    "tags",
    "critical",
    "variants",
)
_CASE_FIELD_SET = frozenset(CASE_FIELDS)


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem in one row: the case field (or column) it concerns, message and hint."""

    field: str
    message: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class RowSpec:
    """How rows of one source map onto cases (see the module docstring).

    `fields` pairs case field (or `vars.<name>`) with source column; `placeholders` are
    the template's variables, which every case and variant must define.
    """

    fields: tuple[tuple[str, str], ...] = ()
    placeholders: tuple[str, ...] = ()
    lenient: bool = False


def _remap(
    row: Mapping[str, Any], fields: tuple[tuple[str, str], ...]
) -> tuple[dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {}
    mapped_vars: dict[str, Any] = {}
    consumed = set()
    for target, column in fields:
        consumed.add(column)
        if column in row:
            if target.startswith("vars."):
                mapped_vars[target[5:]] = row[column]
            else:
                values[target] = row[column]
    for column, value in row.items():
        if column not in consumed and (column not in _CASE_FIELD_SET or column not in values):
            values.setdefault(column, value)
    return values, mapped_vars


# The converted fields of a row, in `Case` argument order (without `line`).
Parts = tuple[
    str,
    dict[str, Any],
    tuple[Any, ...],
    "str | None",
    tuple[str, ...],
    bool,
    tuple[str, ...],
    bool,
    tuple[Mapping[str, Any], ...],
]


def row_to_case(
    row: Mapping[str, Any], rowno: int, line: int | None, spec: RowSpec
) -> Case | list[RowIssue]:
    """The row's `Case`, or every problem found in it (never raises)."""
    parts = row_parts(row, rowno, spec)
    if isinstance(parts, list):
        return parts
    return Case(*parts, line=line)


def row_parts(row: Mapping[str, Any], rowno: int, spec: RowSpec) -> Parts | list[RowIssue]:
    """`row_to_case` without building the `Case`: the validation pass needs only the
    verdict. The common row (id, vars, reference) goes through a handful of dict lookups
    and isinstance calls (see the module docstring for why not jsonschema); a row with no
    column beyond the case fields builds no set of extra columns, and an unset
    `answerable` / `critical` takes its default without a call: on the scale load's rows
    (`tests/benchmarks/scale.py`) 1.5 µs a conversion against 2.1 µs before (one process,
    20 alternating rounds, minima), ~1.2 µs a case, whose row is converted twice (the
    validation pass, then the run's)."""
    values: Mapping[str, Any] = row
    mapped_vars: dict[str, Any] | None = None
    if spec.fields:
        values, mapped_vars = _remap(row, spec.fields)
    issues: list[RowIssue] = []
    get = values.get

    case_id = get("id")
    if case_id.__class__ is not str or not case_id:
        if case_id is None or case_id == "":
            case_id = f"row-{rowno}"
        elif isinstance(case_id, int) and not isinstance(case_id, bool):
            case_id = str(case_id)
        elif not isinstance(case_id, str):
            issues.append(RowIssue("id", f"expected a case id (text), got {describe(case_id)}"))
            case_id = f"row-{rowno}"

    raw_vars = get("vars")
    if raw_vars.__class__ is dict:
        variables: dict[str, Any] = raw_vars.copy()
    elif raw_vars is None:
        variables = {}
    elif isinstance(raw_vars, Mapping):
        variables = dict(raw_vars)
    else:
        variables = {}
        issues.append(
            RowIssue("vars", f"expected a mapping of template variables, got {describe(raw_vars)}")
        )
    if mapped_vars:
        variables.update(mapped_vars)
    extra = () if _CASE_FIELD_SET.issuperset(values) else values.keys() - _CASE_FIELD_SET
    if extra:
        if "vars" in values:
            for column in sorted(extra):
                issues.append(
                    RowIssue(
                        column,
                        f"unknown column '{column}'{did_you_mean(column, list(CASE_FIELDS))}",
                        "with a vars column, every other column must be a case field",
                    )
                )
        else:
            for column in extra:
                variables[column] = values[column]

    references: tuple[Any, ...] = ()
    reference, refs = get("reference"), get("references")
    if reference is not None:
        if refs is not None:
            issues.append(RowIssue("reference", "give either reference or references, not both"))
        elif reference.__class__ is str:
            references = (reference,)
        else:
            references = _references("reference", reference, issues, spec.lenient, allow_one=True)
    elif refs is not None:
        references = _references("references", refs, issues, spec.lenient, allow_one=False)

    context = get("context")
    if context is not None and not isinstance(context, str):
        if spec.lenient and isinstance(context, (int, float)) and not isinstance(context, bool):
            context = str(context)
        else:
            issues.append(_expected("context", "a string", context))
            context = None

    value = get("forbidden")
    forbidden = (
        () if value is None else _strings("forbidden", value, issues, spec.lenient, allow_one=True)
    )
    value = get("tags")
    tags = () if value is None else _strings("tags", value, issues, spec.lenient, allow_one=False)
    value = get("answerable")
    answerable = True if value is None else _flag("answerable", value, True, issues)
    value = get("critical")
    critical = False if value is None else _flag("critical", value, False, issues)

    variants: tuple[Mapping[str, Any], ...] = ()
    raw_variants = get("variants")
    if raw_variants is not None:
        if isinstance(raw_variants, list) and all(isinstance(v, Mapping) for v in raw_variants):
            variants = tuple({**variables, **v} for v in raw_variants)
        else:
            issues.append(_expected("variants", "a list of mappings of vars", raw_variants))

    # Variants are merged over vars, so checking vars covers every variant too.
    for name in spec.placeholders:
        if name not in variables:
            issues.append(
                RowIssue(
                    "vars",
                    f"the template uses {{{{{name}}}}} but case '{case_id}' has no var '{name}'",
                    f"add a '{name}' column or vars entry",
                )
            )
    if issues:
        return issues
    return (
        case_id,
        variables,
        references,
        context,
        forbidden,
        answerable,
        tags,
        critical,
        variants,
    )


def _expected(field: str, words: str, value: Any) -> RowIssue:
    quote = isinstance(value, (int, float)) and "string" in words
    hint = (
        (
            "quote it: YAML and JSON read true/false as booleans"
            if isinstance(value, bool)
            else "quote it"
        )
        if quote
        else ""
    )
    return RowIssue(field, f"expected {words}, got {describe(value)}", hint)


def _references(
    field: str, value: Any, issues: list[RowIssue], lenient: bool, allow_one: bool
) -> tuple[Any, ...]:
    if isinstance(value, (str, Mapping)) and allow_one:
        return (value,)
    if lenient and isinstance(value, (int, float)) and not isinstance(value, bool):
        return (str(value),)
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            if isinstance(item, (str, Mapping)) or (isinstance(item, list) and not allow_one):
                out.append(item)
            elif lenient and isinstance(item, (int, float)) and not isinstance(item, bool):
                out.append(str(item))
            else:
                issues.append(_expected(field, "a string or a list of strings", item))
                return ()
        return tuple(out)
    issues.append(
        _expected(
            field, "a string or a list of strings" if allow_one else "a list of strings", value
        )
    )
    return ()


def _strings(
    field: str, value: Any, issues: list[RowIssue], lenient: bool, allow_one: bool
) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) and allow_one:
        return (value,)
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif lenient and isinstance(item, (int, float)) and not isinstance(item, bool):
                out.append(str(item))
            else:
                issues.append(_expected(field, "a list of strings", item))
                return ()
        return tuple(out)
    issues.append(
        _expected(
            field, "a string or a list of strings" if allow_one else "a list of strings", value
        )
    )
    return ()


def _flag(field: str, value: Any, default: bool, issues: list[RowIssue]) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    issues.append(_expected(field, "true or false", value))
    return default
