"""Damaged or hand-edited result files are refused by every reader (report, diff, merge)
with exit 2 and a located message: file, line, field path, what was expected (issue 13,
item 9). The probes run the CLI as a user does."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_runner import evalkit
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from evalkit.errors import ResultError
from evalkit.results.check import (
    ROW_SCHEMA,
    SUMMARY_SCHEMA,
    compile_schema,
    load_result_schema,
    result_validator,
    row_is_valid,
)
from evalkit.results.reader import iter_case_rows, load_summary
from evalkit.results.writer import describe_cases


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real result of the demo suite refund-faq."""
    out = tmp_path_factory.mktemp("good") / "result"
    done = evalkit("run", "suites/refund-faq.yaml", "--out", str(out), "--no-progress")
    assert done.returncode in (0, 10, 20), done.stderr
    return out


Edit = Callable[[dict[str, Any]], None]


def damaged(
    good: Path,
    where: Path,
    summary: Edit | None = None,
    row: Edit | None = None,
    line: int = 1,
    consistent: bool = False,
) -> Path:
    """A copy of `good` with its summary and/or its row on `line` edited; `consistent`:
    the summary's record of its cases file (`run.cases_file`) is updated to match."""
    shutil.copytree(good, where)
    if row is not None:
        lines = (where / "cases.jsonl").read_text(encoding="utf-8").splitlines()
        data = json.loads(lines[line - 1])
        row(data)
        lines[line - 1] = json.dumps(data, ensure_ascii=False)
        (where / "cases.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if summary is not None or consistent:
        data = json.loads((where / "summary.json").read_text(encoding="utf-8"))
        if summary is not None:
            summary(data)
        if consistent and "cases_file" in data.get("run", {}):
            data["run"]["cases_file"] = describe_cases(where / "cases.jsonl")
        (where / "summary.json").write_text(json.dumps(data, indent=2, sort_keys=True))
    return where


def _metrics_oops(s: dict[str, Any]) -> None:
    s["pocs"]["support-bot"]["metrics"] = "oops"


def _scores_garbage(r: dict[str, Any]) -> None:
    r["scores"] = "garbage"


def _score_null(r: dict[str, Any]) -> None:
    r["scores"]["accuracy"]["score"] = None


def _passed_yes(r: dict[str, Any]) -> None:
    r["scores"]["accuracy"]["passed"] = "yes"


PROBES = {
    "metrics-oops": (
        {"summary": _metrics_oops},
        r"summary.json:\d+: pocs.support-bot.metrics: expected an object, got 'oops'",
    ),
    "scores-garbage": (
        {"row": _scores_garbage, "line": 2},
        r"cases.jsonl:2: scores: expected an object, got 'garbage'",
    ),
    "score-null": (
        {"row": _score_null, "line": 3},
        r"cases.jsonl:3: scores.accuracy.score: expected a number from 0 to 1, got nothing \(null\)",
    ),
    "passed-yes": (
        {"row": _passed_yes, "line": 4},
        r"cases.jsonl:4: scores.accuracy.passed: expected true or false, got 'yes'",
    ),
}
COMMANDS = {
    "report": lambda bad, tmp: ["report", str(bad)],
    "report --html": lambda bad, tmp: ["report", str(bad), "--html", str(tmp / "r.html")],
    "report --junit": lambda bad, tmp: ["report", str(bad), "--junit", str(tmp / "r.xml")],
    "diff": lambda bad, tmp: ["diff", str(bad.parent / "good-copy"), str(bad)],
    "merge": lambda bad, tmp: ["merge", str(bad), "--out", str(tmp / "merged")],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("probe", list(PROBES))
def test_every_reader_refuses_a_damaged_result_with_a_located_message(
    good: Path, tmp_path: Path, probe: str, command: str
) -> None:
    edits, message = PROBES[probe]
    bad = damaged(good, tmp_path / "bad", **edits)  # type: ignore[arg-type]
    shutil.copytree(good, tmp_path / "good-copy")
    done = evalkit(*COMMANDS[command](bad, tmp_path))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert re.search(message, done.stderr), done.stderr
    assert "edited or damaged" in done.stderr
    assert not (tmp_path / "merged" / "summary.json").exists()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_rows_that_are_not_the_ones_the_summary_was_written_with_are_refused(
    good: Path, tmp_path: Path, command: str
) -> None:
    """A valid row added beside the summary (a run stopped mid-write, or files copied by
    hand): every reader that reads rows refuses the folder instead of mixing two runs."""
    bad = shutil.copytree(good, tmp_path / "bad")
    lines = (bad / "cases.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    extra = json.loads(lines[-1])
    extra["case"] = "zz-added"
    (bad / "cases.jsonl").write_text("".join(lines) + json.dumps(extra) + "\n", encoding="utf-8")
    shutil.copytree(good, tmp_path / "good-copy")
    done = evalkit(*COMMANDS[command](bad, tmp_path))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert re.search(r"cases.jsonl holds \d+ bytes but its summary was written with", done.stderr)
    assert "files of two different runs" in done.stderr


def test_markdown_report_refuses_a_damaged_summary(good: Path, tmp_path: Path) -> None:
    bad = damaged(good, tmp_path / "bad", summary=_metrics_oops)
    done = evalkit("report", str(bad))
    assert done.returncode == 2 and "pocs.support-bot.metrics: expected an object" in done.stderr


def test_summary_problems_are_all_listed_each_on_its_own_line(good: Path, tmp_path: Path) -> None:
    def edit(s: dict[str, Any]) -> None:
        poc = s["pocs"]["support-bot"]
        poc["verdict"] = "maybe"
        poc["metrics"]["accuracy"]["ci"] = [0.1]
        poc["reasons"] = "one reason"

    bad = damaged(good, tmp_path / "bad", summary=edit)
    with pytest.raises(ResultError) as info:
        load_summary(bad)
    text = str(info.value)
    lines = (bad / "summary.json").read_text().splitlines()
    found = {}
    for line in text.splitlines()[:-1]:
        where, field, _ = line.split(": ", 2)
        found[field] = int(where.rsplit(":", 1)[1])
    assert set(found) == {
        "pocs.support-bot.verdict",
        "pocs.support-bot.metrics.accuracy.ci",
        "pocs.support-bot.reasons",
    }
    assert '"maybe"' in lines[found["pocs.support-bot.verdict"] - 1]
    assert '"one reason"' in lines[found["pocs.support-bot.reasons"] - 1]
    assert "expected one of continue, redesign, stop, got 'maybe'" in text
    assert "expected [lo, hi]: two rates from 0 to 1, or null, got a list" in text


def test_a_score_above_one_and_a_missing_key_are_refused(good: Path, tmp_path: Path) -> None:
    def edit(r: dict[str, Any]) -> None:
        r["scores"]["accuracy"]["score"] = 1.5
        del r["poc"]

    bad = damaged(good, tmp_path / "bad", row=edit, line=5)
    with pytest.raises(ResultError) as info:
        list(iter_case_rows(bad))
    assert "cases.jsonl:5: poc: missing (a required key)" in str(info.value)
    assert "cases.jsonl:5: scores.accuracy.score: expected a number from 0 to 1, got 1.5" in str(
        info.value
    )


def test_nan_is_refused_where_a_number_is_expected(good: Path, tmp_path: Path) -> None:
    """Python's json reads NaN, and NaN passes every bound (NaN < 0 and NaN > 1 are false)."""
    bad = shutil.copytree(good, tmp_path / "bad")
    text = (bad / "summary.json").read_text(encoding="utf-8")
    text = text.replace('"rate": 0.0', '"rate": NaN', 1)
    (bad / "summary.json").write_text(text)
    line = text[: text.index("NaN")].count("\n") + 1
    with pytest.raises(ResultError, match=rf"summary.json:{line}: pocs\..*\.rate: expected a num"):
        load_summary(bad)
    lines = (good / "cases.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    row = json.loads(lines[1])
    row["scores"]["accuracy"]["score"] = float("nan")
    lines[1] = json.dumps(row) + "\n"
    (bad / "cases.jsonl").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ResultError, match=r"cases.jsonl:2: scores.accuracy.score: expected a num"):
        list(iter_case_rows(bad / "cases.jsonl"))


def test_keys_evalkit_does_not_know_are_accepted(good: Path, tmp_path: Path) -> None:
    """A newer evalkit (or another tool) may add keys: readers ignore them."""

    def summary(s: dict[str, Any]) -> None:
        s["rows"] = {"count": 31, "sha256": "ab"}
        s["pocs"]["support-bot"]["extra"] = [1]

    def row(r: dict[str, Any]) -> None:
        r["reviewed_by"] = {"name": "x"}
        r["scores"]["accuracy"]["calibrated"] = 0.5

    folder = damaged(good, tmp_path / "ok", summary=summary, row=row, consistent=True)
    assert load_summary(folder)["rows"]["count"] == 31
    assert sum(1 for _ in iter_case_rows(folder)) == 31


def test_diff_given_a_suite_file_says_it_is_a_suite_file(good: Path) -> None:
    for suite in ("suites/refund-faq.yaml",):
        done = evalkit("diff", suite, str(good))
        assert done.returncode == 2
        assert "this is a suite file, not a result folder or summary.json" in done.stderr
        assert "corrupt" not in done.stderr


def test_a_json_suite_file_is_also_named_as_a_suite_file(tmp_path: Path, good: Path) -> None:
    suite = tmp_path / "s.json"
    suite.write_text(json.dumps({"suite": "s", "poc": "p", "prompt": {"template": "x"}}))
    done = evalkit("report", str(suite))
    assert done.returncode == 2 and "this is a suite file" in done.stderr


def test_a_replay_file_given_as_a_result_is_named_as_json_lines(good: Path) -> None:
    done = evalkit("diff", str(good), "fixtures/refund-faq.replay.jsonl")
    assert done.returncode == 2 and "this is a JSON-lines file" in done.stderr


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"case": "b", "output": 5}', "r.jsonl:2: 'output' must be a string, got 5"),
        ("not json", "r.jsonl:2: not valid JSON"),
        ('{"case": "b", "sample": "zero", "output": "y"}', "r.jsonl:2: 'sample' must be a whole"),
        ('{"case": null, "output": "y"}', "r.jsonl:2: 'case' must be the case id"),
    ],
)
def test_replay_files_with_bad_rows_give_located_errors(
    tmp_path: Path, line: str, message: str
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: 'Q: {{q}}'}\nclient: replay:r.jsonl\n"
        "cases:\n  - {id: a, vars: {q: x}, reference: x}\n  - {id: b, vars: {q: y}, reference: y}\n"
    )
    (tmp_path / "r.jsonl").write_text('{"case": "a", "output": "x"}\n' + line + "\n")
    done = evalkit("run", "s.yaml", "--out", "o", "--no-progress", cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


# --------------------------------------------------------------- the fast row predicate


def test_the_compiled_row_check_refuses_a_keyword_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="does not support"):
        compile_schema({"type": "object", "properties": {"a": {"oneOf": [{"type": "string"}]}}})


