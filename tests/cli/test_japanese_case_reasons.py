"""The scorers' per-case reasons in every output a team reads, as a user runs them: a
Japanese suite's reasons in Japanese (JUnit XML, the review sheet and its HTML form, `evalkit
diff` and `run --baseline`), an English suite's exactly as `cases.jsonl` stores them, and a
review sheet in Japanese imported like an English one (README "Japanese output")."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from cli_runner import ENGLISH_LOCALE, demo_suite_copy, evalkit

from evalkit.review.sheet import read_sheets, sheet_text

SUITES = {"ja": "hr-policy-ja", "en": "shipping-faq"}
# The "old" run's suite expects another answer at the first of these lines, so that case
# (ja: paid-leave-first-days, en: standard-cost) newly passes accuracy in the real run.
CHANGED = {"ja": "reference: 10日", "en": "reference: $5.99"}
# Every Japanese case reason counts its samples or outputs in 件 ("3件中2件", "3件の出力");
# no English one says "samples" or "outputs" in Japanese.
JAPANESE = re.compile(r"\d件")
ENGLISH = re.compile(r"\b(?:samples?|outputs?)\b")


def _japanese(text: str) -> bool:
    return bool(JAPANESE.search(text)) and not ENGLISH.search(text)


def _run(suite: Path, out: Path, *extra: str) -> str:
    r = evalkit(
        "run",
        str(suite),
        "--out",
        str(out),
        "--no-progress",
        "--exit-zero",
        *extra,
        env=ENGLISH_LOCALE,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def _suite(tmp: Path, lang: str, changed: bool) -> Path:
    folder = tmp / ("old" if changed else "new")
    return demo_suite_copy(folder, SUITES[lang], CHANGED[lang] if changed else None)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per language, a result (`ja`, `en`) and one of the same suite expecting another
    answer to one case (`ja-old`, `en-old`)."""
    tmp = tmp_path_factory.mktemp("reasons")
    out = {}
    for lang in SUITES:
        out[lang] = tmp / lang
        _run(_suite(tmp, lang, False), out[lang])
        out[f"{lang}-old"] = tmp / f"{lang}-old"
        _run(_suite(tmp, lang, True), out[f"{lang}-old"])
    return out


def _rows(result: Path) -> list[dict]:
    return [json.loads(x) for x in (result / "cases.jsonl").read_text("utf-8").splitlines()]


def _stored(result: Path) -> set[str]:
    """Every case reason `cases.jsonl` holds (the English contract)."""
    return {s["reason"] for row in _rows(result) for s in row.get("scores", {}).values()}


def _junit_messages(path: Path) -> list[str]:
    root = ElementTree.parse(path).getroot()
    return [
        f.get("message") or ""
        for suite in root.iter("testsuite")
        if suite.get("name") != "evalkit.verdict"
        for f in suite.iter("failure")
    ]


