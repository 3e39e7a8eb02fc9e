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

Why surrogates are escaped: a model may return a lone UTF-16 surrogate (`"\\ud800"` is
valid JSON, and Python reads it as the one code point U+D800), which UTF-8 cannot encode.
Such a code point is written as its JSON escape `\\ud800`, so the text reads back exactly
as it was returned instead of crashing the run at the journal write.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

__all__ = ["dumps_compact", "dumps_line", "escape_surrogates", "loads"]

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
        return _utf8(_STDLIB_ENCODER.encode(value) + "\n")


_STDLIB_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps_compact(value: Any) -> bytes:
    """Compact UTF-8 JSON in the value's own key order, no newline: a part of an HTTP
    request body (orjson writes a one-message list in 0.15 µs where the standard library
    takes 2.2 µs, of the ~230 µs of client CPU a request costs on the HTTP load
    `tests/benchmarks/http_load.py`). What orjson refuses (e.g. an integer beyond 64 bits) is written by the
    standard library with the same options."""
    try:
        return _orjson_dumps(value)
    except TypeError:
        return _utf8(_STDLIB_COMPACT(value))


_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(json_text: str) -> str:
    """JSON text with every surrogate code point written as its `\\uXXXX` escape (what
    `ensure_ascii` would write for it), so it encodes as UTF-8 and reads back the same.
    Only for JSON text: a surrogate can only stand inside a JSON string there. (A high
    surrogate followed by a low one reads back as the one character the pair encodes, as
    JSON defines; a model's reply never holds such a pair unjoined.)"""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


def _utf8(json_text: str) -> bytes:
    try:
        return json_text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (rare: only then is the text searched)
        return escape_surrogates(json_text).encode("utf-8")


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
