"""The optional judge layer: ask a model whether an output is supported by the knowledge.

Why: lexical support (the other layers) cannot see a paraphrase that keeps the words but
changes the meaning, or an inference the knowledge does not license. Any configured client
can judge; offline tests use the replay client, whose recordings are keyed like any other
request: suite name, case id, variant 0, sample = the output's index in the case.

The judge replies with a verdict on its first line — SUPPORTED or UNSUPPORTED — and a
short reasoning after it. `parse_verdict` reads that robustly (case, markdown, "Verdict:"
prefixes, NOT SUPPORTED / HALLUCINATED / YES / NO spellings, Japanese 「支持されない」…).
A reply that cannot be read, or a judge call that fails, is never a pass: `Judge.verdict`
raises `ScoringCallFailed`, and the engine records the case as an error
(`error_kind` "judge-unreadable" / "judge-error"), counted against the error budget.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from evalkit.common.render import prompt_sha256
from evalkit.common.text import is_cjk
from evalkit.errors import ConfigProblem, ScoringCallFailed
from evalkit.values import Message, Pricing, Request, ScorerConfig, ScoringInput, Suite

__all__ = [
    "JUDGE_KINDS",
    "JudgeConfig",
    "Judge",
    "JudgeClients",
    "judge_suite_key",
    "runner_judge",
    "wants_judge",
    "equivalence_request",
    "grade_request",
    "judge_usage",
    "judge_request",
    "parse_equivalence",
    "parse_grade",
    "parse_verdict",
    "with_runner_options",
]

SYSTEM = (
    "You check answers for hallucination. Given KNOWLEDGE, a QUESTION and an ANSWER, decide "
    "whether every claim in the ANSWER is supported by the KNOWLEDGE or the QUESTION. "
    "Declining to answer counts as SUPPORTED. Reply with exactly SUPPORTED or UNSUPPORTED on "
    "the first line, then one short paragraph naming any unsupported or contradicted claim."
)

# The same instructions for a case in Japanese (knowledge, question or answer): a judge
# model follows instructions in the case's language more reliably, and a Japanese team can
# read what was asked. The verdict words stay SUPPORTED / UNSUPPORTED so one parser reads
# both (it also reads 「支持される」 / 「支持されない」).
SYSTEM_JA = (
    "あなたは回答のハルシネーション（根拠のない記述）を確認します。KNOWLEDGE（資料）、QUESTION"
    "（質問）、ANSWER（回答）が与えられます。ANSWER のすべての記述が KNOWLEDGE または QUESTION "
    "に裏付けられているかを判定してください。回答を控えている場合は SUPPORTED とします。"
    "1行目に SUPPORTED または UNSUPPORTED のどちらかだけを書き、2行目以降に、裏付けのない記述や"
    "資料と矛盾する記述を短く挙げてください。"
)

# Grading an answer against reference answers (accuracy `method: judge`): for free text,
# where string methods cannot see that other words say the same thing.
GRADE_SYSTEM = (
    "You grade answers. Given a QUESTION, the REFERENCE answer(s) a grader accepts, optional "
    "CONTEXT and an ANSWER, decide whether the ANSWER says what a reference says (other words "
    "are fine; extra detail is fine unless it contradicts a reference). Reply with exactly "
    "CORRECT, PARTIAL (right but missing part of what the reference requires) or INCORRECT on "
    "the first line, then one short paragraph saying why."
)
GRADE_SYSTEM_JA = (
    "あなたは回答を採点します。QUESTION（質問）、正解として認める REFERENCE（参照回答）、必要に"
    "応じて CONTEXT（資料）、そして ANSWER（回答）が与えられます。ANSWER が参照回答と同じ内容を"
    "述べているかを判定してください（言い換えは可、参照回答と矛盾しない補足も可）。1行目に CORRECT、"
    "PARTIAL（正しいが参照回答の求める内容の一部が欠けている）、INCORRECT のいずれかだけを書き、"
    "2行目以降に理由を短く書いてください。"
)
_GRADE = re.compile(
    r"(?P<bad>\bincorrect\b|\bwrong\b|\bnot\s+correct\b|不正解|誤り)"
    r"|(?P<part>\bpartial(?:ly)?\b|部分的|一部正解)"
    r"|(?P<good>\bcorrect\b|\bright\b|正解|正しい)",
    re.I,
)


def parse_grade(reply: str) -> tuple[str | None, str]:
    """("correct" | "partial" | "incorrect", reasoning) from a grading reply; None when
    the first line carries no grade."""
    lines = [ln.strip() for ln in reply.strip().splitlines() if ln.strip()]
    if not lines:
        return None, ""
    head = re.sub(
        r"^[\W_]*(?:grade|verdict|answer|判定|採点)?\s*[:：]?\s*", "", lines[0], flags=re.I
    )
    reasoning = "\n".join(lines[1:]).strip() or lines[0]
    match = _GRADE.search(head)
    if match is None:
        return None, reply.strip()
    grade = "incorrect" if match.group("bad") else "partial" if match.group("part") else "correct"
    return grade, reasoning


def grade_request(
    item: ScoringInput, index: int, question: str, references: list[str], context: str
) -> Request:
    """The grading request for output `index` (keyed as sample `index`), in Japanese when
    the case is."""
    output = item.outputs[index]
    refs = "\n".join(f"- {r}" for r in references)
    japanese = is_cjk(output) or is_cjk(refs) or is_cjk(question)
    system = GRADE_SYSTEM_JA if japanese else GRADE_SYSTEM
    none = "（なし）" if japanese else "(none)"
    user = (
        f"QUESTION:\n{question or none}\n\nREFERENCE:\n{refs}\n\nCONTEXT:\n{context or none}"
        f"\n\nANSWER:\n{output}"
    )
    return _request(item, index, system, user, "accuracy")


# Consistency `method: judge`: are a case's answers equivalent? One call per case, all its
# outputs numbered from 1; the judge groups the numbers that say the same thing.
EQUIV_SYSTEM = (
    "You check whether answers to the same QUESTION are equivalent: they give the same answer "
    "(the same facts, numbers, yes/no and conclusion), in whatever words; added detail that "
    "does not contradict is fine; a refusal is equivalent only to a refusal. Reply with only "
    'a JSON object {"groups": [[1, 2], [3]], "reasoning": "one short sentence"} where each '
    "group lists the numbers of answers equivalent to each other, every answer in one group."
)
EQUIV_SYSTEM_JA = (
    "同じ QUESTION（質問）への複数の回答が同等かを判定します。表現が違っても、同じ事実・数値・"
    "可否・結論を述べていれば同等です（矛盾しない補足は可、回答の拒否は拒否とのみ同等）。"
    '{"groups": [[1, 2], [3]], "reasoning": "短い理由"} という JSON オブジェクトだけを返して'
    "ください。各グループには互いに同等な回答の番号を入れ、どの回答もいずれか1つのグループに"
    "入れてください。"
)
_SAME = re.compile(
    r"(?P<bad>\bnot\s+equivalent\b|\binconsistent\b|\bdiffer\w*|同等でない|同等ではない|異なる)"
    r"|(?P<good>\bequivalent\b|\bconsistent\b|\bsame\b|同等|同じ)",
    re.I,
)


def equivalence_request(item: ScoringInput, outputs: list[str], question: str) -> Request:
    """The request asking whether `outputs` (the case's, after the duplicates rule) are
    equivalent; keyed as sample 0 (one call per case); in Japanese when the case is."""
    japanese = is_cjk(question) or any(is_cjk(o) for o in outputs)
    none = "（なし）" if japanese else "(none)"
    answers = "\n\n".join(f"ANSWER {i}:\n{o}" for i, o in enumerate(outputs, 1))
    user = f"QUESTION:\n{question or none}\n\n{answers}"
    return _request(item, 0, EQUIV_SYSTEM_JA if japanese else EQUIV_SYSTEM, user, "consistency")


def parse_equivalence(reply: str, n: int) -> tuple[list[list[int]] | None, str]:
    """(groups of 0-based output indices, reasoning) from an equivalence reply; None when
    no grouping can be read. Reads `{"groups": [[1, 2], [3]]}` (numbers from 1; an answer
    left out is a group of its own, one named twice stays in its first group, a number out
    of range makes the reply unreadable), `{"equivalent": true}`, or a first line that says
    EQUIVALENT / 同等 (all one group). NOT EQUIVALENT without groups cannot be scored."""
    import json

    decoder = json.JSONDecoder()
    data: Any = None
    for at in [m.start() for m in re.finditer(r"\{", reply)]:
        try:
            data, _end = decoder.raw_decode(reply, at)
        except ValueError:
            continue
        if isinstance(data, dict):
            break
        data = None
    if isinstance(data, dict):
        reasoning = str(data.get("reasoning") or data.get("reason") or "").strip()
        raw = data.get("groups")
        if isinstance(raw, list) and raw and all(isinstance(g, list) for g in raw):
            groups: list[list[int]] = []
            seen: set[int] = set()
            for group in raw:
                members = []
                for number in group:
                    if isinstance(number, bool) or not isinstance(number, int):
                        return None, reply.strip()
                    if not 1 <= number <= n:
                        return None, reply.strip()
                    if number - 1 not in seen:
                        seen.add(number - 1)
                        members.append(number - 1)
                if members:
                    groups.append(members)
            groups += [[i] for i in range(n) if i not in seen]
            return groups, reasoning
        if data.get("equivalent") is True:
            return [list(range(n))], reasoning
        return None, reply.strip()
    lines = [ln.strip() for ln in reply.strip().splitlines() if ln.strip()]
    match = _SAME.search(lines[0]) if lines else None
    if match is not None and match.group("good"):
        return [list(range(n))], "\n".join(lines[1:]).strip()
    return None, reply.strip()


# First match wins; "not supported" / "unsupported" are tried before "supported".
_VERDICT = re.compile(
    r"(?P<bad>\bunsupported\b|\bnot\s+supported\b|\bhallucinat\w*|\bcontradict\w*"
    r"|支持されない|根拠なし|不支持|ハルシネーション)"
    r"|(?P<good>\bsupported\b|\bgrounded\b|\bfaithful\b|支持される|根拠あり)",
    re.I,
)
_YES_NO = re.compile(r"^(yes|no|はい|いいえ)\W*$", re.I)


def parse_verdict(reply: str) -> tuple[bool | None, str]:
    """(supported?, reasoning) from a judge reply; None when no verdict can be read.

    The first non-empty line carries the verdict; its first verdict word decides. A bare
    "yes"/"no" line answers the prompt's question ("is every claim supported?").
    """
    lines = [ln.strip() for ln in reply.strip().splitlines() if ln.strip()]
    if not lines:
        return None, ""
    head = re.sub(r"^[\W_]*(?:verdict|answer|判定)?\s*[:：]?\s*", "", lines[0], flags=re.I)
    reasoning = "\n".join(lines[1:]).strip() or lines[0]
    match = _VERDICT.search(head)
    if match:
        return match.group("good") is not None, reasoning
    yes_no = _YES_NO.match(head.strip("*_ "))
    if yes_no:
        return yes_no.group(1).lower() in ("yes", "はい"), reasoning
    return None, reply.strip()


@dataclass(frozen=True, slots=True)
class JudgeConfig:
    """`client` is a client spec resolved against the suite's folder; `mode` "add" makes
    an UNSUPPORTED verdict one more reason to fail (the lexical layers still apply);
    "decide" lets the judge's verdict replace the claims and specifics layers; "verify"
    asks the judge only about outputs the claims/specifics layers flag, and a SUPPORTED
    verdict clears those findings (a precision filter: one call per flagged output).
    `pricing` is the judge model's price per million tokens (None: its cost is not
    estimated); a runner's `--judge` naming another client drops it (`runner_judge`)."""

    client: str
    mode: str = "add"
    options: Mapping[str, Any] = field(default_factory=dict)
    pricing: Pricing | None = None

    @staticmethod
    def parse(value: Any) -> JudgeConfig | None:
        if value is None or value is False:
            return None
        if isinstance(value, str):
            return JudgeConfig(client=value)
        if isinstance(value, Mapping) and "client" not in value:
            raise ConfigProblem(
                "judge.client",
                "no client: nothing says which model judges",
                'give one (client: "openai:gpt-4o-mini"), or leave it to the runner: '
                "`evalkit run --judge SPEC` chooses the client of every judge",
            )
        if not isinstance(value, Mapping) or not isinstance(value.get("client"), str):
            raise ConfigProblem(
                "judge",
                f"expected a client spec or a mapping with 'client', got {value!r}",
                'e.g. judge: {client: "replay:judge.jsonl"}, or leave the client to the '
                "runner: `evalkit run --judge SPEC` chooses it for every judge",
            )
        unknown = sorted(set(value) - {"client", "mode", "options", "pricing"})
        if unknown:
            raise ConfigProblem(
                f"judge.{unknown[0]}", "unknown setting", "known: client, mode, options, pricing"
            )
        mode = value.get("mode", "add")
        if mode not in ("add", "decide", "verify"):
            raise ConfigProblem("judge.mode", f"expected add, decide or verify, got {mode!r}")
        options = value.get("options", {})
        if not isinstance(options, Mapping):
            raise ConfigProblem("judge.options", f"expected a mapping, got {options!r}")
        return JudgeConfig(
            client=value["client"],
            mode=mode,
            options=dict(options),
            pricing=_pricing(value.get("pricing")),
        )


