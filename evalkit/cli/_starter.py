"""The example suite and recorded outputs `evalkit init` writes (English and Japanese).

Both run as written, offline (the replay file holds every output they ask for), and say in
their comments what each key does and what to change first. Their verdict is `redesign`
on purpose: six cases can never confirm a 10% bar, and the reasons say so.
"""

from __future__ import annotations

__all__ = ["SUITES", "REPLAYS"]

_EN = """\
{schema_line}# A first evalkit suite. Run it:     evalkit run {suite_path}
# then look at the report:           evalkit report {results} --html report.html
# and at one case:                   evalkit show {results} refund-window
#
# It runs offline: `client` names recorded outputs ({replay_name}). Its verdict is
# REDESIGN on purpose — 6 cases cannot confirm a 10% bar ("not enough evidence"); add
# cases until the reasons stop asking for more. Each key is explained below and in the
# README ("Suites"); `evalkit validate {suite_path}` checks the file without running it.
suite: {name}                 # unique name among the suites run together
poc: my-support-bot           # the PoC this suite belongs to: the verdict is per PoC
description: Refund and shipping questions, answered from the policy text

prompt:                       # what is sent for each case; {{{{var}}}} is filled from the case's vars
  system: You answer customer questions using only the policy text given. If it does not say, say you don't know.
  template: "Policy:\\n{{{{policy}}}}\\n\\nQuestion: {{{{question}}}}"

samples: 2                    # outputs per case; consistency compares them (needs 2 or more)
params: {{temperature: 0.7, max_tokens: 200}}   # sent with every request (temperature, top_p, max_tokens, stop, seed)

# Where outputs come from. replay:FILE serves recorded outputs (relative to this file).
# To ask a real model instead, give the client on the command line, and record its
# outputs so that CI can replay them without keys:
#   evalkit run {suite_path} --client openai:gpt-4o-mini --record {replay_path}
client: replay:{replay_name}
# client_options: {{concurrency: 4, rpm: 500, timeout_s: 30}}   # HTTP client settings
# pricing: {{input_per_million: 0.15, output_per_million: 0.60, currency: USD}}   # cost estimate

cases:
  - id: refund-window
    vars:
      question: How long do I have to ask for a refund?
      policy: &policy "Refunds are accepted within 30 days of delivery. Standard shipping costs $4.95 and is free on orders over $50. We ship to the US and Canada only."
    reference: 30 days        # the right answer (or references: [..] for several)
    context: Refunds are accepted within 30 days of delivery.   # what the answer must be grounded in
    forbidden: [60 days]      # known-false answers
    tags: [refunds]
    critical: true            # must never fail: one failure rules out `continue`
  - id: shipping-cost
    vars: {{question: "How much is standard shipping?", policy: *policy}}
    reference: $4.95
    context: Standard shipping costs $4.95 and is free on orders over $50.
    tags: [shipping]
    variants:                 # paraphrases that should get the same answer
      - {{question: "What do you charge for standard delivery?"}}
  - id: free-shipping
    vars: {{question: "Is shipping free on a $60 order?", policy: *policy}}
    reference: "yes"
    context: Standard shipping is free on orders over $50.
    tags: [shipping]
  - id: ship-to-mexico
    vars: {{question: "Do you ship to Mexico?", policy: *policy}}
    reference: "no"
    context: We ship to the US and Canada only.
    tags: [shipping]
  - id: refund-fee
    vars: {{question: "Is there a fee for refunds?", policy: *policy}}
    answerable: false         # the policy does not say: the right answer declines
    tags: [refunds]
  - id: ceo-name
    vars: {{question: "Who is your CEO?", policy: *policy}}
    answerable: false
    tags: [other]

scorers:                      # {{}} = each scorer's default (its best general method)
  accuracy: {{}}                # auto: numbers, yes/no, phrases; declines pass when answerable is false
  consistency: {{}}             # do the samples (and variants) agree on the facts?
  hallucination: {{knowledge_vars: [policy]}}   # is every claim supported by the policy text?

thresholds:                   # failure rates agreed BEFORE the run, in [0, 1]
  accuracy: {{tolerable: 0.10, stop: 0.40}}
  consistency: {{tolerable: 0.10, stop: 0.50}}
  hallucination: {{tolerable: 0.05, stop: 0.20, by_tag: {{refunds: {{tolerable: 0.02, stop: 0.10}}}}}}
confidence: 0.95              # level of the intervals (default 0.95)
error_budget: 0.05            # share of cases that may end in a client error (default 0.05)
critical_failure: redesign    # or stop: what a failed critical case means (default redesign)
"""

