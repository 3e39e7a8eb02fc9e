"""CSS and JavaScript embedded in the HTML report (kept as strings: the report is one file,
opens from disk, and fetches nothing).

The script reads the cases from a `<script type="application/json">` tag and renders one page
of rows at a time (50 by default), so 10,000 cases never become 10,000 DOM rows. Every value
from the data is put in the page with `textContent`, never `innerHTML`: outputs are untrusted
text and may contain markup.
"""

CSS = r"""
:root { --continue: #1a7f37; --redesign: #b35900; --stop: #c62828; --muted: #5f6368;
  --line: #d8dde3; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto,
  "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Noto Sans CJK JP", "Noto Sans JP",
  "Yu Gothic", Meiryo, sans-serif; color: #1f2328; background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 60px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 32px 0 8px; }
h3 { font-size: 1.05rem; margin: 20px 0 6px; }
.muted { color: var(--muted); }
.small { font-size: 0.85rem; }
.poc { border: 1px solid var(--line); border-radius: 10px; padding: 20px; margin: 20px 0;
  background: #fff; }
.poc-head { display: flex; gap: 20px; align-items: center; flex-wrap: wrap; }
.verdict { display: inline-block; color: #fff; font-weight: 700; font-size: 1.9rem;
  letter-spacing: 0.06em; text-transform: uppercase; padding: 6px 22px; border-radius: 8px; }
.verdict.continue { background: var(--continue); }
.verdict.redesign { background: var(--redesign); }
.verdict.stop { background: var(--stop); }
.meaning { font-size: 1.05rem; max-width: 760px; margin: 0; }
.reasons { margin: 12px 0 4px; padding-left: 22px; }
.reasons li { margin: 4px 0; }
.facts { color: var(--muted); font-size: 0.9rem; }
.chart { display: grid; grid-template-columns: minmax(180px, 300px) 1fr; gap: 4px 16px;
  align-items: center; margin: 6px 0; }
.chart .label { font-size: 0.9rem; }
.chart .label b { font-size: 0.95rem; }
.chart svg { width: 100%; max-width: 640px; height: auto; }
.chart.chart-tag .label { padding-left: 18px; }
.poc h2 { margin-top: 0; }
.status-pass { color: var(--continue); font-weight: 600; }
.status-miss { color: var(--redesign); font-weight: 600; }
.status-stop { color: var(--stop); font-weight: 600; }
.status-unjudged { color: var(--muted); }
.legend { font-size: 0.85rem; color: var(--muted); margin: 4px 0 10px; }
.controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 10px 0;
  position: sticky; top: 0; background: #fff; padding: 8px 0; z-index: 1;
  border-bottom: 1px solid var(--line); }
.controls input[type=search] { flex: 1 1 260px; padding: 7px 10px; font-size: 0.95rem;
  border: 1px solid #b7bec7; border-radius: 6px; }
.controls select, .controls button { padding: 6px 8px; font-size: 0.9rem; border-radius: 6px;
  border: 1px solid #b7bec7; background: #fff; }
.controls button:disabled { opacity: 0.4; }
table.cases { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.cases th { text-align: left; font-size: 0.85rem; color: var(--muted);
  border-bottom: 2px solid var(--line); padding: 6px; }
table.cases td { vertical-align: top; border-bottom: 1px solid var(--line); padding: 8px 6px;
  font-size: 0.88rem; overflow-wrap: anywhere; }
.txt { white-space: pre-wrap; }
table.review { border-collapse: collapse; font-size: 0.88rem; margin: 6px 0; }
table.review th { text-align: left; color: var(--muted); border-bottom: 2px solid var(--line);
  padding: 4px 8px; }
table.review td { border-bottom: 1px solid var(--line); padding: 4px 8px; }
.badge { display: inline-block; border-radius: 4px; padding: 1px 7px; font-size: 0.8rem;
  font-weight: 600; color: #fff; white-space: nowrap; }
.badge.fail { background: var(--stop); }
.badge.error { background: #6e40c9; }
.badge.pass { background: var(--continue); }
.badge.none { background: var(--muted); }
.tag { display: inline-block; background: var(--bg); border: 1px solid var(--line);
  border-radius: 10px; padding: 0 7px; margin: 2px 2px 0 0; font-size: 0.78rem; }
.crit { color: var(--stop); font-weight: 600; font-size: 0.8rem; }
.out { margin: 0 0 6px; }
.out .lbl, .kn .lbl { color: var(--muted); font-size: 0.78rem; display: block; }
.score { margin: 0 0 6px; }
.score.ok::before { content: "✓ "; color: var(--continue); font-weight: 700; }
.score.bad::before { content: "✗ "; color: var(--stop); font-weight: 700; }
.err { color: #6e40c9; }
details summary { cursor: pointer; }
.pager { display: flex; gap: 8px; align-items: center; margin: 12px 0; }
.empty { padding: 24px; text-align: center; color: var(--muted); }
details.tag-rates { margin: 2px 0 12px 18px; }
details.tag-rates > summary { font-size: 0.85rem; color: var(--muted); padding: 2px 0; }
/* Phones: the case table becomes one card per case, each cell under its own label, so no
   column is squeezed to a character's width. */
@media (max-width: 720px) {
  main { padding: 14px 10px 40px; }
  .poc { padding: 12px; }
  .verdict { font-size: 1.4rem; padding: 4px 14px; }
  .chart { grid-template-columns: 1fr; gap: 0; }
  .chart.chart-tag .label { padding-left: 0; }
  details.tag-rates { margin-left: 0; }
  table.cases, table.cases tbody, table.cases tr, table.cases td { display: block; width: 100%; }
  table.cases thead, table.cases colgroup { display: none; }
  table.cases tr { border-bottom: 2px solid var(--line); padding: 8px 0; }
  table.cases td { border: 0; padding: 3px 0; }
  table.cases td[data-label]::before { content: attr(data-label); display: block;
    color: var(--muted); font-size: 0.75rem; font-weight: 600; text-transform: uppercase;
    letter-spacing: 0.03em; }
}
"""

