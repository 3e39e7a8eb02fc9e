"""The loader turns valid suite files (YAML, JSON, inline cases, cases_from) into values."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from evalkit.errors import UsageError
from evalkit.suite.loader import find_suite_files, load_suites
from evalkit.values import Bar, Case, ScorerConfig, Threshold

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "loader"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder holding a copy of fixtures/loader, as the current directory."""
    shutil.copytree(FIXTURES, tmp_path / "loader")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_yaml_suite_loads_every_key(here: Path) -> None:
    suite = load_suites(["loader/good.yaml"]).suites[0]
    assert suite.name == "loader-good" and suite.poc == "loader-poc"
    assert suite.path == Path("loader/good.yaml")  # kept relative, as given
    assert suite.base_dir == Path("loader")
    assert suite.sha256 == hashlib.sha256((here / "loader/good.yaml").read_bytes()).hexdigest()
    assert suite.prompt.system == "You answer from the policy."
    assert suite.samples == 3 and suite.seed == 7 and suite.confidence == 0.9
    assert suite.error_budget == 0.1 and suite.critical_failure == "stop"
    assert suite.client == "replay:replay.jsonl"
    assert suite.params.temperature == 0.2 and suite.params.max_tokens == 200
    assert suite.params.stop == ("END",)
    assert suite.scorers["accuracy"] == ScorerConfig("accuracy", "normalized", {})
    # a metric with a threshold but no scorer settings gets the default scorer
    assert suite.scorers["hallucination"] == ScorerConfig("hallucination")
    assert suite.thresholds["hallucination"] == Threshold(
        Bar(0.05, 0.2), {"billing": Bar(0.02, 0.1)}
    )
    cases = list(suite.cases)
    assert [c.id for c in cases] == ["refund-window", "ceo-phone"]
    first, second = cases
    assert first.references == ("30 days",) and first.forbidden == ("60 days",)
    assert first.tags == ("billing",) and first.critical and first.line == 10
    assert not second.answerable and second.line == 17
    # variants are stored merged over the case's vars
    assert second.variants == ({"question": "What is the CEO's number?", "policy": "none"},)


def test_json_suite_loads_with_lines(here: Path) -> None:
    suite = load_suites(["loader/good.json"]).suites[0]
    cases = list(suite.cases)
    assert cases[0].references == ("4", "four") and cases[0].line == 7
    assert cases[1].references == ("Paris",)


def test_defaults_apply_when_keys_are_absent(here: Path) -> None:
    Path("s.yaml").write_text("suite: s\npoc: p\nprompt: {template: hi}\ncases: [{id: a}]\n")
    suite = load_suites(["s.yaml"]).suites[0]
    assert (
        suite.samples,
        suite.confidence,
        suite.error_budget,
        suite.critical_failure,
        suite.seed,
    ) == (
        1,
        0.95,
        0.05,
        "redesign",
        0,
    )
    assert suite.client is None and suite.scorers == {} and suite.thresholds == {}
    case = list(suite.cases)[0]
    assert case == Case(id="a", vars={}, line=4)


def test_scorers_default_to_threshold_metrics(here: Path) -> None:
    Path("s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: hi}\ncases: [{id: a}]\n"
        "thresholds: {accuracy: {tolerable: 0.1, stop: 0.3}}\n"
    )
    assert load_suites(["s.yaml"]).suites[0].scorers == {"accuracy": ScorerConfig("accuracy")}


def test_scorer_keys_other_than_method_become_params(here: Path) -> None:
    Path("s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: hi}\ncases: [{id: a}]\n"
        "scorers: {accuracy: {method: fuzzy, threshold: 0.8}}\n"
    )
    config = load_suites(["s.yaml"]).suites[0].scorers["accuracy"]
    assert config == ScorerConfig("accuracy", "fuzzy", {"threshold": 0.8})


def test_jsonl_cases_stream_with_file_lines(here: Path) -> None:
    suite = load_suites(["loader/from_jsonl.yaml"]).suites[0]
    cases = list(suite.cases)
    assert [(c.id, c.line) for c in cases] == [("j1", 1), ("j2", 3), ("row-3", 4)]
    assert cases[1].references == ("6", "six") and cases[1].critical
    # a row without a vars column: other columns become vars
    assert cases[2].vars == {"question": "no id here"}
    assert not isinstance(suite.cases, (list, tuple))
    assert list(suite.cases) == cases  # re-iterable: reads the file again


