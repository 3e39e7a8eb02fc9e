"""End-to-end pipeline over suites built as values: files, determinism, errors, resume."""

import json
from pathlib import Path

import pytest

from evalkit.run.pipeline import RunOptions, in_shard, run
from evalkit.values import Case, Verdict


def cases(n, prefix="c"):
    return [
        Case(id=f"{prefix}{i:03d}", vars={"q": f"question {i}"}, references=("30 days",))
        for i in range(n)
    ]


def outputs(n, wrong=(), prefix="c"):
    return {f"{prefix}{i:03d}": ["60 days" if i in wrong else "It is 30 days."] for i in range(n)}


def test_run_writes_sorted_cases_and_summary_with_verdict(suite_factory, tmp_path):
    suite = suite_factory(list(reversed(cases(40))), outputs(40))
    out = run([suite], RunOptions(out_dir=tmp_path / "out"))
    assert out.verdicts["p"].verdict is Verdict.CONTINUE
    rows = [
        json.loads(line) for line in (tmp_path / "out" / "cases.jsonl").read_text().splitlines()
    ]
    assert [r["case"] for r in rows] == sorted(r["case"] for r in rows)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["schema_version"] == 1
    assert summary["pocs"]["p"]["metrics"]["accuracy"]["failures"] == 0
    assert summary["pocs"]["p"]["metrics"]["accuracy"]["total"] == 40
    assert not (tmp_path / "out" / "cases.partial.jsonl").exists()


def test_same_inputs_give_byte_identical_files_apart_from_the_run_block(suite_factory, tmp_path):
    suite = suite_factory(cases(30), outputs(30, wrong={3, 7}))
    run([suite], RunOptions(out_dir=tmp_path / "a"))
    run([suite], RunOptions(out_dir=tmp_path / "b", concurrency=3))
    assert (tmp_path / "a" / "cases.jsonl").read_bytes() == (
        tmp_path / "b" / "cases.jsonl"
    ).read_bytes()
    a = json.loads((tmp_path / "a" / "summary.json").read_text())
    b = json.loads((tmp_path / "b" / "summary.json").read_text())
    del a["run"], b["run"]
    assert a == b


def test_missing_recording_is_a_counted_error_not_a_failure(suite_factory, tmp_path):
    recorded = outputs(20)
    del recorded["c005"]
    suite = suite_factory(cases(20), recorded)
    out = run([suite], RunOptions(out_dir=tmp_path / "out"))
    poc = out.summary["pocs"]["p"]
    assert poc["errors"]["count"] == 1
    assert poc["metrics"]["accuracy"]["total"] == 19
    row = next(
        json.loads(line) for line in (tmp_path / "out" / "cases.jsonl").open() if '"c005"' in line
    )
    assert row["error_kind"] == "missing-recording"
    assert "no recording for case 'c005' sample 0" in row["error"]


def test_stale_recording_is_refused_and_counted(suite_factory, tmp_path):
    suite = suite_factory(cases(3), outputs(3))
    replay = tmp_path / "s.replay.jsonl"
    rows = [json.loads(line) for line in replay.read_text().splitlines()]
    rows[0]["prompt_sha256"] = "0" * 64
    replay.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = run([suite], RunOptions(out_dir=tmp_path / "out"))
    assert out.stale_count == 1 and out.stale == ("s/c000",)


def test_resume_uses_the_journal_and_ends_with_the_same_summary(suite_factory, tmp_path):
    suite = suite_factory(cases(30), outputs(30, wrong={1}))
    full = run([suite], RunOptions(out_dir=tmp_path / "full")).summary
    out_dir = tmp_path / "resumed"
    # Simulate an interrupted run: a journal with 10 finished cases and a torn last line.
    out_dir.mkdir()
    journal_rows = "".join((tmp_path / "full" / "cases.jsonl").read_text().splitlines(True)[:10])
    from evalkit.clients import build_client, parse_spec

    # the meta a real interrupted run leaves
    from evalkit.run.provenance import fingerprint, provenance

    client = build_client(parse_spec(suite.client, suite.base_dir))
    meta = {
        "fingerprint": fingerprint(provenance([suite], {"s": client}, RunOptions(out_dir=out_dir)))
    }
    (out_dir / "cases.partial.meta.json").write_text(json.dumps(meta))
    (out_dir / "cases.partial.jsonl").write_text(journal_rows + '{"torn": ')
    resumed = run([suite], RunOptions(out_dir=out_dir))
    assert resumed.resumed == 10
    assert resumed.summary["run"]["requests"] == 20
    full_copy, res_copy = dict(full), dict(resumed.summary)
    del full_copy["run"], res_copy["run"]
    assert full_copy == res_copy
    assert (out_dir / "cases.jsonl").read_text() == (tmp_path / "full" / "cases.jsonl").read_text()


