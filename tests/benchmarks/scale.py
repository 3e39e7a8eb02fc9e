"""Scale benchmark (prints figures; not a test): start-up, and replayed runs of 100k / 300k /
1M cases from a `cases_from` JSONL in bounded memory.

The load (issue "Scale"): one sample per case, accuracy `numeric` + hallucination against a
~500-character context that differs per case, recorded outputs in a replay file. Each run is
a whole `evalkit run` process (`--workers N` for N > 1: N worker processes, each reading
its own window of the cases file, merged by the parent); wall time and CPU come from
`wait4`, peak RSS is summed over the parent and its workers.

    python tests/benchmarks/scale.py [--sizes 100000,300000,1000000] [--workers 1,2] [--metrics accuracy,hallucination] [--shape quote|paraphrase]

`--shape` is how the recorded outputs relate to their context. `quote` (the default, the
load as it always was): the output is the context's last sentence, "Order 12 totals 2257
yen.", verbatim, which the hallucination scorer's fast path (`_verbatim`) settles without
indexing the context. `paraphrase`: the output words the answer differently ("The total
for order 12 is 2257 yen.") and adds one of the context's policy sentences reworded as real
outputs do (a synonym, a dropped or changed word, clauses reordered: "Invoices are payable
within 30 days of the invoice date." → "You have to pay an invoice within 30 days of its
date."), numbers unchanged, so the scorer takes its full path. Two sentences (~120
characters) instead of one (~30), so the two shapes differ in length as well as wording.
The contexts and the 5% wrong totals are the same in both shapes (the wording is picked by
a second generator seeded from the size, so the first one's sequence is untouched). The
table prints the share of cases each metric failed: ~5% is the wrong totals; more in
`paraphrase` means faithful rewordings were flagged.

Also prints `evalkit --help` and `evalkit validate` (one small suite) start-up times,
medians of 5 whole-process runs.

Bytecode: as in `http_load.py`, the evalkit processes write and reuse compiled bytecode in
a temporary `PYTHONPYCACHEPREFIX` (an installed package has its `.pyc` files; this VM sets
`PYTHONDONTWRITEBYTECODE`, which would make every process, each worker included, compile
evalkit's modules again), written by 20-case warm-up runs of both shapes.
`--env-bytecode` keeps the environment's setting instead.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVALKIT = [sys.executable, "-m", "evalkit"]
# Run the checkout's evalkit even where it is not pip-installed.
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}

_SENTENCES = [
    "Invoices are payable within {d} days of the invoice date.",
    "A late fee of {p}% applies for each month an invoice stays unpaid.",
    "Standard shipping costs {s} yen for orders under {t} yen.",
    "Refunds are processed within {r} business days after the item arrives at our warehouse.",
    "Customers in Hokkaido and Okinawa pay an additional {h} yen per parcel.",
    "Gift wrapping costs {g} yen per item and is available for most products.",
    "Orders placed before {c} pm ship on the same business day.",
]
# Rewordings of each `_SENTENCES` entry (same index), same numbers: what a faithful output says.
_PARAPHRASES = [
    [
        "You have to pay an invoice within {d} days of its date.",
        "Payment of an invoice is due within {d} days of the date on it.",
        "An invoice must be paid within {d} days of its date.",
    ],
    [
        "For every month an invoice remains unpaid, a {p}% late fee is charged.",
        "Each month that an invoice is left unpaid adds a late fee of {p}%.",
        "Unpaid invoices incur a {p}% late fee per month.",
    ],
    [
        "Orders below {t} yen pay {s} yen for standard shipping.",
        "If your order is under {t} yen, standard delivery costs {s} yen.",
        "Standard shipping is {s} yen on orders of less than {t} yen.",
    ],
    [
        "Once the item reaches our warehouse, the refund is processed within {r} business days.",
        "We process a refund within {r} working days of the item arriving at the warehouse.",
        "After the item arrives at our warehouse, refunds are processed within {r} business days.",
    ],
    [
        "Each parcel to Hokkaido or Okinawa costs an extra {h} yen.",
        "Customers in Okinawa and Hokkaido pay a surcharge of {h} yen per parcel.",
        "Hokkaido and Okinawa customers are charged {h} yen more for every parcel.",
    ],
    [
        "Most products can be gift-wrapped for {g} yen per item.",
        "Gift wrapping is available on most products at {g} yen an item.",
        "For {g} yen per item, most products can be gift wrapped.",
    ],
    [
        "If you order before {c} pm, it ships the same business day.",
        "Orders made before {c} pm are shipped on the same working day.",
        "Orders placed before {c} pm go out on the same business day.",
    ],
]
# Rewordings of the answer, "Order {i} totals {said} yen.".
_ANSWERS = [
    "The total for order {i} is {said} yen.",
    "Order {i} comes to {said} yen in total.",
    "Your order {i} costs {said} yen altogether.",
    "In total, order {i} is {said} yen.",
]
SHAPES = ("quote", "paraphrase")


def paraphrased_output(wording: random.Random, i: int, said: int, values: dict[str, int]) -> str:
    """A faithful output that rewords its context: the answer reworded, then one of the
    context's policy sentences reworded (`_ANSWERS`, `_PARAPHRASES`)."""
    k = wording.randrange(len(_SENTENCES))
    return (
        wording.choice(_ANSWERS).format(i=i, said=said)
        + " "
        + wording.choice(_PARAPHRASES[k]).format(**values)
    )


