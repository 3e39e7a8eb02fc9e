"""Memory of a scoring process's English word tables (a script that prints figures, not a
test): simplemma's lemma dictionary and wordfreq's frequency list, the way `_language` loads
them ("new": simplemma's low-memory backend, wordfreq's data file read directly) against the
way it loaded them before ("old": `simplemma.lemmatize` on its in-memory dict backend,
`import wordfreq` and a copy of its `get_frequency_dict`).

    python tests/benchmarks/lemma_memory.py [--cases 20000] [--repeat 3]

Each measurement is a fresh process (old and new alternately, `--repeat` times each; medians
printed). A process builds the hallucination scorer, then records its RSS (VmRSS, MB) and
the CPU time of each step:

- first lemma: the lemmatiser's first use (loading its dictionary);
- first frequency: the frequency list's first use;
- `en_lemma` over every distinct word of the dev data (`../shared/data`, when present):
  once ("cold": each word's first lemma in the process) and again ("warm": from
  `en_lemma`'s cache), in µs per lookup; the RSS after it is that of a process that has met
  a wide vocabulary. Measured before scoring, on a small heap: after scoring 20,000
  outputs, a full garbage collection (walking the scorer's caches) lands in the first pass
  and adds ~17 µs a word to either table (old table: 20.7 µs, 3.7 µs with `gc` disabled),
  which is not the table's cost;
- scoring `--cases` paraphrasing outputs (`scale.py --shape paraphrase`'s load), the
  lemma caches emptied first;
- and, in a process of its own, scoring the HaluEval QA outputs once (`hallucination_speed`'s
  load (b)): CPU time including the tables' loading and every first lemma, the cost a small
  suite with a wide vocabulary sees.

The figures feed the README's Speed section (memory) and `_language`'s docstrings.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data"
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]")


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _use_old_tables() -> None:
    """`_language` as it was: the `simplemma` module's `lemmatize` (default dict backend, its
    own 65,536-entry cache) and `dict(wordfreq.get_frequency_dict(lang, "small"))`."""
    from evalkit.scorers import _language

    def lemmatizer() -> Any:
        import simplemma

        return simplemma

    @lru_cache(maxsize=2)
    def frequencies(lang: str) -> dict[str, float]:
        import wordfreq

        return dict(wordfreq.get_frequency_dict(lang, wordlist="small"))

    _language._lemmatizer = lemmatizer  # type: ignore[assignment]
    _language._frequencies = frequencies  # type: ignore[assignment]


def _dev_words() -> list[str]:
    words: set[str] = set()
    for path in sorted(DATA.glob("*/*.jsonl")) if DATA.is_dir() else []:
        words.update(w.lower() for w in _WORD.findall(path.read_text(encoding="utf-8")))
    return sorted(words)


def child(table: str, cases: int) -> dict[str, float]:
    """One process's figures (see the module docstring)."""
    from evalkit.scorers import _language
    from evalkit.scorers.hallucination import make
    from evalkit.values import ScorerConfig
    from tests.benchmarks.hallucination_speed import scale_items

    if table == "old":
        _use_old_tables()
    scorer = make(ScorerConfig("hallucination", None, {}))
    out = {"rss_start": _rss_mb()}

    start = time.process_time()
    _language.en_lemma("wrapped")
    out["first_lemma_ms"] = (time.process_time() - start) * 1e3
    out["rss_lemma"] = _rss_mb()
    start = time.process_time()
    _language.zipf("wrapped")
    out["first_frequency_ms"] = (time.process_time() - start) * 1e3
    out["rss_frequency"] = _rss_mb()

    words = _dev_words()
    if words:
        for label in ("cold", "warm"):
            start = time.process_time()
            for word in words:
                _language.en_lemma(word)
            out[f"us_lemma_{label}"] = (time.process_time() - start) / len(words) * 1e6
        out["rss_vocabulary"] = _rss_mb()
        out["words"] = len(words)
        del words
        _language.en_lemma.cache_clear()  # scoring starts with the caches a process has
        if table == "old":
            import simplemma.lemmatizer

            simplemma.lemmatizer._legacy_lemmatizer_for(
                False, False
            )._cached_lemmatize.cache_clear()

    items = [item for item, _ in scale_items(cases, seed=0, shape="paraphrase")]
    start = time.process_time()
    for item in items:
        scorer.score(item)
    out["us_per_output"] = (time.process_time() - start) / max(1, len(items)) * 1e6
    out["rss_scored"] = _rss_mb()
    return out


def first_pass(table: str) -> dict[str, float]:
    """A fresh process scoring the HaluEval QA outputs once: the user-visible cost of the
    tables on a small suite with a wide vocabulary (their loading and every first lemma)."""
    from evalkit.scorers.hallucination import make
    from evalkit.values import ScorerConfig
    from tests.benchmarks.hallucination_speed import halueval_items

    if table == "old":
        _use_old_tables()
    scorer = make(ScorerConfig("hallucination", None, {}))
    items = halueval_items()
    start = time.process_time()
    for item in items:
        scorer.score(item)
    return {
        "first_pass_ms": (time.process_time() - start) * 1e3,
        "rss_first_pass": _rss_mb(),
        "first_pass_outputs": len(items),
    }


_ROWS = [
    ("rss_start", "RSS, scorer built (MB)"),
    ("first_lemma_ms", "first lemma (ms CPU)"),
    ("rss_lemma", "RSS after it (MB)"),
    ("first_frequency_ms", "first frequency (ms CPU)"),
    ("rss_frequency", "RSS after it (MB)"),
    ("us_lemma_cold", "en_lemma µs, cold (dev words)"),
    ("us_lemma_warm", "en_lemma µs, warm"),
    ("rss_vocabulary", "RSS after the dev words (MB)"),
    ("us_per_output", "µs CPU per paraphrasing output"),
    ("rss_scored", "RSS after scoring them (MB)"),
    ("first_pass_ms", "HaluEval QA, fresh process (ms CPU)"),
    ("rss_first_pass", "RSS after it (MB)"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000, help="paraphrasing outputs scored")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=("old", "new"), help=argparse.SUPPRESS)
    parser.add_argument("--first-pass", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        figures = first_pass(args.child) if args.first_pass else child(args.child, args.cases)
        print(json.dumps(figures))
        return 0

    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    passes = [[], ["--first-pass"]] if DATA.is_dir() else [[]]
    for _ in range(args.repeat):
        for table in runs:  # alternately: the machine's load drifts
            merged: dict[str, float] = {}
            for extra in passes:
                command = [sys.executable, __file__, "--child", table, "--cases", str(args.cases)]
                done = subprocess.run(command + extra, capture_output=True, text=True, check=True)
                merged.update(json.loads(done.stdout))
            runs[table].append(merged)
    words = runs["new"][0].get("words", 0)
    outputs = runs["new"][0].get("first_pass_outputs", 0)
    print(f"{args.cases} paraphrasing outputs; {words} distinct dev-data words; {outputs}")
    print(f"HaluEval QA outputs; medians of {args.repeat} processes each, old and new alternately")
    print(f"{'':<34} {'old':>9} {'new':>9}")
    for key, label in _ROWS:
        if key in runs["new"][0]:
            old = statistics.median(r[key] for r in runs["old"])
            new = statistics.median(r[key] for r in runs["new"])
            print(f"{label:<34} {old:>9.1f} {new:>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