def test_shards_partition_the_cases(suite_factory, tmp_path):
    ids = [f"c{i}" for i in range(200)]
    seen = [sum(in_shard("s", i, (k, 3)) for k in (1, 2, 3)) for i in ids]
    assert seen == [1] * 200
    sizes = [sum(in_shard("s", i, (k, 3)) for i in ids) for k in (1, 2, 3)]
    assert all(40 < size < 100 for size in sizes)


def test_pocs_pool_the_cases_of_their_suites(suite_factory, tmp_path):
    a = suite_factory(cases(20, "a"), outputs(20, prefix="a"), name="a")
    b = suite_factory(cases(20, "b"), outputs(20, prefix="b"), name="b")
    out = run([a, b], RunOptions(out_dir=tmp_path / "out"))
    poc = out.summary["pocs"]["p"]
    assert poc["metrics"]["accuracy"]["total"] == 40
    assert set(poc["suites"]) == {"a", "b"}
    assert out.verdicts["p"].verdict is Verdict.CONTINUE  # 0/40 confirms 10%; 0/20 alone would not


def test_suite_without_client_is_a_usage_error(suite_factory, tmp_path):
    from dataclasses import replace

    from evalkit.errors import UsageError

    suite = replace(suite_factory(cases(1), outputs(1)), client=None)
    with pytest.raises(UsageError, match="names no client"):
        run([suite], RunOptions(out_dir=tmp_path / "out"))


def test_client_override_resolves_relative_to_the_current_directory(
    suite_factory, tmp_path, monkeypatch
):
    suite = suite_factory(cases(2), outputs(2))
    monkeypatch.chdir(tmp_path)
    out = run([suite], RunOptions(out_dir=Path("o"), client="replay:s.replay.jsonl"))
    assert out.summary["pocs"]["p"]["errors"]["count"] == 0


def test_merged_shards_equal_an_unsharded_run_apart_from_run_and_provenance(
    suite_factory, tmp_path
):
    from evalkit.run.merge import merge

    suite = suite_factory(cases(60), outputs(60, wrong={2, 9, 33}))
    whole = run([suite], RunOptions(out_dir=tmp_path / "whole")).summary
    for k in (1, 2, 3):
        run([suite], RunOptions(out_dir=tmp_path / f"shard{k}", shard=(k, 3)))
    merged, verdicts = merge([tmp_path / f"shard{k}" for k in (1, 2, 3)], tmp_path / "merged")
    for doc in (whole, merged):
        del doc["run"], doc["provenance"]
    assert merged == whole
    assert (tmp_path / "merged" / "cases.jsonl").read_bytes() == (
        tmp_path / "whole" / "cases.jsonl"
    ).read_bytes()


def test_merge_refuses_overlapping_shards(suite_factory, tmp_path):
    from evalkit.errors import ResultError
    from evalkit.run.merge import merge

    suite = suite_factory(cases(5), outputs(5))
    run([suite], RunOptions(out_dir=tmp_path / "a"))
    with pytest.raises(ResultError, match="given twice"):
        merge([tmp_path / "a", tmp_path / "a"], tmp_path / "m")


def test_a_judged_scorer_runs_through_the_pipeline_and_its_client_is_closed(
    suite_factory, tmp_path, monkeypatch
):
    from dataclasses import replace

    from evalkit.scorers._judge import Judge
    from evalkit.values import ScorerConfig

    closed = []
    original = Judge.aclose

    async def recording_aclose(self):
        closed.append(True)
        await original(self)

    monkeypatch.setattr(Judge, "aclose", recording_aclose)
    (tmp_path / "judge.jsonl").write_text(
        '{"case": "c000", "sample": 0, "output": "UNSUPPORTED\\nThe context never says so."}\n',
        encoding="utf-8",
    )
    case = Case(
        id="c000",
        vars={"q": "How long?"},
        references=("30 days",),
        context="Refunds within 30 days.",
    )
    suite = suite_factory([case], {"c000": ["It is 30 days."]})
    suite = replace(
        suite,
        scorers={
            **suite.scorers,
            "hallucination": ScorerConfig(
                "hallucination", None, {"judge": {"client": "replay:judge.jsonl", "mode": "decide"}}
            ),
        },
    )
    out = run([suite], RunOptions(out_dir=tmp_path / "out"))
    row = json.loads((tmp_path / "out" / "cases.jsonl").read_text())
    assert row["scores"]["hallucination"]["details"]["judge"][0]["verdict"] == "unsupported"
    assert row["scores"]["hallucination"]["passed"] is False
    assert out.summary["pocs"]["p"]["metrics"]["hallucination"]["failures"] == 1
    assert closed == [True]


