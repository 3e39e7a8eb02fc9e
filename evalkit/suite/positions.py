"""Parse YAML text into plain values plus the line of every node (JSON: `json_lines`, which
builds on this module's types, so this module never imports it).

Why not `yaml.safe_load` / `json.loads`: they throw positions away, and every problem the
loader reports must carry a 1-based line. Here the YAML node tree (or a small JSON walker)
is turned into plain Python values while recording, for each path (a tuple of mapping
keys and list indexes from the root), the line where its value starts and, for mapping
entries, the line of the key.

Contract: `parse_yaml` never raises for bad input. Syntax errors, binary garbage, duplicate
keys, unsupported YAML tags and the like come back as `ParseIssue`s (line + message);
values are only as complete as the text allowed. Scalars the suite format has no use for
are kept as their source text: timestamps (`2024-01-01`) and non-finite floats (`.nan`,
`NaN`), so no later step ever sees a `datetime` or a NaN. Mapping keys are always strings
(a YAML key `2024:` becomes "2024").

Size (about 400 lines): the YAML event walker and the types the JSON walker shares.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

__all__ = ["Parsed", "ParseIssue", "Path_", "parse_yaml", "MAX_DEPTH"]

# A path from the document root: mapping keys (str) and list indexes (int).
Path_ = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_CONSTRUCTOR = SafeConstructor()
# Limits that keep a hostile or broken file from exhausting memory or the stack.
_MAX_NODES = 5_000_000
MAX_DEPTH = 200


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """A problem found while parsing: 1-based line (None if unknown) and a message."""

    line: int | None
    message: str
    hint: str = ""
    path: Path_ = ()


@dataclass(slots=True)
class Parsed:
    """A parsed document: `data` (None for an empty file), value and key lines per path."""

    data: Any = None
    lines: dict[Path_, int] = field(default_factory=dict)
    key_lines: dict[Path_, int] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)

    def line_of(self, path: Path_, key: bool = False) -> int | None:
        """Line of the value at `path` (or of its key), else of the nearest ancestor."""
        path = tuple(path)
        if key and path in self.key_lines:
            return self.key_lines[path]
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


# ---------------------------------------------------------------------------------- YAML
#
# Values are built from the parser's *events*, iteratively, rather than from PyYAML's node
# tree: libyaml's composer recurses in C and crashes the interpreter on deeply nested
# input, and the pure-Python composer is ~10x slower. The C event parser is used when
# PyYAML was built with libyaml; the pure-Python one otherwise (same events).

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()
_MERGE = _TAG + "merge"
_YAML_HINT = "check indentation, colons and quotes around that line"
_FLOW = re.compile(r"[\[\]{}]")


class _Skip:
    """Marker for a mapping entry whose value is parsed but dropped (bad or duplicate key)."""


_SKIP = _Skip()


@dataclass(slots=True)
class _Frame:
    container: Any  # dict, list, or None for a skipped subtree
    path: Path_
    anchor: str | None
    size: int = 1
    key: Any = None  # for mappings: the pending key (None: the next scalar is a key)
    key_is_merge: bool = False
    key_pending: bool = False  # a list/mapping used as a key is being skipped
    merges: list[Any] = field(default_factory=list)


def _too_deep_flow(text: str) -> int | None:
    """Line where `[`/`{` nesting passes the limit. Both YAML parsers are quadratic in flow
    depth (10,000 `[` take seconds), so hostile nesting is refused before parsing."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    for match in _FLOW.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            return text.count("\n", 0, match.start()) + 1
    return None


def _tab_near(text: str, line: int | None) -> tuple[int, int] | None:
    """(line, column), 0-based, of a tab in the indentation of the line a YAML error points
    at or of the line before it (a tab's error may be reported where the next token
    starts); None when there is none."""
    if line is None or "\t" not in text:
        return None
    lines = text.split("\n")
    for n in (line, line - 1):
        if 0 <= n < len(lines):
            body = lines[n]
            indent = body[: len(body) - len(body.lstrip(" \t"))]
            if "\t" in indent:
                return n, indent.index("\t")
    return None


