"""Rubric metrics: a suite's own criteria, graded PASS / FAIL by a judge model.

A suite names a metric of its own and gives it `method: rubric`:

    scorers:
      polite: {method: rubric, judge: "openai:gpt-4o-mini", criterion: "The answer is polite."}
      cites_policy: {method: rubric, judge: "openai:gpt-4o-mini", criterion: "It quotes the policy."}

Each becomes a metric with thresholds like any other. Why one call for several criteria:
the judge reads the same question and answer for each of them, so the rubric metrics of a
suite that share a judge (same client and options) are graded together, one call per
output, and the reply is kept for the sibling metrics scored after it (`_REPLIES`, keyed by
what was asked: judge, request hash, suite, case, output index; an entry is dropped once
every criterion in it has been read, the rest when the run closes its scorers).

The judge replies with a JSON object, one key per criterion name, each value
`{"verdict": "PASS" | "FAIL", "reasoning": "..."}`. `parse_rubric` also reads bare
verdicts (`{"polite": "PASS"}`, booleans), `name: PASS — why` lines, a single criterion's
verdict on the first line, and Japanese 合格 / 不合格. A reply that misses a criterion, or a
failed call, raises `ScoringCallFailed` (a counted case error, never a pass).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from evalkit._i18n import Said
from evalkit.common.text import is_cjk
from evalkit.errors import ConfigProblem
from evalkit.scorers._judge import Judge, JudgeConfig
from evalkit.scorers._judge_prompts import judge_request_for
from evalkit.scorers.base import Params, apply_samples_rule, check_samples_rule
from evalkit.values import Request, Score, ScorerConfig, ScoringInput

__all__ = ["RubricScorer", "make", "parse_rubric", "rubric_request", "SYSTEM", "SYSTEM_JA"]

SYSTEM = (
    "You grade an ANSWER against named CRITERIA. Given the QUESTION, optional CONTEXT, the "
    "ANSWER and the CRITERIA (one per line, as `name: criterion`), decide for each criterion "
    "whether the ANSWER meets it. Reply with only a JSON object with one key per criterion "
    'name, each value {"verdict": "PASS" or "FAIL", "reasoning": "one short sentence"}.'
)
SYSTEM_JA = (
    "あなたは ANSWER（回答）を名前付きの CRITERIA（基準）で採点します。QUESTION（質問）、必要に"
    "応じて CONTEXT（資料）、ANSWER、そして CRITERIA（1行に1つ、`名前: 基準` の形）が与えられます。"
    "基準ごとに ANSWER がそれを満たすかを判定してください。基準の名前をキーとする JSON オブジェクト"
    'だけを返し、各値は {"verdict": "PASS" または "FAIL", "reasoning": "短い理由"} としてください。'
)

# FAIL words are tried first: 不合格 contains 合格, "not met" contains "met".
_WORD = re.compile(
    r"(?P<bad>\bfail(?:ed|s)?\b|\bnot\s+met\b|\bdoes\s+not\s+meet\b|\bno\b|\bfalse\b"
    r"|不合格|満たさない|満たしていない|いいえ)"
    r"|(?P<good>\bpass(?:ed|es)?\b|\bmet\b|\bmeets\b|\byes\b|\btrue\b|合格|満たす|満たしている|はい)",
    re.I,
)
_VERDICT_KEYS = ("verdict", "result", "pass", "passed", "grade", "判定", "結果")
_REASON_KEYS = ("reasoning", "reason", "explanation", "why", "理由")

Verdicts = dict[str, tuple[bool, str]]


def _word(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        match = _WORD.search(value)
        if match:
            return match.group("good") is not None
    return None


def _from_json(reply: str) -> dict[str, Any] | None:
    """The first JSON object in the reply (after any prose or a code fence)."""
    decoder = json.JSONDecoder()
    for start in [m.start() for m in re.finditer(r"\{", reply)]:
        try:
            value, _end = decoder.raw_decode(reply, start)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _entry(value: Any) -> tuple[bool, str] | None:
    if isinstance(value, Mapping):
        lowered = {str(k).lower(): v for k, v in value.items()}
        verdict = next((_word(lowered[k]) for k in _VERDICT_KEYS if k in lowered), None)
        reason = next((lowered[k] for k in _REASON_KEYS if k in lowered), "")
        return None if verdict is None else (verdict, str(reason).strip())
    verdict = _word(value)
    return None if verdict is None else (verdict, "")


def parse_rubric(reply: str, names: list[str]) -> dict[str, tuple[bool, str] | None]:
    """Per criterion name: (passed, reasoning), or None when the reply gives no readable
    verdict for it. See the module docstring for the forms read."""
    found: dict[str, tuple[bool, str] | None] = dict.fromkeys(names)
    data = _from_json(reply)
    if data is not None:
        by_name = {str(k).strip().lower(): v for k, v in data.items()}
        for name in names:
            if name.lower() in by_name:
                found[name] = _entry(by_name[name.lower()])
        if len(names) == 1 and found[names[0]] is None:
            found[names[0]] = _entry(data)  # {"verdict": "PASS", ...} for a lone criterion
    lines = [ln.strip().strip("*_`#>- ") for ln in reply.splitlines() if ln.strip()]
    for name in names:
        if found[name] is not None:
            continue
        pattern = re.compile(rf"^[*_`\s]*{re.escape(name)}[*_`\s]*[:：=\-–—]\s*(.*)$", re.I)
        for line in lines:
            match = pattern.match(line)
            verdict = _word(match.group(1)) if match else None
            if verdict is not None:
                assert match is not None
                rest = _WORD.sub("", match.group(1), count=1).strip(" -–—:：.()")
                found[name] = (verdict, rest)
                break
    if len(names) == 1 and found[names[0]] is None and lines and data is None:
        head = re.sub(r"^(?:verdict|result|判定)\s*[:：]?\s*", "", lines[0], flags=re.I)
        verdict = _word(head) if len(head) <= 40 else None
        if verdict is not None:
            found[names[0]] = (verdict, "\n".join(lines[1:]).strip())
    return found


def rubric_request(
    item: ScoringInput, index: int, criteria: list[tuple[str, str]], question: str, context: str
) -> Request:
    """The judge's request grading output `index` on every criterion of `criteria`
    (name, text) at once; keyed as sample `index`; in Japanese when the case is."""
    output = item.outputs[index]
    listed = "\n".join(f"{name}: {text}" for name, text in criteria)
    japanese = is_cjk(output) or is_cjk(question) or is_cjk(listed)
    none = "（なし）" if japanese else "(none)"
    user = (
        f"QUESTION:\n{question or none}\n\nCONTEXT:\n{context or none}\n\nANSWER:\n{output}"
        f"\n\nCRITERIA:\n{listed}"
    )
    return judge_request_for(item, index, SYSTEM_JA if japanese else SYSTEM, user, "rubric")


# Replies read but not yet used by every criterion they graded (see the module docstring).
_REPLIES: dict[tuple[Any, ...], tuple[Verdicts, set[str]]] = {}


class RubricScorer:
    """One criterion as a metric; an output passes when the judge says PASS, the case by
    the samples rule (majority by default); the score is the share of outputs passing."""

    def __init__(self, metric: str, params: Params) -> None:
        self.metric = metric
        criterion = params.get("criterion")
        if not isinstance(criterion, str) or not criterion.strip():
            raise ConfigProblem(
                "criterion",
                f"expected the criterion as a non-empty string, got {criterion!r}",
                'e.g. criterion: "The answer is polite and does not blame the customer."',
            )
        self.criterion = criterion.strip()
        raw_judge = params.get("judge")
        if isinstance(raw_judge, Mapping) and "mode" in raw_judge:
            raise ConfigProblem("judge.mode", "not used by a rubric", "give client and options")
        config = JudgeConfig.parse(raw_judge)
        if config is None:
            raise ConfigProblem(
                "judge",
                "a rubric needs a judge",
                'e.g. judge: "openai:gpt-4o-mini", or run with --judge SPEC',
            )
        self.judge_config = config
        self.judge = Judge(config)
        self.rule = check_samples_rule(params.get("samples_rule", "majority"))
        params.done()

    def _criteria(self, item: ScoringInput) -> list[tuple[str, str]]:
        """This metric's criterion and those of the suite's other rubric metrics with the
        same judge, by name: graded in one call."""
        criteria = {self.metric: self.criterion}
        for metric, config in item.suite.scorers.items():
            if config.method != "rubric" or metric in criteria:
                continue
            try:
                same = JudgeConfig.parse(config.params.get("judge")) == self.judge_config
            except ConfigProblem:
                continue
            text = config.params.get("criterion")
            if same and isinstance(text, str) and text.strip():
                criteria[metric] = text.strip()
        return sorted(criteria.items())

    async def _verdicts(
        self, item: ScoringInput, index: int, criteria: list[tuple[str, str]]
    ) -> tuple[bool, str]:
        from evalkit.scorers._grounding import make_plan

        question = "\n".join(make_plan(item, ()).questions)
        context = item.case.context if isinstance(item.case.context, str) else ""
        request = rubric_request(item, index, criteria, question, context)
        key = (
            self.judge_config.client,
            repr(sorted(self.judge_config.options.items())),
            request.prompt_sha256,
            item.suite.name,
            item.case.id,
            index,
        )
        if key in _REPLIES:
            verdicts, waiting = _REPLIES[key]
        else:
            reply = await self.judge._ask(item, index, request)
            names = [name for name, _text in criteria]
            parsed = parse_rubric(reply, names)
            missing = [name for name in names if parsed[name] is None]
            if missing:
                expected = f"PASS or FAIL for {', '.join(missing)}"
                self.judge._unreadable(item, index, reply, expected)
            verdicts = {name: v for name, v in parsed.items() if v is not None}
            waiting = set(names)
            _REPLIES[key] = (verdicts, waiting)
        waiting.discard(self.metric)
        if not waiting:
            _REPLIES.pop(key, None)
        return verdicts[self.metric]

    def score(self, item: ScoringInput) -> Score | None:
        raise TypeError("a rubric metric is graded by a model: await ascore()")

    async def ascore(self, item: ScoringInput) -> Score | None:
        import asyncio  # only with a judge: a replayed run never loads it

        if not item.outputs:
            return None
        criteria = self._criteria(item)
        replies = await asyncio.gather(
            *(self._verdicts(item, i, criteria) for i in range(len(item.outputs)))
        )
        passes = [passed for passed, _why in replies]
        labels = [
            item.labels[i] if i < len(item.labels) else f"sample {i}" for i in range(len(passes))
        ]
        passed = apply_samples_rule(passes, self.rule)
        n, k = len(passes), sum(passes)
        short = self.criterion if len(self.criterion) <= 80 else self.criterion[:79] + "…"
        if n == 1:
            said = Said("rub.meets" if passes[0] else "rub.misses", {"criterion": repr(short)})
        else:
            said = Said(
                "rub.some",
                {"k": str(k), "n": str(n), "criterion": repr(short), "rule": str(self.rule)},
            )
        failing = tuple(
            Said("rub.why", {"label": labels[i], "why": why})
            for i, (ok, why) in enumerate(replies)
            if not ok and why
        )
        if failing:
            said = Said("rub.judged", {"reason": said, "failing": failing[:3]})
        return Score(
            passed,
            k / n,
            said.text(),
            {
                "method": "rubric",
                "criterion": self.criterion,
                "graded_with": [name for name, _text in criteria],
                "passed": passes,
                "judge": [
                    {"label": labels[i], "verdict": "pass" if ok else "fail", "reasoning": why}
                    for i, (ok, why) in enumerate(replies)
                ],
            },
            said,
        )

    async def aclose(self) -> None:
        """Called when the run ends: close the judge's client, drop this judge's replies."""
        for key in [k for k in _REPLIES if k[0] == self.judge_config.client]:
            _REPLIES.pop(key, None)
        await self.judge.aclose()


def make(config: ScorerConfig) -> RubricScorer:
    """Build a rubric metric (`method: rubric` on a metric name of the suite's own)."""
    return RubricScorer(config.metric, Params(config.params))
