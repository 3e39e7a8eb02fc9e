"""The hallucination scorer: does an output assert what the case's knowledge does not
support, or match a known-false answer?

Per output, `passed` means no hallucination was detected and `score` is the share of its
claims that are supported (the denominator is the output's claims; an output without
content claims scores 1.0). Layers run cheapest first; each can be switched off:

1. `forbidden` — the output matches a known-false answer (normalised; a negated mention
   such as "not 60 days" does not count). When the case has references too, the TruthfulQA
   rule decides instead: max similarity to a true answer − max similarity to a false one
   < 0 is a hallucination, with a similarity that sees numbers, names, yes/no and negation
   (`evalkit.scorers._answers`).
Short answers and long ones are judged differently (`_language.is_short_answer`: at most
two sentences and 40 words, or a JSON document). A long answer (an explanation, a summary,
a RAG answer) gets a *support score*: the specificity-weighted share of its units
(numbers in normal form, names, content-word lemmas / Japanese normalised forms;
`_language`, `_evidence`) that the knowledge or the question states. It fails under
`claims` when its *hallucination risk* — a logistic regression over five general
features of that support (unstated numbers, names, word weight, share, length), fitted
on RAGTruth and JHARS dev and shipped with how it was fitted (`_calibration`) — exceeds
`max_risk` (default 0.33); the reason names the unstated units.
A short answer, whose every word is the answer, is checked claim by claim as
below: a number or name the knowledge does not state fails it; unstated ordinary words
fail a claim only when they are more than 1 − `min_support` of the weight of what the
claim adds beyond the question's own words (paraphrase adds a word or two — "altogether",
"charged" — to content the knowledge states; an invented claim's new content is mostly
unstated). The claim-level checks of the older lexical index (binding, below) confirm
nothing on their own: a missing-word finding stands only when the language analysis
confirms it, and binding is not read on Japanese claims (on JHARS dev it flagged 13
faithful answers and no hallucinated one).

2. `claims` — the output is split into claims (sentences and clauses; a JSON object is one
   claim per field, "due_date: 2025-04-17"; presentational sentences such as "Here is the
   extracted data:" are not claims) and each claim's *checkable* content — names, numbers,
   content words, kanji/katakana terms — must be found in the knowledge or the question
   text and, in an answer of one claim (in every claim with `relations: true`), bound
   together in one knowledge sentence (one list item or labelled line, "Product 3: …",
   for structured documents; a word found in 3+ sentences of one text is a topic word
   that need not be bound). Courtesy and discourse words ("sorry", "unfortunately",
   "please", 「申し訳ありませんが」, 「ご愁傷様です」), light verbs and general words ("takes", "costs",
   "use", "new", "case"), Japanese formal nouns (「場合」, 「可能」, 「必要」) and citations
   of the source ("our policy", 「就業規則では」) are not checked: a grader would not call
   them unsupported (`evalkit.scorers._lexicon`). A claim's polarity must match the
   knowledge's: a claim that negates what the knowledge states positively, or states what
   it negates ("fees are refunded" vs "fees are not refunded"), is flagged; a negation
   that scopes over no content word ("Don't worry") does not count. Questions about two
   entities (`evalkit.scorers._compare`): for "Which was founded first, A or B?" the
   option picked must be the one the knowledge's years support; a "both …" answer to an
   "A and B" question must be stated of each of them; and "X directed W" fails when the
   knowledge says W was directed by someone else. The options an either/or question
   offers ("a democrat or a republican?") are no echo support: the option an answer picks
   must be in the knowledge (`_grounding.without_options`). Right words in the wrong
   relation (`evalkit.scorers._relations`, English): asked "… directed by who?", the
   answer must be the director the knowledge names for the question's subject, not its
   writer; asked which work an agent created, the answer must be named where the
   knowledge says "created by" that agent; an either/or question's other names ("closer
   to Cleveland, Ohio, A or B?") must be linked to the option picked when they are
   linked to the other; an answer that is one item of a knowledge list fails when another
   item's own sentence holds question words its sentences lack; "southern X" fails where
   the knowledge says only "northern X" (compass directions, ordinals). The reason names
   the missing words or the conflict. Runs only when the case has grounding text.
3. `specifics` — numbers, dates, amounts and names absent from the knowledge (fabricated),
   and multi-word names the knowledge never writes as a whole, though each word occurs
   ("Panama City Air Force Base" from "Panama City" and "Tyndall Air Force Base"); runs
   against references too.
4. `abstention` — for `answerable: false`, answering instead of declining is a
   hallucination. Declining (`evalkit.common.refusal.is_refusal`) is never a hallucination.
5. `judge` — optional: a client (an LLM) judges support; its verdict and reasoning are
   recorded (`mode: add` fails on UNSUPPORTED as one more layer; `mode: decide` lets the
   verdict replace layers 2 and 3; `mode: verify` asks only about outputs that layers 2
   and 3 alone flag, and SUPPORTED clears those findings — they stay in the details as
   `cleared`). In `add` mode the judge is asked only about outputs the lexical layers pass
   (the others already fail); declined outputs are never sent. Needs `ascore` (async),
   which the pipeline awaits.

The layers share one interface (`_layers.py`): each takes the case's evidence and one
output and returns findings; the scorer folds them into one `Check` per output, from
which a later layer can clear findings as well as add them.

Case rule (`samples_rule`, default `majority`, like accuracy): the case passes when a
majority of its outputs are free of hallucination; `samples_rule: all` fails the case as
soon as one sample hallucinates. The case score is the mean of the outputs' scores.

What is knowledge and what is question text (`is_knowledge_var`):
- knowledge (must support the output, with binding): `context`, references, and the vars
  that are documents — `knowledge_vars` when set (then only those), otherwise every var of
  at least 200 characters that the prompt does not present as the question (its name or
  the template text just before it says "question", 「質問」…); a system prompt of 200+
  characters adds support when the case is grounded otherwise (it never grounds a case
  on its own).
- question text (an answer may echo it without binding): the other vars (and variants),
  and the prompt's fixed wording (the template, and the system prompt when it is not
  knowledge) minus numbers and acronyms, so that an option list such as "(USD, EUR,
  CAD)" is no evidence for "USD".
The case is *grounded* when it has a context or a knowledge var; without grounding,
layer 2 does not run (short references cannot support every word of a fuller answer).

Not applicable (None): an answerable case with no knowledge, no forbidden answers and no
judge — there is nothing to check the output against.

Cost: a claim of a short answer that quotes its knowledge sentence by sentence is proven
supported without indexing the knowledge, and a sentence with one number changed is
flagged for that number without the index (`_verbatim`; property tests compare each with
the full path); knowledge indexes (`_knowledge`, `_evidence`) are cached per text, and the
older claim index (`_knowledge`) is built only for a claim it reads (binding, or a
polarity clash that a negation cue in the claim or the knowledge makes possible).

Blind spots: lexical support cannot see a paraphrase that changes meaning ("within 30
days" vs "after 30 days"), an inference the knowledge only implies ("three weeks is
outside the 14-day window"), or, beyond the role verbs and lists `_relations` reads,
which of two entities the knowledge links to a relation ("Target is second-largest,
behind Walmart"); the judge layer exists for these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from evalkit._i18n import Said
from evalkit.common.refusal import is_refusal
from evalkit.common.text import shorten
from evalkit.errors import ConfigProblem
from evalkit.scorers._calibration import MAX_RISK
from evalkit.scorers._grounding import Plan, is_knowledge_var, make_plan
from evalkit.scorers._judge import Judge, JudgeConfig
from evalkit.scorers._language import is_short_answer
from evalkit.scorers._layers import (
    LAYERS,
    CaseEvidence,
    Findings,
    Settings,
    abstention,
    claims,
    forbidden,
    support,
)
from evalkit.scorers._outcome import Check, combine
from evalkit.scorers.base import Params, check_samples_rule
from evalkit.values import HALLUCINATION, Score, ScorerConfig, ScoringInput

__all__ = [
    "make",
    "HallucinationScorer",
    "JudgedHallucinationScorer",
    "Settings",
    "is_knowledge_var",
]

Layer = Callable[[CaseEvidence, str], Findings]
# The layers a judge may clear: what lexical support reads. A known-false answer and an
# answered unanswerable case are facts of the case, not readings of the text.
CLEARABLE = frozenset({"claims", "specifics"})


class HallucinationScorer:
    """Lexical layers 1–4 (see the module docstring). Synchronous and fast."""

    metric = HALLUCINATION

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Fixed per scorer, read per output: decided once.
        self._lexical = bool(settings.layers & {"claims", "specifics"})

    # -- per case -----------------------------------------------------------------------
    def _evidence(self, item: ScoringInput) -> CaseEvidence:
        return CaseEvidence(item, make_plan(item, self.settings.knowledge_vars), self.settings)

    def _applies(self, item: ScoringInput, plan: Plan) -> bool:
        layers = self.settings.layers
        return bool(
            (plan.texts and self._lexical)
            or (item.case.forbidden and "forbidden" in layers)
            or (not item.case.answerable and "abstention" in layers)
            or self.settings.judge is not None
        )

    def score(self, item: ScoringInput) -> Score | None:
        ev = self._evidence(item)
        if not item.outputs or not self._applies(item, ev.plan):
            return None
        checks = [self.check_output(ev, out) for out in item.outputs]
        return self._combine(item, checks, [])

    # -- per output ----------------------------------------------------------------------
    def layers_for(self, ev: CaseEvidence, output: str, lexical: bool = True) -> list[Layer]:
        """The layers that read `output`, cheapest first: an answered unanswerable case
        needs no other; a short answer is checked claim by claim, a long one by its
        support score."""
        if not ev.item.case.answerable and "abstention" in self.settings.layers:
            return [abstention]
        chosen: list[Layer] = [forbidden]
        if lexical and ev.plan.texts and self._lexical:
            chosen.append(claims if is_short_answer(output) else support)
        return chosen

    def check_output(self, ev: CaseEvidence, output: str, lexical: bool = True) -> Check:
        check = Check()
        if not output.strip() or is_refusal(output):  # an empty output asserts nothing
            check.declined = True
            return check
        for layer in self.layers_for(ev, output, lexical):
            result = layer(ev, output)
            check.findings.extend(result.found)
            check.score = min(check.score, result.score)
            if result.claims:
                check.claims.extend(result.claims)
            check.note = check.note or result.note
        return check

    # -- case result ---------------------------------------------------------------------
    def _combine(
        self, item: ScoringInput, checks: Sequence[Check], verdicts: list[dict[str, Any]]
    ) -> Score:
        return combine(checks, item.labels, self.settings.samples_rule, verdicts)


class JudgedHallucinationScorer(HallucinationScorer):
    """Layers 1–4 plus the judge layer; the pipeline awaits `ascore`."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        assert settings.judge is not None
        self.judge = Judge(settings.judge)

    async def aclose(self) -> None:
        """Called by the pipeline when the run ends: close the judge's client."""
        await self.judge.aclose()

    async def ascore(self, item: ScoringInput) -> Score | None:
        ev = self._evidence(item)
        plan = ev.plan
        if not item.outputs:
            return None
        mode = self.settings.judge.mode if self.settings.judge is not None else "add"
        decide = mode == "decide"
        checks = [self.check_output(ev, out, lexical=not decide) for out in item.outputs]
        verdicts: list[dict[str, Any]] = []
        asked: list[int] = []
        for i, check in enumerate(checks):
            v: dict[str, Any] = {"label": item.labels[i] if i < len(item.labels) else f"sample {i}"}
            if check.declined:
                v.update(verdict=None, skipped="declined (never a hallucination)")
            elif mode == "verify" and (check.passed or not set(check.layers) <= CLEARABLE):
                why = (
                    "no lexical finding to review"
                    if check.passed
                    else "a known-false or unanswerable-case finding, which a judge does not clear"
                )
                v.update(verdict=None, skipped=why)
            elif mode == "add" and not check.passed:
                v.update(verdict=None, skipped="already flagged by the lexical layers")
            else:
                asked.append(i)
            verdicts.append(v)
        # The outputs of one case are judged concurrently.
        import asyncio  # only with a judge: a replayed run never loads it

        replies = await asyncio.gather(
            *(
                self.judge.verdict(item, i, plan.knowledge_text, "\n".join(plan.questions))
                for i in asked
            )
        )
        for i, reply in zip(asked, replies, strict=True):
            verdicts[i].update(reply)
            reasoning = shorten(reply.get("reasoning", ""), 120)
            if mode == "verify":
                # The judge reads meaning the lexical layers cannot: a paraphrase it
                # finds supported clears their findings (kept in details as cleared).
                if reply.get("verdict") == "supported":
                    checks[i].clear(CLEARABLE, "judge", reasoning)
            elif reply.get("verdict") == "unsupported":
                checks[i].fail("judge", Said("hal.judge", {"reasoning": reasoning}))
                checks[i].score = 0.0
        return self._combine(item, checks, verdicts)


