"""Japanese output end to end, as a user runs it: the demo suites in both languages, the
Japanese PoC in Japanese without a flag, `--lang en` over it, the locale, the suite key."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from cli_runner import ENGLISH_LOCALE, ROOT, evalkit

# No Japanese locale unless a test sets one (the runner's own locale must not decide).
JAPANESE_LOCALE = {"LANG": "ja_JP.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
HR = str(ROOT / "suites" / "hr-policy-ja.yaml")


def _run(*args: str, env: dict[str, str] | None = None) -> str:
    r = evalkit("run", *args, "--no-progress", "--exit-zero", env=env or ENGLISH_LOCALE)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_the_japanese_demo_poc_speaks_japanese_from_its_text(tmp_path: Path) -> None:
    out = _run(HR, "--out", str(tmp_path / "ja"))
    assert out.startswith("社内規程QA：再設計 — 限定運用を継続する\n")
    assert "  未達または未確定の基準があります。改善が完了するまで限定運用を継続してください" in out
    assert "  31件、クライアントエラー0件" in out
    assert "判定理由：" in out and "次の段階に向けた未確定事項：" in out
    assert "合計約173件のケースが必要です（現在31件）" in out
    assert "総合判定：再設計（対象PoC 1件のうち最も厳しい判定）" in out
    assert "REDESIGN" not in out and "reasons:" not in out


def test_lang_en_overrides_the_suites_language_and_summary_json_stays_english(
    tmp_path: Path,
) -> None:
    ja = _run(HR, "--out", str(tmp_path / "ja"))
    en = _run(HR, "--out", str(tmp_path / "en"), "--lang", "en")
    assert ja.startswith("社内規程QA：再設計")
    assert en.startswith("PoC 社内規程QA: REDESIGN — keep it in limited operation\n")
    assert "about 173 cases in total would be needed at the observed rate (have 31)" in en
    assert not re.search(r"[\u3040-\u309f]", en.replace("経費", ""))  # no hiragana left
    docs = [json.loads((tmp_path / d / "summary.json").read_text("utf-8")) for d in ("ja", "en")]
    for doc in docs:
        del doc["run"]
    assert docs[0] == docs[1]  # the language is the output's, never the result's
    poc = docs[0]["pocs"]["社内規程QA"]
    assert poc["reasons"][0].startswith("accuracy: 9.7% of cases failed (3/31, 95% CI")
    assert [c["code"] for c in poc["reason_codes"]][:2] == ["metric_short_needed", "metric_miss"]
    assert poc["unsettled"][0].startswith("human correction rate: required for the production")
    assert docs[0]["provenance"]["suites"]["hr-policy-ja"]["language"] == "ja"


def test_the_demo_shows_the_three_phases_in_both_languages(tmp_path: Path) -> None:
    suites = str(ROOT / "suites")
    en = _run(suites, "--out", str(tmp_path / "demo"))  # mixed suites: the locale (English)
    ja = _run(suites, "--out", str(tmp_path / "demo-ja"), "--lang", "ja")
    for line in (
        "PoC invoice-extraction: STOP — do not go to production",
        "PoC support-bot: REDESIGN — redesign the PoC",
        "PoC 社内規程QA: REDESIGN — keep it in limited operation",
        "Overall: STOP (the worst verdict over 3 PoCs)",
    ):
        assert line in en
    for line in (
        "invoice-extraction：中止 — 本番導入を見送る",
        "support-bot：再設計 — PoCを再設計する",
        "社内規程QA：再設計 — 限定運用を継続する",
        "総合判定：中止（対象PoC 3件のうち最も厳しい判定）",
    ):
        assert line in ja
    # The report of the same result: the locale decides, --lang overrides it.
    result = str(tmp_path / "demo")
    md_ja = evalkit("report", result, env=JAPANESE_LOCALE).stdout
    assert md_ja.startswith("## 🔴 evalkit 判定：中止\n")
    assert "### 🔴 invoice-extraction：**中止** — 本番導入を見送る" in md_ja
    assert "> 本番導入見送り：" in md_ja and "| 指標 | 失敗 | 失敗率 | 95%信頼区間 |" in md_ja
    md_en = evalkit("report", result, "--lang", "en", env=JAPANESE_LOCALE).stdout
    assert md_en.startswith("## 🔴 evalkit verdict: stop\n")
    assert md_en == evalkit("report", result, env=ENGLISH_LOCALE).stdout


def test_report_follows_the_result_suites_language_and_html_is_japanese(tmp_path: Path) -> None:
    _run(HR, "--out", str(tmp_path / "hr"))
    md = evalkit("report", str(tmp_path / "hr"), env=ENGLISH_LOCALE).stdout
    assert "### 🟠 社内規程QA：**再設計** — 限定運用を継続する" in md
    assert "**次の段階に向けた未確定事項：**" in md
    html_file = tmp_path / "report.html"
    r = evalkit("report", str(tmp_path / "hr"), "--html", str(html_file), env=ENGLISH_LOCALE)
    assert r.returncode == 0, r.stderr
    page = html_file.read_text("utf-8")
    assert '<html lang="ja">' in page and "<h3>判定理由</h3>" in page
    assert "本番：限定運用を継続する。" in page


@pytest.mark.parametrize(
    ("language", "headline"), [("en", "PoC 社内規程QA: REDESIGN"), ("ja", "社内規程QA：再設計")]
)
def test_the_suite_language_key_decides_over_its_text_and_the_locale(
    tmp_path: Path, language: str, headline: str
) -> None:
    suite = tmp_path / "hr.yaml"
    text = (ROOT / "suites" / "hr-policy-ja.yaml").read_text("utf-8")
    suite.write_text(
        text.replace("phase: production", f"phase: production\nlanguage: {language}"), "utf-8"
    )
    shutil.copy(ROOT / "fixtures" / "hr-policy-ja.replay.jsonl", tmp_path)
    suite.write_text(
        suite.read_text("utf-8").replace(
            "../fixtures/hr-policy-ja.replay.jsonl", "hr-policy-ja.replay.jsonl"
        ),
        "utf-8",
    )
    out = _run(
        str(suite),
        "--out",
        str(tmp_path / "out"),
        env=JAPANESE_LOCALE if language == "en" else ENGLISH_LOCALE,
    )
    assert out.startswith(headline)


def test_an_unknown_language_is_a_located_error_with_the_fix(tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "suite: s\npoc: p\nlanguage: fr\nprompt: {template: 'Q: {{q}}'}\n"
        "cases: [{id: a, vars: {q: x}, reference: x}]\nclient: replay:r.jsonl\n",
        "utf-8",
    )
    r = evalkit("validate", str(suite))
    assert r.returncode == 2
    assert f"{suite}:3: language: expected one of ja, en, got 'fr'" in r.stderr
    assert "write language: ja (日本語) or language: en" in r.stderr