def test_merge_refuses_a_result_file_that_is_not_in_case_order(suite_factory, tmp_path):
    from evalkit.errors import ResultError
    from evalkit.run.merge import merge

    suite = suite_factory(cases(3), outputs(3))
    run([suite], RunOptions(out_dir=tmp_path / "a"))
    rows = (tmp_path / "a" / "cases.jsonl").read_bytes().splitlines(keepends=True)
    (tmp_path / "a" / "cases.jsonl").write_bytes(b"".join(reversed(rows)))
    with pytest.raises(ResultError, match="out of order"):
        merge([tmp_path / "a"], tmp_path / "m")


def test_a_replayed_run_with_sync_scorers_never_starts_an_event_loop(tmp_path):
    import subprocess
    import sys

    (tmp_path / "s.yaml").write_text(
        "suite: s\npoc: p\nprompt: {template: '{{q}}'}\nclient: replay:r.jsonl\n"
        "cases:\n  - {id: a, vars: {q: one}, reference: '1'}\n"
        "scorers: {accuracy: {method: numeric}, hallucination: {}}\n"
    )
    (tmp_path / "r.jsonl").write_text('{"case": "a", "output": "It is 1."}\n')
    code = (
        "import sys\nfrom pathlib import Path\nfrom evalkit.run.pipeline import RunOptions, run\n"
        "from evalkit.suite.loader import load_suites\n"
        "out = run(load_suites(['s.yaml']).suites, RunOptions(out_dir=Path('out')))\n"
        "print(out.cases, 'asyncio' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["1", "False"]


SURROGATES = ["30 days \ud800", "\udc80 60 days", "返金\udfff"]


def test_outputs_with_lone_surrogates_are_stored_as_returned_and_resume_and_report(
    suite_factory, tmp_path
):
    """A reply holding a lone surrogate (`"\\ud800"` is valid JSON) is journalled, resumed,
    written and reported, never a crash; it reads back exactly as it was returned."""
    from evalkit.report.html import write_html
    from evalkit.report.junit import write_junit
    from evalkit.report.markdown import summary_markdown

    given = {f"c{i:03d}": [SURROGATES[i % 3]] for i in range(6)}
    replay = tmp_path / "s.replay.jsonl"
    suite = suite_factory(cases(6))
    replay.write_text(  # as a JSON writer escapes them: the file itself is valid UTF-8
        "".join(
            json.dumps({"case": k, "sample": 0, "output": v[0]}) + "\n" for k, v in given.items()
        )
    )
    out = tmp_path / "out"
    first = run([suite], RunOptions(out_dir=out))
    rows = [json.loads(line) for line in (out / "cases.jsonl").read_text("utf-8").splitlines()]
    assert {r["case"]: r["outputs"] for r in rows} == given
    assert first.summary["pocs"]["p"]["cases"] == 6

    (out / "cases.jsonl").rename(out / "cases.partial.jsonl")  # as an interrupted run leaves it
    from evalkit.clients import build_client, parse_spec
    from evalkit.run.provenance import fingerprint, provenance

    client = build_client(parse_spec(suite.client, suite.base_dir))
    meta = {"fingerprint": fingerprint(provenance([suite], {"s": client}, RunOptions(out)))}
    (out / "cases.partial.meta.json").write_text(json.dumps(meta))
    again = run([suite], RunOptions(out_dir=out))
    assert again.resumed == 6 and again.summary["run"]["requests"] == 0

    html = write_html(out, tmp_path / "r.html").read_text("utf-8")
    assert "30 days \\ud800" in html
    write_junit(out, tmp_path / "j.xml")
    assert "60 days" in (tmp_path / "j.xml").read_text("utf-8")
    assert "p" in summary_markdown(out)


def test_a_live_server_replying_with_a_lone_surrogate_is_stored_as_it_replied(
    suite_factory, tmp_path
):
    from evalkit.testing.testserver import running_server

    suite = suite_factory(cases(2))
    with running_server(responses={"Q: question 0": "It is \ud800 30 days."}) as url:
        options = RunOptions(
            out_dir=tmp_path / "out", client="openai:test-model", client_options={"base_url": url}
        )
        run([suite], options)
    rows = [json.loads(line) for line in (tmp_path / "out" / "cases.jsonl").open(encoding="utf-8")]
    assert rows[0]["outputs"] == ["It is \ud800 30 days."]
    assert rows[1]["outputs"] == ["Q: question 1"]  # the server's echo
