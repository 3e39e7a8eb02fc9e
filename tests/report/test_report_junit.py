"""JUnit XML: one testcase per case × metric, errors as <error>, valid XML whatever the text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from evalkit.report.junit import write_junit


def test_one_testcase_per_case_and_metric_with_counts(
    make_realistic: Callable[..., Path], tmp_path: Path
) -> None:
    out = tmp_path / "junit.xml"
    write_junit(make_realistic(40), out)
    root = ET.parse(out).getroot()
    verdicts, suite = root.findall("testsuite")
    assert verdicts.get("name") == "evalkit.verdict"
    assert suite.get("name") == "support-bot.refund-faq"
    cases = suite.findall("testcase")
    assert len(cases) == 39 * 2 + 1  # 39 scored cases × 2 metrics + 1 client error
    assert suite.get("tests") == str(len(cases))
    assert root.get("tests") == str(len(cases) + 2)  # and one verdict per PoC
    failures = [c for c in cases if c.find("failure") is not None]
    assert suite.get("failures") == str(len(failures)) == "12"
    assert root.get("failures") == "13"  # and support-bot's redesign
    assert suite.get("errors") == "1"
    first = cases[0]
    assert first.get("classname") == "support-bot.refund-faq"
    assert first.get("name") == "case-00000 [accuracy]"
    failure = first.find("failure")
    assert failure is not None and failure.get("message", "").startswith("1 of 3 samples match")


def test_client_error_is_an_error_not_a_failure(
    make_realistic: Callable[..., Path], tmp_path: Path
) -> None:
    out = tmp_path / "junit.xml"
    write_junit(make_realistic(40), out)
    errored = [c for c in ET.parse(out).getroot().iter("testcase") if c.find("error") is not None]
    assert [c.get("name") for c in errored] == ["case-00007 [client]"]
    error = errored[0].find("error")
    assert error is not None and error.get("type") == "missing-recording"


def test_control_characters_and_markup_stay_valid_xml(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps({"schema_version": 1, "pocs": {}}))
    nasty = 'bad \x00\x1b[31m "quote" <tag> & ]]> \ud800 end'
    row = {
        "suite": "s<x>",
        "poc": "p&q",
        "case": 'c"1',
        "outputs": [nasty],
        "scores": {"accuracy": {"passed": False, "score": 0.0, "reason": nasty}},
    }
    (folder / "cases.jsonl").write_text(json.dumps(row) + "\n")
    out = tmp_path / "junit.xml"
    write_junit(folder, out)
    case = ET.parse(out).getroot().find("testsuite/testcase")
    assert (
        case is not None
        and case.get("classname") == "p&q.s<x>"
        and case.get("name") == 'c"1 [accuracy]'
    )
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == 'bad \\x00\\x1b[31m "quote" <tag> & ]]> \\ud800 end'


def test_result_without_cases_gives_an_empty_valid_document(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text(json.dumps({"schema_version": 1, "pocs": {}}))
    write_junit(tmp_path, tmp_path / "j.xml")
    assert ET.parse(tmp_path / "j.xml").getroot().get("tests") == "0"


def test_the_poc_verdict_is_a_testcase_that_fails_unless_continue(
    make_realistic: Callable[..., Path], tmp_path: Path
) -> None:
    out = tmp_path / "junit.xml"
    write_junit(make_realistic(40), out)
    suite = ET.parse(out).getroot().find("testsuite")
    assert suite is not None and suite.get("name") == "evalkit.verdict"
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    by_name = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(by_name) == {"PoC doc-summary: continue", "PoC support-bot: redesign"}
    assert by_name["PoC doc-summary: continue"].find("failure") is None
    failure = by_name["PoC support-bot: redesign"].find("failure")
    assert failure is not None and failure.get("type") == "redesign"
    assert (failure.get("message") or "").startswith("redesign: accuracy:")
    assert "hallucination [billing]: not enough evidence" in (failure.text or "")
