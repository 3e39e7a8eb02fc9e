"""Third-party clients and scorers resolve through entry points, like the built-ins.

The plugin here is a real installed distribution as far as `importlib.metadata` is
concerned (a `.dist-info` folder with `entry_points.txt` on the path), and its code is
the README's example plugin, so the README cannot drift from what works."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_plugin() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(# my_evalkit_plugin\.py.*?)```", readme, re.S)
    assert match, "README must show the example plugin"
    return match.group(1)


SCORER = """
from evalkit.values import Score

class LengthScorer:
    metric = "brevity"

    def __init__(self, limit):
        self.limit = limit

    def score(self, item):
        longest = max(len(o) for o in item.outputs)
        ok = longest <= self.limit
        return Score(ok, 1.0 if ok else self.limit / longest, f"longest output {longest} chars, limit {self.limit}")

def make(config):
    return LengthScorer(int(config.params.get("limit", 20)))
"""


def install_fake_distribution(site: Path) -> None:
    (site / "my_evalkit_plugin.py").write_text(readme_plugin() + SCORER, encoding="utf-8")
    info = site / "my_evalkit_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-evalkit-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[evalkit.clients]\necho = my_evalkit_plugin:make\n\n[evalkit.scorers]\nbrevity = my_evalkit_plugin:make_scorer\n"
    )
    text = (site / "my_evalkit_plugin.py").read_text()
    (site / "my_evalkit_plugin.py").write_text(
        text.replace("def make(config):", "def make_scorer(config):")
    )


def test_readme_plugin_client_and_a_plugin_scorer_run_end_to_end(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site)
    (tmp_path / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: '{{q}}'}\ncases:\n"
        "  - {id: a, vars: {q: hello}, reference: HELLO}\n"
        "  - {id: b, vars: {q: a much longer question than the limit}, reference: x}\n"
        "scorers: {accuracy: {method: exact}, brevity: {limit: 20}}\n"
        "thresholds: {accuracy: {tolerable: 0.5, stop: 0.9}}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "evalkit",
            "run",
            "s.yaml",
            "--client",
            "echo:v1",
            "--out",
            "o",
            "--no-progress",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode in (0, 10, 20), r.stderr
    rows = [json.loads(line) for line in (tmp_path / "o" / "cases.jsonl").read_text().splitlines()]
    assert rows[0]["outputs"] == ["HELLO"] and rows[0]["scores"]["accuracy"]["passed"]
    assert rows[1]["scores"]["brevity"]["passed"] is False
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["provenance"]["suites"]["s"]["client"]["spec"] == "echo:v1"
    assert summary["pocs"]["p"]["metrics"]["brevity"]["status"] == "unjudged"