def test_the_shipped_schemas_are_valid_and_compile() -> None:
    for name in (ROW_SCHEMA, SUMMARY_SCHEMA):
        Draft202012Validator.check_schema(load_result_schema(name))
        compile_schema(load_result_schema(name))


# Values at the edges of what the schemas allow: whole and fractional floats, booleans
# (never numbers in JSON Schema), bounds of [0, 1], lists of 1-3 rates (a `ci` has 2).
_EDGES = [None, True, False, 0, 1, 2, -1, 0.0, 1.0, 0.5, 1.5, -0.5, 2.0, "", "a", "stop"]
_EDGES += ["continue", "miss", "1/3", "1,2/3", "0/3", "1/3x", [], [0.1], [0.1, 0.9]]
_EDGES += [[0.1, 0.5, 0.9], [0.1, 1.5], ["a"], [None], {}, {"passed": True}]
_EDGES += [float("nan"), float("inf"), -float("inf"), [float("nan"), 0.5]]
_SCALARS = st.one_of(
    st.sampled_from(_EDGES), st.floats(-2, 2, allow_nan=False), st.text(max_size=3)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
_ROW = {
    "suite": "s",
    "poc": "p",
    "case": "c",
    "tags": ["t"],
    "critical": True,
    "outputs": ["a", None],
    "references": ["x", {"k": 1}],
    "scores": {"accuracy": {"passed": True, "score": 0.5, "reason": "r", "details": {}}},
    "tokens": {"input": 1, "output": None},
    "latency_s": 0.1,
}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    doc = json.loads(json.dumps(doc))
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize("name", [ROW_SCHEMA, SUMMARY_SCHEMA])
def test_the_compiled_check_agrees_with_jsonschema_on_every_edge_value_at_every_path(
    name: str,
) -> None:
    """Every value of `_EDGES` put at every path of a valid document, and every key
    dropped: the fast predicate and jsonschema give the same answer each time."""
    schema = load_result_schema(name)
    check, validator = compile_schema(schema), result_validator(name)
    valid = _ROW if name == ROW_SCHEMA else _SUMMARY
    assert check(valid) and validator.is_valid(valid)
    tried = 0
    for path in _paths(valid):
        variants = [_set(valid, path, edge) for edge in _EDGES]
        parent = _get(valid, path[:-1]) if path else None
        if isinstance(parent, dict):
            variants.append(
                _set(valid, path[:-1], {k: v for k, v in parent.items() if k != path[-1]})
            )
        for doc in variants:
            tried += 1
            assert check(doc) == validator.is_valid(doc), (path, doc)
    assert tried > 500


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_compiled_row_check_agrees_with_jsonschema(data: st.DataObject) -> None:
    """The fast predicate is True exactly when jsonschema finds the row valid: on a valid
    row with one value replaced, a key dropped or a key added at any depth."""
    validator = result_validator(ROW_SCHEMA)
    row: Any = _ROW
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(row)))
        action = data.draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            row = _set(row, path, data.draw(_JSON))
        elif action == "drop" and path:
            parent = _get(row, path[:-1])
            if isinstance(parent, dict):
                row = _set(row, path[:-1], {k: v for k, v in parent.items() if k != path[-1]})
        elif action == "add":
            target = _get(row, path)
            if isinstance(target, dict):
                key = data.draw(st.sampled_from(["x", "score", "passed", "poc", "input"]))
                row = _set(row, path, {**target, key: data.draw(_JSON)})
    assert row_is_valid(row) == validator.is_valid(row), row


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_compiled_summary_check_agrees_with_jsonschema(data: st.DataObject) -> None:
    schema = load_result_schema(SUMMARY_SCHEMA)
    check, validator = compile_schema(schema), result_validator(SUMMARY_SCHEMA)
    doc: Any = _SUMMARY
    for _ in range(data.draw(st.integers(1, 2))):
        path = data.draw(st.sampled_from(_paths(doc)))
        doc = _set(doc, path, data.draw(_JSON))
    assert check(doc) == validator.is_valid(doc), doc


