"""The review sheet as a self-contained HTML form: one file that opens from disk and
fetches nothing. Reviewers read each case (prompt, outputs, references, context, each
scorer's decision and reason), mark `human_<metric>`, usable, correction, risk and a
comment, type their name once, and download the filled CSV — the same columns and cells as
`sheet_text` writes (UTF-8 with BOM, the reasons in the same language), which `evalkit review
import` reads. Marks are kept in
the browser's local storage for this file, so closing the tab loses nothing.

The cases travel as JSON inside a `<script type="application/json">` block with `<`, `>`
and `&` escaped, so no model text can end the block or become markup; the page shows every
text with `textContent`, never as HTML.

The page's own words are in `lang` (`_i18n` keys `form_`), put into the page where the
template says `@@W:key@@` (HTML, escaped) or `@@J:key@@` (a JavaScript string literal), in
one pass before the cases go in: English is the page evalkit wrote before it had a second
language, byte for byte. Column names and the values a reviewer picks stay English (they are
the CSV's, which `evalkit review import` reads).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from evalkit._i18n import say
from evalkit.review.sheet import LABELS, QUALITATIVE, sheet_cells, sheet_columns

__all__ = ["form_html"]


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def form_html(
    rows: Iterable[Mapping[str, Any]], metrics: Sequence[str], title: str, lang: str = "en"
) -> str:
    """The HTML form for `rows` (cases.jsonl rows) and `metrics`, its headings and the
    scorers' reasons worded in `lang`."""
    data = {
        "columns": sheet_columns(metrics),
        "rows": sheet_cells(rows, metrics, lang),
        "metrics": list(metrics),
        "labels": list(LABELS),
        "qualitative": {k: list(v) for k, v in QUALITATIVE.items()},
    }
    head, tail = _PAGE.split("@@DATA@@")
    return _words(head, title, lang) + _json(data) + _words(tail, title, lang)


def _words(page: str, title: str, lang: str) -> str:
    """`page` with its words in `lang` (the title filled in): one pass, so no filled-in
    text is read again as a placeholder."""
    prefix = say("form_title", lang, title="\0").split("\0")[0]

    def word(match: re.Match[str]) -> str:
        kind, key = match.group(1), match.group(2)
        if kind == "LANG":
            return html.escape(lang)
        if kind == "TITLE_RE":  # the download's name: the page title without its prefix
            return "/^" + re.sub(r"([\\^$.|?*+()\[\]{}/])", r"\\\1", prefix) + "/"
        text = say(key, lang, title=title)
        return html.escape(text) if kind == "W" else _json(text)

    return re.sub(r"@@(W|J|LANG|TITLE_RE):?([a-z_]*)@@", word, page)


