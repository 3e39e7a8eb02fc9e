"""What `evalkit merge` calls one complete run: which shards each result holds, and
whether a set of results adds up to exactly one run.

A result records the shards it holds in `provenance.options.shard`: `"I/N"` for
`run --shard I/N`, `"I,J/N"` for a `merge --partial` of some of them, null for a whole run
(unsharded, or a complete merge). Merging is only meaningful for one run's shards, each
exactly once: a missing shard gives a verdict on part of the cases, a repeated one counts
cases twice, and shards of different suites, settings or splits give a verdict on nothing
anyone ran. `check_set` refuses all of these with a message naming what is missing, repeated
or mixed; only a missing shard can be accepted, by asking for a partial merge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit._i18n import Reason
from evalkit.errors import ResultError
from evalkit.results.reader import resolve
from evalkit.results.writer import CASES_NAME, SUMMARY_NAME

__all__ = ["PARTIAL", "Coverage", "parse_held", "check_set", "check_row_counts"]

# How the reason of a partial merge starts (`review import` keeps it when it judges again).
PARTIAL = "PARTIAL:"


@dataclass(frozen=True, slots=True)
class Coverage:
    """The shards a merge holds: `held` (1-based indices) of `of`."""

    held: tuple[int, ...]
    of: int

    @property
    def missing(self) -> tuple[int, ...]:
        return tuple(i for i in range(1, self.of + 1) if i not in self.held)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def label(self) -> str | None:
        """`provenance.options.shard` of the merged result: None when it is the whole run."""
        if self.complete:
            return None
        return f"{','.join(map(str, self.held))}/{self.of}"

    def reason(self, cases: int) -> Reason:
        """The first reason of every PoC of a partial merge (`cases`: the PoC's)."""
        return Reason(
            "partial_merge",
            {
                "held": ", ".join(f"{i}/{self.of}" for i in self.held),
                "missing": ", ".join(f"{i}/{self.of}" for i in self.missing),
                "held_count": str(len(self.held)),
                "missing_count": str(len(self.missing)),
                "cases": str(cases),
            },
        )


def parse_held(shard: Any) -> tuple[frozenset[int], int]:
    """(indices held, N) from a `provenance.options.shard` value; a whole run is ({1}, 1).
    The summary schema has already checked the text's form."""
    if shard is None:
        return frozenset({1}), 1
    held, of = str(shard).split("/")
    return frozenset(int(i) for i in held.split(",")), int(of)


def _shard_of(summary: Mapping[str, Any]) -> Any:
    return ((summary.get("provenance") or {}).get("options") or {}).get("shard")


def _describe(held: frozenset[int], of: int) -> str:
    if of == 1:
        return "a whole run (no --shard)"
    return "shard " + ", ".join(f"{i}/{of}" for i in sorted(held))


_SUITE_FIELDS = (
    ("sha256", "suite file hash"),
    ("path", "suite file path"),
    ("poc", "PoC"),
    ("client", "client"),
    ("samples", "samples"),
    ("params", "model parameters"),
    ("seed", "seed"),
    ("policy", "thresholds and judging policy"),
)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _mixed(first: Path, a: Mapping[str, Any], path: Path, b: Mapping[str, Any]) -> list[str]:
    """How the run `b` (of `path`) differs from the run `a` (of `first`), shard aside."""
    pa, pb = a.get("provenance") or {}, b.get("provenance") or {}
    out = []
    if pa.get("evalkit_version") != pb.get("evalkit_version"):
        out.append(
            f"evalkit version: {pa.get('evalkit_version')} in {first}, "
            f"{pb.get('evalkit_version')} in {path}"
        )
    sa, sb = pa.get("suites") or {}, pb.get("suites") or {}
    for name in sorted(sa.keys() - sb.keys()):
        out.append(f"suite {name} is in {first} but not in {path}")
    for name in sorted(sb.keys() - sa.keys()):
        out.append(f"suite {name} is in {path} but not in {first}")
    for name in sorted(sa.keys() & sb.keys()):
        for key, words in _SUITE_FIELDS:
            va, vb = sa[name].get(key), sb[name].get(key)
            if va != vb:
                out.append(
                    f"suite {name}: {words} differs ({_short(va)} in {first}, "
                    f"{_short(vb)} in {path})"
                )
    oa = {k: v for k, v in (pa.get("options") or {}).items() if k != "shard"}
    ob = {k: v for k, v in (pb.get("options") or {}).items() if k != "shard"}
    for key in sorted(oa.keys() | ob.keys()):
        if oa.get(key) != ob.get(key):
            out.append(
                f"option {key}: {_short(oa.get(key))} in {first}, {_short(ob.get(key))} in {path}"
            )
    return out


def _policies(path: Path, summary: Mapping[str, Any]) -> list[str]:
    """What re-judging needs and `summary` lacks (each suite's PoC and policy)."""
    where = f"{path / SUMMARY_NAME if path.is_dir() else path}"
    suites = (summary.get("provenance") or {}).get("suites")
    if not suites:
        return [f"{where}: provenance.suites: missing (merge re-judges with the suites' policies)"]
    return [
        f"{where}: provenance.suites.{name}.{key}: missing "
        "(merge re-judges with the policy each suite's run recorded)"
        for name, entry in sorted(suites.items())
        for key in ("poc", "policy")
        if key not in entry
    ]


def check_set(
    sources: Sequence[Path], summaries: Sequence[Mapping[str, Any]], partial: bool
) -> Coverage:
    """The shards `sources` hold together, when they are one run's shards each once, with
    none missing unless `partial`. Raises `ResultError` naming every missing, repeated or
    mixed source otherwise (a mixed or repeated set is refused even with `partial`)."""
    problems: list[str] = []
    for path, summary in zip(sources, summaries, strict=True):
        problems += _policies(path, summary)
    if problems:
        raise ResultError("\n".join(problems))
    for path, summary in zip(sources[1:], summaries[1:], strict=True):
        problems += _mixed(sources[0], summaries[0], path, summary)
    held = [parse_held(_shard_of(s)) for s in summaries]
    splits = {of for _, of in held}
    if len(splits) > 1:
        problems.append(
            "different splits: "
            + "; ".join(
                f"{path} is {_describe(h, of)}" for path, (h, of) in zip(sources, held, strict=True)
            )
        )
    if problems:
        raise ResultError(
            "these results are not the shards of one run, so their merge would be judged on "
            "cases nobody ran together (merge refuses this, with or without --partial):\n  - "
            + "\n  - ".join(problems)
        )
    of = held[0][1]
    seen: dict[Path, Path] = {}
    for path in sources:
        key = resolve(path).summary.resolve()
        if key in seen:
            problems.append(f"{path} is given twice")
        seen.setdefault(key, path)
    owner: dict[int, Path] = {}
    for path, (indices, _) in zip(sources, held, strict=True):
        for i in sorted(indices):
            if i in owner and owner[i] != path:
                what = "the whole run" if of == 1 else f"shard {i}/{of}"
                problems.append(f"{what} is given twice: in {owner[i]} and in {path}")
            owner.setdefault(i, path)
    if problems:
        raise ResultError(
            "\n".join(problems) + "\nmerging would count those cases twice; give each shard once"
        )
    coverage = Coverage(held=tuple(sorted(owner)), of=of)
    if not coverage.complete and not partial:
        have = ", ".join(f"{i}/{of} from {owner[i]}" for i in coverage.held)
        missing = ", ".join(f"{i}/{of}" for i in coverage.missing)
        raise ResultError(
            f"incomplete run: shard{'s' if len(coverage.missing) > 1 else ''} {missing} "
            f"missing (have {have}); a verdict on these alone would be about part of the "
            "cases. Give every shard's folder, or add --partial to merge these anyway (the "
            "merged summary then says it is partial)"
        )
    return coverage


def check_row_counts(
    sources: Sequence[Path], summaries: Sequence[Mapping[str, Any]], rows: Mapping[Path, int]
) -> None:
    """Each source's `cases.jsonl` holds as many rows as its summary counts cases (a
    truncated or swapped rows file is refused rather than merged)."""
    for path, summary in zip(sources, summaries, strict=True):
        pocs = summary["pocs"].values()
        if not all("cases" in p for p in pocs):
            continue
        expected = sum(int(p["cases"]) for p in pocs)
        if path in rows and rows[path] != expected:
            raise ResultError(
                f"{path}: its {CASES_NAME} has {rows[path]} rows but its {SUMMARY_NAME} counts "
                f"{expected} cases: the folder is damaged or its files come from different "
                "runs; run that shard again"
            )