def parse_yaml(text: str) -> Parsed:
    out = Parsed()
    deep = _too_deep_flow(text)
    if deep is not None:
        out.issues.append(ParseIssue(deep, "the document is nested too deeply", "flatten it"))
        return out
    loader: Any = None
    try:
        loader = _LOADER(text)
        out.data = _build(loader, out)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or _short(exc)
        if exc.context and exc.problem:
            what = f"{exc.context}, {exc.problem}"
        out.data = None
        tab = _tab_near(text, mark.line if mark else None)
        if tab is not None:  # libyaml's words ("cannot start any token") never say "tab"
            out.issues.append(
                ParseIssue(
                    tab[0] + 1,
                    f"invalid YAML: a tab character (column {tab[1] + 1}); YAML indents "
                    "with spaces only",
                    "replace the tab with spaces",
                )
            )
            return out
        out.issues.append(
            ParseIssue(mark.line + 1 if mark else None, f"invalid YAML: {what}", _YAML_HINT)
        )
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        out.data = None
        out.issues.append(
            ParseIssue(line, f"invalid YAML: unexpected character {char!r}", "is this a text file?")
        )
    except yaml.YAMLError as exc:
        out.data = None
        out.issues.append(ParseIssue(None, f"invalid YAML: {_short(exc)}", _YAML_HINT))
    except _TooBig as exc:
        out.data = None
        out.issues.append(
            ParseIssue(exc.line, str(exc), "flatten it, or use cases_from for many cases")
        )
    finally:
        if loader is not None:
            loader.dispose()
    return out


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


class _TooBig(Exception):
    def __init__(self, line: int) -> None:
        super().__init__("the document is too large or too deeply nested (aliases count as copies)")
        self.line = line


def _build(loader: Any, out: Parsed) -> Any:
    """Turn the event stream into plain values, recording lines as it goes."""
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, number of values in it)
    open_anchors: set[str] = set()
    root: Any = None
    documents = 0
    total = 0

    def child_path(line: int) -> tuple[Path_ | None, bool]:
        """Path of the node starting now, and whether it is a mapping key."""
        if not stack:
            return (), False
        top = stack[-1]
        if isinstance(top.container, list):
            return (*top.path, len(top.container)), False
        if isinstance(top.container, dict):
            if top.key is None:
                return None, True
            if top.key is _SKIP:
                return ("\0skip", *top.path), False
            return (*top.path, top.key), False
        return ("\0skip", *top.path), False

    def finish(value: Any, size: int, line: int) -> None:
        """A complete value: put it where it belongs."""
        nonlocal root
        if not stack:
            root = value
            return
        top = stack[-1]
        top.size += size
        if isinstance(top.container, list):
            top.container.append(value)
        elif isinstance(top.container, dict):
            if top.key_pending:  # the skipped key is complete; its value comes next
                top.key_pending = False
                return
            if top.key_is_merge:
                top.merges.extend(value if isinstance(value, list) else [value])
            elif top.key is not _SKIP:
                top.container[top.key] = value
            top.key, top.key_is_merge = None, False

    while loader.check_event():
        event: Any = loader.get_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                mark: Any = event.start_mark
                raise yaml.MarkedYAMLError(
                    problem="expected a single document, but found another", problem_mark=mark
                )
            continue
        if not isinstance(event, (yaml.NodeEvent, yaml.CollectionEndEvent)):
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            frame = stack.pop()
            if frame.merges and isinstance(frame.container, dict):
                _merge(frame, out, line)
            if frame.anchor is not None:
                anchors[frame.anchor] = (frame.container, frame.size)
                open_anchors.discard(frame.anchor)
            finish(frame.container, frame.size, line)
            continue
        total += 1
        if total > _MAX_NODES:
            raise _TooBig(line)
        path, is_key = child_path(line)
        if is_key:
            if _key(stack[-1], event, line, out, anchors):
                stack.append(_Frame(None, ("\0skip",), None))
            continue
        assert path is not None
        out.lines.setdefault(path, line)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in open_anchors:
                out.issues.append(
                    ParseIssue(
                        line, "an alias refers to itself", "remove the recursive alias", path
                    )
                )
                finish(None, 1, line)
                continue
            if event.anchor not in anchors:
                out.issues.append(
                    ParseIssue(
                        line,
                        f"unknown alias '*{event.anchor}'",
                        "define the &anchor before using it",
                        path,
                    )
                )
                finish(None, 1, line)
                continue
            value, size = anchors[event.anchor]
            total += size
            if total > _MAX_NODES:
                raise _TooBig(line)
            finish(value, size, line)
            continue
        if isinstance(event, yaml.ScalarEvent):
            value = _scalar(event, path, out, line)
            if event.anchor is not None:
                anchors[event.anchor] = (value, 1)
            finish(value, 1, line)
            continue
        if len(path) > MAX_DEPTH:
            raise _TooBig(line)
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in ("!", _TAG + "map", _TAG + "seq"):
            out.issues.append(
                ParseIssue(line, f"unsupported YAML tag '{tag}'", "remove the tag", path)
            )
        if event.anchor is not None:
            open_anchors.add(event.anchor)
        container: Any = [] if isinstance(event, yaml.SequenceStartEvent) else {}
        if path and path[0] == "\0skip":
            container = None
        stack.append(_Frame(container, path, event.anchor))
    return root