_PAGE = """<!doctype html>
<html lang="@@LANG:@@">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>@@W:form_title@@</title>
<style>
body { font: 15px/1.45 system-ui, "Hiragino Sans", "Noto Sans CJK JP", sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #d8dce3; padding: .6em 1em; display: flex; gap: 1em; align-items: center; flex-wrap: wrap; z-index: 1; }
header h1 { font-size: 1.05em; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 1em; }
.case { background: #fff; border: 1px solid #d8dce3; border-radius: 8px; margin: 0 0 1em; padding: .8em 1em; }
.case.done { border-left: 6px solid #2e7d32; }
.case h2 { font-size: 1em; margin: 0 0 .4em; }
.block { margin: .4em 0; }
.block b { display: block; font-size: .8em; color: #5b6475; text-transform: uppercase; letter-spacing: .03em; }
.block pre { white-space: pre-wrap; word-break: break-word; margin: 0; font: inherit; background: #f3f4f7; padding: .4em .6em; border-radius: 4px; }
.scorer { font-size: .9em; } .fail { color: #b3261e; font-weight: 600; } .pass { color: #2e7d32; font-weight: 600; }
.marks { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: .5em; margin-top: .6em; }
.marks label { font-size: .85em; display: flex; flex-direction: column; gap: .15em; }
textarea { width: 100%; box-sizing: border-box; min-height: 3em; font: inherit; }
button { font: inherit; padding: .35em .9em; }
</style>
</head>
<body>
<header>
  <h1>@@W:form_title@@</h1>
  <label>@@W:form_reviewer@@ <input id="reviewer" autocomplete="name"></label>
  <span id="progress" data-done="0"></span>
  <button id="download" type="button">@@W:form_download@@</button>
</header>
<main id="cases"></main>
<script type="application/json" id="data">@@DATA@@</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var cols = data.columns, at = {};
  cols.forEach(function (c, i) { at[c] = i; });
  var key = "evalkit-review:" + location.pathname;
  var saved = {};
  try { saved = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { saved = {}; }
  var reviewer = document.getElementById("reviewer");
  reviewer.value = saved.reviewer || "";
  var marks = saved.marks || {};
  function save() {
    try { localStorage.setItem(key, JSON.stringify({ reviewer: reviewer.value, marks: marks })); } catch (e) { /* storage off: marks live in the page */ }
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function block(title, text) {
    var d = el("div", undefined, "block");
    d.appendChild(el("b", title));
    d.appendChild(el("pre", text));
    return d;
  }
  function select(name, options, value, onchange) {
    var s = document.createElement("select");
    s.name = name;
    [""].concat(options).forEach(function (o) {
      var opt = el("option", o === "" ? "—" : o);
      opt.value = o;
      s.appendChild(opt);
    });
    s.value = value || "";
    s.addEventListener("change", function () { onchange(s.value); });
    return s;
  }
  var fields = data.metrics.map(function (m) { return "human_" + m; }).concat(Object.keys(data.qualitative));
  function filled(id) {
    var m = marks[id] || {};
    return Object.keys(m).some(function (k) { return m[k] !== ""; });
  }
  function progress() {
    var done = data.rows.filter(function (r) { return filled(r[at.suite] + "/" + r[at["case"]]); }).length;
    var p = document.getElementById("progress");
    p.dataset.done = String(done);
    p.textContent = done + @@J:form_of@@ + data.rows.length + @@J:form_reviewed@@;
  }
  var main = document.getElementById("cases");
  data.rows.forEach(function (r) {
    var id = r[at.suite] + "/" + r[at["case"]];
    var box = el("section", undefined, "case");
    box.dataset.case = id;
    box.appendChild(el("h2", id + (r[at.critical] ? @@J:form_critical@@ : "")));
    [["prompt", @@J:form_prompt@@], ["outputs", @@J:form_outputs@@], ["references", @@J:form_references@@], ["context", @@J:form_context@@]].forEach(function (pair) {
      if (r[at[pair[0]]]) box.appendChild(block(pair[1], r[at[pair[0]]]));
    });
    data.metrics.forEach(function (m) {
      var decision = r[at["scorer_" + m]];
      if (!decision) return;
      var p = el("div", undefined, "scorer");
      p.appendChild(el("span", m + ": "));
      p.appendChild(el("span", decision, decision));
      p.appendChild(el("span", " — " + r[at["reason_" + m]]));
      box.appendChild(p);
    });
    var grid = el("div", undefined, "marks");
    var m = marks[id] = marks[id] || {};
    function update(name, value) {
      m[name] = value;
      box.classList.toggle("done", filled(id));
      save();
      progress();
    }
    data.metrics.forEach(function (metric) {
      if (!r[at["scorer_" + metric]]) return;
      var l = el("label", @@J:form_human@@ + metric + @@J:form_pass_fail@@);
      l.appendChild(select("human_" + metric, data.labels, m["human_" + metric], function (v) { update("human_" + metric, v); }));
      grid.appendChild(l);
    });
    Object.keys(data.qualitative).forEach(function (q) {
      var l = el("label", q);
      l.appendChild(select(q, data.qualitative[q], m[q], function (v) { update(q, v); }));
      grid.appendChild(l);
    });
    box.appendChild(grid);
    var c = el("label", @@J:form_comment@@);
    var t = document.createElement("textarea");
    t.name = "comment";
    t.value = m.comment || "";
    t.addEventListener("input", function () { update("comment", t.value); });
    c.appendChild(t);
    box.appendChild(c);
    box.classList.toggle("done", filled(id));
    main.appendChild(box);
  });
  reviewer.addEventListener("input", save);
  progress();
  function quote(cell) {
    return /[",\\r\\n]/.test(cell) ? '"' + cell.replace(/"/g, '""') + '"' : cell;
  }
  function csv() {
    var lines = [cols.map(quote).join(",")];
    data.rows.forEach(function (r) {
      var id = r[at.suite] + "/" + r[at["case"]];
      var m = marks[id] || {};
      var cells = r.slice();
      fields.concat(["comment"]).forEach(function (f) { if (m[f]) cells[at[f]] = m[f]; });
      if (filled(id)) cells[at.reviewer] = reviewer.value.trim();
      lines.push(cells.map(quote).join(","));
    });
    return "\\ufeff" + lines.join("\\r\\n") + "\\r\\n";
  }
  window.evalkitReviewCsv = csv;
  document.getElementById("download").addEventListener("click", function () {
    if (!reviewer.value.trim() && data.rows.some(function (r) { return filled(r[at.suite] + "/" + r[at["case"]]); })) {
      alert(@@J:form_name_first@@);
      reviewer.focus();
      return;
    }
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([csv()], { type: "text/csv;charset=utf-8" }));
    a.download = (document.title.replace(@@TITLE_RE:@@, "") || "review") + ".filled.csv";
    document.body.appendChild(a);
    a.click();
    a.remove();
  });
})();
</script>
</body>
</html>
"""
