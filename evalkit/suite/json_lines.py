"""JSON with lines: `json.loads` checks the syntax (its messages carry the line), then a
small walker over the now known-valid text records where each value and key starts.
Same contract as `positions.parse_yaml`: never raises; NaN/Infinity stay text."""

from __future__ import annotations

import bisect
import json
import math
import re
from typing import Any

from evalkit.suite.positions import MAX_DEPTH, Parsed, ParseIssue, Path_

__all__ = ["parse_json"]

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_LITERALS = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
}


def parse_json(text: str) -> Parsed:
    """`text` parsed as JSON, with lines (see the module docstring)."""
    out = Parsed()
    if not text.strip():
        return out
    try:
        json.loads(text, parse_constant=str)
    except json.JSONDecodeError as exc:
        out.issues.append(
            ParseIssue(exc.lineno, f"invalid JSON: {exc.msg}", "check commas, brackets and quotes")
        )
        return out
    except RecursionError:
        out.issues.append(ParseIssue(None, "the document is nested too deeply", "flatten it"))
        return out
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]
    walker = _JsonWalker(text, newlines, out)
    try:
        out.data, _ = walker.value(_WS.match(text, 0).end(), ())  # type: ignore[union-attr]
    except RecursionError:
        out.data = None
        out.issues.append(ParseIssue(None, "the document is nested too deeply", "flatten it"))
    return out


class _JsonWalker:
    def __init__(self, text: str, newlines: list[int], out: Parsed) -> None:
        self.text = text
        self.newlines = newlines
        self.out = out

    def line(self, idx: int) -> int:
        return bisect.bisect_left(self.newlines, idx) + 1

    def skip(self, idx: int) -> int:
        return _WS.match(self.text, idx).end()  # type: ignore[union-attr]

    def value(self, idx: int, path: Path_) -> tuple[Any, int]:
        text = self.text
        self.out.lines.setdefault(path, self.line(idx))
        if len(path) > MAX_DEPTH:
            raise RecursionError("too deep")
        ch = text[idx]
        if ch == '"':
            return json.decoder.scanstring(text, idx + 1)  # type: ignore[attr-defined]
        if ch == "{":
            return self.obj(idx, path)
        if ch == "[":
            items: list[Any] = []
            idx = self.skip(idx + 1)
            if text[idx] == "]":
                return items, idx + 1
            while True:
                item, idx = self.value(self.skip(idx), (*path, len(items)))
                items.append(item)
                idx = self.skip(idx)
                if text[idx] == "]":
                    return items, idx + 1
                idx = self.skip(idx + 1)  # the comma
        for literal, val in _LITERALS.items():
            if text.startswith(literal, idx):
                return val, idx + len(literal)
        match = _NUMBER.match(text, idx)
        assert match is not None, "json.loads accepted the text"
        raw = match.group(0)
        number: Any = float(raw) if match.group(1) or match.group(2) else int(raw)
        if isinstance(number, float) and not math.isfinite(number):
            number = raw
        return number, match.end()

    def obj(self, idx: int, path: Path_) -> tuple[dict[str, Any], int]:
        text = self.text
        result: dict[str, Any] = {}
        idx = self.skip(idx + 1)
        if text[idx] == "}":
            return result, idx + 1
        while True:
            key_line = self.line(idx)
            key, idx = json.decoder.scanstring(text, idx + 1)  # type: ignore[attr-defined]
            idx = self.skip(self.skip(idx) + 1)  # the colon
            child = (*path, key)
            duplicate = key in result
            if duplicate:
                self.out.issues.append(
                    ParseIssue(
                        key_line,
                        f"duplicate key '{key}' (first at line {self.out.key_lines.get(child, '?')})",
                        "remove one of them",
                        child,
                    )
                )
                value, idx = self.value(idx, ("\0dup", *child))
            else:
                self.out.key_lines[child] = key_line
                value, idx = self.value(idx, child)
                result[key] = value
            idx = self.skip(idx)
            if text[idx] == "}":
                return result, idx + 1
            idx = self.skip(idx + 1)  # the comma
