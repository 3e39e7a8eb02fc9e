"""The scorers' per-case reasons, per language: codes of `Said` values (see
`evalkit._i18n.Said`) and their wording.

English is the contract's wording (`scores.<metric>.reason` in `cases.jsonl` holds it
verbatim, and tests pin it); Japanese reads as a 報告書's case table would put it. Quoted
text (an output's claim, a reference, the unstated words) is shown as written in both. A
template is a format string over the values, or a function of them where the wording
branches (plurals, optional parts) or joins a list (a tuple value). An English template
gets the values as they are (a nested `Said` words itself in English through `str` and
`format`, so English lists are joined with `map(str, …)`); any other language gets them
worded already (a tuple as a tuple of strings). Codes are grouped by scorer: `hal.`
hallucination, `acc.` accuracy, `con.` consistency, `rub.` rubric, `ops.` operational;
`units` and `all` are shared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["CASE_REASONS", "label_text", "rule_words"]

Template = str | Callable[[Mapping[str, Any]], str]


def rule_words(rule: str, lang: str = "en") -> str:
    """A samples rule as a reason says it: "a majority", "at least 50%" / 「過半数」,
    「50%以上」. `rule` is how `Said` values hold it: majority, all, any or a share."""
    words = {
        "en": {"majority": "a majority", "all": "all", "any": "at least one"},
        "ja": {"majority": "過半数", "all": "全件", "any": "1件以上"},
    }[lang if lang == "ja" else "en"]
    if rule in words:
        return words[rule]
    share = f"{float(rule):.0%}"
    return f"{share}以上" if lang == "ja" else f"at least {share}"


def _s(n: Any) -> str:
    return "" if str(n) == "1" else "s"


_LABEL_PART = re.compile(r"\b(sample|variant) (\d+)")


def _label_ja(label: str) -> str:
    """ "variant 1 sample 0" → 「バリアント1 サンプル0」 (a label of another shape as is)."""
    return _LABEL_PART.sub(
        lambda m: ("サンプル" if m.group(1) == "sample" else "バリアント") + m.group(2), label
    )


def _names_en(labels: tuple[str, ...]) -> str:
    """ "sample 2" / "samples 0, 1" / "sample 0, variant 1 sample 0"."""
    if all(label.startswith("sample ") for label in labels):
        nums = ", ".join(label.removeprefix("sample ") for label in labels)
        return f"sample{'s' if len(labels) > 1 else ''} {nums}"
    return ", ".join(labels)


def _names_ja(labels: tuple[str, ...]) -> str:
    """「サンプル2」 / 「サンプル0, 1」 / 「サンプル0, バリアント1 サンプル0」."""
    if all(label.startswith("sample ") for label in labels):
        return "サンプル" + ", ".join(label.removeprefix("sample ") for label in labels)
    return ", ".join(_label_ja(label) for label in labels)


def _says_en(v: Mapping[str, Any]) -> str:
    s = "s" if len(v["labels"]) == 1 else ""
    return f"{_names_en(v['labels'])} say{s} '{v['output']}'" + (
        f" ({v['how']})" if v.get("how") else ""
    )


def label_text(label: str, lang: str = "en") -> str:
    """An output's label ("variant 1 sample 0") as `lang` says it."""
    return _label_ja(label) if lang == "ja" else label


# A judge's grade of an answer (`acc.grade`), as a Japanese case table says it.
_GRADE_JA = {"correct": "正解", "partial": "部分的に正解", "incorrect": "不正解"}


def _expected_en(v: Mapping[str, Any]) -> str:
    """What an accuracy reason expected: the references (`refs`, a tuple, and how many
    `more`), or a refusal (`refusal`) for an unanswerable case."""
    if v.get("refusal"):
        return "a refusal (the question is not answerable)"
    more = v.get("more")
    return " or ".join(map(repr, v["refs"])) + (f" (+{more} more)" if more else "")


def _expected_ja(v: Mapping[str, Any]) -> str:
    if v.get("refusal"):
        return "回答の辞退（回答できない質問のため）"
    more = v.get("more")
    return "または".join(f"「{r}」" for r in v["refs"]) + (f"（ほか{more}件）" if more else "")


def _more_en(v: Mapping[str, Any]) -> str:
    return f" | … {v['more']} more" if v.get("more") else ""


def _more_ja(v: Mapping[str, Any]) -> str:
    return f" | …ほか{v['more']}件" if v.get("more") else ""


