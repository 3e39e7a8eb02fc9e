"""The judge benchmark's mechanics (`tests/benchmarks/judgement.py --judge`), offline: the
loopback test server plays the judge. In `verify` mode it is asked only about the outputs
the offline layers flag, and its SUPPORTED clears them; an unreadable reply is an error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evalkit.testing.testserver import running_server

ROOT = Path(__file__).resolve().parents[2]


def _data(folder: Path) -> Path:
    """A tiny RAGTruth-shaped set: one faithful answer, one with an invented number."""
    rt = folder / "ragtruth"
    rt.mkdir(parents=True)
    source = {
        "source_id": "s1",
        "task": "QA",
        "question": "How long do refunds take?",
        "context": "Refunds are processed within 14 days of receiving the item.",
    }
    (rt / "sources.jsonl").write_text(json.dumps(source) + "\n", encoding="utf-8")
    rows = [
        {
            "id": 1,
            "source_id": "s1",
            "task": "QA",
            "model": "m",
            "spans": [],
            "response": "Refunds are processed within 14 days of receiving the item.",
        },
        {
            "id": 2,
            "source_id": "s1",
            "task": "QA",
            "model": "m",
            "spans": [{"text": "45"}],
            "response": "Refunds take 45 days.",
        },
    ]
    (rt / "responses.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    return folder


def _run(data: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    try:
        import judgement
    finally:
        sys.path.pop(0)
    code = judgement.main(["--data", str(data), "--sets", "ragtruth", "--misses", "5", *extra])
    return code, capsys.readouterr().out


def test_a_verify_judge_is_asked_only_about_flagged_outputs_and_can_clear_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _data(tmp_path / "data")
    code, offline = _run(data, capsys=capsys)
    assert code == 0 and "misclassified: 0" in offline  # offline: the invented 45 is flagged
    with running_server(echo_prefix="SUPPORTED\n") as url:
        code, judged = _run(
            data, "--judge", "openai:judge", "--judge-base-url", str(url), capsys=capsys
        )
        log = url.log()
    assert code == 0
    assert len(log) == 1  # only the flagged output went to the judge
    assert "Refunds take 45 days." in log[0]["prompt"]
    # The judge cleared the flag (wrongly, here): the hallucination is now missed.
    assert "misclassified: 1" in judged and "missed hallucination" in judged
    assert "0 errors" in judged


def test_an_unreadable_judge_reply_is_an_error_not_a_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _data(tmp_path / "data")
    with running_server(echo_prefix="Hmm, hard to say.\n") as url:
        code, judged = _run(
            data, "--judge", "openai:judge", "--judge-base-url", str(url), capsys=capsys
        )
    assert code == 0
    assert "1 errors" in judged and "cannot be read" in judged
