"""Every kind of mistake in a suite file becomes a located, worded problem, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import ConfigProblem, Problem, SuiteError
from evalkit.suite.loader import load_suites

HEAD = "suite: s\npoc: p\nprompt: {template: 'Q: {{q}}'}\n"  # lines 1-3


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def problems(text: str, name: str = "s.yaml") -> list[Problem]:
    Path(name).write_text(text, encoding="utf-8")
    with pytest.raises(SuiteError) as info:
        load_suites([name])
    return info.value.problems


def only(text: str, name: str = "s.yaml") -> Problem:
    found = problems(text, name)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_number_as_reference_says_quote_it() -> None:
    p = only(HEAD + "cases:\n  - id: a\n    vars: {q: x}\n    reference: 42\n")
    assert (
        str(p)
        == "s.yaml:7: cases[0].reference: expected a string or a list of strings, got 42 (quote it)"
    )


def test_boolean_tag_says_yaml_reads_it_as_boolean() -> None:
    p = only(HEAD + "cases:\n  - id: a\n    vars: {q: x}\n    tags: [yes]\n")
    assert (p.line, p.field) == (7, "cases[0].tags[0]")
    assert "got true" in p.message and "booleans" in p.hint


def test_unknown_key_gets_did_you_mean_on_its_line() -> None:
    p = only(HEAD + "cases:\n  - id: a\n    vars: {q: x}\n    refrence: '4'\n")
    assert (p.line, p.field) == (7, "cases[0].refrence")
    assert p.message == "unknown key 'refrence' (did you mean 'reference'?)"


def test_missing_required_keys_are_named() -> None:
    found = problems("suite: s\nprompt: {system: hi}\ncases: [{id: a}]\n")
    assert {(p.field, p.message) for p in found} == {
        ("poc", "missing required key 'poc'"),
        ("prompt.template", "missing required key 'template'"),
    }
    assert next(p for p in found if p.field == "prompt.template").line == 2


def test_cases_and_cases_from_together_is_an_error() -> None:
    Path("c.jsonl").write_text('{"id": "b", "vars": {"q": 1}}\n')
    p = only(HEAD + "cases: [{id: a, vars: {q: x}}]\ncases_from: c.jsonl\n")
    assert p.message == "give either cases or cases_from, not both"


def test_neither_cases_nor_cases_from_is_an_error() -> None:
    p = only(HEAD)
    assert "missing required key 'cases'" in p.message and "cases_from" in p.message


def test_reference_and_references_together_is_an_error() -> None:
    p = only(HEAD + "cases:\n  - id: a\n    vars: {q: x}\n    reference: x\n    references: [y]\n")
    assert (p.field, p.message) == ("cases[0]", "give either reference or references, not both")
    assert p.line == 5


def test_duplicate_case_ids_name_both_lines() -> None:
    p = only(
        HEAD
        + "cases:\n  - {id: a, vars: {q: 1}}\n  - {id: b, vars: {q: 1}}\n  - {id: a, vars: {q: 1}}\n"
    )
    assert (p.line, p.field) == (7, "cases[2].id")
    assert p.message == "duplicate case id 'a' (first at line 5)"


def test_missing_template_var_names_case_and_variable() -> None:
    p = only(HEAD + "cases:\n  - id: a\n    vars: {other: 1}\n")
    assert (p.line, p.field) == (6, "cases[0].vars")
    assert p.message == "the template uses {{q}} but case 'a' has no var 'q'"


def test_system_prompt_placeholders_must_be_defined_too() -> None:
    p = only("suite: s\npoc: p\nprompt: {system: 'As {{role}}', template: x}\ncases: [{id: a}]\n")
    assert "{{role}}" in p.message and p.field == "cases[0]"


def test_unknown_metric_in_scorers_and_thresholds_gets_did_you_mean() -> None:
    found = problems(
        HEAD + "cases: [{id: a, vars: {q: 1}}]\nscorers:\n  acuracy: {}\n"
        "thresholds:\n  halucination: {tolerable: 0.1, stop: 0.2}\n"
    )
    assert [(p.line, p.field) for p in found] == [
        (6, "scorers.acuracy"),
        (8, "thresholds.halucination"),
    ]
    assert "did you mean 'accuracy'?" in found[0].message
    assert "did you mean 'hallucination'?" in found[1].message


def test_scorer_config_problem_is_located_at_its_field(monkeypatch: pytest.MonkeyPatch) -> None:
    def reject(config):  # type: ignore[no-untyped-def]
        raise ConfigProblem(
            "threshold", "expected a number in [0, 1], got 2", "0.85 is a good start"
        )

    monkeypatch.setattr("evalkit.scorers.build_scorer", reject)
    p = only(
        HEAD
        + "cases: [{id: a, vars: {q: 1}}]\nscorers:\n  accuracy:\n    method: fuzzy\n    threshold: 2\n"
    )
    assert (p.line, p.field) == (8, "scorers.accuracy.threshold")
    assert p.message == "expected a number in [0, 1], got 2" and p.hint == "0.85 is a good start"


def test_real_accuracy_scorer_rejects_an_unknown_method() -> None:
    p = only(HEAD + "cases: [{id: a, vars: {q: 1}}]\nscorers:\n  accuracy: {method: fuzy}\n")
    assert p.field == "scorers.accuracy.method" and p.line == 6
    assert "fuzy" in p.message


def test_threshold_outside_unit_interval_is_an_error() -> None:
    p = only(
        HEAD
        + "cases: [{id: a, vars: {q: 1}}]\nthresholds:\n  accuracy: {tolerable: 0.1, stop: 40}\n"
    )
    assert (p.line, p.field) == (6, "thresholds.accuracy.stop")
    assert p.message == "expected a failure rate in [0, 1], got 40" and "0.10" in p.hint


def test_tolerable_above_stop_is_an_error_per_tag_too() -> None:
    p = only(
        HEAD
        + "cases: [{id: a, vars: {q: 1}}]\nthresholds:\n  accuracy:\n    tolerable: 0.1\n    stop: 0.3\n"
        "    by_tag:\n      billing: {tolerable: 0.5, stop: 0.2}\n"
    )
    assert (p.line, p.field) == (10, "thresholds.accuracy.by_tag.billing.tolerable")
    assert p.message == "expected tolerable <= stop, got tolerable 0.5 above stop 0.2"


def test_consistency_needs_samples_or_variants(monkeypatch: pytest.MonkeyPatch) -> None:
    # the consistency scorer module may not exist yet; this check does not depend on it
    monkeypatch.setattr("evalkit.scorers.build_scorer", lambda config: None)
    p = only(
        HEAD
        + "cases: [{id: a, vars: {q: 1}}]\nthresholds:\n  consistency: {tolerable: 0.1, stop: 0.5}\n"
    )
    assert (p.line, p.field) == (6, "thresholds.consistency")
    assert (
        p.message.startswith("consistency needs at least 2 samples or variants")
        and p.hint == "set samples: 3"
    )


def test_consistency_with_variants_and_one_sample_is_fine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("evalkit.scorers.build_scorer", lambda config: None)
    Path("s.yaml").write_text(
        HEAD
        + "cases: [{id: a, vars: {q: 1}, variants: [{q: 2}]}]\nthresholds:\n  consistency: {tolerable: 0.1, stop: 0.5}\n"
    )
    assert load_suites(["s.yaml"]).suites[0].scorers["consistency"].metric == "consistency"


def test_unknown_client_name_gets_did_you_mean() -> None:
    p = only(HEAD + "cases: [{id: a, vars: {q: 1}}]\nclient: repaly:x.jsonl\n")
    assert (p.line, p.field) == (5, "client") and "did you mean 'replay'?" in p.message


def test_enum_value_gets_did_you_mean() -> None:
    p = only(HEAD + "cases: [{id: a, vars: {q: 1}}]\ncritical_failure: stpo\n")
    assert p.message == "expected one of redesign, stop, got 'stpo' (did you mean 'stop'?)"


def test_three_distinct_mistakes_give_three_problems() -> None:
    found = problems(
        HEAD + "samples: 0\ncases:\n  - {id: a, vars: {q: 1}}\n  - {id: a, vars: {q: 1}}\n"
        "thresholds:\n  accuracy: {tolerable: 0.5, stop: 0.2}\n"
    )
    assert [(p.line, p.field) for p in found] == [
        (4, "samples"),
        (7, "cases[1].id"),
        (9, "thresholds.accuracy.tolerable"),
    ]


def test_problems_of_several_files_come_in_one_error() -> None:
    Path("a.yaml").write_text(HEAD + "cases: [{id: a, vars: {q: 1}}]\nsamples: -1\n")
    Path("b.json").write_text('{"suite": "b", "poc": "p"')
    with pytest.raises(SuiteError) as info:
        load_suites(["a.yaml", "b.json"])
    assert [p.file for p in info.value.problems] == ["a.yaml", "b.json"]


@pytest.mark.parametrize(
    ("text", "name", "line", "words"),
    [
        ("suite: s\n  poc: [\n", "s.yaml", 2, "invalid YAML"),
        ('{"suite": "s",\n "poc": }', "s.json", 2, "invalid JSON"),
        ("", "s.yaml", 1, "empty"),
        (
            "- a\n- b\n",
            "s.yaml",
            1,
            "expected a mapping with suite, poc, prompt and cases, got a list",
        ),
        ("just text", "s.yaml", 1, "got 'just text'"),
        ("suite: a\nsuite: b\n", "s.yaml", 2, "duplicate key 'suite'"),
        ("a: !!python/object:os.system x\n", "s.yaml", 1, "unsupported YAML tag"),
    ],
)
def test_unparseable_files_become_located_problems(
    text: str, name: str, line: int, words: str
) -> None:
    found = problems(text, name)
    assert any(p.line == line and words in p.message for p in found), [str(p) for p in found]


def test_binary_garbage_is_a_located_problem() -> None:
    Path("s.yaml").write_bytes(b"suite: s\n\xff\xfe\x00garbage")
    with pytest.raises(SuiteError) as info:
        load_suites(["s.yaml"])
    (p,) = info.value.problems
    assert p.line == 2 and "UTF-8" in p.message


def test_cases_from_missing_file_is_located() -> None:
    p = only(HEAD + "cases_from: nope.jsonl\n")
    assert (p.line, p.field) == (4, "cases_from") and "nope.jsonl does not exist" in p.message


def test_cases_from_unknown_extension_asks_for_format() -> None:
    Path("cases.txt").write_text("x")
    p = only(HEAD + "cases_from: cases.txt\n")
    assert "cannot tell the format" in p.message and "format" in p.hint


def test_a_scorer_module_that_fails_to_import_is_not_swallowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(config):  # type: ignore[no-untyped-def]
        raise ImportError("evalkit.scorers.accuracy is broken")

    monkeypatch.setattr("evalkit.scorers.build_scorer", broken)
    Path("s.yaml").write_text(HEAD + "cases: [{id: a, vars: {q: 1}}]\nscorers: {accuracy: {}}\n")
    with pytest.raises(ImportError):
        load_suites(["s.yaml"])


def test_cases_from_mapping_form_reports_its_own_keys() -> None:
    found = problems(HEAD + "cases_from: {pth: c.jsonl}\n")
    assert {(p.field, p.message) for p in found} == {
        ("cases_from.pth", "unknown key 'pth' (did you mean 'path'?)"),
        ("cases_from.path", "missing required key 'path'"),
    }
