"""Property: whatever text a suite file holds, the loader answers with values or a
`SuiteError` whose problems are all located, never with a traceback."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.errors import SuiteError
from evalkit.suite.loader import load_suites

GOOD = (Path(__file__).resolve().parents[2] / "fixtures" / "loader" / "good.yaml").read_text()
KEYS = [
    "suite",
    "poc",
    "prompt",
    "template",
    "system",
    "cases",
    "cases_from",
    "id",
    "vars",
    "reference",
    "references",
    "variants",
    "tags",
    "critical",
    "answerable",
    "forbidden",
    "context",
    "samples",
    "scorers",
    "thresholds",
    "accuracy",
    "consistency",
    "hallucination",
    "tolerable",
    "stop",
    "by_tag",
    "method",
    "client",
    "params",
    "confidence",
    "seed",
    "error_budget",
    "critical_failure",
    "path",
    "format",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(["replay:x.jsonl", "{{q}}", "a.jsonl", "x.csv", "0.1", "redesign"]),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=6))
structures = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.lists(st.tuples(keys, inner), max_size=5).map(dict)
    ),
    max_leaves=12,
)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_DUMPER, allow_unicode=True)


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Nested structures cost ~10 ms each to generate; fewer examples keep the file fast.
STRUCTURE_SETTINGS = settings(SETTINGS, max_examples=120)


def check(text: str | bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_suites([path])
        except SuiteError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.file
                assert problem.field or problem.line, problem


@SETTINGS
@given(st.text(max_size=200), st.sampled_from(["s.yaml", "s.json"]))
def test_random_text_never_crashes(text: str, name: str) -> None:
    check(text, name)


@SETTINGS
@given(st.binary(max_size=100))
def test_random_bytes_never_crash(blob: bytes) -> None:
    check(blob, "s.yaml")


@STRUCTURE_SETTINGS
@given(st.lists(st.tuples(keys, structures), max_size=6).map(dict), st.booleans())
def test_random_structures_never_crash(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        check(json.dumps(data), "s.json")
    else:
        check(dump(data), "s.yaml")


@SETTINGS
@given(st.integers(0, len(GOOD)), st.text(max_size=3))
def test_truncated_or_mutated_valid_suite_never_crashes(cut: int, junk: str) -> None:
    check(GOOD[:cut], "s.yaml")
    check(GOOD[:cut] + junk + GOOD[cut + 1 :], "s.yaml")


GOOD_DATA = yaml.safe_load(GOOD)
CASE_KEYS = sorted({k for case in GOOD_DATA["cases"] for k in case})


@STRUCTURE_SETTINGS
@given(st.sampled_from(sorted(GOOD_DATA)), st.sampled_from(CASE_KEYS), structures, structures)
def test_valid_suite_with_random_values_never_crashes(
    key: str, case_key: str, value: Any, case_value: Any
) -> None:
    data = copy.deepcopy(GOOD_DATA)
    data[key] = value
    if isinstance(data.get("cases"), list) and data["cases"] and isinstance(data["cases"][0], dict):
        data["cases"][0][case_key] = case_value
    data["client"] = "replay:r.jsonl"
    check(dump(data), "s.yaml")


@SETTINGS
@given(
    st.binary(max_size=120) | st.text(max_size=120).map(str.encode),
    st.sampled_from(["c.jsonl", "c.csv"]),
)
def test_random_case_files_never_crash(blob: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_bytes(blob)
        suite = Path(folder) / "s.yaml"
        suite.write_text(
            f"suite: s\npoc: p\nprompt: {{template: '{{{{q}}}}'}}\ncases_from: {name}\n"
        )
        try:
            load_suites([suite])
        except SuiteError as exc:
            assert all(p.file and (p.field or p.line) for p in exc.problems)
