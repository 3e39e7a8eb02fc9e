"""Review sheets: choosing the cases to review, writing them as CSV, reading filled ones.

Choosing (`choose`). The corrected failure rate (`evalkit.review.correct`) needs, within
each stratum of automatic outcome, a *random* sample of reviewed cases. A case carries one
outcome per metric and a reviewer labels every metric of the cases they get, so the
strata here are the joint outcomes (e.g. accuracy passed, hallucination flagged) crossed
with `critical`: every critical case is included (a must-never-fail case is worth a human
look), and `n` further cases are spread evenly over the other strata (each gets an equal
share, a small stratum all its cases and its unused share passed on), drawn at random with
`seed`. Equal shares, not proportional ones: the flagged strata are usually the small ones,
and a scorer's precision needs enough of them. Errored cases (no output) are left out.

Writing (`write_sheet`). UTF-8 with a BOM, so spreadsheet tools open Japanese correctly;
CRLF line ends (RFC 4180). Columns: `suite`, `case`, `critical`, `outputs_sha256` (the
outputs' hash, so a review of outputs that later changed is known to be stale), `prompt`,
`outputs`, `references`, `context`, per metric `scorer_<metric>` (pass/fail) and
`reason_<metric>`, then the reviewer's: per metric `human_<metric>` (pass / fail / blank =
not reviewed), `usable` (yes/no), `correction` (none/minor/major), `risk`
(low/medium/high), `comment`, `reviewer`. Text from the model or the suite that a
spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) is
written with a leading apostrophe, the usual guard; nothing is read back from those columns.
The `reason_<metric>` cells are worded in the sheet's language (`lang`: a Japanese case's
reason in Japanese where its codes are stored, any other as `cases.jsonl` holds it): they
are for the reviewer, and `read_sheets` never reads them, so a sheet in either language
imports the same. Column names and the values a reviewer types stay English.

Reading (`read_sheets`) checks every row and reports every problem with file:line:column,
what was expected and how to fix it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit._i18n import case_reason_text

__all__ = [
    "QUALITATIVE",
    "outputs_sha256",
    "choose",
    "sheet_columns",
    "sheet_text",
    "sheet_cells",
    "SheetReview",
    "read_sheets",
]

# Qualitative fields: name → allowed values (blank = not given).
QUALITATIVE: Mapping[str, tuple[str, ...]] = {
    "usable": ("yes", "no"),
    "correction": ("none", "minor", "major"),
    "risk": ("low", "medium", "high"),
}
LABELS = ("pass", "fail")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def outputs_sha256(outputs: Sequence[Any]) -> str:
    """A short hash of a case's outputs (16 hex digits of the SHA-256 of their JSON list,
    ASCII-escaped so a lone surrogate hashes too): equal outputs, equal hash."""
    text = json.dumps(list(outputs), ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


_Key = tuple[bool, str, tuple[tuple[str, bool], ...]]


def _stratum(row: Mapping[str, Any]) -> _Key:
    """(critical, PoC, joint outcome): each PoC is judged on its own cases, so each gets
    its own strata."""
    scores = row.get("scores", {})
    return (
        bool(row.get("critical")),
        str(row.get("poc", "")),
        tuple(sorted((m, bool(s.get("passed"))) for m, s in scores.items())),
    )


def choose(rows: Iterable[Mapping[str, Any]], n: int, seed: int = 0) -> set[tuple[str, str]]:
    """The (suite, case) keys to review: every critical case with an output, and `n` other
    cases spread evenly over the joint-outcome strata (module docstring)."""
    strata: dict[_Key, list[tuple[str, str]]] = {}
    for row in rows:
        if "error" in row:
            continue
        strata.setdefault(_stratum(row), []).append((row["suite"], row["case"]))
    chosen: set[tuple[str, str]] = set()
    rng = random.Random(seed)
    others = []
    for key in sorted(strata):
        if key[0]:
            chosen.update(strata[key])
        else:
            others.append(sorted(strata[key]))
    left = max(0, n)
    # Smallest first: a stratum smaller than its share takes all and passes the rest on.
    others.sort(key=len)
    for i, members in enumerate(others):
        share = -(-left // (len(others) - i))  # ceil: the remainder goes to the larger strata
        take = min(share, len(members))
        chosen.update(rng.sample(members, take))
        left -= take
    return chosen


def sheet_columns(metrics: Sequence[str]) -> list[str]:
    cols = ["suite", "case", "critical", "outputs_sha256", "prompt", "outputs", "references"]
    cols.append("context")
    for m in metrics:
        cols += [f"scorer_{m}", f"reason_{m}"]
    cols += [f"human_{m}" for m in metrics]
    return [*cols, *QUALITATIVE, "comment", "reviewer"]


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


def _text(value: Any) -> str:
    """A reference (text, or a JSON value for the json method) or output as cell text."""
    if value is None:
        return "(no output)"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _outputs(outputs: Sequence[Any]) -> str:
    if len(outputs) == 1:
        return _text(outputs[0])
    return "\n\n".join(f"[{i}] {_text(o)}" for i, o in enumerate(outputs, start=1))


def sheet_text(rows: Iterable[Mapping[str, Any]], metrics: Sequence[str], lang: str = "en") -> str:
    """The CSV review sheet (with its BOM) for `rows` (cases.jsonl rows), in their order,
    the scorers' reasons worded in `lang`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(sheet_columns(metrics))
    writer.writerows(sheet_cells(rows, metrics, lang))
    return "\ufeff" + buf.getvalue()


