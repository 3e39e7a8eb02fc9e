"""The verdict's reasons, per language: a code (which sentence) and its values (already
formatted numbers, so a rate reads "12.5%" in every language).

`evalkit.verdict.rules` (and `merge`, `review`) say *which* reason and with what values; these
tables word it. English is the contract's wording (`pocs.<poc>.reasons` in summary.json
holds it verbatim); Japanese reads as a 報告書 would put it. A template is a format string
over the values, or a function of them where the wording branches (plurals, which bar).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from evalkit._i18n._phase import PHASE_NAME

Template = str | Callable[[Mapping[str, str]], str]

# Fragments shared by several English / Japanese templates.
_OBS_EN = "{label}: {rate} of cases failed ({failures}/{total}, {level} CI {lo}–{hi})"
_OBS_JA = "{label}：失敗率 {rate}（{failures}/{total}件、{level}信頼区間 {lo}–{hi}）"
_SHORT_EN = (
    _OBS_EN + "; the observed rate is within the tolerable {tolerable} but the interval reaches "
    "above it — not enough evidence: "
)
_SHORT_JA = (
    _OBS_JA + "。実測値は許容値 {tolerable} 以内ですが、区間の上限が許容値を超えており、"
    "根拠が不十分です。"
)
_EVIDENCE_EN = (
    "scorer flags {flag_rate} ({flagged}/{scored}); reviewers confirmed {confirmed} of "
    "{flagged_reviewed} flagged and found {found} of {unflagged_reviewed} unflagged failing"
)
_EVIDENCE_JA = (
    "自動採点の不合格判定 {flag_rate}（{flagged}/{scored}件）。人手レビューでは、不合格判定"
    "{flagged_reviewed}件中{confirmed}件を失敗と確認し、合格判定{unflagged_reviewed}件中"
    "{found}件に失敗を発見"
)
_REVIEWED_EN = "{label}: " + _EVIDENCE_EN + "; corrected {rate} ({level} CI {lo}–{hi})"
_REVIEWED_JA = "{label}：" + _EVIDENCE_JA + "。補正後の失敗率 {rate}（{level}信頼区間 {lo}–{hi}）"


# A review metric's failing answer (`values.REVIEW_METRICS`), as the reason says it.
_REVIEW_FAILURE = {
    "en": {
        "unusable": "not usable as is",
        "major_correction": "needing a major correction",
        "high_risk": "high risk if shipped",
    },
    "ja": {
        "unusable": "そのままでは使えない",
        "major_correction": "大幅な修正が必要",
        "high_risk": "そのまま出すとリスクが高い",
    },
}


def _review_metric(lang: str, tail: str) -> Callable[[Mapping[str, str]], str]:
    """A review metric's reason: who marked how many reviewed cases failing, then `tail`."""
    head = {
        "en": "{label}: reviewers marked {failures} of {total} reviewed cases {phrase} "
        "({rate}, {level} CI {lo}–{hi})",
        "ja": "{label}：レビュー済み{total}件中{failures}件が「{phrase}」と判定されました"
        "（{rate}、{level}信頼区間 {lo}–{hi}）",
    }[lang]

    def text(v: Mapping[str, str]) -> str:
        default = "failing" if lang == "en" else "不合格"
        phrase = _REVIEW_FAILURE[lang].get(v["metric"], default)
        return (head + tail).format_map({**v, "phrase": phrase})

    return text


# The monthly cost projection's reasons (`evalkit.verdict.projection`): the figures, then the verdict.
_PROJ_EN = (
    "monthly cost: projected {monthly} for {per_month} answers a month ({level} interval "
    "{lo}–{hi}, from {priced} cases with a known cost)"
)
_PROJ_JA = (
    "月額コスト：月{per_month}件の回答で {monthly} と見込まれます（{level}区間 {lo}–{hi}、"
    "コストが判明した{priced}件から）"
)


def _required(lang: str, body: str) -> Callable[[Mapping[str, str]], str]:
    """Evidence the phase requires and no suite asked for (`evalkit.verdict.requirements`): the
    value `phase` is the phase's key, `source` says where the list comes from ("phase": its
    default; "suite": the suites' `requires:`; "": said in an earlier reason)."""
    head = {
        "en": "required evidence for the {phase} phase is missing: ",
        "ja": "{phase}段階で必要な根拠がありません：",
    }[lang]
    sources = {
        "en": {
            "phase": " (what the {phase} phase requires by default; a suite's requires: "
            "changes the list)",
            "suite": " (named in the suites' requires:)",
        },
        "ja": {
            "phase": "（{phase}段階の既定の要件です。スイートの requires: で変更できます）",
            "suite": "（スイートの requires: で指定されています）",
        },
    }[lang]

    def text(v: Mapping[str, str]) -> str:
        phase = PHASE_NAME[lang].get(v["phase"], v["phase"])
        source = sources.get(v.get("source", ""), "")
        return (head + body + source).format_map({**v, "phase": phase})

    return text


