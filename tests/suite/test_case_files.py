"""`cases_from` sources: lazy re-iterable streams, and row problems located by line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from evalkit.errors import MissingDependency, Problem, SuiteError
from evalkit.suite.case_files import FileCases
from evalkit.suite.case_rows import RowSpec
from evalkit.suite.loader import load_suites

SUITE = "suite: s\npoc: p\nprompt: {template: 'Q: {{q}}'}\ncases_from: %s\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def problems_for(data_name: str, data: str, source: str | None = None) -> list[Problem]:
    Path(data_name).write_text(data, encoding="utf-8")
    Path("s.yaml").write_text(SUITE % (source or data_name))
    with pytest.raises(SuiteError) as info:
        load_suites(["s.yaml"])
    return info.value.problems


def test_bad_jsonl_rows_are_reported_by_line_all_at_once() -> None:
    found = problems_for(
        "c.jsonl",
        '{"id": "a", "vars": {"q": 1}, "reference": "x"}\n'
        '{"id": "b", "vars": {"q": 1}, "reference": 42}\n'
        "\n"
        "not json\n"
        '{"id": "d", "vars": {"other": 1}}\n'
        "[1, 2]\n",
    )
    assert [(p.file, p.line, p.field) for p in found] == [
        ("c.jsonl", 2, "reference"),
        ("c.jsonl", 4, "row"),
        ("c.jsonl", 5, "vars"),
        ("c.jsonl", 6, "row"),
    ]
    assert (
        str(found[0])
        == "c.jsonl:2: reference: expected a string or a list of strings, got 42 (quote it)"
    )
    assert found[2].message == "the template uses {{q}} but case 'd' has no var 'q'"


def test_duplicate_ids_in_a_file_name_the_first_line() -> None:
    rows = "".join(f'{{"id": "c{i % 5}", "vars": {{"q": 1}}}}\n' for i in range(7))
    found = problems_for("c.jsonl", rows)
    assert [(p.line, p.message) for p in found] == [
        (6, "duplicate case id 'c0' (first at line 1)"),
        (7, "duplicate case id 'c1' (first at line 2)"),
    ]


def test_rows_without_id_get_row_numbers_and_do_not_clash() -> None:
    Path("c.jsonl").write_text('{"q": "a"}\n\n{"q": "b"}\n')
    Path("s.yaml").write_text(SUITE % "c.jsonl")
    cases = list(load_suites(["s.yaml"]).suites[0].cases)
    assert [(c.id, c.line, c.vars) for c in cases] == [
        ("row-1", 1, {"q": "a"}),
        ("row-2", 3, {"q": "b"}),
    ]


def test_unknown_column_next_to_a_vars_column_gets_did_you_mean() -> None:
    (p,) = problems_for("c.jsonl", '{"id": "a", "vars": {"q": 1}, "refrence": "x"}\n')
    assert (p.line, p.field) == (1, "refrence") and "did you mean 'reference'?" in p.message


def test_empty_file_is_an_error() -> None:
    (p,) = problems_for("c.jsonl", "\n\n")
    assert p.field == "cases_from" and "no rows" in p.message


def test_csv_problems_carry_the_row_line() -> None:
    found = problems_for(
        "c.csv",
        'id,q,critical\na,"multi\nline",yes\nb,x,maybe\nc,x,no,extra\n',
    )
    assert [(p.line, p.field) for p in found] == [(4, "critical"), (5, "row")]
    assert "expected true or false, got 'maybe'" in found[0].message


def test_csv_row_with_fewer_cells_than_the_header_is_refused() -> None:
    # A missing comma shifts the cells left: 'b,x y,30 days' read policy '30 days' and no
    # reference, and validate passed; a row with too many cells was already refused.
    (p,) = problems_for("c.csv", "id,q,policy,reference\na,x,p,1\nb,x p,30 days\n")
    assert (p.line, p.field) == (3, "row")
    assert p.message == "expected 4 cells (the header's columns), got 3"


def test_csv_unterminated_quote_is_refused_on_the_row_that_opens_it() -> None:
    # Without strict quoting, rows 3-4 became the rest of row 2's 'q' cell and validate passed.
    (p,) = problems_for("c.csv", 'id,q\na,"unterminated\nb,x\nc,y\n')
    assert (p.line, p.field) == (2, "row")
    assert "never closed: lines 2–4, to the end of the file" in p.message


def test_csv_quote_closed_inside_a_cell_is_refused() -> None:
    (p,) = problems_for("c.csv", 'id,q\na,x\nb,"half"quoted\nc,y\n')
    assert (p.line, p.field) == (3, "row")
    assert "unreadable CSV" in p.message and "written twice" in p.hint


def test_csv_quoted_cell_over_several_lines_is_still_one_cell(tmp_path: Path) -> None:
    Path("c.csv").write_text('id,q\na,"one\ntwo"\nb,x\n', encoding="utf-8")
    Path("s.yaml").write_text(SUITE % "c.csv")
    cases = list(load_suites(["s.yaml"]).suites[0].cases)
    assert [(c.id, c.line, c.vars) for c in cases] == [
        ("a", 2, {"q": "one\ntwo"}),
        ("b", 4, {"q": "x"}),
    ]


def test_csv_invalid_utf8_is_reported_on_its_own_line_and_column() -> None:
    Path("c.csv").write_bytes(b"id,q\na,x\nb,y\nc,z\nd,\xe3\x81\x82\xff\ne,w\n")
    Path("s.yaml").write_text(SUITE % "c.csv")
    with pytest.raises(SuiteError) as info:
        load_suites(["s.yaml"])
    (p,) = info.value.problems
    assert (p.file, p.line, p.field) == ("c.csv", 5, "row")
    assert "not UTF-8 text, column 4 (byte 0xff)" in p.message


def test_csv_mapping_to_a_missing_column_is_an_error() -> None:
    (p,) = problems_for("c.csv", "id,q\na,x\n", "{path: c.csv, fields: {reference: answer}}")
    assert "no column 'answer'" in p.message


def test_unknown_case_field_in_mapping_gets_did_you_mean() -> None:
    found = problems_for("c.csv", "id,q\na,x\n", "{path: c.csv, fields: {refrence: q}}")
    assert any(
        p.field == "cases_from.fields.refrence" and "did you mean 'reference'?" in p.message
        for p in found
    )


def test_source_is_lazy_and_reiterable(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "q": 1}\n{"id": "b", "q": 2}\n')
    source = FileCases(path, "c.jsonl", "jsonl", RowSpec(placeholders=("q",)))
    stream = iter(source)
    assert next(stream).id == "a"
    path.write_text('{"id": "a", "q": 1}\n{"id": "z", "q": 2}\n')  # read lazily: sees the change
    assert [c.id for c in source] == ["a", "z"]


def test_a_row_broken_after_validation_raises_suite_error(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "q": 1}\n{"id": "b"}\n')
    with pytest.raises(SuiteError, match="c.jsonl:2: vars: the template uses"):
        list(FileCases(path, "c.jsonl", "jsonl", RowSpec(placeholders=("q",))))


def test_check_memory_is_not_proportional_to_id_length(tmp_path: Path) -> None:
    # The validation pass keeps 8 bytes per row, not the ids: 2,000 long ids stay small.
    import tracemalloc

    path = tmp_path / "c.jsonl"
    with path.open("w") as fh:
        for i in range(2000):
            fh.write(f'{{"id": "{"x" * 500}{i}", "q": 1}}\n')
    source = FileCases(path, "c.jsonl", "jsonl", RowSpec(placeholders=("q",)))
    tracemalloc.start()
    result = source.check()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.rows == 2000 and not result.problems
    assert peak < 200_000  # the ids alone would be over 1 MB


def test_missing_datasets_package_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)  # import datasets -> ImportError
    source = FileCases(tmp_path / "x.parquet", "x.parquet", "datasets")
    with pytest.raises(MissingDependency, match=r"pip install 'evalkit\[datasets\]'"):
        list(source)


def test_missing_datasets_package_is_a_located_problem_in_validation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)
    (p,) = problems_for("x.parquet", "not really parquet")
    assert p.field == "cases_from" and "pip install" in p.message


def test_datasets_split_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    data = datasets.Dataset.from_dict({"id": ["a"], "q": ["x"]})
    datasets.DatasetDict({"test": data}).save_to_disk(str(tmp_path / "dd"))
    Path("s.yaml").write_text(SUITE % "{path: dd, split: tset}")
    with pytest.raises(SuiteError) as info:
        load_suites(["s.yaml"])
    (p,) = info.value.problems
    assert p.field == "split" and "test" in p.message


def test_hash_collision_between_distinct_ids_is_not_reported(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "q": 1}\n{"id": "b", "q": 1}\n')
    source = FileCases(path, "c.jsonl", "jsonl", RowSpec(placeholders=("q",)))
    # pretend every id hashed alike: the second pass compares the real ids
    assert source._duplicates({hash("a"), hash("b")}, "id") == []


def _valid_file(rows: int) -> None:
    Path("c.jsonl").write_text(
        "".join(f'{{"id": "c{i}", "vars": {{"q": {i}}}}}\n' for i in range(rows)),
        encoding="utf-8",
    )
    Path("s.yaml").write_text(SUITE % "c.jsonl")


def test_select_builds_only_the_cases_whose_id_passes() -> None:
    _valid_file(6)
    source = load_suites(["s.yaml"]).suites[0].cases
    assert isinstance(source, FileCases)
    picked = [c.id for c in source.select(lambda case_id: case_id in {"c1", "c4"})]
    assert picked == ["c1", "c4"]
    assert [c.id for c in source] == [f"c{i}" for i in range(6)]


def test_a_file_validated_by_the_parent_is_not_read_again_until_it_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from evalkit.suite import case_files

    _valid_file(3)
    source = load_suites(["s.yaml"]).suites[0].cases
    assert isinstance(source, FileCases) and source.count == 3
    monkeypatch.setenv(case_files.CHECKED_ENV, case_files.checked_stamps([source]))
    reads: list[int] = []
    real_check = FileCases.check
    monkeypatch.setattr(FileCases, "check", lambda self: reads.append(1) or real_check(self))
    again = load_suites(["s.yaml"]).suites[0].cases
    assert reads == [] and isinstance(again, FileCases) and again.count == 3
    # The file changed after the parent validated it: it is validated here, and its new
    # problem is reported.
    with Path("c.jsonl").open("a", encoding="utf-8") as fh:
        fh.write("not json\n")
    with pytest.raises(SuiteError) as info:
        load_suites(["s.yaml"])
    assert reads == [1]
    assert [(p.line, p.field) for p in info.value.problems] == [(4, "row")]


def test_repeated_hashes_are_found_exactly_in_a_large_file_without_sorting_it() -> None:
    import random
    from array import array

    from evalkit.common.repeats import SORT_ROWS, repeated

    rnd = random.Random(7)
    hashes = array("q", (rnd.getrandbits(64) - 2**63 for _ in range(SORT_ROWS + 10)))
    assert repeated(hashes) == set()
    hashes.extend([hashes[3], hashes[-1], hashes[3]])
    assert repeated(hashes) == {hashes[3], hashes[-4]}
