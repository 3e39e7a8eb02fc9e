"""Scale benchmark (prints figures; not a test): start-up, and replayed runs of 100k / 300k /
1M cases from a `cases_from` JSONL in bounded memory.

The load (issue "Scale"): one sample per case, accuracy `numeric` + hallucination against a
~500-character context that differs per case, recorded outputs in a replay file. Each run is
a whole `evalkit run` process (`--workers N` for N > 1: N worker processes, each reading
its own window of the cases file, merged by the parent); wall time and CPU come from
`wait4`, peak RSS is summed over the parent and its workers.

    python tests/benchmarks/scale.py [--sizes 100000,300000,1000000] [--workers 1,2] [--metrics accuracy,hallucination]

Also prints `evalkit --help` and `evalkit validate` (one small suite) start-up times,
medians of 5 whole-process runs.

Bytecode: as in `http_load.py`, the evalkit processes write and reuse compiled bytecode in
a temporary `PYTHONPYCACHEPREFIX` (an installed package has its `.pyc` files; this VM sets
`PYTHONDONTWRITEBYTECODE`, which would make every process, each worker included, compile
evalkit's modules again). `--env-bytecode` keeps the environment's setting instead.
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


def make_files(folder: Path, n: int, metrics: list[str]) -> Path:
    """Write cases.jsonl, replay.jsonl (shuffled in blocks: not in case order) and s.yaml."""
    rnd = random.Random(n)
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
            block.append(
                json.dumps({"case": f"c{i:07d}", "output": f"Order {i} totals {said} yen."}) + "\n"
            )
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
    the summary (`run.peak_rss_mb` of the parent and of each worker's shard)."""
    out = folder / f"out-{workers}"
    args = [*EVALKIT, "run", str(suite), "--out", str(out), "--no-progress", "--exit-zero"]
    args += ["--no-resume", "--workers", str(workers)]  # explicit: 1 means one process
    wall, cpu, rss, status = timed(args, folder)
    assert status == 0, "evalkit run failed"
    if workers > 1:
        run = json.loads((out / "summary.json").read_text())["run"]
        rss = run["peak_rss_mb"] + sum(shard["peak_rss_mb"] for shard in run["shards"])
    shutil.rmtree(out)
    return {"wall": wall, "cpu": cpu, "rss": rss}


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
    parser.add_argument("--env-bytecode", action="store_true", help="keep PYTHONDONTWRITEBYTECODE")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-pyc-") as pycache:
        if not args.env_bytecode:
            ENV.pop("PYTHONDONTWRITEBYTECODE", None)
            ENV["PYTHONPYCACHEPREFIX"] = pycache
            with tempfile.TemporaryDirectory() as tmp:  # compile every module a run imports
                folder = Path(tmp)
                run_size(folder, make_files(folder, 20, args.metrics.split(",")), 2)
        _benchmark(args)


def _benchmark(args: argparse.Namespace) -> None:
    startup()
    metrics = args.metrics.split(",")
    print(
        f"{'cases':>9} {'procs':>5} {'wall s':>8} {'CPU s':>8} {'µs/case':>8} {'peak RSS MB':>12}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            suite = make_files(folder, size, metrics)
            for workers in (int(s) for s in args.workers.split(",")):
                f = run_size(folder, suite, workers)
                print(
                    f"{size:>9} {workers:>5} {f['wall']:>8.1f} {f['cpu']:>8.1f} {f['wall'] / size * 1e6:>8.1f} "
                    f"{f['rss']:>12.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
