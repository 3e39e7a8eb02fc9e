"""A lazy name → object registry shared by clients and scorers.

Why: built-ins and third-party plugins must resolve the same way (simonw/llm), and
nothing may be imported until it is chosen (fast `--help`). A registry holds names and
`"module:attr"` strings; the entry-point group is read only when a name is not built in
(or when all names are listed). Duplicate names are refused; typos get a did-you-mean.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from typing import Any

from evalkit.errors import RegistryError

__all__ = ["Registry", "did_you_mean"]


def did_you_mean(name: str, choices: list[str]) -> str:
    """ " (did you mean 'x'?)" for the closest choice, or "" when nothing is close."""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Registry:
    """Names of one kind of plugin ("client", "scorer") resolved on first use."""

    def __init__(self, kind: str, group: str, builtins: Mapping[str, str]) -> None:
        self.kind = kind
        self.group = group
        self._builtins = dict(builtins)
        self._plugins: dict[str, Any] | None = None
        self._loaded: dict[str, Any] = {}

    def _entry_points(self) -> dict[str, Any]:
        if self._plugins is None:
            # importlib.metadata costs ~15 ms to import: only when a plugin may be needed.
            from importlib.metadata import entry_points

            found: dict[str, Any] = {}
            for ep in entry_points(group=self.group):
                if ep.name in self._builtins or ep.name in found:
                    # Refuse silently shadowing a name: the built-in (or first) one wins,
                    # and `load` of the clashing name says so.
                    found.setdefault(f"!{ep.name}", ep)
                    continue
                found[ep.name] = ep
            self._plugins = found
        return self._plugins

    def names(self) -> list[str]:
        """Every registered name, built-in and plugin, sorted."""
        plugins = [n for n in self._entry_points() if not n.startswith("!")]
        return sorted(set(self._builtins) | set(plugins))

    def __contains__(self, name: str) -> bool:
        return name in self._builtins or name in self._entry_points()

    def check(self, name: str) -> str | None:
        """None if `name` is known, else an error message with a did-you-mean."""
        if name in self:
            return None
        return f"unknown {self.kind} '{name}'{did_you_mean(name, self.names())}; known: {', '.join(self.names())}"

    def load(self, name: str) -> Any:
        """Import and return the object registered as `name` (cached)."""
        if name in self._loaded:
            return self._loaded[name]
        if name in self._builtins:
            module_name, _, attr = self._builtins[name].partition(":")
            obj = getattr(importlib.import_module(module_name), attr)
        else:
            plugins = self._entry_points()
            if name not in plugins:
                raise RegistryError(self.check(name) or name)
            try:
                obj = plugins[name].load()
            except Exception as exc:  # a broken plugin must not look like our bug
                raise RegistryError(
                    f"{self.kind} plugin '{name}' ({plugins[name].value}) failed to load: {exc}"
                ) from exc
        self._loaded[name] = obj
        return obj
