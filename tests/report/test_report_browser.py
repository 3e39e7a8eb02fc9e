"""The HTML report in a real headless browser (Debian's chromium).

Driven by Playwright's Python package pointed at the system chromium (`executable_path`; no
`playwright install`), or, without Playwright, by chromium's own `--headless --dump-dom`.
Skipped with a message when no browser is installed (`apt-get install chromium`), except
under CI=true, where a missing browser fails the run (`tests/infra.py`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from infra import missing_infrastructure

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _chromium() -> str | None:
    for candidate in (os.environ.get("EVALKIT_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")  # GitHub's Ubuntu runners ship Chrome
    )


CHROMIUM = _chromium()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        missing_infrastructure(
            "no chromium found: apt-get install chromium to run the browser tests"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_infrastructure(
            "playwright is not installed (pip install playwright); the --dump-dom test still runs"
        )
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


class _Page:
    """A page that records console errors and uncaught exceptions."""

    def __init__(self, browser: Any, url: str) -> None:
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.set_default_timeout(20_000)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)

    def count(self) -> int:
        return int(self.page.get_attribute("#match-count", "data-count") or -1)

    def search(self, text: str, expected_not: int) -> int:
        self.page.fill("#search", text)
        self.page.wait_for_function(
            f"document.getElementById('match-count').dataset.count !== '{expected_not}'"
        )
        return self.count()


def test_report_loads_without_errors_and_filters(
    browser: Any, make_realistic: Callable[..., Path], tmp_path: Path
) -> None:
    from evalkit.report.html import write_html

    out = write_html(make_realistic(40), tmp_path / "report.html")
    view = _Page(browser, out.as_uri())
    page = view.page
    verdict = page.locator('section[data-poc="support-bot"] .verdict')
    assert verdict.is_visible() and verdict.inner_text().strip().lower() == "redesign"
    assert page.locator("text=Not there yet").first.is_visible()
    assert view.count() == 40
    assert page.locator("#case-rows tr").count() == 40
    # The hostile output is shown as text and never ran.
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#case-rows", has_text="window.__pwned = 1").count() == 1
    # Search narrows the table (Japanese too), then clearing restores it.
    assert view.search("返品", 40) == 10
    assert page.locator("#case-rows", has_text="返品は何日以内に申請できますか").count() == 1
    assert view.search("", 10) == 40
    # Filters: failed cases only, then failed on hallucination only.
    page.select_option("#status-filter", "fail")
    assert view.count() == 9
    page.select_option("#metric-filter", "hallucination")
    assert view.count() == 5
    page.screenshot(path=str(tmp_path / "report.png"))
    assert view.errors == []


def test_ten_thousand_cases_paginate_without_freezing(
    browser: Any, make_realistic: Callable[..., Path], tmp_path: Path
) -> None:
    from evalkit.report.html import write_html

    out = write_html(make_realistic(10_000, name="big"), tmp_path / "big.html")
    view = _Page(browser, out.as_uri())
    page = view.page
    assert view.count() == 10_000
    assert page.locator("#case-rows tr").count() == 50  # one page, not 10,000 rows
    assert page.inner_text("#page-info") == "Page 1 of 200"
    first = page.inner_text("#case-rows tr:first-child td:nth-child(2)")
    page.click("#next-page")
    assert page.inner_text("#page-info") == "Page 2 of 200"
    assert page.inner_text("#case-rows tr:first-child td:nth-child(2)") != first
    # Search over all 10,000 cases (the first search also builds the search index) stays
    # well under a second or two, debounce included.
    started = time.perf_counter()
    page.fill("#search", "order 9999?")
    page.wait_for_function("document.getElementById('match-count').dataset.count !== '10000'")
    assert time.perf_counter() - started < 2.0
    assert view.count() == 1
    assert page.inner_text("#page-info") == "Page 1 of 1"
    assert view.errors == []


def test_on_a_phone_cases_are_cards_and_nothing_wraps_a_character_per_line(
    browser: Any, make_realistic: Callable[..., Path], tmp_path: Path
) -> None:
    from evalkit.report.html import write_html

    out = write_html(make_realistic(40), tmp_path / "report.html")
    page = browser.new_page(viewport={"width": 420, "height": 900})
    page.goto(out.as_uri())
    # No sideways scrolling, and every cell of a case takes the card's whole width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('#case-rows tr:first-child td'))"
        ".map(td => td.getBoundingClientRect().width)"
    )
    assert len(widths) == 6 and min(widths) > 300, widths
    # The result badge and a scorer's reason are on as few lines as their text needs.
    badge = page.locator("#case-rows tr:first-child .badge").bounding_box()
    assert badge is not None and badge["height"] < 30
    label = page.evaluate(
        "getComputedStyle(document.querySelector('#case-rows td[data-label=Scorers]'),"
        " '::before').content"
    )
    assert label == '"Scorers"'
    page.close()


def test_dump_dom_shows_rendered_rows_and_verdict(
    make_realistic: Callable[..., Path], tmp_path: Path
) -> None:
    """Chromium alone (no Playwright, as on a machine without it): the script ran and put
    rows in the table."""
    from evalkit.report.html import write_html

    if CHROMIUM is None:
        missing_infrastructure("no chromium (apt-get install chromium)")
    out = write_html(make_realistic(40), tmp_path / "report.html")
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            *ARGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            out.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    dom = done.stdout
    assert 'data-verdict="redesign"' in dom, done.stderr[-2000:]
    assert 'data-count="40"' in dom
    assert dom.count('<span class="badge fail">failed</span>') == 9


def test_the_japanese_report_reads_japanese_everywhere_including_what_its_script_writes(
    browser: Any, make_realistic: Callable[..., Path], tmp_path: Path
) -> None:
    """`--lang ja`: the verdict, headings and the words the page's script writes (badges,
    counts, pages, column labels) are Japanese; the script runs without an error."""
    from evalkit.report.html import write_html

    out = write_html(make_realistic(60), tmp_path / "report-ja.html", "ja")
    view = _Page(browser, out.as_uri())
    page = view.page
    assert page.get_attribute("html", "lang") == "ja"
    verdict = page.locator('section[data-poc="support-bot"] .verdict')
    assert verdict.inner_text().strip() == "再設計"
    assert page.locator("text=PoC：PoCを再設計する。").first.is_visible()
    assert page.locator("h3", has_text="判定理由").first.is_visible()
    assert page.inner_text("#page-info") == "1 / 2 ページ"
    assert page.inner_text("#match-count").startswith("60件中60件")
    assert page.locator("#case-rows .badge.fail").first.inner_text() == "失敗"
    page.select_option("#status-filter", "fail")
    assert 0 < view.count() < 60
    assert page.inner_text("#page-info") == "1 / 1 ページ"
    page.screenshot(path=str(tmp_path / "report-ja.png"), full_page=True)
    assert view.errors == []
