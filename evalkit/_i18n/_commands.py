"""The words of `evalkit diff` (text and Markdown), the review form and the run's operational
lines, per language; merged into `_ui.UI`, so `say` words them like every other heading.

Keys: `diff_` the diff's headings and lines (`evalkit.report.diffview`, its significance
sentence `evalkit.compare.significance.describe`, its `--fail-on` lines), `form_` the review
form (`evalkit.review.form`) and `review sample`'s lines, `op_` what `run` and `merge` say
about the run itself (resumed, workers, interrupted, broken, stale recordings). English is
what evalkit printed before these had a second language, word for word (CI logs and scripts
read it); `diff --format json` is for tools and stays English whatever the language.
"""

from __future__ import annotations

from collections.abc import Mapping

from evalkit._i18n._reasons import Template


def _plural(n: str, one: str, many: str) -> str:
    return one if n == "1" else many


def _describe_head_en(v: Mapping[str, str]) -> str:
    b, c = v["failing"], v["passing"]
    fail_verb = _plural(b, "case newly fails", "cases newly fail")
    pass_verb = _plural(c, "newly passes", "newly pass")
    return f"{b} {fail_verb} {v['metric']}, {c} {pass_verb}"


def _suites_en(v: Mapping[str, str]) -> str:
    """ "suite 'a'" / "suites 'a', 'b' and 2 more" from `names` (quoted, joined) and `more`."""
    more = f" and {v['more']} more" if v["more"] != "0" else ""
    return f"suite{_plural(v['n'], '', 's')} {v['names']}{more}"


def _suites_ja(v: Mapping[str, str]) -> str:
    more = f" ほか{v['more']}件" if v["more"] != "0" else ""
    return f"スイート {v['names']}{more}"


