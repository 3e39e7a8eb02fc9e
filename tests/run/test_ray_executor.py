"""`evalkit run --executor ray` against a real local Ray cluster (loopback only).

The module starts its own cluster (`ray start --head --block` bound to 127.0.0.1, two CPUs,
no dashboard, usage reporting off) in a new process group, and stops exactly that group in
teardown: other Ray processes on the machine are never touched. Skipped when `ray` is not
installed or the cluster does not come up within 60 s.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from infra import missing_infrastructure, require_module

from evalkit.errors import MissingDependency
from evalkit.run.engine import EngineStats
from evalkit.run.ray_executor import PID_DIR_ENV, BatchOutput, lost_result, merge_stats

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60
_TOKEN = secrets.token_hex(32)


# Ports `ray start` takes by default for its own components (dashboard, dashboard agent,
# client server, workers): a GCS port among them makes the head refuse to start.
_RAY_DEFAULT_PORTS = {6379, 8265, 10001, 52365, 52366, *range(10002, 20000)}


def _free_port() -> int:
    """A free loopback port that Ray does not also want (the kernel's ephemeral range
    includes 52365, Ray's dashboard-agent port: drawn once, the cluster did not start)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _RAY_DEFAULT_PORTS:
            return port


def _group_alive(pgid: int) -> list[str]:
    out = subprocess.run(["pgrep", "-a", "-g", str(pgid)], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if "<defunct>" not in line]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    # Token auth with a token of this test session's own, by environment (no ~/.ray file).
    env["RAY_AUTH_MODE"] = "token"
    env["RAY_AUTH_TOKEN"] = _TOKEN
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, Any]]:
    """A 2-CPU Ray head on 127.0.0.1; yields its address and the worker-PID folder."""
    require_module("ray", "pip install 'evalkit[ray]'")
    ray_bin = shutil.which("ray", path=str(Path(sys.executable).parent)) or shutil.which("ray")
    if ray_bin is None:
        missing_infrastructure("the `ray` command is not on PATH")
    # Short folder: Ray's unix socket paths must stay under ~107 characters.
    temp = Path(tempfile.mkdtemp(prefix="evkray", dir="/tmp"))
    pids = temp / "pids"
    pids.mkdir()
    port = _free_port()
    log = (temp / "start.log").open("w")
    proc = subprocess.Popen(
        [
            ray_bin,
            "start",
            "--head",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            "--num-cpus=2",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={temp}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_env(**{PID_DIR_ENV: str(pids)}),
        start_new_session=True,  # its own process group: teardown stops exactly this cluster
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "Ray runtime started" not in (temp / "start.log").read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                missing_infrastructure(
                    "the local Ray cluster did not come up within "
                    f"{START_TIMEOUT_S} s:\n{(temp / 'start.log').read_text()[-2000:]}"
                )
            time.sleep(0.2)
        yield {"address": f"127.0.0.1:{port}", "pids": pids, "pgid": proc.pid}
    finally:
        for sig, wait_s in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 15.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait_s
            while _group_alive(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if not _group_alive(proc.pid):
                break
        proc.wait(timeout=10)
        log.close()
        left = _group_alive(proc.pid)
        shutil.rmtree(temp, ignore_errors=True)
        assert not left, f"Ray processes left behind: {left}"


def _write_suite(folder: Path, n: int, client: str) -> Path:
    """A suite reading `n` cases from a JSONL file, scored for accuracy and hallucination;
    every 10th recorded answer is wrong, every 25th adds an unsupported number."""
    folder.mkdir(parents=True, exist_ok=True)
    with (
        (folder / "cases.jsonl").open("w", encoding="utf-8") as cases,
        (folder / "replay.jsonl").open("w", encoding="utf-8") as replay,
    ):
        for i in range(n):
            hour = 1 + i % 11
            fact = f"Shop {i} closes at {hour} pm."
            row = {
                "id": f"c{i:04d}",
                "vars": {"fact": fact, "question": f"When does shop {i} close?"},
                "reference": f"{hour} pm",
                "context": fact,
                "tags": ["even" if i % 2 == 0 else "odd"],
            }
            cases.write(json.dumps(row) + "\n")
            answer = f"Shop {i} closes at {hour if i % 10 else hour + 1} pm."
            if i % 25 == 0:
                answer += " It has 37 parking spaces."
            replay.write(json.dumps({"case": row["id"], "sample": 0, "output": answer}) + "\n")
    (folder / "echo.py").write_text(
        "import sys, time\n"
        "time.sleep(0.05)\n"
        "print(sys.stdin.read().splitlines()[0].removeprefix('Knowledge: '))\n"
    )
    path = folder / "shops.yaml"
    path.write_text(
        "suite: shops\n"
        "poc: shop-bot\n"
        "prompt:\n"
        '  template: "Knowledge: {{fact}}\\nQ: {{question}}"\n'
        f"client: {json.dumps(client)}\n"
        "cases_from: cases.jsonl\n"
        "scorers:\n"
        "  accuracy: {}\n"
        "  hallucination: {knowledge_vars: [fact], claims: false}\n"
        "thresholds:\n"
        "  accuracy: {tolerable: 0.15, stop: 0.4}\n"
        "  hallucination: {tolerable: 0.1, stop: 0.4}\n"
    )
    return path


def _evalkit(cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "evalkit", "run", *args, "--no-progress", "--exit-zero"],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 120) -> None:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{out}\n{err}"


def _batch_starts(pids: Path) -> dict[str, list[int]]:
    """First case id of each batch started → PIDs of the workers that started it."""
    out: dict[str, list[int]] = {}
    for file in pids.iterdir():
        for case_id in file.read_text().splitlines():
            out.setdefault(case_id, []).append(int(file.name))
    return out


def _summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _rows(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "cases.jsonl").read_text().splitlines()]


def test_ray_run_gives_the_same_files_as_a_local_run(
    cluster: dict[str, Any], tmp_path: Path
) -> None:
    suite = _write_suite(tmp_path / "suite", 200, "replay:replay.jsonl")
    t0 = time.perf_counter()
    _finish(_evalkit(tmp_path, str(suite), "--out", "local"))
    local_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    _finish(
        _evalkit(
            tmp_path,
            str(suite),
            "--out",
            "ray",
            "--executor",
            "ray",
            "--ray-address",
            cluster["address"],
        )
    )
    ray_s = time.perf_counter() - t0
    print(f"200 replay cases: local {local_s:.2f} s, ray {ray_s:.2f} s")  # noqa: T201
    local, ray = _summary(tmp_path / "local"), _summary(tmp_path / "ray")
    local_run, ray_run = local.pop("run"), ray.pop("run")
    assert ray == local
    assert (tmp_path / "ray" / "cases.jsonl").read_bytes() == (
        tmp_path / "local" / "cases.jsonl"
    ).read_bytes()
    assert ray_run["executor"] == "ray" and local_run["executor"] == "local"
    assert ray_run["ray_address"] == cluster["address"]
    assert ray_run["requests"] == local_run["requests"] == 200
    assert ray_run["sources"] == {"replay": 200}
    # The run really failed some cases, so equality is not trivially "all pass".
    assert sum(not r["scores"]["accuracy"]["passed"] for r in _rows(tmp_path / "ray")) == 20


def test_a_worker_killed_mid_run_loses_no_case_and_repeats_none(
    cluster: dict[str, Any], tmp_path: Path
) -> None:
    python = sys.executable
    suite = _write_suite(tmp_path / "suite", 96, f"command:{python} -S -E echo.py")
    pids: Path = cluster["pids"]
    for old in pids.iterdir():
        old.unlink()
    proc = _evalkit(
        tmp_path,
        str(suite),
        "--out",
        "ray",
        "--executor",
        "ray",
        "--ray-address",
        cluster["address"],
        "--concurrency",
        "2",
        "--trust-suites",  # the suite's own command client runs a program
    )
    try:
        deadline = time.monotonic() + 60
        while not (started := _batch_starts(pids)).get("c0000"):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no batch task started within 60 s"
            time.sleep(0.05)
        time.sleep(0.5)  # let the first batch (64 cases, ~2 s) get part of the way
        (victim,) = started["c0000"]
        assert proc.poll() is None, "the run finished before a worker could be killed"
        os.kill(victim, signal.SIGKILL)
        _finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    started = _batch_starts(pids)
    assert len(started["c0000"]) == 2 and victim in started["c0000"]  # retried once
    assert len({pid for runs in started.values() for pid in runs}) >= 2  # two workers or more
    rows = _rows(tmp_path / "ray")
    ids = [r["case"] for r in rows]
    assert ids == [f"c{i:04d}" for i in range(96)]  # each case exactly once
    assert not [r for r in rows if "error" in r]
    assert all(r["sources"] == ["live"] for r in rows)

    _finish(
        _evalkit(tmp_path, str(suite), "--out", "local", "--concurrency", "8", "--trust-suites")
    )
    ray_summary, local_summary = _summary(tmp_path / "ray"), _summary(tmp_path / "local")
    ray_run = ray_summary.pop("run")
    local_summary.pop("run")
    assert ray_summary == local_summary
    assert ray_run["errors"] == {}
    assert ray_run["requests"] >= 96 and ray_run["request_phase_s"] > 0

    def without_latency(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k != "latency_s"} for r in rows]

    assert without_latency(rows) == without_latency(_rows(tmp_path / "local"))