JS = r"""
(function () {
  "use strict";
  var PAGE = 50, CLIP = 280;
  var DATA = JSON.parse(document.getElementById("evalkit-cases").textContent);
  var W = JSON.parse(document.getElementById("evalkit-words").textContent);
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }
  var $ = function (id) { return document.getElementById(id); };
  var q = $("search"), fStatus = $("status-filter"), fPoc = $("poc-filter"),
      fMetric = $("metric-filter"), fTag = $("tag-filter"), rows = $("case-rows");
  var view = DATA, page = 0, hay = null, timer = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function longText(text, cls) {
    text = text === null || text === undefined ? "" : String(text);
    if (text.length <= CLIP) return el("div", "txt " + (cls || ""), text);
    var d = el("details", cls || "");
    d.appendChild(el("summary", "txt", text.slice(0, CLIP) + "…"));
    d.appendChild(el("div", "txt", text));
    return d;
  }
  function options(select, values) {
    values.sort().forEach(function (v) { var o = el("option", "", v); o.value = v; select.appendChild(o); });
    if (!values.length) select.parentNode.style.display = "none";
  }
  function uniq(fn) {
    var seen = {}, out = [];
    DATA.forEach(function (r) { fn(r).forEach(function (v) { if (!seen[v]) { seen[v] = 1; out.push(v); } }); });
    return out;
  }
  function haystack(r) {
    var parts = [r.s, r.c, r.p, r.pr, r.cx, r.e].concat(r.t || [], r.o || [], r.rf || [], r.fb || []);
    (r.sc || []).forEach(function (s) { parts.push(s[0], s[3]); });
    return parts.filter(function (x) { return x !== null && x !== undefined; }).join("\n").toLowerCase();
  }
  function scoreOf(r, metric) {
    var sc = r.sc || [];
    for (var i = 0; i < sc.length; i++) if (sc[i][0] === metric) return sc[i];
    return null;
  }
  function keep(r, i, needle, st, poc, metric, tag) {
    if (poc && r.p !== poc) return false;
    if (tag && (r.t || []).indexOf(tag) < 0) return false;
    if (metric) {
      var s = scoreOf(r, metric);
      if (!s) return false;
      if (st === "fail" && s[1] !== false) return false;
      if (st === "pass" && s[1] !== true) return false;
      if (st === "error") return false;
    } else if (st !== "all" && r.st !== st) return false;
    if (needle) {
      if (!hay) hay = DATA.map(haystack);
      if (hay[i].indexOf(needle) < 0) return false;
    }
    return true;
  }
  function apply() {
    var needle = q.value.trim().toLowerCase(), st = fStatus.value, poc = fPoc.value,
        metric = fMetric.value, tag = fTag.value;
    view = [];
    for (var i = 0; i < DATA.length; i++)
      if (keep(DATA[i], i, needle, st, poc, metric, tag)) view.push(DATA[i]);
    page = 0;
    render();
  }
  var BADGE = { fail: W.badge_fail, error: W.badge_error, pass: W.badge_pass, none: W.badge_none };
  function row(r) {
    var tr = el("tr");
    var c0 = el("td"); c0.appendChild(el("span", "badge " + r.st, BADGE[r.st] || r.st));
    var c1 = el("td");
    c1.appendChild(el("div", "", r.c)).style.fontWeight = "600";
    c1.appendChild(el("div", "muted small", r.s + (r.p && r.p !== r.s ? " · " + r.p : "")));
    (r.t || []).forEach(function (t) { c1.appendChild(el("span", "tag", t)); });
    if (r.k) c1.appendChild(el("div", "crit", W.critical));
    var c2 = el("td"); c2.appendChild(longText(r.pr));
    var c3 = el("td");
    (r.o || []).forEach(function (o, j) {
      var box = el("div", "out");
      var flags = (r.ob && r.ob[j]) || [];
      box.appendChild(el("span", "lbl", ((r.l && r.l[j]) || fill(W.sample, { n: j })) +
        (flags.length ? " · ✗ " + flags.join(", ") : "")));
      if (o === null) box.appendChild(el("div", "err", W.call_failed));
      else box.appendChild(longText(o));
      c3.appendChild(box);
    });
    var c4 = el("td");
    function kn(label, value) {
      if (value === null || value === undefined || value === "" ||
          (Array.isArray(value) && !value.length)) return;
      var box = el("div", "kn out");
      box.appendChild(el("span", "lbl", label));
      box.appendChild(longText(Array.isArray(value) ? value.join("\n") : value));
      c4.appendChild(box);
    }
    kn(W.reference, r.rf); kn(W.context, r.cx); kn(W.forbidden, r.fb);
    if (r.an === false) kn(W.expected, W.decline);
    var c5 = el("td");
    if (r.e) {
      var er = el("div", "err score");
      er.textContent = W.client_error + (r.ek ? " (" + r.ek + ")" : "") + ": " + r.e;
      c5.appendChild(er);
    }
    (r.sc || []).forEach(function (s) {
      var box = el("div", "score " + (s[1] ? "ok" : "bad"));
      box.appendChild(el("b", "", s[0]));
      box.appendChild(document.createTextNode(s[1] || s[2] === null ? ": " : fill(W.score, { score: s[2] })));
      box.appendChild(longText(s[3]));
      c5.appendChild(box);
    });
    var LABELS = ["", "", W.prompt, W.outputs, W.knowledge, W.scorers];
    [c0, c1, c2, c3, c4, c5].forEach(function (c, i) {
      if (LABELS[i]) c.setAttribute("data-label", LABELS[i]);
      tr.appendChild(c);
    });
    return tr;
  }
  function fmt(n) { return n.toLocaleString("en-US"); }
  function render() {
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    if (page >= pages) page = pages - 1;
    var start = page * PAGE, end = Math.min(view.length, start + PAGE);
    var frag = document.createDocumentFragment();
    for (var i = start; i < end; i++) frag.appendChild(row(view[i]));
    if (!view.length) {
      var tr = el("tr"), td = el("td", "empty", DATA.length ? W.no_match : W.no_cases_file);
      td.colSpan = 6; tr.appendChild(td); frag.appendChild(tr);
    }
    rows.replaceChildren(frag);
    var count = $("match-count");
    count.dataset.count = String(view.length);
    count.textContent = fill(W.count, { shown: fmt(view.length), total: fmt(DATA.length) }) +
      (view.length ? fill(W.showing, { from: fmt(start + 1), to: fmt(end) }) : "");
    $("page-info").textContent = fill(W.page, { page: page + 1, pages: pages });
    $("prev-page").disabled = page === 0;
    $("next-page").disabled = page >= pages - 1;
  }
  options(fPoc, uniq(function (r) { return r.p ? [r.p] : []; }));
  options(fMetric, uniq(function (r) { return (r.sc || []).map(function (s) { return s[0]; }); }));
  options(fTag, uniq(function (r) { return r.t || []; }));
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 150); });
  [fStatus, fPoc, fMetric, fTag].forEach(function (s) { s.addEventListener("change", apply); });
  $("prev-page").addEventListener("click", function () { if (page > 0) { page--; render(); } });
  $("next-page").addEventListener("click", function () { page++; render(); });
  render();
})();
"""
