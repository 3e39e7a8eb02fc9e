"""JUnit XML from a result, so any CI shows failing cases natively (`evalkit run --junit`).

Layout: `<testsuites>` holding first `<testsuite name="evalkit.verdict">` with one
`<testcase classname="evalkit.verdict" name="PoC poc: verdict">` per PoC — `continue`
passes; `redesign` and `stop` are a `<failure>` whose message is the verdict and its first
reason and whose body lists every reason, so CI's test view shows the decision itself —
then one `<testsuite name="poc.suite">` per suite, and in it one
`<testcase classname="poc.suite" name="case-id [metric]">` per case × scored metric. A failed
metric gets `<failure message="scorer's reason">` with the outputs in the body. A case whose
client call failed is not scored, so it gets one `<testcase name="case-id [client]">` with an
`<error>`: CI shows it as broken, not as a model failure.

Streaming: `cases.jsonl` is read twice (first to count, because counts go in the
`<testsuite>` start tag, then to write), so memory stays flat however many cases there are.
The XML is UTF-8 and valid XML 1.0: characters XML cannot carry (control characters, lone
surrogates) are written as visible `\\xNN` escapes.

Language: the failure messages and bodies are the reasons, worded in `lang` (the verdict's
with `reason_texts`, each case's with `case_reason_text`: a Japanese case's reason in
Japanese where its codes are stored, any other as `cases.jsonl` holds it); names, class
names, types and counts are the same in every language, so CI tracks a testcase across runs
whatever language its team reads. Nothing parses the messages back.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from evalkit._i18n import case_reason_text, reason_texts
from evalkit.common.filemode import match_umask
from evalkit.results.documents import CaseRow, Summary
from evalkit.results.reader import iter_case_rows, load_summary, resolve

__all__ = ["write_junit", "junit_chunks", "xml_text"]

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MESSAGE_CHARS = 1000


def xml_text(text: str) -> str:
    """Replace characters XML 1.0 cannot hold with a visible `\\xNN` / `\\uNNNN` escape."""

    def visible(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVALID_XML.sub(visible, text)


def _attr(text: str) -> str:
    return quoteattr(xml_text(text))


def _body(text: str) -> str:
    return escape(xml_text(text))


def _suite_name(row: CaseRow) -> str:
    poc = row.get("poc")
    return f"{poc}.{row['suite']}" if poc else str(row["suite"])


def _counts(cases: Path) -> list[list[int]]:
    """[tests, failures, errors] per run of consecutive rows of one suite, in file order."""
    counts: list[list[int]] = []
    current: str | None = None
    for row in iter_case_rows(cases):
        name = _suite_name(row)
        if name != current or not counts:
            counts.append([0, 0, 0])
            current = name
        c = counts[-1]
        if row.get("error"):
            c[0] += 1
            c[2] += 1
            continue
        for score in (row.get("scores") or {}).values():
            if isinstance(score, dict):
                c[0] += 1
                c[1] += score.get("passed") is False
    return counts


def _outputs_text(row: CaseRow) -> str:
    outputs = row.get("outputs") or []
    labels = row.get("labels") or [f"sample {i}" for i in range(len(outputs))]
    lines = []
    for label, output in zip(labels, outputs, strict=False):
        lines.append(f"[{label}] {output if output is not None else '(call failed)'}")
    refs = row.get("references")
    if refs:
        lines.append(f"[reference] {' | '.join(str(r) for r in refs)}")
    return "\n".join(lines)


def _testcases(row: CaseRow, classname: str, lang: str) -> Iterator[str]:
    case = str(row["case"])
    if row.get("error"):
        error = str(row["error"])
        kind = str(row.get("error_kind") or "client-error")
        yield (
            f"    <testcase classname={_attr(classname)} name={_attr(case + ' [client]')} "
            f'time="0">\n      <error message={_attr(error[:_MESSAGE_CHARS])} '
            f"type={_attr(kind)}>{_body(error)}</error>\n    </testcase>\n"
        )
        return
    for metric, score in sorted((row.get("scores") or {}).items()):
        if not isinstance(score, dict):
            continue
        name = _attr(f"{case} [{metric}]")
        head = f'    <testcase classname={_attr(classname)} name={name} time="0"'
        if score.get("passed") is False:
            reason = case_reason_text(score, lang) or "failed"
            body = f"{reason}\n\n{_outputs_text(row)}"
            yield (
                f"{head}>\n      <failure message={_attr(reason[:_MESSAGE_CHARS])} "
                f"type={_attr(metric)}>{_body(body)}</failure>\n    </testcase>\n"
            )
        else:
            yield f"{head}/>\n"


def _verdicts(summary: Summary | None, lang: str) -> tuple[list[str], int]:
    """The verdict testcases (one per PoC) and how many of them fail."""
    if summary is None:
        return [], 0
    cases, failed = [], 0
    for poc, block in sorted((summary.get("pocs") or {}).items()):
        verdict = str((block or {}).get("verdict") or "none")
        reasons = reason_texts(block or {}, lang)
        head = (
            f'    <testcase classname="evalkit.verdict" '
            f'name={_attr(f"PoC {poc}: {verdict}")} time="0"'
        )
        if verdict == "continue":
            cases.append(f"{head}/>\n")
            continue
        failed += 1
        first = f"{verdict}: {reasons[0]}" if reasons else verdict
        body = "\n".join(f"- {r}" for r in reasons)
        cases.append(
            f"{head}>\n      <failure message={_attr(first[:_MESSAGE_CHARS])} "
            f"type={_attr(verdict)}>{_body(body)}</failure>\n    </testcase>\n"
        )
    return cases, failed


def junit_chunks(result: Path | str, lang: str = "en") -> Iterator[str]:
    """The JUnit XML document of a result, as text chunks, its reasons worded in `lang`
    (raises `ResultError`)."""
    paths = resolve(result)
    summary = load_summary(result) if paths.summary.is_file() else None
    verdicts, verdicts_failed = _verdicts(summary, lang)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    counts = _counts(paths.cases) if paths.cases is not None else []
    totals = [sum(c[i] for c in counts) for i in range(3)]
    totals[0] += len(verdicts)
    totals[1] += verdicts_failed
    segments = iter(counts)
    yield (
        f'<testsuites name="evalkit" tests="{totals[0]}" failures="{totals[1]}" '
        f'errors="{totals[2]}">\n'
    )
    if verdicts:
        yield (
            f'  <testsuite name="evalkit.verdict" tests="{len(verdicts)}" '
            f'failures="{verdicts_failed}" errors="0" skipped="0" time="0">\n'
        )
        yield from verdicts
        yield "  </testsuite>\n"
    if paths.cases is None:
        yield "</testsuites>\n"
        return
    current: str | None = None
    for row in iter_case_rows(paths.cases):
        name = _suite_name(row)
        if name != current:
            if current is not None:
                yield "  </testsuite>\n"
            tests, failures, errors = next(segments)
            yield (
                f'  <testsuite name={_attr(name)} tests="{tests}" failures="{failures}" '
                f'errors="{errors}" skipped="0" time="0">\n'
            )
            current = name
        yield from _testcases(row, name, lang)
    if current is not None:
        yield "  </testsuite>\n"
    yield "</testsuites>\n"


def write_junit(result_dir: Path | str, out: Path | str, lang: str = "en") -> None:
    """Write the JUnit XML of `result_dir` to `out` atomically (temp file + rename), its
    reasons worded in `lang`.

    Rows are ordered by suite in `cases.jsonl`, so each suite's testcases are contiguous; if
    a file breaks that order, a suite appears as more than one `<testsuite>` element, each
    with its own counts.
    """
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".junit-", suffix=".xml", dir=target.parent)
    try:
        match_umask(fd)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            _write_all(handle, junit_chunks(result_dir, lang))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_all(handle: TextIO, chunks: Iterator[str]) -> None:
    for chunk in chunks:
        handle.write(chunk)