def _pricing(raw: Any) -> Pricing | None:
    """A judge's `pricing` mapping (as the suite's own `pricing`), checked."""
    if raw is None:
        return None
    expected = "e.g. pricing: {input_per_million: 0.15, output_per_million: 0.60, currency: USD}"
    if not isinstance(raw, Mapping):
        raise ConfigProblem("judge.pricing", f"expected a mapping, got {raw!r}", expected)
    unknown = sorted(set(raw) - {"input_per_million", "output_per_million", "currency"})
    if unknown:
        raise ConfigProblem(f"judge.pricing.{unknown[0]}", "unknown setting", expected)
    prices = []
    for name in ("input_per_million", "output_per_million"):
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ConfigProblem(
                f"judge.pricing.{name}", f"expected a number ≥ 0, got {value!r}", expected
            )
        prices.append(float(value))
    currency = raw.get("currency", "USD")
    if not isinstance(currency, str) or not currency:
        raise ConfigProblem("judge.pricing.currency", f"expected a currency code, got {currency!r}")
    return Pricing(prices[0], prices[1], currency)


# Client options that say where requests go and which key they carry (as
# `evalkit.clients.trust.RUNNER_ONLY`): with the runner's `--judge`, a suite's are not used.
_RUNNER_ONLY = ("base_url", "api_key_env")