_EN: dict[str, Template] = {
    # shared
    "all": lambda v: "; ".join(map(str, v["items"])),
    "units": lambda v: v["shown"] + (f" (+{v['more']} more)" if v.get("more") else ""),
    # rubric (`rub.`): the criterion as the suite writes it, quoted as Python would
    "rub.meets": "rubric: meets {criterion}",
    "rub.misses": "rubric: does not meet {criterion}",
    "rub.some": lambda v: (
        f"rubric: {v['k']} of {v['n']} outputs meet {v['criterion']} "
        f"({rule_words(v['rule'])} needed)"
    ),
    "rub.judged": lambda v: f"{v['reason']}; judge — " + " | ".join(map(str, v["failing"])),
    "rub.why": "{label}: {why}",
    # hallucination: the case
    "hal.clean": lambda v: (
        f"no hallucination in {v['n']} output{_s(v['n'])}: "
        "every claim is supported by the knowledge"
    ),
    "hal.clean_declined": lambda v: (
        f"no hallucination in {v['n']} output{_s(v['n'])} ({v['declined']} declined)"
    ),
    "hal.clean_note": lambda v: f"no hallucination in {v['n']} output{_s(v['n'])}: {v['note']}",
    "hal.clean_least": "no hallucination in {n} outputs; least supported, {label}: {note}",
    "hal.note": lambda v: (
        f"support {v['support']}, risk {v['risk']}"
        + (f"; not in the knowledge: {v['units']}" if v.get("units") else "")
    ),
    "hal.output": lambda v: f"{v['label']}: " + "; ".join(map(str, v["findings"])),
    "hal.one": "hallucination: {output}",
    "hal.some_pass": lambda v: (
        f"{v['ok']} of {v['n']} outputs free of hallucination ({rule_words(v['rule'])} "
        "needed); flagged: " + " | ".join(map(str, v["outputs"])) + _more_en(v)
    ),
    "hal.some_fail": lambda v: (
        f"{v['bad']} of {v['n']} outputs hallucinate ({rule_words(v['rule'])} must be free "
        "of it): " + " | ".join(map(str, v["outputs"])) + _more_en(v)
    ),
    # hallucination: one output's findings
    "hal.unanswerable": "answers although the case is unanswerable (it should decline)",
    "hal.closer_false": (
        "closer to the false answer '{which}' ({worst}) than to any true answer ({true})"
    ),
    "hal.forbidden": "matches the known-false answer '{bad}'",
    "hal.not_stated": "not in the knowledge: {units}",
    "hal.risk": "hallucination risk {risk} (support {support}); not in the knowledge: {units}",
    "hal.claim": "'{claim}' — {what}",
    "hal.says": "says '{said}' where the knowledge says '{knowledge}'",
    "hal.names": "names the knowledge never writes: {names}",
    "hal.unsupported_words": "unsupported words: {units}",
    "hal.unbound": "never stated together in the knowledge: {words}",
    "hal.topic_swap": "says of {topic} what the knowledge says of {other}: {word}",
    "hal.negates": "negates what the knowledge does not negate",
    "hal.negated": "the knowledge negates it",
    "hal.agent": "says {agent} {verb} {work}; the knowledge: {verb} by {theirs}",
    "hal.both": "says 'both', but the knowledge does not state it of {names}",
    "hal.picks": "picks {named} ({year}) where the knowledge's years point to {expected} ({theirs})",
    "hal.judge": "the judge finds it unsupported: {reasoning}",
    "hal.rel_role_other": "the knowledge says it was {verb} by {agents}",
    "hal.rel_role_unnamed": "the knowledge's '{verb} by {agent}' sentences do not name it",
    "hal.rel_option": "the knowledge links {theirs} to {other}, not to {picked}",
    "hal.rel_sibling": "the knowledge says what the question asks of {item}, not of {mine}",
    # accuracy (`acc.`)
    "acc.one_match": lambda v: (
        f"{v['method']}: output matches {_expected_en(v)}; found {v['found']}"
    ),
    "acc.one_miss": lambda v: (
        f"{v['method']}: output does not match {_expected_en(v)}; found {v['found']}"
    ),
    "acc.samples": lambda v: (
        f"{v['method']}: {v['ok']} of {v['n']} samples match {_expected_en(v)} "
        f"({rule_words(v['rule'])} needed)"
        + (f"; wrong — {' | '.join(map(str, v['wrong']))}" if v["wrong"] else "")
    ),
    "acc.wrong": "{label}: {found}",
    "acc.similarity": "{output} (similarity {sim}, needs {needs})",
    "acc.bad_regex": lambda v: f"invalid regular expression {v['pattern']!r}: {v['error']}",
    "acc.ref_no_number": lambda v: f"reference {v['ref']!r} has no number",
    "acc.no_number": lambda v: f"no number in {v['output']!r}",
    "acc.numbers_in": lambda v: f"{v['numbers']} in {v['output']!r}",
    "acc.no_choice": lambda v: f"no choice in {v['output']!r}",
    "acc.choices": lambda v: (
        f"several choices ({', '.join(map(str, v['choices']))}) in {v['output']!r}"
    ),
    "acc.choice": lambda v: f"choice {v['choice']!r}",
    "acc.ref_not_json": lambda v: f"reference is not JSON: {v['ref']!r}",
    "acc.no_json": lambda v: f"no JSON in output {v['output']!r}",
    "acc.bad_json": lambda v: (
        f"output is not valid JSON ({v['error']} at char {v['at']}): {v['output']!r}"
    ),
    "acc.schema": lambda v: f"JSON fails the schema at {v['where'] or '(root)'}: {v['message']}",
    "acc.not_object": "expected a JSON object, got {type}",
    "acc.field_missing": "{key} missing",
    "acc.field_wrong": "{key}={got} (expected {want})",
    "acc.fields_match": "all fields match",
    "acc.grade": "{grade}: {output}",
    # consistency (`con.`)
    "con.agree_all": "all {n} outputs agree: '{output}'",
    "con.agree_some": lambda v: (
        f"{v['k']} of {v['n']} outputs agree: "
        + "; ".join(map(str, v["others"]))
        + " where "
        + _says_en(v)
    ),
    "con.says": _says_en,
    "con.pairwise": (
        "mean pairwise similarity {score} (threshold {threshold}); least similar: "
        "{label} '{output}' vs {other_label} '{other}' ({low})"
    ),
    "con.all_correct": "all {n} outputs are correct: consistent",
    "con.all_wrong": "all {n} outputs are wrong: consistent",
    "con.outcomes": lambda v: (
        f"{v['k']} of {v['n']} outputs correct: {_names_en(v['wrong'])} wrong where "
        f"{_names_en(v['right'])} right"
    ),
    "con.noted": "{reason}{note}",
    "con.collapsed": lambda v: f" ({v['n']} repeated replay/cache output{_s(v['n'])} counted once)",
    "con.one_text": (
        " (all {n} outputs are one identical {sources} text: "
        "check the recordings hold independent samples)"
    ),
    "con.judged": "{reason}; judge: {reasoning}",
    "con.declines": "declines where the other answers",
    "con.answers": "answers where the other declines",
    "con.opposite_yes_no": "opposite yes/no",
    "con.negates": "one negates what the other states",
    "con.numbers": "different numbers",
    "con.other_says": "'{mine}' where the other says '{theirs}'",
    "con.names": "different names",
    # operational and rubric (`ops.`, `rub.`)
    "ops.latency_within": "slowest response {slowest} s, within {max} s",
    "ops.latency_over": lambda v: (
        f"{v['over']} of {v['n']} responses over {v['max']} s "
        f"({rule_words(v['rule'])} must be within): " + ", ".join(map(str, v["late"]))
    ),
    "ops.late": "{label} {took} s",
    "ops.cost_within": "{cost} {unit} for {ins} input + {outs} output tokens, within {max} {unit}",
    "ops.cost_over": "{cost} {unit} for {ins} input + {outs} output tokens, over {max} {unit}",
    "ops.tokens_within": "{total} tokens ({ins} in, {outs} out), within {max}",
    "ops.tokens_over": "{total} tokens ({ins} in, {outs} out), over {max}",
}

