"""The last English pieces a Japanese team met, as a user runs them (README "Japanese
output"): `evalkit diff`'s headings and the verdict reasons it lists (text and Markdown; JSON
stays the results' English), the review form and `review sample`'s lines, and the run's own
lines (workers, unknown --case, JUnit, a broken run, merged shards) — Japanese for a Japanese
suite or --lang ja, English with --lang en."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from cli_runner import ENGLISH_LOCALE, ROOT, demo_suite_copy, evalkit
from hypothesis import given
from hypothesis import strategies as st

from evalkit._i18n import LANGS
from evalkit._i18n._commands import COMMANDS
from evalkit.compare.significance import describe

NAME = "hr-policy-ja"
CHANGED = "reference: 10日"  # the old run expects another answer: that case flips


def _template_words(lang: str, prefix: str) -> set[str]:
    """The words (4+ letters) of the string templates of `prefix` keys in `lang`."""
    words: set[str] = set()
    for key, template in COMMANDS[lang].items():
        if key.startswith(prefix) and isinstance(template, str):
            literal = "".join(t[0] for t in string.Formatter().parse(template))
            words |= {w.lower() for w in re.findall(r"[A-Za-z]{4,}", literal)}
    return words


def _english_left(text: str, prefix: str) -> set[str]:
    """English template words in `text`: words of the English templates that the Japanese
    ones do not use themselves (e.g. "json" of --format json)."""
    english = _template_words("en", prefix) - _template_words("ja", prefix)
    return {w for w in re.findall(r"[A-Za-z]{4,}", text) if w.lower() in english}


def _suite(tmp: Path, changed: bool) -> Path:
    folder = tmp / ("old" if changed else "new")
    return demo_suite_copy(folder, NAME, CHANGED if changed else None)


def _run(suite: Path, out: Path, *extra: str) -> tuple[str, str]:
    r = evalkit(
        "run", str(suite), "--out", str(out), "--no-progress", "--exit-zero", *extra,
        env=ENGLISH_LOCALE,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout, r.stderr


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A Japanese suite's result (`new`) and one of the same suite expecting another answer
    to one case (`old`)."""
    tmp = tmp_path_factory.mktemp("commands")
    out = {"new": tmp / "new-result", "old": tmp / "old-result"}
    _run(_suite(tmp, False), out["new"])
    _run(_suite(tmp, True), out["old"])
    return out


def _diff(results: dict[str, Path], *extra: str) -> tuple[str, str]:
    r = evalkit(
        "diff", str(results["old"]), str(results["new"]), "--fail-on", "any-flip", *extra,
        env=ENGLISH_LOCALE,
    )  # fmt: skip
    assert r.returncode == 3, r.stderr
    title, body = r.stdout.split("\n", 1)  # the title names the folders
    return body, r.stderr


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_diff_of_a_japanese_suite_speaks_japanese_headings_and_verdict_reasons(
    results: dict[str, Path], fmt: str
) -> None:
    body, err = _diff(results, "--format", fmt)
    assert not _english_left(body, "diff_"), body
    assert "合否が変わったケース：新たに失敗 0件、新たに合格 1件" in body
    # The verdict reasons that changed, worded from their codes (the counts moved by one).
    assert "accuracy：失敗率 12.9%（4/31件" in body and "accuracy：失敗率 9.7%（3/31件" in body
    assert err == "fail-on any-flip：1件のケースで合否が変化\n"
    # --lang en: the same diff in English, as the results store it.
    english, err = _diff(results, "--format", fmt, "--lang", "en")
    assert not re.search(r"[\u3040-\u30ff]", english.split("Flipped cases")[0])
    assert err == "fail-on any-flip: 1 case changed pass/fail\n"


def test_diff_json_stays_the_results_english_whatever_the_language(
    results: dict[str, Path],
) -> None:
    outputs = {lang: _diff(results, "--format", "json", "--lang", lang) for lang in LANGS}
    assert outputs["ja"] == outputs["en"]


