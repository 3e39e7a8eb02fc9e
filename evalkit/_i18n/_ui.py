"""Headings, labels and short lines of the terminal table and the reports, per language.

Keys by where they show: `col_`/`status_` the terminal table, `md_` the Markdown summary,
`html_`/`chart_` the HTML report, `js_` words the report page's script writes (passed to it
as JSON), `fact_`/`cost_` lines both reports share. English is what evalkit printed before
there was a second language, word for word (tests and CI logs read it).

Size (over 400 lines): a table of wording, one entry per key and language; nothing to split.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from evalkit._i18n._commands import COMMANDS
from evalkit._i18n._phase import VERDICT_WORD
from evalkit._i18n._reasons import Template


def _n(word: str, many: str = "") -> Callable[[Mapping[str, str]], str]:
    """ "1 case" / "3 cases" from the value `n`."""

    def text(v: Mapping[str, str]) -> str:
        n = v["n"]
        return f"{n} {word if n == '1' else (many or word + 's')}"

    return text


def _counts_en(v: Mapping[str, str]) -> str:
    cases, errors = v["cases"], v["errors"]
    return (
        f"{cases} case{'' if cases == '1' else 's'}, "
        f"{errors} client error{'' if errors == '1' else 's'}"
    )


def _md_errors_en(within: bool) -> Callable[[Mapping[str, str]], str]:
    def text(v: Mapping[str, str]) -> str:
        word = "within" if within else "**over**"
        return f"{_n('client error')(v)} ({v['rate']}, {word} the budget of {v['budget']})"

    return text


def _cost_en(v: Mapping[str, str]) -> str:
    return f"{v['total']} {v['currency']} for {_n('case')({'n': v['cases']})}{v['each']}"


def _judge_cost_en(v: Mapping[str, str]) -> str:
    each = f" ({v['per_case']} {v['currency']} per case)" if v["per_case"] else ""
    return (
        f"Estimated judge cost: {v['total']} {v['currency']} for {_n('judge call')({'n': v['calls']})}"
        f"{each}; apart from the model's, from the judges' pricing and reported token usage"
    )


def _judge_cost_ja(v: Mapping[str, str]) -> str:
    each = f"（1件あたり {v['per_case']} {v['currency']}）" if v["per_case"] else ""
    return (
        f"judge（判定モデル）の推定コスト：{v['calls']}回の呼び出しで {v['total']} {v['currency']}"
        f"{each}。モデルのコストとは別に、judge の pricing と報告されたトークン使用量から算出"
    )


def _judge_agreement_en(v: Mapping[str, str]) -> str:
    kappa = f"kappa {v['kappa']}" if v["kappa"] else "kappa undefined: one label only"
    where = (
        "it decided every case"
        if v["decided_by"] == "judge"
        else f"on the {v['judged']} cases it gave a verdict on"
    )
    return (
        f"{v['metric']}: the judge agrees with the reviewers on {v['agreed']} of {v['cases']} "
        f"reviewed cases ({v['agreement']}, {kappa}; {where})"
    )


def _judge_agreement_ja(v: Mapping[str, str]) -> str:
    kappa = f"κ {v['kappa']}" if v["kappa"] else "κ は算出不可：ラベルが1種類のみ"
    where = (
        "すべてのケースを judge が判定"
        if v["decided_by"] == "judge"
        else f"judge が判定した {v['judged']} 件が対象"
    )
    return (
        f"{v['metric']}：judge の判定はレビュー済み {v['cases']} 件中 {v['agreed']} 件で"
        f"レビュー担当者と一致（{v['agreement']}、{kappa}。{where}）"
    )


def _overall_en(v: Mapping[str, str]) -> str:
    n = v["pocs"]
    return f"Overall: {v['word']} (the worst verdict over {n} PoC{'' if n == '1' else 's'})"


def _other_tags_en(v: Mapping[str, str]) -> str:
    return (
        f"{v['metric']} by tag: {_n('tag')(v)} without a bar of their own (for comparison, "
        "not judged)"
    )


UI: dict[str, dict[str, Template]] = {
    "en": {
        # terminal
        "col_metric": "metric",
        "col_failed": "failed",
        "col_rate": "rate",
        "col_ci": "{level} CI",
        "col_bars": "tolerable / stop",
        "col_status": "status",
        "status_pass": "pass",
        "status_miss": "miss",
        "status_stop": "stop",
        "status_unjudged": "unjudged",
        "poc_title": "PoC {poc}: {word} — {decision}",
        "all_errored": (
            "every case ended in a client error: this verdict says nothing about the model "
            "— fix the client and run again"
        ),
        "counts_line": _counts_en,
        "counts_critical": ", {critical} critical",
        "reasons_heading": "reasons:",
        "unsettled_heading": "unsettled for the next phase:",
        "overall": _overall_en,
        "run_cost": (
            "Estimated cost: {total} {currency} for {cases} cases ({per_case} {currency} per "
            "case; from the suites' pricing and reported token usage)"
        ),
        "run_judge_cost": _judge_cost_en,
        "review_judge_agreement": _judge_agreement_en,
        "run_results": "Results: {summary} and {cases} ({what})",
        "review_verdict": "{poc}: {verdict}",
        "run_what": lambda v: (
            f"{v['n']} cases, merged from {v['workers']} workers"
            if v["workers"] != "0"
            else _n("case")(v)
        ),
        # both reports
        "no_verdict": "no verdict",
        "no_reasons": "(no reasons recorded)",
        "status_word_pass": "within the bar",
        "status_word_miss": "misses the bar",
        "status_word_stop": "beyond the stop limit",
        "status_word_unjudged": "no bar set",
        "fact_cases": _n("case"),
        "fact_critical": _n("critical case"),
        "fact_failed": ", failed: {ids}",
        "fact_errored": ", errored: {ids}",
        "fact_none_failed": ", none failed",
        "cost_part": _cost_en,
        "cost_each": ", {per_case} per case",
        # Markdown
        "md_title": "## {icon} evalkit verdict: {verdict}",
        "md_poc": "### {icon} {name}: **{word}** — {decision}",
        "md_unsettled": "**Unsettled for the next phase:**",
        "md_header": "| metric | failed | failure rate | {level} CI | tolerable | stop | status |",
        "md_tag": "{metric} · tag {tag}",
        "md_fact_errors": _md_errors_en(True),
        "md_fact_errors_over": _md_errors_en(False),
        "md_cost": (
            "**Estimated cost:** {parts} (from the suites' `pricing` and the token usage the "
            "model reported)"
        ),
        # HTML
        "verdict_badge_continue": "continue",
        "verdict_badge_redesign": "redesign",
        "verdict_badge_stop": "stop",
        "html_title": "evalkit report",
        "html_decision": "{phase}: {decision}.",
        "html_why": "Why",
        "html_unsettled": "Unsettled for the next phase",
        "html_rates": "Failure rates against the bars",
        "html_legend": (
            "The dot is the share of cases that failed; the black line is the range the true "
            "rate most likely lies in. Green: tolerable. Amber: misses the bar. Red: beyond the "
            "stop limit. Grey: a tag with no bar of its own, not judged. All bars of this PoC "
            "share one scale."
        ),
        "html_fact_errors": lambda v: (
            f"{_n('client error')(v)} ({v['rate']}; budget {v['budget']})"
        ),
        "html_run_at": "run {at}",
        "html_suite": "{name} ({model}, {samples} samples)",
        "html_suites": "suites: {suites}",
        "html_cases": "Cases",
        "html_cases_help": (
            "Failed cases first. Search looks in prompts, outputs, references,\n"
            "context and the scorers' reasons. Choose a metric to see only the cases it scored."
        ),
        "html_left_out": (
            "Showing {shown} of {total} cases (failed and errored first); the rest are in "
            "cases.jsonl."
        ),
        "html_search": "Search cases…",
        "html_search_label": "Search cases",
        "html_result": "Result",
        "html_all": "all",
        "html_failed": "failed",
        "html_client_error": "client error",
        "html_passed": "passed",
        "html_metric": "Metric",
        "html_tag": "Tag",
        "html_case": "Case",
        "html_prev": "← Previous",
        "html_next": "Next →",
        "chart_tolerable": "tolerable {at}",
        "chart_stop": "stop {at}",
        "chart_no_cases": "no cases",
        "chart_seen": "{failures} of {total} failed ({rate})",
        "chart_none_scored": "no cases scored",
        "chart_title": "{label}: {seen}; likely range {ci}",
        "chart_title_tolerable": "; tolerable {at}",
        "chart_title_stop": "; stop {at}",
        "chart_title_metric_tolerable": "; the metric's tolerable {at}",
        "chart_title_metric_stop": "; the metric's stop {at}",
        "chart_title_unjudged": " (this tag has no bar of its own: not judged)",
        "chart_likely": "{seen}, likely {ci}",
        "chart_tag": "tag: {tag}",
        "chart_other_tags": _other_tags_en,
        # the report page's script (JS placeholders in {braces})
        "js_prompt": "Prompt",
        "js_outputs": "Outputs",
        "js_knowledge": "Reference / context",
        "js_scorers": "Scorers",
        "js_badge_fail": "failed",
        "js_badge_error": "error",
        "js_badge_pass": "passed",
        "js_badge_none": "not scored",
        "js_critical": "critical case",
        "js_sample": "sample {n}",
        "js_call_failed": "(call failed)",
        "js_reference": "reference",
        "js_context": "context",
        "js_forbidden": "known-false",
        "js_expected": "expected",
        "js_decline": "decline (not answerable)",
        "js_client_error": "client error",
        "js_score": " (score {score}): ",
        "js_no_match": "No case matches these filters.",
        "js_no_cases_file": "This result has no per-case file (cases.jsonl).",
        "js_count": "{shown} of {total} cases",
        "js_showing": " · showing {from}–{to}",
        "js_page": "Page {page} of {pages}",
        # the review layer (terminal, both reports; `evalkit.report._review`)
        "rev_heading": "human review (the status is judged on the corrected rate):",
        "rev_line": (
            "{metric}: {cases} reviewed; scorer precision {precision}, recall {recall}, "
            "κ {kappa}{among}; {corrected}"
        ),
        "rev_among": ", reviewers' κ {kappa}",
        "rev_corrected": "corrected {rate} ({ci})",
        "rev_not_corrected": "not corrected",
        "rev_more": " (~{n} more reviews settle it)",
        "rev_col_metric": "metric",
        "rev_col_reviewed": "reviewed",
        "rev_col_precision": "scorer precision",
        "rev_col_recall": "scorer recall",
        "rev_col_kappa": "κ scorer/reviewers",
        "rev_col_among": "κ among reviewers",
        "rev_col_rate": "corrected rate",
        "rev_col_ci": "CI",
        "rev_stale": lambda v: (
            f"{v['n']} review{'' if v['n'] == '1' else 's'} stale, not used: {v['why']}"
        ),
        "rev_count": "Reviews: {used} from {file} count in the verdict",
        "rev_stale_line": "stale, not used ({n}: {why}): {listed}",
        "rev_stale_redo": (
            "  their outputs are not the ones reviewed: review these cases again with a new "
            "sheet (evalkit review sample)"
        ),
        "rev_stale_kept": (
            "  reviews of cases this run did not include stay in the folder's {file} and count "
            "again when a run includes them"
        ),
        "rev_stale_sep": ", ",
        "rev_stale_changed": "{n} outputs changed since review",
        "rev_stale_gone": "{n} case not in this result",
        "rev_stale_errored": "{n} case got no output in this run",
        "md_review": (
            "**Human review** — the scorer against the reviewers; each status above is judged "
            "on the corrected rate:"
        ),
        "md_reviews_stale": (
            "**Reviews:** {stale} (their outputs are not the ones reviewed, or the case is not "
            "in this result)"
        ),
        "html_review": "Human review",
        "html_review_legend": (
            "Reviewers labelled a sample of cases. Precision: share of the scorer's flags the "
            "reviewers confirm; recall: share of true failures the scorer flags; κ: agreement "
            "beyond chance (1 perfect, 0 chance). Each metric's status is judged on the "
            "corrected rate."
        ),
        "chart_scorer_seen": "the scorer flags {failures} of {total} ({rate})",
        "chart_judged_below": "judged on the corrected rate below",
        "chart_corrected": "corrected by review",
        "chart_corrected_seen": "{cases} cases reviewed: {rate}",
        "cost_line": (
            "Monthly cost: {monthly} projected for {per_month} answers ({level} interval "
            "{lo}–{hi}; {per_answer} per answer from {priced} of {cases} cases with a known "
            "cost){budget_text}"
        ),
        "cost_line_single": (
            "Monthly cost: {monthly} projected for {per_month} answers (no interval: one case "
            "of {cases} has a known cost){budget_text}"
        ),
        "cost_line_unmeasured": (
            "Monthly cost: not projected for {per_month} answers — none of the {cases} cases "
            "has a known cost (no token usage was reported, as replayed outputs never do)"
            "{budget_text}"
        ),
        "budget_pass": ", within the budget {budget}",
        "budget_over": ", over the budget {budget}",
        "budget_straddles": ", straddling the budget {budget} (not yet confirmed)",
        "budget_unchecked": "; the budget {budget} is unchecked",
        "budget_none": "; no budget_per_month to compare with",
        # `evalkit show`: one case in full
        "show_poc": "  (PoC {poc})",
        "show_tags": "tags: {tags}",
        "show_critical": "critical",
        "show_unanswerable": "not answerable: the right answer declines",
        "show_prompt": "prompt",
        "show_output": "output, {label}{source}",
        "show_no_output": "(no output: the call failed)",
        "show_reference": "reference",
        "show_context": "context",
        "show_forbidden": "known-false",
        "show_error": "client error{kind}",
        "show_not_scored": "(not scored: counted against the error budget)",
        "show_scores": "scores",
        "show_pass": "pass",
        "show_fail": "FAIL",
        "show_colon": ":",
    },
    "ja": {
        "col_metric": "指標",
        "col_failed": "失敗",
        "col_rate": "失敗率",
        "col_ci": "{level}信頼区間",
        "col_bars": "許容値 / 中止基準",
        "col_status": "判定",
        "status_pass": "合格",
        "status_miss": "未達",
        "status_stop": "中止水準",
        "status_unjudged": "判定なし",
        "poc_title": "{poc}：{word} — {decision}",
        "all_errored": (
            "全ケースがクライアントエラーで終了しました。この判定はモデルの評価になっていません。"
            "クライアントを修正して再実行してください"
        ),
        "counts_line": "{cases}件、クライアントエラー{errors}件",
        "counts_critical": "、重要ケース{critical}件",
        "reasons_heading": "判定理由：",
        "unsettled_heading": "次の段階に向けた未確定事項：",
        "overall": "総合判定：{word}（対象PoC {pocs}件のうち最も厳しい判定）",
        "run_cost": (
            "推定コスト：{cases}件で {total} {currency}（1件あたり {per_case} {currency}。"
            "スイートの pricing と報告されたトークン使用量から算出）"
        ),
        "run_judge_cost": _judge_cost_ja,
        "review_judge_agreement": _judge_agreement_ja,
        "run_results": "結果：{summary} と {cases}（{what}）",
        "review_verdict": lambda v: (
            f"{v['poc']}：{VERDICT_WORD['ja'].get(v['verdict'], v['verdict'])}"
        ),
        "run_what": lambda v: (
            f"{v['n']}件、{v['workers']}個のワーカーの結果を統合"
            if v["workers"] != "0"
            else f"{v['n']}件"
        ),
        "no_verdict": "判定なし",
        "no_reasons": "（判定理由の記録なし）",
        "status_word_pass": "基準内",
        "status_word_miss": "基準未達",
        "status_word_stop": "中止基準超過",
        "status_word_unjudged": "基準未設定",
        "fact_cases": "{n}件",
        "fact_critical": "重要ケース{n}件",
        "fact_failed": "（失敗：{ids}）",
        "fact_errored": "（エラー：{ids}）",
        "fact_none_failed": "（失敗なし）",
        "cost_part": "{cases}件で {total} {currency}{each}",
        "cost_each": "（1件あたり {per_case}）",
        "md_title": "## {icon} evalkit 判定：{word}",
        "md_poc": "### {icon} {name}：**{word}** — {decision}",
        "md_unsettled": "**次の段階に向けた未確定事項：**",
        "md_header": "| 指標 | 失敗 | 失敗率 | {level}信頼区間 | 許容値 | 中止基準 | 判定 |",
        "md_tag": "{metric} · タグ {tag}",
        "md_fact_errors": "クライアントエラー{n}件（{rate}、許容枠 {budget} の範囲内）",
        "md_fact_errors_over": "クライアントエラー{n}件（{rate}、許容枠 {budget} を**超過**）",
        "md_cost": (
            "**推定コスト：** {parts}（スイートの `pricing` とモデルが返したトークン使用量から算出）"
        ),
        "verdict_badge_continue": "続行",
        "verdict_badge_redesign": "再設計",
        "verdict_badge_stop": "中止",
        "html_title": "evalkit 評価レポート",
        "html_decision": "{phase}：{decision}。",
        "html_why": "判定理由",
        "html_unsettled": "次の段階に向けた未確定事項",
        "html_rates": "基準に対する失敗率",
        "html_legend": (
            "点は失敗したケースの割合、黒線は真の失敗率がおそらく含まれる範囲（信頼区間）です。"
            "緑：許容範囲、黄：基準未達、赤：中止基準超過、灰：独自の基準がないタグ（判定対象外）。"
            "このPoCのグラフはすべて同じ目盛りです。"
        ),
        "html_fact_errors": "クライアントエラー{n}件（{rate}、許容枠 {budget}）",
        "html_run_at": "実行日時 {at}",
        "html_suite": "{name}（{model}、サンプル数 {samples}）",
        "html_suites": "スイート：{suites}",
        "html_cases": "ケース一覧",
        "html_cases_help": (
            "失敗したケースを先頭に表示します。検索はプロンプト・出力・参照回答・コンテキスト・"
            "採点理由を対象とします。指標を選ぶと、その指標で採点したケースだけを表示します。"
            "採点理由は、日本語のケースでは日本語で、それ以外は記録されたとおり（英語）で表示します。"
        ),
        "html_left_out": (
            "全{total}件のうち{shown}件を表示しています（失敗・エラーを優先）。"
            "残りは cases.jsonl にあります。"
        ),
        "html_search": "ケースを検索…",
        "html_search_label": "ケースを検索",
        "html_result": "結果",
        "html_all": "すべて",
        "html_failed": "失敗",
        "html_client_error": "クライアントエラー",
        "html_passed": "合格",
        "html_metric": "指標",
        "html_tag": "タグ",
        "html_case": "ケース",
        "html_prev": "← 前へ",
        "html_next": "次へ →",
        "chart_tolerable": "許容値 {at}",
        "chart_stop": "中止基準 {at}",
        "chart_no_cases": "ケースなし",
        "chart_seen": "{total}件中{failures}件失敗（{rate}）",
        "chart_none_scored": "採点されたケースなし",
        "chart_title": "{label}：{seen}。推定範囲 {ci}",
        "chart_title_tolerable": "。許容値 {at}",
        "chart_title_stop": "。中止基準 {at}",
        "chart_title_metric_tolerable": "。指標の許容値 {at}",
        "chart_title_metric_stop": "。指標の中止基準 {at}",
        "chart_title_unjudged": "（このタグには独自の基準がないため判定対象外）",
        "chart_likely": "{seen}、推定範囲 {ci}",
        "chart_tag": "タグ：{tag}",
        "chart_other_tags": "{metric} のタグ別：独自の基準がないタグ{n}件（比較用、判定対象外）",
        "js_prompt": "プロンプト",
        "js_outputs": "出力",
        "js_knowledge": "参照回答・コンテキスト",
        "js_scorers": "採点",
        "js_badge_fail": "失敗",
        "js_badge_error": "エラー",
        "js_badge_pass": "合格",
        "js_badge_none": "未採点",
        "js_critical": "重要ケース",
        "js_sample": "サンプル {n}",
        "js_call_failed": "（呼び出し失敗）",
        "js_reference": "参照回答",
        "js_context": "コンテキスト",
        "js_forbidden": "既知の誤答",
        "js_expected": "期待される応答",
        "js_decline": "回答を控える（回答不能な質問）",
        "js_client_error": "クライアントエラー",
        "js_score": "（スコア {score}）：",
        "js_no_match": "条件に一致するケースはありません。",
        "js_no_cases_file": "この結果にはケースごとのファイル（cases.jsonl）がありません。",
        "js_count": "{total}件中{shown}件",
        "js_showing": " · {from}–{to}件目を表示",
        "js_page": "{page} / {pages} ページ",
        "rev_heading": "人手レビュー（判定は補正後の失敗率で行っています）：",
        "rev_line": (
            "{metric}：レビュー{cases}件、スコアラーの適合率 {precision}・再現率 {recall}・"
            "κ {kappa}{among}、{corrected}"
        ),
        "rev_among": "、レビュー担当者間の κ {kappa}",
        "rev_corrected": "補正後 {rate}（{ci}）",
        "rev_not_corrected": "補正なし",
        "rev_more": "（あと約{n}件のレビューで確定）",
        "rev_col_metric": "指標",
        "rev_col_reviewed": "レビュー件数",
        "rev_col_precision": "スコアラーの適合率",
        "rev_col_recall": "スコアラーの再現率",
        "rev_col_kappa": "κ（スコアラー対レビュー）",
        "rev_col_among": "κ（レビュー担当者間）",
        "rev_col_rate": "補正後の失敗率",
        "rev_col_ci": "信頼区間",
        "rev_stale": "古いレビュー{n}件は使用していません：{why}",
        "rev_count": "レビュー：{file} のうち{used}件を判定に使用しました",
        "rev_stale_line": "古いレビュー（使用せず）{n}件（{why}）：{listed}",
        "rev_stale_redo": (
            "  レビューした出力と今回の出力が異なります。新しいシートでこれらの事例をもう一度"
            "レビューしてください（evalkit review sample）"
        ),
        "rev_stale_kept": (
            "  この実行に含まれない事例のレビューはフォルダーの {file} に残り、その事例を含む"
            "実行で再び使われます"
        ),
        "rev_stale_sep": "、",
        "rev_stale_changed": "レビュー後に出力が変わったもの{n}件",
        "rev_stale_gone": "この結果にない事例{n}件",
        "rev_stale_errored": "この実行で出力が得られなかった事例{n}件",
        "md_review": (
            "**人手レビュー** — スコアラーとレビュー担当者の比較。上の判定は補正後の失敗率で"
            "行っています："
        ),
        "md_reviews_stale": (
            "**レビュー：** {stale}（レビューした出力と異なるか、この結果にない事例です）"
        ),
        "html_review": "人手レビュー",
        "html_review_legend": (
            "レビュー担当者が事例の一部を確認しました。適合率：スコアラーが不合格とした事例のうち"
            "レビューでも不合格とされた割合。再現率：本当の不合格のうちスコアラーが検出した割合。"
            "κ：偶然を超えた一致度（1 が完全一致、0 が偶然並み）。各指標の判定は補正後の失敗率"
            "で行っています。"
        ),
        "chart_scorer_seen": "スコアラーの不合格 {total}件中{failures}件（{rate}）",
        "chart_judged_below": "判定は下の補正後の失敗率で行っています",
        "chart_corrected": "レビューによる補正後",
        "chart_corrected_seen": "レビュー{cases}件：{rate}",
        "cost_line": (
            "月額コスト：月{per_month}件の回答で {monthly} と見込まれます（{level}区間 {lo}–{hi}。"
            "コストが判明した{cases}件中{priced}件から、1回答あたり {per_answer}）{budget_text}"
        ),
        "cost_line_single": (
            "月額コスト：月{per_month}件の回答で {monthly} と見込まれます（コストが判明したのは"
            "{cases}件中1件のみのため区間なし）{budget_text}"
        ),
        "cost_line_unmeasured": (
            "月額コスト：月{per_month}件の回答について見積もれません。{cases}件のいずれもコストが"
            "不明です（トークン使用量が返されていません。再生した出力には含まれません）{budget_text}"
        ),
        "budget_pass": "。予算 {budget} 以内です",
        "budget_over": "。予算 {budget} を上回っています",
        "budget_straddles": "。予算 {budget} をまたいでいます（未確定）",
        "budget_unchecked": "。予算 {budget} は未確認です",
        "budget_none": "。比較する budget_per_month は未設定です",
        "show_poc": "（PoC {poc}）",
        "show_tags": "タグ：{tags}",
        "show_critical": "重要ケース",
        "show_unanswerable": "回答不能：正しい応答は回答の辞退",
        "show_prompt": "プロンプト",
        "show_output": "出力 {label}{source}",
        "show_no_output": "（出力なし：呼び出しに失敗）",
        "show_reference": "参照回答",
        "show_context": "根拠資料",
        "show_forbidden": "既知の誤答",
        "show_error": "クライアントエラー{kind}",
        "show_not_scored": "（採点なし：エラー予算に計上）",
        "show_scores": "スコア",
        "show_pass": "合格",
        "show_fail": "不合格",
        "show_colon": "：",
    },
}

# `evalkit diff`, the review form and the run's own lines: their own table, the same `say`.
for _lang, _words in COMMANDS.items():
    assert not _words.keys() & UI[_lang].keys(), "a key worded twice"
    UI[_lang].update(_words)