def wants_judge(config: ScorerConfig) -> bool:
    """Whether the metric asks a judge: a `judge:` setting, or a method that is one
    (accuracy and consistency `method: judge`, a rubric)."""
    if config.params.get("judge") not in (None, False):
        return True
    return config.method == "rubric" or (
        config.method == "judge" and config.metric in ("accuracy", "consistency")
    )


def runner_judge(
    config: ScorerConfig,
    spec: str | None,
    options: Mapping[str, Any],
    pricing: Mapping[str, Any] | None = None,
) -> ScorerConfig:
    """`config` with the runner's judge: `spec` (`--judge`, None: the suite's own client)
    as the client of its judge, `options` (`--judge-base-url`, `--judge-api-key-env`)
    over the judge's own `options`, and `pricing` (`--judge-pricing`) as its `pricing`.
    A metric that asks no judge (`wants_judge`) is left alone: the runner chooses which
    model judges, the suite whether one does.

    With `spec`, the suite's `base_url` and `api_key_env` for its judge are dropped (the
    runner chose the client; a suite cannot redirect it), and so is its `pricing` unless
    it names that same client (else it prices another model)."""
    if not (spec or options or pricing) or not wants_judge(config):
        return config
    raw = config.params.get("judge")
    judge: dict[str, Any] = (
        {"client": raw} if isinstance(raw, str) else dict(raw) if isinstance(raw, Mapping) else {}
    )
    own = judge.get("options")
    own = dict(own) if isinstance(own, Mapping) else {}
    if spec is not None:
        if judge.get("client") != spec:
            judge.pop("pricing", None)
        judge["client"] = spec
        own = {k: v for k, v in own.items() if k not in _RUNNER_ONLY}
    merged = {**own, **options}
    if merged or "options" in judge:
        judge["options"] = merged
    if pricing:
        judge["pricing"] = dict(pricing)
    return ScorerConfig(config.metric, config.method, {**config.params, "judge": judge})