def make_files(folder: Path, n: int, metrics: list[str], shape: str = "quote") -> Path:
    """Write cases.jsonl, replay.jsonl (shuffled in blocks: not in case order) and s.yaml.
    `shape`: "quote" or "paraphrase" (module docstring); streamed, one case in memory."""
    rnd = random.Random(n)
    wording = random.Random(f"paraphrase-{n}")  # leaves `rnd`'s sequence as in "quote"
    block: list[str] = []
    with (folder / "cases.jsonl").open("w") as cases, (folder / "replay.jsonl").open("w") as replay:
        for i in range(n):
            values = {k: rnd.randint(2, 90) for k in "dpsthgcr"}
            context = (
                " ".join(s.format(**values) for s in _SENTENCES)
                + f" Order {i} totals {values['t'] * 37} yen."
            )
            total = values["t"] * 37
            cases.write(
                json.dumps(
                    {
                        "id": f"c{i:07d}",
                        "vars": {"q": f"What is the total of order {i}?"},
                        "reference": str(total),
                        "context": context,
                    }
                )
                + "\n"
            )
            wrong = rnd.random() < 0.05
            said = total + 1 if wrong else total
            if shape == "paraphrase":
                output = paraphrased_output(wording, i, said, values)
            else:
                output = f"Order {i} totals {said} yen."
            block.append(json.dumps({"case": f"c{i:07d}", "output": output}) + "\n")
            if len(block) == 1000:  # out of case order, in bounded blocks
                rnd.shuffle(block)
                replay.writelines(block)
                block.clear()
        rnd.shuffle(block)
        replay.writelines(block)
    scorers = {"accuracy": "{method: numeric}", "hallucination": "{}"}
    lines = "".join(f"  {m}: {scorers[m]}\n" for m in metrics)
    thresholds = "".join(f"  {m}: {{tolerable: 0.1, stop: 0.4}}\n" for m in metrics)
    suite = folder / "s.yaml"
    suite.write_text(
        "suite: scale\npoc: scale\nprompt: {template: '{{q}}'}\ncases_from: cases.jsonl\n"
        f"client: replay:replay.jsonl\nscorers:\n{lines}thresholds:\n{thresholds}"
    )
    return suite


