"""Schema checks for result files: `summary.json`, and each row of `cases.jsonl`.

The formats are the JSON Schemas shipped beside this module (`result_summary.schema.json`,
`result_row.schema.json`, draft 2020-12). They type every key a reader uses and allow keys
they do not name (a newer evalkit may add some), so a hand-edited or damaged file is
refused with its file, line, field path and what was expected, instead of a traceback deep
in a report or a silently wrong diff. Result files are untrusted input (DESIGN.md "Trust").

Speed: jsonschema spends 200-300 µs checking one row of the demo results (3 samples, 3
metrics; 2-core VM) — more than running a case costs. So a row is first checked by a
predicate `compile_schema` builds from the same schema file, and jsonschema runs only on a
row the predicate rejects, to word its errors. Measured on the scale load's results
(`evalkit diff` of two 20,000-case runs of `tests/benchmarks/scale.py`, issue 18): 0.7 s
of CPU with the predicate, 6.2 s with jsonschema on every row — for two million-case
results, ~35 s against ~5 minutes.
Tests hold the two to the same answer for every edge value at every path of a valid row
and summary (and on random edits); the predicate refuses a schema keyword it does not know.
The summary, one small document, is checked by jsonschema alone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from evalkit.suite.positions import Parsed
from evalkit.suite.schema_check import describe, field_path

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

__all__ = [
    "SUMMARY_SCHEMA",
    "ROW_SCHEMA",
    "load_result_schema",
    "result_validator",
    "compile_schema",
    "row_is_valid",
    "row_problems",
    "summary_problems",
]

SUMMARY_SCHEMA = "result_summary.schema.json"
ROW_SCHEMA = "result_row.schema.json"
_MAX_LISTED = 8  # problems listed per file; the rest are counted


@cache
def load_result_schema(name: str) -> dict[str, Any]:
    """One of the result schemas shipped in the package (`SUMMARY_SCHEMA`, `ROW_SCHEMA`)."""
    text = resources.files("evalkit.results").joinpath(name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def result_validator(name: str) -> Any:
    """The jsonschema validator of a result schema (numbers must be finite). jsonschema is
    imported here, on first use, not with the module: a run imports this module (through
    the result reader) and most runs never validate a result file with it; jsonschema and
    its dependencies are ~6 MB of every such process."""
    from jsonschema import Draft202012Validator, validators

    def finite_number(checker: Any, instance: Any) -> bool:
        number = Draft202012Validator.TYPE_CHECKER.is_type(instance, "number")
        return bool(number and math.isfinite(instance))

    # JSON has no NaN or Infinity, but Python's json module reads them: a number must be
    # finite (NaN would pass every bound: `NaN < 0` and `NaN > 1` are both false).
    validator = validators.extend(
        Draft202012Validator,
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("number", finite_number),
    )
    return validator(load_result_schema(name))


# ----------------------------------------------------------------------------- the predicate

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description", "$comment"})
_SUPPORTED = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "allOf",
    }
)
# JSON types as the classes `json.loads`/orjson build. A boolean is its own class, so it
# is never an integer or a number (as in JSON Schema).
_CLASSES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "object": (dict,),
    "array": (list,),
    "boolean": (bool,),
    "null": (type(None),),
    "integer": (int, float),  # 1.0 is an integer in JSON Schema; 1.5 is not
    "number": (int, float),
}
_BOUNDS: dict[str, Callable[[Any, Any], bool]] = {
    "minimum": lambda a, b: a >= b,
    "maximum": lambda a, b: a <= b,
    "exclusiveMinimum": lambda a, b: a > b,
    "exclusiveMaximum": lambda a, b: a < b,
}


def compile_schema(schema: Mapping[str, Any]) -> Check:
    """A predicate that is True exactly when `result_validator` finds `schema` valid for a
    value (values as `json.loads`/orjson return them: dict, list, str, int, float, bool,
    None; a number must be finite).
    Supports the keywords the result schemas use; raises `ValueError` on any other, so a
    schema edit cannot silently weaken the check."""
    compiled: dict[str, Check] = {}

    def ref(target: str) -> Check:
        if not target.startswith("#/$defs/"):
            raise ValueError(f"unsupported $ref {target!r}")
        name = target.removeprefix("#/$defs/")

        def check(v: Any) -> bool:  # late-bound: a definition may refer to itself
            return compiled[name](v)

        return check

    def build(node: Mapping[str, Any]) -> Check:
        unknown = {k for k in node if not k.startswith("x-")} - _ANNOTATIONS - _SUPPORTED
        if unknown:
            raise ValueError(f"compile_schema does not support {sorted(unknown)}")
        return _node(node, build, ref)

    defs: Mapping[str, Any] = schema.get("$defs", {})
    for name, definition in defs.items():
        compiled[name] = build(definition)
    return build(schema)


def _node(
    node: Mapping[str, Any], build: Callable[[Any], Check], ref: Callable[[str], Check]
) -> Check:
    """One schema object as one function: the type first, then the keywords of that type."""
    types = node.get("type")
    names = [types] if isinstance(types, str) else types
    classes = frozenset(c for t in names for c in _CLASSES[t]) if names is not None else None
    whole_floats = names is not None and "integer" in names and "number" not in names
    finite = names is not None and ("integer" in names or "number" in names)
    enum: frozenset[str] | None = None
    if "enum" in node:
        if not all(isinstance(c, str) for c in node["enum"]):
            raise ValueError("compile_schema supports enums of strings only")
        enum = frozenset(node["enum"])
    required = tuple(node.get("required", ()))
    properties = {k: build(sub) for k, sub in node.get("properties", {}).items()}
    extra = node.get("additionalProperties", True)
    extra_check: Check | None = (
        None if extra is True else (lambda v: False) if extra is False else build(extra)
    )
    is_object = bool(required or properties or extra_check)
    item = build(node["items"]) if "items" in node else None
    fewest, most = node.get("minItems", 0), node.get("maxItems")
    is_array = item is not None or fewest or most is not None
    shortest = node.get("minLength", 0)
    pattern = re.compile(node["pattern"]) if "pattern" in node else None
    bounds = tuple((op, node[k]) for k, op in _BOUNDS.items() if k in node)
    subs = tuple([ref(node["$ref"])] if "$ref" in node else []) + tuple(
        build(sub) for sub in node.get("allOf", ())
    )

    def check(v: Any) -> bool:
        cls = v.__class__
        if classes is not None:
            if cls not in classes:
                return False
            if cls is float:
                if (whole_floats and not v.is_integer()) or (finite and not math.isfinite(v)):
                    return False
        if enum is not None and (cls is not str or v not in enum):
            return False
        if cls is dict:
            if is_object:
                for key in required:
                    if key not in v:
                        return False
                for key, value in v.items():
                    sub = properties.get(key, extra_check)
                    if sub is not None and not sub(value):
                        return False
        elif cls is list:
            if is_array:
                if len(v) < fewest or (most is not None and len(v) > most):
                    return False
                if item is not None:
                    for x in v:
                        if not item(x):
                            return False
        elif cls is str:
            if len(v) < shortest or (pattern is not None and pattern.search(v) is None):
                return False
        elif cls is int or cls is float:
            for op, bound in bounds:
                if not op(v, bound):
                    return False
        for sub in subs:
            if not sub(v):
                return False
        return True

    return check


@cache
def _row_check() -> Check:
    return compile_schema(load_result_schema(ROW_SCHEMA))


def row_is_valid(row: Any) -> bool:
    """True when `row` is a valid `cases.jsonl` row (the fast predicate; see the docstring)."""
    return _row_check()(row)


# ------------------------------------------------------------------------------ the words

_TYPE_WORDS = {
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _words(err: ValidationError) -> str:
    schema = err.schema if isinstance(err.schema, dict) else {}
    expected = schema.get("x-expected")
    value, kind = err.instance, err.validator
    if kind == "required":
        return "missing (a required key)"
    if expected:
        return f"expected {expected}, got {describe(value)}"
    if kind == "type":
        types = err.validator_value
        names = [types] if isinstance(types, str) else list(types)
        return (
            f"expected {' or '.join(_TYPE_WORDS.get(t, t) for t in names)}, got {describe(value)}"
        )
    if kind == "enum":
        return f"expected one of {', '.join(map(str, err.validator_value))}, got {describe(value)}"
    bound = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "above",
        "exclusiveMaximum": "below",
    }.get(str(kind))
    if bound:
        return f"expected a number {bound} {err.validator_value}, got {describe(value)}"
    if kind in ("minItems", "maxItems"):
        return f"expected {err.validator_value} items or {'more' if kind == 'minItems' else 'fewer'}, got {len(value)}"
    if kind == "minLength":
        return f"expected a non-empty string, got {describe(value)}"
    return err.message


def _leaves(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """The errors to show: an `allOf`/`$ref` wrapper is replaced by what failed inside it."""
    out = []
    for err in errors:
        if err.validator in ("allOf", "anyOf", "oneOf") and err.context:
            out.extend(_leaves(err.context))
        else:
            out.append(err)
    return out


def _problems(name: str, data: Any, where: Callable[[tuple[str | int, ...]], str]) -> list[str]:
    errors = sorted(
        _leaves(result_validator(name).iter_errors(data)),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    lines = []
    for err in errors[:_MAX_LISTED]:
        path: tuple[str | int, ...] = tuple(err.absolute_path)
        if err.validator == "required":  # one error per missing key, located at the key
            missing = [k for k in err.validator_value if k not in err.instance]
            path = (*path, missing[0]) if missing else path
        lines.append(f"{where(path)}: {field_path(path) or '(the whole document)'}: {_words(err)}")
    if len(errors) > _MAX_LISTED:
        lines.append(f"... and {len(errors) - _MAX_LISTED} more")
    return lines


def row_problems(file: str, line: int, row: Any) -> list[str]:
    """Every schema problem of one `cases.jsonl` row, each as `file:line: field: what`
    (empty when the row is valid)."""
    return _problems(ROW_SCHEMA, row, lambda path: f"{file}:{line}")


def summary_problems(file: str, data: Any, parsed: Callable[[], Parsed]) -> list[str]:
    """Every schema problem of a loaded `summary.json`, each as `file:line: field: what`
    (empty when it is valid). `parsed` gives the document with line numbers; it is called
    only when there is something to locate."""
    if result_validator(SUMMARY_SCHEMA).is_valid(data):
        return []
    positions = parsed()

    def where(path: tuple[str | int, ...]) -> str:
        line = positions.line_of(path)
        return f"{file}:{line}" if line else file

    return _problems(SUMMARY_SCHEMA, data, where)
