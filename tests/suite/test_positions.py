"""Parsing keeps the line of every value and key, and never raises for bad text."""

from __future__ import annotations

from evalkit.suite.json_lines import parse_json
from evalkit.suite.positions import parse_yaml


def test_yaml_records_value_and_key_lines() -> None:
    parsed = parse_yaml("a: 1\nb:\n  - x: 2\n    y: [1,\n      2]\n")
    assert parsed.data == {"a": 1, "b": [{"x": 2, "y": [1, 2]}]}
    assert parsed.lines[("b", 0, "y", 1)] == 5
    assert parsed.key_lines[("b",)] == 2
    assert parsed.line_of(("b", 0, "missing")) == 3  # falls back to the nearest ancestor


def test_json_records_value_and_key_lines() -> None:
    parsed = parse_json('{"a": 1,\n "b": [\n  {"x": "y"}\n ]}')
    assert parsed.data == {"a": 1, "b": [{"x": "y"}]}
    assert parsed.lines[("b", 0, "x")] == 3 and parsed.key_lines[("b",)] == 2


def test_yaml_dates_and_nan_stay_text() -> None:
    parsed = parse_yaml("d: 2024-01-01\nn: .nan\nk:\n  2024: x\n")
    assert parsed.data == {"d": "2024-01-01", "n": ".nan", "k": {"2024": "x"}}


def test_json_nan_stays_text() -> None:
    assert parse_json('{"n": NaN, "i": -Infinity, "f": 1.5e3}').data == {
        "n": "NaN",
        "i": "-Infinity",
        "f": 1500.0,
    }


def test_yaml_merge_keys_are_resolved() -> None:
    assert parse_yaml("a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n").data["c"] == {"b": 1, "d": 2}
    merged = parse_yaml("a: &x {b: 1, c: 1}\nd:\n  <<: [*x, {e: 2, b: 3}]\n  c: 0\n").data["d"]
    assert merged == {"b": 1, "c": 0, "e": 2}  # own keys win, then earlier merges


def test_recursive_alias_is_an_issue_not_a_hang() -> None:
    parsed = parse_yaml("a: &x [*x]\n")
    assert parsed.issues and "refers to itself" in parsed.issues[0].message


def test_deep_nesting_is_an_issue_not_a_crash() -> None:
    assert parse_yaml("[" * 5000).issues
    assert parse_json("[" * 5000 + "]" * 5000).issues


def test_duplicate_keys_are_issues_with_both_lines() -> None:
    (issue,) = parse_json('{"a": 1,\n"a": 2}').issues
    assert issue.line == 2 and "first at line 1" in issue.message
    (issue,) = parse_yaml("a: 1\nb: 2\na: 3\n").issues
    assert issue.line == 3 and "first at line 1" in issue.message


def test_syntax_errors_carry_the_line() -> None:
    assert parse_yaml("a: b\nc: [d\ne: f\n").issues[0].line is not None
    assert parse_json('{\n"a": 1\n"b": 2}').issues[0].line == 3


def test_list_or_mapping_as_key_is_an_issue_and_the_rest_still_parses() -> None:
    parsed = parse_yaml("? [a, b]\n: 1\nc: 2\n")
    assert parsed.data == {"c": 2} and "plain text" in parsed.issues[0].message


def test_alias_expansion_is_bounded() -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    parsed = parse_yaml(bomb)
    assert parsed.data is None and "too large" in parsed.issues[0].message


def test_second_document_is_an_issue() -> None:
    assert "single document" in parse_yaml("a: 1\n---\nb: 2\n").issues[0].message


def test_shipped_schema_is_valid_draft_2020_12_with_descriptions() -> None:
    from jsonschema import Draft202012Validator

    from evalkit.suite.schema_check import load_schema

    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")
    assert all(
        "description" in spec for key, spec in schema["properties"].items() if key != "$schema"
    )
