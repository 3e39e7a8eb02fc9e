"""Numbers stitched from the wrong place, on the demo suites' replayed outputs (a script
that prints figures, not a test).

The commonest harmful slip of a RAG answer in a policy or handbook: the right sentence
with a number taken from elsewhere in the document (the hotel limit for the allowance,
the 2 p.m. cut-off for a price). The number layers index a number by its value, so a
value the document states anywhere can pass them. This measures how often the scorer
catches such a slip, on outputs written like real ones (the demo suites' recordings,
English and Japanese, which paraphrase their knowledge).

For each case of a demo suite with a replay client, the first number of its recorded
outputs (4 or more: smaller ones count list items and steps) is replaced, in every output
of the case, by another number the suite file states (drawn with a fixed seed from the
suite's own numbers, a different value). Outputs are NFKC-normalised first, so 「３日」 and
"3日" are one number. Both the original and the perturbed recordings are run through
`evalkit run` (the suites as shipped, default scorers); a case counts when its
hallucination score passed on the original outputs, and is *caught* when it fails on the
perturbed ones. Accuracy's catches are printed beside it for reference (the reference
often names the number).

    python tests/benchmarks/stitched_numbers.py [--seed 7] [--misses]

`--misses` prints each missed case: the swap and the hallucination reason.

Some perturbed cases are not errors a user would mind (a number the answer only repeats
from the question); the figure is a recall on a known, common slip, not a precision.
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


def perturb(rows: list[dict], pool: list[str], rng: random.Random) -> dict[str, tuple[str, str]]:
    """Swap one number per case in `rows` (in place); returns case → (old, new)."""
    by_case: dict[str, list[dict]] = {}
    for row in rows:
        row["output"] = _nfkc(row["output"])
        by_case.setdefault(row["case"], []).append(row)
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
            swaps[name] = perturb(rows, pool, rng)
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            (changed / "fixtures" / replay.name).write_text(text, encoding="utf-8")
        before = _run(base, Path(tmp) / "out-original")
        after = _run(changed, Path(tmp) / "out-stitched")
    print(
        f"{'suite':16s} {'swapped':>7s} {'counted':>7s} {'caught':>6s} {'missed':>6s}  accuracy caught"
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
                swap = " -> ".join(swaps[name][case])
                print(f"  missed {name}/{case} ({swap}): {new['hallucination']['reason'][:150]}")
            acc_caught += (
                "accuracy" in old and old["accuracy"]["passed"] and not new["accuracy"]["passed"]
            )
        row = [len(swaps[name]), counted, caught, counted - caught]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        print(f"{name:16s} {row[0]:7d} {row[1]:7d} {row[2]:6d} {row[3]:6d}  {acc_caught}")
    print(f"{'all':16s} {totals[0]:7d} {totals[1]:7d} {totals[2]:6d} {totals[3]:6d}")
    if totals[1]:
        print(f"hallucination recall on stitched numbers: {totals[2] / totals[1]:.2f}")


if __name__ == "__main__":
    main()
