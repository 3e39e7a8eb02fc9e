"""Messages for the mistakes a newcomer makes first: a tab in YAML, full-width digits."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import SuiteError
from evalkit.suite.loader import load_suites

HEAD = "suite: x\npoc: y\nprompt: {template: 'hi {{q}}'}\n"
CASES = "cases:\n  - {id: a, vars: {q: x}, reference: '1'}\n"


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SuiteError) as raised:
        load_suites([str(path)])
    return [str(p) for p in raised.value.problems if p.severity == "error"]


@pytest.mark.parametrize(
    "text",
    [
        "suite: x\npoc: y\nprompt:\n\ttemplate: hi\n",
        HEAD + "cases:\n  - id: a\n\t  vars: {}\n",
    ],
)
def test_a_tab_in_the_indentation_is_called_a_tab(tmp_path: Path, text: str) -> None:
    (problem,) = _problems(tmp_path, text)
    line = text.split("\n").index(next(x for x in text.split("\n") if x.startswith("\t"))) + 1
    assert f"s.yaml:{line}:" in problem
    assert "a tab character" in problem and "replace the tab with spaces" in problem


def test_full_width_numbers_say_so_and_give_the_ascii_spelling(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        HEAD
        + "samples: ３\n"
        + CASES
        + "thresholds:\n  accuracy: {tolerable: ０.１０, stop: 0.4}\n"
        + "  consistency: {tolerable: 0.1, stop: 0.4}\n",
    )
    assert len(problems) == 2, problems  # no second error about "samples is 1"
    assert "samples: expected a whole number of samples" in problems[0]
    assert "full-width characters" in problems[0] and "write 3)" in problems[0]
    assert "thresholds.accuracy.tolerable" in problems[1] and "write 0.10" in problems[1]
    assert "10% is 0.10" not in problems[1]