def test_executor_ray_refuses_record_and_workers(tmp_path: Path) -> None:
    suite = _write_suite(tmp_path / "suite", 3, "replay:replay.jsonl")
    for extra in (["--record", "r.jsonl", "--client", "replay:x"], ["--workers", "2"]):
        proc = _evalkit(tmp_path, str(suite), "--executor", "ray", *extra)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 2, (out, err)
        assert "--executor ray cannot be combined with --record or --workers" in err


def test_missing_ray_is_a_usage_error_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_ray(name: str, *args: Any, **kw: Any) -> Any:
        if name == "ray" or name.startswith("ray."):
            raise ImportError(name)
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    # Present already, so the executor leaves the process environment as it is.
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    from evalkit.run.ray_executor import RayExecutor

    with pytest.raises(MissingDependency, match=r"pip install 'evalkit\[ray\]'"):
        RayExecutor()


def test_batch_counters_merge_into_the_driver_totals() -> None:
    total = EngineStats()
    for n in (2, 3):
        part = EngineStats(requests=n, input_tokens=10 * n, token_reports=n)
        part.sources["live"] += n
        part.latencies.extend([0.1] * n)
        now = time.time()
        merge_stats(total, BatchOutput([], part, now - n, now - 1))
    assert total.requests == 5 and total.sources == {"live": 5} and total.input_tokens == 50
    assert len(total.latencies) == 5 and total.token_reports == 5
    assert total.request_phase_s is not None and 1.9 < total.request_phase_s < 2.1