def judge_suite_key(suite: str, kind: str) -> str:
    """The `suite` a judge's request is keyed under: the suite's name and what the judge
    was asked (`JUDGE_KINDS`), e.g. `refund-faq#judge:accuracy`.

    Why not the suite's name alone: a suite can grade accuracy with a judge and have its
    hallucination flags verified by one, both about sample 0 of a case; one recording of
    the run's judge replies (`--judge-record`) or one replay file given with `--judge`
    then holds both, told apart by this key. A hand-written replay line without `suite`
    still answers any of them (replay's rule)."""
    return f"{suite}#judge:{kind}"


# What a judge is asked, by the scorer that asks: the kind in its requests' keys.
JUDGE_KINDS = ("hallucination", "accuracy", "consistency", "rubric")


def _request(
    item: ScoringInput, index: int, system: str, user: str, kind: str = "hallucination"
) -> Request:
    """A judge's request about output `index`, keyed like the case's sample `index` (so a
    replay file of judge replies is written like a model's), under the suite key
    `judge_suite_key(suite, kind)`."""
    messages = (Message("system", system), Message("user", user))
    return Request(
        suite=judge_suite_key(item.suite.name, kind),
        case_id=item.case.id,
        variant=0,
        sample=index,
        messages=messages,
        prompt_sha256=prompt_sha256(messages),
    )


