"""PoC-level suite keys: `volume`, `budget_per_month`, `requires`.

They describe the feature, not one suite: how many answers it gives per month, what it may
cost per month, what evidence its phase needs. So they may be written once, in any suite of
the PoC; every suite that writes one must give it the same value (a disagreement is an
error that names both files). Checked here, across the PoC's suites:

- `budget_per_month` needs `volume` (the budget is compared with the projected monthly
  cost, which needs the volume);
- `volume` needs `pricing` in at least one suite of the PoC (else nothing is priced), and
  every suite's `pricing.currency` must be the same (the projection adds costs in one
  currency; the budget is in it); a suite of the PoC without `pricing` gets a warning
  (its cases add nothing to the projection);
- `requires` names `review`, `budget` or a metric (a typo gets a did-you-mean).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from evalkit.common.registry import did_you_mean
from evalkit.errors import Problem
from evalkit.values import REVIEW_METRICS
from evalkit.verdict.requirements import BUDGET, REVIEW

if TYPE_CHECKING:
    from evalkit.suite.file_report import FileReport

__all__ = ["read_poc_keys", "poc_key_problems"]


def _num(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def read_poc_keys(report: FileReport, data: Mapping[str, Any]) -> None:
    """Record this file's PoC-level keys (and its pricing currency) on `report`, and check
    the names in `requires`. Invalid shapes are left to the schema (recorded as unset)."""
    from evalkit.scorers import REGISTRY, check_metric

    volume = data.get("volume")
    per_month = _num(volume.get("per_month")) if isinstance(volume, Mapping) else None
    report.volume = per_month if per_month is not None and per_month > 0 else None
    budget = _num(data.get("budget_per_month"))
    report.budget = budget if budget is not None and budget >= 0 else None
    pricing = data.get("pricing")
    if isinstance(pricing, Mapping):
        currency = pricing.get("currency", "USD")
        report.currency = currency if isinstance(currency, str) and currency else None
    raw = data.get("requires")
    if not isinstance(raw, list) or not all(isinstance(n, str) and n for n in raw):
        return
    report.requires = tuple(raw)
    scorers = data.get("scorers")
    for i, name in enumerate(raw):
        if name in (REVIEW, BUDGET) or name in REVIEW_METRICS:
            continue
        own = scorers.get(name) if isinstance(scorers, Mapping) else None
        if check_metric(name, own) is None:
            continue
        choices = [REVIEW, BUDGET, *REGISTRY.names(), *REVIEW_METRICS]
        report.error(
            ("requires", i),
            f"expected review, budget or a metric name, got {name!r}{did_you_mean(name, choices)}",
            f"known: {', '.join(choices)} (or a rubric metric this suite defines)",
        )


def _line(report: FileReport, *path: str | int) -> int:
    """The key's line, or the `poc` line when the file does not set it."""
    return report.line(path if path in report.parsed.lines else ("poc",))


def _value_text(key: str, value: Any) -> str:
    if key == "requires":
        return f"[{', '.join(value)}]"
    return f"{value:g}"


def poc_key_problems(reports: Sequence[FileReport]) -> list[Problem]:
    """The cross-file errors of the PoC-level keys (warnings go on the reports)."""
    problems: list[Problem] = []
    by_poc: dict[str, list[FileReport]] = {}
    for report in reports:
        if report.poc is not None:
            by_poc.setdefault(report.poc, []).append(report)
    for poc, members in by_poc.items():
        owners: dict[str, FileReport] = {}
        for key, attr, path in (
            ("volume.per_month", "volume", ("volume", "per_month")),
            ("budget_per_month", "budget", ("budget_per_month",)),
            ("requires", "requires", ("requires",)),
        ):
            for report in members:
                value = getattr(report, attr)
                if value is None:
                    continue
                owner = owners.setdefault(key, report)
                other = getattr(owner, attr)
                same = set(value) == set(other) if key == "requires" else value == other
                if not same:
                    problems.append(
                        Problem(
                            report.file,
                            _line(report, *path),
                            key,
                            f"PoC '{poc}' is one feature, but this file sets {key} to "
                            f"{_value_text(key, value)} and {owner.file}:{_line(owner, *path)} "
                            f"sets {_value_text(key, other)}",
                            f"give {key} the same value in every suite of the PoC that sets it "
                            "(or set it in one suite only)",
                        )
                    )
        problems.extend(_projection_problems(poc, members, owners))
    return problems


def _projection_problems(
    poc: str, members: Sequence[FileReport], owners: Mapping[str, FileReport]
) -> list[Problem]:
    problems: list[Problem] = []
    volume, budget = owners.get("volume.per_month"), owners.get("budget_per_month")
    if budget is not None and volume is None:
        problems.append(
            Problem(
                budget.file,
                _line(budget, "budget_per_month"),
                "budget_per_month",
                f"PoC '{poc}' has a monthly budget but no monthly volume, so there is no "
                "projected monthly cost to compare it with",
                "add volume: {per_month: N} (how many answers the feature gives per month)",
            )
        )
    if volume is None:
        return problems
    priced = [r for r in members if r.currency is not None]
    if not priced:
        problems.append(
            Problem(
                volume.file,
                _line(volume, "volume", "per_month"),
                "volume",
                f"the monthly cost projection of PoC '{poc}' needs the model's prices, but no "
                "suite of the PoC sets pricing",
                "add pricing: {input_per_million: 0.15, output_per_million: 0.60} (your "
                "model's; currency: USD by default)",
            )
        )
        return problems
    first = priced[0]
    for report in priced[1:]:
        if report.currency != first.currency:
            problems.append(
                Problem(
                    report.file,
                    _line(report, "pricing", "currency"),
                    "pricing.currency",
                    f"PoC '{poc}' projects its monthly cost in one currency, but this file "
                    f"prices in {report.currency} and {first.file}:"
                    f"{_line(first, 'pricing', 'currency')} in {first.currency}",
                    "use one currency in every suite of a PoC with volume (convert the prices)",
                )
            )
    for report in members:
        if report.currency is None:
            report.warn(
                ("poc",),
                f"no pricing: this suite's cases add nothing to PoC '{poc}''s monthly cost "
                f"projection (volume at {volume.file}:{_line(volume, 'volume', 'per_month')})",
                "add the model's pricing to this suite, or ignore this if its calls cost nothing",
            )
    return problems
