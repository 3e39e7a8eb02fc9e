"""Model clients, resolved by name through one registry (built-ins and `evalkit.clients`
entry points alike). Importing this package imports no client implementation.

A plugin registers a factory `def make(settings: ClientSettings) -> Client` under the
entry-point group `evalkit.clients`; `NAME[:ARG]` on the command line or in a suite's
`client:` key selects it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalkit.clients.base import Client, ClientSettings
from evalkit.common.registry import Registry
from evalkit.errors import UsageError

__all__ = ["Client", "ClientSettings", "REGISTRY", "parse_spec", "build_client"]

REGISTRY = Registry(
    "client",
    "evalkit.clients",
    {
        "replay": "evalkit.clients.replay:make",
        "openai": "evalkit.clients.openai:make",
        "anthropic": "evalkit.clients.anthropic:make",
        "command": "evalkit.clients.command:make",
    },
)


def parse_spec(spec: str, base_dir: Path, options: dict[str, Any] | None = None) -> ClientSettings:
    """Split `NAME[:ARG]` and check the name is registered (with a did-you-mean)."""
    name, sep, arg = spec.partition(":")
    name = name.strip()
    if not name:
        raise UsageError(
            f"client spec '{spec}' has no name; expected NAME[:ARG], e.g. replay:fixtures/x.jsonl"
        )
    problem = REGISTRY.check(name)
    if problem:
        raise UsageError(problem)
    return ClientSettings(
        name=name, arg=arg if sep else None, base_dir=base_dir, options=dict(options or {})
    )


def build_client(settings: ClientSettings) -> Client:
    """Import the chosen client and build it."""
    factory = REGISTRY.load(settings.name)
    client = factory(settings)
    if not isinstance(client, Client):
        raise UsageError(
            f"client '{settings.name}' did not return an evalkit Client (got {type(client).__name__})"
        )
    return client
