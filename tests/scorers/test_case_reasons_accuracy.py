"""Accuracy and operational reasons as codes (`evalkit._i18n.Said`): every code these
scorers store words the English reason back byte for byte, and a Japanese one; a reason
edited by hand is shown as written."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from evalkit._i18n import CASE_REASONS, Said, case_reason_text
from evalkit.scorers import build_scorer
from evalkit.values import Case, Pricing, Prompt, Score, ScorerConfig, ScoringInput, Suite

SCHEMA = {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}
# English words of the reasons' skeleton, none of which the quoted inputs below contain.
ENGLISH = (" of ", "sample", "needed", "match", "found", "within", "over ", "tokens", "input")


def _suite(folder: Path, pricing: Pricing | None = None) -> Suite:
    return Suite(
        name="s",
        poc="p",
        path=folder / "s.yaml",
        sha256="0",
        prompt=Prompt("{{q}}"),
        cases=(),
        pricing=pricing,
    )


def _item(
    folder: Path,
    outputs: list[str],
    refs: tuple[Any, ...] = ("30日",),
    answerable: bool = True,
    labels: tuple[str, ...] = (),
    **measured: Any,
) -> ScoringInput:
    n = len(outputs)
    case = Case(id="c1", vars={"q": "?"}, references=refs, answerable=answerable)
    return ScoringInput(
        _suite(folder, measured.pop("pricing", None)),
        case,
        tuple(outputs),
        labels or tuple(f"sample {i}" for i in range(n)),
        (0,) * n,
        ("live",) * n,
        {},
        **measured,
    )


def _score(metric: str, method: str | None, item: ScoringInput, **params: Any) -> Score:
    scorer = build_scorer(ScorerConfig(metric, method, params))
    result = scorer.score(item)
    assert result is not None
    return result


def _scores(folder: Path) -> list[Score]:
    """A spread of accuracy and operational results that, together, use every code."""
    acc = "accuracy"
    one = [
        (None, ["30日です"], {}),  # acc.one_match, text
        ("exact", ["14日"], {}),  # acc.one_miss
        ("fuzzy", ["30日"], {"threshold": 0.5}),
        ("regex", ["30日"], {}),
        ("numeric", ["なし"], {}),
        ("numeric", ["14日"], {}),
        ("choice", ["A か B"], {"choices": ["A", "B"]}),
        ("choice", ["Z"], {"choices": ["A", "B"]}),
        ("choice", ["B"], {"choices": ["A", "B"]}),
        ("json", ["なし"], {}),
        ("json", ['{"a": 1'], {}),
        ("json", ['{"b": 2}'], {"schema": SCHEMA}),
        ("json", ["[1]"], {}),
        ("json", ['{"a": 2}'], {"fields": ["a", "b"]}),
        ("json", ['{"a": 1}'], {"fields": ["a"]}),
    ]
    refs = {
        "regex": ("(日",),
        "numeric": ("30日",),
        "choice": ("B",),
        "json": ({"a": 1, "b": 2},),
    }
    out = [
        _score(acc, method, _item(folder, outputs, refs.get(method or "", ("30日",))), **params)
        for method, outputs, params in one
    ]
    out += [
        _score(acc, "numeric", _item(folder, ["14"], ("三十",))),  # acc.ref_no_number
        _score(acc, "json", _item(folder, ["{}"], ("三十",))),  # acc.ref_not_json
        _score(acc, None, _item(folder, ["14日", "30日", "２日"], ("30日", "一か月", "1", "2"))),
        _score(
            acc,
            None,
            _item(folder, ["30日", "14日"], labels=("variant 0 sample 0", "variant 1 sample 0")),
            samples_rule=0.5,
        ),
        _score(acc, None, _item(folder, ["わかりません。", "30日"], answerable=False)),
        _score(acc, None, _item(folder, ["30日", "30日"])),  # acc.samples without a wrong one
    ]
    (folder / "grades.jsonl").write_text(
        json.dumps({"case": "c1", "sample": 0, "output": "PARTIAL\n曖昧。"}) + "\n",
        encoding="utf-8",
    )
    judged = build_scorer(ScorerConfig(acc, "judge", {"judge": "replay:grades.jsonl"}))
    result = asyncio.run(judged.ascore(_item(folder, ["一か月くらい"])))  # type: ignore[attr-defined]
    assert result is not None
    out.append(result)
    yen = Pricing(150, 600, "JPY")
    for limit in (5, 0.0001):
        item = _item(folder, ["x"], tokens=((100, 50),), latencies=(1.0,), pricing=yen)
        out.append(_score("cost", None, item, max_usd=limit))
        out.append(_score("tokens", None, item, max=limit * 100))
        out.append(_score("latency", None, item, max_s=limit))
    late = _item(folder, ["x", "y", "z"], latencies=(1.0, 7.5, 9.0))
    out.append(_score("latency", None, late, max_s=5, samples_rule="majority"))
    return out


def _codes(doc: Any) -> set[str]:
    """Every code a stored `reason_code` names, nested ones included."""
    if isinstance(doc, list):
        return {doc[0]}.union(*(_codes(v) for v in doc[1].values()))
    if isinstance(doc, dict):
        return set().union(*(_codes(v) for v in doc["all"]))
    return set()


def test_every_accuracy_and_operational_code_words_the_reason_in_english_and_japanese(
    tmp_path: Path,
) -> None:
    used: set[str] = set()
    for result in _scores(tmp_path):
        doc = json.loads(json.dumps(result.said.document(), ensure_ascii=False))
        said = Said.from_document(doc)
        assert said is not None and said.text("en") == result.reason
        ja = case_reason_text({"reason": result.reason, "reason_code": doc}, "ja")
        assert ja != result.reason
        assert not [w for w in ENGLISH if w in ja], (result.reason, ja)
        used |= _codes(doc)
    mine = {c for c in CASE_REASONS["en"] if c.startswith(("acc.", "ops."))}
    assert mine <= used, sorted(mine - used)
    assert "all" in used  # the shared list code (field mismatches)


def test_the_japanese_reason_reads_as_a_case_table_puts_it(tmp_path: Path) -> None:
    item = _item(tmp_path, ["東京", "東京です", "大阪"], ("東京",))
    result = _score("accuracy", None, item)
    assert result.reason == (
        "auto: 2 of 3 samples match '東京' (a majority needed); wrong — sample 2: 大阪"
    )
    assert case_reason_text(
        {"reason": result.reason, "reason_code": result.said.document()}, "ja"
    ) == ("auto：3件中2件のサンプルが「東京」と一致（過半数が必要）。不一致：サンプル2：大阪")


@pytest.mark.parametrize("metric", ["accuracy", "tokens"])
def test_a_reason_edited_by_hand_is_shown_as_written(tmp_path: Path, metric: str) -> None:
    item = _item(tmp_path, ["14日"], tokens=((100, 50),))
    params = {"max": 10} if metric == "tokens" else {}
    result = _score(metric, None, item, **params)
    edited = {"reason": result.reason + " (checked by hand)", "reason_code": result.said.document()}
    assert case_reason_text(edited, "ja") == edited["reason"]
    assert case_reason_text(
        {"reason": result.reason, "reason_code": result.said.document()}, "ja"
    ) != (result.reason)
