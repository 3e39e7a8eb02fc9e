"""The HTML review form in headless chromium: it opens from disk without the network, shows
model text as text, and downloads a filled CSV that `evalkit review import` accepts.
Skipped without chromium or Playwright, failed instead under CI=true (`tests/infra.py`)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli_runner import evalkit  # noqa: E402
from infra import missing_infrastructure  # noqa: E402

HOSTILE = '</script><img src=x onerror="document.title=1">'


def _chromium() -> str | None:
    for candidate in (os.environ.get("EVALKIT_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("google-chrome")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = _chromium()
    if chromium is None:
        missing_infrastructure(
            "no chromium found: apt-get install chromium to run the browser tests"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_infrastructure("playwright is not installed (pip install playwright)")
    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        yield instance
        instance.close()


def _result(tmp: Path) -> Path:
    outputs = {"a": "30日です", "b": HOSTILE, "c": "no"}
    replay = tmp / "r.replay.jsonl"
    replay.write_text(
        "".join(
            json.dumps({"case": c, "output": o}, ensure_ascii=False) + "\n"
            for c, o in outputs.items()
        ),
        "utf-8",
    )
    suite = {
        "suite": "s",
        "poc": "p",
        "prompt": {"template": "{{q}}"},
        "client": "replay:r.replay.jsonl",
        "scorers": {"accuracy": {"method": "exact"}},
        "thresholds": {"accuracy": {"tolerable": 0.1, "stop": 0.5}},
        "cases": [
            {"id": c, "vars": {"q": "返品期限は？"}, "reference": "30日です"} for c in outputs
        ],
    }
    (tmp / "s.json").write_text(json.dumps(suite, ensure_ascii=False), "utf-8")
    proc = evalkit("run", str(tmp / "s.json"), "--out", str(tmp / "res"), "--no-progress")
    assert proc.returncode in (0, 10, 20), proc.stderr
    return tmp / "res"


def test_form_works_offline_and_downloads_a_sheet_that_imports(
    browser: Any, tmp_path: Path
) -> None:
    res = _result(tmp_path)
    proc = evalkit(
        "review",
        "sample",
        str(res),
        "--n",
        "3",
        "--out",
        str(tmp_path / "sheet.csv"),
        "--html",
        str(tmp_path / "sheet.html"),
    )
    assert proc.returncode == 0, proc.stderr
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto((tmp_path / "sheet.html").as_uri())

    # Unmarked, the form's CSV is byte for byte the CSV sheet.
    blank = page.evaluate("window.evalkitReviewCsv()")
    assert blank.encode("utf-8") == (tmp_path / "sheet.csv").read_bytes()
    # Model text is text: the hostile output neither ran nor became markup.
    # A Japanese suite's form speaks Japanese: no English heading or label is left.
    assert page.title() == "レビュー：sheet"
    shown = page.inner_text("body")
    for english in ("Review", "Reviewer", "Download", " of ", "reviewed", "prompt", "human"):
        assert english not in shown, english
    assert page.locator("section[data-case='s/b'] pre", has_text=HOSTILE).count() == 1
    assert page.locator("img").count() == 0

    page.fill("#reviewer", "山田花子")
    a = page.locator("section[data-case='s/a']")
    a.locator("select[name=human_accuracy]").select_option("pass")
    a.locator("select[name=usable]").select_option("yes")
    b = page.locator("section[data-case='s/b']")
    b.locator("select[name=human_accuracy]").select_option("fail")
    b.locator("select[name=risk]").select_option("high")
    b.locator("textarea[name=comment]").fill("意味不明な出力")
    assert page.get_attribute("#progress", "data-done") == "2"
    with page.expect_download() as info:
        page.click("#download")
    filled = tmp_path / "filled.csv"
    info.value.save_as(filled)
    assert info.value.suggested_filename == "sheet.filled.csv"  # the title without its prefix
    assert filled.read_bytes().startswith(b"\xef\xbb\xbf")
    assert all(u.startswith(("file:", "blob:", "data:")) for u in requests), requests
    assert not errors, errors
    context.close()

    proc = evalkit("review", "import", str(res), str(filled))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in (res / "reviews.jsonl").read_text("utf-8").splitlines()]
    assert [(x["case"], x["labels"], x["reviewer"]) for x in lines] == [
        ("a", {"accuracy": "pass"}, "山田花子"),
        ("b", {"accuracy": "fail"}, "山田花子"),
    ]
    assert lines[1]["comment"] == "意味不明な出力" and lines[1]["risk"] == "high"