def judge_request(item: ScoringInput, index: int, knowledge: str, question: str) -> Request:
    """The judge's request for output `index` of the case (keyed as sample `index`), in
    Japanese when the case is (`SYSTEM_JA`)."""
    output = item.outputs[index]
    if is_cjk(output) or is_cjk(question) or is_cjk(knowledge):
        system, ask, none = SYSTEM_JA, "ANSWER のすべての記述は裏付けられていますか？", "（なし）"
    else:
        system, ask, none = SYSTEM, "Is every claim in the ANSWER supported?", "(none)"
    user = (
        f"KNOWLEDGE:\n{knowledge or none}\n\nQUESTION:\n{question or none}\n\n"
        f"ANSWER:\n{output}\n\n{ask}"
    )
    return _request(item, index, system, user, "hallucination")


class JudgeClients:
    """The judge clients of one run, shared by every `Judge` in it: one client per spec,
    folder and options, wrapped by `wrap` (the run's cache and `--judge-record`), so that
    judges of several metrics asking the same model share its connections and limits and
    write one recording. Closed once, by the pipeline, when the run ends."""

    def __init__(self, wrap: Callable[[Any], Any] | None = None) -> None:
        self.wrap = wrap
        self._clients: dict[tuple[str, str | None, str, str], Any] = {}

    def get(self, settings: Any) -> Any:
        import json

        from evalkit.clients import build_client

        key = (
            settings.name,
            settings.arg,
            str(settings.base_dir),
            json.dumps(settings.options, sort_keys=True, default=str),
        )
        if key not in self._clients:
            client = build_client(settings)
            self._clients[key] = self.wrap(client) if self.wrap is not None else client
        return self._clients[key]

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


class Judge:
    """Builds its client lazily (relative paths resolve against the first suite's folder)
    and caches it per folder; from `shared` (the run's `JudgeClients`) when the pipeline
    set it, which then closes them."""

    def __init__(self, config: JudgeConfig) -> None:
        self.config = config
        self._clients: dict[str, Any] = {}
        self.shared: JudgeClients | None = None
        # Usage of this judge's calls, reported apart from the model's (`judge_usage`).
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.token_reports = 0

    def client(self, item: ScoringInput) -> Any:
        from evalkit.clients import build_client, parse_spec

        key = str(item.suite.base_dir)
        if key not in self._clients:
            settings = parse_spec(
                self.config.client, item.suite.base_dir, dict(self.config.options)
            )
            shared = self.shared
            self._clients[key] = shared.get(settings) if shared else build_client(settings)
        return self._clients[key]

    async def aclose(self) -> None:
        """Close the clients this judge built (HTTP sessions); shared ones are the
        pipeline's to close."""
        clients, self._clients = list(self._clients.values()), {}
        if self.shared is not None:
            return
        for client in clients:
            await client.aclose()

    async def _ask(self, item: ScoringInput, index: int, request: Request) -> str:
        """The judge's reply text; raises `ScoringCallFailed` when the call fails."""
        client = self.client(item)
        done = client.complete_now(request)
        completion = done if done is not None else await client.complete(request)
        self.calls += 1
        if completion.input_tokens is not None or completion.output_tokens is not None:
            self.token_reports += 1
            self.input_tokens += completion.input_tokens or 0
            self.output_tokens += completion.output_tokens or 0
        if completion.error is not None or completion.output is None:
            raise ScoringCallFailed(
                f"judge ({self.config.client}) failed on {_label(item, index)}: "
                f"{completion.error or 'no output'}",
                "judge-error",
            )
        return str(completion.output)

    def _unreadable(self, item: ScoringInput, index: int, reply: str, expected: str) -> NoReturn:
        flat = " ".join(reply.split())
        shown = flat if len(flat) <= 160 else flat[:159] + "…"
        raise ScoringCallFailed(
            f"judge ({self.config.client}) reply on {_label(item, index)} cannot be read: "
            f"expected {expected} on its first line, got {shown!r}",
            "judge-unreadable",
        )

    async def verdict(
        self, item: ScoringInput, index: int, knowledge: str, question: str
    ) -> dict[str, Any]:
        """{"verdict": "supported"|"unsupported", "reasoning": str}. Raises
        `ScoringCallFailed` when the call fails or the reply has no readable verdict."""
        reply = await self._ask(item, index, judge_request(item, index, knowledge, question))
        supported, reasoning = parse_verdict(reply)
        if supported is None:
            self._unreadable(item, index, reply, "SUPPORTED or UNSUPPORTED")
        return {"verdict": "supported" if supported else "unsupported", "reasoning": reasoning}

    async def grade(
        self, item: ScoringInput, index: int, question: str, references: list[str], context: str
    ) -> dict[str, Any]:
        """{"grade": "correct"|"partial"|"incorrect", "reasoning": str}; raises as `verdict`."""
        request = grade_request(item, index, question, references, context)
        reply = await self._ask(item, index, request)
        grade, reasoning = parse_grade(reply)
        if grade is None:
            self._unreadable(item, index, reply, "CORRECT, PARTIAL or INCORRECT")
        return {"grade": grade, "reasoning": reasoning}

    async def equivalence(
        self, item: ScoringInput, outputs: list[str], question: str
    ) -> tuple[list[list[int]], str]:
        """(groups of indices into `outputs`, reasoning); raises as `verdict`."""
        reply = await self._ask(item, 0, equivalence_request(item, outputs, question))
        groups, reasoning = parse_equivalence(reply, len(outputs))
        if groups is None:
            self._unreadable(item, 0, reply, 'a JSON object {"groups": [[1, 2], [3]]}')
        return groups, reasoning