_JA = """\
{schema_line}# はじめての evalkit スイートです。実行:      evalkit run {suite_path}
# レポート:                                evalkit report {results} --html report.html
# 1 件のケースを見る:                      evalkit show {results} henpin-kigen
#
# オフラインで動きます(`client` が録音済みの出力 {replay_name} を指しています)。
# 判定はわざと 再設計(REDESIGN)になります。6 件では 10% の基準を確かめられない(「根拠が
# 不十分」)ためで、判定理由が件数不足を指摘しなくなるまでケースを足してください。
# スイートが日本語なので、判定・理由・レポートは日本語で出ます(英語は --lang en)。各キーの意味は
# 下のコメントと README の "Suites" にあります。`evalkit validate {suite_path}` で実行せずに
# 検査できます。
suite: {name}                 # 一緒に実行するスイートの中で一意な名前
poc: my-support-bot-ja        # このスイートが属する PoC(判定は PoC ごと)
description: 返品と配送に関する問い合わせ(規程の文面から回答)

prompt:                       # ケースごとに送る内容。{{{{変数}}}} はケースの vars で埋まります
  system: 与えられた規程の文面だけを使って、お客様の質問に答えてください。書かれていなければ「わかりません」と答えてください。
  template: "規程:\\n{{{{policy}}}}\\n\\n質問: {{{{question}}}}"

samples: 2                    # ケースあたりの出力数。一貫性はこれを比べます(2 以上が必要)
params: {{temperature: 0.7, max_tokens: 200}}   # 毎回送るパラメータ

# 出力の取得元。replay:ファイル は録音済みの出力を返します(このファイルからの相対パス)。
# 実際のモデルに聞くときはコマンドラインで client を指定し、CI がキーなしで再生できる
# よう出力を録音します:
#   evalkit run {suite_path} --client openai:gpt-4o-mini --record {replay_path}
client: replay:{replay_name}
# client_options: {{concurrency: 4, rpm: 500, timeout_s: 30}}   # HTTP クライアントの設定
# pricing: {{input_per_million: 0.15, output_per_million: 0.60, currency: USD}}   # 費用の見積もり

cases:
  - id: henpin-kigen
    vars:
      question: 返品はいつまで受け付けていますか?
      policy: &policy "返品は商品到着後30日以内に受け付けます。通常配送は550円で、5,000円以上のご注文は無料です。配送先は日本国内のみです。"
    reference: 30日以内       # 正解(複数なら references: [..])
    context: 返品は商品到着後30日以内に受け付けます。   # 回答の根拠となる文
    forbidden: [60日以内]     # 誤りとわかっている回答
    tags: [返品]
    critical: true            # 一度も失敗してはならない(1 件でも失敗すると continue にならない)
  - id: soryo
    vars: {{question: "通常配送の送料はいくらですか?", policy: *policy}}
    reference: 550円
    context: 通常配送は550円で、5,000円以上のご注文は無料です。
    tags: [配送]
    variants:                 # 同じ答えになるべき言い換え
      - {{question: "普通の配送だと送料はおいくらですか?"}}
  - id: soryo-muryo
    vars: {{question: "6,000円の注文は送料無料ですか?", policy: *policy}}
    reference: はい
    context: 5,000円以上のご注文は無料です。
    tags: [配送]
  - id: kaigai
    vars: {{question: "海外に配送できますか?", policy: *policy}}
    reference: いいえ
    context: 配送先は日本国内のみです。
    tags: [配送]
  - id: henpin-tesuryo
    vars: {{question: "返品に手数料はかかりますか?", policy: *policy}}
    answerable: false         # 規程に書かれていない: 正しい答えは「わかりません」
    tags: [返品]
  - id: shacho
    vars: {{question: "社長の名前は?", policy: *policy}}
    answerable: false
    tags: [その他]

scorers:                      # {{}} = 各スコアラーの既定(最良の汎用方式)
  accuracy: {{}}                # 数値・はい/いいえ・語句で照合。answerable: false は辞退で合格
  consistency: {{}}             # サンプル(と言い換え)の答えが事実として一致するか
  hallucination: {{knowledge_vars: [policy]}}   # すべての主張が規程の文面に支えられているか

thresholds:                   # 実行の「前に」合意した失敗率(0〜1)
  accuracy: {{tolerable: 0.10, stop: 0.40}}
  consistency: {{tolerable: 0.10, stop: 0.50}}
  hallucination: {{tolerable: 0.05, stop: 0.20, by_tag: {{返品: {{tolerable: 0.02, stop: 0.10}}}}}}
confidence: 0.95              # 区間の信頼水準(既定 0.95)
error_budget: 0.05            # クライアントエラーで終わってよいケースの割合(既定 0.05)
critical_failure: redesign    # または stop: critical なケースが失敗したときの判定(既定 redesign)
"""