_SUMMARY = {
    "schema_version": 1,
    "verdict": "redesign",
    "pocs": {
        "p": {
            "verdict": "redesign",
            "reasons": ["r"],
            "cases": 3,
            "errors": {"count": 0, "rate": 0.0, "budget": 0.05, "within": True},
            "critical": {"total": 0, "failed": [], "failed_count": 0},
            "metrics": {
                "accuracy": {
                    "failures": 1,
                    "total": 3,
                    "rate": 0.3,
                    "ci": [0.1, 0.7],
                    "confidence": 0.95,
                    "tolerable": 0.1,
                    "stop": 0.4,
                    "status": "miss",
                    "by_tag": {"t": {"failures": 0, "total": 1, "rate": 0.0, "ci": [0.0, 0.8]}},
                }
            },
            "suites": {"s": {"cases": 3, "errors": 0, "metrics": {}}},
            "tags": {"t": {"accuracy": {"failures": 0, "total": 1, "rate": 0.0, "ci": None}}},
        }
    },
    "provenance": {
        "evalkit_version": "0.1.0",
        "suites": {
            "s": {
                "poc": "p",
                "samples": 1,
                "seed": 0,
                "policy": {
                    "thresholds": {"accuracy": {"tolerable": 0.1, "stop": 0.4, "by_tag": {}}},
                    "confidence": 0.95,
                    "error_budget": 0.05,
                    "critical_failure": "redesign",
                },
            }
        },
        "options": {"shard": "1/3", "samples": None},
    },
    "run": {},
}
