"""Test infrastructure that may be missing on a developer's machine (a browser, a Ray
cluster): skipped there with a message, but a failure under `CI=true`, where a missing
piece must fail the run instead of quietly turning its tests into skips."""

from __future__ import annotations

import os
from types import ModuleType
from typing import NoReturn

import pytest

__all__ = ["in_ci", "missing_infrastructure", "require_module"]


def in_ci() -> bool:
    """True when the CI environment variable says so (GitHub Actions sets CI=true)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing_infrastructure(reason: str) -> NoReturn:
    """Skip the test for `reason`, or fail it under CI=true."""
    if in_ci():
        pytest.fail(
            f"{reason} — CI=true: missing test infrastructure fails the run instead of skipping",
            pytrace=False,
        )
    pytest.skip(reason)


def require_module(name: str, hint: str) -> ModuleType:
    """`pytest.importorskip`, except that under CI=true a missing module fails the test."""
    try:
        return __import__(name)
    except ImportError:
        missing_infrastructure(f"{name} is not installed: {hint}")