def test_junit_words_a_japanese_suites_case_reasons_in_japanese(
    results: dict[str, Path], tmp_path: Path
) -> None:
    r = evalkit(
        "report", str(results["ja"]), "--junit", str(tmp_path / "ja.xml"), env=ENGLISH_LOCALE
    )
    assert r.returncode == 0, r.stderr
    messages = _junit_messages(tmp_path / "ja.xml")
    assert messages and all(_japanese(m) for m in messages), messages
    verdict = ElementTree.parse(tmp_path / "ja.xml").getroot().find(".//failure")
    assert verdict is not None and verdict.get("message", "").startswith(
        "redesign: accuracy：失敗率"
    )
    # --lang en gives back the stored English, and the testcase names do not change.
    r = evalkit("report", str(results["ja"]), "--junit", str(tmp_path / "en.xml"), "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert set(_junit_messages(tmp_path / "en.xml")) <= _stored(results["ja"])
    names = [
        [c.get("name") for c in ElementTree.parse(tmp_path / f).getroot().iter("testcase")]
        for f in ("ja.xml", "en.xml")
    ]
    assert names[0] == names[1]


def test_junit_keeps_an_english_suites_case_reasons_as_stored_in_any_language(
    results: dict[str, Path], tmp_path: Path
) -> None:
    written = {}
    for lang in ("en", "ja"):
        file = tmp_path / f"{lang}.xml"
        r = evalkit("report", str(results["en"]), "--junit", str(file), "--lang", lang)
        assert r.returncode == 0, r.stderr
        written[lang] = _junit_messages(file)
    assert written["en"] and set(written["en"]) <= _stored(results["en"])
    assert written["ja"] == written["en"]  # no codes are stored for an English case


def test_run_junit_and_baseline_diff_speak_the_suites_language(
    results: dict[str, Path], tmp_path: Path
) -> None:
    suite = _suite(tmp_path, "ja", False)
    out = _run(
        suite,
        tmp_path / "r",
        "--junit",
        str(tmp_path / "j.xml"),
        "--baseline",
        str(results["ja-old"]),
    )
    assert all(_japanese(m) for m in _junit_messages(tmp_path / "j.xml"))
    flipped = out[out.index("合否が変わったケース：") :]
    assert "paid-leave-first-days" in flipped
    assert "accuracy：旧「auto：3件中0件" in flipped and "新「auto：3件中3件" in flipped


def _sheet_rows(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_review_sheet_and_form_word_the_reasons_in_the_suites_language(
    results: dict[str, Path], tmp_path: Path
) -> None:
    for lang in ("ja", "en"):
        sheet, form = tmp_path / f"{lang}.csv", tmp_path / f"{lang}.html"
        r = evalkit(
            "review",
            "sample",
            str(results[lang]),
            "--n",
            "40",
            "--out",
            str(sheet),
            "--html",
            str(form),
            env=ENGLISH_LOCALE,
        )
        assert r.returncode == 0, r.stderr
        reasons = [
            row[f"reason_{m}"]
            for row in _sheet_rows(sheet)
            for m in ("accuracy", "consistency", "hallucination")
        ]
        page = form.read_text("utf-8")
        if lang == "ja":
            assert reasons and all(_japanese(x) for x in reasons), reasons
            assert "3件中3件のサンプルが「10日」と一致" in page
        else:
            assert reasons and set(reasons) <= _stored(results["en"])
            assert not JAPANESE.search(page)


def test_a_japanese_review_sheet_imports_exactly_as_the_english_one(
    results: dict[str, Path], tmp_path: Path
) -> None:
    """`review import` reads the reviewer's columns, never the reasons: the same marks on
    the sheet in either language are the same reviews and the same verdict."""
    rows = _rows(results["ja"])
    metrics = ["accuracy", "consistency", "hallucination"]
    scored = {(r["suite"], r["case"]): frozenset(r["scores"]) for r in rows}
    read = {}
    for lang in ("ja", "en"):
        filled = []
        for cells in _sheet_rows_of(sheet_text(rows, metrics, lang)):
            cells.update(human_accuracy="pass", usable="yes", reviewer="山田", comment="確認済み")
            filled.append(cells)
        path = tmp_path / lang / "sheet.csv"
        path.parent.mkdir()
        _write_sheet(path, filled)
        reviews, problems = read_sheets([path], scored)
        assert not problems
        read[lang] = [dataclasses.replace(r, source="") for r in reviews]
        copy = tmp_path / lang / "result"
        shutil.copytree(results["ja"], copy)
        r = evalkit("review", "import", str(copy), str(path), env=ENGLISH_LOCALE)
        assert r.returncode == 0, r.stderr
    assert read["ja"] == read["en"] and len(read["ja"]) == len(rows)
    summaries = [
        json.loads((tmp_path / lang / "result" / "summary.json").read_text("utf-8"))
        for lang in ("ja", "en")
    ]
    for summary in summaries:
        summary.pop("run")
        summary.pop("review", None)  # names the sheet files
    assert summaries[0] == summaries[1]
    assert summaries[0]["pocs"]["社内規程QA"]["metrics"]["accuracy"]["review"]["cases"] == 31


def _sheet_rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _write_sheet(path: Path, rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text("\ufeff" + buf.getvalue(), encoding="utf-8", newline="")


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_diff_words_flipped_case_reasons_in_the_suites_language_json_as_stored(
    results: dict[str, Path], fmt: str
) -> None:
    for lang in ("ja", "en"):
        r = evalkit(
            "diff",
            str(results[f"{lang}-old"]),
            str(results[lang]),
            "--format",
            fmt,
            env=ENGLISH_LOCALE,
        )
        assert r.returncode == 0, r.stderr
        if fmt == "json":
            flipped = json.loads(r.stdout)["flipped"]
            reasons = {
                x for f in flipped for side in ("old", "new") for x in f[side]["reasons"].values()
            }
            assert flipped and reasons <= _stored(results[lang]) | _stored(results[f"{lang}-old"])
            continue
        if lang == "ja":
            assert "auto：3件中3件のサンプルが「10日」と一致" in r.stdout, r.stdout
        else:
            assert "auto: 2 of 2 samples match '$5.99'" in r.stdout, r.stdout
            assert not JAPANESE.search(r.stdout)