COMMANDS: dict[str, dict[str, Template]] = {
    "en": {
        # `evalkit diff`: text
        "diff_verdict": "Verdict: {pair}",
        "diff_unchanged": "{verdict} (unchanged)",
        "diff_absent": "(absent)",
        "diff_worse_flag": "  (worse)",
        "diff_rates": "Failure rates, old → new (paired test at alpha {alpha}):",
        "diff_note": "  note: {note}",
        "diff_note_unpaired": (
            "the {which} run has no cases.jsonl, so no case-by-case (paired) comparison "
            "was possible: only rates and verdicts are compared"
        ),
        "diff_old": "old",
        "diff_new": "new",
        "diff_worse_arrow": "  ← worse",
        "diff_points": "{value} pts",
        "diff_hidden": "  ({n} unchanged metric/tag rows not shown; see --format json)",
        "diff_flipped": "Flipped cases: {failing} newly failing, {passing} newly passing",
        "diff_newly_fails": "newly fails {metrics}",
        "diff_newly_passes": "newly passes {metrics}",
        "diff_title_sep": "; ",
        "diff_same_outputs": "(same outputs in both runs: the scoring changed)",
        "diff_sample": "sample {n}",
        "diff_no_sample": "(no such sample)",
        "diff_call_failed": "(call failed)",
        "diff_quoted": '"{text}"',
        "diff_old_label": "old: ",
        "diff_new_label": "new: ",
        "diff_more_samples": "… and {n} more changed samples",
        "diff_was_now": '{metric}: was "{old}"; now "{new}"',
        "diff_more_json": "… and {n} more (see --format json)",
        "diff_review_heading": "Review layer, old → new (the verdict reads the corrected rate):",
        "diff_review_line": (
            "{metric}: status {status}; corrected {rate}; reviewed {cases}; scorer "
            "precision {precision}, recall {recall}, kappa {kappa}{flag}"
        ),
        "diff_review_flipped_flag": "  ← flipped",
        "diff_review_flips": "Reviewers' judgements that flipped (cases reviewed in both): {n}",
        "diff_label_pass": "pass",
        "diff_label_fail": "fail",
        "diff_stale": lambda v: (
            f"{v['n']} review{_plural(v['n'], '', 's')} of the new result stale, not used: "
            f"{v['parts']}"
        ),
        "diff_only_old": "Only in the old run ({n}): {listed}{rest}",
        "diff_only_new": "Only in the new run ({n}): {listed}{rest}",
        "diff_list_more": ", … and {n} more",
        "diff_provenance": "What changed in how the runs were made:",
        "diff_none": "(none)",
        "diff_present": "present",
        "diff_prompts_changed": lambda v: f"{v['n']} case prompt{_plural(v['n'], '', 's')} changed",
        "diff_what_evalkit_version": "evalkit version",
        "diff_what_suite": "suite",
        "diff_what_suite_file": "suite file",
        "diff_what_client": "client",
        "diff_what_model": "model",
        "diff_what_params": "params",
        "diff_what_samples": "samples",
        "diff_what_seed": "seed",
        "diff_what_poc": "poc",
        "diff_what_prompts": "prompts",
        "diff_what_options": "options",
        # the paired test's sentence (`describe`) and the unpaired one
        "diff_no_case_changed": "no case changed on {metric}",
        "diff_describe_head": _describe_head_en,
        "diff_too_few": "{head}; not enough cases to tell",
        "diff_significant": "{head}; significant ({p})",
        "diff_not_significant": "{head}; not significant ({p})",
        "diff_untestable": "no per-case results: the change cannot be tested",
        # `evalkit diff`: Markdown
        "diff_md_verdicts": "| PoC | old verdict | new verdict | |",
        "diff_md_worse": "⚠️ worse",
        "diff_md_changed": "changed",
        "diff_md_reasons": "**{poc}**: reasons that changed",
        "diff_md_rates": "### Failure rates (paired test, alpha {alpha})",
        "diff_md_rates_header": "| PoC | metric | tag | old | new | change | paired test |",
        "diff_md_no_rate_changed": "| | no failure rate changed | | | | | |",
        "diff_md_hidden": "{n} unchanged metric/tag rows not shown.",
        "diff_md_flipped": "### Flipped cases: {failing} newly failing, {passing} newly passing",
        "diff_md_flipped_header": "| case | change | old output | new output |",
        "diff_md_same_outputs": "(same outputs in both runs)",
        "diff_md_more_json": "… and {n} more (evalkit diff --format json).",
        "diff_md_list_more_json": "- … and {n} more (evalkit diff --format json)",
        "diff_md_review_heading": "### Review layer (the verdict reads the corrected rate)",
        "diff_md_review_header": (
            "| PoC | metric | status | corrected rate (CI) | reviewed | scorer precision "
            "| scorer recall | κ | |"
        ),
        "diff_md_review_flipped": "⚠️ flipped",
        "diff_md_review_flips": (
            "**Reviewers' judgements that flipped** (cases reviewed in both): {n}"
        ),
        "diff_md_only_old": "**Only in the old run** ({n}): {listed}{rest}",
        "diff_md_only_new": "**Only in the new run** ({n}): {listed}{rest}",
        "diff_md_provenance": "### What changed in how the runs were made",
        "diff_md_provenance_header": "| suite | what | old | new |",
        "diff_md_run": "(run)",
        # `--fail-on` (stderr; the condition's name stays as typed)
        "diff_fail_verdict_drop": "verdict-drop: {poc} went {old} → {new}",
        "diff_fail_regression": "regression: {poc} {metric}: {sentence}",
        "diff_fail_any_flip": lambda v: (
            f"any-flip: {v['n']} case{_plural(v['n'], '', 's')} changed pass/fail"
        ),
        # the review form (`evalkit review sample --html`) and `review sample`'s lines
        "form_title": "Review: {title}",
        "form_reviewer": "Reviewer",
        "form_download": "Download filled CSV",
        "form_of": " of ",
        "form_reviewed": " reviewed",
        "form_critical": "  (critical)",
        "form_prompt": "prompt",
        "form_outputs": "outputs",
        "form_references": "references",
        "form_context": "context",
        "form_human": "human ",
        "form_pass_fail": " (pass/fail)",
        "form_comment": "comment",
        "form_name_first": (
            "Write your name in Reviewer first: the reviews are kept as an audit trail."
        ),
        "form_wrote_sheet": (
            "wrote {out}: {picked} of {total} cases ({critical} critical); reviewers fill "
            "{columns} (pass/fail), usable, correction, risk, comment and reviewer, then: "
            "evalkit review import {result} {out}"
        ),
        "form_wrote_html": "wrote {file}: the same sheet as an HTML form (Download filled CSV)",
        # the run's own lines (`run`, `merge`)
        "op_workers": "Running {n} worker processes…",
        "op_interrupted": (
            "\nInterrupted. Finished cases are kept in {out}; run the same command again "
            "to resume without calling the model for them."
        ),
        "op_unmatched_case": "warning: --case {case}: no case of the suites run has this id",
        "op_resumed": "Resumed: {n} cases were taken from the interrupted run.",
        "op_junit": "JUnit XML: {file}",
        "op_merged": "Merged {n} result folders into {out}",
        "op_partial_merge": (
            "PARTIAL merge: shards {shards} of {of} into {out}; the verdicts above are about "
            "these shards' cases only, not the whole run"
        ),
        "op_stale_recordings": (
            "error: {n} recorded outputs were made for a different prompt (stale recordings)"
            "{examples}. The prompt changed since they were recorded: re-record them "
            "(evalkit run --record) before trusting this verdict."
        ),
        "op_stale_examples": ", e.g. {ids}",
        "op_suites": _suites_en,
        "op_broken_title": lambda v: (
            f"BROKEN RUN: every case of {v['suites']} ({v['n']} case{_plural(v['n'], '', 's')})"
            " ended in a client error, so the verdict below says nothing about the model."
        ),
        "op_first_errors": "First errors:",
        "op_cannot_read": "  (cannot read {file}: {error})",
        "op_broken_fix": (
            "Fix the client (the program, URL, key or recordings the suite names) and run "
            "again; every error is in {file}."
        ),
        "op_broken_error": (
            "error: the run is broken: every case of {suites} ended in a client error "
            "(exit {code}, not a verdict); see the first errors above"
        ),
    },
    "ja": {
        "diff_verdict": "判定：{pair}",
        "diff_unchanged": "{verdict}（変化なし）",
        "diff_absent": "（なし）",
        "diff_worse_flag": "  （悪化）",
        "diff_rates": "失敗率 旧 → 新（対応のある検定、有意水準 {alpha}）：",
        "diff_note": "  注：{note}",
        "diff_note_unpaired": (
            "{which}の実行に cases.jsonl がないため、ケースごとの（対応のある）比較はできません。"
            "失敗率と判定だけを比較しています"
        ),
        "diff_old": "旧",
        "diff_new": "新",
        "diff_worse_arrow": "  ← 悪化",
        "diff_points": "{value}ポイント",
        "diff_hidden": "  （変化のない指標・タグの行 {n}件は省略。--format json で確認できます）",
        "diff_flipped": "合否が変わったケース：新たに失敗 {failing}件、新たに合格 {passing}件",
        "diff_newly_fails": "新たに失敗：{metrics}",
        "diff_newly_passes": "新たに合格：{metrics}",
        "diff_title_sep": "。",
        "diff_same_outputs": "（両方の実行で出力は同じです。採点が変わりました）",
        "diff_sample": "サンプル {n}",
        "diff_no_sample": "（該当するサンプルなし）",
        "diff_call_failed": "（呼び出し失敗）",
        "diff_quoted": "「{text}」",
        "diff_old_label": "旧：",
        "diff_new_label": "新：",
        "diff_more_samples": "…ほか出力が変わったサンプル {n}件",
        "diff_was_now": "{metric}：旧「{old}」、新「{new}」",
        "diff_more_json": "…ほか {n}件（--format json で確認できます）",
        "diff_review_heading": "レビュー結果 旧 → 新（判定は補正後の失敗率で行っています）：",
        "diff_review_line": (
            "{metric}：判定 {status}、補正後 {rate}、レビュー {cases}件、スコアラーの"
            "適合率 {precision}・再現率 {recall}・κ {kappa}{flag}"
        ),
        "diff_review_flipped_flag": "  ← 判定が変化",
        "diff_review_flips": "レビュー担当者の判断が変わったケース（両方でレビュー済み）：{n}件",
        "diff_label_pass": "合格",
        "diff_label_fail": "不合格",
        "diff_stale": "新しい結果の古いレビュー{n}件は使用していません：{parts}",
        "diff_only_old": "旧の実行にだけあるケース（{n}件）：{listed}{rest}",
        "diff_only_new": "新の実行にだけあるケース（{n}件）：{listed}{rest}",
        "diff_list_more": "、…ほか {n}件",
        "diff_provenance": "実行条件の変更：",
        "diff_none": "（なし）",
        "diff_present": "あり",
        "diff_prompts_changed": "ケースのプロンプト {n}件が変更",
        "diff_what_evalkit_version": "evalkit のバージョン",
        "diff_what_suite": "スイート",
        "diff_what_suite_file": "スイートファイル",
        "diff_what_client": "クライアント",
        "diff_what_model": "モデル",
        "diff_what_params": "パラメータ",
        "diff_what_samples": "サンプル数",
        "diff_what_seed": "シード",
        "diff_what_poc": "PoC",
        "diff_what_prompts": "プロンプト",
        "diff_what_options": "オプション",
        "diff_no_case_changed": "{metric} で合否が変わったケースなし",
        "diff_describe_head": "{metric} で新たに失敗 {failing}件、新たに合格 {passing}件",
        "diff_too_few": "{head}。件数が少なく判断できません",
        "diff_significant": "{head}。有意（{p}）",
        "diff_not_significant": "{head}。有意差なし（{p}）",
        "diff_untestable": "ケースごとの結果がないため、変化を検定できません",
        "diff_md_verdicts": "| PoC | 旧判定 | 新判定 | |",
        "diff_md_worse": "⚠️ 悪化",
        "diff_md_changed": "変化",
        "diff_md_reasons": "**{poc}**：変わった判定理由",
        "diff_md_rates": "### 失敗率（対応のある検定、有意水準 {alpha}）",
        "diff_md_rates_header": "| PoC | 指標 | タグ | 旧 | 新 | 変化 | 対応のある検定 |",
        "diff_md_no_rate_changed": "| | 変化した失敗率なし | | | | | |",
        "diff_md_hidden": "変化のない指標・タグの行 {n}件は省略しています。",
        "diff_md_flipped": (
            "### 合否が変わったケース：新たに失敗 {failing}件、新たに合格 {passing}件"
        ),
        "diff_md_flipped_header": "| ケース | 変化 | 旧の出力 | 新の出力 |",
        "diff_md_same_outputs": "（両方の実行で出力は同じ）",
        "diff_md_more_json": "…ほか {n}件（evalkit diff --format json で確認できます）。",
        "diff_md_list_more_json": "- …ほか {n}件（evalkit diff --format json で確認できます）",
        "diff_md_review_heading": "### レビュー結果（判定は補正後の失敗率で行っています）",
        "diff_md_review_header": (
            "| PoC | 指標 | 判定 | 補正後の失敗率（信頼区間） | レビュー件数 | スコアラーの適合率 "
            "| スコアラーの再現率 | κ | |"
        ),
        "diff_md_review_flipped": "⚠️ 判定が変化",
        "diff_md_review_flips": "**レビュー担当者の判断が変わったケース**（両方でレビュー済み）：{n}件",
        "diff_md_only_old": "**旧の実行にだけあるケース**（{n}件）：{listed}{rest}",
        "diff_md_only_new": "**新の実行にだけあるケース**（{n}件）：{listed}{rest}",
        "diff_md_provenance": "### 実行条件の変更",
        "diff_md_provenance_header": "| スイート | 項目 | 旧 | 新 |",
        "diff_md_run": "（実行全体）",
        "diff_fail_verdict_drop": "verdict-drop：{poc} の判定が悪化 {old} → {new}",
        "diff_fail_regression": "regression：{poc} {metric}：{sentence}",
        "diff_fail_any_flip": "any-flip：{n}件のケースで合否が変化",
        "form_title": "レビュー：{title}",
        "form_reviewer": "レビュー担当者",
        "form_download": "記入済みCSVをダウンロード",
        "form_of": " / ",
        "form_reviewed": " 件レビュー済み",
        "form_critical": "（重要ケース）",
        "form_prompt": "プロンプト",
        "form_outputs": "出力",
        "form_references": "参照回答",
        "form_context": "根拠資料",
        "form_human": "人手判定：",
        "form_pass_fail": "（pass/fail）",
        "form_comment": "コメント（comment）",
        "form_name_first": (
            "先に「レビュー担当者」に名前を入力してください。レビューは監査記録として残ります。"
        ),
        "form_wrote_sheet": (
            "{out} を書き出しました：{total}件中{picked}件（重要ケース{critical}件）。"
            "レビュー担当者が {columns}（pass/fail）、usable、correction、risk、comment、"
            "reviewer を記入したら：evalkit review import {result} {out}"
        ),
        "form_wrote_html": "{file} を書き出しました：同じシートのHTMLフォーム（記入済みCSVをダウンロード）",
        "op_workers": "{n}個のワーカープロセスで実行しています…",
        "op_interrupted": (
            "\n中断しました。完了したケースは {out} に残っています。同じコマンドをもう一度実行"
            "すると、それらのケースはモデルを呼び出さずに再開します。"
        ),
        "op_unmatched_case": "警告：--case {case}：実行したスイートにこの ID のケースはありません",
        "op_resumed": "再開：中断した実行から {n}件を引き継ぎました。",
        "op_junit": "JUnit XML：{file}",
        "op_merged": "{n}個の結果フォルダーを {out} に統合しました",
        "op_partial_merge": (
            "部分的な統合：全{of}シャードのうち {shards} を {out} に統合しました。上の判定は"
            "これらのシャードのケースだけについてのもので、実行全体の判定ではありません"
        ),
        "op_stale_recordings": (
            "エラー：記録済みの出力{n}件は別のプロンプトに対するものです（古い記録）{examples}。"
            "記録後にプロンプトが変わりました。この判定を信頼する前に記録し直してください"
            "（evalkit run --record）。"
        ),
        "op_stale_examples": "（例：{ids}）",
        "op_suites": _suites_ja,
        "op_broken_title": (
            "実行失敗：{suites} の全ケース（{n}件）がクライアントエラーで終了したため、"
            "以下の判定はモデルの評価になっていません。"
        ),
        "op_first_errors": "最初のエラー：",
        "op_cannot_read": "  （{file} を読めません：{error}）",
        "op_broken_fix": (
            "クライアント（スイートが指定するプログラム、URL、キー、記録）を修正して再実行"
            "してください。すべてのエラーは {file} にあります。"
        ),
        "op_broken_error": (
            "エラー：実行が失敗しています。{suites} の全ケースがクライアントエラーで終了しました"
            "（終了コード {code}、判定ではありません）。上の最初のエラーを確認してください"
        ),
    },
}