def sheet_cells(
    rows: Iterable[Mapping[str, Any]], metrics: Sequence[str], lang: str = "en"
) -> list[list[str]]:
    """The sheet's rows as cells, in `sheet_columns(metrics)` order, reviewer columns blank
    and the scorers' reasons worded in `lang` (shared by the CSV sheet and the HTML form, so
    both download the same file)."""
    out = []
    for row in rows:
        scores = row.get("scores", {})
        cells = [
            row["suite"],
            row["case"],
            "yes" if row.get("critical") else "",
            outputs_sha256(row.get("outputs", [])),
            _cell(str(row.get("prompt", ""))),
            _cell(_outputs(row.get("outputs", []))),
            _cell("\n".join(_text(r) for r in row.get("references", []))),
            _cell(str(row.get("context") or "")),
        ]
        for m in metrics:
            s = scores.get(m)
            cells += (
                ["", ""]
                if s is None
                else [
                    "pass" if s["passed"] else "fail",
                    _cell(case_reason_text(s, lang)),
                ]
            )
        cells += [""] * (len(metrics) + len(QUALITATIVE) + 2)
        out.append(cells)
    return out


@dataclass(frozen=True, slots=True)
class SheetReview:
    """One reviewed row of a sheet. `labels`: metric → failed (True) / passed (False), only
    the metrics the reviewer marked; the qualitative fields are None when left blank;
    `source` is "file:line"."""

    suite: str
    case: str
    outputs_sha256: str
    reviewer: str
    labels: Mapping[str, bool]
    usable: str | None
    correction: str | None
    risk: str | None
    comment: str
    source: str


def _expected(values: Sequence[str]) -> str:
    """ "a, b, c or blank": the values a cell may take."""
    return ", ".join(values) + " or blank"


def read_sheets(
    files: Sequence[Path], cases: Mapping[tuple[str, str], frozenset[str]] | None
) -> tuple[list[SheetReview], list[str]]:
    """The reviewed rows of filled sheets, and every problem found (file:line:column:
    what is wrong — how to fix it). `cases` maps each (suite, case) of the result to the
    metrics it was scored on; None (`run --reviews`, before the result exists): the
    values are checked, not whether the cases and metrics exist — a review of a case the
    run then lacks is reported stale. Rows with no review field filled are skipped."""
    reviews: list[SheetReview] = []
    problems: list[str] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot be read as UTF-8 text ({exc}); save it as CSV UTF-8")
            continue
        _read_one(path, text, cases, reviews, problems)
    return reviews, problems


