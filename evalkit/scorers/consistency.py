"""The consistency scorer: asked the same thing several times (samples) or in paraphrased
variants, does the model give equivalent answers?

Scored per case over all its outputs (every sample of every variant); None when fewer than
two outputs remain to compare. Methods (`method:`), each passing when its score reaches
`threshold`:

- default (`consistency: {}`, also `method: equivalent`) — the best general method.
  Outputs are grouped by `evalkit.scorers._answers.similarity`, which checks key facts
  before wording: numbers ("30 days" vs "60 days" disagree, "３０日" and "30日" agree; a
  number one answer adds is a detail unless the other puts words in its place, 「翌月10日」
  vs 「翌月末」; "within 30 days" vs "after 30 days" disagree, "not after 30 days" agrees
  with "within"), the yes/no an answer leads with ("Almost!", "Not quite", 「いいえ」 and
  "Unfortunately, we don't…" are noes), and negation clause by clause — one answer's
  clause denying what a clause of the other states about the same thing ("covered" vs
  "not covered", 「必要です」 vs 「少額なら不要です」, 「対象です」 vs 「対象外です」), while
  an added negated clause about something else ("charged when it ships, not when you
  order", 「保育所に入れない場合は…」) or a negation of nothing checkable ("Don't worry")
  is not a disagreement; refusals against answers; and names, except those the question gives
  ("Shipping to Toronto costs $12" and "For Canada it is $12" answer "shipping to
  Toronto?" alike) — the question, not the documents given with it: names from a
  handbook in the prompt are the answer's content (see `_question`). Paraphrases agree
  through token-set similarity or the overlap of the smaller answer's content units
  (English stems, CJK character bigrams — no whitespace tokenisation), so an answer that adds a detail to another still agrees; sharing the key
  fact (a number, a name, the same yes/no) with nothing contradicting it is agreement.
  Two long answers (`_language.is_short_answer` false for both) are compared claim by
  claim, each with its counterpart in the other (`_answers._claim_difference`): a detail
  only one of them mentions is coverage, not disagreement (figures on real answers:
  `tests/benchmarks/consistency_real.py`, README "Consistency").
  Score: the share of outputs in the largest group of mutually equivalent answers;
  default threshold 1.0 (every output equivalent). `agree` (default 0.5) is the
  similarity two outputs need. Blind spots: two answers that differ only in a word the
  lexicon cannot weigh ("over $50" vs "once you pass $50"), or in a paraphrased condition.
- `modal` — for short answers: share of outputs whose normalised text
  (`evalkit.common.text.normalize`) equals the most common one; default threshold 1.0.
- `pairwise` — for free text: mean pairwise rapidfuzz similarity (token-set ratio of the
  normalised texts); default threshold 0.8.
- `outcomes` — agreement of accuracy outcomes (k-of-n): all correct or all wrong is
  consistent, mixed is not. Reads `prior["accuracy"].details["samples"]` (per-output
  scores; ≥ 0.5 counts as correct); None when accuracy recorded no per-output outcomes.
  Score max(k, n−k)/n; default threshold 1.0.
- `judge` — for free text where wording cannot show agreement: a judge model (`judge:` a
  client spec or `{client, options}`) groups the case's outputs into equivalent answers,
  one call per case (`evalkit.scorers._judge_prompts.EQUIV_SYSTEM`, Japanese for a Japanese case);
  score and reason as the default's (largest group / outputs), the judge's reasoning in
  `details.judge`. A failed call or an unreadable reply is a case error, never a pass.

Independence of repeated samples (`duplicates`). A model may genuinely repeat itself, and
replay files and the cache are keyed by sample index, so byte-identical outputs are by
default kept (`duplicates: keep`) — but never silently: `details.sources` counts where the
outputs came from and `details.duplicates` lists groups of byte-identical outputs served by
replay or cache, and when *every* output of the case is one such repeated recording the
reason says that consistency could not be told apart from one recording handed back
(`details.independent: false`). `duplicates: collapse` counts byte-identical replay/cache
outputs of the same variant once (returning None when fewer than two distinct outputs
remain), for suites whose recordings may not hold independent samples.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from evalkit._i18n import Said
from evalkit.common.text import normalize, shorten
from evalkit.errors import ConfigProblem
from evalkit.scorers._answers import answer, difference, similarity
from evalkit.scorers.base import Params
from evalkit.values import ACCURACY, CONSISTENCY, Score, ScorerConfig, ScoringInput

if TYPE_CHECKING:
    from evalkit.scorers._judge import JudgeConfig

__all__ = ["make", "ConsistencyScorer", "JudgedConsistencyScorer", "METHODS"]

METHODS = ("equivalent", "modal", "pairwise", "outcomes", "judge")
_DEFAULT_THRESHOLD = {
    "equivalent": 1.0,
    "modal": 1.0,
    "pairwise": 0.8,
    "outcomes": 1.0,
    "judge": 1.0,
}


@dataclass(frozen=True, slots=True)
class _Pool:
    """The outputs consistency is computed on, after the duplicates rule."""

    outputs: tuple[str, ...]
    labels: tuple[str, ...]
    details: dict[str, Any]
    note: Said | None


# A var the prompt presents as the question: by its name, or by the label just before its
# placeholder in the template ("Customer question: {{q}}", 「質問: {{text}}」, "Q: {{x}}").
# The words are the hallucination scorer's (its grounding tells question text from
# knowledge the same way), plus "Q:" / a var named "q".
_QUESTION_LABEL = re.compile(r"question|query|ask|質問|問い|設問|問題|(?<!\w)q\s*[:：]|^q$", re.I)
# A var presented as a document given with the question (used when none is a question).
_DOCUMENT_LABEL = re.compile(
    r"context|document|\bdocs?\b|passage|knowledge|handbook|polic|manual|rules|reference|source"
    r"|article|excerpt|資料|文書|規程|規則|本文|参考|マニュアル|ハンドブック|ポリシー",
    re.I,
)
_LONG_VAR = 200  # characters: a var this long reads like a document, not a question


def _labelled(label: re.Pattern[str], name: str, templates: Sequence[str]) -> bool:
    """Does `name`, or the template text just before its placeholder, match `label`?"""
    if label.search(name):
        return True
    for template in templates:
        at = template.find("{{" + name)
        while at >= 0:
            # The label must be this var's own: no other placeholder between them.
            start = max(0, at - 40)
            end_of_other = template.rfind("}}", start, at)
            if end_of_other >= 0:
                start = end_of_other + 2
            if label.search(template[start:at].strip()):
                return True
            at = template.find("{{" + name, at + 1)
    return False


def _question(item: ScoringInput) -> str:
    """The question the case asks, in all its variants' wordings: names it gives are
    echoed by answers, not answered ("Shipping to Toronto costs $12" and "For Canada it
    is $12" answer "shipping to Toronto?" alike).

    Only the question counts, not the documents given with it (a handbook, a policy,
    retrieved passages): a name taken from those is what the answer says, so "We use
    GlobalProtect" and "We use Cisco AnyConnect" disagree even when the handbook in the
    prompt names both (issue 12: a short handbook var was taken for question text and hid
    the disagreement). The question is the vars the prompt presents as one — named or
    labelled "question", "query", 「質問」, "Q:" (`_QUESTION_LABEL`) — and any var the
    variants reword; only when there are none do the other short vars (< 200
    characters) count, unless named or labelled as a document (`_DOCUMENT_LABEL`)."""
    case, prompt = item.case, item.suite.prompt
    templates = (prompt.template, prompt.system or "")
    all_vars = (case.vars, *case.variants)
    names = [n for vars_ in all_vars for n in vars_ if isinstance(vars_[n], str)]
    asked = {
        n
        for n in names
        if _labelled(_QUESTION_LABEL, n, templates)
        or len({str(v.get(n)) for v in all_vars}) > 1  # the variants reword it
    }
    texts: list[str] = []
    for vars_ in all_vars:
        for name, value in vars_.items():
            if not isinstance(value, str) or value in texts:
                continue
            if (
                name in asked
                if asked
                else len(value) < _LONG_VAR and not _labelled(_DOCUMENT_LABEL, name, templates)
            ):
                texts.append(value)
    return "\n".join(texts)


class ConsistencyScorer:
    metric = CONSISTENCY

    def __init__(self, method: str, threshold: float, agree: float, duplicates: str) -> None:
        self.method = method
        self.threshold = threshold
        self.agree = agree
        self.duplicates = duplicates

    def score(self, item: ScoringInput) -> Score | None:
        pool = self._pool(item)
        if self.method == "outcomes":
            return self._outcomes(item, pool)
        if len(pool.outputs) < 2:
            return None
        if self.method == "pairwise":
            return self._pairwise(pool)
        if self.method == "modal":
            groups = self._group_by(pool, lambda a, b: normalize(a) == normalize(b))
        else:
            q = _question(item)
            groups = self._group_by(
                pool, lambda a, b: similarity(answer(a, q), answer(b, q)) >= self.agree
            )
        return self._grouped(pool, groups, _question(item))

    # -- the outputs to compare ----------------------------------------------------------
    def _pool(self, item: ScoringInput) -> _Pool:
        n = len(item.outputs)
        labels = item.labels if len(item.labels) == n else tuple(f"sample {i}" for i in range(n))
        sources = item.sources if len(item.sources) == n else ("live",) * n
        variants = item.variants if len(item.variants) == n else (0,) * n
        seen: dict[tuple[int, str], list[int]] = {}
        for i, (out, src, var) in enumerate(zip(item.outputs, sources, variants, strict=True)):
            if src != "live":
                seen.setdefault((var, out), []).append(i)
        dup_groups = [idx for idx in seen.values() if len(idx) > 1]
        details: dict[str, Any] = {"sources": dict(sorted(Counter(sources).items()))}
        if dup_groups:
            details["duplicates"] = [[labels[i] for i in idx] for idx in dup_groups]
        keep = list(range(n))
        note = None
        if dup_groups and self.duplicates == "collapse":
            dropped = {i for idx in dup_groups for i in idx[1:]}
            keep = [i for i in keep if i not in dropped]
            note = Said("con.collapsed", {"n": str(len(dropped))})
        elif n > 1 and len(dup_groups) == 1 and len(dup_groups[0]) == n:
            details["independent"] = False
            note = Said("con.one_text", {"n": str(n), "sources": "/".join(sorted(set(sources)))})
        return _Pool(
            tuple(item.outputs[i] for i in keep), tuple(labels[i] for i in keep), details, note
        )

    # -- methods -------------------------------------------------------------------------
    @staticmethod
    def _group_by(pool: _Pool, same: Any) -> list[list[int]]:
        """Greedy grouping: each output joins the first group whose first member it matches."""
        groups: list[list[int]] = []
        for i, out in enumerate(pool.outputs):
            for group in groups:
                if same(pool.outputs[group[0]], out):
                    group.append(i)
                    break
            else:
                groups.append([i])
        return groups

    def _grouped(
        self, pool: _Pool, groups: list[list[int]], question: str = "", judged: str = ""
    ) -> Score:
        """The score of the largest group; `judged`: the judge's reasoning, quoted after."""
        groups.sort(key=lambda g: (-len(g), g[0]))
        n, main = len(pool.outputs), groups[0]
        score = len(main) / n
        passed = score >= self.threshold - 1e-9
        details = dict(
            pool.details, method=self.method, groups=[[pool.labels[i] for i in g] for g in groups]
        )
        if len(groups) == 1:
            said = Said(
                "con.agree_all", {"n": str(n), "output": shorten(pool.outputs[main[0]], 50)}
            )
        else:
            rep = pool.outputs[main[0]]
            parts = []
            for g in groups[1:4]:
                out = pool.outputs[g[0]]
                how = (
                    difference(answer(out, question), answer(rep, question))
                    if self.method == "equivalent"
                    else None
                )
                says = {"labels": tuple(pool.labels[i] for i in g), "output": shorten(out, 50)}
                parts.append(Said("con.says", {**says, "how": how} if how else says))
            said = Said(
                "con.agree_some",
                {
                    "k": str(len(main)),
                    "n": str(n),
                    "others": tuple(parts),
                    "labels": tuple(pool.labels[i] for i in main),
                    "output": shorten(rep, 50),
                },
            )
        said = _noted(said, pool)
        if judged:
            said = Said("con.judged", {"reason": said, "reasoning": shorten(judged, 160)})
        return _scored(passed, score, said, details)

    def _pairwise(self, pool: _Pool) -> Score:
        norms = [normalize(o) for o in pool.outputs]
        pairs = {
            (i, j): fuzz.token_set_ratio(norms[i], norms[j]) / 100.0
            for i, j in combinations(range(len(norms)), 2)
        }
        score = sum(pairs.values()) / len(pairs)
        passed = score >= self.threshold - 1e-9
        (i, j), low = min(pairs.items(), key=lambda kv: kv[1])
        said = Said(
            "con.pairwise",
            {
                "score": f"{score:.2f}",
                "threshold": f"{self.threshold:.2f}",
                "label": pool.labels[i],
                "output": shorten(pool.outputs[i], 50),
                "other_label": pool.labels[j],
                "other": shorten(pool.outputs[j], 50),
                "low": f"{low:.2f}",
            },
        )
        details = dict(pool.details, method="pairwise", min_pair=round(low, 6))
        return _scored(passed, score, _noted(said, pool), details)

    def _outcomes(self, item: ScoringInput, pool: _Pool) -> Score | None:
        prior = item.prior.get(ACCURACY)
        samples = prior.details.get("samples") if prior is not None else None
        if not isinstance(samples, list) or len(samples) < 2:
            return None
        labels = (
            item.labels
            if len(item.labels) == len(samples)
            else tuple(f"sample {i}" for i in range(len(samples)))
        )
        correct = [bool(s) if isinstance(s, bool) else float(s) >= 0.5 for s in samples]
        k, n = sum(correct), len(correct)
        score = max(k, n - k) / n
        passed = score >= self.threshold - 1e-9
        if k in (0, n):
            said = Said("con.all_correct" if k else "con.all_wrong", {"n": str(n)})
        else:
            right = tuple(labels[i] for i, c in enumerate(correct) if c)
            wrong = tuple(labels[i] for i, c in enumerate(correct) if not c)
            said = Said("con.outcomes", {"k": str(k), "n": str(n), "wrong": wrong, "right": right})
        details = dict(pool.details, method="outcomes", outcomes=correct)
        return _scored(passed, score, said, details)


class JudgedConsistencyScorer(ConsistencyScorer):
    """`method: judge`: a model groups the outputs into equivalent answers (the pipeline
    awaits `ascore`); the duplicates rule applies first, as for every method."""

    def __init__(self, threshold: float, duplicates: str, judge: JudgeConfig) -> None:
        from evalkit.scorers._judge import Judge

        super().__init__("judge", threshold, 0.5, duplicates)
        self.judge = Judge(judge)

    async def aclose(self) -> None:
        """Called by the pipeline when the run ends: close the judge's client."""
        await self.judge.aclose()

    def score(self, item: ScoringInput) -> Score | None:
        raise TypeError("consistency method judge asks a model: await ascore()")

    async def ascore(self, item: ScoringInput) -> Score | None:
        pool = self._pool(item)
        if len(pool.outputs) < 2:
            return None
        groups, reasoning = await self.judge.equivalence(item, list(pool.outputs), _question(item))
        score = self._grouped(pool, groups, judged=reasoning)
        details = dict(score.details, judge={"reasoning": reasoning})
        return Score(score.passed, score.score, score.reason, details, score.said)


def _noted(said: Said, pool: _Pool) -> Said:
    """The reason with the duplicates rule's note, when there is one."""
    return said if pool.note is None else Said("con.noted", {"reason": said, "note": pool.note})


def _scored(passed: bool, score: float, said: Said, details: dict[str, Any]) -> Score:
    return Score(passed, score, said.text(), details, said)


def make(config: ScorerConfig) -> ConsistencyScorer:
    """Build from `scorers.consistency`: `method`, `threshold`, `agree`, `duplicates`."""
    method = config.method or "equivalent"
    if method not in METHODS:
        from evalkit.common.registry import did_you_mean

        raise ConfigProblem(
            "method",
            f"expected one of {', '.join(METHODS)}, got {method!r}{did_you_mean(method, list(METHODS))}",
            "leave it out for the default, which copes with numbers, negation, refusals and Japanese",
        )
    p = Params(config.params)
    threshold = p.number("threshold", _DEFAULT_THRESHOLD[method], lo=0, hi=1)
    agree = p.number("agree", 0.5, lo=0, hi=1) if method != "judge" else 0.5
    duplicates = p.choice("duplicates", "keep", ("keep", "collapse"))
    if method == "judge":
        judge = _judge_config(p.get("judge"))
        p.done()
        return JudgedConsistencyScorer(threshold, duplicates, judge)
    p.done()
    return ConsistencyScorer(method, threshold, agree, duplicates)


def _judge_config(value: Any) -> JudgeConfig:
    from evalkit.scorers._judge import JudgeConfig

    if isinstance(value, dict) and "mode" in value:
        raise ConfigProblem("judge.mode", "not used by consistency", "give client and options")
    config = JudgeConfig.parse(value)
    if config is None:
        raise ConfigProblem(
            "judge",
            "method judge needs a judge",
            'e.g. judge: "openai:gpt-4o-mini", or run with --judge SPEC',
        )
    return config
