"""How a verdict reads in each phase and language: the headline word, the decision, the
"what next" line of the terminal and the paragraph of the reports.

The Japanese is written as a PoC team would put it in a 報告書 (判断と次の打ち手), not
translated word by word: 続行 / 再設計 / 中止 for the verdict value, the phase's decision
after it (MVP 続行 = 本番導入へ進む; 本番 再設計 = 限定運用を継続する).
"""

from __future__ import annotations

PHASE_NAME: dict[str, dict[str, str]] = {
    "en": {"poc": "PoC", "mvp": "MVP", "production": "production"},
    "ja": {"poc": "PoC", "mvp": "MVP", "production": "本番"},
}

VERDICT_WORD: dict[str, dict[str, str]] = {
    "en": {"continue": "CONTINUE", "redesign": "REDESIGN", "stop": "STOP"},
    "ja": {"continue": "続行", "redesign": "再設計", "stop": "中止"},
}

# phase → verdict → the decision in a few words (the headline after the verdict word).
DECISION: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "poc": {
            "continue": "go on to the MVP",
            "redesign": "redesign the PoC",
            "stop": "stop the PoC",
        },
        "mvp": {
            "continue": "go to production",
            "redesign": "redesign before production",
            "stop": "do not go to production",
        },
        "production": {
            "continue": "roll it out wider",
            "redesign": "keep it in limited operation",
            "stop": "withdraw it from operation",
        },
    },
    "ja": {
        "poc": {
            "continue": "MVPへ進む",
            "redesign": "PoCを再設計する",
            "stop": "PoCを中止する",
        },
        "mvp": {
            "continue": "本番導入へ進む",
            "redesign": "本番導入の前に再設計する",
            "stop": "本番導入を見送る",
        },
        "production": {
            "continue": "適用範囲を拡大する",
            "redesign": "限定運用を継続する",
            "stop": "運用を停止する",
        },
    },
}

# phase → verdict → the "what next" line of the terminal output (one line).
NEXT: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "poc": {
            "continue": "meets the bar — move on to MVP / production design",
            "redesign": "some bar is missed or not yet confirmed — change scope, prompt or data, or gather more evidence",
            "stop": "a metric is confidently beyond its stop limit — stop spending on this approach",
        },
        "mvp": {
            "continue": "meets the bar in real operation — plan the production rollout",
            "redesign": "some bar is missed or not yet confirmed — fix it and run the MVP again before going to production",
            "stop": "a metric is confidently beyond its stop limit — do not put this into production as it stands",
        },
        "production": {
            "continue": "meets the bar in production — roll it out to more users or uses",
            "redesign": "some bar is missed or not yet confirmed — keep it in limited operation while you fix it",
            "stop": "a metric is confidently beyond its stop limit — withdraw it from operation",
        },
    },
    "ja": {
        "poc": {
            "continue": "基準を満たしています。MVP・本番設計に進んでください",
            "redesign": "未達または未確定の基準があります。対象範囲・プロンプト・データを見直すか、評価ケースを追加してください",
            "stop": "中止基準を明確に超える指標があります。この方式への投資は打ち切ってください",
        },
        "mvp": {
            "continue": "実運用でも基準を満たしています。本番展開の計画に進んでください",
            "redesign": "未達または未確定の基準があります。改善のうえMVPを再評価してから本番導入を判断してください",
            "stop": "中止基準を明確に超える指標があります。現状のままでは本番導入できません",
        },
        "production": {
            "continue": "本番環境でも基準を満たしています。対象ユーザー・用途の拡大に進んでください",
            "redesign": "未達または未確定の基準があります。改善が完了するまで限定運用を継続してください",
            "stop": "中止基準を明確に超える指標があります。運用を停止してください",
        },
    },
}

# phase → verdict → what the verdict means, for a reader who is not an engineer (reports).
MEANING: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "poc": {
            "continue": (
                "Meets the bar: every failure rate is within what the team agreed to tolerate, "
                "with enough cases to be sure. Move on to the next stage (MVP / production design)."
            ),
            "redesign": (
                "Not there yet: there is value, but something is missing. Change the scope, prompt "
                "or data, or gather more cases, then run again."
            ),
            "stop": (
                "The premise is broken: at least one failure rate is confidently beyond the limit "
                "agreed for stopping. Stop spending on this approach as it stands."
            ),
        },
        "mvp": {
            "continue": (
                "Go to production: the MVP meets every bar agreed for real operation, with enough "
                "cases to be sure. Plan the production rollout."
            ),
            "redesign": (
                "Not ready for production: some bar is missed or not yet confirmed. Fix what "
                "misses it (or gather more evidence) and run the MVP again."
            ),
            "stop": (
                "Do not go to production: at least one failure rate is confidently beyond the "
                "limit agreed for stopping."
            ),
        },
        "production": {
            "continue": (
                "Roll it out wider: in production it meets every bar agreed, with enough cases "
                "to be sure."
            ),
            "redesign": (
                "Keep it in limited operation: some bar is missed or not yet confirmed. Do not "
                "widen the rollout until it is fixed and confirmed."
            ),
            "stop": (
                "Withdraw it from operation: at least one failure rate is confidently beyond the "
                "limit agreed for stopping."
            ),
        },
    },
    "ja": {
        "poc": {
            "continue": (
                "基準達成：すべての失敗率が事前に合意した許容値の範囲内にあり、十分なケース数で"
                "確認できています。次の段階（MVP・本番設計）に進みます。"
            ),
            "redesign": (
                "基準未達：価値は見込めるものの、条件が揃っていません。対象範囲・プロンプト・"
                "データを見直すか、評価ケースを追加したうえで再評価してください。"
            ),
            "stop": (
                "前提が成り立っていません：少なくとも1つの失敗率が、合意した中止基準を明確に"
                "上回っています。現在の方式のままでの投資は打ち切ってください。"
            ),
        },
        "mvp": {
            "continue": (
                "本番導入可：MVPは実運用を想定して合意したすべての基準を、十分なケース数で"
                "満たしています。本番展開を計画してください。"
            ),
            "redesign": (
                "本番導入は時期尚早：未達または未確定の基準があります。該当箇所を改善する"
                "（または根拠となるケースを追加する）うえで、MVPを再評価してください。"
            ),
            "stop": (
                "本番導入見送り：少なくとも1つの失敗率が、合意した中止基準を明確に上回っています。"
            ),
        },
        "production": {
            "continue": (
                "適用拡大可：本番環境で合意したすべての基準を、十分なケース数で満たしています。"
            ),
            "redesign": (
                "限定運用を継続：未達または未確定の基準があります。改善と確認が済むまでは、"
                "適用範囲を広げないでください。"
            ),
            "stop": ("運用停止：少なくとも1つの失敗率が、合意した中止基準を明確に上回っています。"),
        },
    },
}