def judge_usage(scorers: Sequence[Any]) -> dict[str, Any] | None:
    """The judge calls of a run's scorers and their token counts, for the summary's `run`
    block apart from the model's `tokens`; None when no scorer has a judge. `input` and
    `output` are None when no judge reply reported usage (a replay file records none).
    Each call is counted once: scorers that share a reply (rubrics) made one call.

    `cost`: per currency, the estimate from the judges' `pricing` and the tokens their
    replies reported (`{"total", "calls"}`, the calls priced); empty when no judge has
    pricing or none reported usage. Replies from the cache count as if made, as the
    model's cost does: it says what judging these cases costs."""
    judges = [j for s in scorers if isinstance(j := getattr(s, "judge", None), Judge)]
    if not judges:
        return None
    reported = any(j.token_reports for j in judges)
    cost: dict[str, dict[str, Any]] = {}
    for j in judges:
        price = j.config.pricing
        if price is None or not j.token_reports:
            continue
        entry = cost.setdefault(price.currency, {"total": 0.0, "calls": 0})
        entry["total"] += price.cost(j.input_tokens, j.output_tokens)
        entry["calls"] += j.calls
    return {
        "calls": sum(j.calls for j in judges),
        "input": sum(j.input_tokens for j in judges) if reported else None,
        "output": sum(j.output_tokens for j in judges) if reported else None,
        "cost": dict(sorted(cost.items())),
    }


def _label(item: ScoringInput, index: int) -> str:
    return item.labels[index] if index < len(item.labels) else f"sample {index}"


def with_runner_options(
    suite: Suite,
    options: Mapping[str, Any],
    spec: str | None = None,
    pricing: Mapping[str, Any] | None = None,
) -> Suite:
    """`suite` with the runner's judge (`runner_judge`) for every metric that asks one:
    `--judge SPEC` as its client, `--judge-base-url` / `--judge-api-key-env` over its
    `options`, `--judge-pricing` as its `pricing`. Idempotent (the loader applies it, and the
    pipeline again).

    Why flags of their own rather than `--client` / `--base-url`: the judge is usually a
    different model than the one evaluated, often on another server (the model on a local
    vLLM, the judge at a hosted API), so the model's server or key must not silently
    become the judge's."""
    if not options and spec is None and not pricing:
        return suite
    scorers = {m: runner_judge(c, spec, options, pricing) for m, c in suite.scorers.items()}
    return replace(suite, scorers=scorers)