_REPLACED = (
    (
        "min_coverage",
        "min_support",
        "min_support (default 0.70): the share of an answer's checkable content the "
        "knowledge must state",
    ),
    (
        "binding",
        "relations",
        "relations: true binds every claim (a claim's words stated together in one "
        "knowledge sentence; by default only an answer of one claim is bound)",
    ),
)


def make(config: ScorerConfig) -> HallucinationScorer:
    """Build the scorer from `scorers.hallucination` (see the module docstring for keys)."""
    if config.method not in (None, "layered"):
        raise ConfigProblem("method", f"expected layered (the default), got {config.method!r}")
    for old, new, what in _REPLACED:
        if old in config.params:
            raise ConfigProblem(old, f"this setting was replaced by {new}", what)
    p = Params(config.params)
    layers = set(LAYERS)
    for layer in LAYERS:
        if not p.boolean(layer, True):
            layers.discard(layer)
    knowledge_vars = p.get("knowledge_vars", [])
    if not isinstance(knowledge_vars, list) or not all(isinstance(v, str) for v in knowledge_vars):
        raise ConfigProblem(
            "knowledge_vars",
            f"expected a list of var names, got {knowledge_vars!r}",
            "the vars that hold grounding text, e.g. [policy]",
        )
    settings = Settings(
        layers=frozenset(layers),
        relations=p.boolean("relations", False),
        forbidden_similarity=p.number("forbidden_similarity", 0.9, lo=0, hi=1),
        knowledge_vars=tuple(knowledge_vars),
        samples_rule=check_samples_rule(p.get("samples_rule", "majority")),
        judge=JudgeConfig.parse(p.get("judge")),
        min_support=p.number("min_support", 0.70, lo=0, hi=1),
        max_risk=p.number("max_risk", MAX_RISK, lo=0, hi=1),
    )
    p.done()
    if settings.judge is not None:
        return JudgedHallucinationScorer(settings)
    return HallucinationScorer(settings)
