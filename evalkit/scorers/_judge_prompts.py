"""What a judge is asked and how its reply is read: the system prompts (English and
Japanese), the requests (keyed like the case's samples, under `judge_suite_key`), and the
parsers of the three reply shapes — a verdict (SUPPORTED / UNSUPPORTED), a grade (CORRECT /
PARTIAL / INCORRECT) and groups of equivalent answers.

A module of its own (it was part of `_judge`): the wording and the parsing are one job,
tested reply by reply (`tests/scorers/test_*judge*.py`), apart from how `_judge.Judge`
calls clients, caches and counts.
"""

from __future__ import annotations

import re
from typing import Any

from evalkit.common.render import prompt_sha256
from evalkit.common.text import is_cjk
from evalkit.values import Message, Request, ScoringInput

__all__ = [
    "EQUIV_SYSTEM",
    "EQUIV_SYSTEM_JA",
    "GRADE_SYSTEM",
    "GRADE_SYSTEM_JA",
    "JUDGE_KINDS",
    "SYSTEM",
    "SYSTEM_JA",
    "equivalence_request",
    "grade_request",
    "judge_request",
    "judge_request_for",
    "judge_suite_key",
    "parse_equivalence",
    "parse_grade",
    "parse_verdict",
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
    return judge_request_for(item, index, system, user, "accuracy")


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
    return judge_request_for(
        item, 0, EQUIV_SYSTEM_JA if japanese else EQUIV_SYSTEM, user, "consistency"
    )


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


def judge_request_for(
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
    return judge_request_for(item, index, system, user, "hallucination")