def test_csv_cases_with_field_mapping_and_list_cells(here: Path) -> None:
    suite = load_suites(["loader/from_csv.yaml"]).suites[0]
    first, second = list(suite.cases)
    assert first == Case(
        id="c1",
        vars={"question": "What is 2+2?", "note": "hello"},
        references=("4", "four"),
        tags=("math", "easy"),
        critical=True,
        line=2,
    )
    # a quoted multi-line cell: the row starts on line 3; a JSON array cell is a list
    assert second.line == 3 and second.vars["question"] == "Multi\nline?"
    assert second.references == ("a", "b") and not second.critical


def _datasets_suite(folder: Path, source: str) -> Path:
    path = folder / f"ds-{source.replace('.', '-')}.yaml"
    path.write_text(
        f"suite: ds-{source.replace('.', '-')}\npoc: p\nprompt: {{template: 'Q: {{{{question}}}}'}}\n"
        f"cases_from: {{path: {source}, format: datasets, fields: {{id: qid, reference: answer}}}}\n"
    )
    return path


def test_datasets_parquet_file_and_save_to_disk_folder(here: Path) -> None:
    datasets = pytest.importorskip("datasets")
    data = datasets.Dataset.from_dict(
        {"qid": ["p1", "p2"], "question": ["2+2?", "3+3?"], "answer": [4, 6]}
    )
    folder = here / "ds"
    folder.mkdir()
    data.to_parquet(str(folder / "cases.parquet"))
    data.save_to_disk(str(folder / "saved"))
    _datasets_suite(folder, "cases.parquet")
    _datasets_suite(folder, "saved")
    result = load_suites(["ds"])  # the saved folder's JSON files are not taken for suites
    assert [s.name for s in result.suites] == ["ds-cases-parquet", "ds-saved"]
    for suite in result.suites:
        cases = list(suite.cases)
        assert [(c.id, c.vars, c.references) for c in cases] == [
            ("p1", {"question": "2+2?"}, ("4",)),  # numbers in a typed column are taken as text
            ("p2", {"question": "3+3?"}, ("6",)),
        ]


def test_folder_finds_suite_files_sorted_and_skips_hidden(here: Path) -> None:
    (here / "suites" / "sub").mkdir(parents=True)
    (here / "suites" / ".hidden").mkdir()
    for name in (
        "suites/b.yaml",
        "suites/a.json",
        "suites/sub/c.yml",
        "suites/.hidden/x.yaml",
        "suites/notes.txt",
    ):
        Path(name).write_text("{}")
    assert find_suite_files(["suites"]) == [
        Path("suites/a.json"),
        Path("suites/b.yaml"),
        Path("suites/sub/c.yml"),
    ]


def test_missing_path_is_a_usage_error(here: Path) -> None:
    with pytest.raises(UsageError, match="nope.yaml: no such file or folder"):
        find_suite_files(["nope.yaml"])


def test_suites_come_back_sorted_by_name(here: Path) -> None:
    for name in ("zeta", "alpha"):
        Path(f"{name}.json").write_text(
            json.dumps(
                {"suite": name, "poc": "p", "prompt": {"template": "x"}, "cases": [{"id": "a"}]}
            )
        )
    assert [s.name for s in load_suites(["zeta.json", "alpha.json"]).suites] == ["alpha", "zeta"]


def test_schema_comment_and_key_are_accepted(here: Path) -> None:
    Path("s.yaml").write_text(
        "# yaml-language-server: $schema=../evalkit/suite/schema.json\n"
        "$schema: ../evalkit/suite/schema.json\nsuite: s\npoc: p\nprompt: {template: x}\ncases: [{id: a}]\n"
    )
    assert load_suites(["s.yaml"]).suites[0].name == "s"


def test_tolerable_zero_is_a_warning_not_an_error(here: Path) -> None:
    Path("s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: x}\ncases: [{id: a}]\n"
        "thresholds:\n  accuracy: {tolerable: 0, stop: 0.2}\n"
    )
    result = load_suites(["s.yaml"])
    assert len(result.suites) == 1
    (warning,) = result.warnings
    assert warning.severity == "warning" and warning.line == 6
    assert warning.field == "thresholds.accuracy.tolerable"
    assert "critical: true" in warning.hint


def test_file_with_another_extension_is_a_usage_error(here: Path) -> None:
    Path("notes.txt").write_text("x")
    with pytest.raises(UsageError, match="expected a suite file"):
        find_suite_files(["notes.txt"])


def test_folder_without_suites_is_a_usage_error(here: Path) -> None:
    Path("empty").mkdir()
    with pytest.raises(UsageError, match="no suite files"):
        find_suite_files(["empty"])


def test_same_file_named_twice_is_loaded_once(here: Path) -> None:
    assert find_suite_files(["loader/good.yaml", "./loader/good.yaml"]) == [
        Path("loader/good.yaml")
    ]
