"""The HTML report as a file: self-contained, escaped, fast to build for 10,000 cases."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from evalkit.report.html import build_html, case_data, write_html
from evalkit.report.html_charts import chart_svg

HOSTILE = '</script><script>window.__pwned = 1</script><b onmouseover="x()">bold</b> & <!--'


def _embedded_cases(document: str) -> list[dict]:
    match = re.search(
        r'<script type="application/json" id="evalkit-cases">(.*?)</script>', document, re.S
    )
    assert match is not None
    return json.loads(match.group(1))


def test_report_is_one_file_that_fetches_nothing(make_realistic: Callable[..., Path]) -> None:
    document = build_html(make_realistic())
    assert '<meta charset="utf-8">' in document
    assert not re.search(r'(src|href)="(https?:)?//', document)
    assert "@import" not in document and "url(" not in document


def test_outputs_with_script_tags_cannot_escape_the_data_block(
    make_realistic: Callable[..., Path],
) -> None:
    document = build_html(make_realistic())
    # Exactly the three script elements the page has: the data, the words and the code.
    assert document.count("<script") == 3 and document.count("</script>") == 3
    assert HOSTILE not in document and "<b onmouseover" not in document
    rows = _embedded_cases(document)
    assert any(HOSTILE in (o or "") for r in rows for o in r["o"])  # round-trips intact


def test_verdict_reasons_and_names_are_html_escaped(
    make_realistic: Callable[..., Path], tmp_path: Path
) -> None:
    folder = make_realistic()
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["pocs"]["support-bot"]["reasons"].append("<img src=x onerror=alert(1)> & co")
    summary["pocs"]["<poc>"] = {
        "verdict": "stop",
        "reasons": ["停止: 幻覚率が高すぎる"],
        "metrics": {},
    }
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    document = build_html(folder)
    assert (
        "<img src=x" not in document and "&lt;img src=x onerror=alert(1)&gt; &amp; co" in document
    )
    assert "<h2>&lt;poc&gt;</h2>" in document
    assert "停止: 幻覚率が高すぎる" in document  # Japanese is written as is, in UTF-8


def test_failed_cases_come_first_then_errors_then_passes(
    make_realistic: Callable[..., Path],
) -> None:
    rows, total = case_data(make_realistic())
    statuses = [r["st"] for r in rows]
    assert statuses == sorted(statuses, key=["fail", "error", "pass"].index)
    assert statuses[0] == "fail" and "error" in statuses and total == len(rows)


def test_a_large_result_embeds_the_first_cases_failed_first_and_says_how_many_are_left(
    make_realistic: Callable[..., Path],
) -> None:
    result = make_realistic()
    _, total = case_data(result)
    rows, counted = case_data(result, limit=3)
    assert counted == total > 3 and len(rows) == 3 and rows[0]["st"] == "fail"
    assert f"Showing 3 of {total:,} cases" in build_html(result, max_cases=3)
    assert "cases-left-out" not in build_html(result)


def test_each_poc_shows_its_verdict_and_meaning(make_realistic: Callable[..., Path]) -> None:
    document = build_html(make_realistic())
    assert 'data-verdict="redesign">redesign</span>' in document
    assert 'data-verdict="continue">continue</span>' in document
    assert "Not there yet" in document and "Meets the bar" in document


def test_chart_draws_bars_and_interval() -> None:
    svg = chart_svg(0.2, [0.1, 0.35], 0.1, 0.4, "accuracy <x>")
    assert svg.startswith("<svg") and "<title>accuracy &lt;x&gt;</title>" in svg
    assert "tolerable 10.0%" in svg and "stop 40.0%" in svg and "<circle" in svg


def test_chart_without_cases_or_bars_still_renders() -> None:
    svg = chart_svg(None, None, None, None, "m")
    assert "no cases" in svg and "<circle" not in svg


def test_ten_thousand_cases_build_quickly(
    make_realistic: Callable[..., Path], tmp_path: Path
) -> None:
    folder = make_realistic(10_000, name="big")
    start = time.perf_counter()
    out = write_html(folder, tmp_path / "big.html")
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"building took {elapsed:.1f} s"
    assert len(_embedded_cases(out.read_text(encoding="utf-8"))) == 10_000
    assert out.stat().st_size < 20_000_000


def _section(document: str, poc: str) -> str:
    start = document.index(f'<section class="poc" data-poc="{poc}">')
    return document[start : document.index("</section>", start)]


def test_all_bars_of_a_poc_share_one_axis(make_realistic: Callable[..., Path]) -> None:
    import re

    section = _section(build_html(make_realistic()), "support-bot")
    ends = re.findall(r'text-anchor="end">(\d+%)</text>', section)
    assert len(ends) >= 4 and len(set(ends)) == 1, ends


def test_tags_without_a_bar_of_their_own_are_collapsed_and_not_coloured_as_judged(
    make_realistic: Callable[..., Path],
) -> None:
    import re

    section = _section(build_html(make_realistic()), "support-bot")
    details = re.findall(r'<details class="tag-rates">.*?</details>', section)
    shown = re.sub(r'<details class="tag-rates">.*?</details>', "", section)
    # hallucination[billing] has its own bar: a judged chart, shown.
    assert shown.count("<b>tag: billing</b>") == 1 and "tag: shipping" not in shown
    # accuracy's tags have no bar of their own: collapsed, neutral, no green/amber/red.
    collapsed = next(d for d in details if "accuracy by tag" in d)
    assert "accuracy by tag: 2 tags without a bar of their own" in collapsed
    assert "tag: shipping" in collapsed and "tag: billing" in collapsed
    assert all(c not in collapsed for c in ("#d7f0dc", "#fde7c8", "#f9d0d0"))
    assert "has no bar of its own: not judged" in collapsed


def test_counts_are_worded_in_the_singular_for_one(tmp_path: Path) -> None:
    import json

    from conftest import realistic_result

    folder = realistic_result(tmp_path / "r")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["pocs"]["support-bot"].update(cases=1)
    summary["pocs"]["support-bot"]["critical"]["total"] = 1
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    document = build_html(folder)
    assert "1 case ·" in document and "1 critical case," in document
    assert "1 cases" not in document and "1 critical cases" not in document


def test_the_case_table_words_stored_reason_codes_in_the_report_language(
    make_realistic: Callable[..., Path],
) -> None:
    from evalkit._i18n import Said

    folder = make_realistic(n_cases=6)
    said = Said(
        "hal.one",
        {
            "output": Said(
                "hal.output",
                {
                    "label": "sample 0",
                    "findings": (
                        Said(
                            "hal.claim",
                            {"claim": "Refunds take 60 days.", "what": Said("hal.negated")},
                        ),
                    ),
                },
            )
        },
    )
    lines = (folder / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    coded = next(r for r in rows if r.get("scores"))
    coded["scores"]["hallucination"].update(reason=said.text(), reason_code=said.document())
    (folder / "cases.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )

    def reasons(lang: str) -> dict[str, str]:
        cases, _ = case_data(folder, lang=lang)
        return {c["c"]: dict((s[0], s[3]) for s in c["sc"]) for c in cases}

    english, japanese = reasons("en"), reasons("ja")
    case = coded["case"]
    assert english[case]["hallucination"] == (
        "hallucination: sample 0: 'Refunds take 60 days.' — the knowledge negates it"
    )
    assert japanese[case]["hallucination"] == (
        "ハルシネーション：サンプル0：「Refunds take 60 days.」— 根拠資料はこれを否定している"
    )
    # A reason stored without codes (an older result, a plugin scorer) is shown as written.
    assert japanese[case]["accuracy"] == english[case]["accuracy"]
    assert "ハルシネーション：サンプル0" in build_html(folder, lang="ja")
