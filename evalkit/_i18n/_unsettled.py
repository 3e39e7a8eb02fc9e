"""What the next phase still needs (`evalkit.verdict.unsettled` keys), per language, with {values}."""

from __future__ import annotations

from collections.abc import Mapping

from evalkit._i18n._phase import PHASE_NAME
from evalkit._i18n._reasons import Template


def _phase(lang: str, template: str) -> Template:
    """A template whose value `phase` is the phase's key, named in the language."""

    def text(v: Mapping[str, str]) -> str:
        return template.format_map({**v, "phase": PHASE_NAME[lang].get(v["phase"], v["phase"])})

    return text


def _straddles_ja(v: Mapping[str, str]) -> str:
    bar = "中止基準" if v["bar"] == "stop" else "許容値"
    text = f"{v['label']}：根拠不足。区間 {v['lo']}–{v['hi']} が{bar} {v['at']} をまたいでいます"
    if "needed" in v:
        return f"{text}。合計約{v['needed']}件のケースがあれば確定できます"
    return text


UNSETTLED: dict[str, dict[str, Template]] = {
    "en": {
        "partial_merge": "partial merge: some shards are missing, so part of the cases was not run",
        "shard": "only shard {shard} of the cases was run: merge every shard for the whole run",
        "error_budget": (
            "client errors: {errors} of {cases} cases ({rate}) got no output, over the error "
            "budget of {budget}: those cases are not judged"
        ),
        "stale": (
            "stale recordings: {count} recorded outputs were made for a different prompt: "
            "re-record them (evalkit run --record)"
        ),
        "no_latency_bar": (
            "latency: no bar — set scorers.latency.max_s and thresholds.latency and run against "
            "the live model to judge response time"
        ),
        "latency_unmeasured": (
            "latency: not measured — replayed or cached outputs carry no response time; run "
            "against the live model"
        ),
        "no_cost_bar": (
            "cost: no bar — set pricing, scorers.cost.max_usd and thresholds.cost to judge the "
            "cost per case"
        ),
        "cost_unmeasured": "cost: not measured — the client reported no token usage",
        "no_reviews": (
            "human review: none — how often a person must correct the answers is unmeasured; "
            "draw a sample with evalkit review sample"
        ),
        "unscored": "{label}: no case was scored, so its bar is unchecked",
        "unreviewed": (
            "{label}: not measured — reviewers have answered it for no case; draw a sample "
            "with evalkit review sample and import the filled sheet"
        ),
        "straddles": "{label}: not enough evidence — its interval {lo}–{hi} straddles the {bar} {at}",
        "straddles_needed": (
            "{label}: not enough evidence — its interval {lo}–{hi} straddles the {bar} {at}; "
            "about {needed} cases in total would settle it"
        ),
        "no_volume": (
            "monthly cost: no projection — set volume: {{per_month: N}} with pricing (and "
            "budget_per_month) to project what the feature costs a month"
        ),
        "no_budget": "monthly cost: projected {monthly}, but no budget_per_month to judge it against",
        "projection_unmeasured": (
            "monthly cost: not projected — no case has a known cost (no token usage was "
            "reported, as replayed outputs never do); run against the live model"
        ),
        "projection_single": (
            "monthly cost: a single case with a known cost gives no interval; run more cases "
            "against the live model"
        ),
        "projection_straddles": (
            "monthly cost: its interval {lo}–{hi} straddles the budget {budget}; no number of "
            "cases would settle it"
        ),
        "projection_straddles_needed": (
            "monthly cost: its interval {lo}–{hi} straddles the budget {budget}; about "
            "{needed} cases with a known cost in total would settle it"
        ),
        "required_review": _phase(
            "en",
            "human correction rate: required for the {phase} phase but not measured — review a "
            "sample (evalkit review sample) and fill in its correction column",
        ),
        "required_budget": _phase(
            "en",
            "monthly budget: required for the {phase} phase but not set — set volume and "
            "budget_per_month",
        ),
        "required_latency": _phase(
            "en",
            "latency: required for the {phase} phase but no bar is set — set "
            "scorers.latency.max_s and thresholds.latency and run against the live model",
        ),
        "required_cost": _phase(
            "en",
            "cost: required for the {phase} phase but no bar is set — set pricing, "
            "scorers.cost.max_usd and thresholds.cost",
        ),
        "required_metric": _phase(
            "en",
            "{metric}: required for the {phase} phase but no bar is set — set thresholds.{metric}",
        ),
    },
    "ja": {
        "partial_merge": "部分マージ：欠けているシャードがあり、一部のケースが未実行です",
        "shard": "シャード {shard} のケースのみ実行しました。全体を評価するには全シャードをマージしてください",
        "error_budget": (
            "クライアントエラー：{cases}件中{errors}件（{rate}）で出力が得られず、エラー許容枠 "
            "{budget} を超えています。これらのケースは判定されていません"
        ),
        "stale": (
            "古い記録：記録済み出力のうち{count}件は別のプロンプトで作成されたものです。"
            "再記録してください（evalkit run --record）"
        ),
        "no_latency_bar": (
            "応答時間：基準未設定。scorers.latency.max_s と thresholds.latency を設定し、"
            "実モデルに対して実行して応答時間を判定してください"
        ),
        "latency_unmeasured": (
            "応答時間：未計測。再生・キャッシュした出力には応答時間がありません。"
            "実モデルに対して実行してください"
        ),
        "no_cost_bar": (
            "コスト：基準未設定。pricing・scorers.cost.max_usd・thresholds.cost を設定して、"
            "1件あたりのコストを判定してください"
        ),
        "cost_unmeasured": "コスト：未計測。クライアントからトークン使用量が返されていません",
        "no_reviews": (
            "人手レビュー：未実施。回答をどの程度人手で修正する必要があるかは未計測です。"
            "evalkit review sample でレビュー用のサンプルを抽出してください"
        ),
        "unscored": "{label}：採点されたケースがないため、基準は未確認です",
        "unreviewed": (
            "{label}：未計測。この項目に回答したレビューがまだありません。evalkit review sample "
            "でサンプルを抽出し、記入済みシートを取り込んでください"
        ),
        "straddles": _straddles_ja,
        "straddles_needed": _straddles_ja,
        "no_volume": (
            "月額コスト：見積もりなし。volume: {{per_month: N}} と pricing（と budget_per_month）を"
            "設定すると、月額コストを見積もります"
        ),
        "no_budget": "月額コスト：{monthly} と見込まれますが、判定に使う budget_per_month が未設定です",
        "projection_unmeasured": (
            "月額コスト：見積もれません。コストが判明したケースがありません（トークン使用量が"
            "返されていません。再生した出力には含まれません）。実モデルに対して実行してください"
        ),
        "projection_single": (
            "月額コスト：コストが判明したケースが1件のみで、区間を求められません。実モデルに対して"
            "ケースを増やして実行してください"
        ),
        "projection_straddles": (
            "月額コスト：区間 {lo}–{hi} が予算 {budget} をまたいでおり、ケースを増やしても"
            "確定しません"
        ),
        "projection_straddles_needed": (
            "月額コスト：区間 {lo}–{hi} が予算 {budget} をまたいでいます。コストが判明した"
            "ケースが合計約{needed}件あれば確定します"
        ),
        "required_review": _phase(
            "ja",
            "人手による修正率：{phase}段階で必要ですが未計測です。evalkit review sample で"
            "サンプルを抽出し、correction 列に記入してください",
        ),
        "required_budget": _phase(
            "ja",
            "月額予算：{phase}段階で必要ですが未設定です。volume と budget_per_month を設定して"
            "ください",
        ),
        "required_latency": _phase(
            "ja",
            "応答時間：{phase}段階で必要ですが基準が未設定です。scorers.latency.max_s と "
            "thresholds.latency を設定し、実モデルに対して実行してください",
        ),
        "required_cost": _phase(
            "ja",
            "コスト：{phase}段階で必要ですが基準が未設定です。pricing・scorers.cost.max_usd・"
            "thresholds.cost を設定してください",
        ),
        "required_metric": _phase(
            "ja",
            "{metric}：{phase}段階で必要ですが基準が未設定です。thresholds.{metric} を設定して"
            "ください",
        ),
    },
}
