"""Result folders made by hand (following the README's "Result files"), independent of the
result writer, so the readers are tested against the documented format."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HOSTILE = '</script><script>window.__pwned = 1</script><b onmouseover="x()">bold</b> & <!--'


def write_result(folder: Path, summary: dict[str, Any], rows: list[dict[str, Any]] | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False), encoding="utf-8"
    )
    if rows is not None:
        with (folder / "cases.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    return folder


def _metric(
    failures: int, total: int, tolerable: float, stop: float, status: str
) -> dict[str, Any]:
    rate = failures / total if total else 0.0
    spread = 0.15 if total < 50 else 0.03
    return {
        "failures": failures,
        "total": total,
        "rate": round(rate, 6),
        "ci": [round(max(0.0, rate - spread / 2), 6), round(min(1.0, rate + spread), 6)],
        "confidence": 0.95,
        "tolerable": tolerable,
        "stop": stop,
        "status": status,
    }


def realistic_result(folder: Path, n_cases: int = 40) -> Path:
    """Two PoCs: a support bot (redesign, English + Japanese cases, a hostile output, a client
    error) and a summariser (continue)."""
    rows: list[dict[str, Any]] = []
    acc_fail = hal_fail = 0
    for i in range(n_cases):
        japanese = i % 4 == 1
        failed = i % 6 == 0
        hallucinated = i % 9 == 0
        errored = i == 7
        question = (
            "返品は何日以内に申請できますか？"
            if japanese
            else f"How long is the refund window for order {i}?"
        )
        row: dict[str, Any] = {
            "suite": "refund-faq",
            "poc": "support-bot",
            "case": f"case-{i:05d}",
            "tags": ["billing"] if i % 3 == 0 else ["shipping"],
            "prompt": f"Policy:\nRefunds are accepted within 30 days of purchase.\n\nQuestion: {question}",
            "references": ["30日以内" if japanese else "30 days"],
            "context": "Refunds are accepted within 30 days of purchase.",
            "sources": ["replay", "replay", "replay"],
        }
        if i % 5 == 0:
            row["critical"] = True
        if errored:
            row["outputs"] = ["You have 30 days.", None, None]
            row["error"] = (
                "no recording for case 'case-00007' sample 1 in fixtures/refund-faq.jsonl"
            )
            row["error_kind"] = "missing-recording"
            row["scores"] = {}
            rows.append(row)
            continue
        good = "購入から30日以内です。" if japanese else "You have 30 days from purchase."
        bad = "60日以内です。" if japanese else "Within 60 days, no questions asked."
        outputs = [bad, bad, good] if failed else [good, good, good]
        if i == 12:
            outputs[0] = HOSTILE
        row["outputs"] = outputs
        acc_fail += failed
        hal_fail += hallucinated
        row["scores"] = {
            "accuracy": {
                "passed": not failed,
                "score": 0.333333 if failed else 1.0,
                "reason": (
                    "1 of 3 samples match a reference (expected '30 days'); most samples said '60 days'"
                    if failed
                    else "3 of 3 samples match the reference '30 days'"
                ),
            },
            "hallucination": {
                "passed": not hallucinated,
                "score": 0.5 if hallucinated else 1.0,
                "reason": (
                    "asserts '60 days', which the context does not support"
                    if hallucinated
                    else "every claim is supported by the context"
                ),
            },
        }
        rows.append(row)
    scored = n_cases - 1
    summary = {
        "schema_version": 1,
        "verdict": "redesign",
        "pocs": {
            "support-bot": {
                "verdict": "redesign",
                "reasons": [
                    f"accuracy: {acc_fail / scored:.1%} failed ({acc_fail}/{scored}) is above the tolerable 10.0%",
                    "hallucination [billing]: not enough evidence: about 120 cases would be needed",
                ],
                "cases": n_cases,
                "errors": {
                    "count": 1,
                    "rate": round(1 / n_cases, 6),
                    "budget": 0.05,
                    "within": True,
                },
                "critical": {
                    "total": (n_cases + 4) // 5,
                    "failed": ["case-00000"],
                    "errored": [],
                    "on_failure": "redesign",
                },
                "metrics": {
                    "accuracy": _metric(acc_fail, scored, 0.1, 0.4, "miss"),
                    "hallucination": {
                        **_metric(hal_fail, scored, 0.05, 0.2, "miss"),
                        "by_tag": {
                            "billing": _metric(
                                max(1, hal_fail // 2), scored // 3, 0.02, 0.1, "miss"
                            )
                        },
                    },
                },
                "suites": {"refund-faq": {"cases": n_cases, "errors": 1, "metrics": {}}},
                "tags": {
                    "billing": {"accuracy": _metric(acc_fail // 2, scored // 3, 0.1, 0.4, "miss")},
                    "shipping": {
                        "accuracy": _metric(acc_fail // 2, scored - scored // 3, 0.1, 0.4, "miss")
                    },
                },
            },
            "doc-summary": {
                "verdict": "continue",
                "reasons": ["every metric is within its tolerable failure rate"],
                "cases": 400,
                "errors": {"count": 0, "rate": 0.0, "budget": 0.05, "within": True},
                "critical": {"total": 0, "failed": [], "errored": [], "on_failure": "redesign"},
                "metrics": {"accuracy": _metric(4, 400, 0.05, 0.2, "pass")},
                "suites": {},
                "tags": {},
            },
        },
        "provenance": {
            "evalkit_version": "0.1.0",
            "suites": {
                "refund-faq": {
                    "path": "suites/refund-faq.yaml",
                    "sha256": "a" * 64,
                    "poc": "support-bot",
                    "client": {"spec": "replay:fixtures/refund-faq.jsonl", "model": None},
                    "samples": 3,
                    "params": {},
                    "seed": 0,
                }
            },
            "options": {"shard": None, "samples": None},
        },
        "run": {"started_at": "2026-11-21T06:00:00Z", "finished_at": "2026-11-21T06:00:01Z"},
    }
    return write_result(folder, summary, rows)


@pytest.fixture
def make_realistic(tmp_path: Path) -> Callable[..., Path]:
    def make(n_cases: int = 40, name: str = "run") -> Path:
        return realistic_result(tmp_path / name, n_cases)

    return make
