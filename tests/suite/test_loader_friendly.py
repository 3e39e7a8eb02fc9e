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


def test_a_case_var_the_prompt_never_uses_is_a_warning(tmp_path: Path) -> None:
    """The shape of a real slip: in a flow mapping, a comma ends a plain value, so the
    question became 6 and the rest a var of its own that the model never saw."""
    (tmp_path / "r.jsonl").write_text('{"case": "a", "sample": 0, "output": "x"}\n')
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "suite: s\npoc: p\nprompt: {template: '質問: {{question}}'}\nclient: replay:r.jsonl\n"
        "cases:\n"
        "  - {id: a, vars: {question: 6,000円の注文は送料無料ですか?}, reference: はい}\n"
        "  - {id: b, vars: {question: q, extra: x}, reference: y}\n"
        "  - {id: c, vars: {question: q, extra: z}, reference: y}\n",
        encoding="utf-8",
    )
    result = load_suites([suite])
    messages = sorted(w.message for w in result.warnings)
    assert len(messages) == 2  # one per unused var name, not one per case
    assert any("var 'extra' is not used by the prompt (cases b, c)" in m for m in messages)
    assert any("000円の注文は送料無料ですか?" in m and "(cases a)" in m for m in messages)
    lines = {w.line for w in result.warnings}
    assert lines == {6, 7}