def _key(
    frame: _Frame, event: Any, line: int, out: Parsed, anchors: dict[str, tuple[Any, int]]
) -> bool:
    """The node starting now is a mapping key: only scalars (or aliases of them) are keys.
    Returns True when the key is a list or mapping whose events must be skipped."""
    if isinstance(event, yaml.ScalarEvent):
        tag = (
            event.tag
            if event.tag not in (None, "!")
            else _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
        )
        if tag == _MERGE:
            frame.key, frame.key_is_merge = "<<", True
            return False
        key: Any = str(event.value)
    elif isinstance(event, yaml.AliasEvent) and isinstance(
        anchors.get(str(event.anchor), (None, 0))[0], (str, int, float)
    ):
        key = str(anchors[str(event.anchor)][0])
    else:
        out.issues.append(
            ParseIssue(
                line, "a mapping key must be plain text, not a list or mapping", "", frame.path
            )
        )
        frame.key = _SKIP
        frame.key_pending = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        return frame.key_pending
    child = (*frame.path, key)
    if key in frame.container:
        first = out.key_lines.get(child, "?")
        out.issues.append(
            ParseIssue(
                line, f"duplicate key '{key}' (first at line {first})", "remove one of them", child
            )
        )
        frame.key = _SKIP
        return False
    out.key_lines[child] = line
    frame.key = key
    return False


def _merge(frame: _Frame, out: Parsed, line: int) -> None:
    """`<<: *base` (or a list of them): keys of the mapping itself win, then earlier merges."""
    for source in frame.merges:
        if not isinstance(source, dict):
            where = out.lines.get((*frame.path, "<<"), line)
            out.issues.append(
                ParseIssue(
                    where, "a merge key (<<) needs a mapping or a list of mappings", "", frame.path
                )
            )
            continue
        for key, value in source.items():
            frame.container.setdefault(key, value)


_SCALARS = {
    _TAG + "int": _CONSTRUCTOR.construct_yaml_int,
    _TAG + "float": _CONSTRUCTOR.construct_yaml_float,
    _TAG + "bool": _CONSTRUCTOR.construct_yaml_bool,
    _TAG + "null": _CONSTRUCTOR.construct_yaml_null,
}


def _scalar(event: Any, path: Path_, out: Parsed, line: int) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = (
            _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
            if tag is None
            else _TAG + "str"
        )
    if tag in _SCALARS:
        try:
            value = _SCALARS[tag](yaml.ScalarNode(tag, event.value))
        except (yaml.YAMLError, ValueError, TypeError, IndexError):
            out.issues.append(
                ParseIssue(line, f"'{event.value}' is not a valid {tag[len(_TAG) :]}", "", path)
            )
            return event.value
        if isinstance(value, float) and not math.isfinite(value):
            return str(event.value)
        return value
    if tag not in (_TAG + "str", _TAG + "timestamp"):
        out.issues.append(ParseIssue(line, f"unsupported YAML tag '{tag}'", "remove the tag", path))
    return str(event.value)