def _reviewed_miss_en(v: Mapping[str, str]) -> str:
    side = "above" if v["side"] == "above" else "within"
    text = (_REVIEWED_EN + ", {side} the tolerable {tolerable} (stop at {stop})").format_map(
        {**v, "side": side}
    )
    if v.get("settle") == "reviews":
        more = int(v["more"])
        return (
            f"{text}; the interval straddles a bar: about {more} more "
            f"review{'' if more == 1 else 's'} would settle it"
        )
    if v.get("settle") == "cases":
        return (
            f"{text}; the interval straddles a bar and reviewing every case would not settle "
            "it: more cases are needed"
        )
    return text


def _reviewed_miss_ja(v: Mapping[str, str]) -> str:
    side = "を上回っています" if v["side"] == "above" else "以内です"
    text = (_REVIEWED_JA + "。許容値 {tolerable} {side}（中止基準 {stop}）").format_map(
        {**v, "side": side}
    )
    if v.get("settle") == "reviews":
        return f"{text}。区間が基準をまたいでいるため、あと約{v['more']}件レビューすれば確定します"
    if v.get("settle") == "cases":
        return (
            f"{text}。区間が基準をまたいでおり、全ケースをレビューしても確定しないため、"
            "ケースの追加が必要です"
        )
    return text


def _critical_failed_en(v: Mapping[str, str]) -> str:
    more = f" and {v['extra']} more" if v.get("extra") else ""
    consequence = (
        "critical_failure is stop" if v["stops"] == "yes" else "a critical case must never fail"
    )
    return f"critical cases failed ({v['count']}): {v['listed']}{more} — {consequence}"


def _critical_failed_ja(v: Mapping[str, str]) -> str:
    more = f" ほか{v['extra']}件" if v.get("extra") else ""
    consequence = (
        "critical_failure が stop に設定されているため中止と判定します"
        if v["stops"] == "yes"
        else "重要ケースは1件も失敗してはなりません"
    )
    return f"重要ケースが失敗しました（{v['count']}件）：{v['listed']}{more} — {consequence}"


def _partial_en(v: Mapping[str, str]) -> str:
    many_held = int(v["held_count"]) > 1
    many_missing = int(v["missing_count"]) > 1
    return (
        f"PARTIAL: merged only shard{'s' if many_held else ''} {v['held']} "
        f"({v['cases']} cases); shard{'s' if many_missing else ''} {v['missing']} "
        f"{'are' if many_missing else 'is'} missing, so this verdict is about "
        "part of the run's cases, not the whole run"
    )