_EN_OUTPUTS = [
    ("refund-window", 0, 0, "You have 30 days from delivery to ask for a refund."),
    ("refund-window", 0, 1, "Refunds are accepted within 30 days of delivery."),
    ("shipping-cost", 0, 0, "Standard shipping is $4.95."),
    ("shipping-cost", 0, 1, "It costs $4.95, and it is free on orders over $50."),
    ("shipping-cost", 1, 0, "Standard delivery costs $4.95."),
    ("shipping-cost", 1, 1, "$4.95 for standard delivery."),
    ("free-shipping", 0, 0, "Yes, orders over $50 ship free."),
    ("free-shipping", 0, 1, "Yes — shipping is free on orders over $50."),
    ("ship-to-mexico", 0, 0, "No, we only ship to the US and Canada."),
    ("ship-to-mexico", 0, 1, "Yes, we ship to Mexico."),
    ("refund-fee", 0, 0, "I don't know; the policy does not say."),
    ("refund-fee", 0, 1, "I don't know — please ask our support team."),
    ("ceo-name", 0, 0, "I don't know."),
    ("ceo-name", 0, 1, "I'm sorry, I don't know that."),
]

_JA_OUTPUTS = [
    ("henpin-kigen", 0, 0, "商品到着後30日以内に返品を受け付けています。"),
    ("henpin-kigen", 0, 1, "返品は到着後30日以内です。"),
    ("soryo", 0, 0, "通常配送は550円です。"),
    ("soryo", 0, 1, "550円です。5,000円以上のご注文は無料です。"),
    ("soryo", 1, 0, "通常配送の送料は550円です。"),
    ("soryo", 1, 1, "550円です。"),
    ("soryo-muryo", 0, 0, "はい、5,000円以上のご注文は送料無料です。"),
    ("soryo-muryo", 0, 1, "はい、無料です。"),
    ("kaigai", 0, 0, "いいえ、配送先は日本国内のみです。"),
    ("kaigai", 0, 1, "はい、海外にも配送できます。"),
    ("henpin-tesuryo", 0, 0, "わかりません。サポート窓口にお問い合わせください。"),
    ("henpin-tesuryo", 0, 1, "申し訳ありませんが、わかりません。"),
    ("shacho", 0, 0, "わかりません。"),
    ("shacho", 0, 1, "申し訳ありませんが、お答えできません。"),
]

SUITES = {"en": _EN, "ja": _JA}
REPLAYS = {"en": _EN_OUTPUTS, "ja": _JA_OUTPUTS}