_JA: dict[str, Template] = {
    "all": lambda v: "；".join(v["items"]),
    "units": lambda v: v["shown"] + (f"（ほか{v['more']}語）" if v.get("more") else ""),
    "rub.meets": "ルーブリック：{criterion} を満たす",
    "rub.misses": "ルーブリック：{criterion} を満たさない",
    "rub.some": lambda v: (
        f"ルーブリック：{v['n']}件中{v['k']}件の出力が {v['criterion']} を満たす"
        f"（{rule_words(v['rule'], 'ja')}が必要）"
    ),
    "rub.judged": lambda v: f"{v['reason']}。判定モデル — " + " | ".join(v["failing"]),
    "rub.why": lambda v: f"{_label_ja(v['label'])}：{v['why']}",
    "hal.clean": "{n}件の出力にハルシネーションなし：どの主張も根拠資料に裏付けられています",
    "hal.clean_declined": "{n}件の出力にハルシネーションなし（{declined}件は回答を辞退）",
    "hal.clean_note": "{n}件の出力にハルシネーションなし：{note}",
    "hal.clean_least": lambda v: (
        f"{v['n']}件の出力にハルシネーションなし。最も裏付けの弱い{_label_ja(v['label'])}："
        f"{v['note']}"
    ),
    "hal.note": lambda v: (
        f"支持率 {v['support']}、リスク {v['risk']}"
        + (f"。根拠資料にない語：{v['units']}" if v.get("units") else "")
    ),
    "hal.output": lambda v: f"{_label_ja(v['label'])}：" + "；".join(v["findings"]),
    "hal.one": "ハルシネーション：{output}",
    "hal.some_pass": lambda v: (
        f"{v['n']}件中{v['ok']}件はハルシネーションなし（{rule_words(v['rule'], 'ja')}が必要）。"
        "指摘：" + " | ".join(v["outputs"]) + _more_ja(v)
    ),
    "hal.some_fail": lambda v: (
        f"{v['n']}件中{v['bad']}件にハルシネーション（{rule_words(v['rule'], 'ja')}が"
        "ハルシネーションなしである必要あり）：" + " | ".join(v["outputs"]) + _more_ja(v)
    ),
    "hal.unanswerable": "回答できないケースなのに回答している（回答を辞退すべき）",
    "hal.closer_false": "誤答「{which}」（{worst}）の方が、どの正答（{true}）よりも近い",
    "hal.forbidden": "既知の誤答「{bad}」と一致",
    "hal.not_stated": "根拠資料にない：{units}",
    "hal.risk": "ハルシネーションのリスク {risk}（支持率 {support}）。根拠資料にない語：{units}",
    "hal.claim": "「{claim}」— {what}",
    "hal.says": "根拠資料は「{knowledge}」なのに「{said}」としている",
    "hal.names": "根拠資料に書かれていない名前：{names}",
    "hal.unsupported_words": "根拠資料に裏付けのない語：{units}",
    "hal.unbound": "根拠資料では一緒に述べられていない：{words}",
    "hal.topic_swap": "根拠資料が{other}について述べていることを{topic}について述べている：{word}",
    "hal.negates": "根拠資料が否定していないことを否定している",
    "hal.negated": "根拠資料はこれを否定している",
    "hal.agent": "{agent} が {work} を {verb} としているが、根拠資料では {verb} by {theirs}",
    "hal.both": "「both（両方）」としているが、根拠資料は {names} についてそう述べていない",
    "hal.picks": "{named}（{year}）を選んでいるが、根拠資料の年からは {expected}（{theirs}）",
    "hal.judge": "判定モデルは裏付けなしと判断：{reasoning}",
    # The relation checks read English text only (`scorers._relations`): English words kept.
    "hal.rel_role_other": "根拠資料では {verb} by {agents}",
    "hal.rel_role_unnamed": "根拠資料の「{verb} by {agent}」の文はこれを挙げていない",
    "hal.rel_option": "根拠資料は {theirs} を {picked} ではなく {other} と結び付けている",
    "hal.rel_sibling": "質問の内容を根拠資料が述べているのは {mine} ではなく {item} について",
    # accuracy (`acc.`)
    "acc.one_match": lambda v: (
        f"{v['method']}：出力は{_expected_ja(v)}と一致。確認結果：{v['found']}"
    ),
    "acc.one_miss": lambda v: (
        f"{v['method']}：出力は{_expected_ja(v)}と一致しない。確認結果：{v['found']}"
    ),
    "acc.samples": lambda v: (
        f"{v['method']}：{v['n']}件中{v['ok']}件のサンプルが{_expected_ja(v)}と一致"
        f"（{rule_words(v['rule'], 'ja')}が必要）"
        + (f"。不一致：{' | '.join(v['wrong'])}" if v["wrong"] else "")
    ),
    "acc.wrong": lambda v: f"{_label_ja(v['label'])}：{v['found']}",
    "acc.similarity": "{output}（類似度 {sim}、必要 {needs}）",
    "acc.bad_regex": "正規表現「{pattern}」が不正：{error}",
    "acc.ref_no_number": "参照回答「{ref}」に数値がない",
    "acc.no_number": "「{output}」に数値がない",
    "acc.numbers_in": "「{output}」の数値：{numbers}",
    "acc.no_choice": "「{output}」に選択肢がない",
    "acc.choices": lambda v: f"「{v['output']}」に複数の選択肢（{'、'.join(v['choices'])}）",
    "acc.choice": "選択肢「{choice}」",
    "acc.ref_not_json": "参照回答がJSONではない：「{ref}」",
    "acc.no_json": "出力にJSONがない：「{output}」",
    "acc.bad_json": "出力が正しいJSONではない（{at}文字目：{error}）：「{output}」",
    "acc.schema": lambda v: f"JSONがスキーマに合わない（{v['where'] or 'ルート'}）：{v['message']}",
    "acc.not_object": "JSONオブジェクトではなく {type}",
    "acc.field_missing": "{key} がない",
    "acc.field_wrong": "{key}={got}（期待値 {want}）",
    "acc.fields_match": "全フィールドが一致",
    "acc.grade": lambda v: f"{_GRADE_JA.get(v['grade'], v['grade'])}：{v['output']}",
    # consistency (`con.`)
    "con.agree_all": "{n}件の出力がすべて一致：「{output}」",
    "con.agree_some": lambda v: (
        f"{v['n']}件中{v['k']}件の出力が一致："
        + "；".join(v["others"])
        + "。一方、"
        + f"{_names_ja(v['labels'])}は「{v['output']}」"
    ),
    "con.says": lambda v: (
        f"{_names_ja(v['labels'])}は「{v['output']}」" + (f"（{v['how']}）" if v.get("how") else "")
    ),
    "con.pairwise": lambda v: (
        f"ペアごとの類似度の平均 {v['score']}（閾値 {v['threshold']}）。最も似ていないのは "
        f"{_label_ja(v['label'])}「{v['output']}」と{_label_ja(v['other_label'])}"
        f"「{v['other']}」（{v['low']}）"
    ),
    "con.all_correct": "{n}件の出力がすべて正解：一貫している",
    "con.all_wrong": "{n}件の出力がすべて不正解：一貫している",
    "con.outcomes": lambda v: (
        f"{v['n']}件中{v['k']}件の出力が正解：{_names_ja(v['wrong'])}が不正解、"
        f"{_names_ja(v['right'])}が正解"
    ),
    "con.noted": "{reason}{note}",
    "con.collapsed": "（リプレイ／キャッシュの重複出力{n}件は1件として数えた）",
    "con.one_text": (
        "（{n}件の出力はすべて同一の{sources}テキスト：記録が独立したサンプルか確認してください）"
    ),
    "con.judged": "{reason}。判定モデル：{reasoning}",
    "con.declines": "他方は回答しているのに回答を辞退",
    "con.answers": "他方は回答を辞退しているのに回答",
    "con.opposite_yes_no": "はい／いいえが逆",
    "con.negates": "一方が他方の述べることを否定",
    "con.numbers": "数値が異なる",
    "con.other_says": "他方は「{theirs}」なのに「{mine}」",
    "con.names": "名前が異なる",
    # operational and rubric (`ops.`, `rub.`)
    "ops.latency_within": "最も遅い応答 {slowest} 秒、上限 {max} 秒以内",
    "ops.latency_over": lambda v: (
        f"{v['n']}件中{v['over']}件の応答が {v['max']} 秒を超過"
        f"（{rule_words(v['rule'], 'ja')}が上限内である必要あり）：" + "、".join(v["late"])
    ),
    "ops.late": lambda v: f"{_label_ja(v['label'])} {v['took']} 秒",
    "ops.cost_within": "{cost} {unit}（入力 {ins} + 出力 {outs} トークン）、上限 {max} {unit} 以内",
    "ops.cost_over": "{cost} {unit}（入力 {ins} + 出力 {outs} トークン）、上限 {max} {unit} を超過",
    "ops.tokens_within": "{total} トークン（入力 {ins}、出力 {outs}）、上限 {max} 以内",
    "ops.tokens_over": "{total} トークン（入力 {ins}、出力 {outs}）、上限 {max} を超過",
}

CASE_REASONS: dict[str, dict[str, Template]] = {"en": _EN, "ja": _JA}
