"""Prompt templates: `{{var}}` substitution, and the request hash replay files carry.

Templates never execute code: `{{ name }}` is replaced by `str(vars["name"])` and nothing
else is interpreted (no filters, no expressions, no attribute access). A placeholder whose
variable is missing is a validation error, found by `placeholders` before any run.

`prompt_sha256` — the exact definition (also in the README), so that other tools can
compute it: SHA-256, hex, of the UTF-8 bytes of the JSON array of the rendered messages,
each `{"role": ..., "content": ...}` (system message first when there is one), serialised
with `json.dumps(messages, ensure_ascii=False, separators=(",", ":"), sort_keys=True)`.
Model parameters are not part of it: the hash answers "is this the prompt that was
recorded?", not "were the sampling settings the same?".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from evalkit.values import Message, Prompt

__all__ = ["placeholders", "render", "render_messages", "canonical_messages", "prompt_sha256"]

# json's own string encoder (the C one when available), as json.dumps(ensure_ascii=False) uses.

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")


def placeholders(template: str) -> list[str]:
    """Variable names used by `template`, in order of first use."""
    seen: dict[str, None] = {}
    for match in _PLACEHOLDER.finditer(template):
        seen.setdefault(match.group(1), None)
    return list(seen)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@lru_cache(maxsize=256)
def _pieces(template: str) -> tuple[str, ...]:
    """The template split once into literal text and variable names, alternating
    (literal, name, literal, …, literal): rendering is then a join, not a regex pass
    with a callback per placeholder, for every request of a run."""
    return tuple(_PLACEHOLDER.split(template))


def render(template: str, variables: Mapping[str, Any]) -> str:
    """Substitute `{{var}}` placeholders. Raises KeyError for a missing variable."""
    pieces = _pieces(template)
    if len(pieces) == 3 and not pieces[0] and not pieces[2]:  # the whole template is "{{q}}"
        return _text(variables[pieces[1]])
    out = [pieces[0]]
    for i in range(1, len(pieces), 2):
        out.append(_text(variables[pieces[i]]))
        out.append(pieces[i + 1])
    return "".join(out)


def render_messages(prompt: Prompt, variables: Mapping[str, Any]) -> tuple[Message, ...]:
    """The chat messages for one request: optional system message, then the user message."""
    user = Message("user", render(prompt.template, variables))
    if prompt.system:
        return (Message("system", render(prompt.system, variables)), user)
    return (user,)


def canonical_messages(messages: tuple[Message, ...]) -> str:
    """The exact JSON text `prompt_sha256` hashes (see the module docstring)."""
    return json.dumps(
        [{"role": m.role, "content": m.content} for m in messages],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def prompt_sha256(messages: tuple[Message, ...]) -> str:
    """See the module docstring for the exact definition."""
    return hashlib.sha256(canonical_messages(messages).encode("utf-8")).hexdigest()