@given(st.integers(0, 60), st.integers(0, 60), st.sampled_from([0.01, 0.05, 0.1]))
def test_the_paired_test_sentence_reads_the_same_numbers_in_japanese(
    failing: int, passing: int, alpha: float
) -> None:
    en, ja = (describe("accuracy", failing, passing, alpha, lang) for lang in LANGS)
    assert re.findall(r"\d+(?:\.\d+)?", en) == re.findall(r"\d+(?:\.\d+)?", ja)
    assert ("significant" in en) == ("有意" in ja)
    assert ("not significant" in en) == ("有意差なし" in ja)


def test_review_sample_and_its_form_speak_the_suites_language_or_lang(
    results: dict[str, Path], tmp_path: Path
) -> None:
    pages = {}
    for lang in ("", "en"):
        sheet, form = tmp_path / f"sheet{lang}.csv", tmp_path / f"form{lang}.html"
        r = evalkit(
            "review", "sample", str(results["new"]), "--n", "5", "--out", str(sheet),
            "--html", str(form), *(("--lang", lang) if lang else ()), env=ENGLISH_LOCALE,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        pages[lang or "ja"] = (r.stdout, form.read_text("utf-8"))
    said, page = pages["ja"]
    words = re.sub(r"\S*/\S*|human_\w+", "", said)  # paths and column names are as typed
    assert "を書き出しました" in said and not _english_left(words, "form_")
    assert '<html lang="ja">' in page and "<title>レビュー：sheet</title>" in page
    for english in (
        "Review: ",
        "Reviewer",
        "Download filled",
        '" of "',
        '" reviewed"',
        "(critical)",
        '"human "',
        "(pass/fail)",
        '"outputs"]',
        "Write your name",
    ):
        assert english not in page, english
    for key in ("form_download", "form_of", "form_human", "form_name_first"):
        assert str(COMMANDS["ja"][key]) in page
    said, page = pages["en"]
    assert said.startswith(f"wrote {tmp_path / 'sheeten.csv'}: 5 of 31 cases")
    assert "<title>Review: sheeten</title>" in page and "Download filled CSV" in page


def test_the_runs_own_lines_speak_the_suites_language(tmp_path: Path) -> None:
    suite = _suite(tmp_path, False)
    out, err = _run(suite, tmp_path / "w", "--workers", "2", "--junit", str(tmp_path / "j.xml"))
    assert "2個のワーカープロセスで実行しています…" in err
    assert f"JUnit XML：{tmp_path / 'j.xml'}" in out
    _, err = _run(suite, tmp_path / "c", "--case", "nope", "--case", "side-job")
    assert "警告：--case nope：実行したスイートにこの ID のケースはありません" in err
    # A broken run: every case a client error (the recording of another suite).
    other = ROOT / "fixtures" / "refund-faq.replay.jsonl"
    r = evalkit(
        "run", str(suite), "--client", f"replay:{other}", "--out", str(tmp_path / "b"),
        "--no-progress", env=ENGLISH_LOCALE,
    )  # fmt: skip
    assert r.returncode == 4
    assert r.stdout.startswith(f"実行失敗：スイート '{NAME}' の全ケース（31件）")
    assert "最初のエラー：" in r.stdout and "すべてのエラーは" in r.stdout
    assert r.stderr.startswith("エラー：実行が失敗しています。") and "終了コード 4" in r.stderr
    r = evalkit(
        "run", str(suite), "--client", f"replay:{other}", "--out", str(tmp_path / "b2"),
        "--no-progress", "--lang", "en", env=ENGLISH_LOCALE,
    )  # fmt: skip
    assert r.stdout.startswith(f"BROKEN RUN: every case of suite '{NAME}' (31 cases)")
    # Shards merged: the merge's own line.
    for i in (1, 2):
        _run(suite, tmp_path / f"s{i}", "--shard", f"{i}/2")
    r = evalkit(
        "merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(tmp_path / "m"),
        "--exit-zero", env=ENGLISH_LOCALE,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f"2個の結果フォルダーを {tmp_path / 'm'} に統合しました" in r.stdout