def test_a_lost_batch_case_is_an_executor_error_value(suite_factory: Any) -> None:
    from evalkit.values import Case

    suite = suite_factory([Case("a", {"q": "x"}, tags=("t",), critical=True)])
    result = lost_result(suite, suite.cases[0], "ray worker lost")
    assert result.error == "ray worker lost" and result.error_kind == "executor"
    assert result.critical and result.tags == ("t",) and result.scores == {}


def test_unreachable_ray_address_fails_fast_with_a_usage_error(tmp_path: Path) -> None:
    require_module("ray", "pip install 'evalkit[ray]'")
    suite = _write_suite(tmp_path / "suite", 3, "replay:replay.jsonl")
    proc = _evalkit(
        tmp_path, str(suite), "--out", "o", "--executor", "ray", "--ray-address", "127.0.0.1:1"
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, (out, err)
    assert "--ray-address 127.0.0.1:1: no Ray cluster answers there" in err
    assert not (tmp_path / "o").exists()


class _LostWorker(Exception):
    pass


class _Ref:
    """A stand-in object ref: hashable by identity, holding a task's value or failure."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _stand_in_ray(lose_batch: int) -> types.ModuleType:
    """Just enough of Ray's API to drive `RayExecutor` in this process: tasks run at once,
    in one thread, and batch number `lose_batch` fails as a worker lost for good (retries exhausted),
    which a real cluster cannot be made to do deterministically."""
    ray = types.ModuleType("ray")
    names = ("WorkerCrashedError", "NodeDiedError", "ObjectLostError", "OwnerDiedError")
    ray.exceptions = types.SimpleNamespace(  # type: ignore[attr-defined]
        **{name: _LostWorker for name in names},
        TaskUnschedulableError=_LostWorker,
        RayTaskError=type("RayTaskError", (Exception,), {}),
    )
    submitted: list[int] = []
    worker = ThreadPoolExecutor(max_workers=1)  # like a worker process: no running event loop

    def remote(**_options: Any) -> Any:
        def wrap(fn: Any) -> Any:
            def submit(*args: Any) -> Any:
                submitted.append(len(submitted))
                if len(submitted) - 1 == lose_batch:
                    return _Ref(_LostWorker("worker died"))
                return _Ref(worker.submit(fn, *args).result())

            return types.SimpleNamespace(remote=submit)

        return wrap

    def get(ref: Any) -> Any:
        if isinstance(ref.value, _LostWorker):
            raise ref.value
        return ref.value

    ray.init = lambda **_kw: None  # type: ignore[attr-defined]
    ray.shutdown = lambda: None  # type: ignore[attr-defined]
    ray.cluster_resources = lambda: {"CPU": 2}  # type: ignore[attr-defined]
    ray.put = lambda value: value  # type: ignore[attr-defined]
    ray.wait = lambda refs, num_returns: (refs[:num_returns], refs[num_returns:])  # type: ignore[attr-defined]
    ray.get = get  # type: ignore[attr-defined]
    ray.remote = remote  # type: ignore[attr-defined]
    return ray


def test_cases_of_a_batch_lost_for_good_are_executor_errors_and_a_rerun_retries_them(
    suite_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evalkit.run.executors import OnRay
    from evalkit.run.pipeline import RunOptions, run
    from evalkit.values import Case

    n = 150  # batches of 64: 0-63, 64-127 (lost), 128-149
    cases = [Case(f"c{i:03d}", {"q": str(i)}, references=(str(i),)) for i in range(n)]
    suite = suite_factory(cases, {c.id: [c.id.removeprefix("c").lstrip("0") or "0"] for c in cases})
    monkeypatch.setitem(sys.modules, "ray", _stand_in_ray(lose_batch=1))
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    out = tmp_path / "out"
    first = OnRay().run([suite], RunOptions(out_dir=out))
    rows = _rows(out)
    lost = [r["case"] for r in rows if r.get("error_kind") == "executor"]
    assert len(rows) == n and lost == [f"c{i:03d}" for i in range(64, 128)]
    assert all(r["error"].startswith("ray worker lost") for r in rows if "error" in r)
    assert first.summary["run"]["errors"] == {"executor": 64}
    assert first.summary["run"]["requests"] == n - 64

    # Errors are values: the cases are not "done", so a resumed local run tries them again
    # (and it resumes at all because provenance does not depend on the executor).
    from evalkit.results.writer import JOURNAL_NAME
    from evalkit.run.provenance import fingerprint

    (out / "cases.jsonl").rename(out / JOURNAL_NAME)
    meta = {"fingerprint": fingerprint(first.summary["provenance"])}
    (out / "cases.partial.meta.json").write_text(json.dumps(meta))
    second = run([suite], RunOptions(out_dir=out))
    assert second.resumed == n - 64 and second.summary["run"]["requests"] == 64
    assert not [r for r in _rows(out) if "error" in r]


def test_ray_address_without_the_ray_executor_is_refused(tmp_path: Path) -> None:
    suite = _write_suite(tmp_path / "suite", 3, "replay:replay.jsonl")
    proc = _evalkit(tmp_path, str(suite), "--ray-address", "127.0.0.1:6379")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, (out, err)
    assert "--ray-address needs --executor ray" in err
