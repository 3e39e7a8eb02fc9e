"""JSON lines in and out, fast: every per-case row of a run passes through here.

Why orjson: a million-case run parses each case line, each recording and (on resume or
merge) each result row, and writes one ~1 KB result row per case. Measured on this
project's scale load, the standard library takes 2.9 µs to parse a case line and 10.8 µs
to write a result row; orjson takes 0.6 µs and 1.8 µs (`tests/benchmarks/scale.py`).

Why a fallback: the standard library stays the reference for what JSON we accept and how
errors read. A line orjson refuses (NaN literals, lone surrogates, integers beyond 64 bits,
a syntax error) is parsed again by `json`, which either accepts it exactly as before or
raises its familiar `JSONDecodeError`. A row orjson cannot write (an integer beyond 64
bits, a non-text key) is written by `json` with the same options, so output depends only
on the row, never on the environment. NaN and infinities are written as `null` (valid
JSON, where the standard library would write the non-standard `NaN`).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps_compact", "dumps_line", "loads"]

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
_STDLIB_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_STDLIB_DECODE = json.JSONDecoder().decode
_orjson_dumps = orjson.dumps
_orjson_loads = orjson.loads
_OrjsonError = orjson.JSONDecodeError


def dumps_line(value: Any) -> bytes:
    """One JSON line (UTF-8, newline-terminated): sorted keys, compact, non-ASCII text
    kept readable (Japanese stays Japanese)."""
    try:
        return _orjson_dumps(value, option=_OPTIONS)
    except TypeError:
        return (_STDLIB_ENCODER.encode(value) + "\n").encode("utf-8")


_STDLIB_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps_compact(value: Any) -> bytes:
    """Compact UTF-8 JSON in the value's own key order, no newline: a part of an HTTP
    request body (orjson writes a one-message list in ~0.15 µs where the standard library
    takes ~2 µs). What orjson refuses (e.g. an integer beyond 64 bits) is written by the
    standard library with the same options."""
    try:
        return _orjson_dumps(value)
    except TypeError:
        return _STDLIB_COMPACT(value).encode("utf-8")


def loads(data: bytes | str) -> Any:
    """Parse one JSON document; raises `json.JSONDecodeError` (a `ValueError`) with the
    standard library's message when it is not valid JSON.

    orjson reads an integer beyond 64 bits as an inexact float (an id such as
    12345678901234567890123 would change), so a document with 19 digits in a row anywhere
    is read by the standard library, which keeps every integer exact (~1 µs to check)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if _NINETEEN_ZEROS in raw.translate(_DIGITS_TO_ZERO):
        text = data if isinstance(data, str) else data.decode("utf-8")
        return _STDLIB_DECODE(text)
    try:
        return _orjson_loads(raw)
    except _OrjsonError:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return _STDLIB_DECODE(text)


_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_ZEROS = b"0" * 19
