"""HTTP load benchmark: evalkit's OpenAI client vs a bare aiohttp loop (prints figures).

Not a test: run it by hand (`python tests/benchmarks/http_load.py`, ~1 min) and copy the
table into the README. The test server (`evalkit.testing.testserver`, an `asyncio.Protocol`
responder: ~55 µs of CPU per request where an `aiohttp.web` one took ~130-170 µs) runs in its
own process (its CPU is printed, not counted) and adds 50 ms per request; every mode talks
to that same server. Each client measurement runs in a fresh child process so CPU time
and peak RSS are that client's alone.

Loads: A = 1,000 single-sample requests at concurrency 32 (ideal 1,000 × 50 ms / 32 =
1.56 s); B = 5,000 requests at concurrency 256 (ideal ≈ 0.98 s). Modes: `bare` — an
aiohttp session and a worker loop, no harness; `evalkit` — `evalkit.clients.openai`
driven by a minimal bounded-worker loop like the engine's (`complete_now`, then
`await complete`); `run` — the whole `evalkit run` process (start-up, suite loading,
requests, scoring, result files) on a 1-sample `cases_from` suite, CPU and RSS of that
process from `wait4`, request phase from the summary's `run.request_phase_s`; `run-w2` —
the same with `--workers 2` (two worker processes, each with half the concurrency; CPU
includes them, RSS is the largest process's, the phase is the merged run's: earliest
request of either worker to latest response). Printed per load and mode (medians of
--repeat runs): request phase
wall (first request sent → last response), whole child process wall, CPU of the child
process (user + system, including start-up), µs of CPU per request during the request
phase (`bare` and `evalkit` only: less sensitive to other load on the machine than wall
time), peak RSS, the test server's CPU, and the ratio to the ideal.

Bytecode: the child processes write and reuse compiled bytecode in a temporary
`PYTHONPYCACHEPREFIX` (filled by the warm-up), as an installed package has its `.pyc`
files. Without it, an environment with `PYTHONDONTWRITEBYTECODE` set (this VM's is)
makes every `evalkit run` recompile evalkit's own modules (~55 ms of wall and CPU) while
the bare loop imports only pre-compiled site-packages. `--env-bytecode` keeps the
environment's setting instead.

    python tests/benchmarks/http_load.py [--repeat 3] [--latency-ms 50] [--loads A,B]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))
LOADS = {"A": (1000, 32), "B": (5000, 256)}
CHILD_ENV = dict(os.environ)  # see "Bytecode" above; set by main()


def _use_bytecode_cache(folder: str) -> None:
    CHILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = folder


async def _bare(url: str, n: int, concurrency: int) -> tuple[float, float, int]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency)
    ok = 0
    async with aiohttp.ClientSession(connector=connector) as session:
        counter = iter(range(n))
        cpu = time.process_time()
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal ok
            for i in counter:
                body = {
                    "model": "bench",
                    "messages": [{"role": "user", "content": f"question {i}"}],
                }
                async with session.post(f"{url}/chat/completions", json=body) as resp:
                    payload = await resp.json()
                    if payload["choices"][0]["message"]["content"]:
                        ok += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, time.process_time() - cpu, ok


async def _evalkit(url: str, n: int, concurrency: int) -> tuple[float, float, int]:
    from evalkit.clients import build_client, parse_spec
    from evalkit.common.render import prompt_sha256
    from evalkit.values import Message, Request

    client = build_client(
        parse_spec("openai:bench", ROOT, {"base_url": url, "concurrency": concurrency})
    )

    def requests() -> Iterator[Request]:  # built lazily, as the engine expands cases while it runs
        for i in range(n):
            messages = (Message("user", f"question {i}"),)
            yield Request("bench", f"case-{i}", 0, 0, messages, prompt_sha256(messages))

    stream = requests()
    ok = 0
    cpu = time.process_time()
    started = time.perf_counter()

    async def worker() -> None:
        nonlocal ok
        for request in stream:
            done = client.complete_now(request)
            if done is None:
                done = await client.complete(request)
            if done.ok:
                ok += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase, phase_cpu = time.perf_counter() - started, time.process_time() - cpu
    await client.aclose()
    return phase, phase_cpu, ok


def child(mode: str, url: str, n: int, concurrency: int) -> None:
    runner = _bare if mode == "bare" else _evalkit
    phase, phase_cpu, ok = asyncio.run(runner(url, n, concurrency))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "phase_s": phase,
                "us_per_request": phase_cpu / n * 1e6,
                "ok": ok,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "rss_mb": usage.ru_maxrss / 1024,
            }
        )
    )


def measure_run(
    url: str, n: int, concurrency: int, server_pid: int, workers: int = 1
) -> dict[str, float]:
    """The whole `evalkit run` process: start-up, loading, requests, scoring, writing.
    With `workers` > 1, `--workers N` (CPU and peak RSS then include the workers, which
    split the concurrency; the phase is the merged one, from every worker's ends)."""
    import tempfile

    server_cpu = _cpu_of(server_pid)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with (folder / "cases.jsonl").open("w") as fh:
            for i in range(n):
                fh.write(
                    json.dumps(
                        {
                            "id": f"c{i:05d}",
                            "vars": {"q": f"question {i}"},
                            "reference": f"question {i}",
                        }
                    )
                    + "\n"
                )
        (folder / "s.yaml").write_text(
            "suite: bench\npoc: bench\nprompt: {template: '{{q}}'}\ncases_from: cases.jsonl\n"
            "scorers: {accuracy: {}}\nthresholds: {accuracy: {tolerable: 0.1, stop: 0.4}}\n"
        )
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "evalkit",
                "run",
                str(folder / "s.yaml"),
                "--client",
                "openai:bench",
                "--base-url",
                url,
                "--concurrency",
                str(concurrency),
                "--out",
                str(folder / "out"),
                "--no-progress",
                "--exit-zero",
                *(["--workers", str(workers)] if workers > 1 else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
            env=CHILD_ENV,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if status != 0:
            raise SystemExit(f"evalkit run failed with status {status}")
        summary = json.loads((folder / "out" / "summary.json").read_text())
        run = summary["run"]
        if run["requests"] != n or summary["pocs"]["bench"]["errors"]["count"]:
            first = next(
                (
                    line.strip()
                    for line in (folder / "out" / "cases.jsonl").open(encoding="utf-8")
                    if '"error' in line
                ),
                None,
            )
            raise SystemExit(
                f"evalkit run: {run['requests']} requests, "
                f"{summary['pocs']['bench']['errors']} errors by kind {run.get('errors')}; "
                f"first failed case: {first}"
            )
    return {
        "phase_s": run["request_phase_s"],
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "server_cpu_s": _cpu_of(server_pid) - server_cpu,
        "us_per_request": float("nan"),  # the run's CPU is not split by phase
    }


def _cpu_of(pid: int) -> float:
    """CPU seconds used so far by process `pid` (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(mode: str, url: str, n: int, concurrency: int, server_pid: int) -> dict[str, float]:
    server_cpu = _cpu_of(server_pid)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, url, str(n), str(concurrency)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=CHILD_ENV,
    )
    if out.returncode != 0:
        raise SystemExit(f"{mode} child failed:\n{out.stderr}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["wall_s"] = time.perf_counter() - started
    figures["server_cpu_s"] = _cpu_of(server_pid) - server_cpu
    if figures["ok"] != n:
        raise SystemExit(f"{mode}: only {figures['ok']} of {n} requests succeeded")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--loads", default="A,B")
    parser.add_argument("--modes", default="bare,evalkit,run,run-w2")
    parser.add_argument(
        "--env-bytecode",
        action="store_true",
        help="keep the environment's bytecode settings (see the module docstring)",
    )
    parser.add_argument("--child", nargs=4, metavar=("MODE", "URL", "N", "CONCURRENCY"))
    args = parser.parse_args()
    if args.child:
        mode, url, n, concurrency = args.child
        child(mode, url, int(n), int(concurrency))
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="evalkit-bench-pyc-") as pycache:
        if not args.env_bytecode:
            _use_bytecode_cache(pycache)
        _benchmark(args)


def _benchmark(args: argparse.Namespace) -> None:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evalkit.testing.testserver",
            "--port",
            "0",
            "--latency-ms",
            str(args.latency_ms),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=CHILD_ENV,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        bytecode = "environment's" if args.env_bytecode else "cached in a temporary folder"
        print(
            f"test server {url}, latency {args.latency_ms:g} ms, medians of {args.repeat}, "
            f"bytecode {bytecode}"
        )
        print(
            f"{'load':<5}{'mode':<9}{'phase s':>9}{'× ideal':>9}{'wall s':>9}{'× ideal':>9}{'CPU s':>8}"
            f"{'µs/req':>8}{'RSS MB':>8}{'server CPU s':>14}"
        )
        for load in args.loads.split(","):
            n, concurrency = LOADS[load]
            ideal = n * args.latency_ms / 1000.0 / concurrency
            for mode in args.modes.split(","):
                if mode.startswith("run"):
                    workers = int(mode.partition("-w")[2] or 1)
                    one = partial(measure_run, workers=workers)
                else:
                    one = partial(measure, mode)
                one(url, min(n, 200), concurrency, server.pid)  # warm-up (connections, caches)
                runs = [one(url, n, concurrency, server.pid) for _ in range(args.repeat)]
                med = {
                    k: statistics.median(r[k] for r in runs)
                    for k in (
                        "phase_s",
                        "wall_s",
                        "cpu_s",
                        "rss_mb",
                        "server_cpu_s",
                        "us_per_request",
                    )
                }
                print(
                    f"{load:<5}{mode:<9}{med['phase_s']:>9.2f}{med['phase_s'] / ideal:>9.2f}"
                    f"{med['wall_s']:>9.2f}{med['wall_s'] / ideal:>9.2f}{med['cpu_s']:>8.2f}"
                    f"{med['us_per_request']:>8.0f}{med['rss_mb']:>8.0f}{med['server_cpu_s']:>14.2f}"
                    f"   (ideal {ideal:.2f} s: {n} requests, concurrency {concurrency})"
                )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