def _read_one(
    path: Path,
    text: str,
    cases: Mapping[tuple[str, str], frozenset[str]] | None,
    reviews: list[SheetReview],
    problems: list[str],
) -> None:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        problems.append(f"{path}:1:1: the file is empty; give a sheet from 'evalkit review sample'")
        return
    except csv.Error as exc:
        problems.append(f"{path}:1:1: not a readable CSV file ({exc})")
        return
    col = {name: i for i, name in enumerate(header)}
    missing = [c for c in ("suite", "case", "outputs_sha256", "reviewer") if c not in col]
    if missing:
        problems.append(
            f"{path}:1:1: the header lacks {', '.join(missing)}; start from a sheet written by "
            "'evalkit review sample' and keep its header row"
        )
        return
    known = set().union(*cases.values()) if cases else set()
    human = {}
    for name, i in col.items():
        if name.startswith("human_"):
            metric = name.removeprefix("human_")
            if cases is not None and metric not in known:
                problems.append(
                    f"{path}:1:{i + 1}: column {name}: the result has no metric {metric!r} "
                    f"(its metrics: {', '.join(sorted(known)) or 'none'}); rename or remove it"
                )
            else:
                human[metric] = i
    line = 1
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"{path}:{start}:1: not readable CSV ({exc}); check its quotes")
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue

        def get(name: str, cells: list[str] = cells) -> str:
            i = col.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        def at(name: str, start: int = start) -> str:
            return f"{path}:{start}:{col[name] + 1}"

        labels: dict[str, bool] = {}
        for metric, i in human.items():
            value = cells[i].strip().lower() if i < len(cells) else ""
            if value in LABELS:
                labels[metric] = value == "fail"
            elif value:
                problems.append(
                    f"{at('human_' + metric)}: human_{metric}: expected {_expected(LABELS)}, "
                    f"got {cells[i].strip()!r} (write pass or fail, or leave it blank)"
                )
        quality: dict[str, str | None] = {}
        for name, allowed in QUALITATIVE.items():
            value = get(name).lower()
            if value and value not in allowed:
                problems.append(
                    f"{at(name)}: {name}: expected {_expected(allowed)}, got {get(name)!r}"
                )
            quality[name] = value if value in allowed else None
        comment = get("comment")
        if not labels and not any(quality.values()) and not comment:
            continue  # not reviewed
        key = (get("suite"), get("case"))
        scored = frozenset(labels) if cases is None else cases.get(key)
        if cases is None and not (key[0] and key[1] and get("outputs_sha256")):
            blank = "suite" if not key[0] else "case" if not key[1] else "outputs_sha256"
            problems.append(
                f"{at(blank)}: {blank} is blank; a review is matched to its case by suite, "
                "case and outputs_sha256 (keep the cells 'evalkit review sample' wrote)"
            )
            continue
        if scored is None:
            problems.append(
                f"{at('case')}: unknown case {key[1]!r} of suite {key[0]!r}: the result has no "
                "such case (was the sheet made from another result?)"
            )
            continue
        for metric in labels:
            if metric not in scored:
                problems.append(
                    f"{at('human_' + metric)}: case {key[1]!r} was not scored on {metric}; "
                    "leave this cell blank"
                )
        reviewer = get("reviewer")
        if not reviewer:
            problems.append(
                f"{at('reviewer')}: reviewer is blank; write who reviewed this row (the "
                "reviews are kept as an audit trail)"
            )
        reviews.append(
            SheetReview(
                suite=key[0],
                case=key[1],
                outputs_sha256=get("outputs_sha256"),
                reviewer=reviewer,
                labels={m: v for m, v in labels.items() if m in scored},
                usable=quality["usable"],
                correction=quality["correction"],
                risk=quality["risk"],
                comment=comment,
                source=f"{path}:{start}",
            )
        )