def timed(args: list[str], cwd: Path) -> tuple[float, float, float, int]:
    """Wall s, CPU s, peak RSS MB, exit status of one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    return (
        time.perf_counter() - started,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        status,
    )


def run_size(folder: Path, suite: Path, workers: int) -> dict[str, float]:
    """One whole `evalkit run` (with `--workers N` when N > 1). CPU from `wait4` covers the
    workers too (they are waited-for children); peak RSS is summed over the processes from
    the summary (`run.peak_rss_mb` of the parent and of each worker's shard). `fail:<metric>`
    is the share of cases that metric failed, from the summary."""
    out = folder / f"out-{workers}"
    args = [*EVALKIT, "run", str(suite), "--out", str(out), "--no-progress", "--exit-zero"]
    args += ["--no-resume", "--workers", str(workers)]  # explicit: 1 means one process
    wall, cpu, rss, status = timed(args, folder)
    assert status == 0, "evalkit run failed"
    summary = json.loads((out / "summary.json").read_text())
    if workers > 1:
        run = summary["run"]
        rss = run["peak_rss_mb"] + sum(shard["peak_rss_mb"] for shard in run["shards"])
    shutil.rmtree(out)
    fails = {f"fail:{m}": f["rate"] for m, f in summary["pocs"]["scale"]["metrics"].items()}
    return {"wall": wall, "cpu": cpu, "rss": rss, **fails}


def startup() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        suite = make_files(Path(tmp), 5, ["accuracy"])
        for label, args in (
            ("evalkit --help", ["--help"]),
            ("evalkit validate (small suite)", ["validate", str(suite)]),
        ):
            walls = [timed([*EVALKIT, *args], ROOT)[0] for _ in range(5)]
            print(f"{label:<34} {statistics.median(walls):6.3f} s (median of 5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--metrics", default="accuracy,hallucination")
    parser.add_argument(
        "--shape", choices=SHAPES, default="quote", help="outputs quote or reword the context"
    )
    parser.add_argument("--env-bytecode", action="store_true", help="keep PYTHONDONTWRITEBYTECODE")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-pyc-") as pycache:
        if not args.env_bytecode:
            ENV.pop("PYTHONDONTWRITEBYTECODE", None)
            ENV["PYTHONPYCACHEPREFIX"] = pycache
            # Compile every module a run imports: a warm-up of both shapes. A warm-up of
            # 20 quoting cases alone has no wrong total, so it never reaches the modules
            # the full path needs (simplemma, snowballstemmer, msgpack: a wrong total of
            # the measured quote run does), which were then compiled in the measured run,
            # each worker holding its compiler's memory: 1M quote cases with 2 workers
            # measured 151-152 MB and 40.7-61.4 s wall instead of ~134 MB (found by
            # listing the cache after the warm-up and after the run).
            for shape in SHAPES:
                with tempfile.TemporaryDirectory() as tmp:
                    folder = Path(tmp)
                    run_size(folder, make_files(folder, 20, args.metrics.split(","), shape), 2)
        _benchmark(args)


def _benchmark(args: argparse.Namespace) -> None:
    startup()
    metrics = args.metrics.split(",")
    print(f"output shape: {args.shape}")
    fails = "".join(f" {m[:5] + ' fail':>10}" for m in metrics)
    print(
        f"{'cases':>9} {'procs':>5} {'wall s':>8} {'CPU s':>8} {'µs/case':>8} {'peak RSS MB':>12}"
        + fails
    )
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            suite = make_files(folder, size, metrics, args.shape)
            for workers in (int(s) for s in args.workers.split(",")):
                f = run_size(folder, suite, workers)
                print(
                    f"{size:>9} {workers:>5} {f['wall']:>8.1f} {f['cpu']:>8.1f} {f['wall'] / size * 1e6:>8.1f} "
                    f"{f['rss']:>12.0f}" + "".join(f" {f[f'fail:{m}']:>10.1%}" for m in metrics),
                    flush=True,
                )


if __name__ == "__main__":
    main()
