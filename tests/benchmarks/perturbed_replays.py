"""Known slips planted in the demo suites' replayed outputs: does the hallucination scorer
catch them? (A script that prints figures, not a test.)

The demo recordings (English and Japanese) are written like real outputs: they paraphrase
their knowledge. Each `--kind` plants one common, harmful slip in every output of a case:

- `numbers` — a number stitched from the wrong place: the right sentence with a number taken
  from elsewhere in the document (the hotel limit for the allowance, the 2 p.m. cut-off for
  a price). The first number of the case's outputs (4 or more: smaller ones count list items
  and steps) is replaced, in every output, by another number the suite file states (drawn
  with a fixed seed from the suite's own numbers, a different value).
- `denials` — a statement flipped to its denial: the first "is / are / can / will /
  includes" of an output that has no negation yet becomes "is not / are not / cannot / will
  not / does not include"; in Japanese the first 「できます / あります / されます / です。」
  becomes 「できません / ありません / されません / ではありません。」. A case counts only when
  every one of its outputs was flipped (otherwise the unflipped samples outvote it).

Outputs are NFKC-normalised first, so 「３日」 and "3日" are one number. Both the original and
the perturbed recordings are run through `evalkit run` (the suites as shipped, default
scorers); a case counts when its hallucination score passed on the original outputs, and is
*caught* when it fails on the perturbed ones. Accuracy's catches are printed beside it for
reference (the reference often names the number).

    python tests/benchmarks/perturbed_replays.py [--kind numbers|denials] [--seed 7] [--misses]

`--misses` prints each missed case: the change and the hallucination reason. Some planted
slips are not errors a user would mind (a number the answer only repeats from the question);
the figure is a recall on a known, common slip, not a precision.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITES = ("refund-faq", "shipping-faq", "hr-policy-ja")
NUMBER = re.compile(r"(?<![\d,.])(?:\d{1,3}(?:,\d{3})+|\d+)(?![\d])")
SMALLEST = 4


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _value(token: str) -> int:
    return int(token.replace(",", ""))


def _by_case(rows: list[dict]) -> dict[str, list[dict]]:
    """The recorded rows per case, their outputs NFKC-normalised (in place)."""
    by_case: dict[str, list[dict]] = {}
    for row in rows:
        row["output"] = _nfkc(row["output"])
        by_case.setdefault(row["case"], []).append(row)
    return by_case


def stitch_numbers(
    rows: list[dict], pool: list[str], rng: random.Random
) -> dict[str, tuple[str, str]]:
    """Swap one number per case in `rows` (in place); returns case → (old, new)."""
    by_case = _by_case(rows)
    swaps: dict[str, tuple[str, str]] = {}
    for case, case_rows in by_case.items():
        found = [
            m.group()
            for r in case_rows
            for m in NUMBER.finditer(r["output"])
            if _value(m.group()) >= SMALLEST
        ]
        if not found:
            continue
        old = found[0]
        choices = [p for p in pool if _value(p) != _value(old)]
        new = rng.choice(choices)
        swaps[case] = (old, new)
        swapped = re.compile(rf"(?<![\d,.]){re.escape(old)}(?![\d])")
        for r in case_rows:
            r["output"] = swapped.sub(new, r["output"])
    return swaps


_FLIPS_EN = (
    (re.compile(r"\bis\b"), "is not"),
    (re.compile(r"\bare\b"), "are not"),
    (re.compile(r"\bcan\b"), "cannot"),
    (re.compile(r"\bwill\b"), "will not"),
    (re.compile(r"\bincludes\b"), "does not include"),
)
_FLIPS_JA = (
    ("できます", "できません"),
    ("あります", "ありません"),
    ("されます", "されません"),
    ("です。", "ではありません。"),
)
_NEGATED_EN = re.compile(r"\b(?:not|no|never|cannot)\b|n't", re.IGNORECASE)


def _deny(output: str) -> tuple[str, str] | None:
    """The output with its first affirmative statement denied, and what changed."""
    if output.isascii():
        if _NEGATED_EN.search(output):
            return None
        for pattern, denial in _FLIPS_EN:
            m = pattern.search(output)
            if m is not None:
                return output[: m.start()] + denial + output[m.end() :], f"{m.group()} -> {denial}"
        return None
    for said, denial in _FLIPS_JA:
        if said in output:
            return output.replace(said, denial, 1), f"{said} -> {denial}"
    return None


def deny_statements(
    rows: list[dict], pool: list[str], rng: random.Random
) -> dict[str, tuple[str, str]]:
    """Deny one statement in every output of a case (in place); returns case → the first
    change, for the cases whose every output was changed (`pool`, `rng`: unused)."""
    by_case = _by_case(rows)
    changed: dict[str, tuple[str, str]] = {}
    for case, case_rows in by_case.items():
        denied = [_deny(r["output"]) for r in case_rows]
        for r, d in zip(case_rows, denied, strict=True):
            if d is not None:
                r["output"] = d[0]
        if all(d is not None for d in denied):
            first = denied[0]
            assert first is not None
            changed[case] = (first[1], "")
    return changed


KINDS = {"numbers": stitch_numbers, "denials": deny_statements}


def _run(folder: Path, out: Path) -> dict[tuple[str, str], dict]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, "-m", "evalkit", "run", "suites/", "--out", str(out), "--no-progress"]
        + ["--exit-zero", "--lang", "en"],
        cwd=folder,
        env=env,
        capture_output=True,
        check=True,
    )
    scores = {}
    for line in (out / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        scores[(row["suite"], row["case"])] = row["scores"]
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=sorted(KINDS), default="numbers")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--misses", action="store_true", help="print the missed cases")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        base, changed = Path(tmp) / "original", Path(tmp) / "stitched"
        swaps: dict[str, dict[str, tuple[str, str]]] = {}
        for folder in (base, changed):
            (folder / "suites").mkdir(parents=True)
            (folder / "fixtures").mkdir()
            (folder / "pyproject.toml").write_text("")  # the suites' project folder
        for name in SUITES:
            suite = (ROOT / "suites" / f"{name}.yaml").read_text(encoding="utf-8")
            replay = ROOT / "fixtures" / f"{name}.replay.jsonl"
            for folder in (base, changed):
                (folder / "suites" / f"{name}.yaml").write_text(suite, encoding="utf-8")
            shutil.copy(replay, base / "fixtures" / replay.name)
            pool = sorted(
                {m.group() for m in NUMBER.finditer(_nfkc(suite)) if _value(m.group()) >= SMALLEST}
            )
            rows = [json.loads(x) for x in replay.read_text(encoding="utf-8").splitlines() if x]
            swaps[name] = KINDS[args.kind](rows, pool, rng)
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            (changed / "fixtures" / replay.name).write_text(text, encoding="utf-8")
        before = _run(base, Path(tmp) / "out-original")
        after = _run(changed, Path(tmp) / "out-stitched")
    print(
        f"{'suite':16s} {'changed':>7s} {'counted':>7s} {'caught':>6s} {'missed':>6s}  accuracy caught"
    )
    totals = [0, 0, 0, 0]
    for name in SUITES:
        counted = caught = acc_caught = 0
        for case in swaps[name]:
            old, new = before.get((name, case), {}), after.get((name, case), {})
            if "hallucination" not in old or not old["hallucination"]["passed"]:
                continue
            counted += 1
            caught += not new["hallucination"]["passed"]
            if args.misses and new["hallucination"]["passed"]:
                swap = " -> ".join(filter(None, swaps[name][case]))
                print(f"  missed {name}/{case} ({swap}): {new['hallucination']['reason'][:150]}")
            acc_caught += (
                "accuracy" in old and old["accuracy"]["passed"] and not new["accuracy"]["passed"]
            )
        row = [len(swaps[name]), counted, caught, counted - caught]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        print(f"{name:16s} {row[0]:7d} {row[1]:7d} {row[2]:6d} {row[3]:6d}  {acc_caught}")
    print(f"{'all':16s} {totals[0]:7d} {totals[1]:7d} {totals[2]:6d} {totals[3]:6d}")
    if totals[1]:
        print(f"hallucination recall on planted {args.kind}: {totals[2] / totals[1]:.2f}")


if __name__ == "__main__":
    main()
