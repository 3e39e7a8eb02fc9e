"""Helpers every scorer shares: the samples rule and parameter checking.

The samples rule turns per-sample outcomes into the case's pass/fail, because the unit of
the failure rate is the case (samples of one case are not independent):

- `majority` (default): strictly more than half of the samples pass (2 of 3, 2 of 2);
- `all`: every sample passes;
- `any`: at least one sample passes;
- a number in (0, 1]: at least that share of samples passes (0.5 = half or more).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.errors import ConfigProblem

__all__ = ["apply_samples_rule", "check_samples_rule", "Params"]

SAMPLE_RULES = ("majority", "all", "any")


def check_samples_rule(value: Any) -> str | float:
    """Validate a `samples_rule` setting; returns it unchanged when valid."""
    if value in SAMPLE_RULES:
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1:
        return float(value)
    raise ConfigProblem(
        "samples_rule",
        f"expected one of {', '.join(SAMPLE_RULES)} or a share in (0, 1], got {value!r}",
        "majority is the default",
    )


def apply_samples_rule(passed: Sequence[bool], rule: str | float = "majority") -> bool:
    """Case-level pass from per-sample passes (see the module docstring)."""
    n = len(passed)
    if n == 0:
        return False
    k = sum(1 for p in passed if p)
    if rule == "majority":
        return k * 2 > n
    if rule == "all":
        return k == n
    if rule == "any":
        return k > 0
    return k >= math.ceil(float(rule) * n - 1e-9)


class Params:
    """Typed reads of a scorer's parameter mapping; unknown keys are an error.

    Usage: `p = Params(config.params); t = p.number("threshold", 0.85, lo=0, hi=1);
    p.done()` — `done()` raises for keys nobody read (typos), with a did-you-mean.
    """

    def __init__(self, params: Mapping[str, Any]) -> None:
        self._params = dict(params)
        self._read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self._read.add(key)
        return self._params.get(key, default)

    def number(
        self, key: str, default: float, lo: float | None = None, hi: float | None = None
    ) -> float:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigProblem(key, f"expected a number, got {value!r}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ConfigProblem(key, f"expected a number in [{lo}, {hi}], got {value!r}")
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise ConfigProblem(key, f"expected true or false, got {value!r}")
        return value

    def choice(self, key: str, default: str, choices: Sequence[str]) -> str:
        from evalkit.common.registry import did_you_mean

        value = self.get(key, default)
        if value not in choices:
            raise ConfigProblem(
                key,
                f"expected one of {', '.join(choices)}, got {value!r}{did_you_mean(str(value), list(choices))}",
            )
        return str(value)

    def done(self) -> None:
        from evalkit.common.registry import did_you_mean

        unknown = sorted(set(self._params) - self._read)
        if unknown:
            key = unknown[0]
            raise ConfigProblem(
                key,
                f"unknown setting{did_you_mean(key, sorted(self._read))}",
                f"known settings: {', '.join(sorted(self._read)) or 'none'}",
            )