REASONS: dict[str, dict[str, Template]] = {
    "en": {
        "text": "{text}",
        "metric_pass": _OBS_EN
        + ", within the tolerable {tolerable} even at the interval's upper end",
        "metric_stop": _OBS_EN
        + ", confidently beyond the stop limit {stop} (the whole interval is above it)",
        "metric_miss": _OBS_EN + ", above the tolerable {tolerable} (stop at {stop})",
        "metric_short_needed": _SHORT_EN
        + "about {needed} cases in total would be needed at the observed rate (have {total})",
        "metric_short_zero": _SHORT_EN
        + "tolerable 0 can never be confirmed by a finite number of cases; mark must-never-fail "
        "cases critical instead",
        "metric_short_on_bar": _SHORT_EN
        + "the observed rate sits on the bar, so no number of cases would confirm it",
        "metric_unscored": "{label}: no case was scored for this metric, so its bar cannot be checked",
        "no_thresholds": "no thresholds are set for this PoC, so nothing can confirm it meets a bar",
        "review_evidence": _EVIDENCE_EN,
        "reviewed_pass": _REVIEWED_EN
        + ", within the tolerable {tolerable} even at the interval's upper end",
        "reviewed_stop": _REVIEWED_EN + ", confidently beyond the stop limit {stop}",
        "reviewed_miss": _reviewed_miss_en,
        "critical_failed": _critical_failed_en,
        "critical_errored": (
            "critical cases got no output (client error), so they cannot be confirmed: {listed}"
        ),
        "errors_over_budget": (
            "client errors: {errors} of {cases} cases ({rate}) got no output, above the error "
            "budget of {budget}; they are not scored — fix the client or recordings and re-run"
        ),
        "errors_within_budget": (
            "client errors: {errors} of {cases} cases ({rate}) got no output and are not scored; "
            "within the error budget of {budget}"
        ),
        "partial_merge": _partial_en,
        "review_metric_unmeasured": (
            "{label}: not measured — no reviewed case answers the sheet's {column} column, so "
            "its bar cannot be checked; draw a sample with evalkit review sample and import it"
        ),
        "review_metric_pass": _review_metric(
            "en", ", within the tolerable {tolerable} even at the interval's upper end"
        ),
        "review_metric_stop": _review_metric("en", ", confidently beyond the stop limit {stop}"),
        "review_metric_short_needed": _review_metric(
            "en",
            "; within the tolerable {tolerable} but the interval reaches above it — not enough "
            "evidence: about {needed} reviewed cases in total would settle it (have {total})",
        ),
        "review_metric_short_on_bar": _review_metric(
            "en",
            "; within the tolerable {tolerable} but the interval reaches above it — not enough "
            "evidence: no number of reviewed cases would confirm it at this rate",
        ),
        "review_metric_miss": _review_metric(
            "en", ", above the tolerable {tolerable} (stop at {stop})"
        ),
        "projection_pass": _PROJ_EN
        + ", within the budget {budget} even at the interval's upper end",
        "projection_over": _PROJ_EN
        + ", over the budget {budget} (the whole interval is above it) — cut the cost per "
        "answer (shorter prompts or answers, a cheaper model) or revisit the budget",
        "projection_straddles": _PROJ_EN
        + "; the interval straddles the budget {budget} — not yet confirmed: about {needed} "
        "cases with a known cost in total would settle it",
        "projection_unsettleable": _PROJ_EN
        + "; the interval straddles the budget {budget} — not yet confirmed, and no number of "
        "cases would settle it (a month's own variation spans the budget)",
        "projection_single": (
            "monthly cost: projected {monthly} for {per_month} answers a month from a single "
            "case with a known cost, which gives no interval, so the budget {budget} is not "
            "yet confirmed — run more cases against the live model"
        ),
        "projection_unmeasured": (
            "monthly cost: not projected — none of the {cases} cases has a known cost (no token "
            "usage was reported, as replayed outputs never do), so the budget {budget} is "
            "unchecked — run against the live model, which reports token usage"
        ),
        "required_review": _required(
            "en",
            "the human correction rate — no review of this PoC states how much correction an "
            "answer needs; draw a sample (evalkit review sample), fill in its correction column "
            "and import it (evalkit review import)",
        ),
        "required_budget": _required(
            "en",
            "a monthly budget — set volume: {{per_month: N}} and budget_per_month to judge the "
            "projected monthly cost",
        ),
        "required_latency": _required(
            "en",
            "a latency bar — set scorers.latency.max_s and thresholds.latency and run against "
            "the live model",
        ),
        "required_cost": _required(
            "en", "a cost bar — set pricing, scorers.cost.max_usd and thresholds.cost"
        ),
        "required_metric": _required(
            "en", "a {metric} bar — set thresholds.{metric} (tolerable and stop)"
        ),
    },
    "ja": {
        "text": "{text}",
        "metric_pass": _OBS_JA + "。区間の上限でも許容値 {tolerable} 以内です",
        "metric_stop": _OBS_JA + "。区間全体が中止基準 {stop} を上回っており、基準超過は確実です",
        "metric_miss": _OBS_JA + "。許容値 {tolerable} を上回っています（中止基準 {stop}）",
        "metric_short_needed": _SHORT_JA
        + "この失敗率のままであれば、合計約{needed}件のケースが必要です（現在{total}件）",
        "metric_short_zero": _SHORT_JA
        + "許容値0%は有限のケース数では確認できません。絶対に失敗してはならないケースは "
        "critical に指定してください",
        "metric_short_on_bar": _SHORT_JA
        + "実測値が許容値と同じため、ケースをいくら増やしても確認できません",
        "metric_unscored": "{label}：採点されたケースがないため、基準を確認できません",
        "no_thresholds": "このPoCには基準（thresholds）が設定されていないため、基準達成を確認できません",
        "review_evidence": _EVIDENCE_JA,
        "reviewed_pass": _REVIEWED_JA + "。区間の上限でも許容値 {tolerable} 以内です",
        "reviewed_stop": _REVIEWED_JA + "。中止基準 {stop} を明確に上回っています",
        "reviewed_miss": _reviewed_miss_ja,
        "critical_failed": _critical_failed_ja,
        "critical_errored": (
            "重要ケースで出力が得られなかった（クライアントエラー）ため、確認できません：{listed}"
        ),
        "errors_over_budget": (
            "クライアントエラー：{cases}件中{errors}件（{rate}）で出力が得られず、エラー許容枠 "
            "{budget} を超えています。これらは採点していません。クライアントまたは記録済み出力を"
            "修正して再実行してください"
        ),
        "errors_within_budget": (
            "クライアントエラー：{cases}件中{errors}件（{rate}）で出力が得られず、採点対象外と"
            "しました。エラー許容枠 {budget} の範囲内です"
        ),
        "partial_merge": (
            "部分マージ：シャード {held} のみを統合しました（{cases}件）。シャード {missing} が"
            "欠けているため、この判定は実行全体ではなく一部のケースに基づいています"
        ),
        "review_metric_unmeasured": (
            "{label}：未計測。レビューシートの {column} 列に回答したケースがないため、基準を"
            "確認できません。evalkit review sample でサンプルを抽出し、記入済みシートを取り込んで"
            "ください"
        ),
        "review_metric_pass": _review_metric("ja", "。区間の上限でも許容値 {tolerable} 以内です"),
        "review_metric_stop": _review_metric("ja", "。中止基準 {stop} を明確に上回っています"),
        "review_metric_short_needed": _review_metric(
            "ja",
            "。許容値 {tolerable} 以内ですが、区間の上限が許容値を超えており、根拠が不十分です。"
            "レビュー済みケースが合計約{needed}件あれば確定します（現在{total}件）",
        ),
        "review_metric_short_on_bar": _review_metric(
            "ja",
            "。許容値 {tolerable} 以内ですが、区間の上限が許容値を超えており、根拠が不十分です。"
            "この割合では、レビュー件数をいくら増やしても確認できません",
        ),
        "review_metric_miss": _review_metric(
            "ja", "。許容値 {tolerable} を上回っています（中止基準 {stop}）"
        ),
        "projection_pass": _PROJ_JA + "。区間の上限でも予算 {budget} 以内です",
        "projection_over": _PROJ_JA
        + "。区間全体が予算 {budget} を上回っています。1回答あたりのコストを下げる（プロンプトや"
        "回答を短くする、安価なモデルにする）か、予算を見直してください",
        "projection_straddles": _PROJ_JA
        + "。区間が予算 {budget} をまたいでおり、未確定です。コストが判明したケースが合計約"
        "{needed}件あれば確定します",
        "projection_unsettleable": _PROJ_JA
        + "。区間が予算 {budget} をまたいでおり、未確定です。月ごとの変動だけで予算をまたぐため、"
        "ケースをいくら増やしても確定しません",
        "projection_single": (
            "月額コスト：コストが判明したケースが1件のみです。月{per_month}件の回答で {monthly} "
            "と見込まれますが、区間を求められないため予算 {budget} は未確認です。実モデルに対して"
            "ケースを増やして実行してください"
        ),
        "projection_unmeasured": (
            "月額コスト：見積もれません。{cases}件のいずれもコストが不明です（トークン使用量が"
            "返されていません。再生した出力には含まれません）。このため予算 {budget} は未確認です。"
            "トークン使用量を返す実モデルに対して実行してください"
        ),
        "required_review": _required(
            "ja",
            "人手による修正率。このPoCの回答にどの程度の修正が必要かを記したレビューがありません。"
            "evalkit review sample でサンプルを抽出し、correction 列に記入して取り込んでください"
            "（evalkit review import）",
        ),
        "required_budget": _required(
            "ja",
            "月額予算。volume: {{per_month: N}} と budget_per_month を設定して、見込み月額コストを"
            "判定してください",
        ),
        "required_latency": _required(
            "ja",
            "応答時間の基準。scorers.latency.max_s と thresholds.latency を設定し、実モデルに"
            "対して実行してください",
        ),
        "required_cost": _required(
            "ja", "コストの基準。pricing・scorers.cost.max_usd・thresholds.cost を設定してください"
        ),
        "required_metric": _required(
            "ja", "{metric} の基準。thresholds.{metric}（tolerable と stop）を設定してください"
        ),
    },
}
