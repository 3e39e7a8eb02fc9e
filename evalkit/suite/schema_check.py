"""Validate a parsed suite against the shipped JSON Schema and word the errors for people.

The schema (`evalkit/suite/schema.json`, draft 2020-12) is the single description of the
suite format: editors use it while typing, and the loader validates with it. jsonschema's
own messages ("Additional properties are not allowed ('refrence' was unexpected)") are
translated here into located `Problem`s that say what was expected and what was found,
with a did-you-mean for unknown keys. The schema carries two evalkit annotations used for
the wording: `x-expected` (what a value should be, in words) and `x-error` (the message
for a composite rule such as "reference or references, not both").

Every error jsonschema reports is kept (`iter_errors`), so one run lists them all.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from evalkit.common.registry import did_you_mean
from evalkit.errors import Problem
from evalkit.suite.positions import Parsed, Path_

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

__all__ = ["load_schema", "schema_problems", "field_path", "describe", "quote_hint"]


@cache
def load_schema() -> dict[str, Any]:
    """The suite JSON Schema shipped inside the package."""
    text = resources.files("evalkit.suite").joinpath("schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    # Imported here, not at the top: `describe` and `field_path` are used by processes that
    # validate no suite file (a `run --workers` worker, see `evalkit.suite.loader`), and
    # jsonschema with its dependencies is ~6 MB and ~50 ms per process.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema())


def field_path(path: Path_) -> str:
    """`("cases", 3, "reference")` → `cases[3].reference`. Indexes are 0-based."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def describe(value: Any) -> str:
    """A found value in words, for "expected X, got Y"."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if not value:
            return "an empty string"
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    return type(value).__name__


def quote_hint(expected: str, value: Any) -> str:
    """ "quote it" when text was expected and YAML read a number or a boolean."""
    if "string" not in expected and "text" not in expected and "tag" not in expected:
        return ""
    if isinstance(value, bool):
        return "quote it: YAML reads true/false/yes/no/on/off as booleans"
    if isinstance(value, (int, float)):
        return "quote it"
    return ""


def fullwidth_hint(value: Any) -> str:
    """For a number written in full-width characters (「０.１０」, 「３」): YAML reads it as
    text, so say so and give the ASCII spelling. Not accepted silently: the suite's values
    are what YAML (and an editor checking the JSON Schema) reads."""
    if not isinstance(value, str) or value.isascii():
        return ""
    ascii_form = unicodedata.normalize("NFKC", value).strip()
    try:
        float(ascii_form)
    except ValueError:
        return ""
    return f"written in full-width characters, which YAML reads as text: write {ascii_form}"


_TYPE_WORDS = {
    "string": "a string",
    "object": "a mapping",
    "array": "a list",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def _type_words(types: Any) -> str:
    if isinstance(types, str):
        types = [types]
    return " or ".join(_TYPE_WORDS.get(t, t) for t in types)


def schema_problems(parsed: Parsed, file: str) -> list[Problem]:
    """Every schema violation of `parsed.data`, located and worded."""
    problems: dict[Problem, None] = {}  # ordered set: `required` reports once per missing key
    for error in _validator().iter_errors(parsed.data):
        problems.update(dict.fromkeys(_translate(error, parsed, file)))
    return list(problems)


def _translate(err: ValidationError, parsed: Parsed, file: str) -> list[Problem]:
    path: Path_ = tuple(err.absolute_path)
    schema = err.schema if isinstance(err.schema, dict) else {}
    expected = str(schema.get("x-expected", ""))
    hint = str(schema.get("x-hint", ""))
    kind = err.validator
    value = err.instance

    def at(where: Path_, message: str, hint: str = "", key: bool = False) -> Problem:
        return Problem(file, parsed.line_of(where, key=key) or 1, field_path(where), message, hint)

    if "propertyNames" in err.schema_path:
        known = _property_names(schema)
        where = (*path, str(value))
        return [
            at(
                where,
                f"unknown case field '{value}'{did_you_mean(str(value), known)}",
                f"use one of {', '.join(known)}, or vars.<name>",
                key=True,
            )
        ]
    if kind == "additionalProperties" and isinstance(value, dict):
        known = list(schema.get("properties", {}))
        out = []
        for key in value:
            if key not in known:
                mean = did_you_mean(key, known)
                hint = "" if mean else f"known keys: {', '.join(known)}"
                out.append(at((*path, key), f"unknown key '{key}'{mean}", hint, key=True))
        return out
    if kind == "required" and isinstance(value, dict):
        return [
            Problem(
                file,
                parsed.line_of(path) or 1,
                field_path((*path, key)),
                f"missing required key '{key}'",
            )
            for key in err.validator_value
            if key not in value
        ]
    if "x-error" in schema and kind in ("not", "anyOf", "oneOf", "allOf"):
        return [at(path, str(schema["x-error"]))]
    if kind in ("anyOf", "oneOf"):
        if err.context and all(e.validator == "required" for e in err.context):
            names = [str(e.validator_value[0]) for e in err.context]
            return [at(path, f"missing required key '{names[0]}' (or {', '.join(names[1:])})")]
        # The branch whose type the value has (e.g. the mapping form of cases_from) says
        # best what is wrong: report its errors rather than "expected A or B".
        branches: dict[Any, list[ValidationError]] = {}
        for sub in err.context or ():
            branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
        matching = [
            errs
            for errs in branches.values()
            if not any(e.validator == "type" and not e.relative_path for e in errs)
        ]
        if len(matching) == 1:
            return [p for sub in matching[0] for p in _translate(sub, parsed, file)]
        deeper = [e for e in err.context or () if e.relative_path]
        if deeper:
            from jsonschema.exceptions import best_match

            return _translate(best_match(deeper), parsed, file)
        words = expected or "a valid value"
        fix = fullwidth_hint(value) or quote_hint(words, value) or hint
        return [at(path, f"expected {words}, got {describe(value)}", fix)]
    if kind == "type":
        words = expected or _type_words(err.validator_value)
        fix = fullwidth_hint(value) or quote_hint(words, value) or hint
        return [at(path, f"expected {words}, got {describe(value)}", fix)]
    if kind in ("enum", "const"):
        choices = [
            str(c) for c in (err.validator_value if kind == "enum" else [err.validator_value])
        ]
        mean = did_you_mean(str(value), choices) if isinstance(value, str) else ""
        message = f"expected one of {', '.join(choices)}, got {describe(value)}{mean}"
        return [at(path, message, "" if mean else hint)]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = expected or f"a number {_BOUND_WORDS[kind]} {err.validator_value}"
        return [at(path, f"expected {words}, got {describe(value)}", hint)]
    if kind == "minItems":
        words = expected or f"at least {err.validator_value} item(s)"
        return [at(path, f"expected {words}, got {describe(value)}", "add at least one")]
    if kind == "minLength":
        return [at(path, f"expected {expected or 'a non-empty string'}, got an empty string")]
    return [at(path, err.message, hint)]


_BOUND_WORDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}


def _property_names(schema: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for branch in schema.get("anyOf", []):
        names.extend(str(n) for n in branch.get("enum", []))
    return names
