"""`evalkit init` writes a suite that runs as written (English and Japanese); `evalkit
show` prints one case of a result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import evalkit


@pytest.mark.parametrize(
    ("lang", "name", "case"),
    [("en", "my-suite", "refund-window"), ("ja", "my-suite-ja", "henpin-kigen")],
)
def test_init_writes_a_commented_suite_that_runs_offline(
    tmp_path: Path, lang: str, name: str, case: str
) -> None:
    r = evalkit("init", "--lang", lang, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    suite = tmp_path / "suites" / f"{name}.yaml"
    text = suite.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=") and "schema.json" in text
    if lang == "ja":
        assert "判定はわざと 再設計(REDESIGN)" in text
    assert evalkit("validate", str(suite), cwd=tmp_path).returncode == 0
    r = evalkit("run", str(suite), "--no-progress", cwd=tmp_path)
    assert r.returncode == 10, r.stdout + r.stderr  # redesign: six cases are not enough evidence
    if lang == "ja":  # a Japanese suite speaks Japanese without a flag
        assert "6件、クライアントエラー0件" in r.stdout and "根拠が不十分" in r.stdout
    else:
        assert "6 cases, 0 client errors" in r.stdout and "not enough evidence" in r.stdout
    r = evalkit("show", f"results/{name}", case, cwd=tmp_path)
    if lang == "ja":  # the case's suite is Japanese: headings and reasons too
        assert r.returncode == 0 and "スコア：" in r.stdout and "accuracy: 合格" in r.stdout
        assert "件中" in r.stdout and "samples match" not in r.stdout
    else:
        assert r.returncode == 0 and "scores:" in r.stdout and "accuracy: pass" in r.stdout
    # The reasons' codes are stored for a Japanese suite only (README "Japanese output").
    rows = [
        json.loads(line)
        for line in (tmp_path / "results" / name / "cases.jsonl").read_text("utf-8").splitlines()
    ]
    coded = ["reason_code" in s for row in rows for s in row["scores"].values()]
    assert coded and set(coded) == {lang == "ja"}, coded
    # The schema path resolves (editors check the file as it is typed).
    schema = text.splitlines()[0].split("$schema=")[1]
    assert (suite.parent / schema).resolve().name == "schema.json"
    assert (suite.parent / schema).resolve().exists()


@pytest.mark.parametrize(("lang", "name"), [("en", "my-suite"), ("ja", "my-suite-ja")])
def test_init_suite_reads_the_same_in_every_yaml_reader(
    tmp_path: Path, lang: str, name: str
) -> None:
    """Each case asks its whole question: a plain scalar in a flow mapping ends at a comma
    (「6,000円の注文は…」 was read as the question '6' plus a key '000円の注文は…'), and the
    pure-Python PyYAML reader (evalkit's fallback without libyaml) stops at a '?'."""
    import yaml

    assert evalkit("init", "--lang", lang, cwd=tmp_path).returncode == 0
    text = (tmp_path / "suites" / f"{name}.yaml").read_text(encoding="utf-8")
    pure = yaml.load(text, Loader=yaml.SafeLoader)
    fast = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert pure == fast
    for case in pure["cases"]:
        assert set(case["vars"]) == {"question", "policy"}, case["id"]
        assert case["vars"]["question"].endswith(("?", "？")), case["id"]
        for variant in case.get("variants", []):
            assert variant["question"].endswith(("?", "？")), case["id"]
    if lang == "ja":
        asked = {c["id"]: c["vars"]["question"] for c in pure["cases"]}
        assert asked["soryo-muryo"] == "6,000円の注文は送料無料ですか?"


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    assert evalkit("init", "here", cwd=tmp_path).returncode == 0
    (tmp_path / "here" / "my-suite.yaml").write_text("mine", encoding="utf-8")
    r = evalkit("init", "here", cwd=tmp_path)
    assert r.returncode == 2 and "already exist" in r.stderr and "--force" in r.stderr
    assert (tmp_path / "here" / "my-suite.yaml").read_text(encoding="utf-8") == "mine"
    assert evalkit("init", "here", "--force", cwd=tmp_path).returncode == 0
    assert (tmp_path / "here" / "my-suite.yaml").read_text(encoding="utf-8") != "mine"


def _result(folder: Path) -> Path:
    folder.mkdir()
    rows = [
        {
            "suite": "a",
            "poc": "p",
            "case": "x",
            "outputs": ["30 days"],
            "prompt": "Q?",
            "references": ["30 days"],
            "scores": {"accuracy": {"passed": True, "score": 1.0, "reason": "matches '30 days'"}},
        },
        {
            "suite": "a",
            "poc": "p",
            "case": "y",
            "outputs": [None],
            "error": "boom",
            "error_kind": "http-500",
            "scores": {},
        },
        {"suite": "b", "poc": "p", "case": "x", "outputs": ["no"], "scores": {}},
    ]
    (folder / "cases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder / "cases.jsonl"


def test_show_prints_one_case_with_its_reasons_and_errors(tmp_path: Path) -> None:
    cases = _result(tmp_path / "r")
    r = evalkit("show", str(cases), "a/x", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("a/x  (PoC p)")
    assert "output, sample 0:\n  30 days" in r.stdout
    assert "accuracy: pass 1 — matches '30 days'" in r.stdout
    r = evalkit("show", str(cases), "y", cwd=tmp_path)
    assert (
        "client error (http-500):\n  boom" in r.stdout
        and "(no output: the call failed)" in r.stdout
    )
    r = evalkit("show", str(cases), "y", "--json", cwd=tmp_path)
    assert json.loads(r.stdout)["error"] == "boom"


def test_show_names_ambiguous_and_unknown_cases(tmp_path: Path) -> None:
    cases = _result(tmp_path / "r")
    r = evalkit("show", str(cases), "x", cwd=tmp_path)
    assert r.returncode == 2 and "several suites (a/x, b/x); name one as SUITE/ID" in r.stderr
    r = evalkit("show", str(cases), "yy", cwd=tmp_path)
    assert r.returncode == 2 and "did you mean 'y'" in r.stderr


def test_show_refuses_a_result_whose_summary_is_damaged(tmp_path: Path) -> None:
    """Like every reader: a hand-edited summary.json is exit 2 with its located problem,
    even though `show` prints from cases.jsonl."""
    out = tmp_path / "out"
    suite = tmp_path / "s.yaml"
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "r.jsonl").write_text('{"case": "a", "sample": 0, "output": "30 days"}\n')
    suite.write_text(
        "suite: s\npoc: p\nprompt: {template: '{{q}}'}\nclient: replay:r.jsonl\n"
        "cases:\n  - {id: a, vars: {q: x}, reference: 30 days}\n"
    )
    assert evalkit("run", str(suite), "--out", str(out), cwd=tmp_path).returncode in (0, 10, 20)
    assert evalkit("show", str(out), "a", cwd=tmp_path).returncode == 0
    summary = json.loads((out / "summary.json").read_text())
    summary["pocs"] = "oops"
    (out / "summary.json").write_text(json.dumps(summary))
    r = evalkit("show", str(out), "a", cwd=tmp_path)
    assert r.returncode == 2 and "summary.json" in r.stderr and "pocs" in r.stderr
